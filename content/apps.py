from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content library"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import converters, lookups, signals  # noqa: F401

        converters.register()
        lookups.register()
