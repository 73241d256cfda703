"""The participant pages' meeting planning: propose, answer, move, cancel, say whether you met.

The rules of ``journeys.views`` hold here too: every URL naming a journey
resolves it for its current members only (404 for everyone else, before the
method is looked at), every action is a POST that redirects back with a
message, and a form that cannot be saved re-renders the page it came from
with what was typed and the reason (status 400). Times are typed and shown
in the viewer's own time zone. The one URL that does not name a journey is
the signed "did you meet?" link from an email (``meeting_answer``): its GET
only asks, and only its POST changes anything, and neither asks nor changes
anything once the journey has ended.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .exceptions import JourneyError
from .forms import (
    AcceptTimeForm,
    MeetingNotesForm,
    MoveMeetingForm,
    ProposeMeetingForm,
    SuggestTimesForm,
)
from .meeting_rows import open_plans, plan_rows, proposal_form
from .models import (
    JourneyMember,
    JourneyStatus,
    Meeting,
    PlannedMeeting,
    PlannedMeetingStatus,
    readable_by,
)
from .services import meetings, progress
from .services.people import time_zone_for
from .views import (
    REFUSED,
    _add_error,
    _back,
    _error_text,
    _journey_url,
    _render_form_page,
    _render_journey,
    _render_origin,
    _today,
    member_view,
)

ANSWER_TEMPLATE = "journeys/meeting_answer.html"


def _plan(request, journey, plan_uuid) -> PlannedMeeting:
    """A planned meeting of this journey (already resolved for its members) proposed since
    the viewer joined it; else 404."""
    plan = (
        PlannedMeeting.objects.filter(journey=journey, uuid=plan_uuid)
        .filter(readable_by(request.user, author="proposer"))
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def _to_plan(journey, plan):
    return redirect(_journey_url(journey, f"plan-{plan.uuid}"))


@member_view("GET")
def planned_meeting_detail(request, journey, plan_uuid):
    return _render_plan(request, journey, plan_uuid)


def _render_plan(request, journey, plan_uuid, overrides=None, status=200):
    """A planned meeting's own page: everything the lists show, with its "suggest" and
    "move" forms. One that is settled (held, cancelled) sends the viewer to the
    journey's meetings."""
    now = timezone.now()
    members = list(
        JourneyMember.objects.filter(journey=journey, left_on__isnull=True).select_related("user")
    )
    member = next((m for m in members if m.user_id == request.user.pk), None)
    if member is None:  # left between the lookup and now
        raise Http404
    found = list(open_plans(journey, member, now, uuid=plan_uuid))
    if not found:
        if not PlannedMeeting.objects.filter(
            member.may_read(author="proposer"), journey=journey, uuid=plan_uuid
        ).exists():
            raise Http404
        messages.info(request, _("This meeting is no longer being planned."))
        return redirect(_journey_url(journey, "meetings"))
    zone = time_zone_for(request.user)
    [row] = plan_rows(found, member, members, zone, now, journey, overrides, forms=True)
    return render(
        request,
        "journeys/planned_meeting_detail.html",
        {"journey": journey, "member": member, "plans": [row], "row": row},
        status=status,
    )


