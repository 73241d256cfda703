from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from journeys.admin_access import ProgramScopedPermissionPolicy
        from journeys.signals import journey_started_by_hand

        from . import program_panels  # noqa: F401
        from .models import Enrollment, MatchingPolicy, MatchingRun, MatchProposal

        # Each program's enrolments, policy, runs and proposals are for its admins
        # (``journeys.admin_access``); registered before any permission is checked.
        for model in (Enrollment, MatchingPolicy, MatchingRun, MatchProposal):
            register_permission_policy(model, ProgramScopedPermissionPolicy(model))

        # A journey an admin starts by hand is a match like any other: its people stop
        # waiting, and its mentor's place is taken.
        journey_started_by_hand.connect(
            _record_started_by_hand, dispatch_uid="matching.record_started_by_hand"
        )


def _record_started_by_hand(sender, journey, started_by=None, **kwargs):
    from .services.approval import record_started_by_hand

    record_started_by_hand(journey, by=started_by)
