"""The duty catalogue: one YAML file per duty in audits/duties/, validated and synced to Duty rows.

A new duty, or a change to how one is recognised, is a data change: edit or add a file, bump its
`version`, run `manage.py load_duties`. Nothing here knows about any particular duty.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple, overload

import yaml
from django.db import transaction
from django.db.models import CharField

from audits.models import Duty
from trusts.models import OrgType

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "duties"
STRANDS = ("race", "disability", "gender", "equality", "workforce", "access", "information")
CODE_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MONTH_DAY_PATTERN = re.compile(r"^(\d\d)-(\d\d)$")


class CatalogueError(Exception):
    """A catalogue file is unreadable or invalid; the message names the file and the field."""


@dataclass(frozen=True)
class DutySpec:
    code: str
    version: str
    order: int
    title: str
    strand: str
    legal_basis: str
    citation: str
    requirement: str
    guidance: str
    org_types: list[str]
    min_headcount: int | None
    in_force_from: datetime.date
    in_force_until: datetime.date | None
    recency_rule: str
    recency_months: int
    cadence: dict[str, Any]
    evidence: dict[str, Any]
    source_file: str

    def duty_fields(self) -> dict[str, Any]:
        """The Duty model's field values for this spec."""
        return {
            "title": self.title,
            "strand": self.strand,
            "legal_basis": self.legal_basis,
            "citation": self.citation,
            "requirement": self.requirement,
            "guidance": self.guidance,
            "org_types": list(self.org_types),
            "min_headcount": self.min_headcount,
            "in_force_from": self.in_force_from,
            "in_force_until": self.in_force_until,
            "recency_rule": self.recency_rule,
            "recency_months": self.recency_months,
            "cadence": dict(self.cadence),
            "evidence_rules": self.evidence,
            "source_file": self.source_file,
            "catalogue_version": self.version,
            "sort_order": self.order,
        }


class SyncResult(NamedTuple):
    created: int
    updated: int
    unchanged: int


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its field name
    instead of escaping from the parser as a bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _File:
    """Field access for one file that turns every problem into a CatalogueError naming the field."""

    def __init__(self, name: str):
        self.name = name

    def error(self, field: str, message: str) -> CatalogueError:
        return CatalogueError(f"{self.name}: {field}: {message}")

    def check_mapping(self, value: Any, field: str, required: set[str], optional=frozenset()):
        if not isinstance(value, dict):
            raise self.error(field or "(top level)", "must be a mapping")
        where = f"{field}." if field else ""
        for key in value:
            if key not in required | optional:
                raise self.error(f"{where}{key}", "unknown field")
        for key in sorted(required - value.keys()):
            raise self.error(f"{where}{key}", "missing")
        return value

    def text(self, value: Any, field: str, max_length: int | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, "must be non-empty text")
        value = value.strip()
        if max_length and len(value) > max_length:
            raise self.error(field, f"must be at most {max_length} characters, not {len(value)}")
        return value

    def prose(self, value: Any, field: str) -> str:
        """Text a person reads: the file's line wrapping undone, its blank-line paragraphs kept."""
        paragraphs = re.split(r"\n\s*\n", self.text(value, field))
        return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)

    @overload
    def integer(self, value: Any, field: str, minimum: int, optional: Literal[False] = False) -> int: ...
    @overload
    def integer(self, value: Any, field: str, minimum: int, optional: Literal[True]) -> int | None: ...
    def integer(self, value: Any, field: str, minimum: int, optional: bool = False) -> int | None:
        if value is None and optional:
            return None
        # bool is an int subclass; `true` is never a meaningful count.
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(field, f"must be a whole number of at least {minimum}")
        return value

    @overload
    def date(self, value: Any, field: str, optional: Literal[False] = False) -> datetime.date: ...
    @overload
    def date(self, value: Any, field: str, optional: Literal[True]) -> datetime.date | None: ...
    def date(self, value: Any, field: str, optional: bool = False) -> datetime.date | None:
        if value is None and optional:
            return None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise self.error(field, f"must be a date YYYY-MM-DD, not {value!r}") from None

    def month_day(self, value: Any, field: str) -> str:
        """A day of the year, MM-DD, that comes every year (so never 29 February)."""
        match = MONTH_DAY_PATTERN.match(value) if isinstance(value, str) else None
        if match:
            try:
                datetime.date(2001, int(match[1]), int(match[2]))  # 2001 is not a leap year
                return value
            except ValueError:
                pass
        raise self.error(field, f'must be a day of every year as MM-DD, such as "03-30", not {value!r}')

    def choice(self, value: Any, field: str, choices) -> str:
        if value not in choices:
            raise self.error(field, f"must be one of {', '.join(choices)}")
        return value

    def texts(self, value: Any, field: str, allow_empty: bool = False) -> list[str]:
        if not isinstance(value, list) or (not value and not allow_empty):
            need = "a list" if allow_empty else "a list with at least one item"
            raise self.error(field, f"must be {need}")
        return [self.text(item, f"{field}[{i}]") for i, item in enumerate(value)]

    def patterns(self, value: Any, field: str, allow_empty: bool = False) -> list[str]:
        patterns = self.texts(value, field, allow_empty)
        for i, pattern in enumerate(patterns):
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise self.error(f"{field}[{i}]", f"invalid regex: {exc}") from None
        return patterns


