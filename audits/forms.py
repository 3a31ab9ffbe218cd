import datetime
import re

from django import forms

from trusts.models import Organisation
from trusts.validators import validate_text

from .models import AuditCycle, Duty, FindingStatus
from .review import DECISIONS

MAX_REASON_CHARS = 2000


class DayMonthYearWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes (named audit_date_day, _month, _year)."""

    def __init__(self):
        box = {"inputmode": "numeric"}
        super().__init__({"day": forms.TextInput(box), "month": forms.TextInput(box), "year": forms.TextInput(box)})

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        whole = data.get(name, "")
        if not any(parts) and re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", whole):
            year, month, day = whole.split("-")  # one ISO box, as scripts and older clients send
            return [day, month, year]
        return parts


class DayMonthYearField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK pattern's error messages."""

    widget = DayMonthYearWidget

    def __init__(self, *, name: str, **kwargs):
        self.name = name
        parts = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(parts, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {name}"

    def compress(self, data_list):
        day, month, year = ((part or "").strip() for part in (data_list or ["", "", ""]))
        if not (day or month or year):
            return None
        missing = [word for word, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise forms.ValidationError(f"The {self.name} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise forms.ValidationError(f"The {self.name} must be a real date, for example 1 4 2007")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"The {self.name} must be a real date, for example 1 4 2007") from None


UNTICK = "Untick it or change the audit date."


def _long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


class CycleForm(forms.Form):
    ALL, CHOSEN = "all", "chosen"

    name = forms.CharField(
        max_length=100,
        help_text="For example, Web audit 2007",
        error_messages={"required": "Enter a name for the cycle"},
    )
    audit_date = DayMonthYearField(
        name="audit date",
        label="Audit date",
        help_text="The ‘as at’ date duties and recency are judged on. For example, 1 4 2007",
    )
    duties = forms.ModelMultipleChoiceField(
        queryset=Duty.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one duty"},
    )
    scope = forms.ChoiceField(
        label="Trusts to check",
        choices=[(ALL, "Every active trust on the register"), (CHOSEN, "Only the trusts I name")],
        initial=ALL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which trusts to check"},
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
        on = cleaned.get("audit_date")
        for duty in (cleaned.get("duties") or []) if on else []:
            if on < duty.in_force_from:
                when = f"came into force on {_long_date(duty.in_force_from)}"
            elif duty.in_force_until and on > duty.in_force_until:
                when = f"ended on {_long_date(duty.in_force_until)}"
            else:
                continue
            self.add_error("duties", f"{duty.title} was not in force on {_long_date(on)}: it {when}. {UNTICK}")
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
