"""The journeys admin: the journey list, each journey's progress, starting and upgrading.

Program staff watch progress here, never what participants wrote: reflections
and messages appear only as counts, meetings only as dates and lengths, goals
only as counts. No view below reads the text of a reflection, a meeting, a goal
or a message; the one exception is the list of reported messages, which shows
a message only once a member reported it, in a program that allows it.

The list computes progress for one page of results at a time with
``journey_states``, one batch of queries whatever the page holds; the export
does the same in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic import EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from cms.admin_invitations import ResendInvitationsBulkAction
from content.exports import ExportIndexView
from content.search import words_in
from content.text import as_id

from . import engine
from .admin_access import (
    ProgramScopedBulkActionMixin,
    ProgramScopedPermissionPolicy,
    ProgramScopedViewSetMixin,
    program_choices,
    template_choices,
)
from .admin_forms import StartJourneysForm
from .exceptions import InvalidJourney
from .models import (
    EmailStatus,
    Goal,
    GoalStatus,
    Journey,
    JourneyMember,
    JourneyStatus,
    Meeting,
    MemberRole,
    Message,
    MessageReport,
    OutboxEmail,
    PlannedMeeting,
    PlannedMeetingStatus,
    Reflection,
)
from .services.ending import settle_status_change, status_before_change
from .services.starting import start_journey
from .services.state import journey_state, journey_states
from .services.upgrade import plan_upgrade, plan_upgrades, upgrade_journeys
from .signals import journey_started_by_hand

EXPORT_CHUNK = 500

STATE_LABELS = {
    engine.MilestoneState.LOCKED: gettext_lazy("Locked"),
    engine.MilestoneState.OPEN: gettext_lazy("Open"),
    engine.MilestoneState.DUE_SOON: gettext_lazy("Due soon"),
    engine.MilestoneState.OVERDUE: gettext_lazy("Overdue"),
    engine.MilestoneState.DONE: gettext_lazy("Done"),
    engine.MilestoneState.NOT_IN_TRACK: gettext_lazy("Not in this journey's tracks"),
    engine.MilestoneState.NOT_APPLICABLE: gettext_lazy("Nobody in its audience"),
}

STEP_LABELS = {
    "read": gettext_lazy("Read or watch"),
    "reflect": gettext_lazy("Reflect"),
    "meet": gettext_lazy("Meet"),
    "set_goals": gettext_lazy("Set goals"),
    "review_goals": gettext_lazy("Review goals"),
    "checklist": gettext_lazy("Checklist item"),
    "pulse": gettext_lazy("Pulse"),
}


def can(user, action) -> bool:
    return policy_registry.get_by_type(Journey).user_has_permission(user, action)


ROLE_ORDER = {MemberRole.MENTOR: 0, MemberRole.MENTEE: 1, MemberRole.MEMBER: 2}


def by_role(members) -> list:
    """The mentor first, then the rest, each in the order they joined."""
    return sorted(members, key=lambda m: (ROLE_ORDER.get(m.role, 3), m.pk))


def members_label(members) -> str:
    """'Ada Lovelace (Mentor), Grace Hopper (Mentee)': the mentor first, then the rest."""
    return ", ".join(f"{m.user} ({m.get_role_display()})" for m in by_role(members))


@dataclass(frozen=True)
class JourneyRow:
    """What the list and the export show about a journey beyond its own fields."""

    members: str
    progress: int
    follows_latest: bool
    never_signed_in: str = ""

    @property
    def progress_label(self) -> str:
        return f"{self.progress}%"

    @property
    def follows_latest_label(self) -> str:
        return _("Yes") if self.follows_latest else _("No: an upgrade is available")


def summarise(journeys, today) -> list[Journey]:
    """Give each journey its ``admin_row``, computing every state in one batch."""
    journeys = list(journeys)
    for loaded in journey_states(journeys, today):
        journey = loaded.journey
        journey.admin_row = JourneyRow(
            members=members_label(loaded.members),
            progress=loaded.state.progress_percent,
            follows_latest=journey.template_revision_id == journey.template.live_revision_id,
            never_signed_in=", ".join(
                str(m.user) for m in by_role(loaded.members) if m.user.last_login is None
            ),
        )
    return journeys


class SummarisedJourneys:
    """A queryset's journeys, summarised a chunk at a time, for streaming an export."""

    def __init__(self, queryset, today, chunk=EXPORT_CHUNK):
        self.queryset = queryset
        self.model = queryset.model
        self.today = today
        self.chunk = chunk

    def __iter__(self):
        ids = list(self.queryset.values_list("pk", flat=True))
        for start in range(0, len(ids), self.chunk):
            chunk = ids[start : start + self.chunk]
            by_pk = {j.pk: j for j in self.queryset.filter(pk__in=chunk)}
            yield from summarise([by_pk[pk] for pk in chunk if pk in by_pk], self.today)


