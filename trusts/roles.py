"""The regulator's roles as Django groups, kept in step after every migrate.

The roles are named here; what a role may do in an app is declared by that app, in its AppConfig's
`role_permissions` (role: codenames of the app's own permissions), so this floor names no app above it.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

# The roles the admin role hands out on the staff users page, with what each may do. Superuser and
# Django admin ("staff status") are not among them: only a superuser grants those, in the Django admin.
ROLE_DESCRIPTIONS: dict[str, str] = {
    "auditor": "Auditor: runs audit cycles and rechecks trusts",
    "reviewer": "Reviewer: confirms or overrides findings",
    "signatory": "Signatory: approves and issues letters",
    "admin": "Admin: manages trusts, the duty catalogue and user accounts",
}
STAFF_ROLES: tuple[str, ...] = tuple(ROLE_DESCRIPTIONS)
STAFF_ROLE_CHOICES: list[tuple[str, str]] = [(role, ROLE_DESCRIPTIONS[role]) for role in STAFF_ROLES]


def roles_of(user) -> list[str]:
    """The person's staff roles, in the order of STAFF_ROLES."""
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


def permissions_by_role() -> dict[str, list[str]]:
    """Each role's permissions ("app_label.codename"), gathered from every app's `role_permissions`."""
    granted: dict[str, list[str]] = {role: [] for role in STAFF_ROLES}
    for config in apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            granted[role] += [f"{config.label}.{codename}" for codename in codenames]
    return granted


def sync_roles(**_signal_kwargs) -> None:
    """Create each role's group and give it exactly the permissions declared (those that exist yet)."""
    for role, names in permissions_by_role().items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            p
            for name in names
            for p in Permission.objects.filter(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        ]
        group.permissions.set(permissions)
