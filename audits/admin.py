from django.contrib import admin

from trusts.admin import ReadOnlyAdmin

from .models import AuditCycle, Duty, Evidence, Finding, FindingChange, SiteCheck


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "strand", "in_force_from", "in_force_until", "catalogue_version")
    list_filter = ("strand",)
    search_fields = ("code", "title")


# Cycles, site checks, evidence and findings are read-only here, as letters are: each moves only through
# its lifecycle (audits.lifecycle, the crawl, audits.review), which records who and why; evidence never
# changes, and a finding's review written here would bypass its history.


@admin.register(AuditCycle)
class AuditCycleAdmin(ReadOnlyAdmin):
    list_display = ("name", "audit_date", "status", "started_at", "finished_at")
    list_filter = ("status",)


@admin.register(SiteCheck)
class SiteCheckAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "cycle", "state", "pages_fetched", "bytes_fetched", "finished_at")
    list_filter = ("state", "cycle")
    list_select_related = ("organisation", "cycle")
    search_fields = ("organisation__ods_code", "organisation__name")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("final_url", "status_code", "content_type", "size", "fetched_at")
    search_fields = ("url", "final_url", "title")


class FindingChangeInline(admin.TabularInline):
    model = FindingChange
    extra = 0
    can_delete = False
    readonly_fields = ("changed_at", "changed_by", "kind", "from_status", "to_status", "reason")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "duty", "cycle", "status", "reviewed_status", "confidence")
    list_filter = ("cycle", "duty", "status", "reviewed_status")
    list_select_related = ("organisation", "duty", "cycle")
    search_fields = ("organisation__ods_code", "organisation__name")
    inlines = [FindingChangeInline]
