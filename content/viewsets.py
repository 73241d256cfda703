"""Admin definitions for the library's snippets.

Leader profiles are shared between two audiences: communications editors, who
manage every profile, and senior leaders, who may edit only the profile linked
to their own account. Wagtail's generic snippet views check the model-level
"change" permission on entry but not the object being edited, so the profile
views below ask the registered permission policy about the object itself.
The views that publish (the editor, and approving a review) say so when publishing
is refused because it would change the linked account (``LeaderProfile.publish``).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import LiveStatusTagColumn
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .exceptions import AccountChangeRefusedError
from .exports import ExportSnippetIndexView
from .forms import LeaderProfileForm
from .models import LeaderProfile, Topic
from .search import words_in


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
    export_filename = "topics"
    index_view_class = ExportSnippetIndexView
    filterset_class = TopicFilterSet
    search_fields = ["name", "slug", "description"]
    # Searched in the table itself: the full-text index cannot narrow to these fields
    # on every database (SQLite's refuses), and a list of topics is short.
    search_backend_name = None
    ordering = ["name"]


class ProfileObjectPermissionMixin:
    """Refuse a profile view unless the user may change that very profile.

    The check runs against the stored row rather than the latest draft, so a
    draft cannot move a profile to another account to gain access to it.
    """

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        editable = self.permission_policy.instances_user_has_permission_for(
            self.request.user, "change"
        )
        if not editable.filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


class LeaderProfileIndexView(ExportSnippetIndexView):
    """Lists only the profiles the user may edit: a leader sees just their own."""

    def get_base_queryset(self):
        editable = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "delete", "view"]
        )
        return super().get_base_queryset().filter(pk__in=editable.values("pk"))

    def search_queryset(self, queryset):
        """Profiles that every word searched for matches, in what the listing shows: the
        name, the title (or the bio), or the linked account's name or email."""
        if not self.is_searching:
            return queryset
        return words_in(
            queryset,
            self.search_query,
            ["name", "title", "bio", "user__email", "user__first_name", "user__last_name"],
        )


class LeaderProfileEditView(ProfileObjectPermissionMixin, snippet_views.EditView):
    def form_valid(self, form):
        """Save and act (publish, approve) as one: when publishing is refused, nothing of
        the post is kept, and the editor says why instead of failing."""
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except AccountChangeRefusedError as refusal:
            if self.expects_json_response:
                return self.json_error_response("account_change_refused", str(refusal))
            messages.error(self.request, str(refusal))
            return redirect(self.get_edit_url())


class LeaderProfileWorkflowActionView(snippet_views.WorkflowActionView):
    def post(self, request, *args, **kwargs):
        """Approving publishes; when that is refused, the review stays where it was and
        the editor the reviewer is sent back to says why."""
        try:
            with transaction.atomic():
                return super().post(request, *args, **kwargs)
        except AccountChangeRefusedError as refusal:
            messages.error(request, str(refusal))
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return self.render_modal_json(
                    request, {"step": "success", "redirect": self.redirect_url}
                )
            return redirect(self.redirect_url)


class LeaderProfileHistoryView(ProfileObjectPermissionMixin, snippet_views.HistoryView):
    pass


class LeaderProfileUsageView(ProfileObjectPermissionMixin, snippet_views.UsageView):
    pass


class LeaderProfileRevisionsCompareView(
    ProfileObjectPermissionMixin, snippet_views.RevisionsCompareView
):
    pass


class LeaderProfileRevisionPreviewView(
    ProfileObjectPermissionMixin, snippet_views.PreviewRevisionView
):
    pass


class LeaderProfileWorkflowHistoryView(
    ProfileObjectPermissionMixin, snippet_views.WorkflowHistoryView
):
    pass


class LeaderProfileViewSet(SnippetViewSet):
    model = LeaderProfile
    icon = "user"
    menu_label = _("Leader profiles")
    # The status says more than "live": a draft waiting to be published, a review,
    # a schedule.
    list_display = ["name", "title", "user", LiveStatusTagColumn()]
    list_export = ["name", "title", "bio"]
    export_filename = "leader-profiles"
    search_fields = ["name", "title", "bio"]
    # In the table itself, as for topics: the listing is narrowed to the profiles one
    # may edit first, a filter the full-text index does not hold.
    search_backend_name = None
    ordering = ["name"]

    index_view_class = LeaderProfileIndexView
    edit_view_class = LeaderProfileEditView
    history_view_class = LeaderProfileHistoryView
    usage_view_class = LeaderProfileUsageView
    revisions_compare_view_class = LeaderProfileRevisionsCompareView
    revisions_view_class = LeaderProfileRevisionPreviewView
    workflow_history_view_class = LeaderProfileWorkflowHistoryView
    workflow_action_view_class = LeaderProfileWorkflowActionView

    # Which account a profile belongs to decides who may edit it, so only
    # editors who manage every profile see that field; a leader cannot hand
    # their profile to someone else or lock themselves out of it. Apps above may
    # refuse a change of account too (``LeaderProfileForm``): journeys does for a
    # leader who sponsors a program.
    edit_handler = ObjectList(
        [
            FieldPanel("user", permission="content.change_leaderprofile")
            if getattr(panel, "field_name", None) == "user"
            else panel
            for panel in LeaderProfile.panels
        ],
        base_form_class=LeaderProfileForm,
    )
