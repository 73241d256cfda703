"""The admin's re-match page: end an approved match, or put someone new in one place.

Rules the view keeps (``services.rematch`` keeps the rest):

* Only superusers and people with ``matching.change_matchproposal`` who administer
  a program reach it; anyone else is refused with 403. A match of a program the
  person does not administer answers 404, as one that does not exist. The Wagtail
  admin's own access check wraps it too, through ``register_admin_urls``.
* Who can take the leaving person's place is scored exactly as a run would score
  them: for a leaving mentor, the mentors with a place left against the mentee; for
  a leaving mentee, each waiting mentee against the mentor. Pairs a hard constraint
  rules out are listed with the reason and cannot be chosen.
* Every change is a POST that redirects (to ``next`` when it is a safe address), so
  the page works without JavaScript; a refusal re-renders the page with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from content.text import PlainTextField

from .exceptions import MatchingError
from .models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    MentorRequest,
    ProposalStatus,
    RequestStatus,
    RoleWanted,
)
from .services import rematch as rematch_service
from .services.approval import circles_of
from .services.candidates import score_candidates
from .services.selfmatch import MENTOR_ROLES, places_taken, snapshot_for

OPTIONS_SHOWN = 25
# Waiting mentees are scored one by one; past this many, the first ones by name are.
MENTEES_SCORED = 300


def can_rematch(user) -> bool:
    """``matching.change_matchproposal``, for someone who administers a program."""
    return policy_registry.get_by_type(MatchProposal).user_has_permission(user, "change")


class EndMatchForm(forms.Form):
    reason = PlainTextField(
        label=gettext_lazy("Why the match ends"),
        max_length=rematch_service.REASON_LENGTH,
        help_text=gettext_lazy("Kept with the match for the record; the pair is not sent it."),
        error_messages={"required": gettext_lazy("Say why the match ends.")},
    )


class RematchForm(forms.Form):
    leaving = forms.ChoiceField(
        choices=[
            (rematch_service.MENTOR, gettext_lazy("The mentor")),
            (rematch_service.MENTEE, gettext_lazy("The mentee")),
        ],
        widget=forms.HiddenInput,
    )
    new_partner = forms.ModelChoiceField(
        queryset=Enrollment.objects.none(),
        label=gettext_lazy("Who takes their place"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose who takes their place.")},
    )
    reason = PlainTextField(
        label=gettext_lazy("Why (optional)"),
        required=False,
        max_length=rematch_service.REASON_LENGTH,
        help_text=gettext_lazy("Kept with the ended match; left empty, it says who took over."),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_partner"].queryset = Enrollment.objects.filter(program=program)


@dataclass
class Option:
    """Someone who could take the leaving person's place, and how well they fit."""

    enrollment: Enrollment
    score: float | None
    ruled_out_by: tuple[str, ...]
    reasons: list[str]
    places_left: int | None = None

    @property
    def allowed(self) -> bool:
        return not self.ruled_out_by


def _current_user_ids(proposal) -> set[int]:
    if proposal.journey_id is None:
        return {proposal.mentee.user_id, proposal.mentor.user_id}
    return set(
        proposal.journey.memberships.filter(left_on__isnull=True).values_list("user_id", flat=True)
    ) | {proposal.mentee.user_id, proposal.mentor.user_id}


def moving_with_mentor(proposal) -> int:
    """How many people move when the mentor leaves: their whole circle, or one mentee."""
    if not proposal.journey_id:
        return 1
    running = rematch_service.running(
        MatchProposal.objects.filter(journey_id=proposal.journey_id, mentor_id=proposal.mentor_id)
    )
    return max(1, running.count())


def _labels(candidate, snapshot) -> list[str]:
    return [label for label, _value in candidate.reasons(snapshot)]


