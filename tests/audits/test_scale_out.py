"""Scale-out: worker processes, as on different hosts, share one cycle through one broker.

With REDIS_URL set (CI) the workers take their tasks from Redis and the database is PostgreSQL;
without it, from the embedded folder broker with SQLite. Each check is claimed by one worker only,
which the check records.
"""

import datetime

import pytest
from django.core.management import call_command

from audits import services
from audits.models import AuditCycle, Finding, SiteCheck
from audits.workers import start_worker
from config.celery import app
from demo.serve import SiteServer
from tests.factories import OrganisationFactory
from tests.workers import slow_site, wait_for

DUTIES = ["race-equality-scheme", "race-employment-monitoring", "race-impact-assessment", "disability-equality-scheme"]
# Sixteen sites of about 1.5 s each on four slots: long enough that neither worker can take every
# check before the other has started, short enough for a quick test.
TRUSTS = 16


@pytest.fixture
def register(settings):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    call_command("load_duties", verbosity=0)
    with SiteServer({f"S{n}": slow_site(pages=6) for n in range(TRUSTS)}, first_address="127.0.80.1") as server:
        for n in range(TRUSTS):
            OrganisationFactory(ods_code=f"RS{n}", website=server.url(f"S{n}"))
        yield


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_cycle_and_run_each_check_once(register, processes):
    processes.append(start_worker(concurrency=2, hostname="one@%h"))
    processes.append(start_worker(concurrency=2, hostname="two@%h"))

    cycle = services.start_cycle("scale-out", datetime.date(2007, 4, 1), DUTIES)
    wait_for(lambda: AuditCycle.objects.get(pk=cycle.pk).status == AuditCycle.Status.IN_REVIEW, 60, "the cycle")

    checks = SiteCheck.objects.filter(cycle=cycle)
    assert set(checks.values_list("state", "attempts")) == {(SiteCheck.State.DONE, 1)}
    pairs = list(Finding.objects.filter(cycle=cycle).values_list("organisation__ods_code", "duty__code"))
    assert len(pairs) == len(set(pairs)) == TRUSTS * len(DUTIES)
    assert Finding.objects.filter(cycle=cycle, duty__code="race-equality-scheme", status="met").count() == TRUSTS
    workers = set(checks.values_list("worker", flat=True))
    assert {worker.split("@")[0] for worker in workers} == {"one", "two"}


def test_periodic_tasks_never_wait_behind_site_checks():
    def queue(task: str) -> str:
        return app.amqp.router.route({}, task)["queue"].name

    assert queue("audits.tasks.check_site") == "crawl"
    assert queue("audits.tasks.recover_stale_checks") == queue("audits.tasks.start_periodic_audit") == "periodic"
    assert queue("reports.tasks.draft_letters") == queue("reports.tasks.issue_letters") == "letters"
