"""A trust user, in Chromium, reads its own timeline, what changed on its website and what we read there,
with axe finding no serious problem; another trust's user gets 404 on every one of them."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, CrawlLogEntry, Evidence
from reports.letters import approve_letter, draft_letter, issue_letter
from tests.browser.conftest import axe_check, follow, sign_in
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _stored(check, path: str, body: bytes) -> Evidence:
    url = f"{check.organisation.website}{path}"
    evidence = Evidence(
        site_check=check,
        url=url,
        final_url=url,
        status_code=200,
        content_type="application/pdf",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        title="Equality information",
        fetched_at=timezone.now(),
    )
    evidence.file.save(evidence.sha256, ContentFile(body), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def world():
    """Two published audits of Alderbrook, whose equality information changed between them, with a letter
    and the later crawl's log; Beechwood beside it."""
    trust = OrganisationFactory(
        ods_code="RAA",
        name="Alderbrook Hospitals NHS Trust",
        website="https://www.alderbrook.nhs.example/",
        chief_executive="Dr Jane Smith",
        address="Alderbrook House\n1 River Road\nAlderbrook",
        postcode="AB1 2CD",
    )
    OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust")
    information = DutyFactory(code="psed-equality-information", title="Equality information", sort_order=1)
    objectives = DutyFactory(code="psed-equality-objectives", title="Equality objectives", sort_order=2)
    earlier = AuditCycleFactory(
        name="2024 web audit", audit_date=datetime.date(2024, 1, 15), status=AuditCycle.Status.CLOSED
    )
    later = AuditCycleFactory(
        name="2025 web audit", audit_date=datetime.date(2025, 1, 15), status=AuditCycle.Status.PUBLISHED
    )
    for cycle, body in [(earlier, b"%PDF-1.4 2023 figures"), (later, b"%PDF-1.4 2024 figures")]:
        cycle.duties.add(information, objectives)
        check = SiteCheckFactory(cycle=cycle, organisation=trust, state="done", pages_fetched=3)
        FindingFactory(site_check=check, duty=information, evidence=_stored(check, "equality/info.pdf", body))
        FindingFactory(site_check=check, duty=objectives, status="not_met", reviewed_status="not_met")
    home = trust.website
    CrawlLogEntry.objects.bulk_create(
        CrawlLogEntry(site_check=check, crawl=1, position=n, logged_at=timezone.now(), **entry)
        for n, entry in enumerate(
            [
                {"url": home, "outcome": "read", "status": 200, "content_type": "text/html", "size": 5120},
                {"url": f"{home}equality/objectives.pdf", "outcome": "broken", "status": 404},
                {"url": f"{home}private/board.pdf", "outcome": "blocked", "detail": "robots.txt asks..."},
                {"url": f"{home}equality/info.pdf", "outcome": "read", "content_type": "application/pdf"},
            ],
            start=1,
        )
    )
    signatory = UserFactory(role="signatory", first_name="Helen", last_name="Carter", job_title="Director")
    issue_letter(approve_letter(draft_letter(later, trust), signatory), signatory)
    return {"trust": trust, "later": later}


def _pages(world) -> list[str]:
    ods = world["trust"].ods_code
    return [
        reverse("casework:trust_history", args=[ods]),
        reverse("casework:published_changes", args=[ods]),
        reverse("casework:crawl_log", args=[ods, world["later"].pk]),
    ]


def test_a_trust_reads_its_timeline_what_changed_and_what_we_read(live_server, page, world):
    user = TrustUserFactory(organisation=world["trust"])
    sign_in(page, live_server, user.get_username())
    history, changes, crawl_log = _pages(world)

    page.goto(f"{live_server.url}{reverse('trust:status')}")
    follow(page.get_by_role("link", name="Your trust's history: every audit, letter, answer and recheck"))
    assert page.url.endswith(history)
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.get_by_text("2025 web audit").first.is_visible()
    axe_check(page)

    follow(page.get_by_role("link", name="What changed on the website since the last published audit"))
    assert page.url.endswith(changes)
    assert page.get_by_text("Changed", exact=True).is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 2024 web audit copy of Equality information").click()
    assert download.value.path().read_bytes() == b"%PDF-1.4 2023 figures"
    axe_check(page)

    page.goto(f"{live_server.url}{reverse('trust:status')}")
    follow(page.get_by_role("link", name="What we read on your website in the 2025 web audit"))
    assert page.url.endswith(crawl_log)
    table = page.get_by_role("table")
    for words in ["Broken link: the page was not found", "Not read: your robots.txt asks crawlers not to read it"]:
        assert table.get_by_text(words).is_visible()
    assert "404" not in table.inner_text()
    axe_check(page)


def test_another_trusts_user_gets_404_on_all_of_them(live_server, page, world):
    other = TrustUserFactory(organisation=Organisation.objects.get(ods_code="RBB"))
    sign_in(page, live_server, other.get_username())
    for path in _pages(world):
        assert page.goto(f"{live_server.url}{path}").status == 404, path
