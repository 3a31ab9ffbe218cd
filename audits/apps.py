from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits"
    # What each staff role (trusts.roles) may do here.
    role_permissions = {
        "auditor": ["run_audit", "view_auditcycle", "view_finding", "view_duty"],
        "reviewer": ["review_finding", "view_auditcycle", "view_finding", "view_duty"],
        "signatory": ["view_auditcycle", "view_finding", "view_duty"],
        "admin": ["view_duty", "change_duty", "view_auditcycle", "view_finding"],
    }
