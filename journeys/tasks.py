"""django-q2 entry points for journeys: thin, idempotent, keyed by plain values.

Each re-reads what it needs and delegates to a service; running one twice
does nothing the first run did not already do. Every one fits well inside
the worker's task timeout (``Q_CLUSTER["timeout"]``): the tick fans out one
task per batch of journeys, and a delivery task hands over to a successor
after ``outbox.TASK_SECONDS``.
"""

import datetime

from django.utils import timezone

from .queue import enqueue
from .services import notifications, outbox, retention


def advance_journeys(today: str | None = None) -> str:
    """The hourly tick: queues one task per batch of journeys due, for every worker to share."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    batches = 0
    for ids in notifications.journey_id_batches(day):
        enqueue("journeys.tasks.advance_batch", ids, day.isoformat(), group="advance_journeys")
        batches += 1
    enqueue("journeys.tasks.record_meeting_notices", group="advance_journeys")
    # Anything an earlier run queued and could not deliver goes now.
    outbox.ask_for_delivery()
    return f"queued {batches} batches"


def advance_batch(journey_ids: list[int], today: str) -> str:
    """Record one batch: its notifications and their emails, in one transaction."""
    result = notifications.record_batch(journey_ids, datetime.date.fromisoformat(today))
    return f"{result.journeys} journeys: {result.recorded} recorded, {result.emails} emails queued"


def record_meeting_notices() -> str:
    """Remind members of planned meetings starting soon; ask about those that ended."""
    return f"{notifications.record_meeting_notices(timezone.now())} meeting notices recorded"


def deliver_outbox() -> str:
    """Send what is due in the outbox; hand over to a successor if time runs out."""
    result = outbox.deliver_due(seconds=outbox.TASK_SECONDS)
    if outbox.more_due():
        outbox.ask_for_delivery()
    return str(result)


def send_participant_digests() -> str:
    return f"{notifications.send_participant_digests()} digests queued"


def forget_old_records() -> str:
    """The daily retention sweep: notification history and emails past their time.

    Hands over to a successor when there is more than one task's time of deleting.
    """
    result = retention.forget_old_records(timezone.now(), seconds=retention.TASK_SECONDS)
    if not result.finished:
        enqueue("journeys.tasks.forget_old_records", group="retention")
    return str(result)
