"""The audit cycle's lifecycle, in one place: its states, the moves between them, what each state allows.

    draft ─start─▶ running ─finish─▶ in review ─publish─▶ published ─close─▶ closed
      │              │  ◀──reopen (a recheck)──┘     │
      └──────────────┴──────────cancel───────────────┴─▶ cancelled   (a cycle made by mistake, never published)

Every move is one conditional UPDATE ... WHERE status IN (its from-states): two people pressing the same
button at once make one move, and the other is told why not. Every move is written to the activity log.
Views, services, letters, the trust portal and templates ask this module (`can`, `refusal`, `states`,
`allowed`) what a state allows; none compares statuses itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from trusts import activity

from .models import AuditCycle

Status = AuditCycle.Status


class AuditError(Exception):
    """A request the audit cannot carry out, in words for the person who made it."""


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    verb: str  # "published", in "only a cycle that is in review can be published"
    needed: str  # "a cycle that is in review"
    action: str  # the activity log's key


MOVES = {
    "start": Move((Status.DRAFT,), Status.RUNNING, "started", "a draft cycle", "audits.cycle.started"),
    # `run_audit` on a cycle that exists: checks the trusts and duties it adds, and what is still queued.
    "rerun": Move(
        (Status.DRAFT, Status.RUNNING, Status.IN_REVIEW),
        Status.RUNNING,
        "run again",
        "a draft, running or in-review cycle",
        "audits.cycle.started",
    ),
    "finish": Move((Status.RUNNING,), Status.IN_REVIEW, "moved to review", "a running cycle", "audits.cycle.checked"),
    "reopen": Move((Status.IN_REVIEW,), Status.RUNNING, "reopened", "a cycle in review", "audits.cycle.reopened"),
    "publish": Move(
        (Status.IN_REVIEW,), Status.PUBLISHED, "published", "a cycle that is in review", "audits.cycle.published"
    ),
    "close": Move((Status.PUBLISHED,), Status.CLOSED, "closed", "a cycle that is published", "audits.cycle.closed"),
    "cancel": Move(
        (Status.DRAFT, Status.RUNNING, Status.IN_REVIEW),
        Status.CANCELLED,
        "cancelled",
        "a draft, running or in-review cycle",
        "audits.cycle.cancelled",
    ),
}

# What each state allows besides its moves.
STATES = {
    # Findings can be corrected and rechecked until the cycle is closed (after publication too: a
    # trust's answer); a closed cycle is on the record.
    "review": (Status.RUNNING, Status.IN_REVIEW, Status.PUBLISHED),
    "recheck": (Status.RUNNING, Status.IN_REVIEW, Status.PUBLISHED),
    # Trusts see their results once published, and keep them when closed (then marked final).
    "show_to_trusts": (Status.PUBLISHED, Status.CLOSED),
    "final": (Status.CLOSED,),
    # Trusts are told an audit is under way; a draft may still change and a cancelled cycle never reports.
    "under_way": (Status.RUNNING, Status.IN_REVIEW),
    # The review queue adds a quality sample until the results are published.
    "sample": (Status.RUNNING, Status.IN_REVIEW),
    # Letters state what the trust can see, so they are drafted and issued only for a published cycle.
    "letters": (Status.PUBLISHED,),
    # Site checks are being run (the cycle page follows their progress); a cancelled cycle's checks stop.
    "checking": (Status.RUNNING,),
    "stopped": (Status.CANCELLED,),
}


def states(what: str) -> tuple[str, ...]:
    """The statuses in which a move can start, or which allow `what` (for querysets: status__in=...)."""
    return MOVES[what].sources if what in MOVES else STATES[what]


def shown_to_trusts(cycle: str = "") -> Q:
    """The rule that hides an audit from its trusts until it is published, as a filter on the lookup to
    the cycle ("cycle", "finding__cycle"; "" for cycles themselves)."""
    return Q(**{f"{cycle}__status__in" if cycle else "status__in": STATES["show_to_trusts"]})


def can(cycle: AuditCycle, what: str) -> bool:
    return cycle.status in states(what)


def allowed(cycle: AuditCycle) -> dict[str, bool]:
    """Everything the cycle's state allows, by name: for templates (`allows.publish`)."""
    return {what: can(cycle, what) for what in [*MOVES, *STATES]}


def refusal(cycle: AuditCycle, what: str) -> str:
    """Why the cycle cannot make the move now ("" when it can)."""
    if can(cycle, what):
        return ""
    status = cycle.get_status_display().lower()
    if what not in MOVES:
        return f"{cycle} is {status}; it does not allow that."
    move = MOVES[what]
    return f"{cycle} is {status}; only {move.needed} can be {move.verb}."


def move(
    cycle: AuditCycle,
    what: str,
    user=None,
    *,
    address: str | None = None,
    message: str = "",
    check: Callable[[], None] | None = None,
    **fields,
) -> None:
    """Make the move, with the other fields given, and record who made it; AuditError (saying why)
    if the cycle is not in a state the move starts from, for example because someone moved it first.

    `check` runs once the move is made, in its transaction: an AuditError it raises undoes the move
    before anything is recorded (publishing reads what blocks it after taking the cycle)."""
    with transaction.atomic():
        if not _update(cycle.pk, MOVES[what], fields):
            cycle.refresh_from_db(fields=["status"])
            raise AuditError(refusal(cycle, what) or f"{cycle} was moved by someone else meanwhile; try again.")
        if check is not None:
            check()
        activity.record(MOVES[what].action, user, cycle, message, address=address)
    cycle.refresh_from_db()


def move_if_still(cycle_id: int, what: str, message: str = "", **fields) -> bool:
    """A move the system makes when it applies (the last check ended, a recheck reopens review):
    made only if the cycle is still in a from-state, and recorded then; False when it was not."""
    with transaction.atomic():
        if not _update(cycle_id, MOVES[what], fields):
            return False
        activity.record(MOVES[what].action, None, AuditCycle.objects.get(pk=cycle_id), message)
    return True


def _update(cycle_id: int, move: Move, fields: dict) -> int:
    return AuditCycle.objects.filter(pk=cycle_id, status__in=move.sources).update(status=move.target, **fields)
