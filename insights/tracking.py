"""Recording that a person opened a material or story on a milestone page.

Only the first opening of each page in each journey by each person is kept
(``ContentView``): the milestone view calls ``record_views`` with the live
pages it shows inline. Which of them are recorded already is read from the
database (one query on the unique key), so coming back to a page writes
nothing, and a page the milestone shows since the last visit (a material
published again, a template upgraded) is recorded at once. Nothing is kept
in the cache.

Views first opened longer than ``TRELLIS_RETENTION_DAYS`` ago are forgotten
daily (``forget_old_views``), in the batches journeys' retention uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from journeys.services import retention

from .models import ContentView


def record_views(
    journey_id: int, user_id: int, page_ids: Iterable[int], *, at: datetime | None = None
) -> int:
    """Record that ``user_id`` opened ``page_ids`` in a journey, once per page.

    ``at`` backdates the opening (the demo seeding uses it). Returns how many
    pages were new to the person in this journey.
    """
    page_ids = set(page_ids)
    if not page_ids:
        return 0
    recorded = set(
        ContentView.objects.filter(
            journey_id=journey_id, user_id=user_id, page_id__in=page_ids
        ).values_list("page_id", flat=True)
    )
    new = sorted(page_ids - recorded)
    if not new:
        return 0
    when = at or timezone.now()
    try:
        with transaction.atomic():
            ContentView.objects.bulk_create(
                [
                    ContentView(
                        journey_id=journey_id, user_id=user_id, page_id=pk, first_opened_at=when
                    )
                    for pk in new
                ],
                ignore_conflicts=True,
            )
    except IntegrityError:  # a page deleted in the meantime: nothing to count
        return 0
    return len(new)


def forget_old_views(
    now: datetime,
    days: int | None = None,
    batch_size: int = retention.BATCH_SIZE,
    seconds: float | None = None,
) -> tuple[int, bool]:
    """Delete views first opened before the retention cut-off.

    Returns how many went and whether all did (``seconds`` ran out otherwise).
    """
    return retention.delete_in_batches(
        ContentView.objects.filter(first_opened_at__lt=retention.cut_off(now, days)),
        batch_size,
        retention.Budget(seconds),
    )
