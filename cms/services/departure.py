"""When someone stops taking part: their account made inactive, by an admin or by code.

Rules enforced here (``cms.receivers`` calls ``end_participation`` in the
transaction that saves the account as inactive):

* Their sessions end: Django's ``ModelBackend`` turns away an inactive
  account on the next request (``user_can_authenticate``), so a signed-in
  browser is signed out there and then. Sessions are not looked up and
  deleted: Django's session table cannot be searched by person without
  decoding every row.
* Their waiting enrolments are withdrawn, and the mentor requests they made
  or were sent and that still wait are withdrawn, so no matching run or
  mentor picks them again. Matched enrolments stay matched: the journey is
  still a record, and its admin decides what becomes of it.
* Meetings planned in their journeys and still to come are cancelled
  (``journeys.services.meetings.cancel_for_leaver``): the others get a
  calendar cancellation for those with a time agreed, without the name.
* Each current partner in an active or paused journey is told, once, by an
  email written to the outbox in the same transaction: who is no longer
  taking part, and what happens next. When the person is being erased the
  email names their role, never their name (``named=False``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import JourneyMember, JourneyStatus, MemberRole
from journeys.services import meetings, outbox
from matching.models import Enrollment, EnrollmentStatus, MentorRequest, RequestStatus

PARTNER_LEFT = "cms/emails/partner_left"

ROLE_WORDS = {
    MemberRole.MENTOR: lambda: _("your mentor"),
    MemberRole.MENTEE: lambda: _("your mentee"),
    MemberRole.MEMBER: lambda: _("a member of your circle"),
}


def withdraw_waiting(user) -> int:
    """Withdraw the person's waiting enrolments and pending mentor requests."""
    withdrawn = (
        Enrollment.objects.filter(user=user).waiting().update(status=EnrollmentStatus.WITHDRAWN)
    )
    requests = MentorRequest.objects.filter(status=RequestStatus.PENDING).filter(
        mentee__user=user
    ) | MentorRequest.objects.filter(status=RequestStatus.PENDING, mentor__user=user)
    for request in requests.select_related("mentor"):
        request.status = RequestStatus.WITHDRAWN
        request.save(update_fields=["status"])
        outbox.cancel_pending(
            template="matching/emails/mentor_request",
            recipient_id=request.mentor.user_id,
            context__request_id=request.pk,
        )
    return withdrawn


def partner_emails(user, *, named: bool = True) -> list:
    """One unsaved outbox email to each current partner of ``user``, saying they left."""
    leaving = (
        JourneyMember.objects.filter(
            user=user,
            left_on__isnull=True,
            journey__status__in=(JourneyStatus.ACTIVE, JourneyStatus.PAUSED),
        )
        .select_related("journey__program", "journey__template")
        .order_by("journey_id")
    )
    emails = []
    for membership in leaving:
        journey = membership.journey
        program = journey.program
        who = str(user) if named else ROLE_WORDS[membership.role]()
        partners = (
            JourneyMember.objects.filter(
                journey=journey, left_on__isnull=True, user__is_active=True
            )
            .exclude(user=user)
            .order_by("pk")
        )
        for partner in partners:
            emails.append(
                outbox.new_email(
                    partner.user_id,
                    PARTNER_LEFT,
                    _("%(program)s: %(who)s is no longer taking part")
                    % {"program": program.title, "who": who},
                    {
                        "who": who,
                        "named": named,
                        "program_title": program.title,
                        "journey_title": journey.template.title,
                        "journey_uuid": str(journey.uuid),
                        "is_circle": membership.role == MemberRole.MEMBER
                        or partner.role == MemberRole.MEMBER,
                    },
                    program_id=program.pk,
                    journey_id=journey.pk,
                    honours_choice=False,
                )
            )
    return emails


@transaction.atomic
def end_participation(user, *, named: bool = True) -> int:
    """Withdraw what still waits for ``user`` and tell their partners; returns emails queued."""
    withdraw_waiting(user)
    meetings.cancel_for_leaver(user, timezone.now())
    emails = partner_emails(user, named=named)
    outbox.queue_emails(emails)
    return len(emails)
