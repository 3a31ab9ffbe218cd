import django_filters

from .models import Organisation


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label="Name or ODS code", method="filter_name")

    class Meta:
        model = Organisation
        fields = ["name", "org_type", "region"]

    def filter_name(self, queryset, _name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(ods_code__iexact=value)
