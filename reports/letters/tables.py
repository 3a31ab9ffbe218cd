"""The letter register: its table (django-tables2), its filters (django-filter) and its CSV export."""

import django_filters
import django_tables2 as tables
from django.db.models import Q

from audits.models import AuditCycle
from config import spreadsheets
from trusts.filters import GovukFilterSet

from ..models import Letter


class LetterFilter(GovukFilterSet):
    trust = django_filters.CharFilter(label="Trust name or ODS code", method="filter_trust")
    cycle = django_filters.ModelChoiceFilter(queryset=AuditCycle.objects.all(), label="Cycle", empty_label="Any cycle")
    status = django_filters.ChoiceFilter(choices=Letter.Status.choices, label="Status", empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=Letter.Kind.choices, label="Kind of letter", empty_label="Any kind")

    class Meta:
        model = Letter
        fields = ["trust", "cycle", "status", "kind"]

    def filter_trust(self, queryset, _name, value):
        return queryset.filter(Q(organisation__name__icontains=value) | Q(organisation__ods_code__iexact=value))


class LetterTable(tables.Table):
    reference = tables.Column(linkify=("letters:detail", {"pk": tables.A("pk")}))
    organisation = tables.Column(verbose_name="Trust", order_by=("organisation__name",))
    ods_code = tables.Column(accessor="organisation__ods_code", verbose_name="ODS code")
    cycle = tables.Column(order_by=("cycle__name",))
    issued_at = tables.DateTimeColumn(format="j M Y", verbose_name="Issued")
    deadline = tables.DateColumn(format="j M Y")
    sha256 = tables.Column(verbose_name="SHA-256", visible=False)

    class Meta:
        model = Letter
        fields = ("reference", "organisation", "ods_code", "cycle", "kind", "status", "issued_at", "deadline")
        template_name = "includes/govuk_table.html"
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet"}
        empty_text = "No letters match."

    caption = "Letters"
    pagination_label = "Pages of letters"


def letters_csv(queryset) -> str:
    """The register as CSV, through config.spreadsheets: a trust named "=..." stays text."""
    table = LetterTable(queryset, exclude=())
    table.columns.show("sha256")
    header, *rows = table.as_values()
    return spreadsheets.csv_text(rows, header=header)
