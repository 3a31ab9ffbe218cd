"""The second step of sign-in, setting up an authenticator app, and turning it off (trust users only)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import two_factor
from .forms import TwoFactorCodeForm


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
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def set_up(request):
    if two_factor.confirmed_device(request.user):
        # Someone with only the password must never swap in an app of their own.
        return redirect("two_factor_verify") if not request.user.is_verified() else redirect("two_factor_account")
    device = two_factor.pending_device(request.user)
    form = TwoFactorCodeForm(request.POST or None)
    if form.is_valid():
        if two_factor.confirm(request, device, form.cleaned_data["code"]):
            messages.success(request, "Two-factor sign-in is on. You will need your app each time you sign in.")
            return redirect(_next_url(request))
        form.add_error("code", "That code is wrong or has expired. Check the key, then enter the code shown now.")
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_for_typing(device),
        "required": two_factor.is_required(request.user),
    }
    return render(request, "registration/two_factor_set_up.html", context, status=400 if form.errors else 200)


@never_cache
def account(request):
    context = {
        "enabled": two_factor.confirmed_device(request.user) is not None,
        "required": two_factor.is_required(request.user),
    }
    return render(request, "registration/two_factor_account.html", context)


@require_POST
def turn_off(request):
    if two_factor.is_required(request.user):
        raise PermissionDenied("Staff must use two-factor sign-in")
    two_factor.turn_off(request)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("two_factor_account")
