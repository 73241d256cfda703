"""Template helpers for enrolment: the program page's call to action, and roles in words."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MentorRequest,
    RequestStatus,
    RoleWanted,
)

register = template.Library()

ROLE_PHRASES = {
    RoleWanted.MENTOR: _("a mentor"),
    RoleWanted.MENTEE: _("a mentee"),
    RoleWanted.EITHER: _("a mentor or a mentee"),
}


@register.filter
def as_role(role):
    """A role as it ends the sentence “You are enrolled as …”."""
    return ROLE_PHRASES.get(role, role)


@register.inclusion_tag("matching/includes/enrolment_panel.html", takes_context=True)
def enrolment_panel(context, program):
    """What the viewer can do about enrolling in ``program``, by their own enrolment.

    Nothing shows when enrolment is closed and the viewer has no enrolment (or
    withdrew): the page already says enrolment is closed.
    """
    if program.pk is None:  # the editor's preview of a program not yet saved
        return {"show": False}
    request = context.get("request")
    user = getattr(request, "user", None)
    enrollment = None
    if user is not None and user.is_authenticated:
        enrollment = (
            Enrollment.objects.filter(program=program, user=user)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .first()
        )
    choose_url = requests_url = None
    waiting_requests = 0
    if enrollment is not None:
        policy = MatchingPolicy.objects.filter(program=program).only("self_match").first()
        if (
            policy is not None
            and policy.self_match
            and enrollment.status == EnrollmentStatus.ENROLLED
            and enrollment.role in (RoleWanted.MENTEE, RoleWanted.EITHER)
        ):
            choose_url = reverse("selfmatch:mentors", args=[program.pk])
        if enrollment.role in (RoleWanted.MENTOR, RoleWanted.EITHER):
            waiting_requests = MentorRequest.objects.filter(
                mentor=enrollment, status=RequestStatus.PENDING
            ).count()
            if waiting_requests:
                requests_url = reverse("selfmatch:requests")
    return {
        "program": program,
        "enrollment": enrollment,
        "choose_url": choose_url,
        "requests_url": requests_url,
        "waiting_requests": waiting_requests,
        "show": enrollment is not None or program.enrolment_open,
        "enrol_url": reverse("matching:enrol", args=[program.pk]),
        "withdraw_url": reverse("matching:withdraw", args=[program.pk]),
    }