class JourneyFilterSet(WagtailFilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=program_choices, label=gettext_lazy("Program")
    )
    status = django_filters.ChoiceFilter(
        choices=JourneyStatus.choices, label=gettext_lazy("Status")
    )
    template = django_filters.ModelChoiceFilter(
        queryset=template_choices, label=gettext_lazy("Journey template")
    )
    never_signed_in = django_filters.BooleanFilter(
        method="filter_never_signed_in", label=gettext_lazy("A member never signed in")
    )

    class Meta:
        model = Journey
        fields = ["program", "status", "template"]

    def filter_never_signed_in(self, queryset, name, value):
        if value is None:
            return queryset
        waiting = JourneyMember.objects.filter(
            journey=OuterRef("pk"), left_on__isnull=True, user__last_login__isnull=True
        )
        return queryset.filter(Exists(waiting)) if value else queryset.exclude(Exists(waiting))


class JourneyIndexView(ExportIndexView):
    template_name = "cms/admin/index_with_bulk_actions.html"
    list_export = [
        "admin_row.members",
        "program.title",
        "template.title",
        "started_on",
        "get_status_display",
        "admin_row.progress",
        "admin_row.follows_latest_label",
        "admin_row.never_signed_in",
    ]
    export_headings = {
        "admin_row.members": gettext_lazy("Members"),
        "program.title": gettext_lazy("Program"),
        "template.title": gettext_lazy("Journey template"),
        "started_on": gettext_lazy("Started on"),
        "get_status_display": gettext_lazy("Status"),
        "admin_row.progress": gettext_lazy("Progress %"),
        "admin_row.follows_latest_label": gettext_lazy("Follows the latest revision"),
        "admin_row.never_signed_in": gettext_lazy("Never signed in"),
    }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "select_all_text": _("Select all journeys in listing"),
        }

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def add_item_label(self):
        return _("Start a journey")

    def get_base_queryset(self):
        current = JourneyMember.objects.filter(left_on__isnull=True).select_related("user")
        return (
            super()
            .get_base_queryset()
            .select_related("program", "template")
            .prefetch_related(Prefetch("memberships", queryset=current))
        )

    def search_queryset(self, queryset):
        """Journeys that every word searched for matches: by a member's name or email, or
        by the program's or the journey template's title, as the listing shows them.

        Only narrows ``queryset``, which holds the admin's programs' journeys alone.
        """
        if not self.is_searching:
            return queryset
        for word in self.search_query.split():
            members = JourneyMember.objects.filter(
                Q(user__email__icontains=word)
                | Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
            )
            queryset = queryset.filter(
                Q(pk__in=members.values("journey_id"))
                | Q(program__title__icontains=word)
                | Q(template__title__icontains=word)
            )
        return queryset

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = summarise(object_list, self.today)
        return paginator, page, page.object_list, is_paginated

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(SummarisedJourneys(queryset, self.today), spreadsheet_format)

    @cached_property
    def columns(self):
        members = self._get_title_column_class(TitleColumn)(
            "members",
            label=_("Members"),
            accessor="admin_row.members",
            get_url=self.get_inspect_url,
            get_title_id=lambda journey: f"journey_{journey.pk}_title",
        )
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="journey"),
            members,
            Column(
                "program", label=_("Program"), accessor="program.title", sort_key="program__title"
            ),
            Column(
                "template",
                label=_("Journey template"),
                accessor="template.title",
                sort_key="template__title",
            ),
            Column("started_on", label=_("Started on"), sort_key="started_on"),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column("progress", label=_("Progress"), accessor="admin_row.progress_label"),
            Column(
                "never_signed_in",
                label=_("Never signed in"),
                accessor="admin_row.never_signed_in",
            ),
            Column(
                "follows_latest",
                label=_("Follows the latest revision"),
                accessor="admin_row.follows_latest_label",
            ),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if can(self.request.user, "change") and not instance.admin_row.follows_latest:
            buttons.append(
                MenuItem(
                    _("Upgrade to the latest revision"),
                    url=upgrade_url([instance], next_url=self.index_url),
                    icon_name="resubmit",
                    priority=25,
                )
            )
        return buttons


