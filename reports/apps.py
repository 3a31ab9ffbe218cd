from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"
    # What each staff role (trusts.roles) may do here.
    role_permissions = {
        "auditor": ["view_letter"],
        "reviewer": ["view_letter"],
        "signatory": ["sign_letter", "view_letter"],
        "admin": ["view_letter"],
    }
