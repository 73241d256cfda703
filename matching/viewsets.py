"""The matching admin: enrolments, each program's matching policy, and matching runs.

Three viewsets under one "Matching" menu, each showing only the programs the person
administers (``journeys.admin_access``). Program admins may see and correct
enrolments, set up policies, run matching and review runs; nobody adds or deletes an
enrolment here (people enrol and withdraw themselves, and withdrawing keeps the row),
and runs are never edited or deleted, so what an approved match was based on stays
on record.

People's avoid lists are never shown: the enrolment form promises that only matching
reads them. The inspect page gives their length and nothing else.
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    TitleColumn,
    UpdatedAtColumn,
)
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from cms.admin_invitations import ResendInvitationsBulkAction
from content.exports import ExportIndexView
from content.models import Topic
from content.search import words_in
from content.text import as_id
from journeys.admin_access import (
    ProgramScopedBulkActionMixin,
    ProgramScopedViewSetMixin,
    program_choices,
)
from journeys.services.profiles import ProfileCard, profiles_for

from .admin_forms import EnrollmentAdminForm, MatchingPolicyForm
from .admin_views import (
    ApproveAllView,
    ChooseProgramView,
    MoveProposalView,
    PolicyCreateView,
    PolicyEditView,
    RerunView,
    ReviewProposalsView,
    RunDetailView,
    StartRunView,
    run_label,
)
from .models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchingRun,
    QuestionKind,
    RoleWanted,
    RunLifecycle,
)

# Enrolments --------------------------------------------------------------------------------


class EnrollmentFilterSet(WagtailFilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=program_choices, label=gettext_lazy("Program")
    )
    role = django_filters.ChoiceFilter(choices=RoleWanted.choices, label=gettext_lazy("Role"))
    status = django_filters.ChoiceFilter(
        choices=EnrollmentStatus.choices, label=gettext_lazy("Status")
    )
    never_signed_in = django_filters.BooleanFilter(
        field_name="user__last_login",
        lookup_expr="isnull",
        label=gettext_lazy("Never signed in"),
    )

    class Meta:
        model = Enrollment
        fields = ["program", "role", "status"]


class SignedInColumn(Column):
    """When the person last signed in, or "Never"."""

    def get_value(self, instance):
        last = instance.user.last_login
        return date_format(timezone.localtime(last), "j M Y") if last else _("Never")


class EnrollmentIndexView(ExportIndexView):
    template_name = "cms/admin/index_with_bulk_actions.html"
    list_export = [
        "user.get_full_name",
        "user.email",
        "program.title",
        "get_role_display",
        "get_status_display",
        "department",
        "seniority",
        "capacity",
        "user.last_login",
    ]
    export_headings = {
        "user.get_full_name": gettext_lazy("Name"),
        "user.email": gettext_lazy("Email"),
        "program.title": gettext_lazy("Program"),
        "get_role_display": gettext_lazy("Role"),
        "get_status_display": gettext_lazy("Status"),
        "department": gettext_lazy("Department"),
        "seniority": gettext_lazy("Seniority"),
        "capacity": gettext_lazy("Capacity"),
        "user.last_login": gettext_lazy("Last signed in"),
    }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "select_all_text": _("Select all enrolments in listing"),
        }

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "program")

    def search_queryset(self, queryset):
        """Enrolments that every word searched for matches: by the person's name or
        email, the program's title or the department, as the listing shows them.

        Only narrows ``queryset``, which holds the admin's programs' enrolments alone.
        """
        if not self.is_searching:
            return queryset
        return words_in(
            queryset,
            self.search_query,
            ["user__email", "user__first_name", "user__last_name", "program__title", "department"],
        )

    @cached_property
    def columns(self):
        person = self._get_title_column_class(TitleColumn)(
            "person",
            label=_("Person"),
            accessor="user",
            get_url=self.get_inspect_url,
            sort_key="user__first_name",
        )
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="enrollment"),
            person,
            Column(
                "program", label=_("Program"), accessor="program.title", sort_key="program__title"
            ),
            Column("role", label=_("Role"), accessor="get_role_display", sort_key="role"),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column("department", label=_("Department"), sort_key="department"),
            Column("seniority", label=_("Seniority"), sort_key="seniority"),
            Column("capacity", label=_("Capacity"), sort_key="capacity"),
            SignedInColumn("signed_in", label=_("Last signed in"), sort_key="user__last_login"),
        ]


class InviteEnrolledBulkAction(ProgramScopedBulkActionMixin, ResendInvitationsBulkAction):
    """Invite again the people of the chosen enrolments who never signed in."""

    models = [Enrollment]
    permission = "matching.change_enrollment"

    @classmethod
    def get_queryset(cls, model, object_ids):
        return model.objects.filter(
            pk__in=[i for i in map(as_id, object_ids) if i is not None]
        ).select_related("user", "program")

    @classmethod
    def people_of(cls, enrollment) -> list:
        return [enrollment.user]


class EnrollmentInspectView(InspectView):
    """Everything someone told the program, answers by question, never their avoid list;
    and their profile, which their program's admins may see."""

    template_name = "matching/admin/enrollment_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Enrollment.objects.administered_by(self.request.user).select_related(
                "user", "program", "reports_to"
            ),
            pk=self.pk,
        )

    def get_fields_context(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrollment = self.object
        context.update(
            {
                "enrollment": enrollment,
                "answers": answers_by_question(enrollment),
                "attributes": attribute_labels(enrollment),
                "offered": list(enrollment.topics_offered.order_by("name")),
                "sought": list(enrollment.topics_sought.order_by("name")),
                "avoid_count": enrollment.avoid.count(),
                "profile_card": ProfileCard(
                    user=enrollment.user,
                    profile=profiles_for([enrollment.user_id], topics=True).get(
                        enrollment.user_id
                    ),
                ),
            }
        )
        return context


def answers_by_question(enrollment) -> list[dict]:
    """Each answer under its question's label, in the program's order; then the orphans."""
    answers = dict(enrollment.answers or {})
    rows = []
    topic_names = None
    for question in enrollment.program.questions.all():
        key = str(question.key)
        if key not in answers:
            rows.append({"label": question.label, "value": None, "asked": True})
            continue
        value = answers.pop(key)
        if question.kind == QuestionKind.TOPICS and isinstance(value, list):
            if topic_names is None:
                topic_names = dict(Topic.objects.values_list("slug", "name"))
            value = [topic_names.get(slug, slug) for slug in value]
        rows.append({"label": question.label, "value": _as_text(value), "asked": True})
    for value in answers.values():
        rows.append(
            {
                "label": _("Answer to a question no longer asked"),
                "value": _as_text(value),
                "asked": False,
            }
        )
    return rows


def _as_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def attribute_labels(enrollment) -> list[str]:
    labels = {str(a.key): a.label for a in enrollment.program.opt_in_attributes.all()}
    return [labels[key] for key in enrollment.attributes or [] if key in labels]


class EnrollmentViewSet(ProgramScopedViewSetMixin, ModelViewSet):
    model = Enrollment
    name = "matching_enrolments"
    url_prefix = "matching/enrolments"
    icon = "user"
    menu_label = gettext_lazy("Enrolments")
    add_to_admin_menu = False
    add_to_reference_index = False
    index_view_class = EnrollmentIndexView
    # The export's file name. Set here, not on the view: Wagtail hands the viewset's
    # (the table's name unless set) to the view, over the view's own.
    export_filename = "enrolments"
    inspect_view_class = EnrollmentInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = EnrollmentFilterSet
    ordering = ["program__title", "user__first_name", "user__last_name", "pk"]
    list_per_page = 50

    def get_form_class(self, for_update=False):
        return EnrollmentAdminForm

    def get_common_view_kwargs(self, **kwargs):
        # People enrol and withdraw themselves: no add or delete here.
        return super().get_common_view_kwargs(
            **{"add_url_name": None, "delete_url_name": None, "usage_url_name": None, **kwargs}
        )

    def get_urlpatterns(self):
        kept = {"index", "index_results", "edit", "history", "history_results", "inspect"}
        return [p for p in super().get_urlpatterns() if p.name in kept]


# Policies ----------------------------------------------------------------------------------


class PolicyIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("program")

    @cached_property
    def add_item_label(self):
        return _("Set up a policy")

    @cached_property
    def columns(self):
        program = self._get_title_column_class(TitleColumn)(
            "program",
            label=_("Program"),
            accessor="program.title",
            get_url=self.get_edit_url,
            sort_key="program__title",
        )
        return [
            program,
            Column(
                "strategy",
                label=_("Strategy"),
                accessor="get_strategy_display",
                sort_key="strategy",
            ),
            Column("objective", label=_("Objective"), accessor="get_objective_display"),
            Column("method", label=_("Method"), accessor="get_method_display"),
            UpdatedAtColumn(accessor="updated_at", sort_key="updated_at"),
        ]


class MatchingPolicyViewSet(ProgramScopedViewSetMixin, ModelViewSet):
    model = MatchingPolicy
    name = "matching_policies"
    url_prefix = "matching/policies"
    icon = "sliders"
    menu_label = gettext_lazy("Matching policies")
    add_to_admin_menu = False
    add_to_reference_index = False
    index_view_class = PolicyIndexView
    add_view_class = PolicyCreateView
    edit_view_class = PolicyEditView
    copy_view_enabled = False
    ordering = ["program__title"]

    def get_form_class(self, for_update=False):
        return MatchingPolicyForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{"usage_url_name": None, **kwargs})

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(choose_url_name=self.get_url_name("choose"), **kwargs)

    @cached_property
    def choose_view(self):
        return ChooseProgramView.as_view(
            index_url_name=self.get_url_name("index"),
            add_url_name=self.get_url_name("add"),
            header_icon=self.icon,
        )

    def get_urlpatterns(self):
        kept = {
            "index",
            "index_results",
            "add",
            "edit",
            "delete",
            "history",
            "history_results",
        }
        return [
            *(p for p in super().get_urlpatterns() if p.name in kept),
            path("choose/", self.choose_view, name="choose"),
        ]


