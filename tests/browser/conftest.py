"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from the Debian package (`apt-get install chromium`), never from
`playwright install`: the machines have no network beyond the package registries.
axe-core comes from npm (`npm ci`, see package.json) and is injected into each page checked.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.otp import unused_code

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    # We run as root, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    # The network is closed: stop Chromium from trying to phone home and waiting on it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_RULESETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})"
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(items):
    """Run browser tests last: the session's Playwright loop then never meets other tests."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _live_server_settings():
    """Settings the live server reads once, when it starts, so the `settings` fixture is too late.

    SecurityMiddleware reads the SSL redirect and HSTS settings when the live server loads its
    middleware: production values would send Chromium to https on a plain-HTTP server. And
    settings.MEDIA_URL is None (evidence and letters are served only through views), but the live
    server wraps the site in a media handler that fails every request when MEDIA_URL is None.
    """
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        MEDIA_URL=settings.MEDIA_URL or "/_media-not-served/",
    ):
        yield


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One Chromium for the session, started after (and closed before) the test database."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
    # the tests' ORM calls (factories, flushes) with SynchronousOnlyOperation although they are
    # synchronous. Allowed only while the browser lives, and browser tests run last.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def context(browser):
    # bypass_csp: axe is injected as an inline-origin script that a strict CSP would block.
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    context.set_default_timeout(5_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def axe_check(page) -> None:
    """Run axe-core on the page (WCAG 2.2 AA and best practice); fail on any violation, minor or not.

    Every page passes it whole, so a new moderate problem (a landmark without a name, a skipped
    heading level) fails the suite rather than being printed into a log nobody reads.
    """
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` in the repository root")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(AXE_RUN, AXE_RULESETS)["violations"]
    assert not violations, "axe found problems:\n" + "\n".join(_describe(page.url, v) for v in violations)


def _describe(url: str, violation: dict) -> str:
    lines = [f"[{violation['impact']}] {violation['id']} on {url}: {violation['help']}"]
    for node in violation["nodes"]:
        lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
        if node.get("failureSummary"):
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def follow(control) -> None:
    """Click a link or button that loads a page, and wait until that page has loaded.

    A bare click returns before the next page arrives: what the test reads next may still be the
    old page, or a new one whose document has no head yet for axe's script to go into.
    """
    with control.page.expect_navigation():
        control.click()


def enter_password(page, live_server, username: str, password: str = PASSWORD) -> None:
    """The first step of sign-in: the form at /sign-in/."""
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    follow(page.get_by_role("button", name="Sign in"))


def sign_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form at /sign-in/, as a person would, with the second step if asked.

    Staff set up their authenticator app through their invitation link (tests/browser/test_sign_in.py
    does that through the pages); here a member of staff without one gets the app their invitation
    would have set up, and the "app" gives the code the second step asks for.
    """
    _give_staff_their_app(username)
    enter_password(page, live_server, username, password)
    if "/sign-in/two-factor/" in page.url and "/set-up/" not in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code from your authenticator app").fill(unused_code(device))
        follow(page.get_by_role("button", name="Continue"))


def _give_staff_their_app(username: str) -> None:
    from trusts.models import User

    user = User.objects.filter(username=username, organisation__isnull=True).first()
    if user is not None and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Invitation's app", confirmed=True)


@pytest.fixture
def signed_in_page(page):
    """`signed_in_page(live_server, user)`: the page, signed in as `user` through the form.

    `user` must have the factories' password; the page is left where sign-in lands.
    """

    def _signed_in_page(live_server, user):
        sign_in(page, live_server, user.get_username())
        assert "/sign-in/" not in page.url, f"sign-in as {user.get_username()} failed"
        return page

    return _signed_in_page
