"""What a person's authenticator app would show, for tests that sign in through the real pages."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code now, or `steps_ahead` 30-second steps later."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def unused_code(device: TOTPDevice) -> str:
    """A code the device will still accept: each code works once, so after a sign-in take the next step's."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return code_for(device, steps_ahead=max(0, device.last_t + 1 - totp.t()))
