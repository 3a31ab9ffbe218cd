import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from trusts.access import staff_required

from . import services
from .models import AuditCycle, Duty, Finding, FindingStatus, SiteCheck

logger = logging.getLogger(__name__)

CYCLES_PER_PAGE = 25
TRUSTS_PER_PAGE = 50

# GOV.UK tag colours; the words on the tag carry the meaning, the colour only helps.
CYCLE_TAG_CLASSES = {
    AuditCycle.Status.DRAFT: "govuk-tag--grey",
    AuditCycle.Status.RUNNING: "govuk-tag--blue",
    AuditCycle.Status.IN_REVIEW: "govuk-tag--yellow",
    AuditCycle.Status.PUBLISHED: "govuk-tag--green",
    AuditCycle.Status.CLOSED: "govuk-tag--grey",
    AuditCycle.Status.CANCELLED: "govuk-tag--red",
}
CHECK_TAG_CLASSES = {
    SiteCheck.State.QUEUED: "govuk-tag--grey",
    SiteCheck.State.RUNNING: "govuk-tag--blue",
    SiteCheck.State.DONE: "govuk-tag--green",
    SiteCheck.State.FAILED: "govuk-tag--red",
    SiteCheck.State.CANCELLED: "govuk-tag--grey",
}
# A recheck reopens the cycle, so it is offered only before the cycle's results are published.


@staff_required("audits.view_duty")
def duty_list(request):
    return render(request, "audits/duty/list.html", {"duties": Duty.objects.all()})


@staff_required("audits.view_duty")
def duty_detail(request, code: str):
    return render(request, "audits/duty/detail.html", {"duty": get_object_or_404(Duty, code=code)})


@staff_required("audits.view_auditcycle")
def cycle_list(request):
    cycles = AuditCycle.objects.annotate(
        checks_total=Count("site_checks"),
        checks_ended=Count("site_checks", filter=Q(site_checks__state__in=SiteCheck.ENDED)),
    ).order_by("-created_at", "-pk")
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    for cycle in page:
        cycle.tag_class = CYCLE_TAG_CLASSES.get(cycle.status, "")
    return render(request, "audits/cycle/list.html", {"page": page})


@dataclass
class MatrixRow:
    check: SiteCheck
    cells: list[tuple[Duty, Finding | None]]


def _matrix_rows(cycle: AuditCycle, checks: list[SiteCheck], duties: list[Duty]) -> list[MatrixRow]:
    """One row per site check, one cell per duty; two queries whatever the number of trusts."""
    findings = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle, site_check__in=checks)
        # The cells need only the status; duty and trust come from the page's own lists.
        .only("id", "site_check_id", "duty_id", "status", "reviewed_status")
    )
    labels = dict(FindingStatus.choices)
    by_cell = {}
    for finding in findings:
        finding.effective_label = labels.get(finding.effective, finding.effective)
        by_cell[finding.site_check_id, finding.duty_id] = finding
    return [MatrixRow(check, [(duty, by_cell.get((check.pk, duty.pk))) for duty in duties]) for check in checks]


@staff_required("audits.view_auditcycle")
def cycle_detail(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    duties = list(cycle.duties.all())
    checks = cycle.site_checks.select_related("organisation").order_by("organisation__name", "pk")
    page = Paginator(checks, TRUSTS_PER_PAGE).get_page(request.GET.get("page"))
    page_checks = list(page)
    for check in page_checks:
        check.tag_class = CHECK_TAG_CLASSES.get(check.state, "")
    progress = services.cycle_progress(cycle)
    context = {
        "cycle": cycle,
        "cycle_tag_class": CYCLE_TAG_CLASSES.get(cycle.status, ""),
        "duties": duties,
        "progress": progress,
        "state_counts": [(label, state, progress[state]) for state, label in SiteCheck.State.choices],
        "page": page,
        "rows": _matrix_rows(cycle, page_checks, duties),
        "can_cancel": cycle.status == AuditCycle.Status.RUNNING,
        "can_recheck": cycle.status in services.RECHECKABLE,
    }
    return render(request, "audits/cycle/detail.html", context)


@staff_required("audits.view_auditcycle")
def cycle_progress(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    return JsonResponse({**services.cycle_progress(cycle), "status": cycle.status})


@staff_required("audits.run_audit")
@require_POST
def cycle_cancel(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    try:
        cancelled = services.cancel_cycle(cycle)
    except services.AuditError as error:
        messages.error(request, str(error))
        return redirect("audits:cycle_detail", pk=cycle.pk)
    logger.info("audits.cycle.cancelled %s by %s (%d queued checks)", cycle.pk, request.user.username, cancelled)
    messages.success(
        request, f"{cycle} cancelled. {cancelled} queued checks will not run; running checks stop at their next page."
    )
    return redirect("audits:cycle_detail", pk=cycle.pk)


@staff_required("audits.run_audit")
@require_POST
def site_check_recheck(request, pk: int, check_pk: int):
    check = get_object_or_404(SiteCheck.objects.select_related("cycle", "organisation"), pk=check_pk, cycle_id=pk)
    cycle = check.cycle
    duty_code = request.POST.get("duty", "").strip()
    try:
        services.recheck(check, [duty_code] if duty_code else None)
    except services.AuditError as error:
        messages.error(request, str(error))
        return redirect("audits:cycle_detail", pk=cycle.pk)
    logger.info("audits.site_check.rechecked %s by %s (duty %s)", check.pk, request.user.username, duty_code or "all")
    what = f"the duty {duty_code}" if duty_code else "every duty"
    messages.success(request, f"{check.organisation.name} queued for a recheck of {what}.")
    return redirect(_next_url(request) or reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}))


def _next_url(request) -> str | None:
    """Where the form asked to go back to, if it is a page of this site."""
    url = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure())
    return url if allowed else None


def _web_link(url: str) -> str | None:
    """The address if it is safe to link to; a hostile site could hand the crawler any scheme."""
    return url if urlsplit(url).scheme in ("http", "https") else None


@staff_required("audits.view_finding")
def finding_detail(request, pk: int, finding_pk: int):
    finding = get_object_or_404(
        Finding.objects.select_related(
            "cycle", "organisation", "duty", "site_check__cycle", "site_check__organisation", "evidence", "reviewed_by"
        ),
        pk=finding_pk,
        cycle_id=pk,
    )
    labels = dict(FindingStatus.choices)
    history = [
        (change, labels.get(change.from_status, change.from_status), labels.get(change.to_status, change.to_status))
        for change in finding.history.select_related("changed_by")
    ]
    evidence = finding.evidence
    context = {
        "cycle": finding.cycle,
        "finding": finding,
        "evidence": evidence,
        "evidence_href": _web_link(evidence.final_url) if evidence else None,
        "history": history,
        "can_recheck": not services.recheck_refusal(finding.site_check),
    }
    return render(request, "audits/cycle/finding.html", context)
