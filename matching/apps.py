from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from journeys.admin_access import ProgramScopedPermissionPolicy

        from . import program_panels  # noqa: F401
        from .models import Enrollment, MatchingPolicy, MatchingRun, MatchProposal

        # Each program's enrolments, policy, runs and proposals are for its admins
        # (``journeys.admin_access``); registered before any permission is checked.
        for model in (Enrollment, MatchingPolicy, MatchingRun, MatchProposal):
            register_permission_policy(model, ProgramScopedPermissionPolicy(model))
