from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Trellis"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import accounts  # noqa: F401 - connects the sign-in receiver
