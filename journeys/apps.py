from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.images import get_image_model
        from wagtail.models import Collection, Page
        from wagtail.permissions import register_permission_policy

        from . import lookups, signals_receivers  # noqa: F401
        from .admin_access import ProgramScopedPagePermissionPolicy, ProgramScopedPermissionPolicy
        from .images import CollectionPermissionPolicy, image_permission_policy
        from .models import Journey

        lookups.register()
        # Each program's journeys and pages are for its admins (``admin_access``).
        # Registered here rather than in wagtail_hooks so that no permission check
        # can run before them.
        register_permission_policy(Page, ProgramScopedPagePermissionPolicy(Page))
        register_permission_policy(Journey, ProgramScopedPermissionPolicy(Journey))
        # People's profile photos, and their collection, are out of everyone's reach in
        # the admin (``images``). Wagtail registers its own policies for these models
        # and any subclass, the images app after this; one for the exact class is
        # looked up first.
        register_permission_policy(get_image_model(), image_permission_policy(), exact_class=True)
        register_permission_policy(
            Collection, CollectionPermissionPolicy(Collection), exact_class=True
        )
