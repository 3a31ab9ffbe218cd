import django_tables2 as tables

from .models import Organisation


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=("trusts:detail", {"ods_code": tables.A("ods_code")}))

    class Meta:
        model = Organisation
        fields = ("ods_code", "name", "org_type", "region", "headcount", "website")
        template_name = "django_tables2/table.html"
        attrs = {"class": "govuk-table"}
        empty_text = "No trusts match."
