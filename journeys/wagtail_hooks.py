"""Admin registration for journeys: the journey list, the upgrade bulk action, and insights."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .insights.permissions import is_sponsor_only
from .insights.viewsets import InsightsViewSet, insights_panel
from .models import OutboxEmail
from .viewsets import (
    InviteJourneyMembersBulkAction,
    JourneyViewSet,
    OutboxPermissionPolicy,
    OutboxViewSet,
    UpgradeJourneysBulkAction,
)


@hooks.register("register_admin_viewset")
def register_journey_viewset():
    return JourneyViewSet()


hooks.register("register_bulk_action", UpgradeJourneysBulkAction)
hooks.register("register_bulk_action", InviteJourneyMembersBulkAction)


register_permission_policy(OutboxEmail, OutboxPermissionPolicy(OutboxEmail))


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return OutboxViewSet()


@hooks.register("register_admin_viewset")
def register_insights_viewset():
    return InsightsViewSet()


@hooks.register("construct_main_menu")
def show_sponsors_only_insights(request, menu_items):
    """A sponsor sees their program's insights and nothing else in the admin."""
    if is_sponsor_only(request.user):
        menu_items[:] = [item for item in menu_items if item.name == "insights"]


@hooks.register("construct_homepage_panels")
def add_insights_panel(request, panels):
    # A sponsor never sees this page: their admin home is their insights
    # (see insights.middleware).
    panel = insights_panel(request)
    if panel is not None:
        panels.append(panel)
