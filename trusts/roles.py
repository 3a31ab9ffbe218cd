"""The regulator's roles as Django groups, kept in step with this table after every migrate."""

from django.contrib.auth.models import Group, Permission

ROLES: dict[str, list[str]] = {
    "auditor": [
        "audits.run_audit",
        "reports.view_letter",
        "audits.view_auditcycle",
        "audits.view_finding",
        "audits.view_duty",
        "trusts.view_organisation",
    ],
    "reviewer": [
        "audits.review_finding",
        "reports.view_letter",
        "audits.view_auditcycle",
        "audits.view_finding",
        "audits.view_duty",
        "trusts.view_organisation",
    ],
    "signatory": [
        "reports.sign_letter",
        "reports.view_letter",
        "audits.view_auditcycle",
        "audits.view_finding",
        "audits.view_duty",
        "trusts.view_organisation",
    ],
    "admin": [
        "trusts.view_organisation",
        "trusts.add_organisation",
        "reports.view_letter",
        "trusts.change_organisation",
        "trusts.import_organisations",
        "trusts.view_user",
        "trusts.add_user",
        "trusts.change_user",
        "trusts.view_activityrecord",
        "audits.view_duty",
        "audits.change_duty",
        "audits.view_auditcycle",
        "audits.view_finding",
    ],
}


def sync_roles(**_signal_kwargs) -> None:
    """Create each role's group and give it exactly the permissions listed (those that exist yet)."""
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            p
            for name in names
            for p in Permission.objects.filter(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        ]
        group.permissions.set(permissions)
