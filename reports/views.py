from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.http import JsonResponse
from django.shortcuts import redirect, render

from audits.models import AuditCycle, Finding, FindingStatus
from audits.services import cycle_progress

from .national import national_report

RUNNING_CYCLES_SHOWN = 5
RECENT_CYCLES_SHOWN = 10


def home(request):
    """Staff land on the dashboard; a trust user on their organisation's page."""
    if request.user.organisation_id:
        return redirect("trust:status")
    return render(request, "reports/dashboard/home.html", dashboard(request.user))


def dashboard(user) -> dict:
    """The staff dashboard: the latest results, what is running, what waits for a reviewer.

    A fixed number of queries whatever the number of trusts: counts are grouped in the database.
    """
    if not user.has_perm("audits.view_auditcycle"):
        return {"cycles": []}
    with_findings = Exists(Finding.objects.filter(cycle=OuterRef("pk")))
    latest = AuditCycle.objects.filter(with_findings).order_by("-audit_date", "-created_at", "-pk").first()
    report = national_report(latest) if latest else None
    running = list(AuditCycle.objects.filter(status=AuditCycle.Status.RUNNING).order_by("-started_at", "-pk"))
    waiting = list(
        Finding.objects.filter(status=FindingStatus.REVIEW, reviewed_status="")
        .values("cycle_id", "cycle__name")
        .annotate(findings=Count("id"))
        .order_by("cycle__name")
    )
    return {
        "latest": latest,
        "figures": report.figures if report else None,
        "race_trusts": report.race_trusts if report else 0,
        "running": [(cycle, cycle_progress(cycle)) for cycle in running[:RUNNING_CYCLES_SHOWN]],
        "running_more": max(len(running) - RUNNING_CYCLES_SHOWN, 0),
        "waiting": waiting,
        "waiting_total": sum(row["findings"] for row in waiting),
        "cycles": AuditCycle.objects.all()[:RECENT_CYCLES_SHOWN],
    }


@login_not_required
def health(request):
    """For load balancers and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
