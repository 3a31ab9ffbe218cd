from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from audits.models import AuditCycle


def home(request):
    """Staff land on the dashboard; a trust user on their organisation's page."""
    if request.user.organisation_id:
        return render(request, "reports/trust/home.html", {"organisation": request.user.organisation})
    cycles = AuditCycle.objects.all()[:10]
    return render(request, "reports/dashboard/home.html", {"cycles": cycles})


@login_not_required
def health(request):
    """For load balancers and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
