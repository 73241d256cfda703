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
        # waiting, its mentor's place is taken, and both sides are introduced.
        journey_started_by_hand.connect(
            _record_started_by_hand, dispatch_uid="matching.record_started_by_hand"
        )


def _record_started_by_hand(sender, journey, started_by=None, **kwargs):
    from django.utils.translation import ngettext

    from .services.approval import queue_introductions, record_started_by_hand

    matches = record_started_by_hand(journey, by=started_by)
    if not matches:
        return None
    emails = queue_introductions(matches, invited_by=started_by)
    return ngettext(
        "An introduction is queued and will be emailed shortly.",
        "%(count)d introductions are queued and will be emailed shortly.",
        emails,
    ) % {"count": emails}
