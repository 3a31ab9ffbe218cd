"""Casework pages: the publication calendar (staff, and each trust its own) and what changed on trusts'
websites between two cycles (staff). The domain is in audits/calendar.py and audits/site_changes.py."""

import datetime
from types import SimpleNamespace

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from audits import calendar, site_changes
from audits.models import AuditCycle, Duty
from trusts.access import organisation_for, staff_required

from .tables import CalendarTable, ChangesTable, state_tag

ROWS_PER_PAGE = 50
GOVUK_SELECT = {"class": "govuk-select govuk-!-width-full"}


class CalendarFilterForm(forms.Form):
    duty = forms.ChoiceField(label="Duty", required=False, widget=forms.Select(attrs=GOVUK_SELECT))
    state = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Overdue and due soon"),
            (calendar.DueState.OVERDUE, "Overdue"),
            (calendar.DueState.DUE_SOON, "Due soon"),
        ],
        widget=forms.Select(attrs=GOVUK_SELECT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty"].choices = [("", "Every duty"), *Duty.objects.values_list("code", "title")]


@staff_required("audits.view_finding")
def calendar_list(request):
    """Every trust's publications overdue or due soon, by duty."""
    form = CalendarFilterForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    states = [chosen["state"]] if chosen.get("state") else [calendar.DueState.OVERDUE, calendar.DueState.DUE_SOON]
    entries = [
        e for e in calendar.calendar(datetime.date.today(), duty_code=chosen.get("duty", "")) if e.state in states
    ]
    table = CalendarTable(entries)
    RequestConfig(request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
    context = {"table": table, "filter": SimpleNamespace(form=form), "due_soon_days": calendar.DUE_SOON_DAYS}
    return render(request, "reports/casework/calendar.html", context)


def trust_calendar(request, ods_code: str):
    """One trust's next publication of every duty: staff for any trust, a trust user for their own."""
    organisation = organisation_for(request.user, ods_code)
    entries = calendar.calendar(datetime.date.today(), organisation_id=organisation.pk)
    rows = [(entry, state_tag(entry.state)) for entry in entries]
    context = {"organisation": organisation, "rows": rows, "due_soon_days": calendar.DUE_SOON_DAYS}
    return render(request, "reports/casework/trust_calendar.html", context)


def _cycles_compared(request) -> tuple[AuditCycle, AuditCycle] | None:
    """The later and earlier cycles asked for (?later=&earlier=), else the two most recent; None if
    fewer than two cycles have run."""
    cycles = site_changes.comparable_cycles()
    later_pk, earlier_pk = request.GET.get("later"), request.GET.get("earlier")
    if later_pk or earlier_pk:
        if not (later_pk and earlier_pk and later_pk.isdigit() and earlier_pk.isdigit()):
            raise Http404("Name both cycles.")
        return get_object_or_404(cycles, pk=later_pk), get_object_or_404(cycles, pk=earlier_pk)
    recent = list(cycles[:2])
    return (recent[0], recent[1]) if len(recent) == 2 else None


@staff_required("audits.view_finding")
def changes_list(request):
    """What changed on every trust's website since the previous cycle."""
    compared = _cycles_compared(request)
    context = {"cycles": site_changes.comparable_cycles(), "compared": compared}
    if compared:
        later, earlier = compared
        changes = site_changes.site_changes(earlier, later)
        trusts = {c.organisation_id: c.organisation for c in later.site_checks.select_related("organisation")}
        rows = [
            {
                "organisation": trusts[trust],
                **{kind: sum(c.kind == kind for c in found) for kind in site_changes.LABELS},
            }
            for trust, found in changes.items()
            if found
        ]
        table = ChangesTable(rows, query=f"later={later.pk}&earlier={earlier.pk}")
        RequestConfig(request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
        context.update(later=later, earlier=earlier, table=table)
    return render(request, "reports/casework/changes.html", context)


@staff_required("audits.view_finding")
def trust_changes(request, ods_code: str):
    """The documents that appeared, disappeared or changed on one trust's website, with both stored copies."""
    organisation = organisation_for(request.user, ods_code)
    compared = _cycles_compared(request)
    context = {"organisation": organisation, "cycles": site_changes.comparable_cycles(), "compared": compared}
    if compared:
        later, earlier = compared
        changes = site_changes.site_changes(earlier, later, organisation_id=organisation.pk).get(organisation.pk)
        context.update(later=later, earlier=earlier, changes=changes, checked_in_both=changes is not None)
    return render(request, "reports/casework/trust_changes.html", context)
