"""What a trust sees of its own website: what we read there in a cycle (the crawl log) and what changed on it
since the last published audit; as staff, the trust itself, another trust and nobody."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import AuditCycle, CrawlLogEntry
from tests.factories import AuditCycleFactory, SiteCheckFactory, TrustUserFactory, UserFactory
from tests.reports.test_casework_pages import client_for, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC)


def log(check, *entries: dict, crawl: int = 1) -> None:
    CrawlLogEntry.objects.bulk_create(
        CrawlLogEntry(site_check=check, crawl=crawl, position=n, logged_at=NOW, **entry)
        for n, entry in enumerate(entries, start=1)
    )


@pytest.fixture
def logged(world):  # noqa: F811
    alder, birch, earlier, later = world
    check = later.site_checks.get(organisation=alder)
    log(
        check,
        {"url": "https://trust.example/", "outcome": "read", "status": 200, "content_type": "text/html", "size": 2048},
        {"url": "https://trust.example/private/res.pdf", "outcome": "blocked", "detail": "robots.txt asks..."},
        {"url": "https://trust.example/old.pdf", "outcome": "broken", "status": 404, "content_type": "text/html"},
        {"url": "https://trust.example/slow/", "outcome": "error", "detail": "the site took too long to answer"},
        {"url": "https://trust.example/x.html", "outcome": "budget", "detail": "the site's time budget ran out"},
    )
    log(check, {"url": "https://trust.example/recheck/", "outcome": "read", "status": 200}, crawl=2)
    return reverse("casework:crawl_log", args=["RAL", later.pk])


def test_a_trust_reads_its_crawl_log_in_plain_words(world, logged):  # noqa: F811
    alder, *_ = world
    html = client_for(TrustUserFactory(organisation=alder)).get(logged).content.decode()
    assert "https://trust.example/recheck/" in html  # the latest crawl first
    first = client_for(TrustUserFactory(organisation=alder)).get(logged + "1/").content.decode()
    for words in [
        "Web page",
        "2.0\xa0KB",
        "Not read: your robots.txt asks crawlers not to read it",
        "Broken link: the page was not found",
        "Not read: the site took too long to answer",
        "The crawl stopped here: the site&#x27;s time budget ran out",
    ]:
        assert words in first, words
    table = first.split("<table")[1]
    assert "404" not in table and "200" not in table  # never a raw code


def test_the_crawl_log_is_paginated(world):  # noqa: F811
    alder, _, _, later = world
    check = later.site_checks.get(organisation=alder)
    log(check, *[{"url": f"https://trust.example/{n}.html", "outcome": "read", "status": 200} for n in range(150)])
    url = reverse("casework:crawl_log", args=["RAL", later.pk])
    staff = client_for(UserFactory(role="auditor"))
    assert "https://trust.example/149.html" not in staff.get(url).content.decode()
    assert "https://trust.example/149.html" in staff.get(url, {"page": 2}).content.decode()


def test_a_crawl_log_is_the_trusts_own_and_only_of_published_cycles(world, logged):  # noqa: F811
    alder, birch, *_ = world
    running = AuditCycleFactory(name="2026 audit", status=AuditCycle.Status.IN_REVIEW)
    SiteCheckFactory(cycle=running, organisation=alder)
    own, other = client_for(TrustUserFactory(organisation=alder)), client_for(TrustUserFactory(organisation=birch))
    assert other.get(logged).status_code == 404
    assert own.get(reverse("casework:crawl_log", args=["RAL", running.pk])).status_code == 404
    assert own.get(logged + "3/").status_code == 404  # no third crawl
    assert Client().get(logged).status_code == 302
    staff = client_for(UserFactory(role="reviewer"))
    assert staff.get(reverse("casework:crawl_log", args=["RAL", running.pk])).status_code == 200


def test_the_status_page_and_the_history_link_to_what_we_read_and_what_changed(world):  # noqa: F811
    alder, _, earlier, later = world
    trust_user = client_for(TrustUserFactory(organisation=alder))
    for page in [reverse("trust:status"), reverse("casework:trust_history", args=["RAL"])]:
        html = trust_user.get(page).content.decode()
        assert reverse("casework:crawl_log", args=["RAL", later.pk]) in html
        assert reverse("casework:crawl_log", args=["RAL", earlier.pk]) in html
        assert reverse("casework:published_changes", args=["RAL"]) in html


def test_a_trust_sees_what_changed_since_the_last_published_audit_and_downloads_both_copies(world):  # noqa: F811
    alder, birch, earlier, later = world
    AuditCycleFactory(name="2026 audit", audit_date=datetime.date(2026, 1, 15), status=AuditCycle.Status.IN_REVIEW)
    SiteCheckFactory(cycle=AuditCycle.objects.get(name="2026 audit"), organisation=alder)
    trust_user = client_for(TrustUserFactory(organisation=alder))
    html = trust_user.get(reverse("casework:published_changes", args=["RAL"])).content.decode()
    assert "since 2024 audit" in html and "2026 audit" not in html  # only published cycles
    assert "Changed" in html and "https://trust.example/info.pdf" in html
    for cycle, body in [(earlier, b"2023 figures"), (later, b"2024 figures")]:
        finding = cycle.findings.get(organisation=alder, duty__code="psed-equality-information")
        url = reverse("trust:evidence", args=[finding.pk])
        assert url in html
        assert b"".join(trust_user.get(url).streaming_content) == body


def test_what_changed_is_the_trusts_own(world):  # noqa: F811
    alder, birch, *_ = world
    other = client_for(TrustUserFactory(organisation=birch))
    assert other.get(reverse("casework:published_changes", args=["RAL"])).status_code == 404
    assert Client().get(reverse("casework:published_changes", args=["RAL"])).status_code == 302
    staff = client_for(UserFactory(role="reviewer"))
    assert staff.get(reverse("casework:published_changes", args=["RAL"])).status_code == 200
