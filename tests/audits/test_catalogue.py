import re
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from audits.catalogue import CatalogueError, load_catalogue, sync_catalogue
from audits.models import Duty

CONTRACT_CODES = {
    "race-equality-scheme",
    "race-employment-monitoring",
    "race-impact-assessment",
    "disability-equality-scheme",
    "gender-equality-scheme",
    "psed-equality-information",
    "psed-equality-objectives",
    "gender-pay-gap",
    "wres-report",
    "wdes-report",
    "accessibility-statement",
    "foi-publication-scheme",
}
RACE_DUTIES = ("race-equality-scheme", "race-employment-monitoring", "race-impact-assessment")
SPECS = {spec.code: spec for spec in load_catalogue()}


def _text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def url_words(path: str) -> str:
    return _text(re.sub(r"[-_/.]+", " ", path))


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, _text(text), re.IGNORECASE) for p in patterns)


def named(code: str, text: str) -> bool:
    return _any(SPECS[code].evidence["names"], text)


def named_as_combined(code: str, text: str) -> bool:
    return _any(SPECS[code].evidence.get("combined", {}).get("names", []), text)


def negative(code: str, text: str) -> str | None:
    for rule in SPECS[code].evidence["negatives"]:
        if re.search(rule["pattern"], _text(text), re.IGNORECASE):
            return rule["reason"]
    return None


def enough_content(code: str, body: str) -> bool:
    required = SPECS[code].evidence["required"]
    found = sum(bool(re.search(p, _text(body), re.IGNORECASE)) for p in required["patterns"])
    return found >= required["min"]


# --- the shipped catalogue ---------------------------------------------------------------------


def test_shipped_catalogue_has_exactly_the_contract_codes():
    assert set(SPECS) == CONTRACT_CODES
    assert all(spec.source_file == f"{spec.code}.yaml" for spec in SPECS.values())


def test_every_pattern_in_the_shipped_catalogue_compiles():
    for spec in SPECS.values():
        rules = spec.evidence
        patterns = [*rules["names"], *rules["phrases"], *rules["required"]["patterns"]]
        patterns += [n["pattern"] for n in rules["negatives"]]
        patterns += [*rules.get("combined", {}).get("names", []), *rules.get("combined", {}).get("strand", [])]
        for pattern in patterns:
            re.compile(pattern, re.IGNORECASE)


def test_exactly_the_three_race_duties_count_for_the_race_headline():
    assert {code for code, spec in SPECS.items() if spec.strand == "race"} == set(RACE_DUTIES)


def test_only_the_gender_pay_gap_has_a_headcount_threshold():
    assert {code: spec.min_headcount for code, spec in SPECS.items() if spec.min_headcount} == {"gender-pay-gap": 250}


def test_2007_era_duties_end_the_day_before_the_2011_specific_duties():
    for code in (*RACE_DUTIES, "disability-equality-scheme", "gender-equality-scheme"):
        assert str(SPECS[code].in_force_until) == "2011-09-09"


# --- syncing -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_twice_leaves_every_duty_unchanged_the_second_time():
    assert sync_catalogue(load_catalogue()) == (12, 0, 0)
    assert sync_catalogue(load_catalogue()) == (0, 0, 12)


@pytest.mark.django_db
def test_sync_stores_rules_version_and_source_file():
    sync_catalogue(load_catalogue())
    duty = Duty.objects.get(code="gender-pay-gap")
    assert duty.min_headcount == 250
    assert duty.source_file == "gender-pay-gap.yaml"
    assert duty.catalogue_version == SPECS["gender-pay-gap"].version
    assert duty.evidence_rules == SPECS["gender-pay-gap"].evidence
    assert duty.recency_rule == "published_within"


