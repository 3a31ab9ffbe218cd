import django_tables2 as tables

from .models import ActivityRecord, Organisation


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=("trusts:detail", {"ods_code": tables.A("ods_code")}))

    class Meta:
        model = Organisation
        fields = ("ods_code", "name", "org_type", "region", "headcount", "website")
        template_name = "django_tables2/table.html"
        attrs = {"class": "govuk-table"}
        empty_text = "No trusts match."


class ActivityTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="When", format="j M Y H:i:s")
    username = tables.Column(verbose_name="Who", empty_values=(), default="the system")
    target_repr = tables.Column(verbose_name="On", default="")
    ip_address = tables.Column(verbose_name="From address", default="")

    class Meta:
        model = ActivityRecord
        fields = ("at", "username", "action", "target_repr", "message", "ip_address")
        template_name = "django_tables2/table.html"
        attrs = {"class": "govuk-table"}
        empty_text = "Nothing recorded matches."

    def render_username(self, value):
        return value or "the system"
