"""Admin registration for journeys: the journey list and the upgrade bulk action."""

from wagtail import hooks

from .viewsets import JourneyViewSet, UpgradeJourneysBulkAction


@hooks.register("register_admin_viewset")
def register_journey_viewset():
    return JourneyViewSet()


hooks.register("register_bulk_action", UpgradeJourneysBulkAction)
