"""Programs' figures worked out by tasks into snapshots, which pages only read.

* ``work_out(program_id)`` takes the program's lease with one conditional
  UPDATE (free, or run out after ``LEASE``), works the figures out
  (``compute.compute_insights``) and writes them with the lease given back.
  A worker that finds the lease taken, or the figures already fresh, does
  nothing: two workers never compute the same program at once.
* Changes are announced (``receivers``): ``mark_changed`` records when, and
  the figures count as stale from then. Work that finishes after a change it
  did not see leaves ``changed_at`` as it was, so it is worked out again.
* ``sweep`` (every minute, ``trellis.insights_sweep``) queues the programs whose
  figures are missing, stale, from another day or another ``SHAPE``, or older
  than ``MAX_AGE`` (a change no one announced is seen within that).
* ``read(program)`` is all a page does: one query, no computing. It returns
  the figures with how old they are and whether newer ones are on the way, or
  None before the first are worked out. Members are user ids; ``named`` puts
  in their current names, for those who may see them.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from journeys.models import ProgramPage
from journeys.queue import enqueue

from .compute import HealthRow, ProgramInsights, compute_insights
from .health import AT_RISK
from .models import ProgramSnapshot

# Moved on whenever ``ProgramInsights`` or ``HealthRow`` change shape or meaning:
# older snapshots are then worked out again rather than misread. 2: a journey
# that has not met yet has no days since its last meeting (1 counted its start).
# 3: an objective says whether any milestone has its milestone key. 4: and whether
# the topic it is measured by still exists. 5: how many people gave the ratings and
# set the goals a figure rests on. 6: which ratings a sponsor may not read, so that no
# subtraction gives away a small group's.
SHAPE = 6
LEASE = timedelta(minutes=10)
MAX_AGE = timedelta(hours=1)
TASK = "insights.tasks.work_out_program"


# Encoding ----------------------------------------------------------------------------------


def encode(value):
    """Dataclasses, tuples, dicts, dates and times as JSON values."""
    if dataclasses.is_dataclass(value):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def decode(hint, value):
    """The value ``encode`` wrote, rebuilt as the type ``hint`` names."""
    return _decoder(hint)(value)


def _plain(value):
    return tuple(_plain(item) for item in value) if isinstance(value, list) else value


def _or_none(build):
    return lambda value: None if value is None else build(value)


@functools.cache
def _decoder(hint):
    """A function that rebuilds values of type ``hint``, made once per hint and process."""
    if hint in _SCALARS:
        return lambda value: value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        return _decoder(options[0]) if len(options) == 1 else _plain
    if hint is datetime:
        return _or_none(datetime.fromisoformat)
    if hint is date:
        return _or_none(date.fromisoformat)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = {name: _decoder(field) for name, field in typing.get_type_hints(hint).items()}
        return _or_none(lambda value: hint(**{k: fields[k](v) for k, v in value.items()}))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])
        return _or_none(lambda value: tuple(item(v) for v in value))
    if origin is tuple and args:
        items = [_decoder(arg) for arg in args]
        return _or_none(lambda value: tuple(d(v) for d, v in zip(items, value, strict=True)))
    if origin is dict:
        item = _decoder(args[1])
        return _or_none(lambda value: {k: item(v) for k, v in value.items()})
    return _plain


_SCALARS = frozenset({int, float, str, bool})


# Working out -------------------------------------------------------------------------------


def _due(now: datetime, today: date) -> Q:
    return (
        Q(computed_at__isnull=True)
        | ~Q(shape=SHAPE)
        | ~Q(day=today)
        | Q(changed_at__isnull=False)
        | Q(computed_at__lt=now - MAX_AGE)
    )


def _lease_free(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def work_out(program_id: int, *, force: bool = False) -> str:
    """Work out the program's figures into its snapshot, unless another worker is at it.

    Does nothing when the figures are fresh, unless ``force``.
    """
    now, today = timezone.now(), timezone.localdate()
    program = ProgramPage.objects.filter(pk=program_id).first()
    if program is None:
        return "no such program"
    ProgramSnapshot.objects.bulk_create(
        [ProgramSnapshot(program_id=program_id)], ignore_conflicts=True
    )
    token = uuid.uuid4().hex
    wanted = ProgramSnapshot.objects.filter(pk=program_id).filter(_lease_free(now))
    if not force:
        wanted = wanted.filter(_due(now, today))
    if not wanted.update(lease_token=token, lease_until=now + LEASE):
        return "fresh or being worked out"
    mine = ProgramSnapshot.objects.filter(pk=program_id, lease_token=token)
    try:
        computed = compute_insights(program, today)
    except Exception:
        mine.update(lease_token="", lease_until=None)
        raise
    insights = computed.insights
    mine.update(
        shape=SHAPE,
        day=insights.today,
        computed_at=insights.computed_at,
        seconds=insights.seconds,
        summary=encode(insights),
        journeys=encode(computed.health_rows),
        # A change announced while this ran was not seen: it stays, to be worked out.
        changed_at=Case(When(changed_at__lte=now, then=Value(None)), default=F("changed_at")),
        lease_token="",
        lease_until=None,
    )
    return f"worked out in {insights.seconds:.1f}s"


def mark_changed(program_ids) -> None:
    """Record that the programs' figures moved; ``sweep`` queues them within a minute."""
    ids = {pk for pk in program_ids if pk is not None}
    if ids:
        ProgramSnapshot.objects.filter(pk__in=ids).update(changed_at=timezone.now())


