"""A trust's history: per duty, its status in every published cycle, and a timeline of its letters,
reminders, answers, rechecks and case outcomes. Built for one viewer: a trust user reads only what
trusts may see (published cycles, issued letters), through each model's `visible_to`."""

import datetime
from dataclasses import dataclass

from audits import lifecycle
from audits.models import AuditCycle, Duty, Finding, FindingChange, TrustResponse
from audits.publication import trust_label, trust_status_class
from reports.models import Letter
from trusts.models import Organisation

from .models import Case, Reminder


@dataclass(frozen=True)
class Cell:
    label: str
    css: str


@dataclass(frozen=True)
class DutyRow:
    duty: Duty
    cells: list[Cell | None]  # one per cycle; None where the duty was not checked


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    title: str
    detail: str = ""


def status_by_cycle(organisation: Organisation, user) -> tuple[list[AuditCycle], list[DutyRow]]:
    """The published cycles (oldest first) and, per duty, its status in each as the trust reads it."""
    findings = (
        Finding.objects.visible_to(user)
        .with_effective_status()
        .filter(lifecycle.shown_to_trusts("cycle"), organisation=organisation)
        .select_related("cycle", "duty")
        .defer("duty__evidence_rules", "rationale")
        .order_by("cycle__audit_date", "cycle__pk")
    )
    cycles: dict[int, AuditCycle] = {}
    statuses: dict[Duty, dict[int, str]] = {}
    for finding in findings:
        cycles.setdefault(finding.cycle_id, finding.cycle)
        statuses.setdefault(finding.duty, {})[finding.cycle_id] = finding.effective
    rows = [
        DutyRow(duty, [status_cell(by_cycle.get(cycle_id)) for cycle_id in cycles])
        for duty, by_cycle in sorted(statuses.items(), key=lambda item: (item[0].sort_order, item[0].code))
    ]
    return list(cycles.values()), rows


def status_cell(status: str | None) -> Cell | None:
    """A status as the trust reads it, with its tag's class."""
    return Cell(trust_label(status), trust_status_class(status)) if status else None


def timeline(organisation: Organisation, user) -> list[Event]:
    """Everything that happened between the regulator and the trust, oldest first."""
    events = [*_letters(organisation, user), *_reminders(organisation, user), *_answers(organisation, user)]
    events += [*_rechecks(organisation, user), *_outcomes(organisation, user)]
    return sorted(events, key=lambda event: event.at)


def _letters(organisation: Organisation, user) -> list[Event]:
    issued = Letter.objects.visible_to(user).filter(organisation=organisation, issued_at__isnull=False)
    events = []
    for letter in issued.select_related("cycle"):
        deadline = f" Deadline {letter.deadline:%-d %B %Y}." if letter.kind != Letter.Kind.COMPLIANT else ""
        detail = f"{letter.get_kind_display()}, audit {letter.cycle.name}.{deadline}"
        events.append(Event(letter.issued_at, f"Letter {letter.reference} issued", detail))
        if letter.withdrawn_at:
            events.append(Event(letter.withdrawn_at, f"Letter {letter.reference} withdrawn", letter.withdrawal_reason))
    return events


def _reminders(organisation: Organisation, user) -> list[Event]:
    sent = Reminder.objects.filter(case__in=Case.objects.visible_to(user), case__organisation=organisation)
    return [
        Event(
            r.sent_at,
            "Reminder sent",
            f"The deadline of letter {r.letter.reference} is {r.letter.deadline:%-d %B %Y}.",
        )
        for r in sent.filter(recipients__gt=0).select_related("letter")
    ]


def _answers(organisation: Organisation, user) -> list[Event]:
    answers = TrustResponse.objects.visible_to(user).filter(organisation=organisation).select_related("finding__duty")
    events = []
    for answer in answers:
        duty = answer.finding.duty.title
        events.append(Event(answer.created_at, f"Answer on {duty}", answer.comment))
        if answer.resolved_at:
            events.append(Event(answer.resolved_at, f"Answer on {duty} closed", answer.resolution_note))
    return events


def _rechecks(organisation: Organisation, user) -> list[Event]:
    """Every recheck's finding, as the trust reads its status (the first check is the cycle's result)."""
    changes = FindingChange.objects.filter(
        finding__in=Finding.objects.visible_to(user).filter(
            lifecycle.shown_to_trusts("cycle"), organisation=organisation
        ),
        kind="automated",
    ).exclude(from_status="")
    return [
        Event(
            c.changed_at, f"Rechecked: {c.finding.duty.title}", f"{trust_label(c.to_status)} ({c.finding.cycle.name})."
        )
        for c in changes.select_related("finding__duty", "finding__cycle")
    ]


def _outcomes(organisation: Organisation, user) -> list[Event]:
    closed = Case.objects.visible_to(user).filter(organisation=organisation, closed_at__isnull=False)
    if not user.is_regulator_staff:
        # The trust learns the outcome from the letter that states it, once a signatory has issued it.
        closed = closed.filter(follow_up__issued_at__isnull=False)
    return [
        Event(case.closed_at, f"Case {case.get_state_display().lower()}", _outcome_words(case))
        for case in closed.select_related("cycle")
    ]


def _outcome_words(case: Case) -> str:
    met = sum(status == "met" for status in case.outcome.values())
    return f"After the deadline of the audit {case.cycle.name}: {met} of {len(case.outcome)} duties met."
