"""The admin home page, for each role: one panel per group, with what waits for them.

* **Editors** ("Editors"): pages waiting for their review and their own pages sent
  back with changes requested; journey templates whose journeys under way follow an
  older revision.
* **Communications**: leader stories waiting for review, with their number.
* **Senior leaders**: a "Write a story" button, and their stories (written by them or
  credited to them) with where each stands; "Edit" only where they may edit now.
* **Program admins** ("Program admins"): intakes waiting to be matched, runs to
  review, journeys at risk, and people in a journey under way or a waiting intake
  who have never signed in, all of the programs they administer
  (``journeys.services.access``) and no other; someone in the group who administers
  no program is told so, and shown nothing else.

A panel appears only for members of its group (a superuser sees none of them, only
Wagtail's own). Each works in a fixed number of queries, whatever the number of
pages, stories, people or journeys: a few grouped queries, lists cut to
``LIST_LIMIT`` rows. Journeys at risk are what insights already works out, asked for
at most ``AT_RISK_PROGRAMS`` programs through ``journeys_at_risk`` (one query), the one place
this module reads insights.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component
from wagtail.models import Page, TaskState, WorkflowState
from wagtail.permissions import policy_registry

from content.models import LeaderStoryPage, StoriesIndexPage
from content.permissions import COMMUNICATIONS, SENIOR_LEADERS, story_editable
from insights import snapshots
from journeys.models import Journey, JourneyMember, JourneyStatus
from journeys.services.access import administered_programs, administers_any
from matching.models import WAITING_STATUSES, Enrollment, MatchingRun, MatchProposal, RunLifecycle

EDITORS = "Editors"
PROGRAM_ADMINS = "Program admins"
LIST_LIMIT = 10
AT_RISK_PROGRAMS = 10


def journeys_at_risk(programs) -> dict[int, int]:
    """How many of each program's active journeys insights last counted as at risk."""
    return snapshots.at_risk_counts([program.pk for program in programs])


def _can(user, model, action) -> bool:
    return policy_registry.get_by_type(model).user_has_permission(user, action)


@dataclass(frozen=True)
class Row:
    """One line of a panel: what it is, why it is there, and where to go."""

    title: str
    note: str = ""
    url: str = ""


class RolePanel(Component):
    """A home-page panel for one role; ``rows`` work out what it lists."""

    group = ""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    def get_context_data(self, parent_context):
        return {"panel": self, **self.rows()}

    def rows(self) -> dict:
        raise NotImplementedError


# Editors ---------------------------------------------------------------------------------


class EditorPanel(RolePanel):
    name = "trellis_editor"
    order = 80
    group = EDITORS
    template_name = "cms/dashboard/editor_panel.html"

    def rows(self) -> dict:
        page_type = ContentType.objects.get_for_model(Page)
        to_review = list(
            TaskState.objects.reviewable_by(self.user)
            .filter(workflow_state__base_content_type=page_type)
            .values_list("workflow_state__object_id", flat=True)
            .order_by("-started_at")[: LIST_LIMIT + 1]
        )
        sent_back = list(
            WorkflowState.objects.filter(
                status=WorkflowState.STATUS_NEEDS_CHANGES,
                requested_by=self.user,
                base_content_type=page_type,
            )
            .order_by("-created_at")
            .values_list("object_id", flat=True)[: LIST_LIMIT + 1]
        )
        ids = {int(pk) for pk in (*to_review, *sent_back)}
        pages = Page.objects.in_bulk(ids)
        awaiting = [
            Row(
                pages[int(pk)].get_admin_display_title(),
                note,
                reverse("wagtailadmin_pages:edit", args=[int(pk)]),
            )
            for pks, note in (
                (to_review, _("Waiting for your review")),
                (sent_back, _("Changes requested")),
            )
            for pk in pks
            if int(pk) in pages
        ]
        behind = list(
            Journey.objects.under_way()
            .behind_template()
            .values("template_id", "template__title")
            .annotate(count=Count("pk"))
            .order_by("-count", "template__title")[: LIST_LIMIT + 1]
        )
        see_journeys = _can(self.user, Journey, "view") or _can(self.user, Journey, "change")
        templates = [
            {
                "title": row["template__title"],
                "count": row["count"],
                "edit_url": reverse("wagtailadmin_pages:edit", args=[row["template_id"]]),
                "journeys_url": reverse("journeys_admin:index")
                + "?"
                + urlencode({"template": row["template_id"]})
                if see_journeys
                else "",
            }
            for row in behind[:LIST_LIMIT]
        ]
        return {
            "awaiting": awaiting[:LIST_LIMIT],
            "more_awaiting": len(awaiting) > LIST_LIMIT,
            "templates": templates,
            "more_templates": len(behind) > LIST_LIMIT,
        }


