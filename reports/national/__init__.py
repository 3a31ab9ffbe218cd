"""The national figures of an audit cycle: what the regulator publishes about all trusts at once.

`national_figures(cycle)` returns a plain dict that is also the JSON of
`manage.py national_report --format json`. Its schema is a contract (DESIGN.md); add fields only
under a new `schema` value::

    {
      "schema": "national-report/1",
      "cycle": {"name": str, "audit_date": "YYYY-MM-DD"},
      "headline": {
        "trusts_assessed": int,              # distinct trusts with at least one finding
        "race_duties_all_met": int,          # trusts with a race-duty finding whose race findings are all met
        "race_duties_all_met_percent": float | null,  # of trusts with a race-duty finding, one decimal
        "trusts_with_nothing_found": int     # assessed trusts with no met finding at all
      },
      "duties": [                            # the cycle's duties by sort_order
        {"code": str, "title": str,
         "applicable": int,                  # trusts with a finding for the duty (it applies to them)
         "met": int, "not_met": int, "review": int, "error": int,
         "met_percent": float | null}        # met of applicable, one decimal; null when none applicable
      ],
      "by_region": [{"region": str, "trusts": int, "race_duties_all_met": int}],
      "by_org_type": [{"org_type": str, "trusts": int, "race_duties_all_met": int}],
      "comparison": null | {
        "cycle": {"name": str, "audit_date": "YYYY-MM-DD"},   # the cycle compared against
        "duties": [                          # every duty code in either cycle
          {"code": str, "title": str,
           "met_percent": float | null,        # this cycle; null: not applicable (not in the cycle)
           "other_met_percent": float | null,  # the other cycle; null: not applicable
           "change_points": float | null}      # met_percent - other_met_percent, one decimal
        ]
      }
    }

Statuses count as the reviewed status if there is one, else the automated one. `review` and
`error` are counted apart and never as met. The queries are a fixed number whatever the number of
trusts: counts are grouped in the database, per duty and per trust.

The feature's pages and exports sit beside this module (views, urls, open_data, charts), their
templates in reports/templates/reports/national/; the command in reports/management/commands/.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string

from audits import results_cache
from audits.exports import FORMAT_NAMES
from audits.models import AuditCycle, Finding, FindingStatus
from config import spreadsheets
from trusts import activity
from trusts.models import Organisation, OrgType

from .. import pdf, words
from .charts import Bar, bar_chart

SCHEMA = "national-report/1"
STATUSES = [FindingStatus.MET, FindingStatus.NOT_MET, FindingStatus.REVIEW, FindingStatus.ERROR]
CSV_FIELDS = ["code", "title", "applicable", "met", "not_met", "review", "error", "met_percent"]
CSV_COMPARISON_FIELDS = ["other_met_percent", "change_points"]
TEMPLATE = "reports/national/report.html"


@dataclass(frozen=True)
class NationalReport:
    """The figures plus what the sentences need and the JSON does not carry."""

    figures: dict
    race_trusts: int  # trusts with at least one race-duty finding: the base of the headline percent

    def text(self) -> str:
        return report_text(self)

    def csv(self) -> str:
        return report_csv(self.figures)

    def pdf(self) -> bytes:
        return report_pdf(self)


def national_figures(cycle: AuditCycle, compare_with: AuditCycle | None = None) -> dict:
    return national_report(cycle, compare_with).figures


def national_report(cycle: AuditCycle, compare_with: AuditCycle | None = None) -> NationalReport:
    trusts = _trust_rows(cycle)
    race_trusts = [t for t in trusts if t["race_findings"]]
    all_met = [t for t in race_trusts if t["race_met"] == t["race_findings"]]
    figures = {
        "schema": SCHEMA,
        "cycle": _cycle_ref(cycle),
        "headline": {
            "trusts_assessed": len(trusts),
            "race_duties_all_met": len(all_met),
            "race_duties_all_met_percent": _percent(len(all_met), len(race_trusts)),
            "trusts_with_nothing_found": sum(1 for t in trusts if not t["met"]),
        },
        "duties": _duty_figures(cycle),
        "by_region": _breakdown(trusts, "region"),
        "by_org_type": _breakdown(trusts, "org_type"),
        "comparison": compare_figures(cycle, compare_with) if compare_with else None,
    }
    return NationalReport(figures=figures, race_trusts=len(race_trusts))


def kept_report(cycle: AuditCycle, results: str | None = None) -> NationalReport:
    """national_report(cycle), kept until the results change (audits.results_cache): the dashboard and the
    report page show it on every view."""
    return results_cache.remember(f"national:{cycle.pk}", lambda: national_report(cycle), results)


def export_report(
    cycle: AuditCycle, fmt: str, user=None, address: str | None = None, compare_with: AuditCycle | None = None
) -> bytes | str:
    """The national report as a file (a PDF, the JSON figures, CSV or text), with the export recorded (`user`
    None: the command line)."""
    report = national_report(cycle, compare_with)
    writers: dict[str, Callable[[], bytes | str]] = {"pdf": report.pdf, "csv": report.csv, "text": report.text}
    content = writers[fmt]() if fmt in writers else json.dumps(report.figures, indent=2)
    activity.record(
        "reports.national.exported", user, cycle, f"National report as {FORMAT_NAMES[fmt]}", address=address
    )
    return content


def is_later(cycle: AuditCycle, other: AuditCycle) -> bool:
    """Whether `cycle` comes after `other` (by audit date, then by creation). A comparison runs from the
    earlier cycle to the later, so that its change, "improved" and "fell back" read forwards in time."""
    return (cycle.audit_date, cycle.pk) > (other.audit_date, other.pk)


def compare_figures(cycle: AuditCycle, other: AuditCycle) -> dict:
    """Met percentages of both cycles for every duty in either; null where a cycle lacks the duty."""
    current = {d["code"]: d for d in _duty_figures(cycle)}
    previous = {d["code"]: d for d in _duty_figures(other)}
    codes = list(current) + [code for code in previous if code not in current]
    rows = []
    for code in codes:
        this = current.get(code, {}).get("met_percent")
        that = previous.get(code, {}).get("met_percent")
        change = float(Decimal(str(this)) - Decimal(str(that))) if this is not None and that is not None else None
        rows.append(
            {
                "code": code,
                "title": (current.get(code) or previous[code])["title"],
                "met_percent": this,
                "other_met_percent": that,
                "change_points": change,
            }
        )
    return {"cycle": _cycle_ref(other), "duties": rows}


def _cycle_ref(cycle: AuditCycle) -> dict:
    return {"name": cycle.name, "audit_date": cycle.audit_date.isoformat()}


def _duty_figures(cycle: AuditCycle) -> list[dict]:
    duties = list(cycle.duties.order_by("sort_order", "code"))
    # Findings are unique per (cycle, trust, duty) and exist only where the duty applies,
    # so counting findings per duty counts applicable trusts.
    counts = {
        row["duty_id"]: row
        for row in Finding.objects.filter(cycle=cycle, duty__in=duties)
        .with_effective_status()
        .values("duty_id")
        .annotate(
            applicable=Count("id"),
            **{status.value: Count("id", filter=Q(effective=status)) for status in STATUSES},
        )
        .order_by()
    }
    figures = []
    for duty in duties:
        row = counts.get(duty.pk, {})
        applicable = row.get("applicable", 0)
        figures.append(
            {
                "code": duty.code,
                "title": duty.title,
                "applicable": applicable,
                **{status.value: row.get(status.value, 0) for status in STATUSES},
                "met_percent": _percent(row.get("met", 0), applicable),
            }
        )
    return figures


def _trust_rows(cycle: AuditCycle) -> list[dict]:
    """One row per assessed trust with its counts, grouped in the database."""
    race = Q(duty__strand="race")
    return list(
        Finding.objects.filter(cycle=cycle)
        .with_effective_status()
        .values("organisation_id", region=F("organisation__region"), org_type=F("organisation__org_type"))
        .annotate(
            met=Count("id", filter=Q(effective=FindingStatus.MET)),
            race_findings=Count("id", filter=race),
            race_met=Count("id", filter=race & Q(effective=FindingStatus.MET)),
        )
        .order_by()
    )


def _breakdown(trusts: list[dict], key: str) -> list[dict]:
    groups: dict[str, dict] = defaultdict(lambda: {"trusts": 0, "race_duties_all_met": 0})
    for trust in trusts:
        group = groups[trust[key]]
        group["trusts"] += 1
        if trust["race_findings"] and trust["race_met"] == trust["race_findings"]:
            group["race_duties_all_met"] += 1
    return [{key: name, **groups[name]} for name in sorted(groups)]


def _percent(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _whole_percent(part: int, whole: int) -> int:
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)) if whole else 0


def unassessed_trusts(cycle: AuditCycle) -> int:
    """Trusts in the cycle with no finding at all: their check is queued, running, failed or cancelled.

    They are outside every denominator of the figures, so the pages say how many there are.
    """
    return cycle.site_checks.exclude(Exists(Finding.objects.filter(site_check=OuterRef("pk")))).count()


def trusts_with_nothing_found(cycle: AuditCycle) -> QuerySet[Organisation]:
    """Assessed trusts with no met finding in the cycle (the `trusts_with_nothing_found` headline), by name."""
    findings = Finding.objects.filter(cycle=cycle, organisation=OuterRef("pk"))
    return (
        Organisation.objects.filter(Exists(findings))
        .exclude(Exists(findings.with_effective_status().filter(effective=FindingStatus.MET)))
        .order_by("name", "ods_code")
    )


def group_percent(group: dict) -> float | None:
    """Of a `by_region` or `by_org_type` group's trusts, the percentage meeting every race duty."""
    return _percent(group["race_duties_all_met"], group["trusts"])


