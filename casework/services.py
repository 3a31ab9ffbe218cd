"""The life of a case, in one place: its states, the moves between them, and what beat does each day.

    open ─first reminder─▶ awaiting the trust ─┐
      └──────────────────────────────────────┴─ deadline passed: recheck; it ended ─▶ rechecked
    rechecked ─a compliance confirmation drafted─▶ resolved
              └─a final notice drafted──────────▶ escalated

A case whose letter is withdrawn waits; the letter that replaces it, once issued, takes the case over
(its duties and deadline), or resolves it when it finds every duty met.

Every move is one conditional UPDATE ... WHERE state IN (its from-states), so two workers (or a task run
twice) make it once, and each move is written to the activity log. A case that cannot move on (the
cycle is closed, a finding waits for a reviewer) keeps a note saying why and is tried again next day.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits import services as audit_services
from audits.lifecycle import AuditError
from audits.models import Finding, FindingStatus, SiteCheck
from reports import letters
from reports.models import Letter, LetterError
from trusts import activity

from . import mail
from .models import Case, Reminder

State = Case.State
# The trust still has time: reminders go out, and the recheck follows the deadline.
RUNNING = (State.OPEN, State.AWAITING)


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    action: str  # the activity log's key


MOVES = {
    "remind": Move((State.OPEN,), State.AWAITING, "casework.case.awaiting_trust"),
    "recheck_ended": Move(RUNNING, State.RECHECKED, "casework.case.rechecked"),
    "resolve": Move((State.RECHECKED,), State.RESOLVED, "casework.case.resolved"),
    "escalate": Move((State.RECHECKED,), State.ESCALATED, "casework.case.escalated"),
    # The case's letter was withdrawn, and the letter that replaces it finds every duty met.
    "replaced_compliant": Move(RUNNING, State.RESOLVED, "casework.case.resolved_by_replacement"),
}


def _move(case: Case, what: str, message: str, **fields) -> bool:
    """Make the move if the case is still in a from-state, and record it; False when it was not."""
    move = MOVES[what]
    with transaction.atomic():
        moved = Case.objects.filter(pk=case.pk, state__in=move.sources).update(state=move.target, **fields)
        if moved:
            activity.record(move.action, None, case, message)
    case.refresh_from_db()
    return bool(moved)


def _hold(case: Case, note: str) -> None:
    """Say what holds the case up; recorded once, not every day it is tried again."""
    if Case.objects.filter(pk=case.pk).exclude(note=note).update(note=note):
        activity.record("casework.case.held", None, case, note)
    case.note = note


def open_case(letter: Letter, user=None) -> Case | None:
    """The case an issued action-required letter opens, with the deadline the letter states. A letter that
    replaces a withdrawn one takes that letter's running case over instead."""
    if not letter.is_issued or letter.follows_id:
        return None
    if letter.replaces_id:
        replaced = Case.objects.filter(letter=letter.replaces_id, state__in=RUNNING).select_related("letter").first()
        if replaced is not None:
            return _take_over(replaced, letter, user)
    if letter.kind != Letter.Kind.ACTION_REQUIRED or not letter.deadline:
        return None
    case, created = Case.objects.get_or_create(
        organisation=letter.organisation, cycle=letter.cycle, defaults={"letter": letter, "deadline": letter.deadline}
    )
    if created:
        activity.record("casework.case.opened", user, case, f"Letter {letter.reference}, deadline {letter.deadline}.")
    return case


def _take_over(case: Case, letter: Letter, user) -> Case:
    """The case of a withdrawn letter, once the letter that replaces it is issued: resolved if that letter
    finds every duty met; otherwise it follows that letter, its duties and its deadline (and its reminders)
    from now on."""
    withdrawn = case.letter.reference
    if letter.kind == Letter.Kind.COMPLIANT:
        message = f"Letter {letter.reference} replaces {withdrawn} and finds every duty met."
        _move(case, "replaced_compliant", message, closed_at=timezone.now(), note="")
        return case
    if Case.objects.filter(pk=case.pk, state__in=RUNNING).update(letter=letter, deadline=letter.deadline, note=""):
        message = f"Letter {letter.reference} replaces {withdrawn}: deadline {letter.deadline:%-d %B %Y}."
        activity.record("casework.case.letter_replaced", user, case, message)
    case.refresh_from_db()
    return case


def record_follow_up_issued(letter: Letter, user=None) -> None:
    case = Case.objects.filter(follow_up=letter).first()
    if case is not None:
        activity.record("casework.case.follow_up_issued", user, case, f"Letter {letter.reference} issued.")


