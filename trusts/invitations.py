"""Inviting people: an inactive account and an e-mail with a single-use link to set a password.

Trust users are invited by staff to their trust; regulator staff by the admin role, with their roles
(never superuser). A member of staff's link also sets up their authenticator app: the account cannot
be used until both are done, so a password stolen before the first sign-in is worth nothing. When a
member of staff loses their phone, an admin resets their second factor: the app and the password go,
and a new single-use link sets up both again.

The link carries Django's password-reset token. It is bound to the password hash, so it stops
working once the password is set (single use) and after PASSWORD_RESET_TIMEOUT (expiry).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from . import activity, roles, two_factor
from .models import Organisation, User


class InvitationError(Exception):
    """An invitation that cannot be made, in words for the person who asked."""


def invitation_url(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("trusts:invitation", kwargs={"uidb64": uidb64, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(user: User, invited_by: User, *, reset: bool = False) -> None:
    context = {
        "user": user,
        "organisation": user.organisation,
        "url": invitation_url(user),
        "invited_by": invited_by,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "reset": reset,
    }
    folder = "trusts/invitation" if user.organisation_id else "trusts/staff"
    subject = render_to_string(f"{folder}/email_subject.txt", context).strip()
    body = render_to_string(f"{folder}/email.txt", context)
    send_mail(subject, body, None, [user.email])


def invite_user(organisation: Organisation, name: str, email: str, invited_by: User) -> User:
    """Create an inactive trust user without a password and e-mail them the link to set one."""
    user = _new_account(organisation, name, email, invited_by, [])
    activity.record("trusts.user.invited", invited_by, user, f"Invited to {organisation.ods_code}")
    return user


def invite_staff(name: str, email: str, staff_roles: list[str], invited_by: User) -> User:
    """Create an inactive member of staff with these roles, no password and no app, and e-mail the link."""
    if not staff_roles:
        raise InvitationError("Select at least one role.")
    user = _new_account(None, name, email, invited_by, staff_roles)
    activity.record("trusts.user.invited", invited_by, user, f"Invited as staff: {', '.join(roles.roles_of(user))}")
    return user


def _new_account(organisation: Organisation | None, name: str, email: str, invited_by: User, staff_roles) -> User:
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise InvitationError(f"Someone with the e-mail address {email} already has an account.")
    first_name, _, last_name = name.strip().partition(" ")
    with transaction.atomic():
        user = User(
            username=email,
            email=email,
            first_name=first_name[:150],
            last_name=last_name.strip()[:150],
            organisation=organisation,
            is_active=False,
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same person invited twice at once: the other request won
            raise InvitationError(f"Someone with the e-mail address {email} already has an account.") from None
        if staff_roles:
            roles.set_roles(user, staff_roles)
        # Inside the transaction: if the mail cannot be sent, no half-invited account is left behind.
        send_invitation(user, invited_by)
    return user


def resend_invitation(user: User, invited_by: User) -> None:
    """A fresh link for someone who has not set a password yet; earlier links stop working."""
    if user.has_usable_password():
        raise InvitationError(f"{user.email} has already set a password.")
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        send_invitation(user, invited_by)
    activity.record("trusts.user.reinvited", invited_by, user)


def user_for_invitation(uidb64: str, token: str) -> User | None:
    """The invited person the link is for (trust user or staff), if the link is still good."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
        user = User.objects.select_related("organisation").get(pk=pk)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    if user.has_usable_password() or not default_token_generator.check_token(user, token):
        return None
    return user


def needs_app(user: User) -> bool:
    """Whether the link must also set up an authenticator app: for everyone but trust users."""
    return not user.is_trust_user


def accept_invitation(user: User) -> None:
    """The person has chosen a password (already set on `user`), and staff their app: the account opens."""
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    activity.record("trusts.user.activated", user, user, "Chose a password")


def change_roles(user: User, staff_roles: list[str], by: User) -> None:
    """Give a member of staff exactly these roles; never the acting admin's own, never a superuser's."""
    _check_may_manage(user, by)
    if not staff_roles:
        raise InvitationError("Select at least one role. To stop someone signing in, deactivate them.")
    before = roles.roles_of(user)
    with transaction.atomic():
        roles.set_roles(user, staff_roles)
    after = roles.roles_of(user)
    if before != after:
        message = f"Roles: {', '.join(before) or 'none'} → {', '.join(after)}"
        activity.record("trusts.user.roles_changed", by, user, message)


def reset_second_factor(user: User, by: User) -> None:
    """After a lost phone: the person's apps go; staff also lose their password and get a new link.

    A member of staff cannot sign in without an app, and never sets one up with a password alone,
    so the single-use link sets up both again. A trust user signs in with the password alone and may
    turn two-factor sign-in on again.
    """
    _check_may_manage(user, by)
    if not user.is_active and user.has_usable_password():
        raise InvitationError(f"{user.email} is deactivated: reactivate them first.")
    with transaction.atomic():
        removed = two_factor.remove_devices(user)
        if needs_app(user):
            user.is_active = False
            user.set_unusable_password()  # ends their sessions; a new hash also voids any older link
            user.save(update_fields=["is_active", "password"])
            send_invitation(user, by, reset=True)
    message = f"Removed {removed} authenticator app{'s' if removed != 1 else ''}"
    if needs_app(user):
        message += "; sent a link to choose a password and set up an app"
    activity.record("trusts.user.two_factor_reset", by, user, message)


def fresh_set_up_link(user: User) -> str:
    """For the operator's command line (a superuser made with createsuperuser, the first admin): the
    person's password and apps go, and the single-use link returned sets up both."""
    if not needs_app(user):
        raise InvitationError(f"{user.get_username()} is a trust user: invite them from their trust's users page.")
    with transaction.atomic():
        removed = two_factor.remove_devices(user)
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    message = f"Set-up link made on the command line; removed {removed} authenticator app{'s' if removed != 1 else ''}"
    activity.record("trusts.user.set_up_link", None, user, message)
    return invitation_url(user)


def deactivate_staff(user: User, by: User) -> None:
    _check_may_manage(user, by)
    deactivate_user(user, by)


def reactivate_staff(user: User, by: User) -> None:
    _check_may_manage(user, by)
    reactivate_user(user, by)


def reinvite_staff(user: User, by: User) -> None:
    _check_may_manage(user, by)
    resend_invitation(user, by)


def _check_may_manage(user: User, by: User) -> None:
    """Nobody manages their own account here, and only a superuser manages a superuser."""
    if user.pk == by.pk:
        raise InvitationError("You cannot change your own account here: ask another admin.")
    if user.is_superuser and not by.is_superuser:
        raise InvitationError(f"Only a superuser can change {user.email or user.get_username()}.")


def deactivate_user(user: User, by: User) -> None:
    """Stop a trust user signing in; a pending invitation link stops working too."""
    if not user.is_active and user.has_usable_password():
        raise InvitationError(f"{user.email} is already deactivated.")
    user.is_active = False
    if not user.has_usable_password():
        user.set_unusable_password()  # a new unusable hash voids the invitation token
    user.save(update_fields=["is_active", "password"])
    activity.record("trusts.user.deactivated", by, user)


def reactivate_user(user: User, by: User) -> None:
    if user.is_active:
        raise InvitationError(f"{user.email} is already active.")
    if not user.has_usable_password():
        raise InvitationError(f"{user.email} has never set a password: send a new invitation instead.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    activity.record("trusts.user.reactivated", by, user)
