"""The national report pages, their exports and the staff dashboard, on the 2007 web audit figures."""

import csv
import datetime
import io
import json
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.models import AuditCycle
from reports.national.charts import Bar, bar_chart
from tests.factories import (
    AuditCycleFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from tests.reports.test_national_report import DES, FOI, REM, RES, RIA, build_cycle, duty, trusts, web_audit_2007
from tests.test_spreadsheets import HOSTILE_NAMES, assert_csv_text, assert_xlsx_text

pytestmark = pytest.mark.django_db

HEADLINE = "Only 9% (35 out of 394) of NHS trusts met every applicable race duty"
DUTY_SENTENCES = [
    "77% of trusts (302 out of 394) had published their race equality scheme",
    "34% of trusts (133 out of 394) had published their workforce ethnic monitoring",
    "16% of trusts (63 out of 394) had published the results of their race equality impact assessments",
    "82% of trusts (322 out of 394) had published their disability equality scheme",
]
MET_2007 = {RES: 302, REM: 133, RIA: 63, DES: 322}
STAFF_ROLES = ["auditor", "reviewer", "signatory", "admin"]
PAGES = ["report", "findings_csv", "findings_xlsx", "findings_json", "report_pdf", "report_json"]


@pytest.fixture
def auditor_client(client):
    client.force_login(UserFactory(role="auditor"))
    return client


@pytest.fixture
def web_audit():
    return web_audit_2007()


def url(name, cycle, **kwargs):
    return reverse(f"national:{name}", kwargs={"pk": cycle.pk, **kwargs})


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


# The national report page


def test_report_page_states_the_2007_headline_and_duty_sentences(auditor_client, web_audit):
    response = auditor_client.get(url("report", web_audit))

    assert response.status_code == 200
    text = page_text(response)
    assert HEADLINE in text
    for sentence in DUTY_SENTENCES:
        assert sentence in text
    assert "(92 not met, 0 need review, 0 could not be checked)" in text


def test_report_page_table_gives_each_duty_met_out_of_applicable(auditor_client, web_audit):
    text = page_text(auditor_client.get(url("report", web_audit)))

    for title, met, percent in [
        ("Race equality scheme", 302, "76.6%"),
        ("Workforce ethnic monitoring (race employment duty)", 133, "33.8%"),
        ("Results of race equality impact assessments", 63, "16.0%"),
        ("Disability equality scheme", 322, "81.7%"),
    ]:
        assert (
            f'<th scope="row" class="govuk-table__header">{title}</th> '
            f'<td class="govuk-table__cell govuk-table__cell--numeric">394</td> '
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{met}</td>'
        ) in text
        assert f">{percent}</td>" in text


def test_report_page_breaks_down_by_region_and_type_with_charts_and_tables(auditor_client, web_audit):
    response = auditor_client.get(url("report", web_audit))
    text = page_text(response)

    regions = {g["label"]: g for g in response.context["regions"]}
    assert set(regions) == {"London", "North West", "South East"}
    assert sum(g["trusts"] for g in regions.values()) == 394
    assert sum(g["race_duties_all_met"] for g in regions.values()) == 35
    org_types = {g["label"] for g in response.context["org_types"]}
    assert org_types == {"Acute trust", "Primary care trust", "Mental health trust"}
    assert sum(g["race_duties_all_met"] for g in response.context["org_types"]) == 35
    assert text.count('role="img"') == 3
    assert '<title id="chart-duties-title">Trusts that met each duty, 2007 web audit</title>' in text
    assert "Trusts meeting every race duty, by region</caption>" in text
    assert "Trusts meeting every race duty, by type of trust</caption>" in text


def test_report_page_lists_trusts_with_nothing_found_paginated_with_links(auditor_client, web_audit):
    first = auditor_client.get(url("report", web_audit))
    second = auditor_client.get(url("report", web_audit) + "?page=2")

    nothing_found = [o.ods_code for o in first.context["nothing_found"]] + [
        o.ods_code for o in second.context["nothing_found"]
    ]
    # Trusts 330-393 met nothing: the impact-assessment-only trusts 302-329 met one duty.
    assert sorted(nothing_found) == [f"T{n:04d}" for n in range(330, 394)]
    assert first.context["nothing_found"].paginator.count == 64
    assert "64 assessed trusts had no duty met" in page_text(first)
    assert f'href="{reverse("trusts:detail", args=[nothing_found[0]])}"' in first.content.decode()


def test_review_error_and_unassessed_trusts_are_shown_apart(auditor_client):
    cycle = AuditCycleFactory(name="Spot check")
    race = duty(RES)
    cycle.duties.set([race])
    FindingFactory(site_check__cycle=cycle, duty=race, status="met")
    FindingFactory(site_check__cycle=cycle, duty=race, status="review")
    FindingFactory(site_check__cycle=cycle, duty=race, status="not_met", reviewed_status="error")
    SiteCheckFactory(cycle=cycle, state="failed")  # checked nothing: outside every figure

    response = auditor_client.get(url("report", cycle))
    text = page_text(response)

    assert (
        "33% of trusts (1 out of 3: a small number, read with care) had published their race equality scheme "
        "(0 not met, 1 need review, 1 could" in text
    )
    assert response.context["unassessed"] == 1
    assert 'Trusts not yet assessed</dt> <dd class="govuk-summary-list__value">1<' in text


def test_report_page_offers_the_other_cycles_to_compare_with(auditor_client, web_audit):
    other = AuditCycleFactory(name="2006 web audit", audit_date=datetime.date(2006, 4, 1))

    response = auditor_client.get(url("report", web_audit))

    assert list(response.context["other_cycles"]) == [other]
    assert f'<option value="{other.pk}">2006 web audit' in response.content.decode()


# Comparison


@pytest.fixture
def audits_2006_and_2007():
    organisations = trusts(394)
    audit_2007 = web_audit_2007(organisations)
    audit_2006 = build_cycle(
        "2006 web audit",
        organisations[:200],
        {RES: set(range(120)), REM: set(range(50)), RIA: set(range(20)), FOI: set(range(150))},
        audit_date=datetime.date(2006, 4, 1),
    )
    return audit_2006, audit_2007


def test_compare_form_redirects_to_the_comparison_page(auditor_client, audits_2006_and_2007):
    audit_2006, audit_2007 = audits_2006_and_2007

    response = auditor_client.get(url("compare_choose", audit_2007), {"other": audit_2006.pk})

    assert response.status_code == 302
    assert response["Location"] == url("compare", audit_2007, other_pk=audit_2006.pk)


def test_compare_form_without_a_valid_cycle_goes_back_to_the_report(auditor_client, web_audit):
    for other in ["", "abc", "999999"]:
        response = auditor_client.get(url("compare_choose", web_audit), {"other": other})
        assert response["Location"] == url("report", web_audit)


def test_comparison_shows_change_in_points_and_not_applicable(auditor_client, audits_2006_and_2007):
    audit_2006, audit_2007 = audits_2006_and_2007

    response = auditor_client.get(url("compare", audit_2007, other_pk=audit_2006.pk))

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rows"]}
    assert list(rows) == [RES, REM, RIA, DES, FOI]
    cells = {}
    text = page_text(response)
    for row in response.context["rows"]:
        start = text.index(f'<th scope="row" class="govuk-table__header">{row["title"]}</th>')
        cells[row["code"]] = text[start : text.index("</tr>", start)]
    # 2007: 302/394 = 76.6%; 2006: 120/200 = 60.0%.
    assert ">76.6%<" in cells[RES] and ">60.0%<" in cells[RES] and ">+16.6 points<" in cells[RES]
    # monitoring 133/394 = 33.8% against 50/200 = 25.0%; impact assessments 63/394 = 16.0% against 20/200 = 10.0%
    assert ">+8.8 points<" in cells[REM]
    assert ">+6.0 points<" in cells[RIA]
    # The disability scheme was not looked for in 2006, the FOI scheme not in 2007.
    assert ">81.7%<" in cells[DES] and cells[DES].count("Not applicable") == 2
    assert ">75.0%<" in cells[FOI] and cells[FOI].count("Not applicable") == 2


# Exports


def test_pdf_states_the_2007_figures(auditor_client, web_audit):
    response = auditor_client.get(url("report_pdf", web_audit))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="2007-web-audit-national-report.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert HEADLINE in text
    for sentence in DUTY_SENTENCES:
        assert sentence in text


def test_report_json_is_the_national_report_schema(auditor_client, web_audit):
    response = auditor_client.get(url("report_json", web_audit))

    assert response["Content-Disposition"] == 'attachment; filename="2007-web-audit-national-report.json"'
    figures = json.loads(response.content)
    assert figures["schema"] == "national-report/1"
    assert figures["headline"]["trusts_assessed"] == 394
    assert figures["headline"]["race_duties_all_met"] == 35
    assert {d["code"]: d["met"] for d in figures["duties"]} == MET_2007


def assert_2007_rows(rows):
    """Rows of the findings export state the 2007 audit: 394 trusts, 302/133/63/322 met, 35 all race met."""
    assert len(rows) == 394 * 4
    assert len({row["ods_code"] for row in rows}) == 394
    met = Counter(row["duty"] for row in rows if row["status"] == "met")
    assert met == MET_2007
    race_met = Counter(row["ods_code"] for row in rows if row["status"] == "met" and row["duty"] in (RES, REM, RIA))
    assert sum(1 for count in race_met.values() if count == 3) == 35


def test_findings_csv_states_the_2007_figures(auditor_client, web_audit):
    response = auditor_client.get(url("findings_csv", web_audit))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="2007-web-audit-findings.csv"'
    assert_2007_rows(list(csv.DictReader(io.StringIO(response.content.decode("utf-8")))))


def test_findings_xlsx_states_the_2007_figures(auditor_client, web_audit):
    response = auditor_client.get(url("findings_xlsx", web_audit))

    assert response["Content-Disposition"] == 'attachment; filename="2007-web-audit-findings.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *values = list(sheet.iter_rows(values_only=True))
    assert_2007_rows([dict(zip(header, row, strict=True)) for row in values])


@pytest.fixture
def hostile_cycle():
    """A trust for each name a spreadsheet would run as a formula, T0000, T0001, ..."""
    organisations = trusts(len(HOSTILE_NAMES))
    for organisation, name in zip(organisations, HOSTILE_NAMES, strict=True):
        organisation.name = name
        organisation.save()
    return build_cycle("Hostile audit", organisations, {RES: {0}})


def test_findings_csv_keeps_formula_like_trust_names_as_text(auditor_client, hostile_cycle):
    response = auditor_client.get(url("findings_csv", hostile_cycle))

    rows = {row["ods_code"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8")))}
    for n, name in enumerate(HOSTILE_NAMES):
        assert_csv_text(rows[f"T{n:04d}"]["trust"], name)
    assert rows["T0000"]["status"] == "met"


def test_findings_xlsx_keeps_formula_like_trust_names_as_text(auditor_client, hostile_cycle):
    response = auditor_client.get(url("findings_xlsx", hostile_cycle))

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    for n, name in enumerate(HOSTILE_NAMES):
        assert_xlsx_text(rows[f"T{n:04d}"]["trust"], name)
    assert rows["T0000"]["confidence"].data_type == "n"


def test_findings_json_states_the_2007_figures(auditor_client, web_audit):
    response = auditor_client.get(url("findings_json", web_audit))

    assert response["Content-Disposition"] == 'attachment; filename="2007-web-audit-findings.json"'
    document = json.loads(response.content)
    assert document["schema"] == "findings/1"
    assert document["cycle"] == {
        "name": "2007 web audit",
        "audit_date": "2007-04-01",
        "status": "draft",
        "duties": [RES, REM, RIA, DES],
    }
    assert_2007_rows(document["findings"])


# Permissions


@pytest.fixture
def small_cycle():
    return build_cycle("Small audit", trusts(3), {RES: {0}, DES: {0, 1}})


def all_urls(cycle, other):
    """Every national page of `cycle`, with its comparison with an earlier cycle `other`."""
    return (
        [reverse("national:list")]
        + [url(name, cycle) for name in PAGES + ["compare_choose"]]
        + [url("compare", cycle, other_pk=other.pk)]
    )


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_opens_every_national_page(client, small_cycle, role):
    other = AuditCycleFactory(name="Earlier audit", audit_date="2000-01-01")
    client.force_login(UserFactory(role=role))

    for address in all_urls(small_cycle, other):
        response = client.get(address)
        expected = 302 if address.endswith("/compare/") else 200
        assert response.status_code == expected, address


def test_trust_user_is_refused_every_national_page(client, small_cycle):
    other = AuditCycleFactory(name="Earlier audit", audit_date="2000-01-01")
    client.force_login(TrustUserFactory(organisation=OrganisationFactory(ods_code="T0000")))

    for address in all_urls(small_cycle, other):
        assert client.get(address).status_code == 403, address


def test_anonymous_visitor_is_sent_to_sign_in_from_every_national_page(client, small_cycle):
    other = AuditCycleFactory(name="Earlier audit", audit_date="2000-01-01")

    for address in all_urls(small_cycle, other):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login")), address


def test_unknown_cycle_is_404(auditor_client):
    assert auditor_client.get(reverse("national:report", kwargs={"pk": 999999})).status_code == 404


def test_cycle_list_links_each_cycle_to_its_report(auditor_client, small_cycle):
    response = auditor_client.get(reverse("national:list"))

    assert f'href="{url("report", small_cycle)}"' in response.content.decode()


# Query counts: the same whatever the number of trusts


def queries_for(client, size: int, prefix: str, name: str) -> int:
    cycle = build_cycle(
        f"cycle {prefix}",
        trusts(size, prefix),
        {RES: set(range(size // 2)), REM: set(range(size // 3)), DES: set(range(size))},
    )
    # Both counts include the activity log's content type lookup, whichever test warmed its cache before.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(name, cycle))
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["report", "findings_csv", "findings_xlsx", "findings_json", "report_json"])
def test_page_takes_the_same_number_of_queries_for_10_and_100_trusts(auditor_client, name):
    assert queries_for(auditor_client, 10, "A", name) == queries_for(auditor_client, 100, "B", name)


# Dashboard


def dashboard_queries(client, size: int, prefix: str) -> tuple[int, str]:
    organisations = trusts(size, prefix)
    build_cycle(f"done {prefix}", organisations, {RES: set(range(size // 2)), DES: set(range(size))})
    running = AuditCycleFactory(name=f"running {prefix}", status=AuditCycle.Status.RUNNING)
    for organisation in organisations:
        SiteCheckFactory(cycle=running, organisation=organisation, state="done" if organisation.pk % 2 else "queued")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    return len(queries), page_text(response)


def test_dashboard_takes_the_same_number_of_queries_for_10_and_100_trusts(client):
    client.force_login(UserFactory(role="auditor"))
    small, _ = dashboard_queries(client, 10, "A")
    AuditCycle.objects.all().delete()
    large, _ = dashboard_queries(client, 100, "B")
    assert small == large


def test_dashboard_shows_the_latest_cycle_headline(auditor_client, web_audit):
    AuditCycleFactory(name="2006 web audit", audit_date=datetime.date(2006, 4, 1))  # older and empty

    response = auditor_client.get(reverse("home"))
    text = page_text(response)

    assert response.context["latest"] == web_audit
    assert 'data-stat="trusts-checked">394<' in text
    assert 'data-stat="race-all-met">35 <span class="govuk-body-l">(8.9% of 394)</span>' in text
    for title, percent in [("Race equality scheme", "76.6%"), ("Disability equality scheme", "81.7%")]:
        start = text.index(f'<th scope="row" class="govuk-table__header">{title}</th>')
        assert f">{percent}<" in text[start : text.index("</tr>", start)]


def test_dashboard_shows_cycles_in_progress_and_work_waiting(client):
    # A reviewer: the findings waiting for a decision are their work.
    client.force_login(UserFactory(role="reviewer"))
    running = AuditCycleFactory(name="2024 web audit", status=AuditCycle.Status.RUNNING)
    race = duty(RES)
    running.duties.set([race])
    FindingFactory(site_check__cycle=running, site_check__state="done", duty=race, status="review")
    FindingFactory(site_check__cycle=running, site_check__state="done", duty=race, status="review")
    FindingFactory(
        site_check__cycle=running, site_check__state="done", duty=race, status="review", reviewed_status="met"
    )
    SiteCheckFactory(cycle=running, state="queued")

    text = page_text(client.get(reverse("home")))

    detail = reverse("audits:cycle_detail", args=[running.pk])
    assert f'<a class="govuk-link" href="{detail}">2024 web audit</a>' in text
    assert "3 of 4 checked" in text
    assert 'max="4" value="3"' in text
    assert "2 findings need a reviewer's decision" in text
    assert "2024 web audit</a>: 2 to review" in text


def test_trust_user_lands_on_their_status_page(client):
    user = TrustUserFactory(organisation__name="Alderbrook Hospitals NHS Trust")
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("trust:status")


# Charts


def test_bar_chart_is_an_svg_image_with_title_description_and_escaped_labels():
    svg = bar_chart(
        "chart-x",
        "Trusts <met>",
        "What the bars show",
        [Bar("Scheme & plan", 76.6), Bar("A duty with a very long title that will not fit beside its bar", None)],
    )

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"')
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">Trusts &lt;met&gt;</title>' in svg
    assert '<desc id="chart-x-desc">What the bars show</desc>' in svg
    assert "Scheme &amp; plan" in svg and ">76.6%<" in svg
    # A long label wraps onto a second line beside its bar; it is never cut.
    assert ">n/a<" in svg and "…" not in svg
    assert '<tspan x="0" y="51.5">A duty with a very long title that</tspan>' in svg
    assert '<tspan x="0" y="68.5">will not fit beside its bar</tspan>' in svg
    assert 'width="275.8"' in svg  # 76.6% of the 360-pixel track


def test_compare_form_with_a_unicode_digit_or_huge_number_goes_back_to_the_report(auditor_client, web_audit):
    # "²".isdigit() is True, yet int("²") fails: it was a 500 (issue 15, found 4).
    for other in ["²", "٣", "１", "99999999999999999999999", "1\u202e"]:
        response = auditor_client.get(url("compare_choose", web_audit), {"other": other})
        assert response.status_code == 302, other
        assert response["Location"] == url("report", web_audit)
