"""Publication: what a trust may see of its audit, what must be settled first, and the publish step.

The rule, in one place (README, "What people do in it"):
- Before a cycle is published a trust sees, for that cycle, only that an audit is under way.
- A cycle can be published when every site check has ended and no finding's effective status (the
  reviewed one if a reviewer decided, else the automated one) is `review` or `error`, and every
  assessed trust has a finding for every duty that applies to it.
- After publication (and once closed) a trust sees every applicable duty with its effective status:
  a finding no reviewer touched shows its automated met / not met. A finding that becomes `review`
  or `error` again after publication (a recheck) is shown as "Being checked by the regulator".
"""

import functools
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Count, QuerySet, Value, When
from django.utils import timezone

from trusts.models import Organisation

from . import lifecycle
from .lifecycle import AuditError
from .models import AuditCycle, Duty, Finding, FindingStatus, SiteCheck

# Effective statuses that block publication, and that a trust sees as "being checked".
UNSETTLED = (FindingStatus.REVIEW, FindingStatus.ERROR)

# What a trust reads for each effective status: plain words, never the engine's codes.
BEING_CHECKED = "Being checked by the regulator"
TRUST_LABELS: dict[str, str] = {
    FindingStatus.MET: FindingStatus.MET.label,
    FindingStatus.NOT_MET: FindingStatus.NOT_MET.label,
    FindingStatus.REVIEW: BEING_CHECKED,
    FindingStatus.ERROR: BEING_CHECKED,
}
# The order a trust reads its duties in: what needs its action first.
TRUST_ORDER: dict[str, int] = {
    FindingStatus.NOT_MET: 0,
    FindingStatus.REVIEW: 1,
    FindingStatus.ERROR: 1,
    FindingStatus.MET: 2,
}


def trust_label(status: str) -> str:
    """How a trust reads an effective (or automated) status."""
    return TRUST_LABELS.get(status, BEING_CHECKED)


def trust_status_class(status: str) -> str:
    """The tag's class for a status as a trust reads it: review and error look alike, being checked."""
    return "app-status--review" if status in UNSETTLED else f"app-status--{status}"


# What a trust is told of its cycles (what it may see of their findings: Finding.objects.visible_to)


def cycles_under_way_for_trust(user) -> QuerySet[AuditCycle]:
    """The cycles checking the user's organisation whose results are not yet published."""
    if not getattr(user, "organisation_id", None):
        return AuditCycle.objects.none()
    return AuditCycle.objects.filter(
        status__in=lifecycle.states("under_way"), site_checks__organisation_id=user.organisation_id
    ).distinct()


def cycles_shown_to_trust(user) -> QuerySet[AuditCycle]:
    """The published or closed cycles that assessed the user's organisation."""
    if not getattr(user, "organisation_id", None):
        return AuditCycle.objects.none()
    return AuditCycle.objects.filter(
        lifecycle.shown_to_trusts(), site_checks__organisation_id=user.organisation_id
    ).distinct()


# What blocks publication


@dataclass
class Blockers:
    """What must be settled before a cycle's results can go to the trusts."""

    findings: list[Finding] = field(default_factory=list)  # effective review or error
    open_checks: list[SiteCheck] = field(default_factory=list)  # queued or running
    undecided: list[tuple[SiteCheck, Duty]] = field(default_factory=list)  # an applicable duty with no finding

    @property
    def count(self) -> int:
        return len(self.findings) + len(self.open_checks) + len(self.undecided)

    def __bool__(self) -> bool:
        return self.count > 0

    def reason(self, cycle: AuditCycle) -> str:
        parts = []
        if self.findings:
            n = len(self.findings)
            parts.append(f"{n} finding{'s are' if n != 1 else ' is'} still in review or error")
        if self.open_checks:
            n = len(self.open_checks)
            parts.append(f"{n} site check{'s have' if n != 1 else ' has'} not ended")
        if self.undecided:
            n = len(self.undecided)
            parts.append(f"{n} {'duties have' if n != 1 else 'duty has'} no decided status for a trust")
        return (
            f"{cycle} cannot be published yet: {'; '.join(parts)}. Settle {'them' if self.count > 1 else 'it'} first."
        )


def publication_blockers(cycle: AuditCycle) -> Blockers:
    """Everything that stops the cycle being published now; empty when it can be."""
    duties = list(cycle.duties.all())
    # Each finding's duty from the cycle's few duties: joined per row, their catalogue rules (large JSON)
    # would be read and decoded thousands of times for the dashboard.
    duty_by_pk = {duty.pk: duty for duty in duties}
    unsettled = list(
        Finding.objects.with_effective_status()
        .filter(cycle=cycle, effective__in=UNSETTLED)
        .select_related("organisation")
        .order_by("organisation__name", "duty__sort_order", "duty__code")
    )
    for finding in unsettled:
        finding.duty = duty_by_pk.get(finding.duty_id) or finding.duty
    checks = list(cycle.site_checks.select_related("organisation").order_by("organisation__name", "pk"))
    open_checks = [check for check in checks if not check.is_ended]
    decided = set(Finding.objects.filter(cycle=cycle).values_list("organisation_id", "duty_id"))
    undecided = [
        (check, duty)
        for check in checks
        if check.is_ended and check.state != SiteCheck.State.CANCELLED
        for duty in duties
        if duty.applies_to(check.organisation, cycle.audit_date) and (check.organisation_id, duty.pk) not in decided
    ]
    return Blockers(unsettled, open_checks, undecided)


