from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
    list_filter = ("org_type", "region")
    search_fields = ("ods_code", "name")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "organisation", "is_active", "is_staff")
    list_filter = ("is_active", "groups", "organisation__org_type")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    # A signatory's full name and job title are printed under their signature on every letter.
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Letters", {"fields": ("job_title",)}),
        ("Trust", {"fields": ("organisation",)}),
    )


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ReadOnlyAdmin):
    """Read-only: the log is evidence of who did what."""

    list_display = ("at", "username", "action", "target_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "action", "target_repr", "message")
    date_hierarchy = "at"
