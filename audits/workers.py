"""A Celery worker process started on demand for the embedded default (no shared broker).

With REDIS_URL set, operators run `celery -A config worker` themselves, on any number of hosts.
Without it the broker is a folder on this machine and `run_audit --wait` starts a worker beside
itself, so an audit completes with nothing started by hand. Either way a worker takes every queue
with the pool and concurrency of the settings (CELERY_WORKER_POOL, CELERY_WORKER_CONCURRENCY).
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database this process actually uses (the test database under pytest)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    """The environment for a Celery process that shares this process's database, files and crawler settings."""
    env = {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    # Machines like this one run everything as root; the worker's advice against it is noise here.
    env["PYTHONWARNINGS"] = "ignore:You're running the worker with superuser privileges"
    if settings.EMBEDDED_BROKER:
        env["EMBEDDED_BROKER_DIR"] = str(settings.EMBEDDED_BROKER_DIR)
    for name in (
        "AUDIT_ALLOW_PRIVATE_HOSTS",
        "AUDIT_CRAWL_DELAY",
        "AUDIT_PAGE_BUDGET",
        "AUDIT_TIME_BUDGET",
        "AUDIT_LEASE_SECONDS",
        "AUDIT_STALL_SECONDS",
        "AUDIT_RECOVERY_INTERVAL",
    ):
        env[name] = str(getattr(settings, name))
    return {**env, **overrides}


def start_worker(
    concurrency: int | None = None, env: dict[str, str] | None = None, hostname: str = "celery@%h"
) -> subprocess.Popen:
    """A bare worker, as operators start one; `concurrency` (sites in flight) only where a test wants fewer."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "--quiet",  # no banner: the person running the audit or demo reads its progress, not Celery's
        "-A",
        "config",
        "worker",
        *(["--concurrency", str(concurrency)] if concurrency else []),
        "--hostname",
        hostname,
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]
    # Its warnings and errors go to stderr; stdout holds only its shutdown chatter.
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env or process_env(), stdout=subprocess.DEVNULL)
