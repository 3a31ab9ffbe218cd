"""Scan the portal with wapiti, as a trust user and as regulator staff; fail on a high-severity finding.

Run from the project root, with the project's venv installed (`make install`):

    make scan                                   # or: .venv/bin/python scripts/security_scan.py
    .venv/bin/python scripts/security_scan.py --crawl-seconds 20 --attack-seconds 5   # a quick look

What it does, in about five minutes, touching nothing outside var/ and a temp dir:
1. Finds wapiti 3.1 or later: Debian's package if that is recent enough, else wapiti3 from PyPI in
   its own venv, var/wapiti-venv (its pinned dependencies clash with the project's). Bookworm's
   wapiti 3.0.4 cannot be used: under Python 3.11 it crashes on any --exclude.
2. Builds a throwaway portal in a temp dir (SQLite database, media, static files): a few demo
   trusts whose websites demo/serve.py serves on loopback, one real audit of them, reviewed and
   published, with an issued letter; and a draft cycle.
3. Serves it with gunicorn and whitenoise on a free loopback port with the production settings
   (DEBUG off, a random SECRET_KEY), over HTTPS with a self-signed certificate made by openssl, so
   that secure cookies, HSTS and the HTTPS redirect are what a real deployment sends. Without
   openssl it falls back to plain HTTP with those three turned off.
4. Runs wapiti twice, each time with its own signed-in session cookie: a trust user first, then a
   regulator superuser (whose scan may change what a trust user would see). Where django-otp is
   installed, both sessions are OTP-verified with a confirmed TOTP device.
5. Prints every finding, keeps the JSON reports and logs in var/security-scan/, and exits 1 if any
   finding is high or critical (wapiti level 3 or 4), 2 if the scan could not be run, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "security-scan"
WAPITI_VENV = ROOT / "var" / "wapiti-venv"
sys.path.insert(0, str(ROOT))  # run as a file, the project's packages are not on the path

MIN_WAPITI = (3, 1)
PYPI_WAPITI = "wapiti3==3.2.3"  # the newest that installs on Python 3.11; pinned so that scans compare

HOST = "127.0.0.1"
DEMO_TRUSTS = 4
DEMO_SITES_ADDRESS = "127.0.77.1"  # away from `make demo` (127.0.20.x) and the tests (127.0.10.x)
AUDIT_CYCLE = "Security scan audit"
DUTIES = "race-equality-scheme,race-employment-monitoring,race-impact-assessment,disability-equality-scheme"

LEVELS = {4: "Critical", 3: "High", 2: "Medium", 1: "Low", 0: "Info"}
HIGH = 3

# Wapiti's default modules, less ssrf (it needs wapiti's own server on the internet) and ssl
# (gunicorn's TLS here stands in for the production proxy's; it needs sslscan too), plus checks
# that cost little: forms without a CSRF token, header injection, unusual HTTP methods.
WAPITI_MODULES = "common,-ssrf,-ssl,csrf,crlf,methods"
START_PATHS = ["/", "/trusts/", "/audits/cycles/", "/audits/duties/", "/audits/responses/", "/letters/"]
START_PATHS += ["/reports/national/", "/my/"]
# Never crawled or attacked, by URL name (resolved at run time, so routes still being added are
# covered once they exist): signing in (failed sign-ins would lock the scanner out under
# django-axes) or out, the two-factor steps (wrong codes throttle the device), and Django's admin,
# where a superuser scanner could edit or delete its own account mid-scan.
EXCLUDED_URL_NAMES = [
    "login",
    "logout",
    "two_factor_verify",
    "two_factor_set_up",
    "two_factor_turn_off",
    "admin:index",
]
# Actions that would end the cycle the scan explores; their forms are still scanned on other cycles.
EXCLUDED_PATHS = ["/audits/cycles/*/cancel/*", "/audits/cycles/*/close/*"]
# Where each role lands when signed in: anything but a 200 here means the scan would see nothing.
LANDING_PAGE = {"trust": "/my/", "staff": "/audits/cycles/"}


@dataclass
class Target:
    base: str  # e.g. https://127.0.0.1:PORT
    certificate: Path | None  # the self-signed certificate it serves, None for plain HTTP

    def ssl_context(self) -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=self.certificate) if self.certificate else None


@dataclass
class Finding:
    role: str
    kind: str  # "vulnerability" or "anomaly" (e.g. a 500 answer to an attack)
    module: str
    category: str
    level: int
    method: str
    path: str
    parameter: str
    info: str


# --- wapiti ------------------------------------------------------------------------------------


def find_wapiti() -> list[str]:
    """The command that runs a recent enough wapiti, installing one first if need be."""
    if shutil.which("wapiti") and _version_tuple(wapiti_version(["wapiti"])) >= MIN_WAPITI:
        return ["wapiti"]
    if os.geteuid() == 0 and shutil.which("apt-get") and _install_debian_wapiti():
        return ["wapiti"]
    return [str(_install_pypi_wapiti())]


def _install_debian_wapiti() -> bool:
    candidate = _apt_candidate("wapiti")
    if not candidate:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        candidate = _apt_candidate("wapiti")
    if _version_tuple(candidate) < MIN_WAPITI:
        return False
    print(f"Installing Debian's wapiti {candidate}...", flush=True)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", "wapiti"], stdout=subprocess.DEVNULL, check=False)
    return done.returncode == 0 and shutil.which("wapiti") is not None


def _apt_candidate(package: str) -> str:
    policy = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True, check=False).stdout
    found = re.search(r"Candidate:\s*(\S+)", policy)
    return found.group(1) if found and found.group(1) != "(none)" else ""


def _install_pypi_wapiti() -> Path:
    wapiti = WAPITI_VENV / "bin" / "wapiti"
    if not wapiti.exists() or PYPI_WAPITI.split("==")[1] not in wapiti_version([str(wapiti)]):
        print(f"Installing {PYPI_WAPITI} from PyPI into {WAPITI_VENV.relative_to(ROOT)} (once)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(WAPITI_VENV)], check=True)
        subprocess.run([str(WAPITI_VENV / "bin" / "pip"), "install", "-q", PYPI_WAPITI], check=True)
    return wapiti


def _version_tuple(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part or 0) for part in found.groups()) if found else (0,)


def wapiti_version(wapiti: list[str]) -> str:
    output = subprocess.run([*wapiti, "--version"], capture_output=True, text=True, check=False)
    versions = re.findall(r"\d+\.\d+\.\d+", output.stdout + output.stderr)
    return f"Wapiti {versions[-1]}" if versions else "Wapiti (unknown version)"


# --- the throwaway portal ------------------------------------------------------------------------


def make_certificate(tmp: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 (key beside it), or None without openssl."""
    if not shutil.which("openssl"):
        return None
    certificate, key = tmp / "cert.pem", tmp / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOST}"]
    command += ["-addext", f"subjectAltName=IP:{HOST}", "-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True)
    return certificate


def configure_environment(tmp: Path, https: bool) -> None:
    """Production settings for this process and the server, against files in tmp only."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp / "media"),
            "STATIC_ROOT": str(tmp / "static"),
            "EMBEDDED_BROKER_DIR": str(tmp / "broker"),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            # The demo trusts' websites are on loopback, and nobody needs politeness towards them.
            "AUDIT_ALLOW_PRIVATE_HOSTS": "true",
            "AUDIT_CRAWL_DELAY": "0",
        }
    )
    if not https:
        # On plain HTTP the scanner would only see redirects to https, and secure cookies never
        # come back: expect wapiti to report the missing Secure flags, which production has.
        os.environ.update({"SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false"})
        os.environ["CSRF_COOKIE_SECURE"] = "false"


def build_portal(tmp: Path) -> dict[str, str]:
    """Migrate, collect static files and load a small audited register; return a session key per role."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_duties", stdout=io.StringIO())
    staff, trust_user = _create_users(_audit_demo_trusts(tmp))
    _review_publish_and_write_letter(staff, trust_user.organisation)
    from audits.services import create_cycle

    # A draft cycle, so that its start form is there to be scanned.
    create_cycle("Draft cycle (security scan)", _date("2008-04-01"), DUTIES.split(","), user=staff)
    return {"trust": start_session(trust_user), "staff": start_session(staff)}