# Communications --------------------------------------------------------------------------


class CommunicationsPanel(RolePanel):
    name = "trellis_communications"
    order = 81
    group = COMMUNICATIONS
    template_name = "cms/dashboard/communications_panel.html"

    def rows(self) -> dict:
        waiting = (
            TaskState.objects.reviewable_by(self.user)
            .filter(
                workflow_state__content_type=ContentType.objects.get_for_model(LeaderStoryPage)
            )
            .select_related("workflow_state__requested_by")
            .order_by("started_at")
        )
        count = waiting.count()
        states = list(waiting[:LIST_LIMIT])
        stories = LeaderStoryPage.objects.select_related("leader").in_bulk(
            [int(state.workflow_state.object_id) for state in states]
        )
        rows = []
        for state in states:
            story = stories.get(int(state.workflow_state.object_id))
            if story is None:
                continue
            rows.append(
                {
                    "title": story.get_admin_display_title(),
                    "leader": story.leader.name,
                    "submitted_by": state.workflow_state.requested_by,
                    "submitted_at": state.started_at,
                    "url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
                }
            )
        return {"count": count, "stories": rows}


# Senior leaders --------------------------------------------------------------------------


class SeniorLeaderPanel(RolePanel):
    name = "trellis_senior_leader"
    order = 79
    group = SENIOR_LEADERS
    template_name = "cms/dashboard/senior_leader_panel.html"

    def rows(self) -> dict:
        policy = policy_registry.get_by_type(Page)
        indexes = list(
            StoriesIndexPage.objects.filter(
                pk__in=policy.instances_user_has_permission_for(self.user, "add").values("pk")
            ).order_by("path")
        )
        write_urls = [
            (
                index,
                reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", index.pk]),
            )
            for index in indexes
        ]
        mine = LeaderStoryPage.objects.filter(
            Q(owner=self.user) | Q(leader__user=self.user)
        ).order_by("-latest_revision_created_at", "-pk")
        count = mine.count()
        shown = list(mine[:LIST_LIMIT])
        # Workflow states hang on the base page type, so they are read for all at once.
        states = {
            int(state.object_id): state
            for state in WorkflowState.objects.active().filter(
                base_content_type=ContentType.objects.get_for_model(Page),
                object_id__in=[str(story.pk) for story in shown],
            )
        }
        stories = []
        for story in shown:
            state = states.get(story.pk)
            in_review = state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS
            if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
                status = _("Changes requested")
            elif state is not None:
                status = _("In review with Communications")
            elif story.live and story.has_unpublished_changes:
                status = _("Published, with a draft of changes")
            elif story.live:
                status = _("Published")
            else:
                status = _("Draft")
            stories.append(
                {
                    "title": story.get_admin_display_title(),
                    "status": status,
                    "edit_url": reverse("wagtailadmin_pages:edit", args=[story.pk])
                    if story_editable(story, self.user, in_review=in_review)
                    else "",
                    "live_url": story.get_url(self.request) if story.live else "",
                }
            )
        return {"write_urls": write_urls, "stories": stories, "count": count}


