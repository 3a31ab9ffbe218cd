import django_filters

from .models import ActivityRecord, Organisation


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label="Name or ODS code", method="filter_name")

    class Meta:
        model = Organisation
        fields = ["name", "org_type", "region"]

    def filter_name(self, queryset, _name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(ods_code__iexact=value)


class ActivityFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(label="Action starts with", lookup_expr="startswith")
    username = django_filters.CharFilter(label="Person", lookup_expr="iexact")
    since = django_filters.DateFilter(
        label="From (YYYY-MM-DD)", field_name="at", lookup_expr="date__gte", input_formats=["%Y-%m-%d"]
    )
    until = django_filters.DateFilter(
        label="To (YYYY-MM-DD)", field_name="at", lookup_expr="date__lte", input_formats=["%Y-%m-%d"]
    )

    class Meta:
        model = ActivityRecord
        fields = ["action", "username", "since", "until"]
