"""Staff accounts: roles that cannot grow themselves, the staff users page, invitations that set up the
authenticator app, and an admin's reset of a lost phone."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import OrganisationFactory, UserFactory
from tests.otp import code_for
from trusts.models import ActivityRecord, User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def admin_user():
    return UserFactory(role="admin", is_staff=True, first_name="Ada", last_name="Admin")


def roles_of(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def logged(action: str, target=None) -> list[ActivityRecord]:
    entries = ActivityRecord.objects.filter(action=action)
    if target is not None:
        entries = entries.filter(target_id=str(target.pk))
    return list(entries)


# The Django admin


def post_admin_change(client, person, **changes):
    """The admin's change form for `person`, posted back with its own values and `changes`."""
    url = reverse("admin:trusts_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    for name in ("date_joined", "last_login"):
        if name in form.fields and form.initial.get(name):
            value = form.initial[name]
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        data.pop(name, None)
    for name in ("groups", "user_permissions"):
        if name in data:
            data[name] = [item.pk for item in data[name]]
    data.update(changes)
    return client.post(url, data)


def escalation(person):
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [group.pk for group in Group.objects.all()],
        "user_permissions": [Permission.objects.get(codename="sign_letter").pk],
    }


@pytest.mark.parametrize("whom", ["itself", "someone else"])
def test_the_admin_role_cannot_grant_superuser_staff_groups_or_permissions_in_the_django_admin(
    client, admin_user, whom
):
    person = admin_user if whom == "itself" else UserFactory(role="auditor", first_name="Al")
    client.force_login(admin_user)
    page = client.get(reverse("admin:trusts_user_change", args=[person.pk]))
    assert page.status_code == 200
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(page.context["adminform"].form.fields)

    response = post_admin_change(client, person, first_name="Renamed", **escalation(person))

    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert person.first_name == "Renamed"  # the harmless change is kept
    assert not person.is_superuser
    assert person.is_staff == (whom == "itself")  # unchanged: the admin user had it, the auditor did not
    assert roles_of(person) == ({"admin"} if whom == "itself" else {"auditor"})
    assert not person.user_permissions.exists()
    assert not person.has_perm("reports.sign_letter")


def test_a_change_that_sets_privileges_is_refused_however_it_reaches_the_admin(admin_user):
    person = UserFactory(role="auditor")
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[User]
    person.is_superuser = True

    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, person, form=None, change=True)

    assert not User.objects.get(pk=person.pk).is_superuser


