from html import escape

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

from .activity import ACTION_KINDS
from .models import ActivityRecord, Organisation, OrgType

# Dates a person types in a filter box: "1/4/2007", "1 4 2007", "1 April 2007" or "2007-04-01".
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%Y-%m-%d"]


class GovukSelect(forms.Select):
    """A GOV.UK select written in Python. Django renders each option through a template include of its own,
    which cost more than everything else in a filter form; these hold a few dozen plain options."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(code))}"{" selected" if str(code) in chosen else ""}>{escape(str(label))}'
            "</option>"
            for code, label in self.choices
        )
        return mark_safe(
            f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>{options}</select>'
        )


class GovukFilterSet(django_filters.FilterSet):
    """A filter set whose boxes and selects carry GOV.UK Frontend's classes (templates/includes/filter_form.html)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if type(widget) is forms.Select:
                field.widget = GovukSelect({**widget.attrs, "class": "govuk-select govuk-!-width-full"}, field.choices)
            elif isinstance(widget, forms.widgets.Input) and not isinstance(widget, forms.HiddenInput):
                widget.attrs["class"] = "govuk-input govuk-!-width-full"
        _with_hint_ids(self)


def _with_hint_ids(filterset: django_filters.FilterSet) -> None:
    for name, field in filterset.form.fields.items():
        if field.help_text:
            field.widget.attrs["aria-describedby"] = f"{filterset.form[name].auto_id}-hint"


class OrganisationFilter(GovukFilterSet):
    name = django_filters.CharFilter(label="Name or ODS code", method="filter_name")
    org_type = django_filters.ChoiceFilter(label="Type", choices=OrgType.choices, empty_label="Any type")
    region = django_filters.ChoiceFilter(label="Region", empty_label="Any region")

    class Meta:
        model = Organisation
        fields = ["name", "org_type", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Organisation.objects.exclude(region="").order_by("region").values_list("region", flat=True)
        # The field puts its empty label ("Any region") first itself.
        self.form.fields["region"].choices = [(r, r) for r in regions.distinct()]

    def filter_name(self, queryset, _name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(ods_code__iexact=value))


class ActivityFilter(GovukFilterSet):
    action = django_filters.ChoiceFilter(
        label="What", choices=ACTION_KINDS, lookup_expr="startswith", empty_label="Any action"
    )
    username = django_filters.CharFilter(label="Who", method="filter_person", help_text="Name or username")
    since = django_filters.DateFilter(
        label="From", field_name="at", lookup_expr="date__gte", input_formats=DATE_FORMATS,
        help_text="For example, 1/4/2026",
    )  # fmt: skip
    until = django_filters.DateFilter(
        label="To", field_name="at", lookup_expr="date__lte", input_formats=DATE_FORMATS,
        help_text="For example, 30/4/2026",
    )  # fmt: skip

    class Meta:
        model = ActivityRecord
        fields = ["action", "username", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["since"].error_messages["invalid"] = "Enter the first day as day/month/year"
        self.form.fields["until"].error_messages["invalid"] = "Enter the last day as day/month/year"

    def filter_person(self, queryset, _name, value):
        words = value.split()
        if not words:
            return queryset
        by_name = Q()
        for word in words:
            by_name &= Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        return queryset.filter(Q(username__iexact=value.strip()) | by_name)
