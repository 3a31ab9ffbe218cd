import datetime

import pytest
from django.utils import timezone

from audits import services
from audits.models import SiteCheck
from tests.factories import SiteCheckFactory

pytestmark = pytest.mark.django_db


def test_a_check_whose_worker_stopped_renewing_its_lease_is_queued_again(monkeypatch):
    queued = []
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: queued.extend(ids))
    lost = SiteCheckFactory(
        state=SiteCheck.State.RUNNING, lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    alive = SiteCheckFactory(
        state=SiteCheck.State.RUNNING, lease_expires_at=timezone.now() + datetime.timedelta(minutes=4)
    )

    assert services.recover_stale_checks() == 1

    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.state, alive.state) == (SiteCheck.State.QUEUED, SiteCheck.State.RUNNING)
    assert queued == [lost.pk]


def test_a_check_held_by_a_live_worker_is_not_claimed_twice():
    check = SiteCheckFactory(
        state=SiteCheck.State.RUNNING, lease_expires_at=timezone.now() + datetime.timedelta(minutes=4)
    )
    services.run_site_check(check.pk)
    check.refresh_from_db()
    assert check.state == SiteCheck.State.RUNNING
    assert check.findings.count() == 0


def test_queued_checks_of_a_cycle_with_no_recent_progress_are_sent_again(monkeypatch, settings):
    settings.AUDIT_STALL_SECONDS = 60
    queued = []
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: queued.extend(ids))
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    stalled = SiteCheckFactory(cycle__status="running", cycle__started_at=long_ago)
    SiteCheckFactory(
        cycle=stalled.cycle, state=SiteCheck.State.DONE, finished_at=long_ago + datetime.timedelta(seconds=1)
    )
    busy = SiteCheckFactory(cycle__status="running", cycle__started_at=long_ago)
    SiteCheckFactory(cycle=busy.cycle, state=SiteCheck.State.DONE, finished_at=timezone.now())

    assert services.recover_stale_checks() == 1
    assert queued == [stalled.pk]


def test_the_sweep_moves_a_running_cycle_whose_checks_all_ended_into_review(monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: None)
    check = SiteCheckFactory(cycle__status="running", state=SiteCheck.State.DONE, finished_at=timezone.now())

    services.recover_stale_checks()

    check.cycle.refresh_from_db()
    assert check.cycle.status == "in_review"