def _max_length(name: str) -> int:
    field = Duty._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length, f"{name} is a text column with a length"
    return field.max_length


def _parse_evidence(f: _File, raw: Any) -> dict[str, Any]:
    f.check_mapping(
        raw, "evidence", {"names", "phrases", "required", "negatives"}, {"combined", "sections", "abbreviations"}
    )
    evidence: dict[str, Any] = {
        "names": f.patterns(raw["names"], "evidence.names"),
        "phrases": f.patterns(raw["phrases"], "evidence.phrases", allow_empty=True),
    }
    required = f.check_mapping(raw["required"], "evidence.required", {"min", "patterns"}, {"figures"})
    patterns = f.patterns(required["patterns"], "evidence.required.patterns", allow_empty=True)
    minimum = f.integer(required["min"], "evidence.required.min", 0)
    if minimum > len(patterns):
        raise f.error("evidence.required.min", f"is {minimum} but there are only {len(patterns)} patterns")
    evidence["required"] = {"min": minimum, "patterns": patterns}
    if "figures" in required:
        # The quantitative content a report must hold: at least `min` distinct matches of `pattern`.
        figures = f.check_mapping(required["figures"], "evidence.required.figures", {"min", "pattern"})
        evidence["required"]["figures"] = {
            "min": f.integer(figures["min"], "evidence.required.figures.min", 1),
            "pattern": f.patterns([figures["pattern"]], "evidence.required.figures.pattern")[0],
        }

    if not isinstance(raw["negatives"], list):
        raise f.error("evidence.negatives", "must be a list")
    negatives = []
    for i, item in enumerate(raw["negatives"]):
        field = f"evidence.negatives[{i}]"
        f.check_mapping(item, field, {"pattern", "reason"})
        negatives.append(
            {
                "pattern": f.patterns([item["pattern"]], f"{field}.pattern")[0],
                "reason": f.text(item["reason"], f"{field}.reason"),
            }
        )
    evidence["negatives"] = negatives

    if "abbreviations" in raw:
        # How trusts shorten the document's name in a link ("To read the RES, click here"): capitals, matched
        # as written. They lead the crawl to a document; the document itself must still name the duty.
        abbreviations = raw["abbreviations"]
        if not isinstance(abbreviations, list) or not all(
            isinstance(a, str) and re.fullmatch(r"[A-Z]{2,8}", a) for a in abbreviations
        ):
            raise f.error("evidence.abbreviations", "must be a list of words in capitals, such as RES")
        evidence["abbreviations"] = abbreviations
    if "sections" in raw:
        # Headings of a section inside another document that holds this duty's content.
        evidence["sections"] = f.patterns(raw["sections"], "evidence.sections")
    if "combined" in raw:
        combined = f.check_mapping(raw["combined"], "evidence.combined", {"names", "strand"})
        evidence["combined"] = {
            "names": f.patterns(combined["names"], "evidence.combined.names"),
            "strand": f.patterns(combined["strand"], "evidence.combined.strand"),
        }
    return evidence


def _parse_cadence(f: _File, raw: Any) -> dict[str, Any]:
    """When the duty falls due: every `every_months` after the last publication, or, with `due_by`,
    on that day of the year, for the data as at `snapshot` (audits/calendar.py reads it)."""
    f.check_mapping(raw, "cadence", {"every_months"}, {"due_by", "snapshot"})
    cadence: dict[str, Any] = {"every_months": f.integer(raw["every_months"], "cadence.every_months", 1)}
    for key in ("due_by", "snapshot"):
        if key in raw:
            cadence[key] = f.month_day(raw[key], f"cadence.{key}")
    if "snapshot" in cadence and "due_by" not in cadence:
        raise f.error("cadence.snapshot", "needs cadence.due_by: a snapshot goes with a fixed deadline")
    if "due_by" in cadence and cadence["every_months"] % 12:
        raise f.error("cadence.every_months", "must be a whole number of years (12, 24, ...) with cadence.due_by")
    return cadence


