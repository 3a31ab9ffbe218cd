"""How site checks are fed to the workers: the slowest sites first, and any bare worker takes every queue."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits import services, tasks
from audits.models import SiteCheck
from config.celery import app
from tests.factories import AuditCycleFactory, OrganisationFactory, SiteCheckFactory


@pytest.mark.django_db
def test_the_trusts_whose_last_check_took_longest_are_sent_first(monkeypatch, django_capture_on_commit_callbacks):
    call_command("load_duties", verbosity=0)
    quick, slow, new, middling, quickest = (
        OrganisationFactory(ods_code=code) for code in ("RQK", "RSL", "RNW", "RMD", "RQR")
    )
    last_cycle = AuditCycleFactory(name="last year")
    finished = timezone.now() - datetime.timedelta(days=300)
    for organisation, seconds in ((quick, 20), (slow, 280), (middling, 90), (quickest, 10)):
        SiteCheckFactory(
            cycle=last_cycle,
            organisation=organisation,
            state=SiteCheck.State.DONE,
            started_at=finished - datetime.timedelta(seconds=seconds),
            finished_at=finished,
        )
    sent = []
    monkeypatch.setattr(tasks.check_site, "delay", lambda site_check_id, duties: sent.append(site_check_id))

    with django_capture_on_commit_callbacks(execute=True):
        cycle = services.start_cycle("this year", datetime.date(2007, 4, 1), ["race-equality-scheme"])

    ods_by_check = dict(cycle.site_checks.values_list("id", "organisation__ods_code"))
    # A trust never checked before counts as the median of the others (55 s).
    assert [ods_by_check[pk] for pk in sent] == ["RSL", "RMD", "RNW", "RQK", "RQR"]


def test_a_bare_worker_takes_every_queue_and_holds_many_sites_on_threads():
    assert set(app.amqp.queues) == {"crawl", "periodic", "letters"}
    assert app.conf.worker_pool == "threads"
    assert app.conf.worker_concurrency >= 100
