from django import forms
from django.contrib.auth.forms import SetPasswordForm

from .importing import RegisterError, RegisterFormat, parse_register

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class RegisterUploadForm(forms.Form):
    """Checks the whole file on upload; a valid form carries the parsed register, ready to save."""

    file = forms.FileField(label="Register file", error_messages={"required": "Select a file to import"})
    format = forms.ChoiceField(
        label="File format", choices=RegisterFormat.choices, initial=RegisterFormat.CSV, widget=forms.RadioSelect
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB")
        return upload

    def clean(self):
        cleaned = super().clean()
        if "file" in cleaned and "format" in cleaned:
            try:
                cleaned["register"] = parse_register(cleaned["file"].read(), cleaned["format"])
            except RegisterError as error:
                messages = [str(e) for e in error.errors]
                if error.truncated:
                    messages.append(f"Checking stopped after {len(error.errors)} errors")
                self.add_error("file", messages)
        return cleaned


class InvitationForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=300, error_messages={"required": "Enter the person’s name"})
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app, numbers only")
        return code


class PasswordAgainForm(forms.Form):
    """The signed-in person's password, typed again before a change to how they sign in."""

    password = forms.CharField(
        label="Your password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )


class TwoFactorTurnOnForm(PasswordAgainForm, TwoFactorCodeForm):
    """Turning two-factor sign-in on: the password again, and the app's first code."""

    field_order = ["password", "code"]


class StaffEnrolmentForm(SetPasswordForm):
    """An invited member of staff (or one whose app an admin reset) chooses a password and sets up the app."""

    code = TwoFactorCodeForm.base_fields["code"]
    clean_code = TwoFactorCodeForm.clean_code


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one role", "invalid_choice": "Select roles from the list"},
    )

    def __init__(self, *args, **kwargs):
        from .roles import STAFF_ROLE_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = STAFF_ROLE_CHOICES


class StaffInvitationForm(InvitationForm, StaffRolesForm):
    """A new member of staff: name, e-mail and their roles (never superuser)."""

    field_order = ["name", "email", "roles"]