def parse_duty_file(path: Path) -> DutySpec:
    """Read and validate one catalogue file."""
    f = _File(path.name)
    try:
        # _Loader is a SafeLoader: no arbitrary objects, only dates kept as text.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path.name}: cannot read: {exc}") from None
    top = {
        "code", "version", "order", "title", "strand", "legal_basis", "citation",
        "requirement", "guidance", "applies_to", "in_force", "recency", "cadence", "evidence",
    }  # fmt: skip
    f.check_mapping(raw, "", top)

    code = f.text(raw["code"], "code", _max_length("code"))
    if not CODE_PATTERN.match(code):
        raise f.error("code", "must be lower-case words joined by hyphens")
    if code != path.stem:
        raise f.error("code", f"is {code!r} but the file is named {path.name}; they must match")

    applies = f.check_mapping(raw["applies_to"], "applies_to", {"org_types", "min_headcount"})
    org_types = f.texts(applies["org_types"], "applies_to.org_types")
    for i, org_type in enumerate(org_types):
        f.choice(org_type, f"applies_to.org_types[{i}]", OrgType.values)
    in_force = f.check_mapping(raw["in_force"], "in_force", {"from", "until"})
    start = f.date(in_force["from"], "in_force.from")
    until = f.date(in_force["until"], "in_force.until", optional=True)
    if until is not None and until < start:
        raise f.error("in_force.until", f"{until} is before in_force.from {start}")
    recency = f.check_mapping(raw["recency"], "recency", {"rule", "months"})

    return DutySpec(
        code=code,
        version=f.text(raw["version"], "version", _max_length("catalogue_version")),
        order=f.integer(raw["order"], "order", 0),
        title=f.text(raw["title"], "title", _max_length("title")),
        strand=f.choice(raw["strand"], "strand", STRANDS),
        legal_basis=f.text(raw["legal_basis"], "legal_basis", _max_length("legal_basis")),
        citation=f.text(raw["citation"], "citation", _max_length("citation")),
        requirement=f.prose(raw["requirement"], "requirement"),
        guidance=f.prose(raw["guidance"], "guidance"),
        org_types=org_types,
        min_headcount=f.integer(applies["min_headcount"], "applies_to.min_headcount", 1, optional=True),
        in_force_from=start,
        in_force_until=until,
        recency_rule=f.choice(recency["rule"], "recency.rule", Duty.RecencyRule.values),
        recency_months=f.integer(recency["months"], "recency.months", 1),
        cadence=_parse_cadence(f, raw["cadence"]),
        evidence=_parse_evidence(f, raw["evidence"]),
        source_file=path.name,
    )


def load_catalogue(directory: Path = DEFAULT_DIRECTORY) -> list[DutySpec]:
    """Parse and validate every *.yaml file in the directory, in display order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CatalogueError(f"{directory}: not a directory")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise CatalogueError(f"{directory}: no *.yaml duty files")
    specs: list[DutySpec] = []
    seen: dict[str, str] = {}
    for path in files:
        spec = parse_duty_file(path)
        # The code must equal the file's stem, so this catches x.yaml beside x.yml.
        if spec.code in seen:
            raise CatalogueError(f"{path.name}: code: {spec.code!r} is also defined in {seen[spec.code]}")
        seen[spec.code] = path.name
        specs.append(spec)
    return sorted(specs, key=lambda s: (s.order, s.code))


def sync_catalogue(specs: list[DutySpec]) -> SyncResult:
    """Create or update a Duty row per spec, by code, all or nothing.

    Duties missing from the catalogue are kept: findings and past cycles point at them.
    """
    created = updated = unchanged = 0
    with transaction.atomic():
        rows = Duty.objects.select_for_update().filter(code__in=[s.code for s in specs])
        existing = {duty.code: duty for duty in rows}
        for spec in specs:
            fields = spec.duty_fields()
            duty = existing.get(spec.code)
            if duty is None:
                Duty.objects.create(code=spec.code, **fields)
                created += 1
                continue
            changed = [name for name, value in fields.items() if getattr(duty, name) != value]
            if not changed:
                unchanged += 1
                continue
            for name in changed:
                setattr(duty, name, fields[name])
            duty.save(update_fields=changed)
            updated += 1
    return SyncResult(created, updated, unchanged)