def due_programs(now: datetime | None = None) -> list[int]:
    """Programs whose figures are missing or due, and nobody is working out.

    Unpublished programs too: taking a program off the site ends none of its
    journeys, and its admins still read its dashboard.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    programs = set(ProgramPage.objects.values_list("pk", flat=True))
    known = ProgramSnapshot.objects.filter(pk__in=programs)
    kept = set(known.values_list("pk", flat=True))
    due = set(known.filter(_lease_free(now)).filter(_due(now, today)).values_list("pk", flat=True))
    return sorted((programs - kept) | due)


def sweep(now: datetime | None = None) -> int:
    """Queue one task per program whose figures are due; how many were queued."""
    due = due_programs(now)
    for program_id in due:
        enqueue(TASK, program_id, group="insights")
    return len(due)


# Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    insights: ProgramInsights
    newer_coming: bool  # a change was announced, or the figures are from an earlier day


def read(program) -> Figures | None:
    """The program's latest figures (one query), or None before any are worked out."""
    row = (
        ProgramSnapshot.objects.filter(pk=getattr(program, "pk", program), shape=SHAPE)
        .exclude(computed_at__isnull=True)
        .defer("journeys")
        .first()
    )
    if row is None:
        return None
    insights = decode(ProgramInsights, row.summary)
    return Figures(
        insights=insights,
        newer_coming=row.changed_at is not None or row.day != timezone.localdate(),
    )


def at_risk_counts(program_ids) -> dict[int, int]:
    """How many active journeys each program's latest figures count as at risk (one query).

    Reads the one figure out of each snapshot, without rebuilding the rest.
    """
    return {
        pk: int(count or 0)
        for pk, count in ProgramSnapshot.objects.filter(pk__in=program_ids, shape=SHAPE)
        .exclude(computed_at__isnull=True)
        .values_list("pk", f"summary__health_counts__{AT_RISK}")
    }


def journeys(program) -> tuple[HealthRow, ...]:
    """Every active journey's health as last worked out, lowest first; members as ids."""
    rows = (
        ProgramSnapshot.objects.filter(pk=getattr(program, "pk", program), shape=SHAPE)
        .values_list("journeys", flat=True)
        .first()
    )
    return decode(tuple[HealthRow, ...], rows) if rows else ()


def _names(user_ids) -> dict[int, str]:
    return {
        pk: f"{first} {last}".strip() or email
        for pk, first, last, email in get_user_model()
        .objects.filter(pk__in=set(user_ids))
        .values_list("pk", "first_name", "last_name", "email")
    }


def named(rows):
    """Health rows with each member's current name in place of their id (one query).

    A member whose account was deleted since the figures were worked out is left
    out, as the next working out leaves them out: there is no name to show.
    """
    names = _names(uid for row in rows for uid, _role in row.members)
    return tuple(
        dataclasses.replace(
            row,
            members=tuple((names[uid], role) for uid, role in row.members if uid in names),
        )
        for row in rows
    )


def with_names(insights: ProgramInsights) -> ProgramInsights:
    """The figures with names in the lists of journeys by health (one query)."""
    samples = insights.health_samples
    every = named(tuple(row for rows in samples.values() for row in rows))
    by_id = {row.journey_id: row for row in every}
    return dataclasses.replace(
        insights,
        health_samples={
            band: tuple(by_id[row.journey_id] for row in rows) for band, rows in samples.items()
        },
    )
