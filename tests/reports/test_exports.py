"""The open-data writers: CSV, XLSX and JSON state the same rows in the schema of audits.exports.FIELDS."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audits.exports import FIELDS, findings_json, findings_xlsx, write_findings_csv
from audits.models import Evidence
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, SiteCheckFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    cycle = AuditCycleFactory(name="2007 web audit")
    scheme = DutyFactory(code="race-equality-scheme", title="Race equality scheme", sort_order=1)
    monitoring = DutyFactory(code="race-employment-monitoring", title="Workforce ethnic monitoring", sort_order=2)
    cycle.duties.set([scheme, monitoring])
    check = SiteCheckFactory(
        cycle=cycle, organisation=OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust")
    )
    evidence = Evidence.objects.create(
        site_check=check,
        url="http://raa.nhs.example/res",
        final_url="https://raa.nhs.example/race-equality-scheme.pdf",
        sha256="ab" * 32,
        fetched_at=timezone.now(),
    )
    FindingFactory(site_check=check, duty=scheme, status="met", confidence=0.95, evidence=evidence)
    FindingFactory(
        site_check=check,
        duty=monitoring,
        status="review",
        reviewed_status="not_met",
        confidence=0.4,
        rationale='=HYPERLINK("http://evil.example") looked like monitoring data',
    )
    return cycle


def test_csv_has_the_header_and_one_row_per_trust_and_duty(cycle):
    out = io.StringIO()

    count = write_findings_csv(cycle, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 2
    assert list(rows[0]) == FIELDS
    assert [(r["ods_code"], r["duty"], r["status"]) for r in rows] == [
        ("RAA", "race-equality-scheme", "met"),
        ("RAA", "race-employment-monitoring", "not_met"),
    ]
    assert rows[0]["evidence_url"] == "https://raa.nhs.example/race-equality-scheme.pdf"
    assert rows[0]["evidence_sha256"] == "ab" * 32


def test_reviewed_status_wins_and_both_are_kept(cycle):
    rows = findings_json(cycle)["findings"]

    assert (rows[1]["status"], rows[1]["automated_status"], rows[1]["reviewed_status"]) == (
        "not_met",
        "review",
        "not_met",
    )


def test_xlsx_has_a_bold_frozen_header_and_the_same_rows(cycle):
    workbook = load_workbook(io.BytesIO(findings_xlsx(cycle)))
    sheet = workbook.active

    assert sheet.title == "Findings"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == FIELDS
    assert all(cell.font.b for cell in sheet[1])
    rows = [dict(zip(FIELDS, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(r["ods_code"], r["duty"], r["status"], r["confidence"]) for r in rows] == [
        ("RAA", "race-equality-scheme", "met", 0.95),
        ("RAA", "race-employment-monitoring", "not_met", 0.4),
    ]


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(cycle):
    sheet = load_workbook(io.BytesIO(findings_xlsx(cycle))).active

    rationale = sheet.cell(row=3, column=FIELDS.index("rationale") + 1)
    assert rationale.data_type == "s"
    assert rationale.value == '=HYPERLINK("http://evil.example") looked like monitoring data'


def test_json_names_its_schema_and_the_cycle(cycle):
    document = findings_json(cycle)

    assert document["schema"] == "findings/1"
    assert document["cycle"] == {
        "name": "2007 web audit",
        "audit_date": "2007-04-01",
        "status": "draft",
        "duties": ["race-equality-scheme", "race-employment-monitoring"],
    }
    assert [list(row) for row in document["findings"]] == [FIELDS, FIELDS]
    assert document["findings"][1]["evidence_url"] == ""


def test_empty_cycle_exports_a_header_and_no_rows():
    cycle = AuditCycleFactory()
    out = io.StringIO()

    assert write_findings_csv(cycle, out) == 0
    assert out.getvalue().strip() == ",".join(FIELDS)
    assert load_workbook(io.BytesIO(findings_xlsx(cycle))).active.max_row == 1
    assert findings_json(cycle)["findings"] == []
