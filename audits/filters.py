import django_filters
from django.db.models import Exists, OuterRef

from trusts.models import OrgType

from .models import AuditCycle, Finding, FindingStatus, SiteCheck

SELECT = {"class": "govuk-select"}


class ResultsFilter(django_filters.FilterSet):
    """Narrows a cycle's results matrix. With a duty chosen, the status applies to that duty."""

    region = django_filters.ChoiceFilter(field_name="organisation__region", label="Region", empty_label="Any")
    org_type = django_filters.ChoiceFilter(
        field_name="organisation__org_type", label="Type", choices=OrgType.choices, empty_label="Any"
    )
    duty = django_filters.ChoiceFilter(label="Duty", method="filter_noop", empty_label="Every duty")
    status = django_filters.ChoiceFilter(
        label="Status", choices=FindingStatus.choices, method="filter_noop", empty_label="Any"
    )

    class Meta:
        model = SiteCheck
        fields = ["region", "org_type", "duty", "status"]

    def __init__(self, data, queryset, *, cycle: AuditCycle, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.cycle = cycle
        regions = queryset.order_by().values_list("organisation__region", flat=True).distinct()
        self.filters["region"].extra["choices"] = [(r, r) for r in sorted(set(regions)) if r]
        self.filters["duty"].extra["choices"] = [(d.code, d.title) for d in cycle.duties.all()]
        for field in self.form.fields.values():
            field.widget.attrs.update(SELECT)

    def filter_noop(self, queryset, _name, _value):
        return queryset  # duty and status are applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        status = self.form.cleaned_data.get("status")
        if status:
            findings = Finding.objects.with_effective_status().filter(site_check=OuterRef("pk"), effective=status)
            if duty := self.form.cleaned_data.get("duty"):
                findings = findings.filter(duty__code=duty)
            queryset = queryset.filter(Exists(findings))
        return queryset
