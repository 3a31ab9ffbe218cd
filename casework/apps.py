from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the letter_issued receiver
