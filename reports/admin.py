from django.contrib import admin

from .models import Letter


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    """Read-only: letters move only through the lifecycle in reports.letters, which records who and why."""

    list_display = ("reference", "organisation", "cycle", "kind", "status", "issued_at")
    list_filter = ("status", "kind", "cycle")
    search_fields = ("reference", "organisation__name", "organisation__ods_code")
    list_select_related = ("organisation", "cycle")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
