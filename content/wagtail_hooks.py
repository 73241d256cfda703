"""Admin registration for the library: snippets, their permissions, the menu."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import LeaderProfile
from .permissions import LeaderProfilePermissionPolicy, is_story_author_only
from .viewsets import LeaderProfileViewSet, TopicViewSet

# Registered before the snippet so its views pick up this policy rather than
# creating Wagtail's default one, which would let a leader edit every profile.
register_permission_policy(LeaderProfile, LeaderProfilePermissionPolicy(LeaderProfile))
register_snippet(TopicViewSet)
register_snippet(LeaderProfileViewSet)


@hooks.register("construct_main_menu")
def hide_reports_from_story_authors(request, menu_items):
    """Senior leaders get a narrow admin: their stories, their profile, images.

    Wagtail shows its reports to anyone who can reach the admin; they are about
    the whole site's pages and workflows, which is not a leader's concern.
    """
    if is_story_author_only(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "reports"]
