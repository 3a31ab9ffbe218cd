from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from . import activity
from .access import organisation_for, staff_required
from .filters import ActivityFilter, OrganisationFilter
from .forms import RegisterUploadForm
from .importing import CSV_COLUMNS, save_register
from .models import ActivityRecord
from .tables import ActivityTable, OrganisationTable


@login_not_required
def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers to a sign-in while its username and address are locked out."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


@staff_required("trusts.view_organisation")
def organisation_list(request):
    filterset = OrganisationFilter(request.GET)
    table = OrganisationTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "trusts/organisation/list.html", {"filter": filterset, "table": table})


@staff_required("trusts.view_organisation")
def organisation_detail(request, ods_code: str):
    organisation = organisation_for(request.user, ods_code)
    # Through the reverse relation, so that trusts need not import audits; two queries in all.
    findings = (
        organisation.findings.with_effective_status()
        .select_related("cycle", "duty")
        .order_by("-cycle__audit_date", "-cycle__created_at", "duty__sort_order", "duty__code")
    )
    context = {"organisation": organisation, "findings": findings}
    return render(request, "trusts/organisation/detail.html", context)


@staff_required("trusts.view_activityrecord")
def activity_list(request):
    """Sign-ins and sensitive actions, newest first."""
    filterset = ActivityFilter(request.GET, queryset=ActivityRecord.objects.all())
    table = ActivityTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "trusts/activity/list.html", {"filter": filterset, "table": table})


@staff_required("trusts.import_organisations")
@require_http_methods(["GET", "POST"])
def organisation_import(request):
    form = RegisterUploadForm()
    if request.method == "POST":
        form = RegisterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = save_register(form.cleaned_data["register"])
            activity.record("trusts.register.imported", request.user, message=result.summary, request=request)
            messages.success(request, result.summary)
            return redirect("trusts:list")
    context = {"form": form, "columns": ",".join(CSV_COLUMNS)}
    return render(request, "trusts/organisation/import.html", context)
