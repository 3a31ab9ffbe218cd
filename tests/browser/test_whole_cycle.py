"""One audit cycle end to end, as the regulator runs it, each step by the person whose job it is.

The admin imports the register; the auditor creates and starts a cycle that a real Celery worker
checks against live loopback websites; the reviewer works through the queue; the auditor publishes;
the signatory drafts, approves and issues the letters (the worker renders them); the trust signs in,
sees every duty, downloads its letter and reads it; it answers a finding, the recheck runs on the
worker, and the outcome shows; the trust's other evidence still downloads with the same SHA-256.
In CI this runs on PostgreSQL and Redis.
"""

import datetime
import hashlib
import time

import pypdfium2
import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.models import AuditCycle, Finding, TrustResponse
from audits.workers import start_worker
from demo.serve import Page, SiteServer
from reports.models import Letter
from tests.audits.test_run_audit import DISABILITY, MONITORING, SITES, _home
from tests.browser.conftest import axe_check, follow, sign_in
from tests.factories import UserFactory
from trusts.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_TIMEOUT_S = 120
CYCLE = "Web audit spring 2007"
REGISTER = (
    "ods_code,name,org_type,region,website,headcount,chief_executive,address,postcode\n"
    'RGD,Goodwin Hospitals NHS Trust,acute,London,{good},4000,Dr Amara Goodwin,"Goodwin House\n1 Hill Road\nGoodwin",'
    "GW1 1AA\n"
    'ROL,Oldbridge NHS Trust,acute,London,{old},3000,Peter Oldfield,"Trust Offices\n9 Bridge Street\nOldbridge",'
    "OB2 2BB\n"
)


@pytest.fixture
def websites():
    """Goodwin publishes everything; Oldbridge has a current disability scheme, an out-of-date race
    scheme (the current one is behind robots.txt) and no workforce monitoring, until it answers."""
    old = dict(SITES["old"])
    old["/equality.html"] = _home(
        ("/docs/old-res.html", "Race equality scheme 2002-2005"), ("/docs/des.html", "Disability equality scheme")
    )
    old["/docs/des.html"] = Page(DISABILITY.encode())
    with SiteServer({"good": SITES["good"], "old": old}, first_address="127.0.43.1") as server:
        yield server


@pytest.fixture
def worker(websites, settings):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    call_command("load_duties", verbosity=0)
    process = start_worker(concurrency=2)
    yield process
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture
def person(browser):
    """`person(user)`: a browser of that person's own, signed in through the real form."""
    contexts = []

    def _person(live_server, user):
        context = browser.new_context(bypass_csp=True, locale="en-GB", accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, user.get_username())
        assert "/sign-in/" not in page.url, f"sign-in as {user.get_username()} failed"
        return page

    yield _person
    for context in contexts:
        context.close()


