from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Trusts"

    def ready(self) -> None:
        from . import activity  # noqa: F401 (connects the sign-in receivers)
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="trusts.sync_roles")
