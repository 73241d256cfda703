"""Admin registration for matching: one "Matching" menu with enrolments, policies and runs,
and the re-match page's URL."""

from wagtail import hooks

from .rematch_hooks import register_rematch_urls
from .viewsets import MatchingViewSetGroup


@hooks.register("register_admin_viewset")
def register_matching_viewsets():
    return MatchingViewSetGroup()


hooks.register("register_admin_urls", register_rematch_urls)
