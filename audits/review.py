"""Reviewing findings: the queue, confirming or overriding with a reason, and how often people agree.

Two reviewers may open the same finding. Each review names the version it was made against and is
written with `UPDATE ... WHERE version = expected`, so the second one is refused and told who got
there first, rather than silently replacing the first one's decision.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Mod
from django.utils import timezone

from trusts import activity

from . import lifecycle
from .lifecycle import AuditError
from .models import AuditCycle, Duty, Finding, FindingChange, FindingStatus

# What a reviewer decides; `review` and `error` are the automated check's ways of saying it could not.
DECISIONS = (FindingStatus.MET, FindingStatus.NOT_MET)
UNDECIDED = (FindingStatus.REVIEW, FindingStatus.ERROR)
# Of every 100 automated findings (by id), this many are drawn for a quality check. The draw
# depends only on the finding and its cycle, so the sample is the same every time it is listed.
SAMPLE_PER_HUNDRED = 5
_SAMPLE_STRIDE = 7919  # prime, so consecutive ids land in different buckets


def review_refusal(cycle: AuditCycle) -> str:
    """Why findings of this cycle cannot be reviewed now ("" when they can): a published finding can
    still be corrected (after a trust's answer, say), with its history; a closed cycle is final."""
    if lifecycle.can(cycle, "review"):
        return ""
    return f"{cycle} is {cycle.get_status_display().lower()}; its findings can no longer be reviewed."


def review_finding(
    finding: Finding, user, status: str, reason: str, expected_version: int, address: str | None = None
) -> Finding:
    """Confirm or override the finding's status, if no one has changed it since `expected_version`."""
    if status not in DECISIONS:
        raise AuditError("A reviewer decides met or not met; choose one of them.")
    reason = reason.strip()
    if not reason:
        raise AuditError("Give the reason for your decision.")
    with transaction.atomic():
        current = Finding.objects.select_related("cycle").get(pk=finding.pk)
        if refusal := review_refusal(current.cycle):
            raise AuditError(refusal)
        previous = current.effective_status
        now = timezone.now()
        updated = Finding.objects.filter(pk=finding.pk, version=expected_version).update(
            reviewed_status=status,
            reviewed_by=user,
            reviewed_at=now,
            review_reason=reason,
            version=F("version") + 1,
            updated_at=now,
        )
        if not updated:
            raise AuditError(_conflict(current))
        FindingChange.objects.create(
            finding=current,
            changed_by=user,
            kind="review",
            from_status=previous,
            to_status=status,
            reason=reason,
            evidence_id=current.evidence_id,  # what the reviewer had in front of them
        )
    activity.record("audits.finding.reviewed", user, finding, f"{previous} → {status}: {reason}", address=address)
    return Finding.objects.get(pk=finding.pk)


def _conflict(current: Finding) -> str:
    last = current.history.select_related("changed_by").order_by("-changed_at", "-id").first()
    who = "the automated check"
    when = current.updated_at
    if last is not None:
        when = last.changed_at
        if last.changed_by is not None:
            who = last.changed_by.get_full_name() or last.changed_by.get_username()
    stamp = timezone.localtime(when).strftime("%-d %B %Y %H:%M:%S")
    return (
        f"This finding was changed by {who} at {stamp} since you opened it. "
        "Check its current state below, then decide again."
    )


@dataclass
class BulkResult:
    confirmed: list[Finding]
    conflicts: list[str]


def confirm_findings(
    versions: dict[int, int], user, reason: str, *, cycle: AuditCycle, address: str | None = None
) -> BulkResult:
    """Confirm the automated status of each finding of the cycle (id → version seen); changed ones
    are skipped, and an id that is not a finding of this cycle is refused as a whole."""
    if not reason.strip():
        raise AuditError("Give the reason for your decision.")
    findings = list(Finding.objects.filter(cycle=cycle, pk__in=versions).select_related("organisation", "duty"))
    if len(findings) != len(versions):
        raise AuditError(f"Some of the findings selected are not findings of {cycle}; nothing was confirmed.")
    result = BulkResult([], [])
    for finding in findings:
        if finding.status not in DECISIONS:
            result.conflicts.append(
                f"{finding.organisation.name}, {finding.duty.title}: the automated check could not decide, so "
                "there is nothing to confirm; open it and decide met or not met."
            )
            continue
        try:
            result.confirmed.append(
                review_finding(finding, user, finding.status, reason, versions[finding.pk], address)
            )
        except AuditError as error:
            result.conflicts.append(f"{finding.organisation.name}, {finding.duty.title}: {error}")
    return result


def review_queue(cycle: AuditCycle) -> QuerySet[Finding]:
    """Unreviewed findings a person should look at: every `review` or `error` one and every one whose
    review a recheck overturned (services.record_results clears it), then, until the cycle is
    published, the quality sample.

    Each row carries `reviewed_before` (a recheck differed from its review) and `in_sample` (listed
    only as part of the sample). The cycle's state is read from `cycle` as given, so pass it as just read.
    """
    # The cycle's few reviewed findings, read once, not looked up for each of its thousands of findings.
    reviewed = FindingChange.objects.filter(finding__cycle=cycle, kind="review").values("finding_id")
    reviewed_before = Q(pk__in=reviewed)
    needs_a_person = Q(status__in=UNDECIDED) | reviewed_before
    listed = needs_a_person
    # Once published, the sample has done its work: only what still needs a decision is listed.
    if cycle.status in lifecycle.states("sample"):
        listed |= Q(bucket__lt=SAMPLE_PER_HUNDRED) & ~needs_a_person
    return (
        Finding.objects.filter(cycle=cycle, reviewed_status="")
        .annotate(
            bucket=Mod(F("id") * _SAMPLE_STRIDE + Value(cycle.pk * 104729), Value(100)),
            reviewed_before=ExpressionWrapper(reviewed_before, output_field=BooleanField()),
        )
        .filter(listed)
        .annotate(in_sample=ExpressionWrapper(~needs_a_person, output_field=BooleanField()))
        .select_related("organisation", "duty")
        .order_by("in_sample", "organisation__name", "duty__sort_order", "duty__code")
    )


@dataclass
class Queue:
    cycle: AuditCycle
    waiting: int


def review_queues() -> list[Queue]:
    """Each reviewable cycle with how many findings its review queue holds, newest first."""
    cycles = AuditCycle.objects.filter(status__in=lifecycle.states("review")).order_by(
        "-audit_date", "-created_at", "-pk"
    )
    return [Queue(cycle, review_queue(cycle).count()) for cycle in cycles]


@dataclass
class Agreement:
    duty: Duty
    reviewed: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


def agreement_by_duty(cycle: AuditCycle) -> list[Agreement]:
    """Per duty of the cycle: reviewed findings, and how many reviewers left at the automated status."""
    counts: dict[int, Any] = {
        row["duty_id"]: row
        for row in Finding.objects.filter(cycle=cycle)
        # Every status is after "": unlike exclude(reviewed_status=""), this reads the (cycle, reviewed_status)
        # index from the first reviewed finding on instead of the whole cycle.
        .filter(reviewed_status__gt="")
        .values("duty_id")
        .annotate(
            reviewed=Count("id"),
            agreed=Count("id", filter=Q(reviewed_status=F("status")), output_field=IntegerField()),
        )
    }
    return [
        Agreement(duty, counts.get(duty.pk, {}).get("reviewed", 0), counts.get(duty.pk, {}).get("agreed", 0))
        for duty in cycle.duties.all()
    ]


def next_in_queue(cycle: AuditCycle, after: Finding | None = None) -> Finding | None:
    """The next finding of the cycle's review queue that still needs a decision (not `after`)."""
    queue = review_queue(cycle)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()