# Runs --------------------------------------------------------------------------------------


class RunFilterSet(WagtailFilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=program_choices, label=gettext_lazy("Program")
    )
    # The lifecycle is worked out, not stored (``MatchingRunQuerySet.with_lifecycle``).
    lifecycle = django_filters.ChoiceFilter(
        choices=RunLifecycle.choices, label=gettext_lazy("Status")
    )

    class Meta:
        model = MatchingRun
        fields = ["program"]


class RunIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().with_lifecycle().select_related("program", "started_by")

    @cached_property
    def add_item_label(self):
        return _("Run matching")

    @cached_property
    def columns(self):
        run = self._get_title_column_class(TitleColumn)(
            "run",
            label=_("Run"),
            accessor=run_label,
            get_url=self.get_inspect_url,
            sort_key="created_at",
        )
        return [
            run,
            Column(
                "lifecycle",
                label=_("Status"),
                accessor="get_lifecycle_display",
                sort_key="lifecycle",
            ),
            Column("progress", label=_("Progress"), accessor=lambda r: f"{r.progress}%"),
            Column("mentee_count", label=_("Mentees"), sort_key="mentee_count"),
            Column("mentor_count", label=_("Mentors"), sort_key="mentor_count"),
            Column("matched_count", label=_("Matched"), sort_key="matched_count"),
            Column(
                "total_score",
                label=_("Total score"),
                accessor=lambda r: f"{r.total_score:.2f}",
                sort_key="total_score",
            ),
            Column("started_by", label=_("Started by"), accessor="started_by"),
            DateColumn("created_at", label=_("Started"), sort_key="created_at"),
        ]


