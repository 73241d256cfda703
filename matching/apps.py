from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import program_panels  # noqa: F401
