"""Regulator staff do the whole job in the browser: create and start a cycle, watch it finish with a
real worker crawling live websites, review a finding, export the results; every page passes axe."""

import csv

import pytest
from django.core.management import call_command

from audits.models import AuditCycle, Finding, FindingChange
from audits.workers import start_worker
from demo.serve import SiteServer
from tests.audits.test_run_audit import SITES
from tests.browser.conftest import axe_check, follow, sign_in
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FINISH_TIMEOUT_MS = 120_000


@pytest.fixture
def websites():
    with SiteServer({"good": SITES["good"], "old": SITES["old"]}, first_address="127.0.41.1") as server:
        yield server


@pytest.fixture
def register(websites, settings):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    call_command("load_duties", verbosity=0)
    OrganisationFactory(ods_code="RGD", name="Goodwin Hospitals NHS Trust", website=websites.url("good"))
    OrganisationFactory(ods_code="ROL", name="Oldbridge NHS Trust", website=websites.url("old"))


@pytest.fixture
def worker(register):
    process = start_worker(concurrency=2)
    yield process
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture
def reviewer_page(browser):
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def test_auditor_runs_a_cycle_reviewer_overrides_a_finding_auditor_exports(
    live_server, signed_in_page, reviewer_page, register, worker, tmp_path
):
    auditor = UserFactory(role="auditor")
    reviewer = UserFactory(role="reviewer", first_name="Rita", last_name="Reviewer")
    page = signed_in_page(live_server, auditor)

    # The auditor creates a draft cycle for the two trusts.
    page.goto(f"{live_server.url}/audits/cycles/")
    axe_check(page)
    follow(page.get_by_role("link", name="Create an audit cycle"))
    assert page.get_by_role("heading", level=1).inner_text() == "Create an audit cycle"
    axe_check(page)
    follow(page.get_by_role("button", name="Create draft cycle"))
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    axe_check(page)
    page.get_by_label("Name", exact=True).fill("Web audit 2007")
    # The GOV.UK date input: day, month and year boxes.
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("4")
    page.get_by_label("Year", exact=True).fill("2007")
    page.get_by_label("Race equality scheme", exact=True).check()
    page.get_by_label("Disability equality scheme", exact=True).check()
    page.get_by_label("Only the trusts I name", exact=True).check()
    page.get_by_label("ODS codes", exact=True).fill("RGD ROL")
    follow(page.get_by_role("button", name="Create draft cycle"))
    page.wait_for_url("**/audits/cycles/*/")
    assert "created as a draft with 2 trusts" in page.content()
    assert page.locator(".govuk-summary-list .govuk-tag").first.inner_text() == "Draft"
    axe_check(page)

    # Starts it, once the confirmation has said what will happen, and watches the real worker finish.
    follow(page.get_by_role("button", name="Start this cycle"))
    assert "Start checking 2 trust websites for 2 duties" in page.locator("main").inner_text()
    axe_check(page)
    follow(page.get_by_role("button", name="Start checking"))
    page.wait_for_url("**/audits/cycles/*/")
    axe_check(page)
    page.locator(".govuk-summary-list .govuk-tag", has_text="In review").wait_for(timeout=FINISH_TIMEOUT_MS)
    assert "2 of 2 checked" in page.content()
    axe_check(page)
    cycle = AuditCycle.objects.get(name="Web audit 2007")
    assert cycle.status == AuditCycle.Status.IN_REVIEW
    uncertain = Finding.objects.get(cycle=cycle, organisation__ods_code="ROL", duty__code="race-equality-scheme")
    assert uncertain.status == "review"

    # A reviewer finds it in the queue and overrides it with a reason.
    sign_in(reviewer_page, live_server, reviewer.username)
    reviewer_page.goto(f"{live_server.url}/audits/cycles/{cycle.pk}/review/")
    assert reviewer_page.get_by_role("heading", level=1).inner_text() == "Findings to review"
    axe_check(reviewer_page)
    # The queue may also hold a quality sample of decided findings: open the uncertain one.
    follow(
        reviewer_page.get_by_role("link", name="Race equality scheme").and_(
            reviewer_page.locator(f'[href$="/findings/{uncertain.pk}/"]')
        )
    )
    reviewer_page.wait_for_url(f"**/findings/{uncertain.pk}/")
    axe_check(reviewer_page)
    reviewer_page.get_by_label("Not met", exact=True).check()
    follow(reviewer_page.get_by_role("button", name="Save review"))
    assert "Give the reason for your decision." in reviewer_page.locator(".govuk-error-summary").inner_text()
    axe_check(reviewer_page)
    reviewer_page.get_by_label("Not met", exact=True).check()
    reviewer_page.get_by_label("Reason", exact=True).fill("The current scheme is not public: robots.txt blocks it.")
    follow(reviewer_page.get_by_role("button", name="Save review"))
    reviewer_page.wait_for_url(f"**/findings/{uncertain.pk}/")
    history = reviewer_page.get_by_role("table").last.inner_text()
    assert "Rita Reviewer" in history and "robots.txt blocks it" in history
    axe_check(reviewer_page)
    assert FindingChange.objects.filter(finding=uncertain, kind="review", to_status="not_met").count() == 1

    # The auditor exports the results, which carry the reviewed status.
    page.goto(f"{live_server.url}/audits/cycles/{cycle.pk}/results/")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "results.csv"
    download.value.save_as(path)
    rows = {(row["ODS code"], row["Duty"]): row for row in csv.DictReader(path.open())}
    assert {ods for ods, _ in rows} == {"RGD", "ROL"}
    overridden = rows["ROL", "Race equality scheme"]
    assert (overridden["Status"], overridden["Reviewer"]) == ("Not met", "Rita Reviewer")
    assert "robots.txt blocks it" in overridden["Reviewer's reason"]
    assert rows["RGD", "Race equality scheme"]["Status"] == "Met"
