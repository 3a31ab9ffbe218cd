import datetime
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import OrganisationFactory, TrustUserFactory, UserFactory
from trusts import invitations
from trusts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def trust():
    return OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust")


@pytest.fixture
def admin():
    return UserFactory(role="admin", first_name="Ada", last_name="Admin")


def _invite(client, admin, trust, email="jo.bloggs@raa.nhs.example", name="Jo Bloggs"):
    client.force_login(admin)
    return client.post(reverse("trusts:users", kwargs={"ods_code": trust.ods_code}), {"name": name, "email": email})


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/trusts/invitation/\S+/)", message.body)[1]


def test_admin_invites_a_person_who_gets_an_inactive_account_and_an_email(client, admin, trust):
    response = _invite(client, admin, trust)

    assert response.status_code == 302
    user = User.objects.get(email="jo.bloggs@raa.nhs.example")
    assert (user.organisation, user.is_active, user.has_usable_password()) == (trust, False, False)
    assert (user.first_name, user.last_name) == ("Jo", "Bloggs")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jo.bloggs@raa.nhs.example"]
    assert "Alderbrook Hospitals NHS Trust" in mail.outbox[0].body
    assert _link_path(mail.outbox[0]).startswith("/trusts/invitation/")


def test_invited_person_sets_password_is_signed_in_and_lands_on_status_page(client, admin, trust):
    _invite(client, admin, trust)
    client.logout()
    path = _link_path(mail.outbox[0])

    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("trust:status")
    user = User.objects.get(email="jo.bloggs@raa.nhs.example")
    assert user.is_active and user.check_password(PASSWORD)
    assert client.get(reverse("trust:status")).status_code == 200


def test_invitation_link_works_only_once(client, admin, trust):
    _invite(client, admin, trust)
    client.logout()
    path = _link_path(mail.outbox[0])
    client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    client.logout()

    response = client.get(path)

    assert response.status_code == 404
    assert b"does not work" in response.content


def test_invitation_link_expires(client, admin, trust, monkeypatch, settings):
    _invite(client, admin, trust)
    client.logout()
    later = datetime.datetime.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    assert client.get(_link_path(mail.outbox[0])).status_code == 404


