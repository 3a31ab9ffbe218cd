"""Signing in through the real form, and the pages people land on, pass axe."""

import re
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import PASSWORD, axe_check, enter_password, follow, sign_in
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    OrganisationFactory,
    TrustUserFactory,
    UserFactory,
)
from tests.otp import code_for, unused_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def register():
    """A little of everything the staff pages list, so tables render with rows."""
    OrganisationFactory(name="Alderbrook Hospitals NHS Trust")
    DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    AuditCycleFactory(name="web-audit-2007")


def test_auditor_signs_in_to_dashboard_and_staff_pages_pass_axe(live_server, page, register):
    auditor = UserFactory(role="auditor")
    page.goto(f"{live_server.url}/")
    assert "/sign-in/" in page.url
    assert_stylesheet_loaded(page)
    axe_check(page)

    sign_in(page, live_server, auditor.username)

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    axe_check(page)
    for path, heading in [("/trusts/", "Trusts on the register"), ("/audits/duties/", "Duty catalogue")]:
        page.goto(f"{live_server.url}{path}")
        assert page.get_by_role("heading", level=1).inner_text() == heading
        axe_check(page)


def test_wrong_password_shows_error_summary_that_passes_axe(live_server, page):
    auditor = UserFactory(role="auditor")

    sign_in(page, live_server, auditor.username, password="wrong horse battery staple")

    assert "/sign-in/" in page.url
    summary = page.locator(".govuk-error-summary")
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    axe_check(page)


def test_trust_user_signs_in_to_own_organisation_page(live_server, signed_in_page):
    user = TrustUserFactory(organisation__name="Alderbrook Hospitals NHS Trust")

    page = signed_in_page(live_server, user)

    assert page.get_by_role("heading", level=1).inner_text() == "Alderbrook Hospitals NHS Trust"
    assert page.get_by_role("link", name="Trusts").count() == 0
    axe_check(page)


def test_dashboard_fits_a_375px_wide_phone(live_server, context, register):
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server, UserFactory(role="auditor").username)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(page)


def assert_stylesheet_loaded(page):
    # GOV.UK Frontend sets its typeface on headings; unstyled, they fall back to the browser's serif.
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in font or "arial" in font.lower(), f"CSS did not load: {font}"


def test_staff_set_up_their_app_through_the_invitation_then_enter_its_code_and_the_pages_pass_axe(
    live_server, page, signed_in_page, register
):
    admin = UserFactory(role="admin")
    signed_in_page(live_server, admin)
    page.goto(f"{live_server.url}/trusts/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "Staff users"
    axe_check(page)
    page.get_by_label("Full name").fill("Al Auditor")
    page.get_by_label("Email address").fill("al@regulator.example")
    page.get_by_label("Auditor: runs audit cycles and rechecks trusts").check()
    follow(page.get_by_role("button", name="Send invitation"))
    assert "Invitation sent to al@regulator.example" in page.content()
    follow(page.get_by_role("button", name=f"Sign out {admin.username}"))
    link = re.search(r"https?://\S+/trusts/invitation/\S+/", mail.outbox[-1].body)[0]

    page.goto(live_server.url + urlsplit(link).path)
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your sign-in"
    assert page.get_by_role("img", name="QR code holding your secret key").is_visible()
    axe_check(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill("12")
    follow(page.get_by_role("button", name="Set up and sign in"))
    assert "Enter the 6-digit code" in page.locator(".govuk-error-summary").inner_text()
    axe_check(page)
    device = TOTPDevice(key=b32decode(page.locator("#secret-key").inner_text().replace(" ", "")).hex())
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(code_for(device))
    follow(page.get_by_role("button", name="Set up and sign in"))
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"

    follow(page.get_by_role("button", name="Sign out al@regulator.example"))
    enter_password(page, live_server, "al@regulator.example")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your sign-in code"
    axe_check(page)
    auditor = TOTPDevice.objects.get(user__username="al@regulator.example")
    page.get_by_label("Code from your authenticator app").fill(unused_code(auditor))
    follow(page.get_by_role("button", name="Continue"))
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"


def test_staff_without_an_app_who_sign_in_with_a_password_are_told_to_ask_an_admin(live_server, page):
    auditor = UserFactory(role="auditor")
    enter_password(page, live_server, auditor.username)

    assert page.get_by_role("heading", level=1).inner_text() == "Ask an admin for a set-up link"
    assert page.get_by_role("img", name="QR code holding your secret key").count() == 0
    assert page.locator("#secret-key").count() == 0
    axe_check(page)
    assert not TOTPDevice.objects.filter(user=auditor).exists()


def test_no_page_breaks_the_content_security_policy(live_server, browser, register):
    """Without bypass_csp: the policy is enforced, and nothing the pages need is blocked."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    sign_in(page, live_server, UserFactory(is_staff=True, is_superuser=True).username)
    cycle = AuditCycleFactory(status="running")

    for path in [
        "/",
        "/trusts/",
        "/audits/cycles/",
        f"/audits/cycles/{cycle.pk}/",
        "/audits/duties/",
        "/letters/",
        "/reports/national/",
        "/trusts/activity/",
        "/trusts/staff/",
        "/account/two-factor/",
        "/admin/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.cspViolations") == [], path
        assert page.evaluate("document.body.classList.contains('js-enabled')") or path == "/admin/", path
    context.close()
