"""The results matrix: trusts × duties, filtered, sorted, paginated and exported; and the trust page."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import AuditCycle, Evidence, SiteCheck
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from tests.test_spreadsheets import HOSTILE_NAMES, assert_csv_text, assert_xlsx_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    """Three trusts, two duties; one finding reviewed, one duty not applying to one trust."""
    cycle = AuditCycleFactory(name="Web audit 2007", status=AuditCycle.Status.IN_REVIEW)
    res = DutyFactory(code="race-equality-scheme", title="Race equality scheme", sort_order=1)
    des = DutyFactory(code="disability-equality-scheme", title="Disability equality scheme", sort_order=2)
    cycle.duties.add(res, des)
    rows = [
        ("RAA", "Alderbrook Hospitals NHS Trust", "London", "acute", "met", "not_met"),
        ("RBB", "Beechwood Ambulance Service", "North West", "ambulance", "not_met", "met"),
        ("RCC", "Cedar Mental Health Trust", "London", "mental_health", "review", None),
    ]
    for ods, name, region, org_type, res_status, des_status in rows:
        check = SiteCheckFactory(
            cycle=cycle,
            organisation=OrganisationFactory(ods_code=ods, name=name, region=region, org_type=org_type),
            state=SiteCheck.State.DONE,
        )
        FindingFactory(site_check=check, duty=res, status=res_status)
        if des_status:
            FindingFactory(site_check=check, duty=des, status=des_status)
    # A reviewer decided Beechwood's scheme is there after all.
    cycle.findings.filter(organisation__ods_code="RBB", duty=res).update(reviewed_status="met")
    return cycle


@pytest.fixture
def auditor_client(client):
    client.force_login(UserFactory(role="auditor"))
    return client


def _results(client, cycle, **params):
    return client.get(reverse("audits:cycle_results", kwargs={"pk": cycle.pk}), params)


def _ods_codes(response) -> list[str]:
    return [row.record.organisation.ods_code for row in response.context["table"].paginated_rows]


def _export(client, cycle, fmt, **params) -> list[list[str]]:
    response = client.get(reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": fmt}), params)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(response.content.decode())))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def test_matrix_shows_effective_status_tags_linking_to_findings(auditor_client, cycle):
    response = _results(auditor_client, cycle)
    content = response.content.decode()
    beechwood = cycle.findings.get(organisation__ods_code="RBB", duty__code="race-equality-scheme")
    assert _ods_codes(response) == ["RAA", "RBB", "RCC"]
    assert reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": beechwood.pk}) in content
    assert (
        'app-status--met">Met</strong><span class="govuk-visually-hidden"> – Race equality scheme, Beechwood' in content
    )
    assert "Does not apply" in content
    assert reverse("trusts:detail", kwargs={"ods_code": "RAA"}) in content


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("trust", ["RAA", "RBB", "RCC"]),
        ("-trust", ["RCC", "RBB", "RAA"]),
        ("-ods_code", ["RCC", "RBB", "RAA"]),
        ("region", ["RAA", "RCC", "RBB"]),
        ("org_type", ["RAA", "RBB", "RCC"]),
        ("-org_type", ["RCC", "RBB", "RAA"]),
    ],
)
def test_matrix_sorts_by_trust_ods_code_region_and_type(auditor_client, cycle, sort, expected):
    assert _ods_codes(_results(auditor_client, cycle, sort=sort)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "London"}, ["RAA", "RCC"]),
        ({"org_type": "ambulance"}, ["RBB"]),
        ({"status": "review"}, ["RCC"]),
        # Effective status: Beechwood's scheme was reviewed to met.
        ({"status": "met", "duty": "race-equality-scheme"}, ["RAA", "RBB"]),
        ({"status": "not_met", "duty": "race-equality-scheme"}, []),
        ({"status": "not_met"}, ["RAA"]),
        ({"region": "London", "status": "met"}, ["RAA"]),
    ],
)
def test_matrix_filters_by_region_type_status_and_duty(auditor_client, cycle, params, expected):
    assert _ods_codes(_results(auditor_client, cycle, **params)) == expected


def test_choosing_a_duty_shows_only_its_column(auditor_client, cycle):
    table = _results(auditor_client, cycle, duty="disability-equality-scheme").context["table"]
    headers = [column.header for column in table.columns]
    assert headers == ["Trust", "ODS code", "Region", "Type", "Disability equality scheme"]


def test_filter_selects_offer_each_choice_once_with_the_chosen_one_selected(auditor_client, cycle):
    html = _results(auditor_client, cycle, region="London", duty="race-equality-scheme").content.decode()

    region = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S)[1]
    duty = re.search(r'<select name="duty"[^>]*>(.*?)</select>', html, re.S)[1]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", region)[:2] == ["Any region", "London"]
    assert region.count("Any region") == 1 and duty.count("Every duty") == 1
    assert re.findall(r"<option[^>]* selected>([^<]*)</option>", region + duty) == [
        "London",
        "Race equality scheme",
    ]
    assert 'class="govuk-select govuk-!-width-full" id="id_region"' in html


def test_unknown_filter_value_is_shown_as_an_error_not_a_crash(auditor_client, cycle):
    response = _results(auditor_client, cycle, org_type="spaceship")
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reads_back_with_effective_statuses(auditor_client, cycle, fmt):
    rows = _export(auditor_client, cycle, fmt)
    assert rows[0][:6] == ["Trust", "ODS code", "Region", "Type", "Duty", "Status"]
    # One row per (trust, duty), in words a person reads: the status that counts, never a code.
    assert [row[:6] for row in rows[1:]] == [
        ["Alderbrook Hospitals NHS Trust", "RAA", "London", "Acute trust", "Race equality scheme", "Met"],
        ["Alderbrook Hospitals NHS Trust", "RAA", "London", "Acute trust", "Disability equality scheme", "Not met"],
        ["Beechwood Ambulance Service", "RBB", "North West", "Ambulance trust", "Race equality scheme", "Met"],
        ["Beechwood Ambulance Service", "RBB", "North West", "Ambulance trust", "Disability equality scheme", "Met"],
        ["Cedar Mental Health Trust", "RCC", "London", "Mental health trust", "Race equality scheme", "Needs review"],
        [
            "Cedar Mental Health Trust",
            "RCC",
            "London",
            "Mental health trust",
            "Disability equality scheme",
            "Does not apply",
        ],
    ]
    assert not {row[5] for row in rows[1:]} & {"met", "not_met", "review", "error"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_gives_evidence_rationale_reviewer_time_and_confidence(auditor_client, cycle, fmt):
    reviewer = UserFactory(role="reviewer", first_name="Priya", last_name="Shah")
    finding = cycle.findings.get(organisation__ods_code="RBB", duty__code="race-equality-scheme")
    evidence = Evidence.objects.create(
        site_check=finding.site_check,
        url="https://rbb.nhs.example/res",
        final_url="https://rbb.nhs.example/equality/res-2005.pdf",
        status_code=200,
        sha256="a" * 64,
        fetched_at=timezone.now(),
    )
    cycle.findings.filter(pk=finding.pk).update(
        evidence=evidence,
        confidence=0.87,
        rationale="Found the race equality scheme.",
        reviewed_by=reviewer,
        reviewed_at=timezone.make_aware(datetime.datetime(2007, 4, 3, 14, 5)),
        review_reason="The scheme is on the equality page.",
    )

    rows = _export(auditor_client, cycle, fmt)

    header = rows[0]
    [row] = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[1] == "RBB" and r[4] == "Race equality scheme"]
    assert row["Evidence"] == "https://rbb.nhs.example/equality/res-2005.pdf"
    assert row["Rationale"] == "Found the race equality scheme."
    assert row["Reviewer"] == "Priya Shah"
    assert row["Reviewed at"] == "3 April 2007 14:05"
    assert row["Confidence"] == "87%"
    assert row["Decided by"] == "Reviewer"
    assert row["Reviewer's reason"] == "The scheme is on the equality page."
    [automated] = [
        dict(zip(header, r, strict=True)) for r in rows[1:] if r[1] == "RAA" and r[4] == "Race equality scheme"
    ]
    assert (automated["Decided by"], automated["Reviewer"], automated["Reviewed at"]) == ("Automated check", "", "")


def test_xlsx_export_has_a_frozen_filtered_header(auditor_client, cycle):
    url = reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "xlsx"})
    sheet = load_workbook(io.BytesIO(auditor_client.get(url).content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{sheet.max_row}"


def test_export_of_one_duty_gives_its_rows_only(auditor_client, cycle):
    rows = _export(auditor_client, cycle, "csv", duty="disability-equality-scheme")
    assert {row[4] for row in rows[1:]} == {"Disability equality scheme"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_follows_filters_and_sorting_without_pagination(auditor_client, cycle, fmt):
    rows = _export(auditor_client, cycle, fmt, region="London", sort="-trust", page="2")
    assert list(dict.fromkeys(row[1] for row in rows[1:])) == ["RCC", "RAA"]


def _add_trust_named(cycle, name: str) -> None:
    check = SiteCheckFactory(
        cycle=cycle, organisation=OrganisationFactory(ods_code="RZZ", name=name), state=SiteCheck.State.DONE
    )
    FindingFactory(site_check=check, duty=cycle.duties.get(code="race-equality-scheme"), status="met")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_csv_export_keeps_a_formula_like_trust_name_as_text(auditor_client, cycle, name):
    _add_trust_named(cycle, name)

    rows = _export(auditor_client, cycle, "csv")

    ours = [row for row in rows if row[1] == "RZZ"]
    assert len(ours) == 2  # one row per duty
    for row in ours:
        assert_csv_text(row[0], name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_xlsx_export_keeps_a_formula_like_trust_name_as_text(auditor_client, cycle, name):
    _add_trust_named(cycle, name)
    url = reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "xlsx"})

    sheet = load_workbook(io.BytesIO(auditor_client.get(url).content)).active

    ours = [row for row in sheet.iter_rows() if row[1].value == "RZZ"]
    assert len(ours) == 2  # one row per duty
    for row in ours:
        assert_xlsx_text(row[0], name)
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]][:2] == ["Trust", "ODS code"]
    assert sheet.auto_filter.ref == f"A1:M{sheet.max_row}"


def test_export_in_an_unknown_format_is_404(auditor_client, cycle):
    url = reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "pdf"})
    assert auditor_client.get(url).status_code == 404


def _cycle_with_trusts(count: int) -> AuditCycle:
    cycle = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    duties = [DutyFactory(), DutyFactory(), DutyFactory()]
    cycle.duties.add(*duties)
    for n in range(count):
        check = SiteCheckFactory(cycle=cycle, state=SiteCheck.State.DONE, organisation__region=f"Region {n % 4}")
        for duty in duties:
            FindingFactory(site_check=check, duty=duty, status="not_met")
    return cycle


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("audits:cycle_results", {}),
        ("audits:cycle_results", {"status": "not_met", "region": "Region 1", "sort": "-region"}),
        ("audits:cycle_results_export", {"fmt": "csv"}),
        ("audits:cycle_results_export", {"fmt": "xlsx"}),
    ],
)
def test_matrix_and_export_query_count_does_not_grow_with_trusts(auditor_client, url_name, params):
    few, many = _cycle_with_trusts(5), _cycle_with_trusts(40)
    kwargs = {k: v for k, v in params.items() if k == "fmt"}
    query = {k: v for k, v in params.items() if k != "fmt"}
    urls = [reverse(url_name, kwargs={"pk": c.pk, **kwargs}) for c in (few, many)]
    assert _count_queries(auditor_client, urls[0], query) == _count_queries(auditor_client, urls[1], query)


def test_matrix_is_paginated_by_50_and_keeps_filters_in_page_links(auditor_client):
    cycle = _cycle_with_trusts(51)
    first = _results(auditor_client, cycle, status="not_met")
    assert len(list(first.context["table"].paginated_rows)) == 50
    assert "status=not_met" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]
    assert len(list(_results(auditor_client, cycle, page=2).context["table"].paginated_rows)) == 1


# Who may see it


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory", "admin"])
def test_every_staff_role_sees_and_exports_results(client, cycle, role):
    client.force_login(UserFactory(role=role))
    assert _results(client, cycle).status_code == 200
    assert _export(client, cycle, "csv")


def test_trust_user_is_refused_results_and_exports(client, cycle):
    client.force_login(TrustUserFactory(organisation=cycle.site_checks.first().organisation))
    assert _results(client, cycle).status_code == 403
    for fmt in ("csv", "xlsx"):
        url = reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": fmt})
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_results_and_exports(client, cycle):
    for url in (
        reverse("audits:cycle_results", kwargs={"pk": cycle.pk}),
        reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "csv"}),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_results_of_unknown_cycle_are_404(auditor_client):
    assert auditor_client.get(reverse("audits:cycle_results", kwargs={"pk": 999})).status_code == 404


# The trust page


def test_trust_page_lists_results_across_cycles_newest_first(auditor_client, cycle):
    later = AuditCycleFactory(name="Web audit 2008", audit_date="2008-04-01", status=AuditCycle.Status.RUNNING)
    later.duties.add(cycle.duties.get(code="race-equality-scheme"))
    organisation = cycle.site_checks.get(organisation__ods_code="RBB").organisation
    newer = FindingFactory(
        site_check=SiteCheckFactory(cycle=later, organisation=organisation),
        duty=later.duties.get(),
        status="not_met",
    )

    content = auditor_client.get(reverse("trusts:detail", kwargs={"ods_code": "RBB"})).content.decode()

    assert content.index("Web audit 2008") < content.index("Web audit 2007")
    assert reverse("audits:finding_detail", kwargs={"pk": later.pk, "finding_pk": newer.pk}) in content
    assert content.count("app-status--met") == 2  # 2007: reviewed to met, and met
    assert "Reviewed" in content


def test_trust_page_query_count_does_not_grow_with_cycles(auditor_client):
    organisation = OrganisationFactory(ods_code="RZZ")
    url = reverse("trusts:detail", kwargs={"ods_code": "RZZ"})
    duty = DutyFactory()

    def add_cycle():
        cycle = AuditCycleFactory()
        cycle.duties.add(duty)
        FindingFactory(site_check=SiteCheckFactory(cycle=cycle, organisation=organisation), duty=duty)

    add_cycle()
    one = _count_queries(auditor_client, url)
    for _ in range(5):
        add_cycle()
    assert _count_queries(auditor_client, url) == one
