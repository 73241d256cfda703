"""Admin registration for journeys: the journey list, the upgrade bulk action, insights,
the outbox, reported messages, and keeping people's profile photos out of the image
choosers."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .insights.permissions import is_sponsor_only
from .insights.viewsets import InsightsViewSet, insights_panel
from .models import MessageReport, OutboxEmail
from .services.profiles import PHOTOS_COLLECTION
from .viewsets import (
    REVIEW_ACTION,
    InviteJourneyMembersBulkAction,
    JourneyViewSet,
    MessageReportPermissionPolicy,
    MessageReportViewSet,
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


register_permission_policy(MessageReport, MessageReportPermissionPolicy(MessageReport))


@hooks.register("register_admin_viewset")
def register_message_report_viewset():
    return MessageReportViewSet()


@hooks.register("register_log_actions")
def register_review_action(actions):
    actions.register_action(
        REVIEW_ACTION,
        gettext_lazy("Review a reported message"),
        gettext_lazy("Marked the reported message as reviewed"),
    )


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


@hooks.register("construct_image_chooser_queryset")
def leave_out_profile_photos(images, request):
    """People's photos are for their profiles: an editor never picks one for a page."""
    return images.exclude(collection__name=PHOTOS_COLLECTION)
