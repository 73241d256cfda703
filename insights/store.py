"""Keeping a program's computed insights for a while, so most views cost a cache read.

Working out insights reads the whole program (``compute``), which takes seconds
for tens of thousands of journeys. So the result is kept in the cache, for
the day it was worked out for, with the "version" of the program it was
worked out from: counts (by status) and latest changes of journeys, enrolments, matches
and content views (their count too: the retention task deletes old ones), and when the
program page was last published.

* For ``FRESH_SECONDS`` (five minutes) after it was worked out or last
  checked, the kept result is used as it is: figures are at most five minutes
  behind, and a view costs no query beyond finding the program.
* After that, the version is read again (a few aggregate queries). Unchanged:
  the result is kept for another five minutes. Changed: it is worked out
  again. A quiet program is worked out once a day; a busy one at most once
  every five minutes.

The summary the dashboard shows and the full list of journeys (for the CSV)
are kept under separate keys, so showing the dashboard never reads the list.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone

from journeys.models import Journey, JourneyStatus

from .compute import Computed, HealthRow, ProgramInsights, compute_insights
from .enrolment import enrolment_version
from .models import ContentView

logger = logging.getLogger(__name__)

FRESH_SECONDS = 5 * 60
KEEP_SECONDS = 26 * 60 * 60
# Part of every key: moved on whenever what is kept (``ProgramInsights``) changes
# shape, so a process never reads a result an older release kept.
SHAPE = 3


def insights_version(program) -> tuple:
    """What the insights change with; cheap next to working them out."""
    journeys = Journey.objects.filter(program=program).aggregate(
        changed=Max("changed_at"),
        updated=Max("updated_at"),
        **{status: Count("pk", filter=Q(status=status)) for status in JourneyStatus.values},
    )
    return (
        tuple(sorted(journeys.items(), key=lambda item: item[0])),
        # The count as well as the latest: the retention task deletes old views.
        tuple(ContentView.objects.aggregate(last=Max("pk"), count=Count("pk")).values()),
        program.last_published_at,
        enrolment_version(program),
    )


def _keys(program_id: int, today: date) -> tuple[str, str, str]:
    base = f"insights:{SHAPE}:{program_id}:{today.isoformat()}"
    return f"{base}:meta", f"{base}:summary", f"{base}:journeys"


def _compute_and_keep(program, today: date) -> Computed:
    version = insights_version(program)
    computed = compute_insights(program, today, version)
    meta_key, summary_key, journeys_key = _keys(program.pk, today)
    cache.set_many(
        {summary_key: computed.insights, journeys_key: computed.health_rows}, KEEP_SECONDS
    )
    cache.set(
        meta_key,
        {"version": version, "checked": time.time(), "computed_at": computed.insights.computed_at},
        KEEP_SECONDS,
    )
    return computed


def _kept(program, today: date, key_index: int):
    keys = _keys(program.pk, today)
    meta = cache.get(keys[0])
    if meta is None:
        return None
    if time.time() - meta["checked"] >= FRESH_SECONDS:
        if insights_version(program) != meta["version"]:
            return None
        cache.set(keys[0], {**meta, "checked": time.time()}, KEEP_SECONDS)
    return cache.get(keys[key_index])


def program_insights(program, today: date | None = None) -> ProgramInsights:
    """The program's insights, kept or worked out afresh (see the module docstring)."""
    today = today or timezone.localdate()
    kept = _kept(program, today, 1)
    return kept if kept is not None else _compute_and_keep(program, today).insights


def program_journeys(program, today: date | None = None) -> tuple[HealthRow, ...]:
    """Every active journey's health, lowest first, kept alongside the summary."""
    today = today or timezone.localdate()
    kept = _kept(program, today, 2)
    return kept if kept is not None else _compute_and_keep(program, today).health_rows


def forget_insights(program_ids, today: date | None = None) -> None:
    """Drop the programs' kept insights, so the next view works them out afresh.

    For a change the version does not show within ``FRESH_SECONDS``, such as a
    person's name erased: the kept list of journeys names people. Call it once
    the change has committed, or a view in between could keep the old figures again.
    """
    today = today or timezone.localdate()
    try:
        cache.delete_many([key for pk in program_ids for key in _keys(pk, today)])
    except Exception:  # an unavailable cache holds nothing to forget
        logger.warning("Cache unavailable; kept insights not dropped.", exc_info=True)
