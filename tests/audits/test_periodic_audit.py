"""Periodic re-audits: Celery beat starts a cycle of every active trust for the duties in force."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from audits import services, tasks
from audits.models import AuditCycle
from tests.factories import DutyFactory, OrganisationFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def queued(monkeypatch):
    """The site check ids sent to the crawl queue, instead of sending them to a broker."""
    ids: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda site_check_ids, duty_codes=None: ids.extend(site_check_ids))
    return ids


@pytest.mark.django_db
def test_periodic_audit_checks_every_active_trust_for_the_duties_in_force_today(
    queued, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    DutyFactory(code="in-force", in_force_from=today - 365 * DAY)
    DutyFactory(code="ends-today", in_force_until=today)
    DutyFactory(code="ended-yesterday", in_force_until=today - DAY)
    DutyFactory(code="starts-tomorrow", in_force_from=today + DAY)
    active = OrganisationFactory()
    OrganisationFactory(closed_on=today - 30 * DAY)

    with django_capture_on_commit_callbacks(execute=True):
        name = tasks.start_periodic_audit()

    cycle = AuditCycle.objects.get()
    assert name == cycle.name == f"Periodic audit {today.isoformat()}"
    assert (cycle.audit_date, cycle.status) == (today, AuditCycle.Status.RUNNING)
    assert set(cycle.duties.values_list("code", flat=True)) == {"in-force", "ends-today"}
    assert [check.organisation for check in cycle.site_checks.all()] == [active]
    assert queued == list(cycle.site_checks.values_list("id", flat=True))


@pytest.mark.django_db
def test_a_second_periodic_audit_on_the_same_day_starts_nothing(queued, django_capture_on_commit_callbacks):
    DutyFactory()
    OrganisationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.start_periodic_audit()
        second = tasks.start_periodic_audit()

    assert first and second == ""
    assert AuditCycle.objects.count() == 1
    assert len(queued) == 1


def _beat_schedule(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(sorted(settings.CELERY_BEAT_SCHEDULE))",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_empty_schedule_turns_periodic_audits_off():
    weekly = _beat_schedule(AUDIT_PERIODIC_AUDIT="0 3 * * 1").stdout.strip()
    off = _beat_schedule(AUDIT_PERIODIC_AUDIT="").stdout.strip()
    assert (weekly, off) == (
        "['follow-cases', 'periodic-audit', 'recover-lost-site-checks']",
        "['follow-cases', 'recover-lost-site-checks']",
    )


def test_a_bad_schedule_fails_at_start_up():
    result = _beat_schedule(AUDIT_PERIODIC_AUDIT="0 25 * * *")
    assert result.returncode != 0
    assert "AUDIT_PERIODIC_AUDIT '0 25 * * *' is not a crontab" in result.stderr