@pytest.mark.django_db
def test_sync_updates_a_changed_duty_and_never_deletes_one_missing_from_the_catalogue(tmp_path):
    sync_catalogue(load_catalogue())
    retired = Duty.objects.create(
        code="retired-duty", title="Retired", strand="race", legal_basis="x", citation="x",
        requirement="x", in_force_from="2002-01-01", recency_rule="covers", recency_months=36,
        source_file="retired-duty.yaml", catalogue_version="1",
    )  # fmt: skip
    write_duty(tmp_path, valid_duty(code="race-equality-scheme", title="Race equality scheme (revised)"))

    assert sync_catalogue(load_catalogue(tmp_path)) == (0, 1, 0)
    assert Duty.objects.get(code="race-equality-scheme").title == "Race equality scheme (revised)"
    assert Duty.objects.filter(pk=retired.pk).exists()
    assert Duty.objects.count() == 13


# --- malformed files ---------------------------------------------------------------------------


def valid_duty(**overrides) -> dict:
    duty = {
        "code": "test-duty",
        "version": "2026.1",
        "order": 1,
        "title": "Test duty",
        "strand": "race",
        "legal_basis": "Some Act, s. 1",
        "citation": "SI 2001/1, art. 1",
        "requirement": "Publish it.",
        "guidance": "Publish it on the website.",
        "applies_to": {"org_types": ["acute"], "min_headcount": None},
        "in_force": {"from": "2002-05-31", "until": None},
        "recency": {"rule": "covers", "months": 36},
        "cadence": {"every_months": 36},
        "evidence": {
            "names": [r"\btest scheme\b"],
            "phrases": ["action plan"],
            "required": {"min": 1, "patterns": ["action plan"]},
            "negatives": [{"pattern": r"\bdraft\b", "reason": "it is a draft"}],
        },
    }
    return duty | overrides


def write_duty(directory: Path, duty: dict, name: str | None = None) -> Path:
    path = directory / (name or f"{duty['code']}.yaml")
    path.write_text(yaml.safe_dump(duty, sort_keys=False))
    return path


def broken(change) -> dict:
    duty = valid_duty()
    change(duty)
    return duty