# Presentation: text, CSV and PDF from the figures dict, so every format states the same numbers.


def report_text(report: NationalReport) -> str:
    figures = report.figures
    headline = figures["headline"]
    lines = [
        f"National report: {figures['cycle']['name']} (as at {figures['cycle']['audit_date']})",
        "",
        f"{headline['trusts_assessed']} NHS trusts were assessed.",
    ]
    if report.race_trusts:
        lines.append(headline_sentence(report) + ".")
    lines.append(f"{headline['trusts_with_nothing_found']} trusts had published none of the documents looked for.")
    lines += ["", "By duty:"]
    for duty in figures["duties"]:
        lines.append(f"- {duty_sentence(duty)}")
    lines += ["", "By region:"]
    lines += [
        f"- {g['region'] or '(no region)'}: {g['race_duties_all_met']} of {g['trusts']} trusts met every race duty"
        for g in figures["by_region"]
    ]
    lines += ["", "By type of trust:"]
    lines += [
        f"- {org_type_label(g['org_type'])}: {g['race_duties_all_met']} of {g['trusts']} trusts met every race duty"
        for g in figures["by_org_type"]
    ]
    if figures["comparison"]:
        lines += ["", f"Compared with {figures['comparison']['cycle']['name']}:"]
        lines += [f"- {line}" for line in comparison_lines(figures)]
    return "\n".join(lines) + "\n"


