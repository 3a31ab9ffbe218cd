"""Two-factor sign-in with an authenticator app (TOTP, django-otp).

Staff must pass a second step after their password; trust users may turn it on for themselves.
The middleware sends anyone who owes the second step to it before any other page.

Staff never set up their app by signing in with a password: they do it on the single-use page their
invitation (or an admin's reset of their second factor) links to, so that a password stolen before
the owner's first sign-in is worth nothing. Trust users turn it on or off after typing their password
again.
"""

import base64
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import activity


def two_factor_exempt(view: Callable) -> Callable:
    """Mark a view that someone who has not yet passed the second step may open (the step itself, sign-out)."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def is_required(user) -> bool:
    return user.is_staff or user.is_regulator_staff


def may_set_up_after_password(user) -> bool:
    """Only trust users set up an app once signed in; anyone else (staff, or an account with no role
    yet) only through their single-use link, lest a stolen password enrol the thief's app."""
    return user.is_trust_user


def password_is_right(request, password: str) -> bool:
    """The signed-in person's password, typed again; wrong tries count towards the sign-in lockout."""
    user = request.user
    if not password or not user.is_authenticated:
        return False
    found = authenticate(request, username=user.get_username(), password=password)
    return found is not None and found.pk == user.pk


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The device being set up: created once, so that a reloaded page shows the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_for_typing(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def verify(request, device: TOTPDevice, code: str) -> bool:
    """Check a code; on success the session counts as signed in with two factors."""
    if not device.verify_token(code):
        activity.record("trusts.two_factor.failed", request.user, request=request)
        return False
    otp_login(request, device)
    return True


def confirm(request, device: TOTPDevice, code: str) -> bool:
    """Finish setting up a device with the first code it shows; other half-set-up devices go."""
    if not verify(request, device, code):
        return False
    _mark_confirmed(device)
    activity.record("trusts.two_factor.enabled", request.user, request=request)
    return True


def code_is_right(request, device: TOTPDevice, code: str) -> bool:
    """Check a code for a device not yet signed in with (an invitation's page); the code is used up."""
    if not device.verify_token(code):
        activity.record("trusts.two_factor.failed", device.user, request=request)
        return False
    return True


def confirm_checked(request, device: TOTPDevice) -> None:
    """The device whose first code was checked (code_is_right) is on, and the session counts it."""
    _mark_confirmed(device)
    otp_login(request, device)
    activity.record("trusts.two_factor.enabled", device.user, request=request)


def _mark_confirmed(device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()


def remove_devices(user) -> int:
    """Every app of this person goes (an admin's reset after a lost phone)."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return count


def turn_off(request) -> None:
    """A trust user turns two-factor sign-in off, having typed the password again (staff may not)."""
    TOTPDevice.objects.filter(user=request.user).delete()
    request.session.pop("otp_device_id", None)
    activity.record("trusts.two_factor.disabled", request.user, request=request)


def seconds_locked(device: TOTPDevice) -> int:
    """How long until another code may be tried, after several wrong ones (0 if now)."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    return max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)


class TwoFactorMiddleware(MiddlewareMixin):
    """After the password, someone with a device must enter a code, and staff without one must set one up."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or getattr(view_func, "two_factor_exempt", False):
            return None
        if confirmed_device(user):
            step = "two_factor_verify"
        elif is_required(user):
            step = "two_factor_set_up"
        else:
            return None
        return redirect_to_login(request.get_full_path(), reverse(step))