class JourneyInspectView(InspectView):
    """A journey's progress, milestone by milestone, without a word anyone wrote."""

    template_name = "journeys/admin/journey_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Journey.objects.administered_by(self.request.user).select_related(
                "program", "template", "template_revision"
            ),
            pk=unquote(str(self.pk)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        journey = self.object
        today = timezone.localdate()
        loaded = journey_state(journey, today)
        names = {m.pk: str(m.user) for m in loaded.members}
        milestones = []
        for content in loaded.snapshot.milestones:
            status = loaded.state.milestone(content.id)
            milestones.append(
                {
                    "number": content.number,
                    "title": content.title,
                    "state": status.state,
                    "state_label": STATE_LABELS[status.state],
                    "opens_on": status.opens_on,
                    "due_on": status.due_on,
                    "done_on": status.done_on,
                    "completed": status.completed,
                    "required": status.required,
                    "steps": [
                        {
                            "number": step.number,
                            "kind": STEP_LABELS.get(step.kind, step.kind),
                            "done_by": sorted(
                                names[m] for m in status.steps_done.get(step.id, ()) if m in names
                            ),
                        }
                        for step in content.steps
                    ],
                }
            )
        labels = dict(PlannedMeetingStatus.choices)
        reflections = Reflection.objects.filter(journey=journey).aggregate(
            total=Count("pk"), shared=Count("pk", filter=Q(shared=True))
        )
        context.update(
            {
                "journey": journey,
                "today": today,
                "members": sorted(loaded.members, key=lambda m: (ROLE_ORDER.get(m.role, 3), m.pk)),
                "progress": loaded.state.progress_percent,
                "days_since_activity": loaded.state.days_since_activity,
                "milestones": milestones,
                # Dates and lengths only: the notes belong to the members.
                "meetings": list(
                    Meeting.objects.filter(journey=journey).values("held_on", "duration_minutes")
                ),
                # States and times only: agendas and places belong to the members.
                "planned_meetings": [
                    {"status": labels[status], "starts_at": starts_at, "minutes": minutes}
                    for status, starts_at, minutes in PlannedMeeting.objects.filter(
                        journey=journey
                    )
                    .order_by("-created_at")
                    .values_list("status", "starts_at", "duration_minutes")[:20]
                ],
                "goals": Goal.objects.filter(journey=journey).aggregate(
                    total=Count("pk"),
                    achieved=Count("pk", filter=Q(status=GoalStatus.ACHIEVED)),
                ),
                "reflections_summary": reflections_summary(
                    reflections["total"], reflections["shared"]
                ),
                "messages_summary": messages_summary(
                    **Message.objects.filter(journey=journey).aggregate(
                        total=Count("pk"),
                        last_7_days=Count(
                            "pk", filter=Q(created_at__gte=timezone.now() - timedelta(days=7))
                        ),
                    )
                ),
                "plan": plan_upgrade(journey),
                "upgrade_url": upgrade_url([journey], next_url=self.request.path)
                if can(self.request.user, "change")
                else None,
            }
        )
        return context


def reflections_summary(total: int, shared: int) -> str:
    """'2 reflections, 1 shared': how much members reflect, never what they wrote."""
    written = ngettext("%(count)d reflection", "%(count)d reflections", total) % {"count": total}
    return _("%(written)s, %(shared)d shared") % {"written": written, "shared": shared}


def messages_summary(total: int, last_7_days: int) -> str:
    """'12 messages, 3 in the last 7 days': how much members talk, never what they said."""
    written = ngettext("%(count)d message", "%(count)d messages", total) % {"count": total}
    return _("%(written)s, %(recent)d in the last 7 days") % {
        "written": written,
        "recent": last_7_days,
    }


def upgrade_url(journeys, next_url=None) -> str:
    query = [("id", j.pk) for j in journeys]
    if next_url:
        query.append(("next", next_url))
    url = reverse(
        "wagtail_bulk_action", args=["journeys", "journey", UpgradeJourneysBulkAction.action_type]
    )
    return f"{url}?{urlencode(query)}"


def upgrade_template_url(template, next_url=None) -> str:
    """The upgrade view for every journey under way that follows an older revision of
    ``template``, however many there are (they are found when the view opens)."""
    query = [("id", "all"), ("template", template.pk)]
    if next_url:
        query.append(("next", next_url))
    url = reverse(
        "wagtail_bulk_action", args=["journeys", "journey", UpgradeJourneysBulkAction.action_type]
    )
    return f"{url}?{urlencode(query)}"


class StartJourneysView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Start a journey by hand for chosen people, through the same service matching uses."""

    model = Journey
    permission_required = "add"
    form_class = StartJourneysForm
    template_name = "journeys/admin/start_journeys.html"
    page_title = gettext_lazy("Start a journey")
    header_icon = "group"
    index_url_name = None
    start_url_name = None

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Journeys")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "action_url": reverse(self.start_url_name),
                "submit_button_label": _("Start journey"),
                "submit_button_active_label": _("Starting…"),
                "media": context["form"].media,
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            # The journey, what the apps above record of it and the log entry: all or nothing.
            with transaction.atomic():
                journey = start_journey(
                    data["program"],
                    form.members_with_roles(),
                    started_on=data["started_on"],
                    template=data.get("template"),
                    tracks=data.get("tracks") or (),
                )
                told = journey_started_by_hand.send(
                    sender=Journey, journey=journey, started_by=self.request.user
                )
                log(instance=journey, action="wagtail.create", user=self.request.user)
        except InvalidJourney as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        started = _("Started “%(journey)s” on %(date)s.") % {
            "journey": journey.template.title,
            "date": date_format(journey.started_on, "j M Y"),
        }
        sentences = [str(sentence) for _receiver, sentence in told if sentence]
        messages.success(self.request, " ".join([started, *sentences]))
        return redirect(self.index_url_name)

    def form_invalid(self, form):
        messages.validation_error(self.request, _("The journey could not be started."), form)
        return super().form_invalid(form)


class InviteJourneyMembersBulkAction(ProgramScopedBulkActionMixin, ResendInvitationsBulkAction):
    """Invite again the members of the chosen journeys who never signed in."""

    models = [Journey]
    permission = "journeys.change_journey"

    @classmethod
    def people_of(cls, journey) -> list:
        return [
            member.user
            for member in journey.memberships.filter(left_on__isnull=True).select_related("user")
        ]


def upgrade_groups(items) -> list[dict]:
    """The upgradable journeys by the move they make (template, from and to revisions),
    so the preview tells each move's changes once, then its journeys' progress."""
    groups: dict[tuple, dict] = {}
    for entry in items:
        plan = entry["plan"]
        if not plan.can_upgrade:
            continue
        key = (plan.journey.template_id, plan.from_revision.pk, plan.to_revision.pk)
        group = groups.setdefault(
            key,
            {
                "template": plan.journey.template,
                "from_revision": plan.from_revision,
                "to_revision": plan.to_revision,
                "changes": plan.changes,
                "entries": [],
            },
        )
        group["entries"].append(entry)
    return list(groups.values())


def upgrade_moves(plans) -> str:
    """The moves ``plans`` would make, as the confirmation form carries them: each
    upgradable journey with the revisions it would move from and to."""
    return ",".join(
        f"{plan.journey.pk}:{plan.from_revision.pk}:{plan.to_revision.pk}"
        for plan in sorted(plans, key=lambda plan: plan.journey.pk)
        if plan.can_upgrade
    )


class UpgradeConfirmForm(forms.Form):
    moves = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        help_text=gettext_lazy(
            "The journeys the preview showed, with the revisions each moves from and to."
        ),
    )


class UpgradeJourneysBulkAction(ProgramScopedBulkActionMixin, BulkAction):
    """Show what moving the chosen journeys to the latest revision changes, then do it.

    The confirmation carries the moves the preview showed. If a template was
    published again, or the journeys changed, before it is sent, nothing is upgraded
    and the preview is shown again: progress the preview said was kept could
    otherwise be dropped.
    """

    display_name = gettext_lazy("Upgrade to latest revision")
    action_type = "upgrade"
    aria_label = gettext_lazy("Upgrade the selected journeys to their template's latest revision")
    template_name = "journeys/admin/confirm_upgrade.html"
    action_priority = 10
    models = [Journey]
    form_class = UpgradeConfirmForm

    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(
            model.objects.filter(pk__in=[i for i in map(as_id, object_ids) if i is not None])
            .select_related("program", "template")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=JourneyMember.objects.filter(left_on__isnull=True).select_related(
                        "user"
                    ),
                )
            )
        )

    def check_perm(self, obj):
        return can(self.request.user, "change")

    def get_all_objects_in_listing_query(self, parent_id):
        """``id=all`` with ``template=<id>``: that template's journeys under way that
        follow an older revision (the link the template's publishing message gives)."""
        template_id = as_id(self.request.GET.get("template", ""))
        if template_id is not None:
            journeys = (
                Journey.objects.under_way().behind_template().filter(template_id=template_id)
            )
            return journeys.order_by("pk").values_list("pk", flat=True)
        return super().get_all_objects_in_listing_query(parent_id)

    def annotate_items(self, items):
        for plan in plan_upgrades(items):
            plan.journey.upgrade_plan = plan
        return items

    def object_context(self, obj):
        return {"item": obj, "plan": obj.upgrade_plan}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["upgradable"] = sum(1 for item in context["items"] if item["plan"].can_upgrade)
        context["groups"] = upgrade_groups(context["items"])
        context["unchanged"] = [item for item in context["items"] if not item["plan"].can_upgrade]
        if not self.request.POST:
            context["form"] = self.form_class(
                initial={"moves": upgrade_moves(item["plan"] for item in context["items"])}
            )
        return context

    def prepare_action(self, objects, objects_without_access):
        shown = self.cleaned_form.cleaned_data.get("moves", "")
        if shown != upgrade_moves(journey.upgrade_plan for journey in objects):
            messages.warning(
                self.request,
                _(
                    "A template was published again or the journeys changed after you looked: "
                    "check what the upgrade does now. Nothing was upgraded."
                ),
            )
            return redirect(self.request.get_full_path())
        return None

    @classmethod
    def execute_action(cls, objects, **kwargs):
        plans = upgrade_journeys(objects)
        upgraded = [plan for plan in plans if plan.can_upgrade]
        return len(upgraded), sum(plan.dropped for plan in upgraded)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d journey now follows its template's latest revision.",
            "%(count)d journeys now follow their template's latest revision.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class JourneyEditView(EditView):
    """Wagtail's edit view, settling what a change of status ends in the same transaction.

    Completing or closing a journey cancels its meetings still to come
    (``services.ending``); the message after saving says how many.
    """

    cancelled = 0

    def save_instance(self):
        # Wagtail's form_valid runs this inside one transaction.
        was = status_before_change(self.form.instance)
        journey = super().save_instance()
        self.cancelled = settle_status_change(journey, was, timezone.now())
        return journey

    def get_success_message(self):
        message = super().get_success_message()
        if not self.cancelled:
            return message
        settled = ngettext(
            "%(count)s planned meeting still to come was cancelled, as the journey has "
            "ended; members were sent the cancellation of a meeting with a time agreed.",
            "%(count)s planned meetings still to come were cancelled, as the journey has "
            "ended; members were sent the cancellation of each meeting with a time agreed.",
            self.cancelled,
        ) % {"count": self.cancelled}
        return f"{message} {settled}" if message else settled


class JourneyViewSet(ProgramScopedViewSetMixin, ModelViewSet):
    model = Journey
    name = "journeys_admin"
    url_prefix = "journeys"
    icon = "group"
    menu_label = gettext_lazy("Journeys")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = JourneyIndexView
    edit_view_class = JourneyEditView
    # The export's file name. Set here, not on the view: Wagtail hands the viewset's
    # (the table's name unless set) to the view, over the view's own.
    export_filename = "journeys"
    inspect_view_class = JourneyInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = JourneyFilterSet
    # Makes the listing searchable; JourneyIndexView.search_queryset says what matches.
    search_fields = ["memberships__user__email"]
    ordering = ["-started_on", "pk"]
    list_per_page = 25
    panels = [
        FieldPanel(
            "status",
            help_text=gettext_lazy(
                "Pause a journey to stop reminders for a while; close it when the pair "
                "or circle stops meeting for good. Completing or closing it cancels its "
                "meetings still to come, and their members are sent the cancellation."
            ),
        ),
        FieldPanel("tracks", widget=forms.CheckboxSelectMultiple),
    ]

    def get_common_view_kwargs(self, **kwargs):
        # Journeys are started through the start view, never a bare model form.
        return super().get_common_view_kwargs(
            **{"add_url_name": self.get_url_name("start"), **kwargs}
        )

    @cached_property
    def start_view(self):
        return StartJourneysView.as_view(
            index_url_name=self.get_url_name("index"),
            start_url_name=self.get_url_name("start"),
            header_icon=self.icon,
        )

    def get_urlpatterns(self):
        patterns = [p for p in super().get_urlpatterns() if p.name != "add"]
        return [*patterns, path("start/", self.start_view, name="start")]


# The outbox ------------------------------------------------------------------------------


class OutboxPermissionPolicy(ModelPermissionPolicy):
    """Emails are looked at, never written or changed by hand: only viewing is allowed."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_permission(user, "view")


class OutboxFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=EmailStatus.choices, label=gettext_lazy("Status"))

    class Meta:
        model = OutboxEmail
        fields = ["status"]


class OutboxViewSet(ModelViewSet):
    """What Trellis has emailed, is about to, and could not: for whoever may view it
    (superusers), so a failing mail server is seen, not guessed. The emails' contents
    are not shown."""

    model = OutboxEmail
    name = "outbox"
    icon = "mail"
    menu_label = gettext_lazy("Outbox")
    add_to_settings_menu = True
    filterset_class = OutboxFilterSet
    search_fields = ["subject", "recipient__email"]
    ordering = ["-created_at"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    # Nobody may add or edit (the permission policy refuses it); the form is never shown.
    form_fields = ["status"]
    list_display = ["subject", "recipient", "status", "attempts", "created_at", "sent_at"]
    inspect_view_fields = [
        "subject",
        "recipient",
        "template",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "send_after",
        "sent_at",
    ]


# Reported messages -------------------------------------------------------------------------


class MessageReportPermissionPolicy(ProgramScopedPermissionPolicy):
    """Reports are read and marked reviewed; nobody adds, edits or deletes one by hand.

    "review" is the model's change permission (the "Program admins" group has it);
    like every permission on a program's things, it holds for the program's admins.
    """

    def user_has_permission(self, user, action):
        if action == "review":
            return super().user_has_permission(user, "change")
        return action == "view" and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def may_review(user) -> bool:
    return policy_registry.get_by_type(MessageReport).user_has_permission(user, "review")


class MessageReportFilterSet(WagtailFilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=program_choices,
        field_name="message__journey__program",
        label=gettext_lazy("Program"),
    )
    reviewed = django_filters.BooleanFilter(
        field_name="reviewed_at",
        lookup_expr="isnull",
        exclude=True,
        label=gettext_lazy("Reviewed"),
    )

    class Meta:
        model = MessageReport
        fields = ["program", "reviewed"]


REPORT_EXCERPT = 80


class MessageReportRow:
    """What the listing shows of a report: its words cut short, the people by name."""

    def __init__(self, report):
        text = " ".join(report.text.split()) or _("(empty)")
        self.excerpt = text if len(text) <= REPORT_EXCERPT else text[: REPORT_EXCERPT - 1] + "…"
        self.author = str(report.message.author.user)
        self.reporter = str(report.reporter.user)
        self.program = report.message.journey.program.title
        self.reviewed = (
            _("Reviewed on %(date)s")
            % {"date": date_format(timezone.localtime(report.reviewed_at), "j M Y")}
            if report.reviewed_at
            else _("Waiting for review")
        )


class MessageReportIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("message__author__user", "message__journey__program", "reporter__user")
        )

    def search_queryset(self, queryset):
        """Reports whose author or reporter matches every word searched for, by name or email."""
        if not self.is_searching:
            return queryset
        return words_in(
            queryset,
            self.search_query,
            [
                f"{person}__{field}"
                for person in ("message__author__user", "reporter__user")
                for field in ("email", "first_name", "last_name")
            ],
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        for report in object_list:
            report.row = MessageReportRow(report)
        return paginator, page, object_list, is_paginated

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "excerpt",
                label=_("Reported message"),
                accessor="row.excerpt",
                get_url=self.get_inspect_url,
            ),
            Column("author", label=_("Written by"), accessor="row.author"),
            Column("reporter", label=_("Reported by"), accessor="row.reporter"),
            Column("program", label=_("Program"), accessor="row.program"),
            Column("created_at", label=_("Reported at"), sort_key="created_at"),
            Column("reviewed", label=_("Review"), accessor="row.reviewed", sort_key="reviewed_at"),
        ]


class MessageReportInspectView(InspectView):
    """One reported message, its author and reporter, and the button to mark it reviewed."""

    template_name = "journeys/admin/message_report_inspect.html"
    review_url_name = None

    def get_object(self, queryset=None):
        return get_object_or_404(
            MessageReport.objects.administered_by(self.request.user).select_related(
                "message__author__user",
                "message__journey__program",
                "message__journey__template",
                "reporter__user",
                "reviewed_by",
            ),
            pk=unquote(str(self.pk)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        message = report.message
        context.update(
            {
                "report": report,
                "message": message,
                "changed_since": bool(
                    message.deleted_at
                    or (message.edited_at and message.edited_at > report.created_at)
                ),
                "review_url": reverse(self.review_url_name, args=[report.pk])
                if may_review(self.request.user) and not report.is_reviewed
                else "",
            }
        )
        return context


class MarkReportReviewedView(PermissionCheckedMixin, View):
    """Mark a report as reviewed (a POST), recording who did and when in the audit log."""

    model = MessageReport
    permission_required = "review"
    inspect_url_name = None

    def post(self, request, pk):
        report = get_object_or_404(MessageReport.objects.administered_by(request.user), pk=pk)
        if not report.is_reviewed:
            report.reviewed_at = timezone.now()
            report.reviewed_by = request.user
            report.save(update_fields=["reviewed_at", "reviewed_by"])
            log(instance=report, action=REVIEW_ACTION, user=request.user)
        messages.success(request, _("The report is marked as reviewed."))
        return redirect(self.inspect_url_name, report.pk)


REVIEW_ACTION = "trellis.review_message_report"


class MessageReportViewSet(ProgramScopedViewSetMixin, ModelViewSet):
    """Messages members reported, for the programs' admins: nothing else of a conversation."""

    model = MessageReport
    name = "message_reports"
    url_prefix = "reported-messages"
    icon = "warning"
    menu_label = gettext_lazy("Reported messages")
    menu_order = 260
    add_to_admin_menu = True
    index_view_class = MessageReportIndexView
    inspect_view_class = MessageReportInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = MessageReportFilterSet
    search_fields = ["reporter__user__email"]
    ordering = ["-created_at", "-pk"]
    list_per_page = 25
    # Nobody may add or edit (the permission policy refuses it); the form is never shown.
    form_fields = ["reviewed_at"]

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            review_url_name=self.get_url_name("review"), **kwargs
        )

    @cached_property
    def review_view(self):
        return MarkReportReviewedView.as_view(inspect_url_name=self.get_url_name("inspect"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<id:pk>/", self.review_view, name="review"),
        ]
