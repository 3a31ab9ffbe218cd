"""The trusts that fall short of each duty in a cycle, with their cases, and each duty's national trend
across every published cycle (from the national report's figures, reports/national)."""

from dataclasses import dataclass
from typing import NamedTuple

from django.utils.safestring import SafeString

from audits.lifecycle import shown_to_trusts
from audits.models import AuditCycle, Duty, Finding, FindingStatus
from reports import national
from reports.national.charts import Bar, bar_chart

from .models import Case


class ShortTrust(NamedTuple):
    name: str
    ods_code: str


@dataclass
class DutyShortfall:
    duty: Duty
    trusts: list[tuple[ShortTrust, Case | None]]  # a trust whose case is None links to its history


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
    by_duty: dict[int, DutyShortfall] = {}
    for duty_id, organisation_id, name, ods_code in rows:
        entry = by_duty.setdefault(duty_id, DutyShortfall(duties[duty_id], []))
        entry.trusts.append((ShortTrust(name, ods_code), cases.get(organisation_id)))
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