# Program admins -------------------------------------------------------------------------


class ProgramAdminPanel(RolePanel):
    name = "trellis_program_admin"
    order = 82
    group = PROGRAM_ADMINS
    template_name = "cms/dashboard/program_admin_panel.html"

    def rows(self) -> dict:
        if not administers_any(self.user):
            return {"no_programs": True}
        return {
            "intakes": self.intakes(),
            "runs": self.runs(),
            "at_risk": self.at_risk(),
            **self.never_signed_in(),
        }

    def intakes(self) -> list[dict]:
        waiting = (
            Enrollment.objects.waiting()
            .administered_by(self.user)
            .values("program_id", "program__title")
            .annotate(count=Count("pk"))
            .order_by("program__title")[:LIST_LIMIT]
        )
        return [
            {
                "title": row["program__title"],
                "count": row["count"],
                "url": reverse("matching_enrolments:index")
                + "?"
                + urlencode({"program": row["program_id"], "status": "enrolled"}),
            }
            for row in waiting
        ]

    def runs(self) -> list[dict]:
        runs = list(
            MatchingRun.objects.administered_by(self.user)
            .with_lifecycle()
            .filter(lifecycle__in=(RunLifecycle.PROPOSED, RunLifecycle.PARTLY_APPROVED))
            .select_related("program")
            .order_by("-created_at", "-pk")[:LIST_LIMIT]
        )
        waiting = dict(
            MatchProposal.objects.filter(run__in=runs, status__in=WAITING_STATUSES)
            .values_list("run")
            .annotate(count=Count("pk"))
            .order_by()
        )
        return [
            {
                "title": run.program.title,
                "started": run.created_at,
                "status": run.get_lifecycle_display(),
                "waiting": waiting.get(run.pk, 0),
                "url": reverse("matching_runs:inspect", args=[run.pk]),
            }
            for run in runs
        ]

    def at_risk(self) -> list[dict]:
        programs = (
            administered_programs(self.user)
            .filter(pk__in=Journey.objects.active().values("program"))
            .order_by("title")[:AT_RISK_PROGRAMS]
        )
        rows = []
        counts = journeys_at_risk(programs)
        for program in programs:
            count = counts.get(program.pk, 0)
            if count:
                rows.append(
                    {
                        "title": program.title,
                        "count": count,
                        "url": reverse("insights:program", args=[program.pk]),
                    }
                )
        return rows

    def never_signed_in(self) -> dict:
        in_journeys = JourneyMember.objects.filter(
            left_on__isnull=True,
            journey__status=JourneyStatus.ACTIVE,
            journey__in=Journey.objects.administered_by(self.user),
        ).values("user")
        waiting = Enrollment.objects.waiting().administered_by(self.user).values("user")
        people = get_user_model().objects.filter(
            Q(pk__in=in_journeys) | Q(pk__in=waiting),
            is_active=True,
            last_login__isnull=True,
        )
        return {
            "never_count": people.count(),
            "never": [
                str(person)
                for person in people.order_by("first_name", "last_name", "email")[:LIST_LIMIT]
            ],
            "never_journeys_url": reverse("journeys_admin:index")
            + "?"
            + urlencode({"never_signed_in": "true", "status": JourneyStatus.ACTIVE}),
            "never_enrolments_url": reverse("matching_enrolments:index")
            + "?"
            + urlencode({"never_signed_in": "true", "status": "enrolled"}),
        }


PANELS = (SeniorLeaderPanel, EditorPanel, CommunicationsPanel, ProgramAdminPanel)


def role_panels(request) -> list[RolePanel]:
    """The panels of the roles the person's groups give them (one query for the groups)."""
    user = request.user
    if not user.is_authenticated:
        return []
    groups = set(user.groups.values_list("name", flat=True))
    return [panel(request) for panel in PANELS if panel.group in groups]
