"""The results matrix (one row per trust checked in a cycle, one column per duty) and the review queue's rows."""

from html import escape
from typing import Any

import django_tables2 as tables
from django.utils.safestring import SafeString, mark_safe

from config.links import link_maker
from config.tables import WRITTEN_ROWS_TEMPLATE, RowsWrittenInPython

from .models import AuditCycle, Duty, Finding, FindingStatus
from .review import DECISIONS

REVIEWED = '<span class="govuk-body-s govuk-!-display-block">Reviewed</span>'
TAGS = {
    status: f'<strong class="govuk-tag app-status--{status}">{escape(label)}</strong>'
    for status, label in FindingStatus.choices
}


class DutyColumn(tables.Column):
    """One duty's column: the duty's title heads it; ResultsTable.row_cells writes its cells."""

    def __init__(self, duty: Duty):
        self.duty = duty
        super().__init__(verbose_name=duty.title, accessor="pk", orderable=False, empty_values=())


class ResultsTable(RowsWrittenInPython, tables.Table):
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
        template_name = WRITTEN_ROWS_TEMPLATE
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet app-matrix"}
        order_by = ("trust",)
        empty_text = "No trusts match."

    caption = "Results by trust and duty"
    pagination_label = "Pages of trusts"

    def __init__(self, data, duties: list[Duty], **kwargs):
        columns = [(f"duty_{duty.code}", DutyColumn(duty)) for duty in duties]
        super().__init__(data, extra_columns=columns, **kwargs)
        self.duties = duties
        self.duty_titles = {duty.pk: escape(duty.title) for duty in duties}
        # (site check, duty) -> (finding id, effective status, reviewed or not)
        self.findings: dict[tuple[int, int], tuple[int, str, bool]] = {}

    def load_findings(self, cycle: AuditCycle, site_check_ids: list[int]) -> None:
        """Fetch the cells of the rows shown in one query, as plain rows."""
        rows = (
            Finding.objects.with_effective_status()
            .filter(cycle=cycle, site_check_id__in=site_check_ids)
            .values_list("site_check_id", "duty_id", "pk", "effective", "reviewed_status")
        )
        self.findings = {(check, duty): (pk, status, bool(reviewed)) for check, duty, pk, status, reviewed in rows}
        # One reverse() for the page instead of one per cell: the matrix has hundreds of cells.
        self.finding_link = link_maker("audits:finding_detail", "finding_pk", pk=cycle.pk)
        self.trust_link = link_maker("trusts:detail", "ods_code")

    def row_cells(self, check) -> list[str]:
        """The trust (linked to its page), its code, region and type, then each duty's status: format_html
        per cell was most of the page's time."""
        organisation = check.organisation
        name = escape(organisation.name)
        return [
            f'<a class="govuk-link" href="{self.trust_link(ods_code=organisation.ods_code)}">{name}</a>',
            escape(organisation.ods_code),
            escape(organisation.region),
            escape(organisation.get_org_type_display()),
            *(self.duty_cell(check, duty, name) for duty in self.duties),
        ]

    def duty_cell(self, record, duty: Duty, trust_name: str) -> str:
        """The effective status of one duty for the row's trust (its name escaped), as a tag linking to the
        finding."""
        cell = self.findings.get((record.pk, duty.pk))
        if cell is None:
            return "Does not apply" if record.is_ended else "Not checked"
        finding_pk, status, reviewed = cell
        return (
            f'<a class="govuk-link" href="{self.finding_link(finding_pk=finding_pk)}">{TAGS[status]}<span class="govuk-'
            f'visually-hidden"> – {self.duty_titles[duty.pk]}, {trust_name}</span></a>{REVIEWED if reviewed else ""}'
        )


def review_rows(findings, cycle: AuditCycle, refusal: str) -> SafeString:
    """A page of the review queue (audits.review.review_queue) as table rows, written in Python: a box to confirm
    each decided finding (disabled when the cycle refuses review), its trust, a link to it and why it is listed."""
    finding_page = link_maker("audits:finding_detail", "finding_pk", pk=cycle.pk)
    disabled = " disabled" if refusal else ""
    rows = []
    for n, finding in enumerate(findings):
        trust, duty = escape(finding.organisation.name), escape(finding.duty.title)
        if finding.status in DECISIONS:
            confirm = (
                '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
                '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" type="checkbox" '
                f'name="findings" id="id_findings_{n}" value="{finding.pk}:{finding.version}"{disabled}>'
                f'<label class="govuk-label govuk-checkboxes__label" for="id_findings_{n}">'
                f'<span class="govuk-visually-hidden">{trust}, {duty}</span></label></div></div>'
            )
        else:
            confirm = '<span class="govuk-body-s">Open it to decide</span>'
        rows.append(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell">{confirm}</td>'
            f'<td class="govuk-table__cell">{trust} '
            f'<span class="govuk-body-s govuk-!-display-block">{escape(finding.organisation.ods_code)}</span></td>'
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{finding_page(finding_pk=finding.pk)}">'
            f'{duty}<span class="govuk-visually-hidden">, {trust}</span></a></td>'
            f'<td class="govuk-table__cell">{TAGS[finding.status]}</td>'
            f'<td class="govuk-table__cell">{_why_listed(finding)}</td></tr>'
        )
    return mark_safe("".join(rows))


def _why_listed(finding: Any) -> str:
    """`finding`: a row of review_queue, annotated with in_sample and reviewed_before."""
    if finding.in_sample:
        return "Quality sample: is the automated status right?"
    if finding.reviewed_before and finding.status in DECISIONS:
        return "A recheck differs from its review"
    if finding.status == FindingStatus.ERROR:
        return "The website could not be read"
    return "The automated check could not decide"
