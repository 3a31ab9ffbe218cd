"""The staff list of cases (django-tables2)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Case

STATE_TAGS: dict[str, str] = {
    Case.State.OPEN: "govuk-tag--blue",
    Case.State.AWAITING: "govuk-tag--yellow",
    Case.State.RECHECKED: "govuk-tag--purple",
    Case.State.RESOLVED: "govuk-tag--green",
    Case.State.ESCALATED: "govuk-tag--red",
}


def state_tag(case: Case) -> str:
    return format_html('<strong class="govuk-tag {}">{}</strong>', STATE_TAGS[case.state], case.get_state_display())


class CaseTable(tables.Table):
    trust = tables.Column(accessor="organisation__name", verbose_name="Trust")
    ods_code = tables.Column(accessor="organisation__ods_code", verbose_name="ODS code")
    cycle = tables.Column(accessor="cycle__name", verbose_name="Audit")
    deadline = tables.DateColumn(format="j M Y", verbose_name="Deadline")
    state = tables.Column(verbose_name="State")

    class Meta:
        template_name = "includes/govuk_table.html"
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet"}
        order_by = ("deadline",)
        empty_text = "No case matches."

    caption = "Cases"
    pagination_label = "Pages of cases"

    def render_trust(self, record, value):
        url = reverse("casework:detail", args=[record.pk])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, value)

    def render_state(self, record):
        return state_tag(record)
