"""Fictional NHS trust websites whose truth is known: for `make demo`, the accuracy test and benchmarks.

Each trust gets a folder of files (served by demo/serve.py, one site per folder). For every duty
the generator first decides the truth (what a careful human auditor would conclude at the audit
date) and a variant, then builds the evidence or the trap that variant stands for, and records why
in TrustSpec.notes. Traps are things that look like the document but are not: out-of-date schemes,
drafts, blank forms and templates, promises, job adverts, charity news. Met documents are messy on
purpose: titles without years, informal link text, opaque URLs, deep navigation, single schemes.

Links are relative, so a site works at any base URL; sitemap locations are relative too.

The parts: `truth` (duties, eras, the truth and variant per trust), `trusts` (names, codes, the
register), `site` (one website's layout, pages and links), `blocks` (document content rendered as
HTML, PDF, scanned PDF or DOCX), `documents_2007` and `documents_2024` (the documents themselves),
`duties` (each duty's evidence or trap placed on a site), `filler` (news, services, jobs, papers).
"""

from __future__ import annotations

import random
from pathlib import Path

from demo.websites.duties import BUILD_ORDER, BUILDERS
from demo.websites.filler import add_filler
from demo.websites.site import Site
from demo.websites.trusts import letterhead, make_trusts, write_register, write_truth
from demo.websites.truth import DES, ERAS, GPG, MET, NOT_MET, RES, TrustSpec, plan_truth

__all__ = [
    "DES",
    "ERAS",
    "GPG",
    "MET",
    "NOT_MET",
    "RES",
    "TrustSpec",
    "generate",
    "letterhead",
    "write_register",
    "write_truth",
]


def generate(out_dir: Path, n: int = 30, seed: int = 2007, era: str = "2007", pages: int = 30) -> list[TrustSpec]:
    """Write n trust websites under out_dir/<ods code lower>/ and return their specs with truth."""
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r}; expected one of {', '.join(ERAS)}")
    config = ERAS[era]
    rng = random.Random(f"{seed}:{era}")
    specs = make_trusts(n, era, config, rng)
    plans = plan_truth(specs, config, rng)
    for i, (spec, plan) in enumerate(zip(specs, plans, strict=True)):
        site = Site(spec, config, random.Random(f"{seed}:{era}:{i}"))
        for duty in BUILD_ORDER:
            if duty in plan:
                truth, variant = plan[duty]
                spec.truth[duty] = truth
                spec.notes[duty] = BUILDERS[duty](site, truth, variant, plan)
        add_filler(site, pages)
        site.write(Path(out_dir) / spec.ods_code.lower())
    return specs