def _audit_demo_trusts(tmp: Path) -> str:
    """Serve a few demo trust websites, put them on the register and audit them; return one ODS code."""
    from django.core.management import call_command

    from demo.serve import SiteServer, site_from_directory
    from demo.websites import generate, write_register

    sites_dir = tmp / "sites"
    specs = generate(sites_dir, n=DEMO_TRUSTS, seed=2007, era="2007", pages=5)
    sites = {spec.ods_code: site_from_directory(sites_dir / spec.ods_code.lower()) for spec in specs}
    register = tmp / "register.csv"
    with SiteServer(sites, first_address=DEMO_SITES_ADDRESS) as server:
        write_register(specs, {spec.ods_code: server.url(spec.ods_code) for spec in specs}, register)
        call_command("import_trusts", str(register), stdout=io.StringIO())
        print(f"Auditing {DEMO_TRUSTS} demo trusts (log: {(OUT_DIR / 'audit.log').relative_to(ROOT)})...", flush=True)
        # In a child process, so that its Celery worker's banner and warnings go to the log.
        command = [sys.executable, "manage.py", "run_audit", "--cycle", AUDIT_CYCLE, "--audit-date", "2007-04-01"]
        with open(OUT_DIR / "audit.log", "w") as log:
            subprocess.run([*command, "--duties", DUTIES, "--wait"], cwd=ROOT, stdout=log, stderr=log, check=True)
    return specs[0].ods_code


