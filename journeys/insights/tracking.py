"""Recording that a person opened a material or story on a milestone page.

Only the first opening of each page in each journey by each person is kept
(``ContentView``). The participant view calls ``record_views`` before it
serves the page, kept copy or not, so a page served from the cache still
counts. A cache flag per person, journey and milestone makes repeat visits
cost one cache lookup and no write; when the flag is gone (a new day, a
cleared cache) the insert simply finds the rows already there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ContentView

SEEN_SECONDS = 24 * 60 * 60


def seen_key(journey_id: int, user_id: int, milestone_id: str) -> str:
    return f"insights:viewed:{journey_id}:{user_id}:{milestone_id}"


def record_views(
    journey_id: int,
    user_id: int,
    page_ids: Iterable[int],
    *,
    milestone_id: str = "",
    at: datetime | None = None,
) -> None:
    """Record that ``user_id`` opened ``page_ids`` in a journey, once per page.

    ``milestone_id`` names the page they were opened on, for the repeat-visit
    flag; ``at`` backdates the opening (the demo seeding uses it).
    """
    page_ids = sorted(set(page_ids))
    if not page_ids:
        return
    if milestone_id and not cache.add(
        seen_key(journey_id, user_id, milestone_id), 1, SEEN_SECONDS
    ):
        return
    when = at or timezone.now()
    try:
        with transaction.atomic():
            ContentView.objects.bulk_create(
                [
                    ContentView(
                        journey_id=journey_id, user_id=user_id, page_id=pk, first_opened_at=when
                    )
                    for pk in page_ids
                ],
                ignore_conflicts=True,
            )
    except IntegrityError:  # a page deleted in the meantime: nothing to count
        pass
