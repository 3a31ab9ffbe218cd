from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tables2 import RequestConfig

from . import activity, invitations, roles
from .access import organisation_for, staff_required
from .filters import ActivityFilter, OrganisationFilter
from .forms import RegisterUploadForm, StaffInvitationForm, StaffRolesForm
from .importing import CSV_COLUMNS, save_register
from .invitation_views import account_status
from .models import ActivityRecord, User
from .tables import ActivityTable, OrganisationTable, results_by_cycle


@login_not_required
def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers to a sign-in while its username and address are locked out."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


@login_not_required
def admin_sign_in(request):
    """Where the Django admin sends whoever it does not let in: the portal's one sign-in page, with its
    lockout and second step. Someone already signed in is refused here, since the sign-in page would
    send them straight back to the admin, round and round."""
    if request.user.is_authenticated:
        raise PermissionDenied("The Django admin is for the portal's administrators.")
    query = request.META.get("QUERY_STRING")
    return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))


@staff_required("trusts.view_organisation")
def organisation_list(request):
    filterset = OrganisationFilter(request.GET)
    table = OrganisationTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "trusts/organisation/list.html", {"filter": filterset, "table": table})


@staff_required("trusts.view_organisation")
def organisation_detail(request, ods_code: str):
    organisation = organisation_for(request.user, ods_code)
    # Through the reverse relation, so that trusts need not import audits; two queries in all.
    findings = (
        organisation.findings.with_effective_status()
        .select_related("cycle", "duty")
        .order_by("-cycle__audit_date", "-cycle__created_at", "duty__sort_order", "duty__code")
    )
    context = {"organisation": organisation, "results": results_by_cycle(findings)}
    return render(request, "trusts/organisation/detail.html", context)


@staff_required("trusts.view_activityrecord")
def activity_list(request):
    """Sign-ins and sensitive actions, newest first."""
    records = ActivityRecord.objects.select_related("user", "target_type").order_by("-at", "-pk")
    filterset = ActivityFilter(request.GET, queryset=records)
    table = ActivityTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "trusts/activity/list.html", {"filter": filterset, "table": table})


@staff_required("trusts.import_organisations")
@require_http_methods(["GET", "POST"])
def organisation_import(request):
    form = RegisterUploadForm()
    if request.method == "POST":
        form = RegisterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = save_register(form.cleaned_data["register"], request.user, activity.client_address(request))
            messages.success(request, result.summary)
            return redirect("trusts:list")
    context = {"form": form, "columns": ",".join(CSV_COLUMNS)}
    return render(request, "trusts/organisation/import.html", context)


# Staff accounts, managed by the admin role: invited with their roles (never superuser), roles changed,
# deactivated and reactivated, and their second factor reset after a lost phone. Nobody manages their
# own account here, and only a superuser manages a superuser; every change is in the activity log.


def _staff_accounts():
    return User.objects.filter(organisation__isnull=True).prefetch_related("groups")


def may_manage(actor: User, person: User) -> bool:
    return person.pk != actor.pk and (actor.is_superuser or not person.is_superuser)


@staff_required("trusts.view_user")
@require_http_methods(["GET", "POST"])
def staff_list(request):
    form = StaffInvitationForm()
    if request.method == "POST":
        if not request.user.has_perm("trusts.add_user"):
            raise PermissionDenied
        form = StaffInvitationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = invitations.invite_staff(data["name"], data["email"], data["roles"], request.user)
            except invitations.InvitationError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"Invitation sent to {person.email}.")
                return redirect("trusts:staff")
    people = list(_staff_accounts().order_by("-is_active", "last_name", "first_name", "username"))
    with_app = set(TOTPDevice.objects.filter(user__in=people, confirmed=True).values_list("user_id", flat=True))
    names = dict(roles.STAFF_ROLE_CHOICES)
    for person in people:
        groups = {group.name for group in person.groups.all()}
        person.role_names = [role for role in roles.STAFF_ROLES if role in groups]
        person.role_labels = [names[role].split(":")[0] for role in person.role_names]
        person.status_label, person.tag_class = account_status(person)
        person.has_password = person.has_usable_password()
        person.has_app = person.pk in with_app
        person.manageable = may_manage(request.user, person)
    context = {"people": people, "form": form}
    return render(request, "trusts/staff/list.html", context, status=400 if form.errors else 200)


def _manageable(request, pk: int) -> User:
    if pk > 2**63 - 1:  # no such row, and SQLite cannot even compare it
        raise Http404
    person = get_object_or_404(_staff_accounts(), pk=pk)
    if not may_manage(request.user, person):
        raise PermissionDenied("You cannot change your own account, or a superuser's, here")
    return person


@staff_required("trusts.change_user")
@require_http_methods(["GET", "POST"])
def staff_roles(request, pk: int):
    person = _manageable(request, pk)
    form = StaffRolesForm(request.POST or None, initial={"roles": roles.roles_of(person)})
    if request.method == "POST" and form.is_valid():
        try:
            invitations.change_roles(person, form.cleaned_data["roles"], request.user)
        except invitations.InvitationError as error:
            form.add_error("roles", str(error))
        else:
            messages.success(request, f"Roles of {person.email or person.get_username()} saved.")
            return redirect("trusts:staff")
    context = {"person": person, "form": form}
    return render(request, "trusts/staff/roles.html", context, status=400 if form.errors else 200)


def _act_on_staff(request, pk: int, action, done: str):
    person = _manageable(request, pk)
    try:
        action(person, request.user)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done.format(email=person.email or person.get_username()))
    return redirect("trusts:staff")


@staff_required("trusts.change_user")
@require_POST
def staff_deactivate(request, pk: int):
    return _act_on_staff(request, pk, invitations.deactivate_staff, "{email} can no longer sign in.")


@staff_required("trusts.change_user")
@require_POST
def staff_reactivate(request, pk: int):
    return _act_on_staff(request, pk, invitations.reactivate_staff, "{email} can sign in again.")


@staff_required("trusts.add_user")
@require_POST
def staff_reinvite(request, pk: int):
    return _act_on_staff(request, pk, invitations.reinvite_staff, "A new invitation was sent to {email}.")


@staff_required("trusts.change_user")
@require_http_methods(["GET", "POST"])
def staff_reset_two_factor(request, pk: int):
    """The lost-phone case: a confirmation page, then the app and password go and a new link is sent."""
    person = _manageable(request, pk)
    if request.method == "POST":
        return _act_on_staff(
            request,
            pk,
            invitations.reset_second_factor,
            "Two-factor sign-in of {email} was reset. They were e-mailed a link to set up their sign-in again.",
        )
    return render(request, "trusts/staff/reset_two_factor.html", {"person": person})
