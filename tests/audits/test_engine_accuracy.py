"""Accuracy on documents written like real public NHS trust publications, and on their hard negatives.

tests/audits/engine_fixtures/manifest.yaml lists, for each duty, the documents and the truth a careful
inspector gives them (met / not_met, and why). Each case is a tiny trust website on loopback: a home
page linking to the document (or the case's own pages), crawled and decided as a site check is.
Plain-text fixtures become PDFs, Word documents or scanned PDFs here, when the case says so.
"""

import asyncio
import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from audits.catalogue import load_catalogue
from audits.crawler.crawling import crawl
from audits.crawler.fetching import Fetcher
from audits.crawler.matching import TrustIdentity, decide
from audits.crawler.rules import DutyRules
from demo.serve import Page, SiteServer
from demo.websites.blocks import esc, render_docx, render_pdf, render_scan

FIXTURES = Path(__file__).parent / "engine_fixtures"
# Whose website a case is, unless it names its own `trust`.
TRUST = "Northmoor Hospitals NHS Trust"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def blocks_of(text: str) -> list:
    """A plain-text fixture as document blocks: '# ' and '## ' headings, '- ' lists, 'a | b' table rows."""
    blocks: list = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            level = "h1" if not line.startswith("##") else "h2"
            blocks.append((level, line.lstrip("#").strip()))
        elif line.startswith("- "):
            if blocks and blocks[-1][0] == "ul":
                blocks[-1][1].append(line[2:])
            else:
                blocks.append(("ul", [line[2:]]))
        elif " | " in line:
            cells = [c.strip() for c in line.removesuffix("|").split(" | ")]
            if blocks and blocks[-1][0] == "table":
                head = blocks[-1][1][0]
                blocks[-1][1][1].append((cells + [""] * len(head))[: len(head)])
            else:
                blocks.append(("table", (cells, [])))
        else:
            blocks.append(("p", line))
    return blocks


def document(path: Path, render_as: str | None, title: str | None) -> tuple[bytes, str]:
    """The bytes served for a fixture file, and their extension."""
    if not render_as:
        return path.read_bytes(), path.suffix
    blocks = blocks_of(path.read_text())
    if render_as == "pdf":
        return render_pdf(blocks, title, ""), ".pdf"
    if render_as == "docx":
        return render_docx(blocks, title), ".docx"
    if render_as == "scan":
        return render_scan(blocks, title), ".pdf"
    raise ValueError(render_as)


def site_of(duty: str, case: dict) -> dict[str, Page]:
    """The case's website: its own pages, or a home page linking to its one document."""
    trust = case.get("trust", TRUST)
    pages = {}
    for path, file in case.get("pages", {}).items():
        # A case's web pages are served as written; its plain-text documents rendered as the case says.
        render_as = case.get("as") if file.endswith(".txt") else None
        body, extension = document(FIXTURES / duty / file, render_as, case.get("title"))
        pages[path] = Page(body, CONTENT_TYPES.get(extension, "application/octet-stream"))
    if "file" in case:
        body, extension = document(FIXTURES / duty / case["file"], case.get("as"), case.get("title"))
        link = f"/docs/{Path(case['file']).stem}{extension}"
        pages[link] = Page(body, CONTENT_TYPES[extension])
        home = (
            f"<!doctype html><html lang='en'><head><title>{esc(trust)}: home</title></head><body>"
            f"<h1>Welcome to {esc(trust)}</h1><p>Caring for our communities.</p>"
            f"<ul><li><a href='/contact.html'>Contact us</a></li>"
            f"<li><a href='{link}'>{esc(case['link'])}</a></li></ul></body></html>"
        )
        pages["/"] = Page(home.encode())
        pages["/contact.html"] = Page(
            b"<html><head><title>Contact us</title></head><body><p>Call 01632 960000.</p></body></html>"
        )
    return pages


def load_cases() -> tuple[dict[str, dict], list[tuple[str, dict]]]:
    manifest = yaml.safe_load((FIXTURES / "manifest.yaml").read_text())
    cases = [(duty, case) for duty, spec in manifest.items() for case in spec["cases"]]
    return manifest, cases


def duty_rules() -> dict[str, DutyRules]:
    return {spec.code: DutyRules.of(SimpleNamespace(code=spec.code, **spec.duty_fields())) for spec in load_catalogue()}


def confusion(results: list[tuple[str, str, str, str]]) -> str:
    """Per duty: truth met found met / not_met / review, truth not_met likewise."""
    lines = [f"{'duty':32} {'cases':>5} {'agree':>6}   met→met/not/rev   not→met/not/rev"]
    for duty in sorted({r[0] for r in results}):
        rows = [r for r in results if r[0] == duty]
        cells = [
            sum(1 for r in rows if r[2] == truth and r[3] == found)
            for truth in ("met", "not_met")
            for found in ("met", "not_met", "review")
        ]
        agree = sum(r[2] == r[3] for r in rows) / len(rows)
        lines.append(
            f"{duty:32} {len(rows):5} {agree:6.0%}   {cells[0]:4}{cells[1]:4}{cells[2]:4}      "
            f"{cells[3]:4}{cells[4]:4}{cells[5]:4}"
        )
    return "\n".join(lines)


def test_every_duty_has_ten_documents_with_positives_and_negatives():
    manifest, cases = load_cases()
    assert set(manifest) == set(duty_rules())
    for duty, spec in manifest.items():
        truths = [case["truth"] for case in spec["cases"]]
        assert len(truths) >= 10 and {"met", "not_met"} <= set(truths), duty
        assert all(case.get("why") for case in spec["cases"]), duty


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_engine_agrees_with_the_truth_on_at_least_97_percent_of_documents():
    manifest, cases = load_cases()
    rules = duty_rules()
    sites = {f"{duty}/{i}": site_of(duty, case) for i, (duty, case) in enumerate(cases)}
    results, wrong = [], []
    with SiteServer(sites, first_address="127.0.90.1") as server:
        for i, (duty, case) in enumerate(cases):
            audit_date = manifest[duty]["audit_date"]
            assert isinstance(audit_date, datetime.date)
            fetcher = Fetcher(
                user_agent="test", delay=0, allow_private=True, max_bytes=10_000_000, connect_timeout=5, read_timeout=5
            )
            try:
                trust = TrustIdentity(case.get("trust", TRUST), former_names=tuple(case.get("former_names", ())))
                result = asyncio.run(
                    crawl(server.url(f"{duty}/{i}"), [rules[duty]], audit_date, fetcher, page_budget=20, trust=trust)
                )
            finally:
                fetcher.close()
            verdict = decide(
                rules[duty],
                audit_date,
                candidates=result.candidates(duty),
                problems=result.problems,
                covered=result.covered,
                pages=result.pages,
            )
            results.append(
                (duty, case.get("file") or next(iter(case["pages"].values())), case["truth"], verdict.status)
            )
            if verdict.status != case["truth"]:
                wrong.append(
                    f"{duty} {results[-1][1]}: {verdict.status}, truth {case['truth']} ({case['why']})"
                    f"\n    {verdict.rationale}"
                )
    matrix = confusion(results)
    agreement = sum(r[2] == r[3] for r in results) / len(results)
    report = f"{matrix}\noverall {agreement:.1%} of {len(results)}\n" + "\n".join(wrong)
    print(report)
    assert agreement >= 0.97, report
