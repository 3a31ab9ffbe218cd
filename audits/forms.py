import re

from django import forms

from trusts.models import Organisation
from trusts.validators import validate_text

from .models import AuditCycle, Duty, FindingStatus
from .review import DECISIONS

MAX_REASON_CHARS = 2000


class CycleForm(forms.Form):
    ALL, CHOSEN = "all", "chosen"

    name = forms.CharField(max_length=100, help_text="For example, Web audit 2007")
    audit_date = forms.DateField(
        help_text="The ‘as at’ date duties and recency are judged on, for example 2007-04-01",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duties = forms.ModelMultipleChoiceField(
        queryset=Duty.objects.all(), to_field_name="code", widget=forms.CheckboxSelectMultiple
    )
    scope = forms.ChoiceField(
        label="Trusts to check",
        choices=[(ALL, "Every active trust on the register"), (CHOSEN, "Only the trusts I name")],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    ods_codes = forms.CharField(
        label="ODS codes",
        required=False,
        help_text="Separated by spaces, commas or new lines",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if AuditCycle.objects.filter(name=name).exists():
            raise forms.ValidationError("A cycle with this name already exists; choose another name.")
        return name

    def clean(self):
        cleaned = super().clean()
        codes = [c.upper() for c in re.split(r"[\s,]+", cleaned.get("ods_codes", "")) if c]
        if cleaned.get("scope") == self.CHOSEN:
            if not codes:
                self.add_error("ods_codes", "Enter the ODS code of at least one trust.")
            known = set(Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", flat=True))
            if missing := [c for c in codes if c not in known]:
                self.add_error("ods_codes", f"No trust on the register with ODS code: {', '.join(missing)}.")
        cleaned["ods_code_list"] = codes if cleaned.get("scope") == self.CHOSEN else []
        return cleaned


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[(status, FindingStatus(status).label) for status in DECISIONS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose met or not met."},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Why you confirm or change the status; the trust may read it",
        max_length=MAX_REASON_CHARS,
        validators=[validate_text],
        error_messages={"required": "Give the reason for your decision."},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_147_483_647)


class FindingVersionsField(forms.MultipleChoiceField):
    """Values `id:version`; whether each is still current is the review service's question."""

    def valid_value(self, value):
        # ASCII digits only (\d also takes "²" and "٣"), and ids that fit a database integer.
        match = re.fullmatch(r"([0-9]{1,18}):([0-9]{1,9})", str(value))
        return match is not None and int(match[1]) > 0


class BulkConfirmForm(forms.Form):
    """Findings are sent as `id:version`, so each confirmation is checked against what was listed."""

    findings = FindingVersionsField(
        label="Findings to confirm",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one finding to confirm."},
    )
    reason = forms.CharField(
        label="Reason for confirming the selected findings",
        max_length=MAX_REASON_CHARS,
        validators=[validate_text],
        error_messages={"required": "Give the reason for confirming these findings."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def versions(self) -> dict[int, int]:
        pairs = (value.split(":") for value in self.cleaned_data["findings"])
        return {int(pk): int(version) for pk, version in pairs}
