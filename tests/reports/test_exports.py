"""The open-data writers: CSV, XLSX and JSON state the same rows in the schema of audits.exports.FIELDS."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audits.exports import FIELDS, findings_json, findings_xlsx, write_findings_csv
from audits.models import Evidence
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, SiteCheckFactory
from tests.test_spreadsheets import HOSTILE_NAMES, HYPERLINK, assert_csv_text, assert_xlsx_text

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


@pytest.fixture
def hostile_cycle(cycle):
    """Beside Alderbrook, one trust per hostile name (RZ0, RZ1, ...), each with a met finding."""
    duty = cycle.duties.get(code="race-equality-scheme")
    for n, name in enumerate(HOSTILE_NAMES):
        check = SiteCheckFactory(
            cycle=cycle, organisation=OrganisationFactory(ods_code=f"RZ{n}", name=name, region="-North")
        )
        FindingFactory(site_check=check, duty=duty, status="met", confidence=0.25 if n == 0 else 0.9)
    return cycle


def test_csv_keeps_formula_like_trust_names_and_regions_as_text(hostile_cycle):
    out = io.StringIO()
    write_findings_csv(hostile_cycle, out)

    rows = {row["ods_code"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    for n, name in enumerate(HOSTILE_NAMES):
        assert_csv_text(rows[f"RZ{n}"]["trust"], name)
        assert_csv_text(rows[f"RZ{n}"]["region"], "-North")
    assert_csv_text(rows["RAA"]["rationale"], '=HYPERLINK("http://evil.example") looked like monitoring data')
    # Numbers stay numbers: no quote in front.
    assert (rows["RZ0"]["confidence"], rows["RZ1"]["confidence"]) == ("0.25", "0.9")


def test_xlsx_keeps_formula_like_trust_names_as_text_and_numbers_as_numbers(hostile_cycle):
    sheet = load_workbook(io.BytesIO(findings_xlsx(hostile_cycle))).active

    rows = {row[0].value: dict(zip(FIELDS, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    for n, name in enumerate(HOSTILE_NAMES):
        assert_xlsx_text(rows[f"RZ{n}"]["trust"], name)
        assert_xlsx_text(rows[f"RZ{n}"]["region"], "-North")
    confidence = rows["RZ0"]["confidence"]
    assert (confidence.data_type, confidence.value) == ("n", 0.25)
    assert sheet.auto_filter.ref == f"A1:L{len(HOSTILE_NAMES) + 3}"


def test_json_states_names_as_they_are(hostile_cycle):
    # JSON is data, not a spreadsheet: nothing is prefixed.
    rows = {row["ods_code"]: row for row in findings_json(hostile_cycle)["findings"]}

    assert rows["RZ0"]["trust"] == HYPERLINK
    assert rows["RZ0"]["confidence"] == 0.25
