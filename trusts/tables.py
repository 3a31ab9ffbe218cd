import re
from dataclasses import dataclass
from html import escape
from typing import Any

import django_tables2 as tables
from django.utils.safestring import SafeString, mark_safe

from config.links import link_maker
from config.tables import WRITTEN_ROWS_TEMPLATE, RowsWrittenInPython

from .activity import action_label
from .models import ActivityRecord, Organisation

GOVUK_TABLE = "includes/govuk_table.html"
# The finding statuses as words, for messages written as "not_met → met: reason" (audits.review).
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "review": "Needs review", "error": "Error", "new": "New"}
STATUS_CHANGE = re.compile(r"^(\w+) → (\w+)(: |$)")


class OrganisationTable(RowsWrittenInPython, tables.Table):
    name = tables.Column()
    org_type = tables.Column(verbose_name="Type")
    website = tables.Column(verbose_name="Website")

    class Meta:
        model = Organisation
        sequence = ("name", "ods_code", "org_type", "region", "headcount", "website")
        fields = ("ods_code", "name", "org_type", "region", "headcount", "website")
        template_name = WRITTEN_ROWS_TEMPLATE
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet"}
        empty_text = "No trusts match."

    caption = "Trusts on the register"
    pagination_label = "Pages of trusts"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trust_page = link_maker("trusts:detail", "ods_code")

    def row_cells(self, organisation) -> list[str]:
        website = organisation.website
        shown = re.sub(r"^https?://(www\.)?", "", website).rstrip("/")
        page = self.trust_page(ods_code=organisation.ods_code)
        return [
            f'<a class="govuk-link" href="{page}">{escape(organisation.name)}</a>',
            escape(organisation.ods_code),
            escape(organisation.get_org_type_display()),
            escape(organisation.region) or "—",
            "—" if organisation.headcount is None else str(organisation.headcount),
            f'<a class="govuk-link app-break" href="{escape(website)}" rel="noreferrer noopener">{escape(shown)}</a>'
            if website
            else "—",
        ]


@dataclass(frozen=True)
class CycleResults:
    """A trust's findings in one audit cycle, as its page shows them: the rows written in Python, as a trust
    has twelve findings a cycle and its page lists every cycle."""

    cycle: Any
    rows: SafeString


def results_by_cycle(findings) -> list[CycleResults]:
    """The findings (each with its cycle, duty and `effective` status) grouped by cycle, in their order."""
    grouped: dict[int, tuple[Any, list[str]]] = {}
    for finding in findings:
        grouped.setdefault(finding.cycle_id, (finding.cycle, []))[1].append(_result_row(finding))
    return [CycleResults(cycle, mark_safe("".join(rows))) for cycle, rows in grouped.values()]


def _result_row(finding) -> str:
    duty, cycle = escape(finding.duty.title), escape(finding.cycle.name)
    if finding.reviewed_status:
        status = escape(finding.get_reviewed_status_display())
        status += '</strong><span class="govuk-body-s govuk-!-display-block">Reviewed</span>'
    else:
        status = escape(finding.get_status_display()) + "</strong>"
    return (
        f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{duty}</th>'
        f'<td class="govuk-table__cell"><strong class="govuk-tag app-status--{escape(finding.effective)}">{status}</td>'
        f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(finding.get_absolute_url())}">View finding'
        f'<span class="govuk-visually-hidden">: {duty}, {cycle}</span></a></td></tr>'
    )


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _target_names(records) -> dict[tuple[int, str], str]:
    """The name a person knows each record's object by, a few queries per page whatever its length."""
    wanted: dict = {}
    for record in records:
        if record.target_type_id and record.target_id:
            wanted.setdefault(record.target_type, set()).add(record.target_id)
    names = {}
    for content_type, ids in wanted.items():
        model = content_type.model_class()
        if model is None:
            continue
        label = model._meta.label_lower
        related = {
            "audits.sitecheck": ("organisation", "cycle"),
            "audits.finding": ("organisation", "cycle", "duty"),
            "audits.trustresponse": ("organisation", "finding__duty"),
            "reports.letter": ("organisation",),
        }.get(label, ())
        numeric = [i for i in ids if i.isdigit()] if model._meta.pk.get_internal_type().endswith("AutoField") else ids
        for obj in model._default_manager.filter(pk__in=numeric).select_related(*related):
            names[content_type.pk, str(obj.pk)] = _name_of(label, obj)
    return names


def _name_of(label: str, obj) -> str:
    if label == "trusts.user":
        return _person(obj)
    if label == "trusts.organisation":
        return obj.name
    if label == "audits.sitecheck":
        return f"Website check of {obj.organisation.name} ({obj.cycle.name})"
    if label == "audits.finding":
        return f"{obj.duty.title} at {obj.organisation.name} ({obj.cycle.name})"
    if label == "audits.trustresponse":
        return f"Answer from {obj.organisation.name} on {obj.finding.duty.title}"
    if label == "reports.letter":
        return f"Letter {obj.reference} to {obj.organisation.name}"
    return str(obj)


def readable_message(message: str) -> str:
    """Status codes in a message become words: "not_met → met: found it" → "Not met → Met: found it"."""
    match = STATUS_CHANGE.match(message)
    if match and match[1] in STATUS_WORDS and match[2] in STATUS_WORDS:
        before, after = STATUS_WORDS[match[1]], STATUS_WORDS[match[2]]
        change = f"{before} (unchanged)" if before == after else f"{before} → {after}"
        return f"{change}{match[3]}{message[match.end() :]}"
    return message


class ActivityTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="When", format="j M Y, H:i")
    username = tables.Column(verbose_name="Who", empty_values=(), order_by=("username",))
    action = tables.Column(verbose_name="What")
    target_repr = tables.Column(verbose_name="About", empty_values=(), orderable=False)
    message = tables.Column(verbose_name="Details", orderable=False, default="")
    ip_address = tables.Column(verbose_name="From address", default="")

    class Meta:
        model = ActivityRecord
        fields = ("at", "username", "action", "target_repr", "message", "ip_address")
        template_name = GOVUK_TABLE
        attrs = {"class": "govuk-table govuk-table--small-text-until-tablet app-activity"}
        empty_text = "Nothing recorded matches."

    caption = "Activity, newest first"
    pagination_label = "Pages of activity"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_names: dict | None = None

    def _names(self):
        if self.target_names is None:
            rows = self.page.object_list if getattr(self, "page", None) else self.rows
            self.target_names = _target_names([row.record for row in rows])
        return self.target_names

    def render_username(self, record):
        if record.user_id:
            return _person(record.user)
        return record.username or "The system"

    def render_action(self, value):
        return action_label(value)

    def render_target_repr(self, record):
        if not record.target_type_id:
            return ""
        return self._names().get((record.target_type_id, record.target_id), record.target_repr)

    def render_message(self, value):
        return readable_message(value)
