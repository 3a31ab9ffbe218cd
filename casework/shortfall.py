"""The trusts that fall short of each duty in a cycle, with their cases, and each duty's national trend
across every published cycle (from the national report's figures, reports/national)."""

from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from audits.lifecycle import shown_to_trusts
from audits.models import AuditCycle, Duty, Finding, FindingStatus
from config.links import link_maker
from reports import national
from reports.national.charts import Bar, bar_chart

from .models import Case


class ShortTrust(NamedTuple):
    name: str
    ods_code: str
    case: Case | None
    href: str  # its case, or its history if it has no case


@dataclass
class DutyShortfall:
    duty: Duty
    trusts: list[ShortTrust]

    def items_html(self) -> SafeString:
        """The trusts as list items, written in Python, each part escaped: a cycle has hundreds of trusts
        short of each duty, and the template's loop cost several times what the items do. html.escape is Django's
        escape without its lazy wrapper."""
        duty = escape(self.duty.title)
        items = []
        for trust in self.trusts:
            where, state = (
                ("case", f"case {escape(trust.case.get_state_display().lower())}, "
                 f"deadline {escape(date_format(trust.case.deadline, 'j F Y'))}")
                if trust.case
                else ("history", "no case yet")
            )  # fmt: skip
            items.append(
                f'<li><a class="govuk-link" href="{escape(trust.href)}">{escape(trust.name)}<span class="govuk-'
                f'visually-hidden">: {where}, {duty}</span></a> ({escape(trust.ods_code)}): {state}</li>'
            )
        return mark_safe("".join(items))


@dataclass
class Trend:
    cycles: list[AuditCycle]  # oldest first
    rows: list[tuple[str, list[dict | None]]]  # per duty title, its figures in each cycle (None: not checked)
    chart: SafeString


def shortfall(cycle: AuditCycle) -> list[DutyShortfall]:
    """Per duty of the cycle, the trusts whose status that counts is not met."""
    cases = {case.organisation_id: case for case in Case.objects.filter(cycle=cycle)}
    duties = Duty.objects.defer("evidence_rules").in_bulk()
    # Plain rows: the page lists hundreds of trusts, and needs only their names and codes.
    rows = (
        Finding.objects.filter(cycle=cycle)
        .with_effective_status()
        .filter(effective=FindingStatus.NOT_MET)
        .order_by("duty__sort_order", "duty__code", "organisation__name")
        .values_list("duty_id", "organisation_id", "organisation__name", "organisation__ods_code")
    )
    case_link, history_link = link_maker("casework:detail", "pk"), link_maker("casework:trust_history", "ods_code")
    by_duty: dict[int, DutyShortfall] = {}
    for duty_id, organisation_id, name, ods_code in rows:
        entry = by_duty.setdefault(duty_id, DutyShortfall(duties[duty_id], []))
        case = cases.get(organisation_id)
        href = case_link(pk=case.pk) if case else history_link(ods_code=ods_code)
        entry.trusts.append(ShortTrust(name, ods_code, case, href))
    return list(by_duty.values())


def trend() -> Trend:
    """Each duty's share of trusts that met it, in every published cycle, as a chart and its table."""
    cycles = list(AuditCycle.objects.filter(shown_to_trusts()).order_by("audit_date", "pk"))
    figures = [{d["code"]: d for d in national.national_figures(cycle)["duties"]} for cycle in cycles]
    titles = {code: f[code]["title"] for f in figures for code in f}
    rows = [(title, [f.get(code) for f in figures]) for code, title in titles.items()]
    bars = [
        Bar(f"{title}, {cycle.name}", cells["met_percent"])
        for title, row in rows
        for cycle, cells in zip(cycles, row, strict=True)
        if cells is not None
    ]
    chart = bar_chart(
        "chart-trend",
        "Trusts that met each duty, in every published audit",
        "For each duty, the percentage of the trusts it applies to that met it, audit by audit, oldest first. "
        "The table below gives the numbers.",
        bars,
    )
    return Trend(cycles, rows, chart)
