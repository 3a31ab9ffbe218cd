"""Casework pages: the staff list of cases, a case, and a trust's history (staff for any trust, a trust
user for their own; anything else is a 404)."""

from types import SimpleNamespace

from django import forms
from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from audits import results_cache
from audits.models import AuditCycle
from reports.models import Letter
from trusts import activity
from trusts.access import organisation_for, staff_required

from . import history, shortfall
from .models import Case
from .tables import CaseTable, state_tag

ROWS_PER_PAGE = 50


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Every state"), *Case.State.choices],
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )


@staff_required("audits.view_finding")
def case_list(request):
    form = CaseFilterForm(request.GET)
    cases = Case.objects.select_related("organisation", "cycle")
    if form.is_valid() and form.cleaned_data["state"]:
        cases = cases.filter(state=form.cleaned_data["state"])
    table = CaseTable(cases)
    RequestConfig(request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
    return render(request, "casework/case/list.html", {"table": table, "filter": SimpleNamespace(form=form)})


def case_detail(request, pk: int):
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("organisation", "cycle", "letter", "follow_up"), pk=pk
    )
    letters = Letter.objects.visible_to(request.user).filter(pk__in=[case.letter_id, case.follow_up_id])
    context = {
        "case": case,
        "state": state_tag(case),
        "letters": letters.order_by("created_at", "pk"),
        "reminders": case.reminders.filter(recipients__gt=0),
        "outcome": [
            (f["title"], history.status_cell(case.outcome[f["duty"]]))
            for f in case.letter.unmet_findings
            if f["duty"] in case.outcome
        ],
        # The activity log's lines are for staff; a trust reads what happened on its history page.
        "events": _events(case) if request.user.is_regulator_staff else None,
    }
    return render(request, "casework/case/detail.html", context)


def trust_history(request, ods_code: str):
    organisation = organisation_for(request.user, ods_code)
    cycles, rows = history.status_by_cycle(organisation, request.user)
    context = {
        "organisation": organisation,
        "cycles": cycles,
        "rows": rows,
        "events": history.timeline(organisation, request.user),
        "cases": organisation.cases.select_related("cycle") if request.user.is_regulator_staff else None,
    }
    return render(request, "casework/trust/history.html", context)


@staff_required("audits.view_auditcycle")
def national_shortfall(request, pk: int):
    """Beside the national report: the trusts that fall short of each duty, with their cases, and the trend."""
    cycle = get_object_or_404(AuditCycle, pk=pk)
    trend = results_cache.remember("trend", shortfall.trend)
    context = {"cycle": cycle, "shortfall": shortfall.shortfall(cycle), "trend": trend}
    return render(request, "casework/national/shortfall.html", context)


def _events(case: Case) -> list[history.Event]:
    return [
        history.Event(entry.at, activity.action_label(entry.action), entry.message)
        for entry in activity.history_of(case)
    ]
