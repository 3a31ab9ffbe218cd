"""What each generated trust truly owes and shows: duty codes, eras, and the truth and variant per duty."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

MET, NOT_MET = "met", "not_met"
RES, REM, RIA, DES = (
    "race-equality-scheme",
    "race-employment-monitoring",
    "race-impact-assessment",
    "disability-equality-scheme",
)
INFO, OBJ, GPG, WRES, WDES, A11Y, FOI = (
    "psed-equality-information",
    "psed-equality-objectives",
    "gender-pay-gap",
    "wres-report",
    "wdes-report",
    "accessibility-statement",
    "foi-publication-scheme",
)


@dataclass
class TrustSpec:
    ods_code: str
    name: str
    org_type: str
    region: str
    headcount: int | None
    truth: dict[str, str]
    notes: dict[str, str]
    era: str = "2007"
    domain: str = ""
    broken_links: list[str] = field(default_factory=list)  # site paths linked on purpose, absent


@dataclass(frozen=True)
class Era:
    audit_date: date
    not_met_share: dict[str, float]  # duty -> share of trusts whose truth is not_met
    org_types: dict[str, float]
    regions: tuple[str, ...]
    news_from: date  # news items are dated in the year before the audit date


ERAS = {
    "2007": Era(
        date(2007, 4, 1),
        {RES: 0.3, REM: 0.4, RIA: 0.4, DES: 0.25},
        {
            "primary_care": 0.38,
            "acute": 0.25,
            "foundation": 0.12,
            "mental_health": 0.12,
            "ambulance": 0.05,
            "care_trust": 0.08,
        },
        (
            "North East",
            "North West",
            "Yorkshire and the Humber",
            "East Midlands",
            "West Midlands",
            "East of England",
            "London",
            "South East Coast",
            "South Central",
            "South West",
        ),
        date(2006, 4, 1),
    ),
    "2024": Era(
        date(2025, 4, 1),
        {INFO: 0.3, OBJ: 0.35, GPG: 0.3, WRES: 0.35, WDES: 0.35, A11Y: 0.3, FOI: 0.3},
        {
            "acute": 0.33,
            "foundation": 0.3,
            "mental_health": 0.15,
            "community": 0.08,
            "ambulance": 0.05,
            "specialist": 0.09,
        },
        ("North East and Yorkshire", "North West", "Midlands", "East of England", "London", "South East", "South West"),
        date(2024, 4, 1),
    ),
}


# Variants per duty: (met variants, not_met traps). Each trust takes the next from a shuffled
# cycle, so every kind appears once n is about ten.
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RES: (
        ("pdf", "html", "docx", "no_year", "single", "single", "scan"),
        ("outdated", "draft", "on_request", "race_for_life", "officer_job", "none"),
    ),
    REM: (
        ("pdf", "html", "docx", "in_annual_report"),
        ("blank_form", "stale", "no_ethnicity", "board_minutes", "promise"),
    ),
    RIA: (("pdf", "html", "in_scheme", "docx"), ("template", "schedule", "promise", "none")),
    DES: (("pdf", "html", "docx", "no_year"), ("promise", "draft", "access_guide", "none")),
    INFO: (("pdf", "html", "docx"), ("stale", "promise", "patient_form")),
    OBJ: (("html", "pdf", "in_report"), ("stale", "draft", "none")),
    GPG: (("pdf", "html", "no_snapshot_in_title"), ("stale", "external_only", "none")),
    WRES: (("pdf", "html", "combined"), ("stale", "network_page", "none")),
    WDES: (("pdf", "docx", "html"), ("stale", "disability_confident", "none")),
    A11Y: (("footer", "help_page"), ("tools_only", "physical_access", "none")),
    FOI: (("html", "pdf"), ("request_only", "disclosure_log", "none")),
}


def plan_truth(specs: list[TrustSpec], era: Era, rng: random.Random) -> list[dict[str, tuple[str, str]]]:
    """Truth and variant per trust and duty: exact not_met shares, every variant in turn."""
    plans: list[dict[str, tuple[str, str]]] = [{} for _ in specs]
    for duty, share in era.not_met_share.items():
        owing = [
            i for i, spec in enumerate(specs) if duty != GPG or (spec.headcount is not None and spec.headcount >= 250)
        ]
        k = round(len(owing) * share)
        statuses = [NOT_MET] * k + [MET] * (len(owing) - k)
        rng.shuffle(statuses)
        met, traps = (list(v) for v in VARIANTS[duty])
        rng.shuffle(met)
        rng.shuffle(traps)
        counters = {MET: 0, NOT_MET: 0}
        for i, status in zip(owing, statuses, strict=True):
            pool = met if status == MET else traps
            plans[i][duty] = (status, pool[counters[status] % len(pool)])
            counters[status] += 1
    for plan in plans:  # a document can only hold another duty's evidence if it exists
        if plan.get(RIA) == (MET, "in_scheme") and plan[RES] not in {
            (MET, v) for v in ("pdf", "html", "docx", "no_year", "single")
        }:
            plan[RIA] = (MET, "pdf")
        if plan.get(OBJ) == (MET, "in_report") and plan[INFO][0] != MET:
            plan[OBJ] = (MET, "html")
        if plan.get(WRES) == (MET, "combined") and plan[WDES][0] != MET:
            plan[WRES] = (MET, "pdf")
    return plans
