"""Enrolment figures, handed over by the app that owns enrolment.

Enrolments and matches belong to ``matching``, which imports ``journeys`` and
never the reverse. So insights declare what they need here and matching
provides it through two Wagtail hooks:

* ``insights_enrolment``: ``fn(program) -> EnrolmentData``, in a fixed number
  of queries whatever the number of enrolments;
* ``insights_enrolment_version``: ``fn(program) -> tuple``, something cheap that
  changes whenever the data would (counts, latest change), for the cache.

Without a provider the dashboard says enrolment is not recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from wagtail import hooks

DATA_HOOK = "insights_enrolment"
VERSION_HOOK = "insights_enrolment_version"


class EnrolmentStatus:
    WAITING = "waiting"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"


class EnrolmentRow(NamedTuple):
    """One person's enrolment: no answers, no free text.

    ``attributes`` are positions in ``EnrolmentData.attribute_labels`` of the
    opt-in attributes the person chose to share. ``matched_on`` is the day of
    their first approved match, if any.
    """

    user_id: int
    enrolled_on: date
    status: str
    matched_on: date | None
    attributes: tuple[int, ...]


@dataclass(frozen=True)
class EnrolmentData:
    attribute_labels: tuple[str, ...]
    rows: tuple[EnrolmentRow, ...]


def enrolment_data(program) -> EnrolmentData | None:
    for provide in hooks.get_hooks(DATA_HOOK):
        return provide(program)
    return None


def enrolment_version(program) -> tuple:
    for version in hooks.get_hooks(VERSION_HOOK):
        return tuple(version(program))
    return ()
