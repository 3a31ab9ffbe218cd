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


# The roles the admin role hands out on the staff users page, with what each may do. Superuser and
# Django admin ("staff status") are not among them: only a superuser grants those, in the Django admin.
ROLE_DESCRIPTIONS: dict[str, str] = {
    "auditor": "Auditor: runs audit cycles and rechecks trusts",
    "reviewer": "Reviewer: confirms or overrides findings",
    "signatory": "Signatory: approves and issues letters",
    "admin": "Admin: manages trusts, the duty catalogue and user accounts",
}
STAFF_ROLES: tuple[str, ...] = tuple(ROLES)
STAFF_ROLE_CHOICES: list[tuple[str, str]] = [(role, ROLE_DESCRIPTIONS[role]) for role in STAFF_ROLES]


def roles_of(user) -> list[str]:
    """The person's staff roles, in the order of ROLES."""
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in STAFF_ROLES if role in names]


def set_roles(user, roles) -> None:
    """Give the person exactly these staff roles; groups other than the staff roles are left alone."""
    from django.contrib.auth.models import Group

    unknown = set(roles) - set(STAFF_ROLES)
    if unknown:
        raise ValueError(f"Not a staff role: {', '.join(sorted(unknown))}")
    user.groups.remove(*Group.objects.filter(name__in=STAFF_ROLES).exclude(name__in=roles))
    user.groups.add(*Group.objects.filter(name__in=roles))


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
