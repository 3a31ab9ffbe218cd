from django.contrib import admin

from trusts.admin import ReadOnlyAdmin

from .models import Letter


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    """Read-only: letters move only through the lifecycle in reports.letters, which records who and why."""

    list_display = ("reference", "organisation", "cycle", "kind", "status", "issued_at")
    list_filter = ("status", "kind", "cycle")
    search_fields = ("reference", "organisation__name", "organisation__ods_code")
    list_select_related = ("organisation", "cycle")