def _create_users(trust_ods_code: str):
    from trusts.models import Organisation, User

    staff = User.objects.create_superuser(
        "scan-staff", "scan-staff@regulator.example", None, first_name="Scan", last_name="Staff", job_title="Tester"
    )
    organisation = Organisation.objects.get(ods_code=trust_ods_code)
    trust_user = User.objects.create_user("scan-trust", "scan-trust@trust.example", organisation=organisation)
    return staff, trust_user


def _review_publish_and_write_letter(staff, organisation) -> None:
    """Settle the findings the engine left undecided, publish the cycle and issue one trust's letter, so a
    trust user has pages (letters follow publication, and publication waits for every decision)."""
    from audits.models import AuditCycle, FindingStatus
    from audits.publication import publication_blockers, publish
    from audits.review import review_finding
    from reports.letters import approve_letter, draft_letter, issue_letter

    cycle = AuditCycle.objects.get(name=AUDIT_CYCLE)
    for finding in publication_blockers(cycle).findings:
        review_finding(finding, staff, FindingStatus.NOT_MET, "Settled for the security scan.", finding.version)
    publish(cycle, staff)
    issue_letter(approve_letter(draft_letter(cycle, organisation), staff), staff)


def _date(value: str):
    import datetime

    return datetime.date.fromisoformat(value)


def start_session(user) -> str:
    """A signed-in (and, with django-otp, verified) session for user, as the browser's cookie value."""
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = _session_backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if apps.is_installed("django_otp"):
        session.update(_verified_device(user))
    session.create()
    return session.session_key


def _session_backend() -> str:
    """The first backend that can load a user from a session (django-axes' standalone one cannot)."""
    from django.conf import settings
    from django.contrib.auth import load_backend

    for path in settings.AUTHENTICATION_BACKENDS:
        if hasattr(load_backend(path), "get_user"):
            return path
    raise RuntimeError("No authentication backend in settings can load a user from a session.")


def _verified_device(user) -> dict[str, str]:
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):
        raise RuntimeError("django_otp is installed without its TOTP plugin: teach this script the device in use.")
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="security scan", confirmed=True)
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


def excluded_paths() -> list[str]:
    from django.urls import NoReverseMatch, reverse

    paths = list(EXCLUDED_PATHS)
    for name in EXCLUDED_URL_NAMES:
        with contextlib.suppress(NoReverseMatch):
            paths.append(reverse(name) + "*")
    return paths


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def gunicorn_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("gunicorn") is not None


