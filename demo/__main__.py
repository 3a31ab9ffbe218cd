"""`make demo`: a fresh portal with a demo register, demo trust websites and a real audit of them.

Everything runs on this machine: the trust websites are served on loopback addresses by this
process, a Celery worker runs on the embedded (folder) broker, and the portal on runserver.
"""

import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEMO_DB = VAR / "demo.sqlite3"
DEMO_MEDIA = VAR / "demo-media"  # evidence and letters of this demo run only
PORT = int(os.environ.get("DEMO_PORT", "8000"))
PASSWORD = "demo-password-2007"
# Each role's demo user: full name and job title (a signatory's are printed on the letters they sign).
STAFF = {
    "admin": ("Ruth", "Mensah", "Portal administrator", "keeps users, trusts and the duty catalogue"),
    "auditor": ("Daniel", "Price", "Equality auditor", "a follow-up audit waits for review, then publication"),
    "reviewer": ("Nadia", "Hussain", "Evidence reviewer", "findings of the follow-up audit wait in the review queue"),
    "signatory": ("Helen", "Carter", "Director of Equality Audit", "letters wait to be approved and issued"),
}
SPRING = "2007 web audit (demo)"
FOLLOW_UP = "2007 follow-up audit (demo)"
DUTIES_2007 = "race-equality-scheme,race-employment-monitoring,race-impact-assessment,disability-equality-scheme"

os.environ.setdefault("DATABASE_URL", f"sqlite:///{DEMO_DB}")
os.environ.setdefault("MEDIA_ROOT", str(DEMO_MEDIA))
# E-mails (letters issued, recheck outcomes, invitations) go to files, not into the demo's output.
os.environ.setdefault("EMAIL_URL", "filemail:///var/demo-mail")
# Links in its e-mails and the crawler's User-Agent point at this portal.
os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{PORT}")
# As in production, DEBUG is off: a wrong address gets the portal's own 404 page, never Django's
# technical one; plain HTTP on one machine, so no HTTPS redirect or secure-only cookies.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
for _setting in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(_setting, "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("AUDIT_ALLOW_PRIVATE_HOSTS", "true")
os.environ.setdefault("AUDIT_CRAWL_DELAY", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    VAR.mkdir(exist_ok=True)
    for leftover in VAR.glob("demo.sqlite3*"):
        leftover.unlink()
    shutil.rmtree(DEMO_MEDIA, ignore_errors=True)
    shutil.rmtree(VAR / "demo-mail", ignore_errors=True)
    import django

    django.setup()
    from django.core.management import call_command

    from demo.serve import SiteServer, site_from_directory
    from demo.websites import generate, write_register

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # served by WhiteNoise, DEBUG being off
    call_command("load_duties", verbosity=0)
    sites_dir = VAR / "demo-sites"
    specs = generate(sites_dir, n=30, seed=2007, era="2007")
    sites = {spec.ods_code: site_from_directory(sites_dir / spec.ods_code.lower()) for spec in specs}
    server = SiteServer(sites, first_address="127.0.20.1").start()
    register = VAR / "demo-register.csv"
    write_register(specs, {spec.ods_code: server.url(spec.ods_code) for spec in specs}, register)
    call_command("import_trusts", str(register))
    logins, trust_user = _create_users(specs[0].ods_code)

    from audits.workers import start_worker

    children = [start_worker()]
    try:
        from audits.models import AuditCycle
        from demo import story

        call_command("run_audit", cycle=SPRING, audit_date=_date("2007-04-01"), duties=DUTIES_2007, wait=True)
        print("Reviewing, publishing and issuing letters for the spring audit, as its people would ...")
        logging.disable(logging.INFO)  # each review, letter and PDF step logs a line: not for this screen
        story.play(AuditCycle.objects.get(name=SPRING), specs, trust_user)
        logging.disable(logging.NOTSET)
        call_command("run_audit", cycle=FOLLOW_UP, audit_date=_date("2007-10-01"), duties=DUTIES_2007, wait=True)
        children.append(
            subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"], cwd=ROOT)
        )
        time.sleep(1.5)
        print(f"\nThe portal is at http://127.0.0.1:{PORT}/ (press Ctrl-C to stop). Demo sign-ins:")
        for username, description in logins:
            print(f"  {username:<12} password {PASSWORD:<20} {description}")
        print("E-mails the portal sends are written to var/demo-mail/.")
        print("Staff sign in with a code from an authenticator app: add their key (above) to any TOTP app, or")
        print("run `oathtool --totp -b KEY`. (Real staff set up their app through their invitation link.)")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while children[-1].poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)
        server.stop()


def _date(value: str):
    import datetime

    return datetime.date.fromisoformat(value)


def _create_users(trust_ods_code: str):
    """The demo's sign-ins, each with what waits for it; and the trust user."""
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trusts.models import Organisation, User
    from trusts.two_factor import secret_for_typing

    logins = []
    for role, (first, last, job_title, waiting) in STAFF.items():
        user = User.objects.create_user(
            role,
            f"{role}@regulator.example",
            PASSWORD,
            first_name=first,
            last_name=last,
            job_title=job_title,
            is_staff=role == "admin",
        )
        user.groups.add(Group.objects.get(name=role))
        # As if their invitation had been accepted: the demo prints the app's key instead.
        device = TOTPDevice.objects.create(user=user, name="Demo app", confirmed=True)
        key = secret_for_typing(device).replace(" ", "")
        logins.append((role, f"{first} {last}, {job_title.lower()}: {waiting}; app key {key}"))
    organisation = Organisation.objects.get(ods_code=trust_ods_code)
    trust_user = User.objects.create_user(
        "trust", "equality@trust.example", PASSWORD, first_name="Sam", last_name="Okoro", organisation=organisation
    )
    logins.append(("trust", f"equality lead at {organisation.name}: its published status and letter"))
    return logins, trust_user


if __name__ == "__main__":
    main()
