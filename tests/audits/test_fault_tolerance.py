"""Nothing lost: a worker killed mid-cycle, or a Redis that restarts and forgets its queue.

Everything here is a real process: a Redis server of the test's own (so restarting it disturbs no
one), Celery workers, Celery beat running the recovery sweep, and `manage.py run_audit` to queue the
cycle. The crawler reads slow fixture websites so that checks are still running when things break.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.core.management import call_command

from audits.models import AuditCycle, Finding, SiteCheck
from audits.workers import process_env, start_worker
from demo.serve import SiteServer
from tests.factories import OrganisationFactory
from tests.workers import slow_site, wait_for

DUTIES = ["race-equality-scheme", "race-employment-monitoring", "race-impact-assessment", "disability-equality-scheme"]
TRUSTS = 8
REDIS_PORT = 6391


class RedisServer:
    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def broker():
    server = RedisServer(REDIS_PORT).start()
    yield server
    server.crash()


@pytest.fixture
def slow_register(settings):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    # Short leases and a quick sweep so that recovery takes seconds, not minutes.
    settings.AUDIT_LEASE_SECONDS = 2
    settings.AUDIT_STALL_SECONDS = 4
    settings.AUDIT_RECOVERY_INTERVAL = 1
    call_command("load_duties", verbosity=0)
    # About three seconds a site: twelve equality pages, a quarter of a second each.
    with SiteServer({f"T{n}": slow_site() for n in range(TRUSTS)}, first_address="127.0.70.1") as server:
        for n in range(TRUSTS):
            OrganisationFactory(ods_code=f"RF{n}", website=server.url(f"T{n}"))
        yield


def _start_cycle(env: dict[str, str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "run_audit",
            "--cycle",
            "fault",
            "--audit-date",
            "2007-04-01",
            "--duties",
            ",".join(DUTIES),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _beat(env: dict[str, str], tmp_path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )


def _assert_complete_with_one_finding_each() -> None:
    cycle = AuditCycle.objects.get(name="fault")
    assert cycle.status == AuditCycle.Status.IN_REVIEW
    assert set(SiteCheck.objects.values_list("state", flat=True)) == {SiteCheck.State.DONE}
    pairs = list(Finding.objects.values_list("organisation__ods_code", "duty__code"))
    assert len(pairs) == len(set(pairs)) == TRUSTS * len(DUTIES)
    assert Finding.objects.filter(duty__code="race-equality-scheme", status="met").count() == TRUSTS


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_cycle_loses_nothing(slow_register, broker, processes, tmp_path):
    env = process_env(REDIS_URL=broker.url)
    doomed = start_worker(concurrency=4, env=env)
    processes.append(doomed)
    _start_cycle(env)
    wait_for(lambda: SiteCheck.objects.filter(state=SiteCheck.State.RUNNING).exists(), 60, "a running check")
    os.kill(doomed.pid, signal.SIGKILL)
    killed_while_running = set(SiteCheck.objects.filter(state=SiteCheck.State.RUNNING).values_list("id", flat=True))

    processes.append(start_worker(concurrency=4, env=env))
    processes.append(_beat(env, tmp_path))
    wait_for(lambda: AuditCycle.objects.get(name="fault").status == AuditCycle.Status.IN_REVIEW, 120, "the cycle")

    _assert_complete_with_one_finding_each()
    assert killed_while_running
    assert all(a >= 2 for a in SiteCheck.objects.filter(id__in=killed_while_running).values_list("attempts", flat=True))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_that_forgets_the_queue_loses_nothing(slow_register, broker, processes, tmp_path):
    env = process_env(REDIS_URL=broker.url)
    processes.append(start_worker(concurrency=2, env=env))
    processes.append(_beat(env, tmp_path))
    _start_cycle(env)
    wait_for(lambda: SiteCheck.objects.filter(state=SiteCheck.State.RUNNING).exists(), 60, "a running check")

    broker.crash()  # every queued message is gone: this Redis keeps nothing on disk
    time.sleep(1)
    broker.start()
    wait_for(lambda: AuditCycle.objects.get(name="fault").status == AuditCycle.Status.IN_REVIEW, 150, "the cycle")

    _assert_complete_with_one_finding_each()
