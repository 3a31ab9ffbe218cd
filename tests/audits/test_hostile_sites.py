"""Hostile trust websites end their own site check, within budget, and harm no other finding.

Every hostile site is served on loopback next to a well-behaved trust, and all of them are checked
in ONE audit cycle, each check run in-process with `run_site_check` (Celery publishing is patched
out). The audit runs once, in a module-scoped fixture, and each case below asserts on what it
recorded (pytest-django flushes the database after the first of them), so one misbehaving case
fails its own test and not the others.

The whole run uses production's guard (AUDIT_ALLOW_PRIVATE_HOSTS false) with the fixture addresses
counted as public, as tests/audits/test_fetching.py does, so that a redirect to 127.0.0.1 or to
10.255.255.1 is refused as it would be in production.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import ipaddress
import logging
import random
import resource
import signal
import socket
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from pypdf import PdfWriter

from audits import services
from audits.crawler import fetching
from audits.models import AuditCycle, Finding, SiteCheck
from demo.serve import Page, Route, SiteServer
from tests.audits.test_run_audit import DISABILITY, SCHEME
from tests.factories import OrganisationFactory

# The marker makes pytest-django create the test database (it sets up only the databases that
# marked tests ask for); the audit fixture below uses it at module scope.
pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
DUTIES = ["race-equality-scheme", "disability-equality-scheme"]
AUDIT_DATE = datetime.date(2007, 4, 1)
PAGE_BUDGET = 30
TIME_BUDGET = 5.0
MAX_BYTES = 2_000_000
# A safety bound, not a speed benchmark: a check must end well within it.
TIME_BOUND = 3 * TIME_BUDGET
# Past this a check is interrupted and recorded as hung, so a hang fails the tests instead of the run.
HANG_LIMIT = TIME_BOUND + 1
MEMORY_BOUND_KB = 200 * 1024  # ru_maxrss is in kilobytes on Linux
PUBLIC_FOR_TESTS = [ipaddress.ip_network("127.0.45.0/24"), ipaddress.ip_network("127.0.250.77/32")]
REFUSED_SITE = "http://127.0.250.77:9/"  # nothing listens there


# --- the websites ---------------------------------------------------------------------------


def home(*links: tuple[str, str]) -> Page:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return Page(f"<html><head><title>Home</title></head><body><h1>Welcome</h1><ul>{items}</ul></body></html>".encode())


class DynamicSite(Mapping[str, Route]):
    """Fixed routes, plus a callable for every path under a prefix (endless generated pages)."""

    def __init__(self, routes: dict[str, Route], prefix: str, route: Callable[[str], Page]):
        self.routes, self.prefix, self.route = routes, prefix, route

    def __getitem__(self, path: str) -> Route:
        if path in self.routes:
            return self.routes[path]
        if path.startswith(self.prefix):
            return self.route
        raise KeyError(path)

    def __iter__(self) -> Iterator[str]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)


def endless_page(path: str) -> Page:
    """Page n links to five pages never seen before, 5n+1 to 5n+5, with words the crawler prefers."""
    n = int(path.rsplit("/", 1)[1])
    links = [
        (f"/p/{5 * n + k}", f"Equality and diversity: race and disability documents {5 * n + k}") for k in range(1, 6)
    ]
    return home(*links)


def hop(path: str) -> Page:
    n = int(path.rsplit("/", 1)[1])
    return Page(SCHEME.encode()) if n >= 10 else Page(status=302, headers={"Location": f"/hop/{n + 1}"})


def one_gigabyte() -> Iterator[bytes]:
    yield b"%PDF-1.4\n"
    chunk = b"\0" * MB
    for _ in range(1024):
        yield chunk


def drip() -> Iterator[bytes]:
    for byte in SCHEME.encode()[:200]:  # 100 s at one byte every 0.5 s
        yield bytes([byte])


def gzip_of_zeros(size: int) -> bytes:
    """gzip of `size` zero bytes, compressed a megabyte at a time (about 1 KB per MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * MB
    parts = [compressor.compress(zeros) for _ in range(size // MB)]
    return b"".join([*parts, compressor.flush()])


def docx_zip_bomb(size: int) -> bytes:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w") as member:
            zeros = b"\0" * MB
            for _ in range(size // MB):
                member.write(zeros)
    return body.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner")
    body = io.BytesIO()
    writer.write(body)
    return body.getvalue()


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def build_sites(internal_url: Callable[[], str]) -> dict[str, Mapping[str, Route]]:
    scheme_link = ("/docs/res.html", "Race equality scheme")
    return {
        # The well-behaved trust: a complete, current race and disability equality scheme.
        "good": {
            "/": home(("/about/", "About us"), ("/news/", "News")),
            "/about/": home(("/about/equality/", "Equality and diversity")),
            "/about/equality/": home(
                ("/docs/res.html", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme")
            ),
            "/docs/res.html": Page(SCHEME.encode()),
            "/docs/des.html": Page(DISABILITY.encode()),
            "/news/": home(("/news/1.html", "Staff run the Race for Life")),
        },
        # 1. Every page links to five new ones, for ever.
        "endless": DynamicSite({"/": endless_page("/p/0")}, "/p/", endless_page),
        # 2. A redirect loop, and a chain of ten redirects (the fetcher follows five).
        "redirect-loop": {
            "/": home(("/a", "Race equality scheme")),
            "/a": Page(status=302, headers={"Location": "/b"}),
            "/b": Page(status=302, headers={"Location": "/a"}),
        },
        "redirect-chain": DynamicSite({"/": home(("/hop/0", "Race equality scheme"))}, "/hop/", hop),
        # 3. A 1 GB document, streamed without Content-Length.
        "huge": {
            "/": home(("/docs/res.pdf", "Race equality scheme")),
            "/docs/res.pdf": lambda path: Page(one_gigabyte(), content_type=PDF),
        },
        # 4. One byte every half second.
        "drip": {
            "/": home(scheme_link),
            "/docs/res.html": lambda path: Page(drip(), chunk_delay=0.5),
        },
        # 5. A malformed and an encrypted PDF.
        "malformed-pdf": {
            "/": home(("/docs/res.pdf", "Race equality scheme 2005-2008")),
            "/docs/res.pdf": Page(b"%PDF-1.4\n" + random.Random(2007).randbytes(50_000), content_type=PDF),
        },
        "encrypted-pdf": {
            "/": home(("/docs/res.pdf", "Race equality scheme 2005-2008")),
            "/docs/res.pdf": Page(encrypted_pdf(), content_type=PDF),
        },
        # 6. A gzip bomb (500 MB of zeros in about 500 KB), and a zip-bomb .docx next to a good document.
        "gzip-bomb": {
            "/": home(scheme_link),
            "/docs/res.html": Page(gzip_of_zeros(500 * MB), headers={"Content-Encoding": "gzip"}),
        },
        "docx-bomb": {
            "/": home(
                ("/docs/res.docx", "Race equality scheme 2005-2008"), ("/docs/des.html", "Disability equality scheme")
            ),
            "/docs/res.docx": Page(docx_zip_bomb(300 * MB), content_type=DOCX),
            "/docs/des.html": Page(DISABILITY.encode()),
        },
        # 7. A home page that fails.
        "http-500": {"/": Page(b"<html><body>Internal Server Error</body></html>", status=500)},
        # 8. Redirects from the trust's site to internal addresses.
        "private-redirect": {
            "/": home(scheme_link, ("/docs/archive.html", "Race equality scheme archive")),
            "/docs/res.html": lambda path: Page(status=302, headers={"Location": internal_url() + "docs/res.html"}),
            "/docs/archive.html": Page(status=302, headers={"Location": "http://10.255.255.1/res.html"}),
        },
    }


class DrippingServer:
    """A raw HTTP server for what SiteServer cannot do: drip the response headers, or a chunk-size
    line, one byte every half second. /robots.txt is absent and / links to the dripping scheme."""

    def __init__(self, address: str, drip: bytes, prefix: bytes):
        self.drip, self.prefix = drip, prefix
        self.listener = socket.create_server((address, 0))
        self.stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> DrippingServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                path = connection.recv(65536).split(b" ", 2)[1]
                if path == b"/docs/res.html":
                    connection.sendall(self.prefix)
                    for _ in range(400):  # 200 s, unless the client hangs up
                        if self.stopped.wait(0.5):
                            return
                        connection.sendall(self.drip)
                    return
                page = home(("/docs/res.html", "Race equality scheme")) if path == b"/" else Page(b"", status=404)
                body = page.body if isinstance(page.body, bytes) else b""
                connection.sendall(
                    b"HTTP/1.1 %d X\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                    % (page.status, len(body), body)
                )
            except (OSError, IndexError):
                pass


DRIPS = {
    # Each byte arrives well within the read timeout, so only the time budget can end these.
    "header-drip": (b"a", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Drip: "),
    "chunk-size-drip": (b"0", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"),
}


# Checked in this order: the 1 GB body first, so its ru_maxrss growth is not hidden by an earlier peak.
HOSTILE = [
    "huge", "endless", "redirect-loop", "redirect-chain", "drip", "malformed-pdf", "encrypted-pdf",
    "gzip-bomb", "docx-bomb", "http-500", "refused", "private-redirect", "header-drip", "chunk-size-drip",
]  # fmt: skip


# --- the audit ------------------------------------------------------------------------------


@dataclass
class Outcome:
    state: str = ""
    errors: list[str] = field(default_factory=list)
    pages_fetched: int = 0
    bytes_fetched: int = 0
    budget_exhausted: bool = False
    elapsed: float = 0.0
    rss_growth_kb: int = 0
    crash: str = ""  # run_site_check raised, or was interrupted as hung
    logged: list[str] = field(default_factory=list)  # errors audits.services logged
    findings: dict[str, dict] = field(default_factory=dict)


@dataclass
class Audit:
    outcomes: dict[str, Outcome]
    good_before: dict[str, dict]  # the good trust's findings right after its own check
    good_after: dict[str, dict]  # ...and after every hostile check ran
    good_evidence_intact: bool
    cycle_status: str
    requests: list[tuple[str, str, float]]
    internal_requests: list[tuple[str, str, float]]


class _Hung(BaseException):
    """Raised by the alarm in a check that outlives HANG_LIMIT (not an Exception: nothing catches it)."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))


def _findings(check: SiteCheck) -> dict[str, dict]:
    return {
        f.duty.code: {
            "id": f.pk,
            "status": f.status,
            "rationale": f.rationale,
            "version": f.version,
            "evidence_id": f.evidence_id,
            "evidence_url": f.evidence.final_url if f.evidence else "",
            "evidence_error": f.evidence.error if f.evidence else "",
            "evidence_sha256": f.evidence.sha256 if f.evidence else "",
        }
        for f in Finding.objects.filter(site_check=check).select_related("duty", "evidence")
    }


def _run(check_id: int, log: _Collect) -> Outcome:
    outcome = Outcome()
    log.messages = []

    def hung(signum, frame):
        raise _Hung(f"still running after {HANG_LIMIT:g} s")

    previous = signal.signal(signal.SIGALRM, hung)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, HANG_LIMIT)
    try:
        services.run_site_check(check_id)
    except BaseException as error:  # noqa: B036 - record a crash or a hang, then carry on with the others
        outcome.crash = repr(error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    outcome.elapsed = time.monotonic() - started
    outcome.rss_growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    outcome.logged = list(log.messages)
    check = SiteCheck.objects.get(pk=check_id)
    outcome.state = check.state
    outcome.errors = list(check.errors)
    outcome.pages_fetched, outcome.bytes_fetched = check.pages_fetched, check.bytes_fetched
    outcome.budget_exhausted = check.budget_exhausted
    outcome.findings = _findings(check)
    return outcome


@pytest.fixture(scope="module")
def audit(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Audit]:
    internal_sites = {"internal": {"/docs/res.html": Page(SCHEME.encode()), "/robots.txt": Page(b"", "text/plain")}}
    real_problem = fetching.address_problem
    log = _Collect()
    services.log.addHandler(log)
    with (
        SiteServer(internal_sites, first_address="127.0.0.1") as internal,
        SiteServer(build_sites(lambda: internal.url("internal")), first_address="127.0.45.1") as server,
        DrippingServer("127.0.45.200", *DRIPS["header-drip"]) as header_drip,
        DrippingServer("127.0.45.201", *DRIPS["chunk-size-drip"]) as chunk_size_drip,
        pytest.MonkeyPatch.context() as patch,
        override_settings(
            AUDIT_ALLOW_PRIVATE_HOSTS=False,
            AUDIT_CRAWL_DELAY=0,
            AUDIT_PAGE_BUDGET=PAGE_BUDGET,
            AUDIT_TIME_BUDGET=TIME_BUDGET,
            AUDIT_CONNECT_TIMEOUT=2,
            AUDIT_READ_TIMEOUT=2,
            AUDIT_MAX_RESPONSE_BYTES=MAX_BYTES,
            CELERY_TASK_ALWAYS_EAGER=False,
            MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        ),
        django_db_blocker.unblock(),
    ):
        patch.setattr(
            fetching,
            "address_problem",
            lambda ip: None if any(ip in net for net in PUBLIC_FOR_TESTS) else real_problem(ip),
        )
        patch.setattr(services, "_enqueue", lambda *args, **kwargs: None)
        database = Path(str(connection.settings_dict["NAME"])).name
        assert database.startswith("test"), f"refusing to run the audit on the non-test database {database}"
        try:
            call_command("load_duties", verbosity=0)
            websites = {name: server.url(name) for name in server.sites} | {
                "refused": REFUSED_SITE,
                "header-drip": header_drip.url,
                "chunk-size-drip": chunk_size_drip.url,
            }
            organisations = {
                name: OrganisationFactory(ods_code=f"H{i:02d}", name=f"{name} NHS Trust", website=url)
                for i, (name, url) in enumerate(websites.items())
            }
            cycle = services.start_cycle("hostile sites", AUDIT_DATE, DUTIES)
            checks = {
                name: SiteCheck.objects.get(cycle=cycle, organisation=organisation).pk
                for name, organisation in organisations.items()
            }
            outcomes = {"good": _run(checks["good"], log)}
            good_before = outcomes["good"].findings
            for name in HOSTILE:
                outcomes[name] = _run(checks[name], log)
            good = SiteCheck.objects.get(pk=checks["good"])
            good_after = _findings(good)
            intact = all(hashlib.sha256(e.file.open("rb").read()).hexdigest() == e.sha256 for e in good.evidence.all())
            yield Audit(
                outcomes=outcomes,
                good_before=good_before,
                good_after=good_after,
                good_evidence_intact=intact,
                cycle_status=AuditCycle.objects.get(pk=cycle.pk).status,
                requests=list(server.request_log),
                internal_requests=list(internal.request_log),
            )
        finally:
            services.log.removeHandler(log)


# --- the checks -----------------------------------------------------------------------------


def ended_cleanly(outcome: Outcome, *, state: str = SiteCheck.State.DONE, hostile: bool = True) -> None:
    """The check ended by itself, in time, with a finding per duty in readable words and no crash."""
    assert not outcome.crash, f"run_site_check raised: {outcome.crash}"
    assert not outcome.logged, f"the check failed with an internal error: {outcome.logged}"
    assert outcome.state == state, (outcome.state, outcome.errors)
    assert outcome.elapsed < TIME_BOUND, f"took {outcome.elapsed:.1f} s"
    assert set(outcome.findings) == set(DUTIES)
    for code, finding in outcome.findings.items():
        assert finding["status"] in ("met", "not_met", "review", "error"), (code, finding)
        rationale = finding["rationale"]
        assert len(rationale) > 40 and rationale.rstrip().endswith("."), (code, rationale)
        assert "internal error" not in rationale and "Traceback" not in rationale, (code, rationale)
    if hostile:
        assert outcome.errors or any(f["status"] in ("review", "not_met", "error") for f in outcome.findings.values())


def scheme(outcome: Outcome) -> dict:
    return outcome.findings["race-equality-scheme"]


def test_the_well_behaved_trust_is_met_and_intact_after_every_hostile_site(audit):
    good = audit.outcomes["good"]
    ended_cleanly(good, hostile=False)
    assert {code: f["status"] for code, f in audit.good_before.items()} == dict.fromkeys(DUTIES, "met")
    assert audit.good_after == audit.good_before  # same rows, versions, rationales and evidence
    assert audit.good_before["race-equality-scheme"]["evidence_url"].endswith("/docs/res.html")
    assert audit.good_evidence_intact


def test_every_check_ended_so_the_cycle_moves_on_to_review(audit):
    assert {name: o.state for name, o in audit.outcomes.items() if o.state not in SiteCheck.ENDED} == {}
    assert audit.cycle_status == AuditCycle.Status.IN_REVIEW


def test_endless_generated_pages_stop_at_the_page_budget_and_ask_for_review(audit):
    outcome = audit.outcomes["endless"]
    ended_cleanly(outcome)
    generated = [path for site, path, _ in audit.requests if site == "endless" and path.startswith("/p/")]
    assert PAGE_BUDGET - 5 <= len(generated) < PAGE_BUDGET
    assert outcome.budget_exhausted
    for code in DUTIES:
        finding = outcome.findings[code]
        assert finding["status"] == "review", finding  # not covered: never not_met
        assert "budget ran out" in finding["rationale"]


def test_redirect_loop_is_detected_and_reported(audit):
    outcome = audit.outcomes["redirect-loop"]
    ended_cleanly(outcome)
    assert scheme(outcome)["status"] == "review"
    assert "redirects went round in a loop" in scheme(outcome)["rationale"]
    requests = [path for site, path, _ in audit.requests if site == "redirect-loop"]
    assert requests.count("/a") + requests.count("/b") <= 4


def test_a_chain_of_ten_redirects_is_cut_short(audit):
    outcome = audit.outcomes["redirect-chain"]
    ended_cleanly(outcome)
    assert scheme(outcome)["status"] == "review"
    assert "too many redirects" in scheme(outcome)["rationale"]
    hops = [path for site, path, _ in audit.requests if site == "redirect-chain" and path.startswith("/hop/")]
    assert "/hop/10" not in hops and len(hops) <= 6


def test_a_one_gigabyte_body_is_capped_with_bounded_memory(audit):
    outcome = audit.outcomes["huge"]
    ended_cleanly(outcome)
    assert scheme(outcome)["status"] == "review"
    assert "exceeded the" in scheme(outcome)["rationale"] and "limit" in scheme(outcome)["rationale"]
    assert outcome.bytes_fetched < MAX_BYTES + 2 * MB
    assert outcome.rss_growth_kb < MEMORY_BOUND_KB, f"peak memory grew by {outcome.rss_growth_kb // 1024} MB"


def test_a_slow_drip_is_ended_by_the_time_budget(audit):
    outcome = audit.outcomes["drip"]
    ended_cleanly(outcome)
    assert TIME_BUDGET - 1 <= outcome.elapsed < TIME_BOUND
    assert scheme(outcome)["status"] == "review"
    assert "time budget ran out" in scheme(outcome)["rationale"]
    assert outcome.budget_exhausted


@pytest.mark.parametrize("site", ["header-drip", "chunk-size-drip"])
def test_a_slow_drip_of_headers_or_chunk_sizes_is_ended_by_the_time_budget(audit, site):
    """Each byte comes within the read timeout: only the site's deadline can end the request."""
    outcome = audit.outcomes[site]
    ended_cleanly(outcome)
    assert outcome.elapsed < TIME_BUDGET + 3, f"took {outcome.elapsed:.1f} s for a {TIME_BUDGET:g} s budget"
    assert scheme(outcome)["status"] == "review"
    assert "time budget ran out" in scheme(outcome)["rationale"]


@pytest.mark.parametrize(
    ("site", "reason"), [("malformed-pdf", "the PDF is malformed"), ("encrypted-pdf", "the PDF is password-protected")]
)
def test_unreadable_pdf_is_a_review_saying_it_could_not_be_read(audit, site, reason):
    outcome = audit.outcomes[site]
    ended_cleanly(outcome)
    finding = scheme(outcome)
    assert finding["status"] == "review", finding
    assert "could not be read" in finding["rationale"] and reason in finding["rationale"]
    assert finding["evidence_error"] == reason
    assert any(reason in error for error in outcome.errors)


def test_gzip_bomb_is_capped_at_the_response_limit(audit):
    outcome = audit.outcomes["gzip-bomb"]
    ended_cleanly(outcome)
    assert scheme(outcome)["status"] == "review"
    assert "exceeded the" in scheme(outcome)["rationale"]
    assert outcome.bytes_fetched < MAX_BYTES + 2 * MB
    assert outcome.rss_growth_kb < MEMORY_BOUND_KB, f"peak memory grew by {outcome.rss_growth_kb // 1024} MB"


def test_docx_zip_bomb_costs_that_document_only(audit):
    outcome = audit.outcomes["docx-bomb"]
    ended_cleanly(outcome)
    finding = scheme(outcome)
    assert finding["status"] == "review", finding
    assert "zip bomb" in finding["rationale"]
    assert [e for e in outcome.errors if "zip bomb" in e] == [e for e in outcome.errors if e]
    assert len(outcome.errors) == 1 and outcome.errors[0].split(": ", 1)[0].endswith("/docs/res.docx")
    # The other document on the same site is read as usual.
    assert outcome.findings["disability-equality-scheme"]["status"] == "met"
    assert outcome.rss_growth_kb < MEMORY_BOUND_KB


def test_home_page_http_500_is_an_error_for_every_duty(audit):
    outcome = audit.outcomes["http-500"]
    ended_cleanly(outcome, state=SiteCheck.State.FAILED)
    for finding in outcome.findings.values():
        assert finding["status"] == "error"
        assert "HTTP 500" in finding["rationale"]
    assert any("HTTP 500" in error for error in outcome.errors)


def test_refused_connection_is_an_error_for_every_duty(audit):
    outcome = audit.outcomes["refused"]
    ended_cleanly(outcome, state=SiteCheck.State.FAILED)
    for finding in outcome.findings.values():
        assert finding["status"] == "error"
        assert "connection refused" in finding["rationale"]


def test_redirect_to_an_internal_address_is_refused_and_explained(audit):
    outcome = audit.outcomes["private-redirect"]
    ended_cleanly(outcome)
    assert audit.internal_requests == []  # nothing reached the internal service
    finding = scheme(outcome)
    assert finding["status"] == "review", finding
    assert "127.0.0.1 is a loopback address and was refused" in finding["rationale"]
    assert any("10.255.255.1 is private and was refused" in error for error in outcome.errors)
