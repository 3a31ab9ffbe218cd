"""Staff pages of the national report: the picture of a cycle, a comparison of two, and the open data."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify

from audits.exports import export_findings
from audits.models import AuditCycle
from config import spreadsheets
from reports import national
from trusts.access import staff_required
from trusts.activity import client_address

from . import open_data as open_data_doc

CYCLES_PER_PAGE = 25
TRUSTS_PER_PAGE = 50
PERMISSION = "audits.view_auditcycle"
XLSX = spreadsheets.XLSX_CONTENT_TYPE


@staff_required(PERMISSION)
def cycle_list(request):
    cycles = AuditCycle.objects.annotate(trusts=Count("site_checks")).order_by("-audit_date", "-created_at", "-pk")
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/national/list.html", {"page": page})


@staff_required(PERMISSION)
def report(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    result = national.kept_report(cycle)
    figures = result.figures
    nothing_found = Paginator(national.trusts_with_nothing_found(cycle), TRUSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    duties = [
        {**duty, "sentence": national.duty_sentence(duty), "small": national.is_small(duty["applicable"])}
        for duty in figures["duties"]
    ]
    regions = [
        {
            **g,
            "label": g["region"] or "(no region)",
            "percent": national.group_percent(g),
            "small": national.is_small(g["trusts"]),
        }
        for g in figures["by_region"]
    ]
    org_types = [
        {
            **g,
            "label": national.org_type_label(g["org_type"]),
            "percent": national.group_percent(g),
            "small": national.is_small(g["trusts"]),
        }
        for g in figures["by_org_type"]
    ]
    context = {
        "cycle": cycle,
        "figures": figures,
        "headline": national.headline_sentence(result) if result.race_trusts else "",
        "race_trusts": result.race_trusts,
        "unassessed": national.unassessed_trusts(cycle),
        "duties": duties,
        "regions": regions,
        "org_types": org_types,
        "nothing_found": nothing_found,
        "other_cycles": AuditCycle.objects.exclude(pk=cycle.pk).order_by("-audit_date", "-created_at"),
        "small_number": national.SMALL_NUMBER,
        **national.report_charts(figures),
    }
    return render(request, "reports/national/detail.html", context)


@staff_required(PERMISSION)
def compare_choose(request, pk: int):
    """The compare form's target: on to the comparison page for the cycle chosen."""
    cycle = get_object_or_404(AuditCycle, pk=pk)
    other = request.GET.get("other", "")
    # ASCII digits only: isdigit() passes "²", which int() refuses; and no id has more than 18 digits.
    if (
        not (other.isascii() and other.isdecimal() and len(other) <= 18)
        or not AuditCycle.objects.filter(pk=int(other)).exists()
    ):
        return redirect("national:report", pk=cycle.pk)
    return redirect("national:compare", pk=cycle.pk, other_pk=int(other))


@staff_required(PERMISSION)
def compare(request, pk: int, other_pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    other = get_object_or_404(AuditCycle, pk=other_pk)
    if other == cycle:
        return redirect("national:report", pk=cycle.pk)
    if not national.is_later(cycle, other):  # chosen from the earlier report: the same comparison, forwards
        return redirect("national:compare", pk=other.pk, other_pk=cycle.pk)
    comparison = national.compare_figures(cycle, other)
    rows = [{**row, "change": national.change_words(row["change_points"])} for row in comparison["duties"]]
    improved, declined = national.trust_changes(cycle, other)
    context = {"cycle": cycle, "other": other, "rows": rows, "improved": improved, "declined": declined}
    return render(request, "reports/national/compare.html", context)


@staff_required(PERMISSION)
def open_data(request):
    """The open-data schemas (docs/open-data.md) as a page, so the report links to it, not to a file path."""
    title, body = open_data_doc.title_and_body()
    return render(request, "reports/national/open_data.html", {"title": title, "body": body})


# Every export is recorded (who, when, from where) by the function that builds it.


def _findings_export(content_type: str, fmt: str):
    @staff_required(PERMISSION)
    def view(request, pk: int):
        cycle = get_object_or_404(AuditCycle, pk=pk)
        response = _attachment(content_type, cycle, f"findings.{fmt}")
        export_findings(cycle, fmt, response, request.user, client_address(request))
        return response

    return view


def _report_export(content_type: str, fmt: str):
    @staff_required(PERMISSION)
    def view(request, pk: int):
        cycle = get_object_or_404(AuditCycle, pk=pk)
        response = _attachment(content_type, cycle, f"national-report.{fmt}")
        response.write(national.export_report(cycle, fmt, request.user, client_address(request)))
        return response

    return view


export_findings_csv = _findings_export(spreadsheets.CSV_CONTENT_TYPE, "csv")
export_findings_xlsx = _findings_export(XLSX, "xlsx")
export_findings_json = _findings_export("application/json", "json")
export_report_pdf = _report_export("application/pdf", "pdf")
export_report_json = _report_export("application/json", "json")


def _attachment(content_type: str, cycle: AuditCycle, suffix: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    name = slugify(cycle.name) or f"cycle-{cycle.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{suffix}"'
    return response
