"""The second step of sign-in; trust users turning an authenticator app on and off (password again).

Staff set up their app only on the page their invitation or reset link opens (trusts.invitation_views).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import two_factor
from .forms import PasswordAgainForm, TwoFactorCodeForm, TwoFactorTurnOnForm

WRONG_PASSWORD = "Your password is wrong. Enter the password you sign in with."


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@two_factor.two_factor_exempt
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("two_factor_set_up")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if form.is_valid():
        wait = two_factor.seconds_locked(device)
        if wait:
            form.add_error("code", f"Too many wrong codes. Wait {wait} seconds, then enter the code your app shows.")
        elif two_factor.verify(request, device, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        else:
            form.add_error("code", "That code is wrong or has expired. Enter the code your app shows now.")
    context = {"form": form, "next": _next_url(request)}
    return render(request, "registration/two_factor_verify.html", context, status=400 if form.errors else 200)


@two_factor.two_factor_exempt
@sensitive_post_parameters("code", "password")
@never_cache
@require_http_methods(["GET", "POST"])
def set_up(request):
    if two_factor.confirmed_device(request.user):
        # Someone with only the password must never swap in an app of their own.
        return redirect("two_factor_verify") if not request.user.is_verified() else redirect("two_factor_account")
    if not two_factor.may_set_up_after_password(request.user):
        # Staff set up their app through their single-use invitation or reset link, never with a
        # password alone: whoever stole it before the owner's first sign-in would enrol their own.
        return render(request, "registration/two_factor_ask_admin.html", status=403)
    device = two_factor.pending_device(request.user)
    form = TwoFactorTurnOnForm(request.POST or None)
    if form.is_valid():
        if not two_factor.password_is_right(request, form.cleaned_data["password"]):
            form.add_error("password", WRONG_PASSWORD)
        elif two_factor.confirm(request, device, form.cleaned_data["code"]):
            messages.success(request, "Two-factor sign-in is on. You will need your app each time you sign in.")
            return redirect(_next_url(request))
        else:
            form.add_error("code", "That code is wrong or has expired. Check the key, then enter the code shown now.")
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_for_typing(device),
    }
    return render(request, "registration/two_factor_set_up.html", context, status=400 if form.errors else 200)


@never_cache
def account(request, form=None):
    context = {
        "enabled": two_factor.confirmed_device(request.user) is not None,
        "required": two_factor.is_required(request.user),
        "form": form or PasswordAgainForm(),
    }
    return render(request, "registration/two_factor_account.html", context, status=400 if form else 200)


@sensitive_post_parameters("password")
@never_cache
@require_POST
def turn_off(request):
    if two_factor.is_required(request.user):
        raise PermissionDenied("Staff must use two-factor sign-in")
    form = PasswordAgainForm(request.POST)
    if form.is_valid() and not two_factor.password_is_right(request, form.cleaned_data["password"]):
        form.add_error("password", WRONG_PASSWORD)
    if not form.is_valid():
        return account(request, form=form)
    two_factor.turn_off(request)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("two_factor_account")
