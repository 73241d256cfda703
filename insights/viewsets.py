"""The Insights section of the admin: its menu item, URLs and home-page panel."""

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet

from .permissions import may_see_insights, visible_programs
from .views import ExportView, InsightsIndexView, ProgramInsightsView


class InsightsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_insights(request.user)


class InsightsViewSet(ViewSet):
    name = "insights"
    icon = "glasses"
    menu_label = gettext_lazy("Insights")
    menu_name = "insights"
    menu_order = 260
    add_to_admin_menu = True

    @cached_property
    def menu_item_class(self):
        return InsightsMenuItem

    def get_urlpatterns(self):
        return [
            path("", InsightsIndexView.as_view(), name="index"),
            path("<id:program_id>/", ProgramInsightsView.as_view(), name="program"),
            path("<id:program_id>/export/<slug:table>.csv", ExportView.as_view(), name="export"),
        ]


class InsightsPanel(Component):
    """The admin home page's list of the programs whose insights one may see."""

    name = "insights"
    order = 90
    template_name = "insights/includes/home_panel.html"

    def __init__(self, programs):
        self.programs = programs

    def get_context_data(self, parent_context):
        return {"programs": self.programs}


def insights_panel(request):
    if not may_see_insights(request.user):
        return None
    programs = list(visible_programs(request.user)[:20])
    return InsightsPanel(programs) if programs else None
