"""The catalogue's `cadence` field: when a duty falls due, read and checked like every other field."""

import pytest

from audits.catalogue import CatalogueError, load_catalogue, sync_catalogue
from audits.models import Duty
from tests.audits.test_catalogue import valid_duty, write_duty


def test_every_shipped_duty_says_when_it_falls_due():
    assert {spec.code: spec.cadence["every_months"] for spec in load_catalogue()} == {
        "race-equality-scheme": 36, "race-employment-monitoring": 12, "race-impact-assessment": 12,
        "disability-equality-scheme": 36, "gender-equality-scheme": 36, "psed-equality-information": 12,
        "psed-equality-objectives": 48, "gender-pay-gap": 12, "wres-report": 12, "wdes-report": 12,
        "accessibility-statement": 12, "foi-publication-scheme": 12,
    }  # fmt: skip


@pytest.mark.django_db
def test_the_cadence_is_stored_on_the_duty():
    sync_catalogue(load_catalogue())
    assert Duty.objects.get(code="gender-pay-gap").cadence == {
        "every_months": 12,
        "due_by": "03-30",
        "snapshot": "03-31",
    }


BAD_CADENCES = {
    "missing": (None, "cadence: missing"),
    "not a mapping": (12, "cadence: must be a mapping"),
    "no interval": ({"due_by": "03-30"}, "cadence.every_months: missing"),
    "zero months": ({"every_months": 0}, "cadence.every_months: must be a whole number of at least 1"),
    "unknown key": ({"every_months": 12, "grace_days": 5}, "cadence.grace_days: unknown field"),
    "not a day": ({"every_months": 12, "due_by": "30 March"}, "cadence.due_by: must be a day of every year as MM-DD"),
    "no such day": ({"every_months": 12, "due_by": "02-30"}, "cadence.due_by: must be a day of every year"),
    "leap day": ({"every_months": 12, "due_by": "02-29"}, "cadence.due_by: must be a day of every year"),
    "bad snapshot": ({"every_months": 12, "due_by": "03-30", "snapshot": "13-01"}, "cadence.snapshot: must be a day"),
    "snapshot alone": ({"every_months": 12, "snapshot": "03-31"}, "cadence.snapshot: needs cadence.due_by"),
    "deadline every 18 months": (
        {"every_months": 18, "due_by": "03-30"},
        "cadence.every_months: must be a whole number of years",
    ),
}


@pytest.mark.parametrize("case", BAD_CADENCES)
def test_a_bad_cadence_is_refused_naming_file_and_field(tmp_path, case):
    cadence, message = BAD_CADENCES[case]
    duty = valid_duty()
    if cadence is None:
        duty.pop("cadence")
    else:
        duty["cadence"] = cadence
    write_duty(tmp_path, duty, name="test-duty.yaml")
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(tmp_path)
    assert str(excinfo.value).startswith(f"test-duty.yaml: {message}")
