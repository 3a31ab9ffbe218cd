"""An auditor reads the dashboard and a national report in Chromium; both pass axe."""

import datetime

import pytest

from audits.models import AuditCycle
from tests.browser.conftest import axe_check, follow
from tests.factories import AuditCycleFactory, SiteCheckFactory, UserFactory
from tests.reports.test_national_report import RES, build_cycle, trusts, web_audit_2007

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def audits():
    organisations = trusts(394)
    audit_2007 = web_audit_2007(organisations)
    build_cycle("2006 web audit", organisations[:200], {RES: set(range(120))}, audit_date=datetime.date(2006, 4, 1))
    running = AuditCycleFactory(name="2024 web audit", status=AuditCycle.Status.RUNNING)
    SiteCheckFactory(cycle=running, organisation=organisations[0], state="done")
    SiteCheckFactory(cycle=running, organisation=organisations[1])
    return audit_2007


def test_auditor_reads_dashboard_and_national_report_and_both_pass_axe(live_server, signed_in_page, audits):
    page = signed_in_page(live_server, UserFactory(role="auditor"))

    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert page.locator("[data-stat=trusts-checked]").inner_text() == "394"
    axe_check(page)

    follow(page.get_by_role("link", name="National report", exact=True))
    follow(page.get_by_role("link", name="2007 web audit national report"))

    assert page.get_by_role("heading", level=1).inner_text() == "2007 web audit"
    headline = page.locator(".app-headline").inner_text()
    assert headline == "Only 9% (35 out of 394) of NHS trusts met every applicable race duty."
    assert page.get_by_role("img", name="Trusts that met each duty, 2007 web audit").count() == 1
    axe_check(page)

    page.get_by_label("Cycle to compare with").select_option(label="2006 web audit (as at 1 Apr 2006)")
    follow(page.get_by_role("button", name="Compare"))

    assert page.get_by_role("heading", level=1).inner_text() == "2007 web audit compared with 2006 web audit"
    axe_check(page)