def start_server(port: int, certificate: Path | None, log_file) -> subprocess.Popen:
    """gunicorn with whitenoise, as in production; runserver (plain HTTP) only if gunicorn is missing."""
    if gunicorn_installed():
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{port}"]
        command += ["--workers", "2", "--threads", "4", "--timeout", "60", "--graceful-timeout", "10"]
        command += ["--access-logfile", "-", "--error-logfile", "-", *_no_control_socket()]
        if certificate:
            command += ["--certfile", str(certificate), "--keyfile", str(certificate.with_name("key.pem"))]
    else:
        command = [sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--insecure", "--noreload"]
    # Its own process group, so that it and its workers can be stopped together if it hangs.
    return subprocess.Popen(command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)


def _no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket at one path in $HOME, shared by every gunicorn running."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []


def wait_until_serving(server: subprocess.Popen, target: Target, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server exited with {server.returncode}; see {OUT_DIR / 'server.log'}.")
        with contextlib.suppress(OSError):
            if page_status(target, "/healthz") == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"The server did not answer /healthz within {timeout:.0f} s.")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn stops its workers on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page_status(target: Target, path: str, cookie: str = "") -> int:
    """The status of one page for a session, redirects not followed (a sign-in redirect is a 302)."""
    request = urllib.request.Request(target.base + path, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(context=target.ssl_context()))
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


# --- scanning ------------------------------------------------------------------------------------


def scan(wapiti: list[str], role: str, target: Target, session_key: str, tmp: Path, args) -> Path:
    """Run wapiti for one role with its session cookie; return the JSON report."""
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    if page_status(target, LANDING_PAGE[role], cookie) != 200:
        raise RuntimeError(f"The {role} session is not signed in: {LANDING_PAGE[role]} did not answer 200.")
    cookie_file = tmp / f"{role}-cookies.json"
    cookie_file.write_text(json.dumps(_cookie_file(session_key, target)))
    report = OUT_DIR / f"{role}.json"
    base = target.base
    command = [*wapiti, "-u", f"{base}/", "--scope", "folder", "-c", str(cookie_file)]
    # Browsers send Origin with every POST; without it (or a Referer) Django refuses HTTPS POSTs
    # before any attack payload is looked at, and some of wapiti's attack requests carry neither.
    command += ["-H", f"Origin: {base}"]
    for path in START_PATHS:
        command += ["-s", base + path]
    for path in excluded_paths():
        command += ["-x", base + path]
    # The CSRF token is Django's, not ours: injecting payloads into it only earns 403s.
    command += ["-m", WAPITI_MODULES, "--skip", "csrfmiddlewaretoken"]
    command += ["-d", str(args.depth), "--max-links-per-page", "30"]
    command += ["--max-scan-time", str(args.crawl_seconds), "--max-attack-time", str(args.attack_seconds)]
    command += ["-t", "15", "--flush-session", "--store-session", str(tmp / f"wapiti-{role}")]
    command += ["--no-bugreport", "-v", "1", "-f", "json", "-o", str(report)]
    log_path = OUT_DIR / f"{role}-wapiti.log"
    print(f"Scanning as {role} (log: {log_path.relative_to(ROOT)})...", flush=True)
    started = time.monotonic()
    _run_wapiti(command, log_path)
    crawled = json.loads(report.read_text()).get("infos", {}).get("crawled_pages_nbr", "?")
    print(f"  done in {time.monotonic() - started:.0f} s; {crawled} pages and forms crawled", flush=True)
    if page_status(target, LANDING_PAGE[role], cookie) != 200:
        print(f"  WARNING: the {role} session was signed out during the scan; later pages were not seen.")
    return report


def _run_wapiti(command: list[str], log_path: Path, attempts: int = 3) -> None:
    """Run wapiti; if it dies, resume from its session database, skipping the crawl and the attacks done.

    Wapiti 3.2 can die with "database is locked" when --max-attack-time cancels a module in the
    middle of a write to its session database.
    """
    with open(log_path, "w") as log:
        for attempt in range(1, attempts + 1):
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if done.returncode == 0:
                return
            print(f"  wapiti exited with {done.returncode} (attempt {attempt} of {attempts})", flush=True)
            log.write("\n--- wapiti failed; resuming from its session ---\n")
            log.flush()
            command = [arg for arg in command if arg != "--flush-session"] + ["--skip-crawl"]
    raise RuntimeError(f"wapiti failed {attempts} times; see {log_path}")


def _cookie_file(session_key: str, target: Target) -> dict:
    """Wapiti's JSON cookie file (domain, path, name): the session and a CSRF secret of our own.

    Wapiti replays the forms it crawled in a later phase that starts with only this file's
    cookies; were the CSRF cookie left to the server, a new one would be set then, and every
    token in the crawled forms refused before the payload is looked at.
    """
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    secure = target.certificate is not None
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    cookies = {settings.SESSION_COOKIE_NAME: session_key, settings.CSRF_COOKIE_NAME: csrf_secret}
    return {
        HOST: {
            "/": {
                name: {"value": value, "expires": None, "secure": secure, "port": None, "version": 0}
                for name, value in cookies.items()
            }
        }
    }


def read_findings(role: str, report: Path) -> list[Finding]:
    data = json.loads(report.read_text())
    findings = []
    for kind, section in (("vulnerability", "vulnerabilities"), ("anomaly", "anomalies")):
        for category, items in data.get(section, {}).items():
            for item in items:
                findings.append(
                    Finding(
                        role=role,
                        kind=kind,
                        module=item.get("module", ""),
                        category=category,
                        level=int(item.get("level", 0)),
                        method=item.get("method", ""),
                        path=item.get("path", ""),
                        parameter=item.get("parameter", ""),
                        info=" ".join(str(item.get("info", "")).split()),
                    )
                )
    return findings


def summarise(findings: list[Finding]) -> str:
    lines = [f"{'level':<8} {'role':<6} {'kind':<13} {'module':<13} {'count':>5}  category"]
    counts = Counter((f.level, f.role, f.kind, f.module, f.category) for f in findings)
    for (level, role, kind, module, category), count in sorted(counts.items(), key=lambda c: (-c[0][0], c[0])):
        lines.append(f"{LEVELS.get(level, level):<8} {role:<6} {kind:<13} {module:<13} {count:>5}  {category}")
    if not findings:
        lines.append("(no findings)")
    lines.append("")
    for f in sorted(findings, key=lambda f: (-f.level, f.role, f.category, f.path)):
        where = f"{f.method} {f.path}" + (f" [{f.parameter}]" if f.parameter else "")
        lines.append(f"{LEVELS.get(f.level, f.level):<8} {f.role:<6} {f.module or f.category}: {where}")
        lines.append(f"         {f.info[:300]}")
    return "\n".join(lines)


def server_errors(server_log: Path) -> Counter:
    """The unhandled exceptions the portal logged, by path and exception (the crawl's too, which
    wapiti's report leaves out: it only reports 500s answered to its attacks)."""
    errors: Counter = Counter()
    path, exception = None, ""
    for line in [*server_log.read_text(errors="replace").splitlines(), "END"]:
        if path and line and not line[0].isspace() and not line.startswith(("Traceback", "The above", "During")):
            if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line):
                exception = line
                continue
            errors[f"{path}: {exception[:200]}"] += 1
            path, exception = None, ""
        if found := re.match(r"^Internal Server Error: (\S+)", line):
            path = found.group(1)
    return errors


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl-seconds", type=int, default=45, help="crawl time per role (default 45)")
    parser.add_argument("--attack-seconds", type=int, default=15, help="time per attack module (default 15)")
    parser.add_argument("--depth", type=int, default=4, help="link depth from the start pages (default 4)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temp dir (database, media)")
    return parser.parse_args(argv)


