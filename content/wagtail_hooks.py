"""Admin registration for the library: snippets, their permissions, the menu, and
keeping "Edit" off the stories a senior leader cannot edit while they are in review."""

from django.urls import reverse
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import LeaderProfile, LeaderStoryPage
from .permissions import LeaderProfilePermissionPolicy, is_story_author_only, story_author_only
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


@hooks.register("construct_page_listing_buttons")
def no_edit_for_stories_in_review(buttons, page, user, context=None):
    """A senior leader cannot edit their story while Communications reviews it.

    Wagtail still offers "Edit" (page permissions let an owner edit), then opens a
    locked editor; the listing leaves it out instead. The title still leads to that
    editor, which says the story is in review and lets its author withdraw it.
    """
    if not isinstance(page, LeaderStoryPage) or not page.workflow_in_progress:
        return
    if not story_author_only(user):
        return
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])

    def is_edit(button):
        return (getattr(button, "url", None) or "").startswith(edit_url)

    for button in buttons:
        dropdown = getattr(button, "dropdown_buttons", None)
        if isinstance(dropdown, list):
            dropdown[:] = [item for item in dropdown if not is_edit(item)]
    buttons[:] = [button for button in buttons if not is_edit(button)]
