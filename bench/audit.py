"""Benchmark a whole audit: N generated trust websites, real Celery workers, a throwaway database.

Run from the project root:

    .venv/bin/python -m bench.audit [--sites 400] [--pages 30] [--workers 2] [--concurrency N]
                                    [--era 2007] [--seed 2007] [--database-url URL] [--redis-url URL]
                                    [--keep] [--polite]

What it does, in order:
1. generates N trust websites (demo.websites.generate) into a temporary folder (timed apart);
2. serves them from a separate process (this module run with --serve: demo.serve.SiteServer plus a
   request log that the benchmark reads, so the baseline downloads exactly what the crawl fetched);
3. makes a throwaway database (a SQLite file; or, when DATABASE_URL / --database-url names a
   PostgreSQL server, a fresh database bench_<pid> there, dropped at the end), migrates, loads the
   duty catalogue and imports the register; the broker is embedded (a folder), or with --redis-url an
   empty Redis database, which also carries the per-host turns between the workers;
4. starts --workers bare Celery worker processes (the command line of audits.workers.start_worker:
   every queue, the settings' pool and concurrency; output in log files), each through bench.stage_cpu,
   which times the CPU of each stage of the pipeline in them, and times
   `run_audit --cycle bench ... --wait`. run_audit would start one more embedded worker of its own:
   that is switched off for the measurement, so exactly the workers listed in the table ran;
5. no-delay mode (AUDIT_CRAWL_DELAY=0): downloads the very same requests (the server's log of the
   audit) with --download-threads threads, one requests.Session each, no delay: the raw-fetch
   baseline of the ratio; then again with urllib3, the crawler's own client (a second row); and
   projects the wall time with the default politeness delay (1 s between requests to one host);
   polite mode (--polite: AUDIT_CRAWL_DELAY=1, and a third of the sites declare a robots.txt
   Crawl-delay of 1 to 10 s): the lower bound instead, the slowest site's own polite crawl of the
   pages it read (pages x its pause, capped by the time budget), and the wall time's ratio to it;
6. prints one table, with the workers' CPU per page by stage (fetch, extraction, OCR, matching,
   recording), the machine's load average, which other work on the cores raises, and the politeness
   the site server saw: requests to a site that came while another to it was answered, connections
   open to a site at once, and (polite mode) pauses between two requests to a site shorter than its delay.

Only loopback addresses are used. Children are stopped on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import heapq
import io
import itertools
import json
import math
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import stage_cpu

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_DELAY = 1.0  # AUDIT_CRAWL_DELAY's production default, seconds between requests to one host


# --------------------------------------------------------------------------- the site server process


def serve(directory: Path, first_address: str, port: int, log_path: Path) -> None:
    """Serve every subdirectory as a site (as `python -m demo.serve`), and keep a request log.

    Prints `name url` per site, then `ready`. On SIGUSR1 it writes the requests received since the
    last dump to log_path (JSON lines: site, path, time), beside it what the server saw of the clients'
    politeness since then (`<log>.politeness.json`), and prints `dumped N`. SIGTERM/SIGINT stop it.
    """
    sys.path.insert(0, str(ROOT))
    from demo.serve import SiteServer, site_from_directory

    sites = {d.name: site_from_directory(d) for d in sorted(directory.iterdir()) if d.is_dir()}
    wanted = {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1}
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)  # before any thread starts
    with SiteServer(sites, first_address, port) as server:
        for name in sites:
            print(name, server.url(name), flush=True)
        print("ready", flush=True)
        while signal.sigwait(wanted) == signal.SIGUSR1:
            log, server.request_log = server.request_log, []
            with log_path.open("w", encoding="utf-8") as f:
                for site, path, at in log:
                    f.write(json.dumps([site, path, at]) + "\n")
            overlapping, server.overlapping = server.overlapping, []
            most_connections, server.most_connections = server.most_connections, Counter()
            politeness = {"overlapping": overlapping, "most_connections": most_connections}
            log_path.with_suffix(".politeness.json").write_text(json.dumps(politeness), encoding="utf-8")
            print(f"dumped {len(log)}", flush=True)


# --------------------------------------------------------------------------- /proc helpers


def proc_status(pid: int, field: str) -> int:
    """A kB figure from /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current), 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) and of the children it waited for (OCR's
    tesseract), from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


class PeakWatcher(threading.Thread):
    """Polls VmHWM of some processes, so a peak is known even if a process dies before the end."""

    def __init__(self, pids: dict[str, int], interval: float = 0.5):
        super().__init__(daemon=True, name="PeakWatcher")
        self.pids, self.interval = pids, interval
        self.peaks = dict.fromkeys(pids, 0)
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def sample(self) -> None:
        for name, pid in self.pids.items():
            self.peaks[name] = max(self.peaks[name], proc_status(pid, "VmHWM"))