def test_weak_password_is_refused_with_the_reason(client, admin, trust):
    _invite(client, admin, trust)
    client.logout()

    response = client.post(_link_path(mail.outbox[0]), {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert not User.objects.get(email="jo.bloggs@raa.nhs.example").is_active


def test_tampered_invitation_link_is_refused(client, admin, trust):
    _invite(client, admin, trust)
    client.logout()
    path = _link_path(mail.outbox[0])

    assert client.get(path[:-3] + "zz/").status_code == 404
    assert client.get("/trusts/invitation/not-base64/abc-def/").status_code == 404


def test_a_staff_link_never_opens_the_account_with_a_password_alone(client):
    """A member of staff's link sets up the authenticator app too: without its code, nothing is kept."""
    staff = UserFactory(role="admin", is_active=False)
    staff.set_unusable_password()
    staff.save()
    uidb64 = urlsafe_base64_encode(force_bytes(staff.pk))
    token = default_token_generator.make_token(staff)
    path = reverse("trusts:invitation", kwargs={"uidb64": uidb64, "token": token})
    page = client.get(path)
    assert page.status_code == 200
    assert b"QR code holding your secret key" in page.content

    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert response.status_code == 400
    staff.refresh_from_db()
    assert not staff.is_active and not staff.has_usable_password()
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    assert client.get(reverse("home")).status_code == 302  # not signed in


def test_inviting_an_address_already_in_use_shows_the_error(client, admin, trust):
    TrustUserFactory(email="jo.bloggs@raa.nhs.example")

    response = _invite(client, admin, trust)

    assert response.status_code == 200
    assert b"already has an account" in response.content
    assert len(mail.outbox) == 0


def test_trust_can_have_several_users(client, admin, trust):
    _invite(client, admin, trust, email="a@raa.nhs.example")
    _invite(client, admin, trust, email="b@raa.nhs.example")

    assert trust.users.count() == 2
    page = client.get(reverse("trusts:users", kwargs={"ods_code": "RAA"}))
    assert b"a@raa.nhs.example" in page.content and b"b@raa.nhs.example" in page.content


def test_deactivated_trust_user_cannot_sign_in_and_loses_session(client, admin, trust):
    person = TrustUserFactory(organisation=trust)
    other_client = type(client)()
    other_client.force_login(person)
    client.force_login(admin)

    response = client.post(reverse("trusts:user_deactivate", kwargs={"ods_code": "RAA", "pk": person.pk}))

    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert other_client.get(reverse("trust:status")).status_code == 302
    sign_in = {"username": person.username, "password": "correct horse battery staple"}
    refused = other_client.post(reverse("login"), sign_in)
    assert b"Enter a correct username and password" in refused.content


def test_reactivated_trust_user_can_sign_in_again(client, admin, trust):
    person = TrustUserFactory(organisation=trust, is_active=False)
    client.force_login(admin)

    client.post(reverse("trusts:user_reactivate", kwargs={"ods_code": "RAA", "pk": person.pk}))

    person.refresh_from_db()
    assert person.is_active
    sign_in = {"username": person.username, "password": "correct horse battery staple"}
    assert type(client)().post(reverse("login"), sign_in).status_code == 302


def test_withdrawn_invitation_link_stops_working(client, admin, trust):
    _invite(client, admin, trust)
    person = User.objects.get(email="jo.bloggs@raa.nhs.example")
    client.post(reverse("trusts:user_deactivate", kwargs={"ods_code": "RAA", "pk": person.pk}))
    client.logout()

    assert client.get(_link_path(mail.outbox[0])).status_code == 404


def test_new_invitation_voids_the_old_link(client, admin, trust):
    _invite(client, admin, trust)
    person = User.objects.get(email="jo.bloggs@raa.nhs.example")
    client.post(reverse("trusts:user_reinvite", kwargs={"ods_code": "RAA", "pk": person.pk}))
    client.logout()

    assert len(mail.outbox) == 2
    assert client.get(_link_path(mail.outbox[0])).status_code == 404
    assert client.get(_link_path(mail.outbox[1])).status_code == 200


def test_user_of_another_trust_cannot_be_changed_through_this_trusts_address(client, admin, trust):
    stranger = TrustUserFactory(organisation=OrganisationFactory(ods_code="RBB"))
    client.force_login(admin)

    response = client.post(reverse("trusts:user_deactivate", kwargs={"ods_code": "RAA", "pk": stranger.pk}))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory"])
def test_staff_without_user_permissions_are_refused(client, trust, role):
    person = TrustUserFactory(organisation=trust)
    client.force_login(UserFactory(role=role))

    assert client.get(reverse("trusts:users", kwargs={"ods_code": "RAA"})).status_code == 403
    assert (
        client.post(reverse("trusts:users", kwargs={"ods_code": "RAA"}), {"name": "X", "email": "x@y.z"}).status_code
        == 403
    )
    assert (
        client.post(reverse("trusts:user_deactivate", kwargs={"ods_code": "RAA", "pk": person.pk})).status_code == 403
    )


def test_trust_user_is_refused_user_management_even_for_own_trust(client, trust):
    person = TrustUserFactory(organisation=trust)
    client.force_login(TrustUserFactory(organisation=trust))

    assert client.get(reverse("trusts:users", kwargs={"ods_code": "RAA"})).status_code == 403
    assert (
        client.post(reverse("trusts:user_deactivate", kwargs={"ods_code": "RAA", "pk": person.pk})).status_code == 403
    )
    person.refresh_from_db()
    assert person.is_active


def test_anonymous_visitor_is_sent_to_sign_in_from_user_management(client, trust):
    response = client.get(reverse("trusts:users", kwargs={"ods_code": "RAA"}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_users_page_of_unknown_trust_is_404(client, admin):
    client.force_login(admin)
    assert client.get(reverse("trusts:users", kwargs={"ods_code": "ZZZ"})).status_code == 404


def test_invite_user_service_rolls_back_when_mail_fails(trust, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(invitations, "send_mail", broken)
    with pytest.raises(OSError):
        invitations.invite_user(trust, "Jo Bloggs", "jo@raa.nhs.example", admin)
    assert not User.objects.filter(email="jo@raa.nhs.example").exists()
