from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models

from .models import ActivityRecord, Organisation, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through the domain code (or never): the admin may look, not touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("ods_code", "name", "org_type", "region", "headcount", "closed_on")
    # A website typed without its scheme is taken as https://, as every NHS website is served.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("org_type", "region")
    search_fields = ("ods_code", "name")


# What makes a person more powerful: only a superuser grants or changes it. Staff roles are handed
# out by the admin role on the portal's staff users page (trusts.views.staff_list), within the four.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# Who a member of staff is and where their set-up links go: an admin who could change a signatory's
# e-mail, then reset their second factor, would receive the signatory's new link.
STAFF_IDENTITY_FIELDS = ("username", "email")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Only a superuser changes superuser status, staff status, groups or permissions, or a superuser.

    For anyone else those fields are read-only, and a change that would set them is refused however
    it arrives (a crafted form, another admin page): see `save_model` and `save_related`.
    """

    list_display = ("username", "email", "organisation", "is_active", "is_staff")
    list_filter = ("is_active", "groups", "organisation__org_type")
    list_select_related = ("organisation",)
    # A plain select: the autocomplete widget looked a re-posted value up as sent (a 500 on a non-id).
    # A signatory's full name and job title are printed under their signature on every letter.
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Letters", {"fields": ("job_title",)}),
        ("Trust", {"fields": ("organisation",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
            if obj is not None and obj.organisation_id is None:
                fields += STAFF_IDENTITY_FIELDS
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            before = User.objects.filter(pk=obj.pk).first() if change else None
            for field in ("is_superuser", "is_staff"):
                if getattr(obj, field) != (getattr(before, field) if before else False):
                    raise PermissionDenied(f"Only a superuser can change {field}")
            if before is not None and before.organisation_id is None:
                for field in STAFF_IDENTITY_FIELDS:
                    if getattr(obj, field) != getattr(before, field):
                        raise PermissionDenied(f"Only a superuser can change a member of staff's {field}")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not request.user.is_superuser and {"groups", "user_permissions"} & set(form.cleaned_data):
            raise PermissionDenied("Only a superuser can change groups or permissions")
        super().save_related(request, form, formsets, change)

    def user_change_password(self, request, id, form_url=""):
        """Setting another member of staff's password is for superusers (they get a reset link instead)."""
        person = self.get_object(request, unquote(id))
        if (
            person is not None
            and not request.user.is_superuser
            and person.organisation_id is None
            and person.pk != request.user.pk
        ):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ReadOnlyAdmin):
    """Read-only: the log is evidence of who did what."""

    list_display = ("at", "username", "action", "target_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "action", "target_repr", "message")
    date_hierarchy = "at"
