"""Self-match pages: a mentee chooses a mentor and asks; the mentor answers.

Rules the views keep (``services.selfmatch`` keeps the rest):

* Every page needs a signed-in person, and acts only on that person's own enrolment,
  found by program and ``request.user``.
* The mentors page exists only for a live program the viewer may see whose policy
  has self-match on; otherwise 404.
* A request's URL names it by UUID, and answers 404 to everyone signed in but its
  mentee and its mentor, before the method is considered. Withdrawing is the mentee's URL;
  accepting and declining are the mentor's: the other side gets 404 there too.
* Every action is a POST that redirects back with a message, so the pages work
  without JavaScript; a note that is too long re-renders the page with status 400.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from content.models import Topic
from content.text import PlainTextField
from journeys.models import ProgramPage
from journeys.services.profiles import ProfileCard, profiles_for
from journeys.sites import in_site, site_programs

from .exceptions import MatchingError
from .models import (
    REQUEST_MESSAGE_MAX_LENGTH,
    Enrollment,
    EnrollmentStatus,
    MentorRequest,
    RequestStatus,
    RoleWanted,
)
from .services import selfmatch

logger = logging.getLogger(__name__)


class AskForm(forms.Form):
    message = PlainTextField(
        multiline=True,
        label=gettext_lazy("A note to them (optional)"),
        help_text=gettext_lazy("Why them, and what you hope to work on together."),
        required=False,
        max_length=REQUEST_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Finding things ----------------------------------------------------------------------


def _program(request, program_id) -> ProgramPage:
    """The live program the viewer may see, with self-match on; otherwise 404."""
    program = site_programs(request).filter(pk=program_id).first()
    if program is None or not selfmatch.self_match_on(program):
        raise Http404
    for restriction in program.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404
    return program


def _own_enrollment(program, user) -> Enrollment | None:
    return (
        Enrollment.objects.filter(program=program, user=user)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("program", "user")
        .first()
    )


def _with_people(queryset):
    topics = Topic.objects.order_by("name")
    return queryset.select_related("program", "mentee__user", "mentor__user").prefetch_related(
        Prefetch("mentor__topics_offered", queryset=topics),
        Prefetch("mentee__topics_sought", queryset=topics),
    )


def _involved_request(request, request_uuid, side=None) -> MentorRequest:
    """The request, if the viewer is its mentee or mentor (or the given side); else 404."""
    if not request.user.is_authenticated:
        raise Http404
    who = {
        "mentee": Q(mentee__user=request.user),
        "mentor": Q(mentor__user=request.user),
        None: Q(mentee__user=request.user) | Q(mentor__user=request.user),
    }[side]
    found = _with_people(
        MentorRequest.objects.filter(who, in_site(request), uuid=request_uuid)
    ).first()
    if found is None:
        raise Http404
    return found


def request_view(side=None, methods=("POST",)):
    """Resolve ``request_uuid`` for the people involved only, then check the method.

    Involvement comes first, so a stranger's GET of a POST-only URL answers 404
    like every other URL of the request, rather than revealing it with 405.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, request_uuid):
            found = _involved_request(request, request_uuid, side)
            if request.method not in methods:
                response = HttpResponseNotAllowed(methods)
            else:
                response = view(request, found)
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorator


# What the pages show -----------------------------------------------------------------


@dataclass
class MentorCard:
    """One suggested mentor, as the mentee sees them: their profile, why, a way to ask."""

    enrollment: Enrollment
    profile: ProfileCard
    score: float
    reasons: list[str]
    form: AskForm

    @property
    def name(self) -> str:
        return str(self.enrollment.user)


def _cards(enrollment, snapshot, bound=None) -> list[MentorCard]:
    """The suggested mentors as profile cards: their profiles are shown to this mentee
    because self-match offers them, and to nobody else through this page."""
    found = selfmatch.suggestions(enrollment, today=timezone.localdate())
    mentors_by_pk = {
        e.pk: e
        for e in Enrollment.objects.filter(pk__in=[c.enrollment.pk for c in found])
        .select_related("user")
        .prefetch_related(Prefetch("topics_offered", queryset=Topic.objects.order_by("name")))
    }
    profiles = profiles_for([m.user_id for m in mentors_by_pk.values()], topics=True)
    bound_uuid, bound_form = bound or (None, None)
    cards = []
    for candidate in found:
        mentor = mentors_by_pk[candidate.enrollment.pk]
        form = (
            bound_form
            if mentor.uuid == bound_uuid
            else AskForm(auto_id=f"ask-{mentor.uuid.hex}-%s")
        )
        cards.append(
            MentorCard(
                enrollment=mentor,
                profile=ProfileCard(user=mentor.user, profile=profiles.get(mentor.user_id)),
                score=candidate.score,
                reasons=selfmatch.reasons(
                    enrollment, mentor, candidate.explanation, snapshot, "mentee"
                ),
                form=form,
            )
        )
    return cards


