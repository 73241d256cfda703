"""Admin registration for matching: one "Matching" menu with enrolments, policies and runs,
the re-match page's URL, the enrolment figures the program dashboard shows, the
enrolments and requests in a person's download of their data, what people told their
program for their match (on the journey's first milestone), the people enrolled
as those a program admin may start on a journey by hand, and on My mentoring the
requests waiting for a mentor's answer."""

from django.urls import reverse
from django.utils.translation import ngettext
from wagtail import hooks

from journeys.admin_forms import PROGRAM_PEOPLE_HOOK
from journeys.models import ProgramLogEntry
from journeys.sites import in_site
from journeys.views import NOTICES_HOOK

from . import personal_data
from .models import (
    Enrollment,
    MatchingPolicy,
    MatchingRun,
    MatchProposal,
    MentorRequest,
    RequestStatus,
)
from .rematch_hooks import register_rematch_urls
from .services import profiles
from .viewsets import InviteEnrolledBulkAction, MatchingViewSetGroup


@hooks.register("register_admin_viewset")
def register_matching_viewsets():
    return MatchingViewSetGroup()


hooks.register("register_admin_urls", register_rematch_urls)


hooks.register("register_bulk_action", InviteEnrolledBulkAction)
hooks.register("personal_data", personal_data.personal_data)
hooks.register("match_notes", profiles.journey_match_notes)


@hooks.register(NOTICES_HOOK)
def requests_waiting(request) -> list[dict]:
    """My mentoring tells a mentor that people asked them, even before any journey."""
    waiting = MentorRequest.objects.filter(
        in_site(request), mentor__user=request.user, status=RequestStatus.PENDING
    ).count()
    if not waiting:
        return []
    return [
        {
            "text": ngettext(
                "%(count)d person asks you to mentor them: answer their request",
                "%(count)d people ask you to mentor them: answer their requests",
                waiting,
            )
            % {"count": waiting},
            "url": reverse("selfmatch:requests"),
        }
    ]


@hooks.register(PROGRAM_PEOPLE_HOOK)
def enrolled_people(programs):
    """People enrolled in ``programs`` may be started on a journey by hand."""
    return Enrollment.objects.filter(program__in=programs).values("user_id")


@hooks.register("register_log_actions")
def log_matching_with_its_program(actions):
    """Enrolments name people: the site history shows a program's matching entries to its
    admins alone (``journeys.ProgramLogEntry``)."""
    for model in (Enrollment, MatchingPolicy, MatchingRun, MatchProposal):
        actions.register_model(model, ProgramLogEntry)