def mentor_options(proposal, today) -> list[Option]:
    """Mentors with a place left for the journey they would take over, a pair's or a
    whole circle's, scored against the mentee."""
    mentors = list(
        Enrollment.objects.filter(
            program_id=proposal.program_id, role__in=MENTOR_ROLES, capacity__gt=0
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exclude(user_id__in=_current_user_ids(proposal))
        .select_related("user")
    )
    taken = places_taken([m.pk for m in mentors])
    room = {m.pk: m.capacity - taken.get(m.pk, 0) for m in mentors}
    mentors = [m for m in mentors if room[m.pk] > 0]
    snapshot = snapshot_for(proposal.program)
    if not snapshot:
        return [
            Option(m, None, (), [], room[m.pk])
            for m in sorted(mentors, key=lambda m: str(m.user))[:OPTIONS_SHOWN]
        ]
    scored = score_candidates(snapshot, proposal.mentee, mentors, today)
    return [
        Option(c.enrollment, c.score, c.ruled_out_by, _labels(c, snapshot), room[c.enrollment.pk])
        for c in scored[:OPTIONS_SHOWN]
    ]


def mentee_options(proposal, today) -> list[Option]:
    """Waiting mentees without a pending request, each scored against the mentor."""
    requesting = MentorRequest.objects.filter(
        program_id=proposal.program_id, status=RequestStatus.PENDING
    ).values("mentee_id")
    mentees = list(
        Enrollment.objects.filter(
            program_id=proposal.program_id,
            status=EnrollmentStatus.ENROLLED,
            role__in=(RoleWanted.MENTEE, RoleWanted.EITHER),
        )
        .exclude(user_id__in=_current_user_ids(proposal))
        .exclude(pk__in=requesting)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")[:MENTEES_SCORED]
    )
    snapshot = snapshot_for(proposal.program)
    if not snapshot:
        return [Option(m, None, (), []) for m in mentees[:OPTIONS_SHOWN]]
    options = []
    for mentee in mentees:
        (candidate,) = score_candidates(snapshot, mentee, [proposal.mentor], today)
        options.append(
            Option(mentee, candidate.score, candidate.ruled_out_by, _labels(candidate, snapshot))
        )
    options.sort(key=lambda o: (not o.allowed, -(o.score or 0), o.enrollment.pk))
    return options[:OPTIONS_SHOWN]


class RematchView(WagtailAdminTemplateMixin, TemplateView):
    """One approved match: end it, or choose who leaves and who takes their place."""

    template_name = "matching/admin/rematch.html"
    page_title = gettext_lazy("Change a match")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not can_rematch(request.user):
            raise PermissionDenied
        self.proposal = get_object_or_404(
            MatchProposal.objects.administered_by(request.user).select_related(
                "program", "run", "journey", "mentee__user", "mentor__user"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.proposal)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_header_title()}]

    @property
    def leaving(self) -> str:
        value = self.request.POST.get("leaving") or self.request.GET.get("leaving")
        return value if value in (rematch_service.MENTOR, rematch_service.MENTEE) else ""

    def next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return url
        return ""

    def get_context_data(self, end_form=None, rematch_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal = self.proposal
        is_running = proposal.status == ProposalStatus.APPROVED and proposal.ended_on is None
        today = timezone.localdate()
        leaving = self.leaving if is_running and proposal.journey_id else ""
        options = []
        if leaving == rematch_service.MENTOR:
            options = mentor_options(proposal, today)
        elif leaving == rematch_service.MENTEE:
            options = mentee_options(proposal, today)
        context.update(
            {
                "proposal": proposal,
                "running": is_running,
                "leaving": leaving,
                "leaver": proposal.mentor
                if leaving == rematch_service.MENTOR
                else proposal.mentee,
                "stays": proposal.mentee if leaving == rematch_service.MENTOR else proposal.mentor,
                "options": options,
                "end_form": end_form or EndMatchForm(prefix="end"),
                "rematch_form": rematch_form
                or RematchForm(program=proposal.program, initial={"leaving": leaving}),
                "journey_url": self.journey_url(),
                "moving": moving_with_mentor(proposal),
                "next": self.next_url(),
                "self_url": reverse("matching_rematch", args=[proposal.pk]),
            }
        )
        return context

    def journey_url(self) -> str:
        if not self.proposal.journey_id:
            return ""
        try:
            return reverse("journeys_admin:inspect", args=[self.proposal.journey_id])
        except NoReverseMatch:
            return ""

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "end":
            return self.end(request)
        return self.rematch(request)

    def end(self, request):
        form = EndMatchForm(request.POST, prefix="end")
        if form.is_valid():
            try:
                rematch_service.end_match(
                    self.proposal, form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            except MatchingError as error:
                form.add_error(None, str(error))
            else:
                log(instance=self.proposal, action="wagtail.edit", user=request.user)
                messages.success(
                    request,
                    _("The match of %(pair)s has ended.") % {"pair": self.proposal},
                )
                return redirect(self.next_url() or request.path)
        messages.validation_error(request, _("The match could not be ended."), form)
        return self.render_to_response(self.get_context_data(end_form=form), status=400)

    def rematch(self, request):
        form = RematchForm(request.POST, program=self.proposal.program)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = rematch_service.rematch(
                    self.proposal,
                    data["leaving"],
                    data["new_partner"],
                    by=request.user,
                    reason=data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            except MatchingError as error:
                form.add_error(None, str(error))
            else:
                log(instance=self.proposal, action="wagtail.edit", user=request.user)
                log(instance=new, action="wagtail.create", user=request.user)
                messages.success(request, taken_over_message(new, data["new_partner"]))
                return redirect(self.next_url() or reverse("matching_rematch", args=[new.pk]))
        messages.validation_error(request, _("Nobody could take over."), form)
        return self.render_to_response(self.get_context_data(rematch_form=form), status=400)


def taken_over_message(new, partner) -> str:
    """Who is introduced after a re-match: the new pair, or everyone in the circle."""
    names = circles_of([new.journey_id]).get(new.journey_id)
    if names is None:
        return _(
            "%(partner)s has taken over in the journey; the new pair's introductions are "
            "queued and will be emailed shortly."
        ) % {"partner": partner.user}
    return _(
        "%(partner)s has taken over in the circle; introductions to everyone in it "
        "(%(names)s) are queued and will be emailed shortly."
    ) % {"partner": partner.user, "names": get_text_list(names, _("and"))}


def admin_urls():
    """The re-match page's URL, for a ``register_admin_urls`` hook."""
    return [
        path(
            "matching/proposals/<id:pk>/rematch/",
            RematchView.as_view(),
            name="matching_rematch",
        )
    ]
