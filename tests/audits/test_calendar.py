"""The statutory calendar: each duty's next publication, counted from its evidence by the catalogue's cadence."""

import datetime

import pytest
import time_machine

from audits.calendar import DueState, calendar, due_state, next_due
from audits.catalogue import load_catalogue
from audits.models import AuditCycle, Duty, Evidence
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, SiteCheckFactory

D = datetime.date
SPECS = {spec.code: spec for spec in load_catalogue()}


def catalogue_duty(code: str) -> Duty:
    return Duty(code=code, **SPECS[code].duty_fields())


# For every duty: a publication (published on, or covering a period) and, by the law as the catalogue
# states it, when the next one falls due.
RULES = {
    # Schemes: reviewed at least every three years from the last one.
    "race-equality-scheme": [({"published_on": D(2005, 6, 15)}, D(2008, 6, 15)),
                             ({"covers_from": D(2005, 4, 1), "covers_until": D(2008, 3, 31)}, D(2008, 4, 1))],
    "disability-equality-scheme": [({"published_on": D(2006, 12, 4)}, D(2009, 12, 4))],
    "gender-equality-scheme": [({"published_on": D(2007, 4, 30)}, D(2010, 4, 30))],
    # Annual results: a report on a year is next due a year after that year ends.
    "race-employment-monitoring": [({"published_on": D(2006, 9, 1)}, D(2007, 9, 1)),
                                   ({"covers_from": D(2005, 4, 1), "covers_until": D(2006, 3, 31)}, D(2007, 3, 31))],
    "race-impact-assessment": [({"published_on": D(2006, 2, 28)}, D(2007, 2, 28))],
    # SI 2017/353 reg. 4: not more than one year after the last publication.
    "psed-equality-information": [({"published_on": D(2024, 1, 31)}, D(2025, 1, 31)),
                                  ({"published_on": D(2024, 2, 29)}, D(2025, 2, 28))],
    # Reg. 5: not more than four years after the last objectives.
    "psed-equality-objectives": [({"published_on": D(2022, 4, 6)}, D(2026, 4, 6)),
                                 ({"covers_from": D(2024, 1, 1), "covers_until": D(2028, 12, 31)}, D(2028, 1, 1))],
    # Snapshot 31 March, published by 30 March the year after; a report a little late answers that year.
    "gender-pay-gap": [({"published_on": D(2024, 3, 1)}, D(2025, 3, 30)),
                       ({"published_on": D(2024, 3, 30)}, D(2025, 3, 30)),
                       ({"published_on": D(2024, 5, 10)}, D(2025, 3, 30)),
                       ({"covers_from": D(2023, 4, 1), "covers_until": D(2024, 3, 31)}, D(2026, 3, 30))],
    # Data as at 31 March, the report by 31 October.
    "wres-report": [({"published_on": D(2024, 10, 31)}, D(2025, 10, 31)),
                    ({"published_on": D(2024, 12, 2)}, D(2025, 10, 31)),
                    ({"covers_from": D(2023, 4, 1), "covers_until": D(2024, 3, 31)}, D(2025, 10, 31))],
    "wdes-report": [({"published_on": D(2024, 9, 20)}, D(2025, 10, 31))],
    # Kept under regular review: the calendar expects a yearly one.
    "accessibility-statement": [({"published_on": D(2024, 9, 23)}, D(2025, 9, 23))],
    "foi-publication-scheme": [({"published_on": D(2023, 1, 1)}, D(2024, 1, 1))],
}  # fmt: skip


def test_every_duty_in_the_catalogue_has_its_due_dates_tested():
    assert set(RULES) == set(SPECS)


@pytest.mark.parametrize(
    ("code", "dates", "expected"),
    [(code, dates, expected) for code, cases in RULES.items() for dates, expected in cases],
)
def test_next_publication_falls_due_by_the_catalogue_cadence(code, dates, expected):
    assert next_due(catalogue_duty(code), Evidence(**dates)) == expected


