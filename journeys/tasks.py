"""django-q2 entry points for journeys: thin, idempotent, keyed by plain values.

Each re-reads what it needs and delegates to ``services.notifications``;
running one twice does nothing the first run did not already do.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from .insights import digest
from .queue import enqueue
from .services import notifications


def advance_journeys(today: str | None = None) -> str:
    """The hourly tick. With fan-out on, queues one task per batch of journeys."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    if not settings.TRELLIS_TICK_FAN_OUT:
        return str(notifications.advance_journeys(day))
    batches = 0
    # Deliver what an earlier run logged but could not send.
    enqueue("journeys.tasks.deliver_pending", group="advance_journeys")
    for ids in notifications.journey_id_batches(day):
        enqueue("journeys.tasks.advance_batch", ids, day.isoformat(), group="advance_journeys")
        batches += 1
    return f"queued {batches} batches"


def advance_batch(journey_ids: list[int], today: str) -> str:
    day = datetime.date.fromisoformat(today)
    claim = notifications.new_claim()
    recorded = notifications.record_batch(journey_ids, day, claim)
    emailed = notifications.deliver(journey_ids, claim=claim)
    return f"{len(journey_ids)} journeys: {recorded} recorded, {emailed} emailed"


def deliver_pending() -> str:
    return f"{notifications.deliver()} emails sent"


def send_participant_digests() -> str:
    return f"{notifications.send_participant_digests()} digests sent"


def send_insights_digests() -> str:
    """The weekly insights digest to program admins and sponsors; sent once a week each."""
    return f"{digest.send_insights_digests()} insights digests sent"
