"""A journey's status changed by staff in the admin, and what ending it settles.

Rules enforced here:

* A journey ends when its status changes to completed or closed
  (``ENDED_STATUSES``). Its members can no longer change anything planned in
  it, so its meetings still to come are cancelled for everyone, in the
  transaction that changes the status, as when ending a match closes a
  pair's journey (``meetings.cancel_for_leaving`` with no leaver): each
  meeting with a time agreed sends every member it was agreed with the
  cancellation email, saying the journey has ended, with the calendar
  cancellation (METHOD:CANCEL, the next SEQUENCE), through the outbox; a
  proposal still waiting for a time is withdrawn without an email. An agreed
  meeting whose time has come is not one to come and stays as it was.
* Moving from one ended status to the other settles the same way; only
  meetings still open are touched, so those already settled are not
  cancelled or announced twice. Saving a journey without changing its status
  settles nothing, and one opened again (active or paused) keeps its
  cancelled meetings cancelled.
* The status stored before the change is read with the journey's row locked
  (``status_before_change``), so two admins saving at once end it once.
* Journeys that ended before this rule kept their meetings to come; migration
  ``0027_cancel_meetings_of_ended_journeys`` settles them once
  (``cancel_left_over_meetings``): the same meetings are cancelled, with the next
  SEQUENCE for an agreed one, but nobody is emailed, since the journey ended long
  before and its pages and calendar feed already treat it as a record.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from ..models import ENDED_STATUSES, Journey, PlannedMeetingStatus
from . import meetings


def status_before_change(journey: Journey) -> str:
    """The status stored for ``journey``, its row locked until the transaction ends.

    Call it inside the transaction that saves the change, before saving.
    """
    return (
        Journey.objects.select_for_update()
        .filter(pk=journey.pk)
        .values_list("status", flat=True)
        .get()
    )


def settle_status_change(journey: Journey, was: str, now: datetime) -> int:
    """Settle what ``journey``'s change of status from ``was`` ends; returns how many
    planned meetings were cancelled.

    Call it in the transaction that saved the change, after saving.
    """
    if journey.status == was or not journey.has_ended:
        return 0
    return meetings.cancel_for_leaving(journey, now)


def cancel_left_over_meetings(planned_meeting_model, now: datetime) -> int:
    """Cancel, telling nobody, the meetings still to come of journeys already ended;
    returns how many.

    ``planned_meeting_model`` is ``PlannedMeeting``, or the migration's historical
    model of it. The meetings are those ``meetings.cancel_for_leaving`` would cancel:
    proposals still waiting for a time, and agreed meetings whose time has not come,
    which move to the next SEQUENCE as a cancellation does.
    """
    to_come = planned_meeting_model.objects.filter(
        journey__status__in=ENDED_STATUSES,
        status__in=(PlannedMeetingStatus.PROPOSED, PlannedMeetingStatus.ACCEPTED),
    ).exclude(status=PlannedMeetingStatus.ACCEPTED, starts_at__lte=now)
    agreed = to_come.filter(status=PlannedMeetingStatus.ACCEPTED).update(
        status=PlannedMeetingStatus.CANCELLED, sequence=F("sequence") + 1, updated_at=now
    )
    proposed = to_come.filter(status=PlannedMeetingStatus.PROPOSED).update(
        status=PlannedMeetingStatus.CANCELLED, updated_at=now
    )
    return agreed + proposed
