"""Withdrawing the self-match requests of mentees who no longer wait for an answer.

A mentee's pending request holds one of the mentor's places. It is withdrawn when
the mentee takes it back, withdraws from the program, or is matched some other way
(a run's proposal approved, a journey started by hand): otherwise the mentor would
keep a place for, and be asked to answer, someone who is matched already. A request
withdrawn before its email to the mentor went out is not announced.

``selfmatch`` and ``approval`` both use it, so it imports neither.
"""

from __future__ import annotations

from django.utils import timezone

from journeys.models import EmailStatus, OutboxEmail

from ..models import MentorRequest, RequestStatus

MENTOR_REQUEST = "matching/emails/mentor_request"


def withdraw_requests_of(mentee_ids) -> int:
    """Withdraw the pending requests the given mentee enrolments made; returns how many.

    Call it in the transaction that withdraws or matches them.
    """
    own = list(
        MentorRequest.objects.filter(mentee_id__in=mentee_ids, status=RequestStatus.PENDING)
        .select_related("mentor")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for request in own:
        cancel_request_email(request)
    return MentorRequest.objects.filter(pk__in=[r.pk for r in own]).update(
        status=RequestStatus.WITHDRAWN, decided_at=timezone.now()
    )


def cancel_request_email(request: MentorRequest) -> None:
    """A withdrawn request is not announced if its email has not gone yet."""
    OutboxEmail.objects.filter(
        status=EmailStatus.PENDING,
        template=MENTOR_REQUEST,
        recipient_id=request.mentor.user_id,
        context__request_id=request.pk,
    ).update(status=EmailStatus.CANCELLED)