def headline_sentence(report: NationalReport) -> str:
    met = report.figures["headline"]["race_duties_all_met"]
    whole = report.race_trusts
    percent = _whole_percent(met, whole)
    only = "Only " if 2 * met < whole else ""
    return f"{only}{percent}% ({met} out of {whole}) of NHS trusts met every applicable race duty"


SMALL_NUMBER = 10  # a percentage of fewer trusts than this moves a lot with one trust: say so
SMALL_NUMBER_CAUTION = "a small number, read with care"


def is_small(whole: int | None) -> bool:
    return whole is not None and 0 < whole < SMALL_NUMBER


def duty_sentence(duty: dict) -> str:
    if not duty["applicable"]:
        return f"{duty['title']}: no trust was assessed on this duty"
    percent = _whole_percent(duty["met"], duty["applicable"])
    caution = f": {SMALL_NUMBER_CAUTION}" if is_small(duty["applicable"]) else ""
    return (
        f"{percent}% of trusts ({duty['met']} out of {duty['applicable']}{caution}) had published "
        f"{_described(duty['title'])}"
        f" ({duty['not_met']} not met, {duty['review']} need review, {duty['error']} could not be checked)"
    )


def change_words(points: float | None) -> str:
    """ "+16.6 points", "-3.0 points", "no change"; "not applicable" when a cycle lacks the duty."""
    if points is None:
        return "not applicable"
    if round(points, 1) == 0:
        return "no change"
    return f"{points:+.1f} points"


def comparison_lines(figures: dict) -> list[str]:
    comparison = figures["comparison"]
    this_name, that_name = figures["cycle"]["name"], comparison["cycle"]["name"]
    lines = []
    for row in comparison["duties"]:
        change = "" if row["change_points"] is None else f", {change_words(row['change_points'])}"
        lines.append(
            f"{row['code']}: {_shown(row['met_percent'])} ({this_name}) vs "
            f"{_shown(row['other_met_percent'])} ({that_name}){change}"
        )
    return lines


def report_csv(figures: dict) -> str:
    """One row per duty; text through config.spreadsheets, so a title starting with "=" stays text."""
    comparison = figures["comparison"]
    fields = CSV_FIELDS + (CSV_COMPARISON_FIELDS if comparison else [])
    rows = {duty["code"]: dict(duty) for duty in figures["duties"]}
    if comparison:
        for row in comparison["duties"]:
            # A duty only in the other cycle gets a row with empty counts: not applicable here.
            merged = rows.setdefault(row["code"], {"code": row["code"], "title": row["title"]})
            merged["other_met_percent"] = row["other_met_percent"]
            merged["change_points"] = row["change_points"]
    values = ([row.get(field) for field in fields] for row in rows.values())
    return spreadsheets.csv_text(values, header=fields)