def run_scans(wapiti: list[str], tmp: Path, args) -> list[Finding]:
    certificate = make_certificate(tmp) if gunicorn_installed() else None  # runserver has no TLS
    configure_environment(tmp, https=certificate is not None)
    sessions = build_portal(tmp)
    port = free_port()
    target = Target(f"{'https' if certificate else 'http'}://{HOST}:{port}", certificate)
    findings = []
    with open(OUT_DIR / "server.log", "w") as server_log:
        server = start_server(port, certificate, server_log)
        try:
            wait_until_serving(server, target)
            print(f"Portal serving at {target.base}", flush=True)
            for role in ("trust", "staff"):  # trust first: the staff scan may change what trusts see
                findings += read_findings(role, scan(wapiti, role, target, sessions[role], tmp, args))
        finally:
            stop_server(server)
    return findings


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # A polite kill still stops the server: finally blocks run on SystemExit, not on a bare SIGTERM.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    wapiti = find_wapiti()
    version = wapiti_version(wapiti)
    print(f"Using {version} ({shutil.which(wapiti[0]) or wapiti[0]})", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="security-scan-"))
    try:
        findings = run_scans(wapiti, tmp, args)
    finally:
        if args.keep_temp:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    summary = summarise(findings)
    if errors := server_errors(OUT_DIR / "server.log"):
        summary += "\n\nServer errors (500) in server.log, not counted above:\n"
        summary += "\n".join(f"{count:>5}  {error}" for error, count in errors.most_common())
    (OUT_DIR / "summary.txt").write_text(f"{version}\n\n{summary}\n")
    high = [f for f in findings if f.level >= HIGH]
    print(f"\n{version}: {len(findings)} findings, {len(high)} high or critical, in {time.monotonic() - started:.0f} s")
    print(summary)
    print(f"\nReports: {OUT_DIR.relative_to(ROOT)}/ (trust.json, staff.json, *-wapiti.log, server.log, summary.txt)")
    return 1 if high else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"security scan could not run: {error}", file=sys.stderr)
        sys.exit(2)
