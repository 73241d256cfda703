"""Admin registration for insights: the dashboard, its home panel, and My mentoring's
links to the programs' pages on the site."""

from wagtail import hooks

from journeys.views import PROGRAM_LINKS_HOOK

from . import personal_data
from .site_views import program_links
from .viewsets import InsightsViewSet, insights_panel


@hooks.register("register_admin_viewset")
def register_insights_viewset():
    return InsightsViewSet()


# My mentoring links sponsors to their programs' pages on the site.
hooks.register(PROGRAM_LINKS_HOOK, program_links)


@hooks.register("construct_homepage_panels")
def add_insights_panel(request, panels):
    panel = insights_panel(request)
    if panel is not None:
        panels.append(panel)


hooks.register("personal_data", personal_data.personal_data)