@pytest.mark.parametrize("code", sorted(SPECS))
def test_a_publication_with_no_date_gives_no_due_date(code):
    duty = catalogue_duty(code)
    assert next_due(duty, Evidence()) is None
    assert next_due(duty, None) is None


@pytest.mark.parametrize("code", sorted(SPECS))
def test_around_the_due_date_it_is_due_soon_then_overdue(code):
    dates, due = RULES[code][0]
    evidence = Evidence(**dates)
    duty = catalogue_duty(code)

    def state_on(day):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
            return due_state(next_due(duty, evidence), datetime.date.today())

    assert state_on(due - datetime.timedelta(days=61)) == DueState.NOT_YET_DUE
    assert state_on(due - datetime.timedelta(days=60)) == DueState.DUE_SOON
    assert state_on(due) == DueState.DUE_SOON
    assert state_on(due + datetime.timedelta(days=1)) == DueState.OVERDUE


# --- every trust and duty, from the findings of published cycles ------------------------------


def _finding(cycle, organisation, duty, **evidence_dates):
    check = SiteCheckFactory(cycle=cycle, organisation=organisation)
    evidence = Evidence.objects.create(
        site_check=check, url="https://t.example/doc.pdf", final_url="https://t.example/doc.pdf",
        fetched_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), **evidence_dates,
    )  # fmt: skip
    return FindingFactory(site_check=check, duty=duty, evidence=evidence)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_the_calendar_judges_each_trust_by_its_latest_published_finding():
    duty = DutyFactory(code="psed-equality-information", cadence={"every_months": 12}, recency_rule="published_within")
    early, late, hidden = OrganisationFactory(name="Early NHS Trust"), OrganisationFactory(), OrganisationFactory()
    older = AuditCycleFactory(audit_date=D(2023, 6, 1), status=AuditCycle.Status.CLOSED)
    latest = AuditCycleFactory(audit_date=D(2024, 6, 1), status=AuditCycle.Status.PUBLISHED)
    in_review = AuditCycleFactory(audit_date=D(2025, 1, 1), status=AuditCycle.Status.IN_REVIEW)
    _finding(older, early, duty, published_on=D(2022, 5, 1))
    _finding(latest, early, duty, published_on=D(2024, 1, 10))  # due 10 January 2025: overdue
    _finding(latest, late, duty, published_on=D(2024, 4, 20))  # due 20 April 2025: due soon
    _finding(in_review, hidden, duty, published_on=D(2020, 1, 1))  # not published: not on the calendar
    undated = _finding(latest, hidden, duty)

    entries = calendar(datetime.date.today())

    assert [(e.ods_code, e.due, e.state) for e in entries] == [
        (early.ods_code, D(2025, 1, 10), DueState.OVERDUE),
        (late.ods_code, D(2025, 4, 20), DueState.DUE_SOON),
        (hidden.ods_code, None, DueState.UNKNOWN),
    ]
    assert entries[0].organisation_name == "Early NHS Trust" and entries[0].cycle_name == latest.name
    assert entries[-1].finding_id == undated.pk
    assert [e.ods_code for e in calendar(datetime.date.today(), organisation_id=late.pk)] == [late.ods_code]


@pytest.mark.django_db
def test_a_duty_no_longer_in_force_falls_due_no_more():
    duty = DutyFactory(cadence={"every_months": 36}, in_force_until=D(2011, 9, 9))
    _finding(
        AuditCycleFactory(status=AuditCycle.Status.CLOSED), OrganisationFactory(), duty, published_on=D(2006, 1, 1)
    )

    assert calendar(D(2025, 1, 1)) == []
    assert len(calendar(D(2008, 1, 1))) == 1


def test_a_duty_row_synced_before_cadences_existed_has_no_due_date():
    assert next_due(Duty(cadence={}, recency_rule="covers"), Evidence(published_on=D(2024, 1, 1))) is None
