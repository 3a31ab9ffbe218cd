import pytest
from django.urls import reverse

from tests.factories import TrustUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_health_check_needs_no_sign_in(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


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
