"""The results matrix: one row per trust checked in a cycle, one column per duty."""

from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_tables2.rows import BoundRow

from .models import AuditCycle, Duty, Finding, FindingStatus

STATUS_LABELS = dict(FindingStatus.choices)
REVIEWED = mark_safe('<span class="govuk-body-s govuk-!-display-block">Reviewed</span>')


class DutyColumn(tables.Column):
    """The effective status of one duty, as a tag linking to the finding."""

    def __init__(self, duty: Duty):
        self.duty = duty
        super().__init__(verbose_name=duty.title, accessor="pk", orderable=False, empty_values=())

    def render(self, record, table):
        return table.duty_cell(record, self.duty)

    def value(self, record, table):
        finding = table.findings.get((record.pk, self.duty.pk))
        return finding.effective if finding else ""


class MatrixRow(BoundRow):
    """A row of the matrix, its cells written in Python: django-tables2's per-cell machinery (accessors,
    signature inspection, a reverse() per link) and the template's per-cell loop cost more than the cells
    themselves, and a page has hundreds of them. The columns still give the head, sorting and exports."""

    def html_cells(self) -> str:
        """The row's cells as HTML, the trust as its header, as includes/govuk_table.html writes them."""
        table, check = self.table, self.record
        organisation = check.organisation
        cells = [
            escape(organisation.ods_code),
            escape(organisation.region),
            escape(organisation.get_org_type_display()),
            *(
                table.duty_cell(check, column.column.duty)
                for column in table.columns
                if isinstance(column.column, DutyColumn)
            ),
        ]
        link = f'<a class="govuk-link" href="{table.trust_url(organisation)}">{escape(organisation.name)}</a>'
        return mark_safe(
            f'<th scope="row" class="govuk-table__header">{link}</th>'
            + "".join(f'<td class="govuk-table__cell">{cell}</td>' for cell in cells)
        )


class ResultsTable(tables.Table):
    trust = tables.Column(
        accessor="organisation__name",
        verbose_name="Trust",
        order_by=("organisation__name", "pk"),
        attrs={"th": {"scope": "col"}},
    )
    ods_code = tables.Column(accessor="organisation__ods_code", verbose_name="ODS code", attrs={"th": {"scope": "col"}})
    region = tables.Column(accessor="organisation__region", verbose_name="Region", attrs={"th": {"scope": "col"}})
    org_type = tables.Column(
        accessor="organisation__get_org_type_display",
        order_by=("organisation__org_type", "organisation__name"),
        verbose_name="Type",
        attrs={"th": {"scope": "col"}},
    )

    class Meta:
        template_name = "includes/govuk_table.html"
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet app-matrix"}
        order_by = ("trust",)
        empty_text = "No trusts match."

    caption = "Results by trust and duty"
    pagination_label = "Pages of trusts"

    def __init__(self, data, duties: list[Duty], **kwargs):
        columns = [(f"duty_{duty.code}", DutyColumn(duty)) for duty in duties]
        super().__init__(data, extra_columns=columns, **kwargs)
        self.findings: dict[tuple[int, int], Finding] = {}

    def load_findings(self, cycle: AuditCycle, site_check_ids: list[int] | None = None) -> None:
        """Fetch the cells in one query: for the rows shown, or (None) for the whole cycle."""
        findings = Finding.objects.with_effective_status().filter(cycle=cycle)
        if site_check_ids is not None:
            findings = findings.filter(site_check_id__in=site_check_ids)
        findings = findings.only("id", "cycle_id", "site_check_id", "duty_id", "status", "reviewed_status")
        self.findings = {(f.site_check_id, f.duty_id): f for f in findings}
        # One reverse() for the page instead of one per cell: the matrix has hundreds of cells.
        template = reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": 123456789})
        self.finding_url = lambda finding: template.replace("123456789", str(finding.pk))
        trust_page = reverse("trusts:detail", kwargs={"ods_code": "ODS-CODE"})
        self.trust_url = lambda organisation: trust_page.replace("ODS-CODE", quote(organisation.ods_code))

    @property
    def paginated_rows(self):
        return [MatrixRow(row.record, table=self) for row in super().paginated_rows]

    def duty_cell(self, record, duty: Duty) -> str:
        """The effective status of one duty for the row's trust, as a tag linking to the finding."""
        finding = self.findings.get((record.pk, duty.pk))
        if finding is None:
            return "Does not apply" if record.is_ended else "Not checked"
        status = finding.effective_status
        # Put together by hand, each part escaped: format_html per cell was most of the page's time.
        return mark_safe(
            f'<a class="govuk-link" href="{self.finding_url(finding)}"><strong class="govuk-tag app-status--'
            f'{escape(status)}">{escape(STATUS_LABELS.get(status, status))}</strong><span class="govuk-visually-'
            f'hidden"> – {escape(duty.title)}, {escape(record.organisation.name)}</span></a>'
            f"{REVIEWED if finding.reviewed_status else ''}"
        )
