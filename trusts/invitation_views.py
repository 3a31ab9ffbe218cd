"""Staff manage a trust's users (invite, deactivate, reactivate); the invited person sets a password.

The same single-use link opens a member of staff's account: a password and an authenticator app.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import invitations, two_factor
from .access import organisation_for, staff_required
from .forms import InvitationForm, StaffEnrolmentForm
from .models import User


@dataclass(frozen=True)
class Account:
    """A trust user's row on the accounts page."""

    person: User
    status_label: str
    tag_class: str
    has_password: bool
    has_app: bool


def account_status(user: User) -> tuple[str, str]:
    """The account's state in words, and its GOV.UK tag colour (trust users and staff alike)."""
    if user.is_active:
        return "Active", "govuk-tag--green"
    if user.has_usable_password():
        return "Deactivated", "govuk-tag--grey"
    return "Invited, not yet set up", "govuk-tag--yellow"


@staff_required("trusts.view_user")
@require_http_methods(["GET", "POST"])
def user_list(request, ods_code: str):
    organisation = organisation_for(request.user, ods_code)
    form = InvitationForm()
    if request.method == "POST":
        if not request.user.has_perm("trusts.add_user"):
            raise PermissionDenied
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                user = invitations.invite_user(
                    organisation, form.cleaned_data["name"], form.cleaned_data["email"], request.user
                )
            except invitations.InvitationError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"Invitation sent to {user.email}.")
                return redirect("trusts:users", ods_code=organisation.ods_code)
    people = list(organisation.users.order_by("last_name", "first_name", "username"))
    with_app = set(TOTPDevice.objects.filter(user__in=people, confirmed=True).values_list("user_id", flat=True))
    users = [
        Account(person, *account_status(person), person.has_usable_password(), person.pk in with_app)
        for person in people
    ]
    context = {"organisation": organisation, "users": users, "form": form}
    return render(request, "trusts/invitation/users.html", context)


def _trust_user(request, ods_code: str, pk: int) -> User:
    organisation = organisation_for(request.user, ods_code)
    return get_object_or_404(User, pk=pk, organisation=organisation)


def _act(request, ods_code: str, pk: int, action, done: str):
    user = _trust_user(request, ods_code, pk)
    try:
        action(user, request.user)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done.format(email=user.email))
    return redirect("trusts:users", ods_code=ods_code)


@staff_required("trusts.change_user")
@require_POST
def user_deactivate(request, ods_code: str, pk: int):
    return _act(request, ods_code, pk, invitations.deactivate_user, "{email} can no longer sign in.")


@staff_required("trusts.change_user")
@require_POST
def user_reactivate(request, ods_code: str, pk: int):
    return _act(request, ods_code, pk, invitations.reactivate_user, "{email} can sign in again.")


@staff_required("trusts.add_user")
@require_POST
def user_reinvite(request, ods_code: str, pk: int):
    return _act(request, ods_code, pk, invitations.resend_invitation, "A new invitation was sent to {email}.")


@staff_required("trusts.change_user")
@require_http_methods(["GET", "POST"])
def user_reset_two_factor(request, ods_code: str, pk: int):
    """A trust user's lost phone: after a confirmation their app goes; they sign in with the password."""
    person = _trust_user(request, ods_code, pk)
    if request.method == "POST":
        done = "Two-factor sign-in of {email} was reset: they sign in with their password and may turn it on again."
        return _act(request, ods_code, pk, invitations.reset_second_factor, done)
    back = reverse("trusts:users", kwargs={"ods_code": ods_code})
    return render(request, "trusts/staff/reset_two_factor.html", {"person": person, "back": back})


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2", "code")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, uidb64: str, token: str):
    user = invitations.user_for_invitation(uidb64, token)
    if user is None:
        return render(request, "trusts/invitation/invalid.html", status=404)
    if invitations.needs_app(user):
        return _staff_enrolment(request, user)
    form = SetPasswordForm(user)
    if request.method == "POST":
        form = SetPasswordForm(user, request.POST)
        if form.is_valid():
            invitations.accept_invitation(form.save(commit=False))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your password is set and you are signed in.")
            return redirect("trust:status")
    return render(request, "trusts/invitation/accept.html", {"form": form, "invited": user})


def _staff_enrolment(request, user: User):
    """Staff choose a password and set up their app on one page; neither is kept without the other."""
    device = two_factor.pending_device(user)
    form = StaffEnrolmentForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.code_is_right(request, device, form.cleaned_data["code"]):
            invitations.accept_invitation(form.save(commit=False))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            two_factor.confirm_checked(request, device)
            messages.success(request, "Your password and authenticator app are set up, and you are signed in.")
            return redirect("home")
        form.add_error("code", "That code is wrong or has expired. Check the key, then enter the code shown now.")
    context = {
        "form": form,
        "invited": user,
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_for_typing(device),
    }
    return render(request, "trusts/invitation/staff_accept.html", context, status=400 if form.errors else 200)