MALFORMED = {
    "missing field": (broken(lambda d: d.pop("title")), "title: missing"),
    "unknown field": (broken(lambda d: d.update(colour="red")), "colour: unknown field"),
    "unknown nested field": (
        broken(lambda d: d["recency"].update(grace=3)),
        "recency.grace: unknown field",
    ),
    "wrong type": (broken(lambda d: d.update(order="ten")), "order: must be a whole number"),
    "unquoted version": (broken(lambda d: d.update(version=2026.1)), "version: must be non-empty text"),
    "bad date": (
        broken(lambda d: d["in_force"].update({"from": "2002-13-45"})),
        "in_force.from: must be a date",
    ),
    "until before from": (
        broken(lambda d: d["in_force"].update(until="2001-01-01")),
        "in_force.until: 2001-01-01 is before",
    ),
    "unknown org type": (
        broken(lambda d: d["applies_to"].update(org_types=["acute", "hospice"])),
        "applies_to.org_types[1]: must be one of",
    ),
    "unknown strand": (broken(lambda d: d.update(strand="colour")), "strand: must be one of"),
    "abbreviation not in capitals": (
        broken(lambda d: d["evidence"].update(abbreviations=["res"])),
        "evidence.abbreviations: must be a list of words in capitals",
    ),
    "bad recency rule": (
        broken(lambda d: d["recency"].update(rule="latest")),
        "recency.rule: must be one of covers, published_within",
    ),
    "invalid regex": (
        broken(lambda d: d["evidence"].update(names=["(unclosed"])),
        r"evidence.names[0]: invalid regex",
    ),
    "invalid negative regex": (
        broken(lambda d: d["evidence"]["negatives"][0].update(pattern="[a-")),
        r"evidence.negatives[0].pattern[0]: invalid regex",
    ),
    "negative without reason": (
        broken(lambda d: d["evidence"]["negatives"][0].pop("reason")),
        "evidence.negatives[0].reason: missing",
    ),
    "required min above patterns": (
        broken(lambda d: d["evidence"]["required"].update(min=2)),
        "evidence.required.min: is 2 but there are only 1 patterns",
    ),
    "figures without a pattern": (
        broken(lambda d: d["evidence"]["required"].update(figures={"min": 3})),
        "evidence.required.figures.pattern: missing",
    ),
    "invalid figures regex": (
        broken(lambda d: d["evidence"]["required"].update(figures={"min": 3, "pattern": "(\\d"})),
        "evidence.required.figures.pattern[0]: invalid regex",
    ),
    "code not the file name": (broken(lambda d: d.update(code="other-duty")), "code: is 'other-duty'"),
    "too long for the model": (broken(lambda d: d.update(title="x" * 201)), "title: must be at most 200"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_file_is_refused_naming_file_and_field(tmp_path, case):
    duty, message = MALFORMED[case]
    write_duty(tmp_path, duty, name="test-duty.yaml")
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(tmp_path)
    assert str(excinfo.value).startswith("test-duty.yaml: ")
    assert message in str(excinfo.value)


def test_unreadable_yaml_is_refused_naming_the_file(tmp_path):
    (tmp_path / "test-duty.yaml").write_text("code: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"^test-duty\.yaml: cannot read"):
        load_catalogue(tmp_path)


def test_duplicate_codes_are_refused(tmp_path):
    write_duty(tmp_path, valid_duty(), name="test-duty.yaml")
    write_duty(tmp_path, valid_duty(), name="test-duty.yml")
    with pytest.raises(CatalogueError, match=r"test-duty\.yml: code: 'test-duty' is also defined in test-duty\.yaml"):
        load_catalogue(tmp_path)


def test_an_empty_directory_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="no \\*.yaml duty files"):
        load_catalogue(tmp_path)


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_duties_command_creates_then_reports_unchanged(capsys):
    call_command("load_duties")
    assert "12 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("load_duties")
    assert "0 created, 0 updated, 12 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_duties_command_fails_on_a_bad_file_and_writes_nothing(tmp_path):
    write_duty(tmp_path, valid_duty(code="good-duty"))
    write_duty(tmp_path, broken(lambda d: d["recency"].update(rule="latest")), name="test-duty.yaml")
    with pytest.raises(CommandError, match=r"test-duty\.yaml: recency\.rule: must be one of"):
        call_command("load_duties", "--path", str(tmp_path))
    assert not Duty.objects.exists()


# --- what the rules mean -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "place",
    ["Race Equality Scheme 2005-2008", "RES 2005-08", url_words("/docs/race-equality-scheme_2005.pdf")],
)
def test_race_equality_scheme_is_named_by_its_usual_titles(place):
    assert named("race-equality-scheme", place)
    assert negative("race-equality-scheme", place) is None


@pytest.mark.parametrize(
    "title",
    [
        "Draft Race Equality Scheme for consultation",
        "Race Equality Scheme 2005-2008: consultation document",
        "Race Equality Scheme annual report 2006",
        "Equality and Diversity Officer - job description and person specification",
        "Department of Health Race Equality Scheme",
        "Equality and diversity scheme 2007-2009, for comment and consultation",
    ],
)
def test_race_equality_scheme_traps_are_disqualified(title):
    assert negative("race-equality-scheme", title)


def test_a_real_scheme_opening_that_mentions_the_cre_and_consultation_is_not_disqualified():
    opening = (
        "Race Equality Scheme 2005-2008. The Commission for Racial Equality requires us to publish a race "
        "equality scheme. Arrangements for consultation are set out in section 4."
    )
    assert negative("race-equality-scheme", opening) is None


@pytest.mark.parametrize("title", ["Race for Life 2006", "Staff race night", "Charity fun run raises £2,000"])
def test_unrelated_uses_of_race_match_no_race_duty(title):
    for code in RACE_DUTIES:
        assert not named(code, title)
        assert not named_as_combined(code, title)


def test_single_equality_scheme_is_a_combined_name_but_a_disability_scheme_is_not():
    assert named_as_combined("race-equality-scheme", "Single Equality Scheme 2006-2009")
    assert not named("race-equality-scheme", "Single Equality Scheme 2006-2009")
    assert not named_as_combined("race-equality-scheme", "Disability Equality Scheme 2006-2009")


def test_employment_monitoring_results_count_but_a_blank_monitoring_form_does_not():
    assert named("race-employment-monitoring", "Workforce Ethnicity Monitoring Report 2005/06")
    assert negative("race-employment-monitoring", "Equal Opportunities Monitoring Form")
    assert negative("race-employment-monitoring", "Patient ethnicity monitoring report 2006")
    form = "Please tick: White British, White Irish, Black Caribbean, Asian Indian. Post applied for:"
    results = (
        "Staff in post at 31 March 2006: White British 3,120 (82.1%), Asian Indian 210 (5.5%). "
        "Applicants: 4,310. Leavers by ethnic group and disciplinary cases are shown in table 4."
    )
    assert not enough_content("race-employment-monitoring", form)
    assert enough_content("race-employment-monitoring", results)


def test_impact_assessment_results_count_but_templates_and_other_assessments_do_not():
    assert named("race-impact-assessment", "Race Equality Impact Assessments: results")
    assert named_as_combined("race-impact-assessment", "Equality Impact Assessment outcomes")
    for title in ("Equality Impact Assessment Toolkit", "EqIA screening form template", "Privacy impact assessment"):
        assert negative("race-impact-assessment", title), title
    assert negative("race-impact-assessment", "Equality and quality impact assessment outcomes") is None
    blank = "Name of policy: ____ Is there any adverse impact? Yes / No. Date completed: ____"
    completed = "Car parking policy. Screening outcome: no adverse impact was identified for any racial group."
    assert not enough_content("race-impact-assessment", blank)
    assert enough_content("race-impact-assessment", completed)


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("disability-equality-scheme", "Disability Equality Scheme and Action Plan 2006-2009"),
        ("gender-equality-scheme", "Gender Equality Scheme 2007-2010"),
        ("psed-equality-information", "Public Sector Equality Duty annual report"),
        ("psed-equality-information", "Equality, Diversity and Inclusion Annual Report 2023/24"),
        ("psed-equality-objectives", "Equality objectives 2024-2028"),
        ("gender-pay-gap", "Gender pay gap report 2024"),
        ("wres-report", "Workforce Race Equality Standard (WRES) report 2024"),
        ("wdes-report", "WDES annual report"),
        ("accessibility-statement", "Accessibility statement for www.xyz.nhs.uk"),
        ("accessibility-statement", "www.xyz.nhs.uk accessibility statement"),
        ("foi-publication-scheme", "Freedom of Information publication scheme"),
        ("foi-publication-scheme", "Guide to information"),
    ],
)
def test_usual_titles_are_named_and_not_disqualified(code, title):
    assert named(code, title)
    assert negative(code, title) is None


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("gender-pay-gap", "Gender pay gap methodology"),
        ("gender-pay-gap", "Ethnicity pay gap report 2024"),
        ("accessibility-statement", "Accessibility statement for the patient portal"),
        ("accessibility-statement", "Accessibility statement for the NHS App"),
        ("wres-report", "National WRES data report 2023"),
        ("psed-equality-information", "Equality and Diversity Officer vacancy"),
    ],
)
def test_lookalikes_are_disqualified(code, title):
    assert negative(code, title)


def test_a_wres_report_is_not_taken_for_the_full_equality_information():
    assert not named("psed-equality-information", "Workforce Race Equality Standard report 2024")


def test_a_combined_gender_and_ethnicity_pay_gap_report_still_counts():
    assert negative("gender-pay-gap", "Gender and ethnicity pay gap report 2024") is None


def test_gender_pay_gap_figures_count_but_a_methodology_page_does_not():
    method = "We calculate the mean and median pay gap, the bonus gap and the pay quartiles as the regulations require."
    report = "Mean gender pay gap 21.4%. Median gender pay gap 12.0%. Bonus: 4.1% of men. Lower quartile 78% women."
    assert not enough_content("gender-pay-gap", method)
    assert enough_content("gender-pay-gap", report)


def test_requirement_and_guidance_read_as_prose_not_as_the_file_wraps_them():
    from audits.catalogue import load_catalogue

    duties = {d.code: d for d in load_catalogue()}
    requirement = duties["race-equality-scheme"].requirement
    assert "\n" not in requirement and "promote race equality" in requirement