def _mentors_context(request, program, bound=None) -> dict:
    enrollment = _own_enrollment(program, request.user)
    context = {
        "program": program,
        "enrollment": enrollment,
        "program_url": program.get_url(request) or reverse("matching:enrol", args=[program.pk]),
        "enrol_url": reverse("matching:enrol", args=[program.pk]),
        "cards": [],
        "open_request": None,
        "unavailable": False,
    }
    if enrollment is None:
        context["state"] = "not_enrolled"
    elif enrollment.role == RoleWanted.MENTOR:
        context["state"] = "mentor"
    elif enrollment.status == EnrollmentStatus.MATCHED:
        context["state"] = "matched"
    else:
        context["open_request"] = selfmatch.open_request(enrollment)
        context["state"] = "asked" if context["open_request"] else "choose"
    if context["state"] == "choose":
        try:
            snapshot = selfmatch.current_snapshot(program)
            context["cards"] = _cards(enrollment, snapshot, bound)
        except MatchingError:
            # The policy needs an admin's attention; the participant cannot fix it.
            logger.warning("Self-match suggestions failed for program %s", program.pk)
            context["unavailable"] = True
    return context


# Pages and actions -------------------------------------------------------------------


@login_required
@never_cache
def mentors(request, program_id):
    """The mentee's best-suited mentors, each with why and a way to ask."""
    program = _program(request, program_id)
    return render(request, "matching/selfmatch/mentors.html", _mentors_context(request, program))


@login_required
@require_POST
def ask(request, program_id, mentor_uuid):
    """Ask one mentor; a refusal (no place left, already asked) comes back as a message."""
    program = _program(request, program_id)
    enrollment = _own_enrollment(program, request.user)
    mentor = Enrollment.objects.filter(program=program, uuid=mentor_uuid).first()
    if enrollment is None or mentor is None:
        raise Http404
    form = AskForm(request.POST, auto_id=f"ask-{mentor.uuid.hex}-%s")
    if not form.is_valid():
        context = _mentors_context(request, program, bound=(mentor.uuid, form))
        return render(request, "matching/selfmatch/mentors.html", context, status=400)
    try:
        asked = selfmatch.request_mentor(
            enrollment, mentor, form.cleaned_data["message"], today=timezone.localdate()
        )
    except ValidationError as error:
        form.add_error(None, error)
        context = _mentors_context(request, program, bound=(mentor.uuid, form))
        return render(request, "matching/selfmatch/mentors.html", context, status=400)
    except MatchingError as error:
        messages.error(request, str(error))
        return redirect("selfmatch:mentors", program.pk)
    messages.success(
        request,
        _(
            "We have asked %(mentor)s and emailed them. Their place is held for you until "
            "they answer."
        )
        % {"mentor": mentor.user},
    )
    return redirect("selfmatch:request", asked.uuid)


@login_required
@never_cache
def requests(request):
    """Requests waiting for the viewer's answer as a mentor, and their own as a mentee."""
    mine = Q(mentor__user=request.user) & in_site(request)
    incoming = list(
        _with_people(MentorRequest.objects.filter(mine, status=RequestStatus.PENDING)).order_by(
            "created_at", "pk"
        )
    )
    outgoing = list(
        _with_people(
            MentorRequest.objects.filter(
                in_site(request), mentee__user=request.user, status=RequestStatus.PENDING
            )
        )
    )
    answered = list(
        _with_people(MentorRequest.objects.filter(mine).exclude(status=RequestStatus.PENDING))[:10]
    )
    return render(
        request,
        "matching/selfmatch/requests.html",
        {
            "incoming": [(r, _request_reasons(r, "mentor")) for r in incoming],
            "outgoing": outgoing,
            "answered": answered,
        },
    )


def _request_reasons(found: MentorRequest, reader: str) -> list[str]:
    return selfmatch.reasons(
        found.mentee,
        found.mentor,
        found.explanation,
        selfmatch.snapshot_for(found.program),
        reader,
    )


@request_view(methods=("GET",))
def request_detail(request, found):
    """One request, as its mentee (with a way to withdraw) or its mentor (to answer) sees it."""
    as_mentor = found.mentor.user_id == request.user.pk
    return render(
        request,
        "matching/selfmatch/request_detail.html",
        {
            "found": found,
            "as_mentor": as_mentor,
            "reasons": _request_reasons(found, "mentor" if as_mentor else "mentee"),
            "pending": found.status == RequestStatus.PENDING,
        },
    )


@request_view("mentee")
def withdraw(request, found):
    try:
        selfmatch.withdraw_request(found, request.user)
    except MatchingError as error:
        messages.error(request, str(error))
        return redirect("selfmatch:request", found.uuid)
    messages.success(
        request,
        _("Your request to %(mentor)s is withdrawn. You can ask another mentor now.")
        % {"mentor": found.mentor.user},
    )
    return redirect("selfmatch:mentors", found.program_id)


@request_view("mentor")
def accept(request, found):
    try:
        proposal = selfmatch.accept_request(found, request.user, today=timezone.localdate())
    except MatchingError as error:
        messages.error(request, str(error))
        return redirect("selfmatch:request", found.uuid)
    messages.success(
        request,
        _("You are now %(mentee)s’s mentor. Your journey together has started.")
        % {"mentee": found.mentee.user},
    )
    if proposal.journey_id:
        return redirect("journeys:journey", proposal.journey.uuid)
    return redirect("selfmatch:requests")


@request_view("mentor")
def decline(request, found):
    try:
        selfmatch.decline_request(found, request.user)
    except MatchingError as error:
        messages.error(request, str(error))
        return redirect("selfmatch:request", found.uuid)
    messages.success(
        request,
        _("You declined. %(mentee)s will hear that you cannot mentor them this time.")
        % {"mentee": found.mentee.user},
    )
    return redirect("selfmatch:requests")
