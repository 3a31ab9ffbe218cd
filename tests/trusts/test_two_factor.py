"""Two-factor sign-in, through the real pages: password, then a code from an authenticator app."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TrustUserFactory, UserFactory
from tests.otp import code_for
from trusts.models import ActivityRecord

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def sign_in_with_password(client, user, next_url: str = "/"):
    response = client.post(f"{reverse('login')}?next={next_url}", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"
    return client.get(response["Location"])


def actions(user) -> list[str]:
    return list(ActivityRecord.objects.filter(user=user).order_by("pk").values_list("action", flat=True))


def test_staff_without_an_app_cannot_set_one_up_with_a_password_alone(client):
    """Someone who stole a password before its owner's first sign-in must not enrol an app of their own."""
    auditor = UserFactory(role="auditor")

    response = sign_in_with_password(client, auditor, next_url=reverse("audits:cycle_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_set_up") + "?next=")
    assert client.get(reverse("trusts:list"))["Location"].startswith(reverse("two_factor_set_up"))
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert b"Ask an admin for a set-up link" in page.content
    assert b"<svg" not in page.content and "secret" not in page.context
    assert client.post(reverse("two_factor_set_up"), {"code": "123456", "password": PASSWORD}).status_code == 403
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert client.get(reverse("audits:cycle_list")).status_code == 302


def test_an_account_with_no_role_yet_cannot_set_one_up_either(client):
    """Roles given later would come with the thief's app."""
    person = UserFactory()
    sign_in_with_password(client, person)

    assert client.get(reverse("two_factor_set_up")).status_code == 403
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_a_trust_user_turns_it_on_with_the_password_again_and_the_apps_first_code(client):
    person = TrustUserFactory()
    sign_in_with_password(client, person)
    set_up_url = f"{reverse('two_factor_set_up')}?next={reverse('two_factor_account')}"
    assert b"<svg" in client.get(set_up_url).content  # the QR code
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", client.get(set_up_url).context["secret"])

    wrong = client.post(
        set_up_url, {"code": "000000" if code_for(device) != "000000" else "111111", "password": PASSWORD}
    )
    assert wrong.status_code == 400
    assert b"That code is wrong or has expired" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()
    no_password = client.post(set_up_url, {"code": code_for(device)})
    assert no_password.status_code == 400
    assert b"Enter your password" in no_password.content
    wrong_password = client.post(set_up_url, {"code": code_for(device), "password": "not my password at all"})
    assert wrong_password.status_code == 400
    assert b"Your password is wrong" in wrong_password.content
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()

    response = client.post(set_up_url, {"code": code_for(device), "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_account")
    assert TOTPDevice.objects.get(user=person).confirmed
    assert b"On" in client.get(reverse("two_factor_account")).content
    assert actions(person)[-1] == "trusts.two_factor.enabled"


def test_staff_with_an_app_enter_a_code_after_the_password(client):
    reviewer = UserFactory(role="reviewer")
    device = TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)

    response = sign_in_with_password(client, reviewer, next_url=reverse("audits:cycle_list"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    verify_url = response["Location"]

    wrong = client.post(verify_url, {"code": "12345"})
    assert wrong.status_code == 400
    assert b"6-digit code" in wrong.content
    assert client.get(reverse("audits:cycle_list")).status_code == 302

    response = client.post(verify_url, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:cycle_list")
    assert client.get(reverse("audits:cycle_list")).status_code == 200
    assert actions(reviewer) == ["trusts.sign_in.succeeded"]


def test_a_code_works_once(client):
    reviewer = UserFactory(role="reviewer")
    device = TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)
    code = code_for(device)
    sign_in_with_password(client, reviewer)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302

    other = type(client)()
    sign_in_with_password(other, reviewer)
    replay = other.post(reverse("two_factor_verify"), {"code": code})

    assert replay.status_code == 400
    assert "trusts.two_factor.failed" in actions(reviewer)


def test_wrong_codes_slow_down_further_tries(client):
    reviewer = UserFactory(role="reviewer")
    device = TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)
    sign_in_with_password(client, reviewer)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("two_factor_verify"), {"code": wrong})

    response = client.post(reverse("two_factor_verify"), {"code": code_for(device)})

    assert response.status_code == 400
    assert b"Too many wrong codes" in response.content
    assert client.get(reverse("audits:cycle_list")).status_code == 302


def test_someone_with_only_the_password_cannot_swap_in_their_own_app(client):
    reviewer = UserFactory(role="reviewer")
    TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)
    sign_in_with_password(client, reviewer)

    response = client.get(reverse("two_factor_set_up"))

    assert response["Location"] == reverse("two_factor_verify")
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_the_admin_site_uses_the_same_sign_in_and_second_step(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert client.get("/admin/login/?next=/admin/")["Location"] == f"{reverse('login')}?next=/admin/"
    sign_in_with_password(client, superuser)
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_set_up"))


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory", "admin", None])
def test_a_signed_in_person_the_admin_does_not_let_in_is_refused_not_sent_round_in_circles(client, role):
    person = UserFactory(role=role) if role else TrustUserFactory()
    client.force_login(person)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert [url for url, _ in response.redirect_chain] == ["/admin/login/?next=/admin/"]
    assert "You do not have permission to do this" in response.content.decode()


def test_trust_users_sign_in_with_a_password_alone_unless_they_turn_it_on(client):
    person = TrustUserFactory()
    assert sign_in_with_password(client, person).status_code == 302  # home sends them to their status page
    assert client.get(reverse("trust:status")).status_code == 200
    assert b"Off" in client.get(reverse("two_factor_account")).content

    client.get(reverse("two_factor_set_up"))
    device = TOTPDevice.objects.get(user=person)
    assert (
        client.post(reverse("two_factor_set_up"), {"code": code_for(device), "password": PASSWORD}).status_code == 302
    )
    client.logout()

    response = sign_in_with_password(client, person)
    assert response["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": code_for(device, steps_ahead=1)})
    assert client.get(reverse("trust:status")).status_code == 200

    assert client.post(reverse("two_factor_turn_off"), {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert "trusts.two_factor.disabled" in actions(person)


def test_turning_it_off_asks_for_the_password_again(client):
    person = TrustUserFactory()
    TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    client.force_login(person)
    assert b'name="password"' in client.get(reverse("two_factor_account")).content

    for data, error in [
        ({}, b"Enter your password"),
        ({"password": "not my password at all"}, b"Your password is wrong"),
    ]:
        response = client.post(reverse("two_factor_turn_off"), data)
        assert response.status_code == 400
        assert error in response.content

    assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()
    assert "trusts.two_factor.disabled" not in actions(person)


def test_wrong_passwords_typed_again_count_towards_the_lockout(client, settings):
    person = TrustUserFactory()
    TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    client.force_login(person)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("two_factor_turn_off"), {"password": "not my password at all"})

    client.post(reverse("two_factor_turn_off"), {"password": PASSWORD})

    assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_staff_cannot_turn_two_factor_sign_in_off(client):
    auditor = UserFactory(role="auditor")
    client.force_login(auditor)

    assert client.post(reverse("two_factor_turn_off")).status_code == 403
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).exists()
    assert b"must use it" in client.get(reverse("two_factor_account")).content