class MatchingRunViewSet(ProgramScopedViewSetMixin, ModelViewSet):
    model = MatchingRun
    name = "matching_runs"
    url_prefix = "matching/runs"
    icon = "resubmit"
    menu_label = gettext_lazy("Matching runs")
    add_to_admin_menu = False
    add_to_reference_index = False
    index_view_class = RunIndexView
    inspect_view_class = RunDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = RunFilterSet
    ordering = ["-created_at", "-pk"]
    list_per_page = 25

    def get_common_view_kwargs(self, **kwargs):
        # Matching is started from the "Run matching" page; runs are never edited.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": self.get_url_name("start"),
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    @property
    def url_finder_class(self):
        # A run has no edit view; wherever Wagtail links to "edit" a run, open its page.
        return type(
            "_RunURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def run_urls(self) -> dict:
        return {
            "index_url_name": self.get_url_name("index"),
            "start_url_name": self.get_url_name("start"),
            "detail_url_name": self.get_url_name("inspect"),
            "review_url_name": self.get_url_name("review"),
            "approve_all_url_name": self.get_url_name("approve_all"),
            "move_url_name": self.get_url_name("move"),
            "rerun_url_name": self.get_url_name("rerun"),
            "policy_add_url_name": f"{MatchingPolicyViewSet.name}:add",
            "policy_edit_url_name": f"{MatchingPolicyViewSet.name}:edit",
            "enrollment_inspect_url_name": f"{EnrollmentViewSet.name}:inspect",
        }

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(**self.run_urls(), **kwargs)

    def own_view(self, view_class):
        """A run view of this module, given the URL names (and icon) it has a place for."""
        options = {**self.run_urls(), "header_icon": self.icon}
        return view_class.as_view(
            **{name: value for name, value in options.items() if hasattr(view_class, name)}
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("start/", self.own_view(StartRunView), name="start"),
            path("<id:pk>/", self.inspect_view, name="inspect"),
            path("<id:pk>/review/", self.own_view(ReviewProposalsView), name="review"),
            path("<id:pk>/approve-all/", self.own_view(ApproveAllView), name="approve_all"),
            path("<id:pk>/rerun/", self.own_view(RerunView), name="rerun"),
            path(
                "<id:pk>/proposals/<id:proposal_pk>/move/",
                self.own_view(MoveProposalView),
                name="move",
            ),
        ]


class MatchingViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("Matching")
    menu_icon = "link"
    menu_order = 260
    items = (EnrollmentViewSet, MatchingPolicyViewSet, MatchingRunViewSet)
