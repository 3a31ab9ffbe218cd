"""Sign-in lockout (django-axes), the activity log, and the content security policy."""

import pytest
from django.urls import reverse

from audits import services
from tests.factories import AuditCycleFactory, TrustUserFactory, UserFactory
from trusts.models import ActivityRecord

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def attempt(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_that_username_out_from_that_address(client, settings):
    person = TrustUserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, person.username, "wrong").status_code == 200

    locked = attempt(client, person.username, "wrong")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert b"Try again in 15 minutes" in locked.content

    # Even the right password is refused while the lockout lasts...
    assert attempt(client, person.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ...but only for that username from that address.
    assert attempt(type(client)(), person.username, PASSWORD, address="198.51.100.9").status_code == 302

    logged = ActivityRecord.objects.filter(username=person.username).values_list("action", "ip_address")
    assert ("trusts.sign_in.failed", "203.0.113.7") in logged
    assert ("trusts.sign_in.locked_out", "203.0.113.7") in logged
    assert ("trusts.sign_in.succeeded", "198.51.100.9") in logged


def test_a_good_sign_in_clears_earlier_failures(client, settings):
    person = TrustUserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, person.username, "wrong")
    assert attempt(client, person.username, PASSWORD).status_code == 302
    client.logout()

    assert attempt(client, person.username, "wrong").status_code == 200
    assert attempt(client, person.username, PASSWORD).status_code == 302


def test_sensitive_actions_are_in_the_activity_log_which_admins_can_read(client):
    auditor = UserFactory(role="auditor")
    cycle = AuditCycleFactory(status="in_review")
    services.publish_cycle(cycle, auditor)
    client.force_login(UserFactory(role="admin"))

    page = client.get(reverse("trusts:activity"), {"action": "audits.cycle"})

    assert page.status_code == 200
    rows = page.context["table"].rows
    assert [(row.record.action, row.record.user) for row in rows] == [("audits.cycle.published", auditor)]
    assert cycle.name in page.content.decode()


def test_the_activity_log_cannot_be_changed(client):
    entry = ActivityRecord.objects.create(action="trusts.sign_in.failed", username="someone")
    entry.message = "nothing happened"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change_page = client.get(reverse("admin:trusts_activityrecord_change", args=[entry.pk]))
    assert b"Save" not in change_page.content


def test_pages_carry_a_strict_content_security_policy(client):
    client.force_login(UserFactory(role="auditor"))

    policy = client.get(reverse("home"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_changes_made_in_the_admin_are_logged(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory(username="to-be-renamed")
    client.force_login(superuser)
    page = client.get(reverse("admin:trusts_user_change", args=[person.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(username="renamed", groups=[], user_permissions=[], date_joined_0="2026-01-01", date_joined_1="09:00")
    data.pop("date_joined", None)
    data.pop("last_login", None)

    response = client.post(reverse("admin:trusts_user_change", args=[person.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = ActivityRecord.objects.get(action="admin.changed")
    assert (entry.user, entry.target_repr) == (superuser, "renamed")
    assert "Username" in entry.message
