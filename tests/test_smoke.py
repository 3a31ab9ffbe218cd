import html
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.factories import TrustUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_health_check_needs_no_sign_in(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_page_the_crawlers_user_agent_names_is_public_and_says_how_it_reads_a_site(client, settings):
    settings.AUDIT_CRAWL_DELAY, settings.AUDIT_PAGE_BUDGET, settings.AUDIT_TIME_BUDGET = 2.0, 100, 300.0
    address = re.search(r"\(\+(\S+)\)", settings.AUDIT_USER_AGENT)[1]
    assert address == settings.SITE_URL + "/about/crawler"

    response = client.get(urlsplit(address).path)
    assert response.status_code == 200
    words = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert html.escape(settings.AUDIT_USER_AGENT) in response.content.decode()
    assert "one request at a time to your website and waits at least 2 seconds" in words
    assert "at most 100 pages and documents" in words and "stops after 5 minutes" in words
    assert "Crawl-delay" in words and "robots.txt" in words


def test_home_redirects_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_auditor_sees_dashboard(client):
    client.force_login(UserFactory(role="auditor"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Dashboard" in response.content


def test_trust_user_sees_own_organisation_and_cannot_list_trusts(client):
    user = TrustUserFactory(organisation__name="Alderbrook Hospitals NHS Trust")
    client.force_login(user)
    assert b"Alderbrook Hospitals NHS Trust" in client.get(reverse("home"), follow=True).content
    assert client.get(reverse("trusts:list")).status_code == 403
