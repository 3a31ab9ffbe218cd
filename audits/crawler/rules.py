"""A duty's evidence rules as the matcher reads them, built once from the catalogue's stored form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .cadence import YearlyDeadline
from .statuses import RecencyRule


@dataclass(frozen=True)
class Negative:
    pattern: str
    reason: str  # why a document it names does not count ("it is a draft")


@dataclass(frozen=True)
class Combined:
    """A scheme for several strands (a single equality scheme) counts only if it covers this duty's."""

    names: tuple[str, ...]
    strand: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceRules:
    """Regular expressions, matched ignoring case, that say which document is a duty's (see audits/duties/)."""

    names: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    required_min: int = 0
    # Quantitative content a report must hold (figures by ethnic group, pay gap percentages): at least
    # figures_min distinct matches of this pattern.
    figures: str = ""
    figures_min: int = 0
    negatives: tuple[Negative, ...] = ()
    sections: tuple[str, ...] = ()  # the heading of the duty's part inside another document
    combined: Combined | None = None
    # Capitals a link may shorten the document's name to ("RES"): they lead the crawl to it, matched as written.
    abbreviations: tuple[str, ...] = ()

    @classmethod
    def from_catalogue(cls, evidence: dict[str, Any]) -> EvidenceRules:
        """From a duty's `evidence_rules`, as audits/catalogue.py validated and stored them."""
        required = evidence.get("required", {})
        figures = required.get("figures", {})
        combined = evidence.get("combined")
        return cls(
            names=tuple(evidence.get("names", ())),
            phrases=tuple(evidence.get("phrases", ())),
            required=tuple(required.get("patterns", ())),
            required_min=required.get("min", 0),
            figures=figures.get("pattern", ""),
            figures_min=figures.get("min", 0),
            negatives=tuple(Negative(n["pattern"], n["reason"]) for n in evidence.get("negatives", ())),
            sections=tuple(evidence.get("sections", ())),
            combined=Combined(tuple(combined["names"]), tuple(combined["strand"])) if combined else None,
            abbreviations=tuple(evidence.get("abbreviations", ())),
        )


class CatalogueDuty(Protocol):
    """What the crawler reads of a duty of the catalogue (audits.models.Duty)."""

    code: str
    title: str
    evidence_rules: Any
    recency_rule: str
    recency_months: int
    cadence: Any


@dataclass(frozen=True)
class DutyRules:
    """One duty as the crawl and the matcher need it."""

    code: str
    title: str
    evidence: EvidenceRules
    recency_rule: RecencyRule
    recency_months: int
    # A yearly report due by a fixed day: current only if it is the one due by the audit date.
    deadline: YearlyDeadline | None = None

    @classmethod
    def of(cls, duty: CatalogueDuty) -> DutyRules:
        return cls(
            duty.code,
            duty.title,
            EvidenceRules.from_catalogue(duty.evidence_rules),
            RecencyRule(duty.recency_rule),
            duty.recency_months,
            YearlyDeadline.of(duty.cadence or {}),
        )
