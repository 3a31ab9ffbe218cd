from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Trusts"
    # What each staff role may do here (trusts.roles gathers every app's and keeps the groups in step).
    role_permissions = {
        "auditor": ["view_organisation"],
        "reviewer": ["view_organisation"],
        "signatory": ["view_organisation"],
        "admin": [
            "view_organisation",
            "add_organisation",
            "change_organisation",
            "import_organisations",
            "view_user",
            "add_user",
            "change_user",
            "view_activityrecord",
        ],
    }

    def ready(self) -> None:
        from . import activity  # noqa: F401 (connects the sign-in receivers)
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="trusts.sync_roles")
