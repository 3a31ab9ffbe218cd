"""Page latency under concurrent load on gunicorn: 400 trusts x 12 duties x 5 cycles.

Run from the project root: .venv/bin/python -m bench.pages [--trusts 400] [--clients 8] [--requests 200]
Uses a throwaway SQLite file (or a throwaway database on the PostgreSQL server of DATABASE_URL),
starts gunicorn with 2 workers per core, signs in as a person with every staff role, and prints p50/p95 for
each staff page they read, the web workers' CPU time per request (on PostgreSQL without the database server's:
steadier than latency where the cores are shared) and the 1-minute load average after each.
"""

import argparse
import datetime
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import print_summary

ROOT = Path(__file__).resolve().parent.parent
CYCLES = 5
PASSWORD = "bench-password-2007"


def _database(tmp: str) -> tuple[str, callable]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp}/pages.sqlite3", lambda: None
    import psycopg

    name = f"bench_pages_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.rsplit("/", 1)[0] + f"/{name}", drop


def _populate(trusts: int, clients: int) -> tuple[list[int], dict[str, bytes]]:
    """The cycles' ids, and an auditor for each client with the key of their authenticator app."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audits.models import AuditCycle, Duty, Finding, SiteCheck
    from trusts.models import Organisation, OrgType, User

    call_command("migrate", verbosity=0)
    call_command("load_duties", verbosity=0)
    types = [t.value for t in OrgType]
    regions = ["London", "North West", "South West", "Midlands", "East of England"]
    Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"B{n:03d}",
            name=f"Bench {n} NHS Trust",
            org_type=types[n % len(types)],
            region=regions[n % len(regions)],
            website=f"https://b{n:03d}.nhs.example/",
            headcount=300 + n * 10,
        )
        for n in range(trusts)
    )
    organisations = list(Organisation.objects.all())
    duties = list(Duty.objects.all())
    statuses = ["met", "met", "not_met", "review", "met", "error"]
    cycle_ids = []
    for c in range(CYCLES):
        # The earlier audits are published, as a live register's would be; the latest is in review.
        status = AuditCycle.Status.IN_REVIEW if c == CYCLES - 1 else AuditCycle.Status.PUBLISHED
        cycle = AuditCycle.objects.create(
            name=f"bench {2020 + c}", audit_date=datetime.date(2020 + c, 4, 1), status=status
        )
        cycle.duties.set(duties)
        SiteCheck.objects.bulk_create(
            SiteCheck(cycle=cycle, organisation=o, website=o.website, state="done") for o in organisations
        )
        checks = {s.organisation_id: s for s in SiteCheck.objects.filter(cycle=cycle)}
        Finding.objects.bulk_create(
            Finding(
                cycle=cycle,
                organisation=o,
                duty=d,
                site_check=checks[o.id],
                status=statuses[(i + j + c) % 6],
                confidence=0.9,
                rationale="Benchmark finding.",
            )
            for i, o in enumerate(organisations)
            for j, d in enumerate(duties)
        )
        cycle_ids.append(cycle.id)
    # A live database has its planner statistics; a freshly filled one has none until autovacuum comes by.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # Staff sign in with a code too, and a code counts once per app: one person per client.
    keys = {}
    for n in range(clients):
        user = User.objects.create_user(f"bench{n}", f"bench{n}@example.org", PASSWORD)
        user.groups.add(*Group.objects.filter(name__in=["auditor", "reviewer", "signatory", "admin"]))
        keys[user.username] = TOTPDevice.objects.create(user=user, name="bench", confirmed=True).bin_key
    return cycle_ids, keys


def _post_form(session: requests.Session, page: requests.Response, data: dict[str, str]) -> requests.Response:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    # Password hashing is slow on purpose, and slower on a shared, busy machine.
    return session.post(
        page.url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": page.url}, timeout=120
    )


def _sign_in(base: str, username: str, key: bytes) -> requests.Session:
    """A session signed in through the real pages: password, then the authenticator app's code."""
    from django_otp.oath import totp

    session = requests.Session()
    second_step = _post_form(
        session, session.get(f"{base}/sign-in/", timeout=30), {"username": username, "password": PASSWORD}
    )
    answer = _post_form(session, second_step, {"code": f"{totp(key):06d}"})
    assert "sign-in" not in answer.url, f"could not sign in as {username}"
    return session


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and its workers (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command may hold spaces: the fields after its closing parenthesis are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        pid, parent = int(stat.parent.name), int(fields[1])
        if master in (pid, parent):
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _load(base: str, path: str, sessions: list[requests.Session], total: int) -> list[float]:
    def one(i: int) -> float:
        started = time.perf_counter()
        answer = sessions[i % len(sessions)].get(base + path, timeout=60)
        answer.raise_for_status()
        return time.perf_counter() - started

    with ThreadPoolExecutor(len(sessions)) as pool:
        return list(pool.map(one, range(total)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--port", type=int, default=8197)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url, drop = _database(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            # Production settings refuse the embedded default key; a throwaway one serves the bench's database.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": f"{tmp}/static",
            "MEDIA_ROOT": f"{tmp}/media",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        started = time.perf_counter()
        cycle_ids, keys = _populate(args.trusts, args.clients)
        print(f"data: {args.trusts} trusts x 12 duties x {CYCLES} cycles in {time.perf_counter() - started:.1f} s")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        workers = 2 * (os.cpu_count() or 1)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(100):
                try:
                    requests.get(f"{base}/healthz", timeout=2).raise_for_status()
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            sessions = [_sign_in(base, username, key) for username, key in keys.items()]
            latest = cycle_ids[-1]
            from audits.models import Finding

            first_finding = Finding.objects.filter(cycle=latest).order_by("pk").values_list("pk", flat=True).first()
            pages = {
                "dashboard": "/",
                "cycle page": f"/audits/cycles/{latest}/",
                "results matrix": f"/audits/cycles/{latest}/results/",
                "results, last page": f"/audits/cycles/{latest}/results/?page={-(-args.trusts // 50)}",
                "results, filtered": f"/audits/cycles/{latest}/results/?status=review&duty=gender-pay-gap",
                "national report": f"/reports/national/{latest}/",
                "review queue": f"/audits/cycles/{latest}/review/",
                "review queues": "/audits/review/",
                "cycle list": "/audits/cycles/",
                "national reports": "/reports/national/",
                "letters list": "/letters/",
                "trust list": "/trusts/",
                "trust page": "/trusts/B001/",
                "calendar": "/casework/calendar/",
                "site changes": "/casework/changes/",
                "duty list": "/audits/duties/",
                "finding": f"/audits/cycles/{latest}/findings/{first_finding}/",
                "letters of the cycle": f"/letters/cycle/{latest}/",
                "cases": "/casework/cases/",
                "shortfall": f"/casework/national/{latest}/shortfall/",
                "trust history": "/casework/trusts/B001/history/",
                "answers inbox": "/audits/responses/",
                "activity log": "/trusts/activity/",
            }
            print(f"gunicorn {workers} workers, {args.clients} concurrent clients, {args.requests} requests per page")
            print("server CPU: the web workers' CPU time per request, steadier than latency on shared cores")
            print(f"{'page':<24}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'CPU ms':>10}{'load':>8}")
            latency_ms, server_cpu_ms = {}, {}
            for name, path in pages.items():
                _load(base, path, sessions, args.clients)  # warm up
                cpu_before = _server_cpu(server.pid)
                times = sorted(_load(base, path, sessions, args.requests))
                server_cpu_ms[name] = (_server_cpu(server.pid) - cpu_before) / args.requests * 1000
                latency_ms[name] = (statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000)
                figures = f"{latency_ms[name][0]:>10.0f}{latency_ms[name][1]:>10.0f}{times[-1] * 1000:>10.0f}"
                print(f"{name:<24}{figures}{server_cpu_ms[name]:>10.1f}{os.getloadavg()[0]:>8.1f}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
            from django.db import connections

            connections.close_all()
            drop()
        print_summary(clients=args.clients, latency_ms=latency_ms, server_cpu_ms=server_cpu_ms)


if __name__ == "__main__":
    main()