@member_view("GET", "POST", ended=REFUSED)
def propose_meeting(request, journey):
    if request.method == "GET":
        if journey.status != JourneyStatus.ACTIVE:
            messages.error(request, _("Meetings are planned in active journeys only."))
            return _back(journey, {}, "meetings")
        form = proposal_form(time_zone_for(request.user))
        return _render_form_page(request, journey, "plan", form)
    form = ProposeMeetingForm(request.POST, auto_id="plan-%s", zone=time_zone_for(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = meetings.propose(
                journey,
                request.user,
                options=[data["option_1"], data["option_2"], data["option_3"]],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                video_link=data["video_link"],
                agenda=data["agenda"],
                now=timezone.now(),
                milestone_id=data["milestone_id"] if data["step_id"] else "",
                step_id=data["step_id"],
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            messages.error(request, _error_text(error))
            return _back(journey, form, "meetings")
        else:
            messages.success(
                request,
                _(
                    "Your proposal is on its way. Everyone gets an invitation once a time "
                    "is chosen."
                ),
            )
            if data["step_id"]:
                return _back(journey, form, "")
            return _to_plan(journey, plan)
    return _render_origin(request, journey, form, "plan", _today())


@member_view("POST")
def accept_meeting(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    form = AcceptTimeForm(request.POST)
    if form.is_valid():
        try:
            meetings.accept(plan, request.user, form.cleaned_data["option"], timezone.now())
        except JourneyError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("The time is agreed. Everyone gets an invitation for their calendar.")
            )
        return _to_plan(journey, plan)
    return _render_journey(request, journey, _today(), {("accept", plan.uuid): form}, 400)


@member_view("POST")
def suggest_times(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    form = SuggestTimesForm(
        request.POST, auto_id=f"plan-{plan.uuid}-suggest-%s", zone=time_zone_for(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            meetings.suggest(
                plan,
                request.user,
                [data["option_1"], data["option_2"], data["option_3"]],
                timezone.now(),
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            messages.error(request, _error_text(error))
            return _to_plan(journey, plan)
        else:
            messages.success(request, _("Your times are sent. The others choose one of them."))
            return _to_plan(journey, plan)
    return _render_plan(request, journey, plan.uuid, {("suggest", plan.uuid): form}, 400)


@member_view("POST")
def move_meeting(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    form = MoveMeetingForm(
        request.POST, auto_id=f"plan-{plan.uuid}-move-%s", zone=time_zone_for(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            meetings.move(
                plan,
                request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                video_link=data["video_link"],
                now=timezone.now(),
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            messages.error(request, _error_text(error))
            return _to_plan(journey, plan)
        else:
            messages.success(
                request, _("The meeting is moved. Everyone gets the change for their calendar.")
            )
            return _to_plan(journey, plan)
    return _render_plan(request, journey, plan.uuid, {("move", plan.uuid): form}, 400)


@member_view("POST")
def cancel_meeting(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    try:
        plan = meetings.cancel(plan, request.user, timezone.now())
    except JourneyError as error:
        messages.error(request, _error_text(error))
        return _to_plan(journey, plan)
    if plan.sequence:
        messages.success(request, _("The meeting is cancelled. Everyone's calendar is told so."))
    else:
        messages.success(request, _("The proposal is withdrawn."))
    return redirect(_journey_url(journey, "meetings"))


@member_view("POST")
def meeting_held(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    try:
        meeting = meetings.mark_held(plan, request.user, timezone.now())
    except JourneyError as error:
        messages.error(request, _error_text(error))
        return _to_plan(journey, plan)
    messages.success(request, _("Your meeting is logged. Add your notes while they are fresh."))
    return redirect(reverse("journeys:meeting", args=[journey.uuid, meeting.uuid]) + "#notes")


@member_view("POST")
def meeting_not_held(request, journey, plan_uuid):
    plan = _plan(request, journey, plan_uuid)
    try:
        meetings.mark_not_held(plan, request.user, timezone.now())
    except JourneyError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Noted. Choose a new time below when you can, or leave it for now.")
        )
    return _to_plan(journey, plan)


@member_view("GET")
def meeting_detail(request, journey, meeting_uuid):
    return _render_meeting(request, journey, meeting_uuid)


def _render_meeting(request, journey, meeting_uuid, form=None, status=200):
    viewer = JourneyMember.objects.filter(
        journey=journey, user_id=request.user.pk, left_on__isnull=True
    )
    meeting = (
        Meeting.objects.filter(journey=journey, uuid=meeting_uuid)
        .select_related("logged_by__user")
        # When the viewer joined, in the meeting's own query.
        .annotate(viewer_joined_at=Subquery(viewer.values("joined_at")[:1]))
        .first()
    )
    if meeting is None:
        raise Http404
    is_mine = meeting.logged_by.user_id == request.user.pk
    # Notes written before the viewer joined were written for the others, not for them.
    before_joining = (
        not is_mine
        and meeting.viewer_joined_at is not None
        and meeting.created_at < meeting.viewer_joined_at
    )
    # Notes are written while the journey runs; once it has ended they are its record.
    may_write = is_mine and not journey.has_ended
    if may_write and form is None:
        form = MeetingNotesForm(
            initial={"notes": meeting.notes, "agreed_actions": meeting.agreed_actions},
            auto_id="notes-%s",
        )
    return render(
        request,
        "journeys/meeting_detail.html",
        {
            "journey": journey,
            "meeting": meeting,
            "notes_form": form if may_write else None,
            "before_joining": before_joining,
        },
        status=status,
    )


@member_view("POST")
def write_meeting_notes(request, journey, meeting_uuid):
    meeting = Meeting.objects.filter(journey=journey, uuid=meeting_uuid).first()
    if meeting is None:
        raise Http404
    meeting.journey = journey
    form = MeetingNotesForm(request.POST, auto_id="notes-%s")
    if form.is_valid():
        try:
            progress.write_meeting_notes(
                meeting,
                request.user,
                form.cleaned_data["notes"],
                form.cleaned_data["agreed_actions"],
                _today(),
            )
        except ValidationError as error:
            _add_error(form, error)
        except JourneyError as error:
            messages.error(request, _error_text(error))
            return redirect(reverse("journeys:meeting", args=[journey.uuid, meeting.uuid]))
        else:
            messages.success(request, _("Your notes are saved."))
            return redirect(reverse("journeys:meeting", args=[journey.uuid, meeting.uuid]))
    return _render_meeting(request, journey, meeting_uuid, form, 400)


# The signed link from the "did you meet?" email ---------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def meeting_answer(request, token):
    """Answer "did you meet?" from an email: the signed token names the person and the answer.

    No sign-in is needed: the link is the credential, and all it can do is
    record that answer for that person. The GET shows what will happen and a
    button; only the POST (with the page's CSRF token) records it, so a mail
    scanner following the link changes nothing. A link older than
    ``ANSWER_MAX_AGE`` says so (410); a made-up or altered one is not found.
    Someone signed in as another person gets 404: the link is not theirs.
    """
    try:
        answer = meetings.read_answer_token(token)
    except meetings.ExpiredAnswer:
        return TemplateResponse(request, ANSWER_TEMPLATE, {"expired": True}, status=410)
    if answer is None:
        raise Http404
    if request.user.is_authenticated and request.user.pk != answer.user_id:
        raise Http404
    person = get_user_model().objects.filter(pk=answer.user_id, is_active=True).first()
    plan = (
        PlannedMeeting.objects.filter(uuid=answer.plan_uuid)
        .select_related("journey__template", "meeting")
        .first()
    )
    if person is None or plan is None:
        raise Http404
    membership = JourneyMember.objects.filter(
        journey_id=plan.journey_id, user=person, left_on__isnull=True
    ).exists()
    if not membership:
        raise Http404
    journey = plan.journey
    context = {
        "answer": answer.answer,
        "plan": plan,
        "journey": journey,
        "when": meetings.when_text(plan.starts_at, time_zone_for(person)),
        "journey_url": _journey_url(journey, f"plan-{plan.uuid}"),
        "done": False,
        "error": "",
    }
    if journey.has_ended:
        context["error"] = progress.ended_message()
    elif request.method == "POST":
        now = timezone.now()
        try:
            if answer.answer == meetings.HELD:
                meeting = meetings.mark_held(plan, person, now)
                context["meeting_url"] = reverse(
                    "journeys:meeting", args=[journey.uuid, meeting.uuid]
                )
            else:
                meetings.mark_not_held(plan, person, now)
        except JourneyError as error:
            context["error"] = _error_text(error)
        else:
            context["done"] = True
    elif plan.status == PlannedMeetingStatus.HELD and plan.meeting is not None:
        context["error"] = _("This meeting is already logged as held. Thank you.")
    return TemplateResponse(request, ANSWER_TEMPLATE, context)
