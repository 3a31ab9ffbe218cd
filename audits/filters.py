import django_filters
from django.db.models import Q

from trusts.filters import GovukFilterSet
from trusts.models import OrgType

from .models import AuditCycle, Finding, FindingStatus, SiteCheck

DOES_NOT_APPLY = "not_applicable"


class ResultsFilter(GovukFilterSet):
    """Narrows a cycle's results matrix. With a duty chosen, the status applies to that duty."""

    trust = django_filters.CharFilter(label="Trust name or ODS code", method="filter_trust")
    region = django_filters.ChoiceFilter(field_name="organisation__region", label="Region", empty_label="Any region")
    org_type = django_filters.ChoiceFilter(
        field_name="organisation__org_type", label="Type", choices=OrgType.choices, empty_label="Any type"
    )
    duty = django_filters.ChoiceFilter(label="Duty", method="filter_noop", empty_label="Every duty")
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[*FindingStatus.choices, (DOES_NOT_APPLY, "Does not apply")],
        method="filter_noop",
        empty_label="Any status",
    )

    class Meta:
        model = SiteCheck
        fields = ["trust", "region", "org_type", "duty", "status"]

    def __init__(self, data, queryset, *, cycle: AuditCycle, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.cycle = cycle
        regions = queryset.order_by().values_list("organisation__region", flat=True).distinct()
        self.filters["region"].extra["choices"] = [(r, r) for r in sorted(set(regions)) if r]
        self.filters["duty"].extra["choices"] = list(cycle.duties.values_list("code", "title"))
        # Each field puts its empty label ("Any region", "Every duty") first itself.
        self.form.fields["region"].choices = self.filters["region"].extra["choices"]
        self.form.fields["duty"].choices = self.filters["duty"].extra["choices"]

    def filter_trust(self, queryset, _name, value):
        value = value.strip()
        return queryset.filter(Q(organisation__name__icontains=value) | Q(organisation__ods_code__iexact=value))

    def filter_noop(self, queryset, _name, _value):
        return queryset  # duty and status are applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        status = self.form.cleaned_data.get("status")
        duty = self.form.cleaned_data.get("duty")
        if status == DOES_NOT_APPLY:
            # A check that ended with no finding for the duty (for some duty, with none chosen): the duty
            # did not apply to that trust on the audit date.
            duties = self.cycle.duties.filter(code=duty) if duty else self.cycle.duties.all()
            missing = Q()
            for each in duties:
                missing |= ~Q(pk__in=self._checks_with(Finding.objects.filter(duty=each)))
            queryset = queryset.filter(state__in=SiteCheck.ENDED).filter(missing) if duties else queryset.none()
        elif status:
            findings = Finding.objects.with_effective_status().filter(effective=status)
            if duty:
                findings = findings.filter(duty__code=duty)
            queryset = queryset.filter(pk__in=self._checks_with(findings))
        return queryset

    def _checks_with(self, findings):
        """The site checks of the cycle's findings among `findings`: one subquery the database runs once on the
        (cycle, duty, status) index, where a correlated EXISTS per trust read every finding of the duty again."""
        return findings.filter(cycle=self.cycle).values("site_check_id")
