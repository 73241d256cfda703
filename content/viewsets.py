"""Admin definitions for the library's snippets."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LeaderProfile, Topic


class TopicFilterSet(WagtailFilterSet):
    class Meta:
        model = Topic
        fields = ["kind"]


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    menu_order = 200
    add_to_admin_menu = False
    list_display = ["name", "kind", "slug"]
    list_export = ["name", "slug", "kind", "description"]
    filterset_class = TopicFilterSet
    search_fields = ["name", "description"]
    ordering = ["name"]


class LeaderProfileViewSet(SnippetViewSet):
    model = LeaderProfile
    icon = "user"
    menu_label = _("Leader profiles")
    list_display = ["name", "title", "user", "live"]
    list_export = ["name", "title", "bio"]
    search_fields = ["name", "title", "bio"]
    ordering = ["name"]
