"""The statutory calendar: when each trust's next publication of each duty falls due.

A duty's `cadence` (its catalogue file) says how often it falls due: `every_months` after the last
publication, or, with `due_by`, on that day of the year (for the data as at `snapshot`). A trust's
last publication is the evidence of its latest published finding for the duty, dated by what the
matcher read in it: when the document says it was published, else the period it covers.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from .crawler.cadence import YearlyDeadline, add_months, day_in
from .lifecycle import states
from .models import Duty, Evidence, Finding

DUE_SOON_DAYS = 60


class DueState(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    NOT_YET_DUE = "not_yet_due", "Not yet due"
    UNKNOWN = "unknown", "Not known: no dated publication"


class PublicationDates(NamedTuple):
    """What the calendar reads of a finding's evidence: the dates the matcher found in the document."""

    published_on: datetime.date | None
    covers_from: datetime.date | None
    covers_until: datetime.date | None


def next_due(duty: Duty, evidence: Evidence | PublicationDates | None) -> datetime.date | None:
    """When the publication after this one falls due; None when the evidence carries no date."""
    every = duty.cadence.get("every_months")
    # No evidence, or a duty row synced before the catalogue said when duties fall due: nothing to count from.
    if evidence is None or every is None:
        return None
    if deadline := YearlyDeadline.of(duty.cadence):
        answered = deadline.answered(evidence.published_on, evidence.covers_until)
        return add_months(answered, every) if answered else None
    # A plan (a scheme, objectives) is issued as its period starts; a report once its period ends.
    period_date = evidence.covers_from if duty.recency_rule == Duty.RecencyRule.COVERS else evidence.covers_until
    last = evidence.published_on or period_date
    return add_months(last, every) if last else None


def snapshot_for(duty: Duty, due: datetime.date | None) -> datetime.date | None:
    """The date the data due on `due` is as at, for a duty with a snapshot date."""
    if due is None or "snapshot" not in duty.cadence:
        return None
    this_year = day_in(due.year, duty.cadence["snapshot"])
    return this_year if this_year <= due else day_in(due.year - 1, duty.cadence["snapshot"])


def due_state(due: datetime.date | None, today: datetime.date) -> DueState:
    if due is None:
        return DueState.UNKNOWN
    if due < today:
        return DueState.OVERDUE
    if due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return DueState.DUE_SOON
    return DueState.NOT_YET_DUE


@dataclass(frozen=True)
class Entry:
    """One trust's next publication of one duty, judged by the finding `finding_id` of `cycle_name`."""

    finding_id: int
    organisation_name: str
    ods_code: str
    duty: Duty
    cycle_name: str
    due: datetime.date | None
    state: DueState
    snapshot: datetime.date | None


def calendar(today: datetime.date, organisation_id: int | None = None, duty_code: str = "") -> list[Entry]:
    """Every trust's (or one trust's) next publication of every duty in force today, soonest due first.

    Each (trust, duty) is judged by its finding in the latest cycle shown to trusts that checked it,
    so a cycle that rechecked only some duties does not hide the others. Read as plain rows: the
    published cycles together hold every trust's finding of every duty several times over.
    """
    findings = Finding.objects.filter(
        cycle__status__in=states("show_to_trusts"), duty__in_force_from__lte=today
    ).exclude(duty__in_force_until__lt=today)
    if organisation_id is not None:
        findings = findings.filter(organisation_id=organisation_id)
    if duty_code:
        findings = findings.filter(duty__code=duty_code)
    newest_first = Window(
        RowNumber(),
        partition_by=[F("organisation_id"), F("duty_id")],
        order_by=[F("cycle__audit_date").desc(), F("cycle_id").desc()],
    )
    rows = findings.annotate(newest=newest_first).filter(newest=1).values_list(
        "duty_id", "pk", "organisation__name", "organisation__ods_code", "cycle__name",
        "evidence__published_on", "evidence__covers_from", "evidence__covers_until",
    )  # fmt: skip
    duties = Duty.objects.defer("evidence_rules").in_bulk()
    entries = []
    for duty_id, pk, name, ods_code, cycle_name, *dates in rows:
        duty = duties[duty_id]
        due = next_due(duty, PublicationDates(*dates))
        entries.append(Entry(pk, name, ods_code, duty, cycle_name, due, due_state(due, today), snapshot_for(duty, due)))
    return sorted(entries, key=_soonest_first)


def _soonest_first(entry: Entry) -> tuple:
    # Undated entries last: nothing can be said of when they fall due.
    return (entry.due is None, entry.due or datetime.date.max, entry.organisation_name, entry.duty.sort_order)
