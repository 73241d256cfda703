from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Trellis"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import accounts, receivers  # noqa: F401 - accounts connects the sign-in receivers

        user = self.get_model("User")
        pre_save.connect(receivers.note_deactivation, sender=user, dispatch_uid="cms.deactivation")
        post_save.connect(
            receivers.act_on_deactivation, sender=user, dispatch_uid="cms.deactivation"
        )