def reload_until(page, condition, what: str) -> None:
    """Reload the page, as a person waiting on the worker would, until it shows what they wait for."""
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    while True:
        done = condition()
        page.reload()  # after the condition held, so the page shows it
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} on {page.url}")
        time.sleep(0.5)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return open(info.value.path(), "rb").read()


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_a_whole_cycle_played_through_by_every_role(live_server, person, websites, worker, tmp_path):
    admin = UserFactory(role="admin")
    auditor = UserFactory(role="auditor")
    reviewer = UserFactory(role="reviewer", first_name="Rita", last_name="Reviewer")
    signatory = UserFactory(role="signatory", first_name="Helen", last_name="Carter", job_title="Director of Audit")

    # The admin imports the register, letterhead and all.
    page = person(live_server, admin)
    register = tmp_path / "register.csv"
    register.write_text(REGISTER.format(good=websites.url("good"), old=websites.url("old")))
    page.goto(f"{live_server.url}/trusts/import/")
    page.get_by_label("Register file").set_input_files(str(register))
    follow(page.get_by_role("button", name="Import trusts"))
    assert "2" in page.locator(".govuk-notification-banner, .govuk-panel").first.inner_text()
    trust_user = UserFactory(organisation=Organisation.objects.get(ods_code="ROL"), first_name="Sam")

    # The auditor creates the cycle, confirms its start, and waits for the worker.
    page = person(live_server, auditor)
    page.goto(f"{live_server.url}/audits/cycles/new/")
    page.get_by_label("Name", exact=True).fill(CYCLE)
    # The GOV.UK date input: day, month and year boxes.
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("4")
    page.get_by_label("Year", exact=True).fill("2007")
    for duty in ("Race equality scheme", "Workforce ethnic monitoring", "race equality impact", "Disability equality"):
        page.get_by_label(duty).first.check()
    follow(page.get_by_role("button", name="Create draft cycle"))
    page.wait_for_url("**/audits/cycles/*/")
    follow(page.get_by_role("button", name="Start this cycle"))
    assert "2 trust" in page.locator("main").inner_text()  # the confirmation says what will happen
    axe_check(page)
    follow(page.get_by_role("button", name="Start checking"))
    page.wait_for_url("**/audits/cycles/*/")
    cycle = AuditCycle.objects.get(name=CYCLE)
    reload_until(page, lambda: AuditCycle.objects.get(pk=cycle.pk).status == "in_review", "the site checks")
    assert Finding.objects.filter(cycle=cycle).count() == 8

    # The reviewer walks the queue, deciding each finding with "save and next".
    page = person(live_server, reviewer)
    page.goto(f"{live_server.url}/audits/cycles/{cycle.pk}/review/")
    follow(page.locator("main table a").first)
    decided = 0
    while "/findings/" in page.url:
        if decided == 0:
            axe_check(page)
        finding = Finding.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
        page.get_by_label("Not met" if finding.status != "met" else "Met", exact=True).check()
        page.get_by_label("Reason", exact=True).fill("Read the site: as the evidence shows.")
        follow(page.get_by_role("button", name="Save and go to the next finding"))
        decided += 1
        assert decided < 20, "the queue never ended"
    assert decided >= 1
    assert not Finding.objects.filter(cycle=cycle, reviewed_status="", status__in=("review", "error")).exists()

    # The auditor sees what trusts will see, and publishes.
    page = person(live_server, auditor)
    page.goto(f"{live_server.url}/audits/cycles/{cycle.pk}/")
    follow(page.get_by_role("button", name="Publish results to trusts"))
    assert "2 trusts" in page.locator("main").inner_text()
    axe_check(page)
    follow(page.locator("main form").get_by_role("button", name="Publish results to trusts"))
    page.wait_for_url("**/audits/cycles/*/")
    assert AuditCycle.objects.get(pk=cycle.pk).status == "published"

    # The signatory drafts, approves and issues the letters; the worker renders them.
    page = person(live_server, signatory)
    page.goto(f"{live_server.url}/letters/cycle/{cycle.pk}/")
    follow(page.get_by_role("button", name="Draft missing letters"))
    reload_until(page, lambda: Letter.objects.filter(cycle=cycle, status="draft").count() == 2, "two drafts")
    follow(page.get_by_role("button", name="Approve every draft"))
    assert heading(page) == "Approve 2 draft letters"
    follow(page.get_by_role("button", name="Approve and sign 2 letters"))
    follow(page.get_by_role("button", name="Issue every approved letter"))
    assert heading(page) == "Issue 2 approved letters"
    axe_check(page)
    follow(page.get_by_role("button", name="Issue 2 letters"))
    reload_until(page, lambda: Letter.objects.filter(cycle=cycle, status="issued").count() == 2, "two issued letters")

    # The trust signs in: its status for every duty, and its letter, read as its chief executive reads it.
    page = person(live_server, trust_user)
    page.goto(f"{live_server.url}/my/")
    status_text = page.locator("main").inner_text()
    for duty in ("Race equality scheme", "Workforce ethnic monitoring", "impact assessment", "Disability equality"):
        assert duty.lower() in status_text.lower()
    assert "not yet published" not in status_text.lower()
    axe_check(page)
    page.goto(f"{live_server.url}/letters/mine/")
    letter = Letter.objects.get(cycle=cycle, organisation__ods_code="ROL")
    text = pdf_text(download(page, page.get_by_role("link", name=f"Download letter {letter.reference}")))
    today = timezone.localdate()
    assert "not issued" not in text.lower() and "DRAFT" not in text  # no draft mark (the law may say "a draft")
    assert f"{today:%-d %B %Y}" in text
    assert f"{today + datetime.timedelta(days=28):%-d %B %Y}" in text
    assert "Peter Oldfield" in text and "OB2 2BB" in text
    assert "Helen Carter" in text and "Director of Audit" in text
    assert letter.reference in text

    # Before answering, the trust keeps a copy of the evidence behind its disability scheme finding.
    disability = Finding.objects.get(cycle=cycle, organisation__ods_code="ROL", duty__code="disability-equality-scheme")
    page.goto(f"{live_server.url}/my/findings/{disability.pk}/")
    kept = hashlib.sha256(download(page, page.get_by_role("link", name="Download").first)).hexdigest()
    assert kept == disability.evidence.sha256

    # It publishes its workforce monitoring and answers that finding; the recheck runs and closes it.
    websites.sites["old"]["/docs/workforce.html"] = Page(MONITORING.encode())
    websites.sites["old"]["/equality.html"] = _home(
        ("/docs/des.html", "Disability equality scheme"), ("/docs/workforce.html", "Workforce monitoring report")
    )
    monitoring = Finding.objects.get(cycle=cycle, organisation__ods_code="ROL", duty__code="race-employment-monitoring")
    page.goto(f"{live_server.url}/my/findings/{monitoring.pk}/")
    page.get_by_label("Your comment").fill("Our workforce monitoring report is now on our website.")
    page.get_by_label("Where it is published").fill(websites.url("old") + "docs/workforce.html")
    follow(page.get_by_role("button", name="Send"))
    page.wait_for_url("**/my/responses/*/")
    answer = TrustResponse.objects.get(finding=monitoring)
    reload_until(page, lambda: TrustResponse.objects.get(pk=answer.pk).status == "resolved", "the recheck")
    outcome = page.locator("main").inner_text()
    assert "Recheck queued" not in outcome and "met" in outcome.lower()
    axe_check(page)

    # The other duties' evidence is untouched: the same bytes, from the trust's page and staff's.
    page.goto(f"{live_server.url}/my/findings/{disability.pk}/")
    again = hashlib.sha256(download(page, page.get_by_role("link", name="Download").first)).hexdigest()
    assert again == kept
    assert Finding.objects.get(pk=disability.pk).evidence.sha256 == kept