# --------------------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
        self.children: list[subprocess.Popen] = []
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.pg: dict | None = None  # admin connection details of a throwaway PostgreSQL database
        self.redis = None  # --redis-url's database, once found empty
        self.rows: list[tuple[str, str]] = []  # the summary table
        self.notes: list[str] = []

    # ----------------------------------------------------------------- setup

    def database(self) -> str:
        url = self.args.database_url or ""
        if url.startswith(("postgres://", "postgresql://", "pgsql://", "psql://")):
            import psycopg

            parts = urlsplit(url)
            name = f"bench_{os.getpid()}"
            admin = urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", parts.query, ""))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.pg = {"admin": admin, "name": name}
            return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
        if url:
            kind = url.split(":")[0]
            self.notes.append(f"DATABASE_URL {kind}:... is not PostgreSQL: a throwaway SQLite file is used")
        return f"sqlite:///{self.tmp / 'bench.sqlite3'}"

    def claim_redis(self) -> None:
        """--redis-url's database, if it is empty: everything in it at the end is ours to remove."""
        if not self.args.redis_url:
            return
        import redis

        database = redis.Redis.from_url(self.args.redis_url)
        if keys := database.dbsize():
            raise SystemExit(
                f"bench.audit: {self.args.redis_url} holds {keys} keys; give --redis-url a database no one uses"
            )
        self.redis = database

    def drop_database(self) -> None:
        if not self.pg or self.args.keep:
            return
        import psycopg

        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        with psycopg.connect(self.pg["admin"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg["name"]}" WITH (FORCE)')

    def environment(self, database_url: str) -> None:
        """Everything settings read, before django.setup(); workers inherit it."""
        media, broker = self.tmp / "media", self.tmp / "broker"
        media.mkdir()
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": database_url,
                "AUDIT_ALLOW_PRIVATE_HOSTS": "true",
                "AUDIT_CRAWL_DELAY": str(DEFAULT_DELAY if self.args.polite else 0),
                "MEDIA_ROOT": str(media),
                # The embedded broker in our own folder, whatever REDIS_URL or .env say (a shared broker
                # could hand our tasks to someone else's workers, and theirs to ours); or --redis-url, a
                # Redis database of our own, for the broker and the per-host turns.
                "REDIS_URL": self.args.redis_url,
                "CELERY_BROKER_URL": self.args.redis_url or "filesystem://localhost/",
                "EMBEDDED_BROKER_DIR": str(broker),
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            }
        )

    def start_server(self) -> dict[str, str]:
        """Start the site server process; return {site folder name: base URL}."""
        self.request_log = self.tmp / "requests.jsonl"
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.audit",
                "--serve",
                str(self.sites_dir),
                "--first-address",
                self.args.first_address,
                "--request-log",
                str(self.request_log),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.children.append(self.server)
        # A thread reads the server's lines: select() on a buffered pipe misses lines already read.
        self.server_lines: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._read_server, args=(self.server.stdout,), daemon=True).start()
        urls = {}
        while True:
            line = self._server_line(timeout=120)
            if line == "ready":
                return urls
            name, url = line.split()
            urls[name] = url

    def _read_server(self, stdout) -> None:
        for line in stdout:
            self.server_lines.put(line.strip())
        self.server_lines.put(None)

    def _server_line(self, timeout: float) -> str:
        try:
            line = self.server_lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError("the site server did not answer in time") from None
        if line is None:
            raise RuntimeError(f"the site server stopped (exit {self.server.poll()})")
        return line

    def dump_requests(self) -> list[tuple[str, str, float]]:
        """The requests the server received since the last dump; self.politeness, what it saw of their politeness."""
        assert self.server
        self.server.send_signal(signal.SIGUSR1)
        line = self._server_line(timeout=60)
        assert line.startswith("dumped "), line
        self.politeness = json.loads(self.request_log.with_suffix(".politeness.json").read_text(encoding="utf-8"))
        with self.request_log.open(encoding="utf-8") as f:
            return [tuple(json.loads(row)) for row in f]

    def start_workers(self) -> None:
        """--workers processes with audits.workers.start_worker's command line, output to files."""
        from django.conf import settings

        from audits.workers import database_url

        env = {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
        if settings.EMBEDDED_BROKER:
            env["EMBEDDED_BROKER_DIR"] = str(settings.EMBEDDED_BROKER_DIR)
        for name in ("AUDIT_ALLOW_PRIVATE_HOSTS", "AUDIT_CRAWL_DELAY", "AUDIT_PAGE_BUDGET", "AUDIT_TIME_BUDGET"):
            env[name] = str(getattr(settings, name))
        for i in range(self.args.workers):
            log = (self.tmp / f"worker-{i + 1}.log").open("wb")
            launcher = [sys.executable, "-m", "bench.stage_cpu", str(self.tmp / "stages"), "-A", "config"]
            worker = subprocess.Popen(
                [
                    *launcher,
                    "worker",
                    *(["--pool", self.args.pool] if self.args.pool else []),
                    *(["--concurrency", str(self.args.concurrency)] if self.args.concurrency else []),
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "--hostname",
                    f"bench{i + 1}-{os.getpid()}@%h",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            self.workers.append(worker)
            self.children.append(worker)

    def wait_for_workers(self, timeout: float = 20) -> float:
        """Until every worker answers a ping over the broker (or, failing that, has gone quiet)."""
        from config.celery import app

        started = time.monotonic()
        names = {f"bench{i + 1}-{os.getpid()}" for i in range(len(self.workers))}
        while time.monotonic() - started < timeout:
            self._check_workers_alive()
            answered = {name.split("@")[0] for reply in (app.control.ping(timeout=1.0) or []) for name in reply}
            if names <= answered:
                return time.monotonic() - started
        # The filesystem transport keeps fanout bindings in one file that workers starting together
        # can overwrite, so a ping may never reach one of them. Started is started: wait until
        # each worker's CPU time stops growing (imports and set-up done).
        self.notes.append(
            "not every worker answered a ping (a known race of kombu's filesystem fanout); "
            "readiness was judged by their CPU going quiet"
        )
        last = {w.pid: -1.0 for w in self.workers}
        while time.monotonic() - started < 120:
            self._check_workers_alive()
            now = {w.pid: cpu_seconds(w.pid) for w in self.workers}
            if all(now[pid] - last[pid] < 0.02 for pid in now):
                return time.monotonic() - started
            last = now
            time.sleep(1.0)
        raise RuntimeError("the workers did not settle in time")

    def _check_workers_alive(self) -> None:
        for worker in self.workers:
            if worker.poll() is not None:
                raise RuntimeError(f"a worker stopped at start (exit {worker.returncode}); see {self.tmp}")

    # ----------------------------------------------------------------- the run

    def run(self) -> None:
        args = self.args
        from demo.websites import ERAS, generate, write_register, write_truth

        era = ERAS[args.era]
        duties = list(era.not_met_share)
        self.claim_redis()
        print(f"bench.audit: {args.sites} sites, {args.pages} filler pages, era {args.era}, in {self.tmp}", flush=True)

        self.sites_dir = self.tmp / "sites"
        t = time.perf_counter()
        specs = generate(self.sites_dir, n=args.sites, seed=args.seed, era=args.era, pages=args.pages)
        generation = time.perf_counter() - t
        self.crawl_delays = declare_crawl_delays(self.sites_dir, args.seed) if args.polite else {}
        files = [p for p in self.sites_dir.rglob("*") if p.is_file()]
        write_truth(specs, self.tmp / "truth.json")

        database_url = self.database()
        self.environment(database_url)
        t = time.perf_counter()
        urls_by_dir = self.start_server()
        serve_start = time.perf_counter() - t
        urls = {spec.ods_code: urls_by_dir[spec.ods_code.lower()] for spec in specs}

        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_duties", verbosity=0, stdout=io.StringIO())
        register = self.tmp / "register.csv"
        write_register(specs, urls, register)
        call_command("import_trusts", str(register), stdout=io.StringIO())
        db_setup = time.perf_counter() - t
        self.slots = args.workers * (args.concurrency or settings.CELERY_WORKER_CONCURRENCY)
        self.pool = args.pool or settings.CELERY_WORKER_POOL

        t = time.perf_counter()
        self.start_workers()
        ready = self.wait_for_workers()
        worker_start = time.perf_counter() - t
        print(f"  {len(self.workers)} workers ready in {ready:.1f} s; auditing...", flush=True)
        self.dump_requests()  # forget anything before the audit (there should be nothing)

        # run_audit starts an embedded worker of its own when the broker is embedded; ours are
        # already running, so that one is switched off and the table says exactly what ran.
        from audits.management.commands import run_audit

        extra_worker_requests = []
        original = run_audit.start_worker
        run_audit.start_worker = lambda *a, **k: extra_worker_requests.append(1)  # returns None
        pids = {f"worker {i + 1}": w.pid for i, w in enumerate(self.workers)}
        pids["site server"] = self.server.pid
        watcher = PeakWatcher(pids)
        watcher.start()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self_before = sum(os.times()[:2])
        load_before = os.getloadavg()
        out = io.StringIO()
        t = time.perf_counter()
        try:
            call_command(
                "run_audit",
                cycle="bench",
                audit_date=era.audit_date,
                duties=",".join(duties),
                wait=True,
                stdout=out,
            )
        finally:
            run_audit.start_worker = original
        audit_wall = time.perf_counter() - t
        load_after = os.getloadavg()
        cpu_audit = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        stages = stage_cpu.read(self.tmp / "stages")
        cpu_audit["bench (run_audit)"] = sum(os.times()[:2]) - self_before
        watcher.sample()
        requests_log = self.dump_requests()
        audit_politeness = self.politeness
        summary_line = out.getvalue().strip().splitlines()[-1]
        print(f"  audit done in {audit_wall:.1f} s: {summary_line}", flush=True)

        stats = self.audit_figures(specs)
        worker_errors = self.worker_log_problems()

        slots = self.slots
        worker_cpu = sum(v for k, v in cpu_audit.items() if k.startswith("worker"))
        if not args.polite:
            # Baseline: the same requests, a fixed number of connections, no politeness delay.
            print(f"  baseline: downloading the same {len(requests_log)} requests...", flush=True)
            threads = args.download_threads
            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            self_before = sum(os.times()[:2])
            download = baseline_download(requests_log, urls_by_dir, threads)
            cpu_download = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
            cpu_download["bench (downloader)"] = sum(os.times()[:2]) - self_before
            repeat_log = self.dump_requests()
            # The same again with urllib3, the crawler's own client, which spends less CPU per request.
            lean_download = baseline_download(requests_log, urls_by_dir, threads, client="urllib3")
            self.dump_requests()
            cpu_download_per_page = cpu_download["bench (downloader)"] * 1000 / max(download["requests"], 1)
            projection = project(stats["per_site_pages"], slots, DEFAULT_DELAY, settings.AUDIT_TIME_BUDGET)
        watcher.stop_event.set()
        watcher.sample()

        profile = self.profile(args.profile) if args.profile else None

        # ---- the table
        r = self.rows.append
        r(("Sites / filler pages / era / seed", f"{args.sites} / {args.pages} / {args.era} / {args.seed}"))
        r(("Duties checked", ", ".join(duties)))
        r(("Generated files (bytes)", f"{len(files):,} ({sum(p.stat().st_size for p in files) / 1e6:,.1f} MB)"))
        r(("Generation time (not in audit)", f"{generation:.1f} s"))
        r(("Site server start (separate process)", f"{serve_start:.1f} s"))
        db_kind = f"PostgreSQL (throwaway {self.pg['name']})" if self.pg else "SQLite file (WAL, IMMEDIATE)"
        r(("Database", db_kind))
        r(("Migrate + load_duties + import_trusts", f"{db_setup:.1f} s"))
        r(("Broker", f"Redis ({args.redis_url})" if args.redis_url else "embedded (filesystem://, own folder)"))
        r(
            (
                "Workers that ran",
                f"{args.workers} bare workers (--pool {self.pool}) x {slots // args.workers} sites in flight"
                f" = {slots} slots"
                + (
                    f" (run_audit's own embedded worker suppressed: asked {len(extra_worker_requests)}x)"
                    if extra_worker_requests
                    else ""
                ),
            )
        )
        r(("Worker start to first ping", f"{worker_start:.1f} s (not in audit)"))
        r(("Site checks per worker", ", ".join(f"{name or '-'} {n}" for name, n in sorted(stats["by_worker"].items()))))
        r(("AUDIT wall time (run_audit --wait)", f"{audit_wall:.1f} s"))
        r(("Site checks (by state)", ", ".join(f"{n} {s}" for s, n in sorted(stats["states"].items()))))
        r(("Site checks out of page/time budget", f"{stats['budget_exhausted']}"))
        r(("Pages fetched (SiteCheck.pages_fetched)", f"{stats['pages']:,}"))
        r(("Requests seen by the site server", f"{len(requests_log):,}"))
        overlapping, most_connections = audit_politeness["overlapping"], audit_politeness["most_connections"]
        r(
            (
                "Requests to a site while another to it was answered",
                f"{len(overlapping)} (target 0)" + "".join(f"; {site}{path}" for site, path in overlapping[:5]),
            )
        )
        r(
            (
                "Connections open to one site at once (most)",
                f"{max(most_connections.values(), default=0)}"
                f" ({sum(n > 1 for n in most_connections.values())} sites had more than one)",
            )
        )
        if args.polite:
            pauses = short_pauses(requests_log, self.crawl_delays)
            r(
                (
                    "Pauses between two requests to a site, shorter than its delay",
                    f"{len(pauses['short'])} of {pauses['pauses']:,}"
                    + "".join(
                        f"; {seconds:.3f} s ({share:.2f} of its delay) on {site}, {first} then {second},"
                        f" {into:.1f} s into the audit"
                        for share, seconds, site, first, second, into in pauses["short"][:3]
                    ),
                )
            )
        r(("Bytes fetched (SiteCheck.bytes_fetched)", f"{stats['bytes'] / 1e6:,.1f} MB"))
        r(("Pages per site (min/median/max)", "{} / {:g} / {}".format(*stats["pages_spread"])))
        r(
            (
                "Throughput",
                f"{stats['pages'] / audit_wall:,.1f} pages/s, {stats['bytes'] / 1e6 / audit_wall:,.2f} MB/s,"
                f" {args.sites / audit_wall:,.2f} sites/s",
            )
        )
        r(("Site check duration (median/p95/max)", "{:.2f} / {:.2f} / {:.2f} s".format(*stats["durations"])))
        r(("Slot occupancy (sum of check time / wall x slots)", f"{stats['busy'] / (audit_wall * slots):.0%}"))
        r(
            (
                "Queue to first check start; hand-off lag med/max",
                "{:.2f} s; {:.2f} / {:.2f} s".format(stats["first_start"], *stats["handoff"]),
            )
        )
        r(
            (
                "CPU per page in workers",
                f"{worker_cpu * 1000 / max(stats['pages'], 1):.2f} ms"
                + ("" if args.polite else f" (baseline downloader: {cpu_download_per_page:.2f} ms)"),
            )
        )
        by_stage = {**stages, "other (Celery, event loop, claims, ...)": worker_cpu - sum(stages.values())}
        for stage, seconds in by_stage.items():
            r((f"  {stage}", f"{seconds * 1000 / max(stats['pages'], 1):.2f} ms ({seconds / worker_cpu:.0%})"))
        r(("Load average 1/5/15 min, audit start", "{:.2f} / {:.2f} / {:.2f}".format(*load_before)))
        r(("Load average 1/5/15 min, audit end", "{:.2f} / {:.2f} / {:.2f}".format(*load_after)))
        for name in pids:
            r((f"Peak RSS {name} (VmHWM)", f"{watcher.peaks[name] / 1024:,.0f} MB"))
        r(("CPU during audit (s)", _cpu(cpu_audit, audit_wall)))
        r(("Worker log: 'database is locked'", f"{worker_errors['locked']}"))
        r(("Worker log: errors/tracebacks", f"{worker_errors['errors']}"))
        if worker_errors["first"]:
            self.notes.append(f"the first error in the workers' logs, {worker_errors['first']}")
        r(("Accuracy: (trust, duty) pairs", f"{stats['pairs']}"))
        r(("Accuracy: agree with truth", f"{stats['agree']} ({stats['agree'] / max(stats['pairs'], 1):.1%})"))
        r(("Accuracy: review", f"{stats['review']} ({stats['review'] / max(stats['pairs'], 1):.1%})"))
        r(
            (
                "Accuracy: wrong (met<->not_met)",
                f"{stats['wrong']} ({stats['wrong'] / max(stats['pairs'], 1):.1%})"
                f"  [{', '.join(f'truth {a} -> {b}: {n}' for (a, b), n in sorted(stats['confusion'].items())) or '-'}]",
            )
        )
        r(("Accuracy: error / missing finding", f"{stats['error']} / {stats['missing']}"))
        r(
            (
                "Accuracy by duty (agree %, review %)",
                "; ".join(f"{d}: {a:.0%}, {v:.0%}" for d, (a, v) in stats["by_duty"].items()),
            )
        )
        if args.polite:
            bound = polite_lower_bound(stats["per_site_pages_by_ods"], self.crawl_delays, settings.AUDIT_TIME_BUDGET)
            ratio = audit_wall / bound["seconds"]
            r(("Crawl-delay declared (robots.txt)", f"{len(self.crawl_delays)} of {args.sites} sites, 1-10 s"))
            r(
                (
                    "LOWER BOUND: slowest site's polite crawl",
                    f"{bound['seconds']:.1f} s ({bound['ods']}: {bound['pages']} pages x {bound['pause']:g} s"
                    + (", time budget" if bound["capped"] else "")
                    + ")",
                )
            )
            r(("RATIO audit / lower bound (target <= 1.3)", f"{ratio:.2f}" + ("" if ratio <= 1.3 else "  ** over **")))
        else:
            r(
                (
                    "BASELINE: plain download wall time",
                    f"{download['wall']:.1f} s ({threads} threads, one requests.Session each, one process,"
                    " per-site order as logged)",
                )
            )
            r(
                (
                    "Baseline requests / bytes / statuses",
                    f"{download['requests']:,} / {download['bytes'] / 1e6:,.1f} MB / "
                    + ", ".join(f"{s}: {n}" for s, n in sorted(download["statuses"].items())),
                )
            )
            r(("Baseline throughput", f"{download['requests'] / download['wall']:,.1f} requests/s"))
            r(("Server saw the baseline's requests", f"{len(repeat_log):,} (audit: {len(requests_log):,})"))
            r(("CPU during baseline (s)", _cpu(cpu_download, download["wall"])))
            r(("Audit / requests download", f"{audit_wall / download['wall']:.2f}"))
            r(
                (
                    "BASELINE with urllib3 (the crawler's client)",
                    f"{lean_download['wall']:.1f} s ({lean_download['requests']:,} requests, same threads)",
                )
            )
            ratio = audit_wall / lean_download["wall"]
            r(("RATIO audit / urllib3 download (target <= 2)", f"{ratio:.2f}" + ("" if ratio <= 2 else "  ** over **")))
            r(
                (
                    "Projection at 1 s/request/host: simple",
                    f"{projection['simple'] / 60:,.1f} min = ceil({args.sites}/"
                    f"{slots}) x median {projection['median']:g} pages x 1 s",
                )
            )
            r(
                (
                    "Projection: list scheduling",
                    f"{projection['scheduled'] / 60:,.1f} min (each site pages x 1 s, FIFO "
                    f"to the first free of {slots} slots; bounds: sum/slots {projection['sum_bound'] / 60:,.1f} min, "
                    f"slowest site {projection['slowest']:.0f} s)",
                )
            )
            r(
                (
                    "Projection: slots for 10 min / 30 min",
                    f"{projection['slots_10']} / {projection['slots_30']} (same model)",
                )
            )
        if profile:
            r(
                (
                    f"Profile: {profile['sites']} sites crawled in-process",
                    f"{profile['wall']:.2f} s wall, "
                    f"{profile['pages']} pages, {profile['cpu'] * 1000 / max(profile['pages'], 1):.2f} ms CPU/page"
                    " (cProfile on)",
                )
            )
            for category, seconds in profile["categories"]:
                r((f"  {category}", f"{seconds:.2f} s ({seconds / profile['total']:.0%} of profiled time)"))
            for name, seconds in profile["functions"]:
                r((f"  fn {name}"[:60], f"{seconds:.3f} s own time"))
        self.notes += [
            "Pages = HTTP requests, robots.txt, sitemaps, redirect hops and 404s included (Fetcher counts each).",
            "The baseline re-sends exactly the requests the site server logged during the audit "
            "(same paths, grouped per site, redirects not followed), so it fetches the same bytes.",
            "Both runs share the 2 cores with the site server process (one Python process, GIL-bound).",
            "The projection ignores robots.txt Crawl-delay (the generated sites declare none) and network time; "
            f"AUDIT_TIME_BUDGET {settings.AUDIT_TIME_BUDGET:g} s caps a site.",
        ]
        self.print_table()
        if stats["odd"]:
            print(f"Findings that disagree with the truth (first 12 of {len(stats['odd'])}, wrong first):")
            for line in stats["odd"][:12]:
                print("  " + line[:220])
            print(flush=True)
        from bench import print_summary

        print_summary(
            sites=args.sites,
            wall_s=audit_wall,
            pages_per_s=stats["pages"] / audit_wall,
            ratio=ratio,
            peak_rss_mb_per_worker=max(watcher.peaks[name] for name in pids if name.startswith("worker")) / 1024,
        )

    # ----------------------------------------------------------------- figures

    def audit_figures(self, specs) -> dict:
        from audits.models import AuditCycle, Finding, SiteCheck

        cycle = AuditCycle.objects.get(name="bench")
        checks = list(
            SiteCheck.objects.filter(cycle=cycle).values(
                "organisation__ods_code",
                "state",
                "pages_fetched",
                "bytes_fetched",
                "started_at",
                "finished_at",
                "budget_exhausted",
                "queued_at",
                "worker",
            )
        )
        durations = sorted(
            (c["finished_at"] - c["started_at"]).total_seconds() for c in checks if c["started_at"] and c["finished_at"]
        ) or [0.0]
        pages = sorted(c["pages_fetched"] for c in checks) or [0]
        queued = min((c["queued_at"] for c in checks), default=None)
        starts = sorted(c["started_at"] for c in checks if c["started_at"])
        finishes = sorted(c["finished_at"] for c in checks if c["finished_at"])
        slots = self.slots
        # The k-th check to start after the first `slots` took the slot the k-th finished check freed.
        lags = sorted(
            max((start - finish).total_seconds(), 0.0) for start, finish in zip(starts[slots:], finishes, strict=False)
        ) or [0.0]
        rows = Finding.objects.filter(cycle=cycle).values_list(
            "organisation__ods_code", "duty__code", "status", "rationale"
        )
        findings = {(o, d): s for o, d, s, _ in rows}
        rationales = {(o, d): r for o, d, _, r in rows}
        notes = {spec.ods_code: spec.notes for spec in specs}
        odd: list[str] = []  # wrong and review findings, with the generator's note on what was there
        pairs = agree = review = wrong = error = missing = 0
        confusion: Counter = Counter()
        per_duty: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for spec in specs:
            for duty, truth in spec.truth.items():
                pairs += 1
                got = findings.get((spec.ods_code, duty))
                per_duty[duty][0] += 1
                if got is None:
                    missing += 1
                elif got == truth:
                    agree += 1
                    per_duty[duty][1] += 1
                elif got == "review":
                    review += 1
                    odd.append(f"review  {spec.ods_code} {duty} (truth {truth}): {notes[spec.ods_code].get(duty, '')}")
                    per_duty[duty][2] += 1
                elif got == "error":
                    error += 1
                else:
                    wrong += 1
                    confusion[(truth, got)] += 1
                    odd.insert(
                        0,
                        f"WRONG   {spec.ods_code} {duty} truth {truth}, got {got}: "
                        f"{notes[spec.ods_code].get(duty, '')}\n"
                        f"          the engine: {rationales[spec.ods_code, duty]}",
                    )
        return {
            "states": Counter(c["state"] for c in checks),
            "by_worker": Counter(c["worker"].split("@")[0] for c in checks),
            "budget_exhausted": sum(c["budget_exhausted"] for c in checks),
            "pages": sum(c["pages_fetched"] for c in checks),
            "bytes": sum(c["bytes_fetched"] for c in checks),
            "per_site_pages": [c["pages_fetched"] for c in checks],
            "per_site_pages_by_ods": {c["organisation__ods_code"]: c["pages_fetched"] for c in checks},
            "pages_spread": (pages[0], statistics.median(pages), pages[-1]),
            "durations": (statistics.median(durations), durations[int(0.95 * (len(durations) - 1))], durations[-1]),
            "busy": sum(durations),
            "first_start": (starts[0] - queued).total_seconds() if starts and queued else 0.0,
            "handoff": (statistics.median(lags), lags[-1]),
            "pairs": pairs,
            "agree": agree,
            "review": review,
            "wrong": wrong,
            "error": error,
            "missing": missing,
            "confusion": confusion,
            "odd": odd,
            "by_duty": {d: (a / n, v / n) for d, (n, a, v) in sorted(per_duty.items())},
        }

    def profile(self, n: int) -> dict:
        """Crawl n sites again in this process under cProfile, the CPU work on the profiled thread
        (crawl's inline work; requests go out on the fetcher's I/O threads): what a page costs, by stage."""
        import asyncio
        import cProfile
        import pstats

        from django.conf import settings

        from audits.crawler.crawling import crawl
        from audits.crawler.fetching import Fetcher
        from audits.crawler.rules import DutyRules
        from audits.models import AuditCycle

        cycle = AuditCycle.objects.get(name="bench")
        rules = [DutyRules.of(duty) for duty in cycle.duties.all()]
        websites = list(cycle.site_checks.order_by("id").values_list("website", flat=True)[:n])
        profiler = cProfile.Profile()
        pages = 0
        cpu, t = sum(os.times()[:2]), time.perf_counter()
        for website in websites:
            fetcher = Fetcher(
                user_agent=settings.AUDIT_USER_AGENT,
                delay=settings.AUDIT_CRAWL_DELAY,
                allow_private=True,
                max_bytes=settings.AUDIT_MAX_RESPONSE_BYTES,
                connect_timeout=settings.AUDIT_CONNECT_TIMEOUT,
                read_timeout=settings.AUDIT_READ_TIMEOUT,
            )
            profiler.enable()
            asyncio.run(crawl(website, rules, cycle.audit_date, fetcher, settings.AUDIT_PAGE_BUDGET))
            profiler.disable()
            pages += fetcher.pages_fetched
            fetcher.close()
        wall, cpu = time.perf_counter() - t, sum(os.times()[:2]) - cpu
        stats = pstats.Stats(profiler)
        categories: Counter = Counter()
        functions: Counter = Counter()
        for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            categories[_category(filename, name)] += tottime
            functions[f"{_short(filename)}:{line}({name})"] += tottime
        return {
            "sites": len(websites),
            "wall": wall,
            "cpu": cpu,
            "pages": pages,
            "total": sum(categories.values()) or 1.0,
            "categories": [
                *categories.most_common(12),
                ("everything else", sum(v for _, v in categories.most_common()[12:])),
            ],
            "functions": functions.most_common(12),
        }

    def worker_log_problems(self) -> dict:
        """Counts of database locks and of errors in the workers' logs, and the first error's lines."""
        locked = errors = 0
        first = ""
        for log in sorted(self.tmp.glob("worker-*.log")):
            text = log.read_text(errors="replace")
            locked += text.count("database is locked")
            found = list(re.finditer(r"Traceback|\bERROR\b", text))
            errors += len(found)
            if found and not first:
                first = f"{log.name}: " + "\n  ".join(text[found[0].start() :].splitlines()[:16])
        return {"locked": locked, "errors": errors, "first": first}

    def print_table(self) -> None:
        width = max(len(k) for k, _ in self.rows)
        print()
        print(f"{'bench.audit summary':<{width}}  ")
        print("-" * (width + 2 + 60))
        for key, value in self.rows:
            print(f"{key:<{width}}  {value}")
        print("-" * (width + 2 + 60))
        for note in self.notes:
            print(f"note: {note}")
        print(flush=True)

    # ----------------------------------------------------------------- cleanup

    def cleanup(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in self.children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        try:
            self.drop_database()
        except Exception as error:  # noqa: BLE001 - report, keep cleaning up
            print(f"bench.audit: could not drop the throwaway database: {error}", file=sys.stderr)
        if self.redis is not None and not self.args.keep:
            self.redis.flushdb()
        if self.args.keep:
            print(f"bench.audit: kept {self.tmp}" + (f" and database {self.pg['name']}" if self.pg else ""))
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


CATEGORIES = (  # (substring of the file path or function name, category), first match wins
    ("pypdfium2", "PDF text (pypdfium2)"),
    ("/docx/", "DOCX (python-docx)"),
    ("lxml", "DOCX (python-docx)"),
    ("zipfile", "DOCX (python-docx)"),
    ("selectolax", "HTML parsing (selectolax)"),
    ("charset_normalizer", "charset detection"),
    ("audits/crawler/extraction/", "extraction (audits/crawler/extraction/)"),
    ("audits/crawler/matching.py", "matching (audits/crawler/matching.py)"),
    ("audits/crawler/crawling.py", "crawl loop (audits/crawler/crawling.py)"),
    ("audits/crawler/fetching.py", "fetcher (audits/crawler/fetching.py)"),
    ("protego", "robots.txt (protego)"),
    ("/re/", "regular expressions"),
    ("<method 'search' of 're.Pattern'", "regular expressions"),
    ("<method 'finditer' of 're.Pattern'", "regular expressions"),
    ("<method 'findall' of 're.Pattern'", "regular expressions"),
    ("<method 'sub' of 're.Pattern'", "regular expressions"),
    ("<method 'match' of 're.Pattern'", "regular expressions"),
    ("sqlite3", "database (sqlite3 driver)"),
    ("psycopg", "database (psycopg driver)"),
    ("django/db", "database (Django ORM)"),
    ("django/core/files", "evidence files (storage)"),
    ("requests", "HTTP client (requests/urllib3)"),
    ("urllib3", "HTTP client (requests/urllib3)"),
    ("http/client", "HTTP client (requests/urllib3)"),
    ("socket", "socket I/O"),
    ("<method 'recv", "socket I/O"),
    ("<method 'send", "socket I/O"),
    ("<method 'connect", "socket I/O"),
    ("unicodedata", "text normalisation (unicodedata)"),
    ("<method 'lower'", "string methods"),
    ("<method 'join'", "string methods"),
    ("<method 'decode'", "string methods"),
)


def _category(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    for needle, category in CATEGORIES:
        if needle in where:
            return category
    return "other (" + (_short(filename) if filename != "~" else name.split(" of ")[0].strip("<>")) + ")"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _cpu(cpu: dict[str, float], wall: float) -> str:
    total = sum(cpu.values())
    parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    return f"{parts}; total {total:.1f} = {total / wall:.2f} of 2 cores"


# --------------------------------------------------------------------------- baseline and projection


def baseline_download(
    log: list[tuple[str, str, float]], urls: dict[str, str], threads: int, client: str = "requests"
) -> dict:
    """GET every logged request again: `threads` threads, one requests.Session (or urllib3 PoolManager)
    each, whole sites at a time."""
    import requests
    import urllib3

    per_site: dict[str, list[str]] = defaultdict(list)
    for site, path, _ in sorted(log, key=lambda row: row[2]):
        per_site[site].append(urls[site].rstrip("/") + path)
    work: queue.SimpleQueue = queue.SimpleQueue()
    for site in per_site:  # sites in the order the audit first touched them
        work.put(per_site[site])
    totals = {"requests": 0, "bytes": 0, "statuses": Counter(), "errors": 0}
    lock = threading.Lock()

    def download() -> None:
        if client == "urllib3":
            manager = urllib3.PoolManager(maxsize=1, retries=False, timeout=30)

            def get(url: str) -> tuple[int, int]:
                answer = manager.request("GET", url, redirect=False)
                return answer.status, len(answer.data)
        else:
            session = requests.Session()
            session.trust_env = False

            def get(url: str) -> tuple[int, int]:
                answer = session.get(url, allow_redirects=False, timeout=30)
                return answer.status_code, len(answer.content)

        requests_, size, statuses, errors = 0, 0, Counter(), 0
        while True:
            try:
                site_urls = work.get_nowait()
            except queue.Empty:
                break
            for url in site_urls:
                try:
                    status, length = get(url)
                    size += length
                    statuses[status] += 1
                except (requests.RequestException, urllib3.exceptions.HTTPError):
                    errors += 1
                requests_ += 1
        with lock:
            totals["requests"] += requests_
            totals["bytes"] += size
            totals["statuses"].update(statuses)
            totals["errors"] += errors

    pool = [threading.Thread(target=download, name=f"download-{i}") for i in range(threads)]
    t = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    totals["wall"] = time.perf_counter() - t
    if totals["errors"]:
        totals["statuses"]["error"] = totals["errors"]
    return totals


def declare_crawl_delays(sites_dir: Path, seed: int) -> dict[str, int]:
    """Give a third of the sites a robots.txt Crawl-delay of 1 to 10 s; {ODS code: delay}."""
    import random

    rng = random.Random(seed)
    delays = {}
    for site in sorted(d for d in sites_dir.iterdir() if d.is_dir()):
        if rng.random() >= 1 / 3:
            continue
        delays[site.name.upper()] = delay = rng.randint(1, 10)
        robots = site / "robots.txt"
        text = robots.read_text() if robots.exists() else ""
        if "User-agent: *\n" in text:
            text = text.replace("User-agent: *\n", f"User-agent: *\nCrawl-delay: {delay}\n", 1)
        else:
            text += f"\nUser-agent: *\nCrawl-delay: {delay}\n"
        robots.write_text(text)
    return delays


def polite_lower_bound(pages_by_ods: dict[str, int], crawl_delays: dict[str, int], time_budget: float) -> dict:
    """The slowest site's own polite crawl: its pages, one pause apart, capped by the time budget."""
    sites = []
    for ods, pages in pages_by_ods.items():
        pause = max(DEFAULT_DELAY, crawl_delays.get(ods, 0))
        own = max(pages - 1, 0) * pause
        sites.append((min(own, time_budget), own > time_budget, ods, pages, pause))
    seconds, capped, ods, pages, pause = max(sites)
    return {"seconds": max(seconds, 1.0), "capped": capped, "ods": ods, "pages": pages, "pause": pause}


def short_pauses(requests_log: list[tuple[str, str, float]], crawl_delays: dict[str, int]) -> dict:
    """Pauses between two requests to one site (as the server saw them arrive) shorter than the site's own
    delay, the default or its Crawl-delay, by more than 10 ms; the shortest of them, with their paths and when
    the first came after the audit's first request. The server notes a request once a thread of its own has
    read it: on a new connection, after the accept and the thread's start, which the burst of every site's
    first requests can delay by some milliseconds."""
    arrivals: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)
    for site, path, at in requests_log:
        arrivals[site].append((at, path))
    start = min((at for _, _, at in requests_log), default=0.0)
    pauses = 0
    short = []  # (pause / delay, pause, site, path before, path after, seconds into the audit)
    for site, requests in arrivals.items():
        delay = max(DEFAULT_DELAY, crawl_delays.get(site.upper(), 0))
        requests.sort()
        for (before, first), (after, second) in itertools.pairwise(requests):
            pauses += 1
            if after - before < delay - 0.01:
                short.append(((after - before) / delay, after - before, site, first, second, before - start))
    return {"pauses": pauses, "short": sorted(short)}


def project(per_site_pages: list[int], slots: int, delay: float, time_budget: float) -> dict:
    """Wall time of the same crawl with `delay` seconds between the requests to one host."""
    times = [min(p * delay, time_budget) for p in per_site_pages] or [0.0]
    median = statistics.median(per_site_pages or [0])

    def scheduled(n_slots: int) -> float:
        free = [0.0] * n_slots
        for t in times:  # FIFO, in queue order, to the first slot that frees up
            heapq.heapreplace(free, free[0] + t)
        return max(free)

    def slots_for(target: float) -> int | str:
        if max(times) > target:
            return "impossible (slowest site)"
        n = 1
        while scheduled(n) > target:
            n *= 2
        low, high = n // 2 + 1, n
        while low < high:
            mid = (low + high) // 2
            low, high = (low, mid) if scheduled(mid) <= target else (mid + 1, high)
        return high

    return {
        "median": median,
        "simple": math.ceil(len(per_site_pages) / slots) * median * delay,
        "scheduled": scheduled(slots),
        "sum_bound": sum(times) / slots,
        "slowest": max(times),
        "slots_10": slots_for(600),
        "slots_30": slots_for(1800),
    }


# --------------------------------------------------------------------------- entry point


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=400)
    parser.add_argument("--pages", type=int, default=30, help="filler pages per site (demo.websites.generate)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="sites in flight per worker (default: CELERY_WORKER_CONCURRENCY)"
    )
    parser.add_argument(
        "--pool", choices=["threads", "prefork"], default="", help="the workers' pool (default: CELERY_WORKER_POOL)"
    )
    parser.add_argument(
        "--polite",
        action="store_true",
        help="AUDIT_CRAWL_DELAY=1 and a third of the sites declare a Crawl-delay of 1-10 s: "
        "the wall time against the slowest site's own polite crawl",
    )
    parser.add_argument(
        "--download-threads", type=int, default=16, help="threads of the no-delay mode's plain download baseline"
    )
    parser.add_argument("--era", default="2007", choices=["2007", "2024"])
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL URL: a throwaway database bench_<pid> is made on that server "
        "(default: $DATABASE_URL if PostgreSQL, else a temporary SQLite file)",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="an empty Redis database (e.g. redis://127.0.0.1:6379/9) for the broker and the per-host turns, "
        "emptied again at the end (default: the embedded broker, turns kept in each worker)",
    )
    parser.add_argument("--first-address", default="127.0.60.1", help="loopback address of the first site")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (and database)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="afterwards, rerun N site checks in-process under cProfile"
    )
    parser.add_argument("--serve", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--request-log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sites < 1 or args.workers < 1 or args.concurrency < 0 or args.download_threads < 1 or args.pages < 0:
        parser.error(
            "--sites, --workers and --download-threads must be at least 1, --pages and --concurrency 0 or more"
        )
    if not args.first_address.startswith("127."):
        parser.error("--first-address must be a loopback address (127.x.y.z)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.serve:
        serve(args.serve, args.first_address, 0, args.request_log)
        return 0

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    bench = Bench(args)
    try:
        bench.run()
    except KeyboardInterrupt:
        print("bench.audit: interrupted", file=sys.stderr)
        return 130
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
