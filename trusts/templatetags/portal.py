"""Template helpers for the portal's own pages."""

from django import template

from trusts import two_factor

register = template.Library()


@register.filter
def fully_signed_in(user) -> bool:
    """Signed in and past every step the sign-in asks of this person (trusts.two_factor.TwoFactorMiddleware):
    until then the header shows no navigation and no "Sign out" (the step's own page offers one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not two_factor.confirmed_device(user) and not two_factor.is_required(user)
