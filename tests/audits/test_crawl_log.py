"""What we read: the crawl logs every request it made, in order, and the site check keeps the log."""

import asyncio
import datetime

import pytest
from django.core.management import call_command

from audits import services
from audits.crawler.crawling import LogEntry, Outcome, crawl
from audits.crawler.fetching import Fetcher
from audits.models import CrawlLogEntry, SiteCheck
from demo.serve import Page, SiteServer
from tests.audits.test_crawling import RULES
from tests.audits.test_run_audit import SCHEME
from tests.factories import OrganisationFactory

ROBOTS = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")


def _home(*links: tuple[str, str]) -> Page:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return Page(f"<html><head><title>Home</title></head><body><ul>{items}</ul></body></html>".encode())


SITE = {
    "/": _home(
        ("/private/res.html", "Race equality scheme"),
        ("/equality/", "Equality and diversity"),
        ("/docs/gone.pdf", "Race equality scheme 2002 (PDF)"),
    ),
    "/robots.txt": ROBOTS,
    "/equality/": _home(("/docs/res.html", "Our race equality scheme")),
    "/docs/res.html": Page(SCHEME.encode()),
}


def _fetcher() -> Fetcher:
    return Fetcher(
        user_agent="test", delay=0, allow_private=True, max_bytes=10_000_000, connect_timeout=2, read_timeout=2
    )


def _log(site: dict, page_budget: int = 20) -> list[LogEntry]:
    with SiteServer({"t": site}, first_address="127.0.84.1") as server:
        fetcher = _fetcher()
        try:
            result = asyncio.run(crawl(server.url("t"), [RULES], datetime.date(2007, 4, 1), fetcher, page_budget))
        finally:
            fetcher.close()
        return [entry for entry in result.log if not entry.url.endswith("/sitemap.xml")]


def _paths(log: list[LogEntry]) -> list[tuple[str, str]]:
    return [("/" + entry.url.split("/", 3)[3], entry.outcome) for entry in log]


def test_the_log_holds_every_request_in_order_with_what_came_of_it():
    log = _log(SITE)
    assert _paths(log) == [
        ("/", Outcome.READ),
        ("/docs/gone.pdf", Outcome.BROKEN),  # best-first: a PDF named as the duty
        ("/private/res.html", Outcome.BLOCKED),
        ("/equality/", Outcome.READ),
        ("/docs/res.html", Outcome.READ),
    ]
    home, broken, blocked, _, scheme = log
    assert (home.status, home.content_type, home.size) == (200, "text/html", len(SITE["/"].body))
    assert blocked.detail == "robots.txt asks crawlers not to read it"
    assert broken.status == 404
    assert scheme.size == len(SCHEME.encode())


def test_the_log_says_where_the_page_budget_cut_the_crawl():
    site = {"/": _home(*[(f"/equality/{n}.html", f"Equality report {n}") for n in range(5)])}
    log = _log(site, page_budget=3)
    assert [entry.outcome for entry in log] == [Outcome.READ, Outcome.BROKEN, Outcome.BROKEN, Outcome.BUDGET]
    assert log[-1].detail == "the page budget (3 pages) ran out with 3 links unread"


def test_a_home_page_that_cannot_be_reached_is_logged_as_an_error():
    fetcher = _fetcher()
    try:
        result = asyncio.run(crawl("http://127.0.84.9:9/", [RULES], datetime.date(2007, 4, 1), fetcher, 5))
    finally:
        fetcher.close()
    (entry,) = result.log
    assert entry.outcome == Outcome.ERROR and entry.detail == result.failure


def test_the_crawler_outcomes_are_the_models_choices():
    values = {v for k, v in vars(Outcome).items() if k.isupper()}
    assert values == set(CrawlLogEntry.Outcome.values)


@pytest.mark.django_db
def test_a_site_check_keeps_its_log_and_a_recheck_logs_its_crawl_after_it(settings, monkeypatch):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    call_command("load_duties", verbosity=0)
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: None)
    with SiteServer({"t": SITE}, first_address="127.0.84.2") as server:
        trust = OrganisationFactory(ods_code="RKL", website=server.url("t"))
        cycle = services.start_cycle("2007 web audit", datetime.date(2007, 4, 1), ["race-equality-scheme"], ["RKL"])
        check = SiteCheck.objects.get(cycle=cycle, organisation=trust)
        services.run_site_check(check.pk)
        services.recheck(SiteCheck.objects.get(pk=check.pk))
        services.run_site_check(check.pk)
        home = server.url("t")
    first = list(check.crawl_log.filter(crawl=1).exclude(url__endswith="/sitemap.xml"))
    assert [e.outcome for e in first] == ["read", "broken", "blocked", "read", "read"]
    assert [e.position for e in first] == [1, 3, 4, 5, 6]  # the sitemap was asked for second
    assert first[0].url == home and first[0].content_type == "text/html"
    assert check.crawl_log.filter(crawl=2).exists()
    assert set(check.crawl_log.values_list("crawl", flat=True)) == {1, 2}
