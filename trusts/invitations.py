"""Inviting people at a trust: an inactive account and an e-mail with a single-use link to set a password.

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

from . import activity
from .models import Organisation, User


class InvitationError(Exception):
    """An invitation that cannot be made, in words for the person who asked."""


def invitation_url(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("trusts:invitation", kwargs={"uidb64": uidb64, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(user: User, invited_by: User) -> None:
    context = {
        "user": user,
        "organisation": user.organisation,
        "url": invitation_url(user),
        "invited_by": invited_by,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = render_to_string("trusts/invitation/email_subject.txt", context).strip()
    body = render_to_string("trusts/invitation/email.txt", context)
    send_mail(subject, body, None, [user.email])


def invite_user(organisation: Organisation, name: str, email: str, invited_by: User) -> User:
    """Create an inactive trust user without a password and e-mail them the link to set one."""
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
        # Inside the transaction: if the mail cannot be sent, no half-invited account is left behind.
        send_invitation(user, invited_by)
    activity.record("trusts.user.invited", invited_by, user, f"Invited to {organisation.ods_code}")
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
    """The invited trust user the link is for, if the link is still good."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
        user = User.objects.select_related("organisation").get(pk=pk, organisation__isnull=False)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.has_usable_password() or not default_token_generator.check_token(user, token):
        return None
    return user


def accept_invitation(user: User) -> None:
    """The person has chosen a password (already set on `user`): the account opens."""
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    activity.record("trusts.user.activated", user, user, "Chose a password")


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
