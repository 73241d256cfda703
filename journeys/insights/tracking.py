"""Recording that a person opened a material or story on a milestone page.

Only the first opening of each page in each journey by each person is kept
(``ContentView``): the milestone view calls ``record_views`` with the live
pages it shows inline. Which of them are recorded already is read from the
database (one query on the unique key), so coming back to a page writes
nothing, and a page the milestone shows since the last visit (a material
published again, a template upgraded) is recorded at once. Nothing is kept
in the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ContentView


def record_views(
    journey_id: int, user_id: int, page_ids: Iterable[int], *, at: datetime | None = None
) -> None:
    """Record that ``user_id`` opened ``page_ids`` in a journey, once per page.

    ``at`` backdates the opening (the demo seeding uses it).
    """
    page_ids = set(page_ids)
    if not page_ids:
        return
    recorded = set(
        ContentView.objects.filter(
            journey_id=journey_id, user_id=user_id, page_id__in=page_ids
        ).values_list("page_id", flat=True)
    )
    new = sorted(page_ids - recorded)
    if not new:
        return
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
        pass