def remind(case: Case, today: datetime.date) -> Reminder | None:
    """E-mail the trust's users the reminder due today, if one is and it has not gone yet.

    Reminders go before the deadline day only. A reminder missed (the case opened late, beat was down) is
    not sent late after a nearer one: the nearest due is sent and the earlier ones are marked as passed."""
    with transaction.atomic():
        # Two runs at once take turns on the case row, so each reminder is sent once.
        case = Case.objects.select_for_update().select_related("organisation", "letter").get(pk=case.pk)
        sent = set(case.reminders.filter(letter=case.letter).values_list("days_before", flat=True))
        due = [n for n in settings.CASE_REMINDER_DAYS if n not in sent and case.deadline - _days(n) <= today]
        if case.state not in RUNNING or case.recheck_requested_at or not due or today >= case.deadline:
            return None
        Reminder.objects.bulk_create([Reminder(case=case, letter=case.letter, days_before=n) for n in due[:-1]])
        days_left = (case.deadline - today).days
        recipients = mail.send_to_trust(
            case.organisation,
            f"Equality duties audit: {days_left} days left to publish ({case.letter.reference})",
            "casework/email/reminder",
            {"case": case, "days_left": days_left, "unmet": case.letter.unmet_findings},
        )
        reminder = Reminder.objects.create(case=case, letter=case.letter, days_before=due[-1], recipients=recipients)
        activity.record(
            "casework.case.reminder_sent", None, case, f"{days_left} days before the deadline, to {recipients} users."
        )
    _move(case, "remind", f"Reminded {days_left} days before the deadline.")
    return reminder


def recheck_at_deadline(case: Case) -> bool:
    """Once the deadline has passed, recheck the duties the letter asked for (the staff "Recheck")."""
    check = SiteCheck.objects.get(cycle=case.cycle_id, organisation=case.organisation_id)
    try:
        with transaction.atomic():
            claimed = Case.objects.filter(pk=case.pk, state__in=RUNNING, recheck_requested_at__isnull=True).update(
                recheck_requested_at=timezone.now(), note=""
            )
            if not claimed:
                return False
            audit_services.recheck(check, case.unmet_duties)
            activity.record(
                "casework.case.recheck_requested",
                None,
                case,
                f"Deadline passed; duties: {', '.join(case.unmet_duties)}.",
            )
    except AuditError as error:
        _hold(case, f"The recheck at the deadline could not start: {error}")
        return False
    case.refresh_from_db()
    return True


def conclude_recheck(case: Case) -> bool:
    """Once the deadline's recheck has ended, record its outcome and draft the next letter."""
    check = SiteCheck.objects.get(cycle=case.cycle_id, organisation=case.organisation_id)
    requested = case.recheck_requested_at
    if not check.is_ended or check.finished_at is None or requested is None or check.finished_at < requested:
        return False
    findings = Finding.objects.with_effective_status().filter(
        cycle=case.cycle_id, organisation=case.organisation_id, duty__code__in=case.unmet_duties
    )
    outcome = {finding.duty.code: finding.effective for finding in findings.select_related("duty")}
    undecided = sorted(
        code for code, status in outcome.items() if status not in (FindingStatus.MET, FindingStatus.NOT_MET)
    )
    if undecided:
        _hold(case, f"The recheck waits for a reviewer's decision on: {', '.join(undecided)}.")
        return False
    met = sum(status == FindingStatus.MET for status in outcome.values())
    moved = _move(
        case,
        "recheck_ended",
        f"{met} of {len(outcome)} duties now met.",
        rechecked_at=timezone.now(),
        outcome=outcome,
        note="",
    )
    if moved:
        draft_follow_up(case)
    return moved


def draft_follow_up(case: Case) -> Letter | None:
    """Draft the letter the recheck calls for, for a signatory: a confirmation (resolved) or a final notice
    (escalated)."""
    try:
        letter = letters.draft_letter(case.cycle, case.organisation, follows=case.letter)
    except (LetterError, IntegrityError) as error:
        # IntegrityError: another run drafted it between our check and insert.
        _hold(case, f"The next letter could not be drafted: {error}")
        return None
    what = "resolve" if letter.kind == Letter.Kind.COMPLIANT else "escalate"
    drafted = f"{letter.get_kind_display()} {letter.reference} drafted for a signatory."
    _move(case, what, drafted, follow_up=letter, closed_at=timezone.now(), note="")
    return letter


@dataclass
class Summary:
    reminded: int = 0
    rechecked: int = 0
    concluded: int = 0
    drafted: int = 0


def follow_cases(today: datetime.date | None = None) -> Summary:
    """Beat's daily round: reminders before deadlines, rechecks after them, outcomes of ended rechecks."""
    today = today or timezone.localdate()
    summary = Summary()
    # A withdrawn letter's deadline no longer stands: its case waits for the letter that replaces it.
    for case in Case.objects.filter(state__in=RUNNING, letter__status=Letter.Status.WITHDRAWN).select_related("letter"):
        reason = f"Its letter {case.letter.reference} was withdrawn; the case waits for the letter that replaces it."
        _hold(case, reason)
    running = Case.objects.filter(state__in=RUNNING).exclude(letter__status=Letter.Status.WITHDRAWN)
    horizon = today + _days(max(settings.CASE_REMINDER_DAYS, default=0))
    for case in running.filter(recheck_requested_at__isnull=True, deadline__gt=today, deadline__lte=horizon):
        summary.reminded += remind(case, today) is not None
    for case in running.filter(recheck_requested_at__isnull=True, deadline__lt=today):
        summary.rechecked += recheck_at_deadline(case)
    for case in running.filter(recheck_requested_at__isnull=False):
        summary.concluded += conclude_recheck(case)
    for case in Case.objects.filter(state=State.RECHECKED, follow_up__isnull=True):
        summary.drafted += draft_follow_up(case) is not None
    return summary


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
