"""The participant pages: a person's journeys, their milestones, and what they do there.

Rules the views keep (the services keep the rest):

* Only a current member sees or acts on a journey. Every URL that names a
  journey looks the journey up among the viewer's own first, before the method
  or anything else is considered, and answers 404 to everyone else: another
  participant, staff, or a visitor who is not signed in. Public identifiers are
  UUIDs, and a reflection, meeting or goal is looked up inside that journey.
* A journey that has ended (completed or closed) is a record: its members read
  every page of it, and whatever they send is refused before anything is read
  from the form (``member_view``), back on the page it came from with a message
  saying so; a form's own page is refused the same way. The services refuse it
  too (``progress.acting_member``), whoever calls them. A paused journey is
  still worked on; only its reminders wait.
* Every action is a POST that redirects back with a message (post/redirect/get),
  so the pages work without JavaScript. A form that cannot be saved re-renders
  the page it came from with what was typed and the reason, with status 400.
  A form sent from a milestone the journey no longer has (an upgrade removed
  it while the page was open) comes back to the journey's page, saying so.
* The date is the site's (``settings.TIME_ZONE``), read once per request and
  handed to the services, which never read the clock themselves; times on a
  page (a message's) are shown in the member's own time zone.
* Every page is rendered from the database on each request, and nothing of it
  is kept: a change made anywhere (the admin, the partner, an editor) shows on
  the next view. What the pages may take from the cache is listed in
  docs/architecture.md ("What is cached, and why it cannot be stale").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from http import HTTPStatus
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks
from wagtail.models import Page, Site

from . import engine
from .conversation_rows import journey_panel
from .exceptions import JourneyError, StaleReflection, UnknownStep
from .forms import (
    EmailPreferenceForm,
    GoalForm,
    GoalStatusForm,
    MeetingForm,
    MessageForm,
    ProfileForm,
    PulseForm,
    ReflectionForm,
)
from .meeting_rows import agenda_from_step, open_plans, plan_rows, proposal_form
from .models import (
    Goal,
    GoalStatus,
    Journey,
    JourneyMember,
    JourneyPage,
    JourneyStatus,
    Meeting,
    MemberRole,
    ParticipantPreferences,
    PulseResponse,
)
from .ratelimit import Limit, try_again_in
from .services import conversation, export, outbox, profiles, progress
from .services.calendar import build_calendar, participant_events
from .services.people import time_zone_for, today_for
from .services.state import journey_state, journey_states, with_planned_activity
from .services.templates import snapshot_for_revision_id
from .signals import content_opened
from .templatetags.journeys_tags import state_label, step_title

ACTING_STATES = engine.ACTIONABLE | {engine.MilestoneState.DONE}
# What the pages read of a goal and its owner.
GOAL_FIELDS = (
    "uuid",
    "journey_id",
    "text",
    "target_date",
    "status",
    "owner__user__first_name",
    "owner__user__last_name",
    "owner__user__email",
)
# Stand in for ids in a URL reversed once for a whole list.
MILESTONE_ID = "milestone-id"
UUID_ID = GOAL_ID = "00000000-0000-0000-0000-000000000000"
MEMBER_ID = 0
# Apps above this one add links to My mentoring through this Wagtail hook:
# ``fn(request) -> [{"title": …, "url": …}]``, e.g. the programs whose insights the
# person may read.
PROGRAM_LINKS_HOOK = "my_mentoring_program_links"
# Apps above say what waits for the person elsewhere (matching: requests to mentor them):
# ``fn(request) -> [{"text", "url"}]``, shown at the top of My mentoring.
NOTICES_HOOK = "my_mentoring_notices"
# What the member pages read of a journey, its program and its template.
PAGE_JOURNEY_FIELDS = (
    "uuid",
    "program_id",
    "template_id",
    "template_revision_id",
    "started_on",
    "status",
    "last_activity_on",
    "program__title",
    "program__path",
    "program__remind_days_before_due",
    "program__allow_message_reports",
)


# Finding the journey -------------------------------------------------------------------


def _member_journey(request, journey_uuid) -> Journey:
    """The journey, if the viewer is one of its current members; otherwise 404."""
    if not request.user.is_authenticated:
        raise Http404
    found = _page_journeys(
        with_planned_activity(
            Journey.objects.filter(
                uuid=journey_uuid,
                memberships__user=request.user,
                memberships__left_on__isnull=True,
            ).order_by()
        ),
        limit=1,
    )
    if not found or not found[0].is_in_site(Site.find_for_request(request)):
        raise Http404
    return found[0]


def _page_journeys(journeys, limit: int | None = None) -> list[Journey]:
    """``journeys`` (a queryset) read as the member pages show them, at most ``limit``.

    The pages need the program's and template's titles and the reminder setting;
    the streams are read from the template revision's snapshot. The template's
    title comes by a subquery, and ``journey.template`` is built from it with
    its other fields deferred, as ``only()`` would: joined instead, the
    template's page and the program's page make a six-table query that
    PostgreSQL takes ten times longer to plan than to run.
    """
    title = Page.objects.filter(pk=OuterRef("template_id")).order_by().values("title")
    found = list(
        journeys.select_related("program")
        .only(*PAGE_JOURNEY_FIELDS)
        .annotate(template_title=Subquery(title))[:limit]
    )
    # ``from_db`` takes the values in the model's field order: the ids, then the title.
    read = [
        f.attname
        for f in JourneyPage._meta.concrete_fields
        if f.attname in ("id", "page_ptr_id", "title")
    ]
    for journey in found:
        values = [journey.template_title if n == "title" else journey.template_id for n in read]
        journey.template = JourneyPage.from_db(journey._state.db, read, values)
    return found


# What a member view does once its journey has ended (``member_view(..., ended=…)``).
READS = "reads"  # the default: its pages still show; anything sent is refused
REFUSED = "refused"  # a form's own page: showing the form is refused, as sending it would be
OPEN = "open"  # stays open: reporting a message changes nothing of the record


def member_view(*methods, ended=READS):
    """Resolve ``journey_uuid`` for members only, then check the method.

    Membership comes first so that a POST-only URL answers a stranger's GET with
    404, like every other URL of the journey, rather than revealing it with 405.
    On a journey that has ended, what ``ended`` says is refused is answered here
    (``_ended``), before the view reads anything that was sent.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, journey_uuid, *args, **kwargs):
            if not request.user.is_authenticated:
                # Before any lookup: a made-up journey and a real one look the same.
                return redirect_to_login(request.get_full_path())
            journey = _member_journey(request, journey_uuid)
            if request.method not in methods:
                response = HttpResponseNotAllowed(methods)
            elif journey.has_ended and (
                ended == REFUSED or (ended == READS and request.method != "GET")
            ):
                response = _ended(request, journey)
            else:
                response = view(request, journey, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        wrapped.refused_when_ended = ended == REFUSED
        return wrapped

    return decorator


def _ended(request, journey):
    """Refuse what was sent to a journey that has ended: as JSON to the pages' scripts
    (as their other refusals are), else back where it came from with a message."""
    text = progress.ended_message()
    if _wants_json(request):
        return JsonResponse({"status": "refused", "message": text}, status=400)
    messages.error(request, text)
    return redirect(_came_from(request, journey))


def _came_from(request, journey) -> str:
    """The page of this journey the request was sent from (its Referer), or the journey's
    page: never another site, the URL itself, or a form's own page (refused in turn)."""
    home = _journey_url(journey)
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return home
    parts = urlsplit(referer)
    if not parts.path.startswith(home) or parts.path == request.path:
        return home
    try:
        found = resolve(parts.path)
    except Resolver404:
        return home
    if getattr(found.func, "refused_when_ended", False):
        return home
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _today():
    # The site's day, even where a page shows times in the viewer's own zone: the
    # engine opens milestones on the same day for every member. The days a person
    # types are checked against their own day instead (people.today_for).
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _milestone_url(journey, milestone_id, step_id=None):
    url = reverse("journeys:milestone", args=[journey.uuid, milestone_id])
    return f"{url}#step-{step_id}" if step_id else url


def _journey_url(journey, anchor=None):
    url = reverse("journeys:journey", args=[journey.uuid])
    return f"{url}#{anchor}" if anchor else url


def _has_milestone(journey, milestone_id) -> bool:
    """Whether the revision the journey follows has the milestone: a page opened before
    an upgrade that removed it still posts its id."""
    return milestone_id in snapshot_for_revision_id(journey.template_revision_id).milestones_by_id


def _back_to_step(journey, milestone_id, step_id, anchor=None):
    """Back to the step an action came from, or to the journey (at ``anchor``) when its
    milestone is gone: ids no page of the journey has, after an upgrade removed it."""
    if milestone_id and step_id and _has_milestone(journey, milestone_id):
        return redirect(_milestone_url(journey, milestone_id, step_id))
    return redirect(_journey_url(journey, anchor))


def _step_gone(request, journey):
    """A form sent from a milestone the journey no longer has: say so on the journey page."""
    return _refused(request, journey, UnknownStep(_("That step is not part of this journey.")))


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _add_error(form, error, field_name=None):
    """Put a service's refusal on the form, next to the field it concerns."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        known = {name: errors for name, errors in error.error_dict.items() if name in form.fields}
        for name, errors in known.items():
            form.add_error(name, errors)
        if len(known) == len(error.error_dict):
            return
    form.add_error(field_name, _error_text(error))


# What the pages show --------------------------------------------------------------------


def _others(loaded, member):
    return [m for m in loaded.members if m.pk != member.pk]


def _share_label(loaded, member):
    others = _others(loaded, member)
    if len(others) > 1:
        return _("Share with my circle")
    if others and others[0].role == MemberRole.MENTOR:
        return _("Share with my mentor")
    if others and others[0].role == MemberRole.MENTEE:
        return _("Share with my mentee")
    return _("Share with my partner")


def _audience_note(loaded, audience):
    """Why a member sees a step they do not do: whose it is."""
    if audience == "mentors":
        return _("This one is for your mentor.")
    if any(m.role == MemberRole.MEMBER for m in loaded.members):
        return _("This one is for the members of your circle.")
    return _("This one is for your mentee.")


def _member_url(journey_uuid, member_id=MEMBER_ID) -> str:
    return reverse("journeys:member", args=[journey_uuid, member_id])


def _people(journey, members, viewer, url=None) -> list[profiles.ProfileCard]:
    """Each member as the people list shows them: photo or initials, name, role, a link.

    ``members`` come with their profiles loaded (``journey_states(..., profiles=True)``).
    ``url`` is the member URL reversed with ``UUID_ID`` for the journey, for a page
    listing many journeys.
    """
    # One URL reversed, then each member's id put in its place.
    url = _member_url(journey.uuid) if url is None else url.replace(UUID_ID, str(journey.uuid))
    slot = f"/{MEMBER_ID}/"
    return [
        profiles.ProfileCard(
            user=m.user,
            profile=profiles.profile_of(m.user),
            url=url.replace(slot, f"/{m.pk}/"),
            role_label=m.get_role_display(),
            is_me=viewer is not None and m.pk == viewer.pk,
        )
        for m in members
    ]


@dataclass
class MilestoneRow:
    """One milestone on the journey's timeline, as one member sees it.

    Everything the timeline prints is worked out here, once per row, so the
    template only places it: a journey of sixty milestones must not cost sixty
    rounds of includes, URL reversing and translated sentences in the template.
    """

    content: object
    status: engine.MilestoneStatus
    for_me: bool
    my_done: int
    my_required: int
    waits_for: list[str]
    note: str = ""
    url: str = ""
    label: str = ""
    when: str = ""
    steps_text: str = ""
    # The row's classes besides "timeline__item", and what its marker shows.
    css: str = ""
    marker: str = ""

    @property
    def state(self):
        return self.status.state


def _sentences() -> dict[str, str]:
    """The timeline's sentences, translated once for all its rows."""
    return {
        "done": _("Done on %(date)s"),
        "waits": _("Opens once “%(titles)s” is done, not before %(date)s"),
        "opens": _("Opens on %(date)s"),
        "due": _("Due on %(date)s"),
        "steps": _("%(done)s of %(total)s steps done by you"),
    }


def _when(status, waits_for, sentences=None) -> str:
    """When a milestone was done, opens or falls due, in a sentence."""
    sentences = sentences or _sentences()
    if status.state == engine.MilestoneState.DONE:
        return sentences["done"] % {"date": date_format(status.done_on, "j F Y")}
    if status.state == engine.MilestoneState.LOCKED:
        if waits_for:
            return sentences["waits"] % {
                "titles": "”, “".join(waits_for),
                "date": date_format(status.opens_on, "j F Y"),
            }
        return sentences["opens"] % {"date": date_format(status.opens_on, "j F Y")}
    return sentences["due"] % {"date": date_format(status.due_on, "j F Y")}


def _timeline(loaded, member, only: str | None = None) -> list[MilestoneRow]:
    """The milestones that are part of this journey, in order, with their states.

    ``only`` (a milestone id) gives that milestone's row alone, if it is part of it.
    """
    prepared = loaded.snapshot.prepared
    state = loaded.state
    # One URL reversed, then each milestone's id put in its place.
    url = reverse("journeys:milestone", args=[loaded.journey.uuid, MILESTONE_ID])
    labels = {}
    sentences = _sentences()
    notes = {}
    rows = []
    for spec, status in zip(prepared.milestones, state.milestones, strict=True):
        if status.state in engine.EXCLUDED or (only is not None and spec.id != only):
            continue
        for_me = member.pk in status.audience_member_ids
        required = [s for s in spec.steps if s.required]
        waits_for = [
            state.milestone(p).title
            for p in spec.prerequisites
            if p in state.positions
            and state.milestone(p).state not in engine.EXCLUDED | {engine.MilestoneState.DONE}
        ]
        content = loaded.snapshot.milestones_by_id[spec.id]
        my_done = sum(member.pk in status.steps_done[s.id] for s in required) if for_me else 0
        my_required = len(required) if for_me else 0
        if status.state not in labels:
            labels[status.state] = str(state_label(status.state))
        if not for_me:
            if content.audience not in notes:
                notes[content.audience] = _audience_note(loaded, content.audience)
            steps_text = notes[content.audience]
        elif my_required and status.state != engine.MilestoneState.LOCKED:
            steps_text = sentences["steps"] % {
                "done": my_done,
                "total": my_required,
            }
        else:
            steps_text = ""
        rows.append(
            MilestoneRow(
                content=content,
                status=status,
                for_me=for_me,
                my_done=my_done,
                my_required=my_required,
                waits_for=waits_for,
                note="" if for_me else steps_text,
                url=url.replace(MILESTONE_ID, spec.id),
                label=labels[status.state],
                when=_when(status, waits_for, sentences),
                steps_text=steps_text,
                css=f"timeline__item--{status.state}"
                + ("" if for_me else " timeline__item--others"),
                marker="✓" if status.state == engine.MilestoneState.DONE else str(content.number),
            )
        )
    return rows


@dataclass
class GoalRow:
    """A goal as the goal lists show it, with its "where it stands" control.

    The control is written out by the template from ``options``: a list of
    goals must not render a form's widgets through their templates once per
    goal. A status form sent back with an error (``form``) shows its choice and
    its errors.
    """

    goal: Goal
    owner_label: str
    target_text: str
    action: str
    select_id: str
    options: list[tuple[str, str, bool]]
    errors: list[str]
    milestone_id: str
    step_id: str


def _goal_rows(goals, member, journey, overrides, origin=None) -> list[GoalRow]:
    """Each goal with its status control; ``origin`` is the (milestone, step) it is shown on."""
    milestone_id, step_id = origin or ("", "")
    action = reverse("journeys:update_goal", args=[journey.uuid, GOAL_ID])
    rows = []
    for goal in goals:
        sent = overrides.get(("goal_status", goal.uuid))
        chosen = sent.data.get("status") if sent is not None else goal.status
        if goal.owner_id == member.pk:
            owner = _("Your goal")
        else:
            owner = _("%(name)s’s goal") % {"name": goal.owner.user}
        rows.append(
            GoalRow(
                goal=goal,
                owner_label=owner,
                target_text=_("by %(date)s") % {"date": date_format(goal.target_date, "j F Y")}
                if goal.target_date
                else "",
                action=action.replace(GOAL_ID, str(goal.uuid)),
                select_id=f"goal-{goal.uuid}-status",
                options=[(value, label, value == chosen) for value, label in GoalStatus.choices],
                errors=[*sent.non_field_errors(), *sent.errors.get("status", [])] if sent else [],
                milestone_id=milestone_id,
                step_id=step_id,
            )
        )
    return rows


def _journey_context(request, journey, today, overrides=None):
    overrides = overrides or {}
    loaded = journey_state(journey, today, profiles=True)
    member = loaded.member_for(request.user)
    if member is None:  # left between the lookup and now
        raise Http404
    goals = Goal.objects.filter(journey=journey).select_related("owner__user").only(*GOAL_FIELDS)
    meetings = Meeting.objects.filter(journey=journey).only("uuid", "held_on", "duration_minutes")
    zone = time_zone_for(member.user)
    now = timezone.now()
    plans = plan_rows(
        open_plans(journey, member, now), member, loaded.members, zone, now, journey, overrides
    )
    return {
        "journey": journey,
        "loaded": loaded,
        "member": member,
        "others": _others(loaded, member),
        "people": _people(journey, loaded.members, member),
        "timeline": _timeline(loaded, member),
        "state": loaded.state,
        "goals": _goal_rows(goals, member, journey, overrides),
        "meetings": meetings,
        "plans": plans,
        "can_plan": journey.status == JourneyStatus.ACTIVE,
        "conversation": journey_panel(
            journey,
            member,
            overrides.get("message")
            or MessageForm(initial={"origin": "journey"}, auto_id="message-%s"),
        ),
        "today": today,
        "zone": zone,
    }


def _render_journey(request, journey, today, overrides=None, status=200):
    context = _journey_context(request, journey, today, overrides)
    # Times on the page (a message's) read in the member's own time zone.
    with timezone.override(context["zone"]):
        return render(request, "journeys/journey_detail.html", context, status=status)


@dataclass
class StepRow:
    """One step of a milestone, with everything its action needs for this member."""

    content: object
    spec: engine.StepSpec
    for_me: bool
    can_act: bool
    done: bool
    done_by_me: bool
    form: object = None
    reflection: object = None
    shared_reflections: list = field(default_factory=list)
    conflict: object = None
    score: int | None = None
    plan_form: object = None
    plans: list = field(default_factory=list)

    @property
    def kind(self):
        return self.content.kind

    @property
    def id(self):
        return self.content.id


def _material_pages(milestone) -> list[Page]:
    """The pages the milestone's read and meet steps name, as the revision has them."""
    pages = []
    for step in milestone.steps:
        page = step.value.get("page") if step.kind == "read" else None
        if step.kind == "meet":
            page = step.value.get("discussion_guide")
        if page is not None:
            pages.append(page)
    return pages


def _materials(milestone):
    """The live, specific pages the milestone's read and meet steps show.

    A page never changes its type, so the revision's page says which model to
    read: one query per kind of page, without first asking for content types.
    """
    ids_by_model = defaultdict(set)
    for page in _material_pages(milestone):
        model = page.specific_class
        if model is not None:
            ids_by_model[model].add(page.pk)
    return {
        page.pk: page
        for model, ids in ids_by_model.items()
        for page in model.objects.live().filter(pk__in=ids)
    }


def _step_form(step, reflection, share_label, person_today, overrides):
    bound = overrides.get((step.kind, step.id))
    if bound is not None:
        return bound
    auto_id = f"step-{step.id}-%s"
    if step.kind == "reflect":
        initial = {"version": reflection.version} if reflection else {}
        if reflection:
            initial.update(text=reflection.text, shared=reflection.shared)
        return ReflectionForm(initial=initial, share_label=share_label, auto_id=auto_id)
    if step.kind == "meet":
        return MeetingForm(
            initial={
                "held_on": person_today,
                "milestone_id": step.milestone_id,
                "step_id": step.id,
            },
            auto_id=auto_id,
        )
    if step.kind == "set_goals":
        return GoalForm(
            initial={"milestone_id": step.milestone_id, "step_id": step.id}, auto_id=auto_id
        )
    if step.kind == "pulse":
        return PulseForm(auto_id=auto_id)
    return None


def _plan_form(step, materials, zone, overrides):
    """A meet step's form proposing a meeting, its agenda started from the step's guide."""
    guide = step.value.get("discussion_guide")
    return proposal_form(
        zone,
        overrides,
        key=("plan", step.id),
        initial={
            "milestone_id": step.milestone_id,
            "step_id": step.id,
            "agenda": agenda_from_step(
                step.value, materials.get(guide.pk) if guide is not None else None
            ),
        },
        auto_id=f"step-{step.id}-plan-%s",
    )


def _milestone_context(request, journey, milestone_id, today, overrides=None):
    overrides = overrides or {}
    loaded = journey_state(journey, today)
    member = loaded.member_for(request.user)
    milestone = loaded.snapshot.milestones_by_id.get(milestone_id)
    if member is None or milestone is None:
        raise Http404
    status = loaded.state.milestone(milestone_id)
    spec = loaded.snapshot.prepared.milestones[loaded.state.positions[milestone_id]]
    specs = {s.id: s for s in spec.steps}
    for_me = member.pk in status.audience_member_ids
    # An ended journey is read, not acted on: its steps show what was done, without forms.
    can_act = for_me and status.state in ACTING_STATES and not journey.has_ended

    kinds = {step.kind for step in milestone.steps}
    # The member's own completions here, from those the state was computed from.
    mine = {
        step_id
        for done_in, step_id, member_id, _day in loaded.completions
        if done_in == milestone_id and member_id == member.pk
    }
    reflections = (
        list(
            progress.visible_reflections(journey, request.user, member).filter(
                milestone_id=milestone_id
            )
        )
        if "reflect" in kinds
        else []
    )
    scores = (
        dict(
            PulseResponse.objects.filter(
                journey=journey, milestone_id=milestone_id, member=member
            ).values_list("step_id", "score")
        )
        if "pulse" in kinds
        else {}
    )
    goals = (
        list(Goal.objects.filter(journey=journey).select_related("owner__user").only(*GOAL_FIELDS))
        if kinds & {"set_goals", "review_goals"}
        else []
    )
    share_label = _share_label(loaded, member)
    materials = _materials(milestone)
    zone = time_zone_for(member.user)
    person_today = today_for(member.user)
    now = timezone.now()
    plans = (
        plan_rows(
            open_plans(journey, member, now, milestone_id=milestone_id),
            member,
            loaded.members,
            zone,
            now,
            journey,
        )
        if "meet" in kinds
        else []
    )

    rows = []
    for step in milestone.steps:
        own = next(
            (r for r in reflections if r.step_id == step.id and r.author_id == member.pk), None
        )
        rows.append(
            StepRow(
                content=step,
                spec=specs[step.id],
                for_me=for_me,
                can_act=can_act,
                done=member.pk in status.steps_done[step.id]
                if for_me
                else bool(status.steps_done[step.id]),
                done_by_me=step.id in mine,
                form=_step_form(step, own, share_label, person_today, overrides)
                if can_act
                else None,
                reflection=own,
                shared_reflections=[
                    r
                    for r in reflections
                    if r.step_id == step.id and r.author_id != member.pk and r.shared
                ],
                conflict=overrides.get(("conflict", step.id)),
                score=scores.get(step.id),
                plan_form=_plan_form(step, materials, zone, overrides)
                if can_act and step.kind == "meet" and journey.status == JourneyStatus.ACTIVE
                else None,
                plans=[p for p in plans if p.plan.step_id == step.id],
            )
        )

    included = [
        (m, s)
        for m, s in zip(loaded.snapshot.milestones, loaded.state.milestones, strict=True)
        if s.state not in engine.EXCLUDED
    ]
    position = next((i for i, (m, _s) in enumerate(included) if m.id == milestone_id), None)
    previous = included[position - 1][0] if position else None
    following = (
        included[position + 1][0]
        if position is not None and position + 1 < len(included)
        else None
    )
    row = next(iter(_timeline(loaded, member, only=milestone_id)), None)
    return {
        "match_notes": _match_notes(journey, loaded, member) if position == 0 else [],
        "journey": journey,
        "loaded": loaded,
        "member": member,
        "milestone": milestone,
        "status": status,
        "row": row,
        "for_me": for_me,
        "can_act": can_act,
        "audience_note": "" if for_me else _audience_note(loaded, milestone.audience),
        "excluded": status.state in engine.EXCLUDED,
        "steps": rows,
        "materials": materials,
        "goals": _goal_rows(
            goals,
            member,
            journey,
            overrides,
            next(
                ((milestone_id, s.id) for s in milestone.steps if s.kind == "review_goals"),
                None,
            ),
        ),
        "previous_milestone": previous,
        "next_milestone": following,
        "today": today,
    }


def _match_notes(journey, loaded, member) -> list[tuple[object, profiles.MatchNote, str]]:
    """What the other members told the program for their match to read, with a link to
    each one's profile: shown on the journey's first milestone."""
    notes = profiles.match_notes(journey)
    url = _member_url(journey.uuid)
    slot = f"/{MEMBER_ID}/"
    return [
        (other, notes[other.user_id], url.replace(slot, f"/{other.pk}/"))
        for other in _others(loaded, member)
        if other.user_id in notes
    ]


def _render_milestone(request, journey, milestone_id, today, overrides=None, status=200):
    context = _milestone_context(request, journey, milestone_id, today, overrides)
    return render(request, "journeys/milestone_detail.html", context, status=status)


def _render_origin(request, journey, form, key, today, status=400):
    """Re-render the page a form was sent from, with the form as it was typed."""
    milestone_id = form.data.get("milestone_id") or ""
    step_id = form.data.get("step_id") or ""
    if milestone_id and step_id:
        step = journey_state(journey, today).snapshot.step(milestone_id, step_id)
        if step is not None:
            if key in ("goal", "meeting"):
                form.auto_id = f"step-{step_id}-%s"
                key = (step.kind, step_id)
            elif key == "plan":
                form.auto_id = f"step-{step_id}-plan-%s"
                key = ("plan", step_id)
            return _render_milestone(request, journey, milestone_id, today, {key: form}, status)
    if key in FORM_PAGES:
        return _render_form_page(request, journey, key, form, status)
    return _render_journey(request, journey, today, {key: form}, status)


@dataclass(frozen=True)
class FormPage:
    """A journey's form with a page of its own, reached from the journey page."""

    title: str
    intro: str
    template: str
    anchor: str  # the journey page's section to go back to


FORM_PAGES = {
    "goal": FormPage(
        gettext_lazy("Set a goal"),
        gettext_lazy("Something you want to reach in this journey, and by when if you like."),
        "journeys/includes/goal_form.html",
        "goals",
    ),
    "meeting": FormPage(
        gettext_lazy("Log our meeting"),
        gettext_lazy(
            "A meeting you have had. Your notes are for the people in this journey only."
        ),
        "journeys/includes/meeting_form.html",
        "meetings",
    ),
    "plan": FormPage(
        gettext_lazy("Plan a meeting"),
        gettext_lazy(
            "Propose up to three times: the others choose one, and everyone gets an "
            "invitation for their calendar."
        ),
        "journeys/includes/plan_form.html",
        "meetings",
    ),
}


def _render_form_page(request, journey, key, form, status=200):
    """One of the journey's forms on its own page: fresh, or as sent back with errors.

    The journey page links here rather than carrying every form folded away:
    a person sets a goal, logs or plans a meeting once in a while, and reads
    the journey page every time.
    """
    return render(
        request,
        "journeys/journey_form.html",
        {
            "journey": journey,
            "page": FORM_PAGES[key],
            "form_template": FORM_PAGES[key].template,
            f"{key}_form": form,
        },
        status=status,
    )


def _back(journey, form_or_data, anchor):
    data = getattr(form_or_data, "cleaned_data", form_or_data) or {}
    return _back_to_step(journey, data.get("milestone_id"), data.get("step_id"), anchor)


# Pages ---------------------------------------------------------------------------------


@dataclass
class JourneyCard:
    """One journey on My mentoring, as its member sees it.

    Worked out here, once per card, so the template only places it: a person in
    many journeys must not cost a round of includes, filters and URL reversing
    per card.
    """

    journey: Journey
    url: str
    conversation_url: str
    unread: int
    people: list[profiles.ProfileCard]
    status_label: str
    percent: int
    label_id: str
    is_complete: bool
    next_state: str = ""
    next_label: str = ""
    next_title: str = ""
    next_url: str = ""
    next_milestone_title: str = ""
    upcoming: engine.MilestoneStatus | None = None


@login_required
@never_cache
def my_mentoring(request):
    """Every journey the person is in, how far along it is, and what to do next."""
    today = _today()
    # Each journey comes with its unread messages and latest planned meeting.
    journeys = _page_journeys(
        with_planned_activity(
            conversation.with_unread_counts(
                Journey.objects.for_user(request.user).in_site(Site.find_for_request(request)),
                request.user,
            )
        )
    )
    # URLs reversed once, then each journey's and milestone's ids put in their places.
    journey_url = reverse("journeys:journey", args=[UUID_ID])
    conversation_url = reverse("journeys:conversation", args=[UUID_ID])
    milestone_url = reverse("journeys:milestone", args=[UUID_ID, MILESTONE_ID])
    member_url = _member_url(UUID_ID)
    rows = []
    for loaded in journey_states(journeys, today, profiles=True):
        member = loaded.member_for(request.user)
        if member is not None:
            rows.append((loaded, member, loaded.state.next_steps.get(member.pk)))
    live_titles = _live_titles(
        loaded.snapshot.steps_by_id[next_step.step_id]
        for loaded, _member, next_step in rows
        if next_step is not None
    )
    labels = {}
    cards = []
    for loaded, member, next_step in rows:
        journey = loaded.journey
        uuid = str(journey.uuid)
        card = JourneyCard(
            journey=journey,
            url=journey_url.replace(UUID_ID, uuid),
            conversation_url=conversation_url.replace(UUID_ID, uuid),
            unread=journey.unread,
            people=_people(journey, _others(loaded, member), member, member_url),
            status_label=""
            if journey.status == JourneyStatus.ACTIVE
            else journey.get_status_display(),
            percent=loaded.state.progress_percent,
            label_id=f"progress-{journey.uuid.hex}",
            is_complete=loaded.state.is_complete,
            upcoming=loaded.state.upcoming.get(member.pk),
        )
        if next_step is not None and not journey.has_ended:
            if next_step.state not in labels:
                labels[next_step.state] = str(state_label(next_step.state))
            url = milestone_url.replace(UUID_ID, uuid).replace(
                MILESTONE_ID, next_step.milestone_id
            )
            card.next_state = next_step.state
            card.next_label = labels[next_step.state]
            card.next_title = step_title(
                loaded.snapshot.steps_by_id[next_step.step_id], live_titles
            )
            card.next_url = f"{url}#step-{next_step.step_id}"
            card.next_milestone_title = loaded.snapshot.milestones_by_id[
                next_step.milestone_id
            ].title
        cards.append(card)
    return render(
        request,
        "journeys/my_mentoring.html",
        {
            "cards": cards,
            "today": today,
            "program_links": [
                link
                for provide in hooks.get_hooks(PROGRAM_LINKS_HOOK)
                for link in provide(request)
            ],
            "notices": [
                notice for provide in hooks.get_hooks(NOTICES_HOOK) for notice in provide(request)
            ],
        },
    )


def _live_titles(steps) -> dict[int, str]:
    """The titles of the live pages that next ``steps`` ask people to read, by page id.

    A template revision names the page a read step shows; the page itself is
    renamed, republished and unpublished on its own, so its title is read
    afresh (one query for all cards), never from the parsed revision.
    """
    ids = set()
    for step in steps:
        page = step.value.get("page") if step.kind == "read" else None
        if page is not None:
            ids.add(page.pk)
    if not ids:
        return {}
    return dict(Page.objects.live().filter(pk__in=ids).values_list("pk", "title"))


@member_view("GET")
def journey_detail(request, journey):
    return _render_journey(request, journey, _today())


@member_view("GET")
def milestone_detail(request, journey, milestone_id):
    today = _today()
    context = _milestone_context(request, journey, milestone_id, today)
    content_opened.send(
        sender=Journey,
        journey_id=journey.pk,
        program_id=journey.program_id,
        user_id=request.user.pk,
        page_ids=tuple(context["materials"].keys()),
    )
    return render(request, "journeys/milestone_detail.html", context)


@member_view("GET")
def reflection_detail(request, journey, reflection_uuid):
    reflection = (
        progress.visible_reflections(journey, request.user).filter(uuid=reflection_uuid).first()
    )
    if reflection is None:
        raise Http404
    loaded = journey_state(journey, _today())
    milestone = loaded.snapshot.milestones_by_id.get(reflection.milestone_id)
    step = loaded.snapshot.steps_by_id.get(reflection.step_id)
    return render(
        request,
        "journeys/reflection_detail.html",
        {
            "journey": journey,
            "reflection": reflection,
            "milestone": milestone,
            "step": step,
            "is_mine": reflection.author.user_id == request.user.pk,
        },
    )


@member_view("GET")
def member_profile(request, journey, member_id):
    """A fellow member's profile, with their email address and a way to write to them.

    Only the journey's current members are found here; someone who has left the
    journey is not found, and neither is anyone of another journey.
    """
    person = (
        JourneyMember.objects.filter(journey=journey, pk=member_id, left_on__isnull=True)
        .select_related("user")
        .first()
    )
    if person is None:
        raise Http404
    profile = profiles.profiles_for([person.user_id], topics=True).get(person.user_id)
    is_me = person.user_id == request.user.pk
    card = profiles.ProfileCard(
        user=person.user,
        profile=profile,
        role_label=person.get_role_display(),
        is_me=is_me,
        email=person.user.email if person.user.is_active and not is_me else "",
    )
    return render(
        request,
        "journeys/member_profile.html",
        {"journey": journey, "person": person, "card": card},
    )


@member_view("GET")
def journey_calendar(request, journey):
    """This journey's dates alone, as a one-off download for the member."""
    events = participant_events(
        request.user,
        _today(),
        lambda j, mid: request.build_absolute_uri(_milestone_url(j, mid)),
        lambda j, m: request.build_absolute_uri(
            reverse("journeys:meeting", args=[j.uuid, m.uuid])
        ),
        journey=journey,
        plan_url=lambda j, p: request.build_absolute_uri(_journey_url(j, f"plan-{p.uuid}")),
    )
    body = build_calendar(events, journey.template.title, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journey.ics"'
    return response


# Actions -------------------------------------------------------------------------------


@member_view("POST")
def complete_step(request, journey, milestone_id, step_id):
    try:
        progress.complete_step(journey, request.user, milestone_id, step_id, _today())
    except JourneyError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Marked as done. Well done."))
    return _back_to_step(journey, milestone_id, step_id)


@member_view("POST")
def undo_step(request, journey, milestone_id, step_id):
    try:
        progress.undo_step(journey, request.user, milestone_id, step_id, _today())
    except JourneyError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("No longer marked as done."))
    return _back_to_step(journey, milestone_id, step_id)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _refused(request, journey, error, milestone_id="", step_id=""):
    """A refusal that no form field can show (a locked milestone, a step gone): say why."""
    messages.error(request, _error_text(error))
    if milestone_id:
        return _back_to_step(journey, milestone_id, step_id)
    return redirect(_journey_url(journey))


@member_view("POST")
def save_reflection(request, journey, milestone_id, step_id):
    """Save a reflection: a plain form post, or the page's autosave asking for JSON.

    Autosave never marks the step as done (a half-typed sentence is not a
    reflection yet); the "Save reflection" button does. A stale version is a
    409 either way, carrying the stored text so the author can choose.
    """
    today = _today()
    as_json = _wants_json(request)
    form = ReflectionForm(request.POST, auto_id=f"step-{step_id}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            reflection = progress.save_reflection(
                journey,
                request.user,
                milestone_id,
                step_id,
                data["text"],
                data["shared"],
                data["version"],
                today,
                complete=not as_json,
            )
        except StaleReflection as stale:
            current = stale.current
            if as_json:
                return JsonResponse(
                    {
                        "status": "conflict",
                        "message": _error_text(stale),
                        "text": current.text,
                        "shared": current.shared,
                        "version": current.version,
                    },
                    status=409,
                )
            conflict = {"mine": data["text"], "saved": current, "shared": data["shared"]}
            overrides = {("reflect", step_id): form, ("conflict", step_id): conflict}
            return _render_milestone(request, journey, milestone_id, today, overrides, 409)
        except ValidationError as error:
            _add_error(form, error, "text")
        except JourneyError as error:
            if as_json:
                return JsonResponse(
                    {"status": "refused", "message": _error_text(error)}, status=400
                )
            return _refused(request, journey, error, milestone_id, step_id)
        else:
            if as_json:
                return JsonResponse(
                    {
                        "status": "saved",
                        "version": reflection.version,
                        "shared": reflection.shared,
                        "uuid": str(reflection.uuid),
                    }
                )
            messages.success(
                request,
                _("Your reflection is saved and shared.")
                if reflection.shared
                else _("Your reflection is saved. Only you can read it."),
            )
            return redirect(_milestone_url(journey, milestone_id, step_id))
    if as_json:
        return JsonResponse(
            {
                "status": "invalid",
                "message": " ".join(e for errors in form.errors.values() for e in errors),
                "errors": form.errors.get_json_data(),
            },
            status=400,
        )
    if not _has_milestone(journey, milestone_id):
        return _step_gone(request, journey)
    overrides = {("reflect", step_id): form}
    return _render_milestone(request, journey, milestone_id, today, overrides, 400)


@member_view("POST")
def record_pulse(request, journey, milestone_id, step_id):
    today = _today()
    form = PulseForm(request.POST, auto_id=f"step-{step_id}-%s")
    if form.is_valid():
        try:
            progress.record_pulse(
                journey, request.user, milestone_id, step_id, form.cleaned_data["score"], today
            )
        except ValidationError as error:
            _add_error(form, error, "score")
        except JourneyError as error:
            return _refused(request, journey, error, milestone_id, step_id)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(_milestone_url(journey, milestone_id, step_id))
    if not _has_milestone(journey, milestone_id):
        return _step_gone(request, journey)
    overrides = {("pulse", step_id): form}
    return _render_milestone(request, journey, milestone_id, today, overrides, 400)


@member_view("GET", "POST", ended=REFUSED)
def log_meeting(request, journey):
    today = _today()
    if request.method == "GET":
        form = MeetingForm(initial={"held_on": today_for(request.user)}, auto_id="meeting-%s")
        return _render_form_page(request, journey, "meeting", form)
    form = MeetingForm(request.POST, auto_id="meeting-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            progress.log_meeting(
                journey,
                request.user,
                data["held_on"],
                data["duration_minutes"],
                data["notes"],
                data["agreed_actions"],
                today,
                milestone_id=data["milestone_id"] if data["step_id"] else "",
                step_id=data["step_id"],
                person_today=today_for(request.user),
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            return _refused(request, journey, error, data["milestone_id"], data["step_id"])
        else:
            messages.success(request, _("Your meeting is logged. Thank you for making time."))
            return _back(journey, form, "meetings")
    return _render_origin(request, journey, form, "meeting", today)


@member_view("GET", "POST", ended=REFUSED)
def set_goal(request, journey):
    today = _today()
    if request.method == "GET":
        return _render_form_page(request, journey, "goal", GoalForm(auto_id="goal-%s"))
    form = GoalForm(request.POST, auto_id="goal-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            progress.set_goal(
                journey,
                request.user,
                data["text"],
                data["target_date"],
                today,
                person_today=today_for(request.user),
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            return _refused(request, journey, error, data["milestone_id"], data["step_id"])
        else:
            messages.success(request, _("Your goal is set."))
            return _back(journey, form, "goals")
    return _render_origin(request, journey, form, "goal", today)


@member_view("POST")
def update_goal(request, journey, goal_uuid):
    goal = Goal.objects.filter(journey=journey, uuid=goal_uuid).select_related("journey").first()
    if goal is None:
        raise Http404
    today = _today()
    form = GoalStatusForm(request.POST, auto_id=f"goal-{goal.uuid}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            progress.update_goal(goal, request.user, data["status"], today)
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            return _refused(request, journey, error, data["milestone_id"], data["step_id"])
        else:
            messages.success(
                request, _("The goal is now “%(status)s”.") % {"status": goal.get_status_display()}
            )
            return _back(journey, form, f"goal-{goal.uuid}")
    return _render_origin(request, journey, form, ("goal_status", goal.uuid), today)


# Settings and the calendar feed -------------------------------------------------------------


def _preferences(user) -> ParticipantPreferences:
    preferences, _created = ParticipantPreferences.objects.get_or_create(user=user)
    return preferences


@login_required
@never_cache
def calendar_settings(request):
    preferences = _preferences(request.user)
    feed_url = request.build_absolute_uri(
        reverse("journeys:calendar_feed", args=[preferences.calendar_token])
    )
    subscribe_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request,
        "journeys/calendar_settings.html",
        {"feed_url": feed_url, "subscribe_url": subscribe_url},
    )


@login_required
@require_POST
def reset_calendar(request):
    _preferences(request.user).reset_calendar_token()
    messages.success(
        request,
        _("Your calendar has a new link. Calendars that used the old one will stop updating."),
    )
    return redirect("journeys:calendar_settings")


def _feed_address(request):
    """A journey's page as an absolute address: on the feed's own host for the journeys
    of its site, on their program's site for the others (they answer only there)."""
    here = Site.find_for_request(request)
    sites = outbox.Sites()

    def absolute(journey, path):
        site = sites.get(journey.program_id)
        if site is None or here is None or site.pk == here.pk:
            return request.build_absolute_uri(path)
        return sites.root(journey.program_id) + path

    return absolute


@never_cache
def calendar_feed(request, token):
    """The secret calendar feed; the token is the only key, so no sign-in is needed."""
    preferences = (
        ParticipantPreferences.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )
    if preferences is None:
        raise Http404
    user = preferences.user
    absolute = _feed_address(request)
    events = participant_events(
        user,
        _today(),
        lambda j, mid: absolute(j, _milestone_url(j, mid)),
        lambda j, m: absolute(j, reverse("journeys:meeting", args=[j.uuid, m.uuid])),
        plan_url=lambda j, p: absolute(j, _journey_url(j, f"plan-{p.uuid}")),
    )
    body = build_calendar(events, _("My mentoring"), timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mentoring.ics"'
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def email_settings(request):
    preferences = _preferences(request.user)
    data = request.POST if request.method == "POST" else None
    form = EmailPreferenceForm(data, instance=preferences, auto_id="email-%s")
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your choice is saved."))
            return redirect("journeys:email_settings")
        return render(request, "journeys/email_settings.html", {"form": form}, status=400)
    return render(request, "journeys/email_settings.html", {"form": form})


def data_download_limit() -> Limit:
    """Each download builds the whole export: a few an hour for each person."""
    return Limit("data-download", settings.DATA_DOWNLOADS_PER_HOUR, timedelta(hours=1))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_data(request):
    """What the person's download holds (GET), and the download itself (POST).

    A POST, so that the file is only made when asked for (with the CSRF token)
    and never by a link followed or prefetched. Building it reads everything the person
    has, so each may have only ``DATA_DOWNLOADS_PER_HOUR`` an hour; past that the page
    says when the next can be made.
    """
    if request.method == "GET":
        return render(request, "journeys/my_data.html")
    limit = data_download_limit()
    key = str(request.user.pk)
    now = timezone.now()
    until = limit.refused_until(key)
    if until is not None:
        messages.error(
            request,
            " ".join(
                [
                    ngettext(
                        "You have downloaded your data %(count)s time in the last hour, "
                        "which is as often as it can be made.",
                        "You have downloaded your data %(count)s times in the last hour, "
                        "which is as often as it can be made.",
                        limit.attempts,
                    )
                    % {"count": limit.attempts},
                    try_again_in(until, now),
                ]
            ),
        )
        return render(request, "journeys/my_data.html", status=HTTPStatus.TOO_MANY_REQUESTS)
    limit.record(key, now)
    body = export.export_bytes(request.user, now)
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.file_name(_today()))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_profile(request):
    """The person's own profile: what the people in their journeys see, and the form to
    change it (the photo is an upload, so the form works without JavaScript)."""
    user = request.user
    profile = profiles.profiles_for([user.pk], topics=True).get(user.pk)
    if request.method == "GET":
        form = ProfileForm(user=user, profile=profile, auto_id="profile-%s")
        return _render_profile(request, form, profile)
    form = ProfileForm(
        request.POST, request.FILES, user=user, profile=profile, auto_id="profile-%s"
    )
    if form.is_valid():
        try:
            profiles.save_profile(
                user,
                form.values(),
                photo=form.cleaned_data.get("photo"),
                remove_photo=form.cleaned_data.get("remove_photo", False),
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("journeys:my_profile")
    return _render_profile(request, form, profile, status=400)


def _render_profile(request, form, profile, status=200):
    card = profiles.ProfileCard(user=request.user, profile=profile, is_me=True)
    return render(request, "journeys/my_profile.html", {"form": form, "card": card}, status=status)
