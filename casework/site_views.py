"""Casework pages: the publication calendar (staff, and each trust its own), what changed on trusts'
websites between two cycles (staff; each trust its own between published cycles) and what a cycle's crawl
read on a trust's website (staff, and each trust its own in published cycles). The domain is in
audits/calendar.py, audits/site_changes.py and audits/crawl_log.py."""

import datetime
from types import SimpleNamespace

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from audits import calendar, crawl_log, results_cache, site_changes
from audits.lifecycle import shown_to_trusts
from audits.models import AuditCycle, Duty, SiteCheck
from trusts.access import organisation_for, staff_required
from trusts.models import Organisation

from .site_tables import CalendarTable, ChangesTable, state_tag

ROWS_PER_PAGE = 50
LOG_ENTRIES_PER_PAGE = 100
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
    listed = (calendar.DueState.OVERDUE, calendar.DueState.DUE_SOON)
    today, duty_code = datetime.date.today(), chosen.get("duty", "")
    # What falls due from every trust's latest finding of every duty across the published cycles, kept until the
    # results change: only the publications this page lists, thousands fewer in a register that keeps up.
    due = results_cache.remember(
        f"calendar:{today}:{duty_code}",
        lambda: [e for e in calendar.calendar(today, duty_code=duty_code) if e.state in listed],
    )
    entries = [e for e in due if e.state == chosen["state"]] if chosen.get("state") else due
    table = CalendarTable(entries)
    RequestConfig(request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
    context = {"table": table, "filter": SimpleNamespace(form=form), "due_soon_days": calendar.DUE_SOON_DAYS}
    return render(request, "casework/site/calendar.html", context)


def trust_calendar(request, ods_code: str):
    """One trust's next publication of every duty: staff for any trust, a trust user for their own."""
    organisation = organisation_for(request.user, ods_code)
    entries = calendar.calendar(datetime.date.today(), organisation_id=organisation.pk)
    rows = [(entry, state_tag(entry.state)) for entry in entries]
    context = {"organisation": organisation, "rows": rows, "due_soon_days": calendar.DUE_SOON_DAYS}
    return render(request, "casework/site/trust_calendar.html", context)


def _cycles_compared(request, cycles=None) -> tuple[AuditCycle, AuditCycle] | None:
    """The later and earlier of `cycles` asked for (?later=&earlier=), else the two most recent; None if
    fewer than two cycles have run."""
    cycles = site_changes.comparable_cycles() if cycles is None else cycles
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
        counts = site_changes.change_counts(earlier, later)
        trusts = Organisation.objects.in_bulk(counts)
        rows = [{"organisation": trusts[trust], **by_kind} for trust, by_kind in counts.items()]
        table = ChangesTable(rows, query=f"later={later.pk}&earlier={earlier.pk}")
        RequestConfig(request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
        context.update(later=later, earlier=earlier, table=table)
    return render(request, "casework/site/changes.html", context)


@staff_required("audits.view_finding")
def trust_changes(request, ods_code: str):
    """The documents that appeared, disappeared or changed on one trust's website, with both stored copies."""
    return _trust_changes(request, organisation_for(request.user, ods_code), site_changes.comparable_cycles())


def published_changes(request, ods_code: str):
    """What changed on a trust's website between published cycles: the trust's own page (staff may read it)."""
    organisation = organisation_for(request.user, ods_code)
    return _trust_changes(request, organisation, site_changes.comparable_cycles().filter(shown_to_trusts()))


def _trust_changes(request, organisation, cycles):
    compared = _cycles_compared(request, cycles)
    context = {"organisation": organisation, "cycles": cycles, "compared": compared}
    if compared:
        later, earlier = compared
        changes = site_changes.site_changes(earlier, later, organisation_id=organisation.pk).get(organisation.pk)
        context.update(later=later, earlier=earlier, changes=changes, checked_in_both=changes is not None)
    return render(request, "casework/site/trust_changes.html", context)


def trust_crawl_log(request, ods_code: str, cycle_pk: int, crawl: int | None = None):
    """Every page and document a cycle's crawl read on a trust's website, in order, with what came of it;
    the latest crawl unless one is named (a recheck crawls again). A trust sees its own, in published cycles."""
    organisation = organisation_for(request.user, ods_code)
    check = get_object_or_404(
        SiteCheck.objects.visible_to(request.user).select_related("cycle"), organisation=organisation, cycle=cycle_pk
    )
    crawls = list(check.crawl_log.order_by("crawl").values_list("crawl", flat=True).distinct())
    crawl = crawl or (crawls[-1] if crawls else None)
    if crawl is not None and crawl not in crawls:
        raise Http404("No such crawl.")
    page = Paginator(check.crawl_log.filter(crawl=crawl), LOG_ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    for entry in page:
        entry.kind = crawl_log.kind_words(entry)
        entry.what = crawl_log.what_happened(entry)
    context = {"organisation": organisation, "check": check, "crawls": crawls, "crawl": crawl, "page": page}
    return render(request, "casework/site/crawl_log.html", context)