def blocker_counts(cycles: list[AuditCycle]) -> dict[int, int]:
    """How many things publication_blockers lists for each cycle, counted in the database without loading
    them, in a fixed number of queries for all the cycles: the dashboard shows this for every cycle in review,
    and each has thousands of findings."""
    counts = dict.fromkeys((cycle.pk for cycle in cycles), 0)
    if not cycles:
        return counts
    findings = Finding.objects.filter(cycle__in=cycles)
    checks = SiteCheck.objects.filter(cycle__in=cycles)
    unsettled = findings.with_effective_status().filter(effective__in=UNSETTLED)
    for cycle_pk, n in unsettled.values_list("cycle_id").annotate(n=Count("id")).order_by():
        counts[cycle_pk] += n
    for cycle_pk, n in checks.exclude(state__in=SiteCheck.ENDED).values_list("cycle_id").annotate(n=Count("id")):
        counts[cycle_pk] += n
    # Undecided: the ended checks of the trusts that owe each duty, less their findings for it. Who owes a duty
    # depends only on a trust's type and which side of each headcount threshold it is on: both are counted by
    # those groups, so the rows are few whatever the number of trusts, and each group is asked applies_to once.
    ended = checks.filter(state__in=SiteCheck.ENDED).exclude(state=SiteCheck.State.CANCELLED)
    duties = {cycle.pk: {duty.pk: duty for duty in cycle.duties.defer("evidence_rules")} for cycle in cycles}
    thresholds = sorted({d.min_headcount for ds in duties.values() for d in ds.values() if d.min_headcount})
    dates = {cycle.pk: cycle.audit_date for cycle in cycles}
    group = {
        "unknown": Case(When(organisation__headcount__isnull=True, then=Value(True)), default=Value(False)),
        **{
            f"from_{t}": Case(When(organisation__headcount__gte=t, then=Value(True)), default=Value(False))
            for t in thresholds
        },
    }

    @functools.cache
    def owes(cycle_pk: int, duty_pk: int, org_type: str, unknown: bool, *sides: bool) -> bool:
        passed = [t for t, above in zip(thresholds, sides, strict=True) if above]
        headcount = None if unknown else max(passed, default=0)
        owner = Organisation(org_type=org_type, headcount=headcount)
        return duties[cycle_pk][duty_pk].applies_to(owner, dates[cycle_pk])

    owed_checks = ended.annotate(**group).values_list("cycle_id", "organisation__org_type", *group)
    for cycle_pk, *owner, n in owed_checks.annotate(n=Count("id")).order_by():
        counts[cycle_pk] += n * sum(owes(cycle_pk, duty_pk, *owner) for duty_pk in duties[cycle_pk])
    decided = (
        findings.filter(site_check__in=ended.values("pk"))
        .annotate(**group)
        .values_list("cycle_id", "duty_id", "organisation__org_type", *group)
        .annotate(n=Count("id"))
    )
    for cycle_pk, duty_pk, *owner, n in decided.order_by():
        if duty_pk in duties[cycle_pk] and owes(cycle_pk, duty_pk, *owner):
            counts[cycle_pk] -= n
    return counts


# What trusts will see


@dataclass
class DutyPreview:
    duty: Duty
    met: int = 0
    not_met: int = 0
    unsettled: int = 0

    @property
    def applicable(self) -> int:
        return self.met + self.not_met + self.unsettled


@dataclass
class Preview:
    trusts: int
    duties: list[DutyPreview]
    blockers: Blockers


def publication_preview(cycle: AuditCycle) -> Preview:
    """Per duty, how many trusts will be shown met and not met; how many trusts will see results."""
    counts = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle)
        .values_list("duty_id", "effective")
        .annotate(n=Count("id"))
    )
    by_duty = {duty.pk: DutyPreview(duty) for duty in cycle.duties.all()}
    for duty_id, status, n in counts:
        row = by_duty.get(duty_id)
        if row is None:
            continue
        if status == FindingStatus.MET:
            row.met += n
        elif status == FindingStatus.NOT_MET:
            row.not_met += n
        else:
            row.unsettled += n
    trusts = Finding.objects.filter(cycle=cycle).values("organisation_id").distinct().count()
    return Preview(trusts, list(by_duty.values()), publication_blockers(cycle))


# The publish step


def _refuse_if_blocked(cycle: AuditCycle) -> None:
    if blockers := publication_blockers(cycle):
        raise AuditError(blockers.reason(cycle))


def publish(cycle: AuditCycle, user, address: str | None = None) -> AuditCycle:
    """Show the cycle's results to its trusts: only from review, and only when nothing blocks.

    The move is a conditional update (two presses make one move); the blockers are read again inside
    the same transaction, so a recheck or review that lands first is seen and the move undone."""
    try:
        with transaction.atomic():
            trusts = Finding.objects.filter(cycle=cycle).values("organisation_id").distinct().count()
            lifecycle.move(
                cycle,
                "publish",
                user,
                address=address,
                message=f"Published: {trusts} trust{'s' if trusts != 1 else ''} see their results.",
                check=lambda: _refuse_if_blocked(cycle),
                published_at=timezone.now(),
            )
    except AuditError:
        cycle.refresh_from_db()
        raise
    return cycle
