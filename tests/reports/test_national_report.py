import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from audits.models import Duty, Finding, SiteCheck
from reports.national import national_figures
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, SiteCheckFactory
from tests.test_spreadsheets import HOSTILE_NAMES, HYPERLINK, assert_csv_text
from trusts.models import Organisation, OrgType

pytestmark = pytest.mark.django_db

RES, REM, RIA, DES, FOI = (
    "race-equality-scheme",
    "race-employment-monitoring",
    "race-impact-assessment",
    "disability-equality-scheme",
    "foi-publication-scheme",
)
TITLES = {
    RES: ("Race equality scheme", "race", 1),
    REM: ("Workforce ethnic monitoring (race employment duty)", "race", 2),
    RIA: ("Results of race equality impact assessments", "race", 3),
    DES: ("Disability equality scheme", "disability", 4),
    FOI: ("Freedom of Information publication scheme", "information", 12),
}
REGIONS = ["London", "North West", "South East"]
ORG_TYPES = [OrgType.ACUTE, OrgType.PRIMARY_CARE, OrgType.MENTAL_HEALTH]


def duty(code):
    title, strand, order = TITLES[code]
    return DutyFactory(code=code, title=title, strand=strand, sort_order=order)


def trusts(count, prefix="T"):
    return Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"{prefix}{n:04d}",
            name=f"Trust {prefix}{n}",
            org_type=ORG_TYPES[n % 3],
            region=REGIONS[n % 3],
        )
        for n in range(count)
    )


def build_cycle(name, organisations, met_by_code, audit_date=datetime.date(2007, 4, 1)):
    """A cycle where trust i is met on a duty when i is in that duty's set, else not met."""
    cycle = AuditCycleFactory(name=name, audit_date=audit_date)
    duties = [duty(code) for code in met_by_code]
    cycle.duties.set(duties)
    checks = SiteCheck.objects.bulk_create(
        SiteCheck(cycle=cycle, organisation=org, state=SiteCheck.State.DONE) for org in organisations
    )
    Finding.objects.bulk_create(
        Finding(
            cycle=cycle,
            organisation=org,
            duty=d,
            site_check=check,
            status="met" if i in met_by_code[d.code] else "not_met",
            rationale="test",
        )
        for i, (org, check) in enumerate(zip(organisations, checks, strict=True))
        for d in duties
    )
    return cycle


def web_audit_2007(organisations=None):
    """The Healthcare Commission's 2007 web audit: 394 trusts, 35 met all three race duties.

    Scheme 0-301 (302); monitoring 0-132 (133, all with a scheme); impact assessment 0-34 plus
    302-329 (63), so exactly 0-34 meet all three; disability scheme 0-321 (322); 330-393 meet nothing.
    """
    organisations = organisations or trusts(394)
    return build_cycle(
        "2007 web audit",
        organisations,
        {
            RES: set(range(302)),
            REM: set(range(133)),
            RIA: set(range(35)) | set(range(302, 330)),
            DES: set(range(322)),
        },
    )