def report_charts(figures: dict) -> dict:
    """The three bar charts of a cycle's report as inline SVG: on the page and in the PDF alike."""
    name = figures["cycle"]["name"]
    regions = [(g["region"] or "(no region)", group_percent(g)) for g in figures["by_region"]]
    org_types = [(org_type_label(g["org_type"]), group_percent(g)) for g in figures["by_org_type"]]
    return {
        "duty_chart": bar_chart(
            "chart-duties",
            f"Trusts that met each duty, {name}",
            "Percentage of the trusts to which each duty applies that met it. The table below gives the numbers.",
            [Bar(d["title"], d["met_percent"]) for d in figures["duties"]],
        ),
        "region_chart": bar_chart(
            "chart-regions",
            f"Trusts that met every race duty, by region, {name}",
            "Percentage of each region's assessed trusts that met every applicable race duty. "
            "The table below gives the numbers.",
            [Bar(label, percent) for label, percent in regions],
        ),
        "org_type_chart": bar_chart(
            "chart-org-types",
            f"Trusts that met every race duty, by type of trust, {name}",
            "Percentage of each type's assessed trusts that met every applicable race duty. "
            "The table below gives the numbers.",
            [Bar(label, percent) for label, percent in org_types],
        ),
    }


def report_pdf(report: NationalReport) -> bytes:
    figures = report.figures
    comparison = figures["comparison"]
    html = render_to_string(
        TEMPLATE,
        {
            "figures": figures,
            "audit_date": date.fromisoformat(figures["cycle"]["audit_date"]),
            "other_audit_date": date.fromisoformat(comparison["cycle"]["audit_date"]) if comparison else None,
            "headline": headline_sentence(report) if report.race_trusts else "",
            "duty_lines": [duty_sentence(duty) for duty in figures["duties"]],
            "duties": [{**d, "small": is_small(d["applicable"])} for d in figures["duties"]],
            "comparison_lines": comparison_lines(figures) if comparison else [],
            "regions": [{**g, "small": is_small(g["trusts"])} for g in figures["by_region"]],
            "org_types": [
                {**g, "label": org_type_label(g["org_type"]), "small": is_small(g["trusts"])}
                for g in figures["by_org_type"]
            ],
            "small_number": SMALL_NUMBER,
            "regulator": settings.REGULATOR_NAME,
            **report_charts(figures),
        },
    )
    return pdf.html_to_pdf(html)


@dataclass
class TrustChange:
    organisation: Organisation
    gained: list[str]  # duty titles met now and not then
    lost: list[str]  # duty titles met then and not now


def trust_changes(cycle: AuditCycle, other: AuditCycle) -> tuple[list[TrustChange], list[TrustChange]]:
    """The trusts that improved and those that fell back between `other` and `cycle`: on the duties
    both cycles looked for, a trust improved when it meets more of them now, fell back when fewer."""
    common = set(cycle.duties.values_list("pk", flat=True)) & set(other.duties.values_list("pk", flat=True))
    rows = (
        Finding.objects.with_effective_status()
        .filter(cycle__in=[cycle, other], duty_id__in=common)
        .values_list("cycle_id", "organisation_id", "duty__title", "duty__sort_order", "effective")
        .order_by("duty__sort_order", "duty__code")
    )
    met: dict[tuple[int, int], dict[str, bool]] = defaultdict(dict)
    for cycle_id, organisation_id, title, _order, status in rows:
        met[(cycle_id, organisation_id)][title] = status == FindingStatus.MET
    both = {org for (c, org) in met if c == cycle.pk} & {org for (c, org) in met if c == other.pk}
    changes = {}
    for org in both:
        now, then = met[(cycle.pk, org)], met[(other.pk, org)]
        titles = [t for t in now if t in then]
        gained = [t for t in titles if now[t] and not then[t]]
        lost = [t for t in titles if then[t] and not now[t]]
        if len(gained) != len(lost):
            changes[org] = (gained, lost)
    organisations = Organisation.objects.filter(pk__in=changes).order_by("name", "ods_code")
    improved: list[TrustChange] = []
    declined: list[TrustChange] = []
    for organisation in organisations:
        gained, lost = changes[organisation.pk]
        (improved if len(gained) > len(lost) else declined).append(TrustChange(organisation, gained, lost))
    return improved, declined


def org_type_label(org_type: str) -> str:
    return OrgType(org_type).label if org_type in OrgType.values else org_type


def _shown(percent: float | None) -> str:
    return "not applicable" if percent is None else f"{percent:.1f}%"


def _described(title: str) -> str:
    """The duty's document as the object of "had published": "their workforce ethnic monitoring",
    "the results of their race equality impact assessments"."""
    return words.with_your(words.noun_phrase(title), "their")
