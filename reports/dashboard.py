"""The landing page: the staff dashboard (the latest results and each role's waiting work); a trust user is sent
to their organisation's page."""

from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.shortcuts import redirect, render

from audits import lifecycle, responses, results_cache, review
from audits.models import AuditCycle, Finding, TrustResponse
from audits.publication import blocker_counts
from audits.services import cycle_progress

from .models import Letter
from .national import kept_report

RUNNING_CYCLES_SHOWN = 5
RECENT_CYCLES_SHOWN = 10


def home(request):
    """Staff land on the dashboard; a trust user on their organisation's page."""
    if request.user.organisation_id:
        return redirect("trust:status")
    return render(request, "reports/dashboard/home.html", dashboard(request.user))


def dashboard(user) -> dict:
    """The staff dashboard: the latest results, and what waits now for each of the user's roles.

    A fixed number of queries whatever the number of trusts: counts are grouped in the database.
    """
    if not user.has_perm("audits.view_auditcycle"):
        return {"cycles": []}
    with_findings = Exists(Finding.objects.filter(cycle=OuterRef("pk")))
    latest = AuditCycle.objects.filter(with_findings).order_by("-audit_date", "-created_at", "-pk").first()
    # The figures below count every finding of a cycle: they are kept until the results change.
    results = results_cache.fingerprint()
    report = kept_report(latest, results) if latest else None
    running = list(AuditCycle.objects.filter(status__in=lifecycle.states("checking")).order_by("-started_at", "-pk"))
    context: dict[str, Any] = {
        "latest": latest,
        "figures": report.figures if report else None,
        "race_trusts": report.race_trusts if report else 0,
        "running": [(cycle, cycle_progress(cycle)) for cycle in running[:RUNNING_CYCLES_SHOWN]],
        "running_more": max(len(running) - RUNNING_CYCLES_SHOWN, 0),
        "cycles": AuditCycle.objects.all()[:RECENT_CYCLES_SHOWN],
        "answers_open": TrustResponse.objects.filter(status=TrustResponse.Status.OPEN).count(),
        "can_triage": any(user.has_perm(p) for p in responses.TRIAGE_PERMISSIONS),
    }
    if user.has_perm("audits.review_finding"):
        queues = results_cache.remember("review_queues", review.review_queues, results)
        waiting = [queue for queue in queues if queue.waiting]
        context |= {"waiting": waiting, "waiting_total": sum(queue.waiting for queue in waiting), "reviews": True}
    if user.has_perm("audits.run_audit"):
        context |= _auditor_work(running, results)
    if user.has_perm("reports.sign_letter"):
        context |= _signatory_work(results)
    return context


def _auditor_work(running: list[AuditCycle], results: str) -> dict:
    """Cycles running, ready to publish (nothing blocks) and blocked (with how much blocks them)."""
    ready: list[tuple[AuditCycle, int]] = []
    blocked: list[tuple[AuditCycle, int]] = []
    in_review = list(AuditCycle.objects.filter(status__in=lifecycle.states("publish")).order_by("-audit_date", "-pk"))
    pks = ",".join(str(cycle.pk) for cycle in in_review)
    counts = results_cache.remember(f"blockers:{pks}", lambda: blocker_counts(in_review), results)
    for cycle in in_review:
        (blocked if counts[cycle.pk] else ready).append((cycle, counts[cycle.pk]))
    return {"audits": True, "running_total": len(running), "ready": ready, "blocked": blocked}


def _signatory_work(results: str) -> dict:
    """Per cycle: trusts without a current letter (published cycles), drafts, approved letters."""
    due = lifecycle.states("letters")
    # The trusts with findings in each cycle whose letters are due, counted over all its findings: kept until
    # the results change. Less those with a current letter, counted over the letters alone.
    with_findings = results_cache.remember(
        "trusts_with_findings",
        lambda: list(
            Finding.objects.filter(cycle__status__in=due)
            .values_list("cycle_id", "cycle__name")
            .annotate(n=Count("organisation", distinct=True))
            .order_by("cycle__name")
        ),
        results,
    )
    findings = Finding.objects.filter(cycle=OuterRef("cycle"), organisation=OuterRef("organisation"))
    lettered = dict(
        Letter.objects.filter(Exists(findings), cycle__status__in=due)
        .exclude(status=Letter.Status.WITHDRAWN)
        .values_list("cycle_id")
        .annotate(n=Count("organisation", distinct=True))
        .order_by()
    )
    to_draft = [
        {"cycle_id": pk, "cycle__name": name, "n": n - lettered.get(pk, 0)}
        for pk, name, n in with_findings
        if n > lettered.get(pk, 0)
    ]
    by_status = list(
        Letter.objects.filter(status__in=(Letter.Status.DRAFT, Letter.Status.APPROVED))
        .values("cycle_id", "cycle__name", "status")
        .annotate(n=Count("id"))
        .order_by("cycle__name")
    )
    to_approve = [row for row in by_status if row["status"] == Letter.Status.DRAFT]
    to_issue = [row for row in by_status if row["status"] == Letter.Status.APPROVED]
    return {
        "letters": True,
        "to_draft": to_draft,
        "to_draft_total": sum(row["n"] for row in to_draft),
        "to_approve": to_approve,
        "to_approve_total": sum(row["n"] for row in to_approve),
        "to_issue": to_issue,
        "to_issue_total": sum(row["n"] for row in to_issue),
    }
