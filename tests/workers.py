"""Helpers for tests that run real Celery worker processes against fixture websites."""

import time

from audits.models import SiteCheck
from demo.serve import Page
from tests.audits.test_run_audit import SCHEME


def slow_site(pages: int = 12, delay: float = 0.25) -> dict[str, Page]:
    """A site that takes pages x delay seconds to read (equality pages first), then meets the race
    equality scheme: slow enough that checks are still running while a test acts on them."""
    links = "".join(f'<li><a href="/equality/{n}.html">Equality and diversity {n}</a></li>' for n in range(pages))
    links += '<li><a href="/res.html">Race equality scheme</a></li>'
    home = f"<html><head><title>Home</title></head><body><ul>{links}</ul></body></html>"
    site = {"/": Page(home.encode())}
    for n in range(pages):
        site[f"/equality/{n}.html"] = Page(
            f"<html><head><title>Equality {n}</title></head><body>Page {n}</body></html>".encode(), delay=delay
        )
    site["/res.html"] = Page(SCHEME.encode())
    return site


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            states = dict(SiteCheck.objects.values_list("organisation__ods_code", "state"))
            raise AssertionError(f"timed out waiting for {what}; site checks: {states}")
        time.sleep(0.2)