def run(*args):
    out = io.StringIO()
    call_command("national_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_text_states_the_2007_web_audit_figures():
    web_audit_2007()
    text = run("--cycle", "2007 web audit")
    assert "Only 9% (35 out of 394) of NHS trusts met every applicable race duty." in text
    assert "77% of trusts (302 out of 394) had published their race equality scheme (92 not met" in text
    assert "34% of trusts (133 out of 394) had published their workforce ethnic monitoring" in text
    assert "16% of trusts (63 out of 394) had published the results of their race equality impact assessments" in text
    assert "82% of trusts (322 out of 394) had published their disability equality scheme" in text
    assert "64 trusts had published none" in text


def test_json_follows_the_schema_with_the_2007_figures():
    web_audit_2007()
    figures = json.loads(run("--cycle", "2007 web audit", "--format", "json"))
    assert figures["schema"] == "national-report/1"
    assert figures["cycle"] == {"name": "2007 web audit", "audit_date": "2007-04-01"}
    assert figures["headline"] == {
        "trusts_assessed": 394,
        "race_duties_all_met": 35,
        "race_duties_all_met_percent": 8.9,
        "trusts_with_nothing_found": 64,
    }
    by_code = {d["code"]: d for d in figures["duties"]}
    assert [d["code"] for d in figures["duties"]] == [RES, REM, RIA, DES]
    assert by_code[RES] == {
        "code": RES,
        "title": "Race equality scheme",
        "applicable": 394,
        "met": 302,
        "not_met": 92,
        "review": 0,
        "error": 0,
        "met_percent": 76.6,
    }
    assert [by_code[c]["met"] for c in (REM, RIA, DES)] == [133, 63, 322]
    assert sum(g["trusts"] for g in figures["by_region"]) == 394
    assert sum(g["race_duties_all_met"] for g in figures["by_region"]) == 35
    assert {g["org_type"] for g in figures["by_org_type"]} == {"acute", "primary_care", "mental_health"}
    assert sum(g["race_duties_all_met"] for g in figures["by_org_type"]) == 35
    assert figures["comparison"] is None


def test_csv_has_one_row_per_duty_with_the_2007_figures(tmp_path):
    web_audit_2007()
    path = tmp_path / "national.csv"
    call_command(
        "national_report", "--cycle", "2007 web audit", "--format", "csv", "--output", str(path), stderr=io.StringIO()
    )
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert list(rows[0]) == ["code", "title", "applicable", "met", "not_met", "review", "error", "met_percent"]
    assert [(r["code"], r["applicable"], r["met"], r["met_percent"]) for r in rows] == [
        (RES, "394", "302", "76.6"),
        (REM, "394", "133", "33.8"),
        (RIA, "394", "63", "16.0"),
        (DES, "394", "322", "81.7"),
    ]


def test_reviewed_status_wins_and_review_and_error_are_counted_apart():
    cycle = AuditCycleFactory()
    race = duty(RES)
    cycle.duties.set([race])
    overridden_to_met = FindingFactory(site_check__cycle=cycle, duty=race, status="not_met", reviewed_status="met")
    FindingFactory(site_check__cycle=cycle, duty=race, status="met", reviewed_status="not_met")
    FindingFactory(site_check__cycle=cycle, duty=race, status="review")
    FindingFactory(site_check__cycle=cycle, duty=race, status="error")
    FindingFactory(site_check__cycle=cycle, duty=race, status="met", reviewed_status="error")

    figures = national_figures(cycle)

    assert figures["duties"][0] == {
        "code": RES,
        "title": "Race equality scheme",
        "applicable": 5,
        "met": 1,
        "not_met": 1,
        "review": 1,
        "error": 2,
        "met_percent": 20.0,
    }
    assert figures["headline"]["race_duties_all_met"] == 1
    assert figures["headline"]["trusts_with_nothing_found"] == 4
    assert overridden_to_met.organisation.region in {g["region"] for g in figures["by_region"]}


def test_a_trust_with_a_race_duty_under_review_does_not_meet_every_race_duty():
    cycle = AuditCycleFactory()
    scheme, monitoring = duty(RES), duty(REM)
    cycle.duties.set([scheme, monitoring])
    check = SiteCheckFactory(cycle=cycle)
    FindingFactory(site_check=check, duty=scheme, status="met")
    FindingFactory(site_check=check, duty=monitoring, status="review")

    headline = national_figures(cycle)["headline"]

    assert headline["race_duties_all_met"] == 0
    assert headline["race_duties_all_met_percent"] == 0.0


def test_comparison_gives_the_change_in_points_and_not_applicable_for_missing_duties():
    organisations = trusts(394)
    web_audit_2007(organisations)
    # The 2006 audit predates the disability duty and looked for an FOI scheme the 2007 one did not.
    build_cycle(
        "2006 web audit",
        organisations[:200],
        {RES: set(range(120)), REM: set(range(50)), RIA: set(range(20)), FOI: set(range(150))},
        audit_date=datetime.date(2006, 4, 1),
    )

    figures = json.loads(run("--cycle", "2007 web audit", "--compare", "2006 web audit", "--format", "json"))
    comparison = {row["code"]: row for row in figures["comparison"]["duties"]}

    assert figures["comparison"]["cycle"] == {"name": "2006 web audit", "audit_date": "2006-04-01"}
    assert list(comparison) == [RES, REM, RIA, DES, FOI]
    assert comparison[RES] == {
        "code": RES,
        "title": "Race equality scheme",
        "met_percent": 76.6,
        "other_met_percent": 60.0,
        "change_points": 16.6,
    }
    assert comparison[DES]["other_met_percent"] is None and comparison[DES]["change_points"] is None
    assert comparison[FOI]["met_percent"] is None and comparison[FOI]["other_met_percent"] == 75.0

    text = run("--cycle", "2007 web audit", "--compare", "2006 web audit")
    assert "race-equality-scheme: 76.6% (2007 web audit) vs 60.0% (2006 web audit), +16.6 points" in text
    assert "disability-equality-scheme: 81.7% (2007 web audit) vs not applicable (2006 web audit)" in text
    assert "foi-publication-scheme: not applicable (2007 web audit) vs 75.0% (2006 web audit)" in text

    rows = {
        r["code"]: r
        for r in csv.DictReader(
            io.StringIO(run("--cycle", "2007 web audit", "--compare", "2006 web audit", "--format", "csv"))
        )
    }
    assert (rows[RES]["other_met_percent"], rows[RES]["change_points"]) == ("60.0", "16.6")
    assert (rows[FOI]["met_percent"], rows[FOI]["other_met_percent"]) == ("", "75.0")


def test_csv_keeps_a_formula_like_duty_title_as_text_and_a_fall_as_a_number():
    # The national CSV names duties, not trusts: a catalogue title is the text that could start with "=".
    organisations = trusts(len(HOSTILE_NAMES))
    for organisation, name in zip(organisations, HOSTILE_NAMES, strict=True):
        organisation.name = name
        organisation.save()
    build_cycle("2006 web audit", organisations, {RES: {0, 1, 2}}, audit_date=datetime.date(2006, 4, 1))
    build_cycle("2007 web audit", organisations, {RES: {0}})
    Duty.objects.filter(code=RES).update(title=HYPERLINK)

    text = run("--cycle", "2007 web audit", "--compare", "2006 web audit", "--format", "csv")

    [row] = list(csv.DictReader(io.StringIO(text, newline="")))
    assert_csv_text(row["title"], HYPERLINK)
    assert (row["met"], row["met_percent"], row["change_points"]) == ("1", "16.7", "-33.3")


def count_queries(size, prefix):
    cycle = build_cycle(f"cycle {prefix}", trusts(size, prefix), {RES: set(range(size // 2)), DES: set(range(size))})
    with CaptureQueriesContext(connection) as queries:
        national_figures(cycle)
    return len(queries)


def test_national_figures_takes_the_same_number_of_queries_for_10_and_100_trusts():
    assert count_queries(10, "A") == count_queries(100, "B")


def test_pdf_states_the_headline_and_who_published_it(tmp_path, settings):
    settings.REGULATOR_NAME = "Care Standards Regulator"
    web_audit_2007()
    path = tmp_path / "national.pdf"
    call_command(
        "national_report", "--cycle", "2007 web audit", "--format", "pdf", "--output", str(path), stderr=io.StringIO()
    )
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())
    assert "Only 9% (35 out of 394) of NHS trusts met every applicable race duty" in text
    assert PdfReader(path).metadata.author == "Care Standards Regulator"


def test_pdf_needs_an_output_file():
    web_audit_2007(trusts(3))
    with pytest.raises(CommandError, match="--output"):
        run("--cycle", "2007 web audit", "--format", "pdf")


def test_unknown_cycle_is_an_error_that_names_it():
    with pytest.raises(CommandError, match="No audit cycle named '2031 web audit'"):
        run("--cycle", "2031 web audit")


def test_unknown_comparison_cycle_is_an_error_that_names_it():
    AuditCycleFactory(name="2007 web audit")
    with pytest.raises(CommandError, match="'2005 web audit'"):
        run("--cycle", "2007 web audit", "--compare", "2005 web audit")


def test_a_comparison_with_a_later_cycle_is_refused_with_the_command_that_runs_it_forwards():
    AuditCycleFactory(name="2007 web audit", audit_date="2007-04-01")
    AuditCycleFactory(name="2007 follow-up", audit_date="2007-10-01")
    with pytest.raises(CommandError, match="is not earlier than .*--cycle '2007 follow-up' --compare '2007 web audit'"):
        run("--cycle", "2007 web audit", "--compare", "2007 follow-up")
    assert "2007 web audit" in run("--cycle", "2007 follow-up", "--compare", "2007 web audit")


def test_a_change_of_nothing_reads_as_no_change():
    from reports.national import change_words

    assert change_words(0.0) == "no change"
    assert change_words(-0.0) == "no change"
    assert change_words(16.6) == "+16.6 points"
    assert change_words(-3.0) == "-3.0 points"
    assert change_words(None) == "not applicable"
