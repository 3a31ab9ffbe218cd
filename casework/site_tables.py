"""The staff tables of the publication calendar and of what changed on trusts' websites (django-tables2)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from audits.calendar import DueState
from config.links import link_maker

STATE_TAGS = {
    DueState.OVERDUE: "govuk-tag--red",
    DueState.DUE_SOON: "govuk-tag--yellow",
    DueState.NOT_YET_DUE: "govuk-tag--green",
    DueState.UNKNOWN: "govuk-tag--grey",
}


def state_tag(state: DueState) -> str:
    return format_html('<strong class="govuk-tag {}">{}</strong>', STATE_TAGS[state], state.label)


class CalendarTable(tables.Table):
    """Publications overdue or due soon, one row per trust and duty (audits.calendar.Entry)."""

    trust = tables.Column(accessor="organisation_name", verbose_name="Trust")
    ods_code = tables.Column(verbose_name="ODS code")
    duty = tables.Column(accessor="duty__title", verbose_name="Duty")
    due = tables.DateColumn(format="j M Y", verbose_name="Due by")
    state = tables.Column(verbose_name="Status", order_by=("due",))

    class Meta:
        template_name = "includes/govuk_table.html"
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet"}
        order_by = ("due",)
        empty_text = "Nothing is overdue or due soon."

    caption = "Publications overdue or due soon"
    pagination_label = "Pages of publications"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trust_calendar = link_maker("casework:trust_calendar", "ods_code")

    def render_trust(self, record, value):
        address = self.trust_calendar(ods_code=record.ods_code)
        return format_html('<a class="govuk-link" href="{}">{}</a>', address, value)

    def render_state(self, value):
        return state_tag(value)


class ChangesTable(tables.Table):
    """Per trust, how many documents appeared, disappeared or changed between two cycles."""

    trust = tables.Column(accessor="organisation__name", verbose_name="Trust")
    ods_code = tables.Column(accessor="organisation__ods_code", verbose_name="ODS code")
    appeared = tables.Column(verbose_name="New documents")
    disappeared = tables.Column(verbose_name="Documents gone")
    changed = tables.Column(verbose_name="Documents changed")

    class Meta:
        template_name = "includes/govuk_table.html"
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet"}
        order_by = ("trust",)
        empty_text = "No documents appeared, disappeared or changed."

    caption = "What changed on each trust's website"
    pagination_label = "Pages of trusts"

    def __init__(self, data, query: str, **kwargs):
        super().__init__(data, **kwargs)
        self.query = query

    def render_trust(self, record, value):
        url = reverse("casework:trust_changes", args=[record["organisation"].ods_code])
        return format_html('<a class="govuk-link" href="{}?{}">{}</a>', url, self.query, value)