def test_the_admin_role_cannot_change_a_superuser_or_set_another_staff_members_password(client, admin_user):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    signatory = UserFactory(role="signatory")
    client.force_login(admin_user)

    assert post_admin_change(client, superuser, first_name="Mallory").status_code == 403
    assert User.objects.get(pk=superuser.pk).first_name == ""
    password_url = reverse("admin:auth_user_password_change", args=[signatory.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert client.post(password_url, data).status_code == 403
    assert User.objects.get(pk=signatory.pk).check_password(PASSWORD)
    # Where a signatory's set-up links go is not the admin role's to change.
    assert post_admin_change(client, signatory, email="admin@evil.example").status_code == 302
    assert User.objects.get(pk=signatory.pk).email == signatory.email


def test_a_superuser_can_grant_them_in_the_django_admin(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory(role="auditor")
    client.force_login(superuser)

    response = post_admin_change(client, person, **escalation(person))

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(pk=person.pk)
    assert person.is_superuser and person.is_staff
    assert roles_of(person) == {"auditor", "reviewer", "signatory", "admin"}
    assert person.user_permissions.filter(codename="sign_letter").exists()


# The staff users page


def test_only_the_admin_role_opens_the_staff_users_page_and_its_navigation_link(client, admin_user):
    for role in ("auditor", "reviewer", "signatory"):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("trusts:staff")).status_code == 403
        assert b"Staff users" not in client.get(reverse("home"), follow=True).content
    client.force_login(admin_user)
    UserFactory(role="reviewer", first_name="Rae", last_name="Reviewer")

    page = client.get(reverse("trusts:staff"))

    assert page.status_code == 200
    assert b"Rae Reviewer" in page.content and b"Reviewer" in page.content
    assert reverse("trusts:staff").encode() in client.get(reverse("home")).content


def test_the_admin_role_changes_another_persons_roles_within_the_four_and_it_is_logged(client, admin_user):
    person = UserFactory(role="auditor")
    client.force_login(admin_user)
    url = reverse("trusts:staff_roles", args=[person.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"roles": ["auditor", "reviewer"], "is_superuser": "on", "is_staff": "on"})

    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert roles_of(person) == {"auditor", "reviewer"}
    assert not person.is_superuser and not person.is_staff
    entry = logged("trusts.user.roles_changed", person)[0]
    assert entry.user == admin_user
    assert entry.message == "Roles: auditor → auditor, reviewer"


@pytest.mark.parametrize("role", ["superuser", "is_superuser", "staff"])
def test_the_staff_users_page_offers_no_role_beyond_the_four(client, admin_user, role):
    person = UserFactory(role="auditor")
    client.force_login(admin_user)

    response = client.post(reverse("trusts:staff_roles", args=[person.pk]), {"roles": [role]})

    assert response.status_code == 400
    assert b"Select roles from the list" in response.content
    assert roles_of(person) == {"auditor"}
    invite = {"name": "Eve Intruder", "email": "eve@regulator.example", "roles": ["auditor", role]}
    assert client.post(reverse("trusts:staff"), invite).status_code == 400
    assert not User.objects.filter(email="eve@regulator.example").exists()


def test_the_admin_role_cannot_change_its_own_roles_or_a_superusers_on_the_staff_page(client, admin_user):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    for person in (admin_user, superuser):
        url = reverse("trusts:staff_roles", args=[person.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"roles": ["auditor", "reviewer", "signatory", "admin"]}).status_code == 403
        for name in ("staff_deactivate", "staff_reset_two_factor"):
            assert client.post(reverse(f"trusts:{name}", args=[person.pk])).status_code == 403
    assert roles_of(admin_user) == {"admin"}
    assert roles_of(superuser) == set()
    assert User.objects.get(pk=superuser.pk).is_active
    assert not logged("trusts.user.roles_changed")


def test_a_superuser_changes_roles_on_the_staff_page(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    admin_user = UserFactory(role="admin")
    client.force_login(superuser)

    response = client.post(reverse("trusts:staff_roles", args=[admin_user.pk]), {"roles": ["admin", "signatory"]})

    assert response.status_code == 302
    assert roles_of(admin_user) == {"admin", "signatory"}


def test_trust_users_are_not_staff_accounts(client, admin_user):
    trust_user = UserFactory(organisation=OrganisationFactory())
    client.force_login(admin_user)

    assert client.post(reverse("trusts:staff_roles", args=[trust_user.pk]), {"roles": ["auditor"]}).status_code == 404
    assert client.post(reverse("trusts:staff_roles", args=[2**64]), {"roles": ["auditor"]}).status_code == 404
    assert not trust_user.groups.exists()


def test_deactivating_and_reactivating_staff_is_logged(client, admin_user):
    person = UserFactory(role="reviewer")
    client.force_login(admin_user)

    assert client.post(reverse("trusts:staff_deactivate", args=[person.pk])).status_code == 302
    assert not User.objects.get(pk=person.pk).is_active
    assert client.post(reverse("trusts:staff_reactivate", args=[person.pk])).status_code == 302
    assert User.objects.get(pk=person.pk).is_active
    assert [e.user for e in logged("trusts.user.deactivated", person)] == [admin_user]
    assert [e.user for e in logged("trusts.user.reactivated", person)] == [admin_user]


# Invitations that set up the app


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/trusts/invitation/\S+/)", message.body)[1]


def secret_device(page) -> TOTPDevice:
    """What the person's app holds once they typed the key shown on the page."""
    from base64 import b32decode

    return TOTPDevice(key=b32decode(page.context["secret"].replace(" ", "")).hex())


def invite(client, admin_user, roles=("signatory",)):
    client.force_login(admin_user)
    data = {"name": "Sol Signer", "email": "Sol.Signer@regulator.example", "roles": list(roles)}
    response = client.post(reverse("trusts:staff"), data)
    assert response.status_code == 302, response.content.decode()
    client.logout()
    return User.objects.get(email="sol.signer@regulator.example")


def test_an_invitation_sets_the_password_and_the_authenticator_app_before_the_account_opens(client, admin_user):
    person = invite(client, admin_user)
    assert (person.is_active, person.has_usable_password(), roles_of(person)) == (False, False, {"signatory"})
    assert not person.is_staff and not person.is_superuser
    assert mail.outbox[0].to == ["sol.signer@regulator.example"]
    assert "authenticator app" in mail.outbox[0].body
    assert logged("trusts.user.invited", person)[0].user == admin_user
    path = link_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert b"<svg" in page.content
    app = secret_device(page)

    wrong = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": "12"})
    assert wrong.status_code == 400
    assert not User.objects.get(pk=person.pk).is_active
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": code_for(app)})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    person = User.objects.get(pk=person.pk)
    assert person.is_active and person.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.get(user=person).confirmed
    assert client.get(reverse("letters:list")).status_code == 200  # signed in, second step passed
    client.logout()
    assert client.get(path).status_code == 404  # the link worked once


def test_a_staff_invitation_ignores_a_wrong_code_and_keeps_no_password(client, admin_user):
    person = invite(client, admin_user)
    path = link_path(mail.outbox[0])
    app = secret_device(client.get(path))
    wrong = "000000" if code_for(app) != "000000" else "111111"

    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": wrong})

    assert response.status_code == 400
    assert b"That code is wrong or has expired" in response.content
    person = User.objects.get(pk=person.pk)
    assert not person.is_active and not person.has_usable_password()
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()


# The lost phone


def test_the_admin_role_resets_a_lost_phone_with_a_confirmation_and_it_is_logged(client, admin_user):
    person = UserFactory(role="reviewer", email="rae@regulator.example")
    TOTPDevice.objects.create(user=person, name="Lost phone", confirmed=True)
    their_session = type(client)()
    their_session.force_login(person)
    client.force_login(admin_user)
    url = reverse("trusts:staff_reset_two_factor", args=[person.pk])

    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert b"Reset two-factor sign-in" in confirmation.content
    assert TOTPDevice.objects.filter(user=person).exists()  # nothing happens before the confirmation
    response = client.post(url)

    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not person.has_usable_password() and not person.is_active
    assert their_session.get(reverse("audits:cycle_list")).status_code == 302  # signed out
    entry = logged("trusts.user.two_factor_reset", person)[0]
    assert entry.user == admin_user
    assert "Removed 1 authenticator app" in entry.message
    assert mail.outbox[-1].to == ["rae@regulator.example"]
    assert "reset your two-factor sign-in" in mail.outbox[-1].body

    path = link_path(mail.outbox[-1])
    app = secret_device(client.get(path))
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": code_for(app)}
    assert client.post(path, data).status_code == 302
    assert TOTPDevice.objects.get(user=person).confirmed
    assert client.get(reverse("audits:review_queues")).status_code == 200


def test_after_a_reset_the_old_password_alone_sets_up_nothing(client, admin_user):
    person = UserFactory(role="auditor")
    TOTPDevice.objects.create(user=person, name="Lost phone", confirmed=True)
    client.force_login(admin_user)
    client.post(reverse("trusts:staff_reset_two_factor", args=[person.pk]))
    client.logout()

    response = client.post(reverse("login"), {"username": person.username, "password": PASSWORD})

    assert response.status_code == 200  # refused
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_the_operator_prints_a_set_up_link_for_a_superuser_made_on_the_command_line(client):
    superuser = User.objects.create_superuser("root", "root@regulator.example", PASSWORD)
    out = io.StringIO()
    call_command("set_up_link", "root", stdout=out)
    path = urlsplit(out.getvalue().strip()).path

    app = secret_device(client.get(path))
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": code_for(app)}
    assert client.post(path, data).status_code == 302
    assert TOTPDevice.objects.get(user=superuser).confirmed
    assert client.get("/admin/").status_code == 200
    assert logged("trusts.user.set_up_link", superuser)
    with pytest.raises(CommandError, match="No one has the username"):
        call_command("set_up_link", "nobody")
    with pytest.raises(CommandError, match="is a trust user"):
        call_command("set_up_link", UserFactory(organisation=OrganisationFactory()).username)


def test_the_admin_role_resets_a_trust_users_lost_phone_and_it_is_logged(client, admin_user):
    trust = OrganisationFactory(ods_code="RAA")
    person = UserFactory(organisation=trust)
    TOTPDevice.objects.create(user=person, name="Lost phone", confirmed=True)
    client.force_login(admin_user)
    url = reverse("trusts:user_reset_two_factor", kwargs={"ods_code": "RAA", "pk": person.pk})
    assert url.encode() in client.get(reverse("trusts:users", kwargs={"ods_code": "RAA"})).content
    assert client.get(url).status_code == 200
    assert TOTPDevice.objects.filter(user=person).exists()

    assert client.post(url).status_code == 302

    assert not TOTPDevice.objects.filter(user=person).exists()
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)  # they sign in with it alone
    assert logged("trusts.user.two_factor_reset", person)[0].user == admin_user
    client.logout()
    client.post(reverse("login"), {"username": person.username, "password": PASSWORD})
    assert client.get(reverse("trust:status")).status_code == 200
