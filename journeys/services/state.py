"""Loading journeys into the engine: a fixed, small number of queries.

``journey_states`` computes the state of many journeys with one query per
table whatever their number; ``journey_state`` is the one-journey case the
participant pages use; ``tick_states`` is the hourly tick's leaner reading of
the same, with rows rather than model instances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from .. import engine
from ..models import (
    Journey,
    JourneyMember,
    JourneyStatus,
    PlannedMeeting,
    ProgramPage,
    StepCompletion,
)
from .profiles import with_profiles
from .templates import TemplateSnapshot, snapshots_for_revision_ids

# What the pages read of a member and their account: the name, never the password.
MEMBER_FIELDS = (
    "journey_id",
    "user_id",
    "role",
    "joined_on",
    "joined_at",
    "left_on",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__is_active",
    "user__last_login",
    # The zone a member reads times in (``people.time_zone_for``).
    "user__profile__time_zone",
)
# What the participant pages read of members' profiles besides: role and photo.
PROFILE_MEMBER_FIELDS = ("user__profile__job_title", "user__profile__photo")


@dataclass(frozen=True)
class LoadedJourney:
    """A journey with its template, members and state (rows, for the tick)."""

    journey: Journey
    snapshot: TemplateSnapshot
    members: tuple[JourneyMember, ...]
    state: engine.JourneyState
    # (milestone id, step id, member id, completed on), as the engine read them.
    completions: tuple = ()

    def member_for(self, user) -> JourneyMember | None:
        for member in self.members:
            if member.user_id == user.pk:
                return member
        return None


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A member as the tick needs it: no user row behind it."""

    pk: int
    role: str
    user_id: int


class JourneyRow(NamedTuple):
    """A journey as the tick needs it: a few columns, no model instance."""

    pk: int
    program_id: int
    template_revision_id: int
    started_on: date
    last_activity_on: date | None
    uuid: object


@dataclass(frozen=True)
class TickBatch:
    """A batch of journeys as the tick reads it: states, and programs' nudge settings."""

    journeys: list[LoadedJourney]
    nudge_after_days: dict[int, int]


def planned_activity(journey_ids) -> dict[int, date]:
    """Each journey's latest day with a meeting agreed or held, in the site's time zone.

    A meeting the pair agreed counts as activity on its day, even ahead of
    today (the engine then counts no days without activity), so a pair with a
    meeting planned is not nudged as inactive. One query for any number of
    journeys.
    """
    latest = (
        PlannedMeeting.objects.in_calendar()
        .filter(journey_id__any_of=list(journey_ids))
        .values("journey_id")
        .annotate(last=Max("starts_at"))
        .values_list("journey_id", "last")
        .order_by()
    )
    return {journey_id: timezone.localdate(last) for journey_id, last in latest}


# The attribute ``with_planned_activity`` gives a journey: its latest planned meeting's start.
PLANNED_AT = "latest_planned_at"


def with_planned_activity(journeys):
    """``journeys`` (a queryset) with their latest planned meeting's start, in their own
    query: ``journey_states`` then reads no planned meetings for them."""
    latest = (
        PlannedMeeting.objects.in_calendar()
        .filter(journey_id=OuterRef("pk"))
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    return journeys.annotate(**{PLANNED_AT: Subquery(latest)})


def engine_input(
    journey, snapshot, members, completions, track_ids, due_soon_days, planned_on=None
):
    """``completions`` are (milestone id, step id, member id, completed on) tuples.

    ``planned_on`` is the journey's latest planned meeting's day (``planned_activity``).
    """
    activity = tuple(day for day in (journey.last_activity_on, planned_on) if day)
    return engine.JourneyInput(
        milestones=snapshot.prepared,
        members=tuple(engine.Member(id=m.pk, role=m.role) for m in members),
        completions=tuple(completions),
        started_on=journey.started_on,
        tracks=frozenset(str(t) for t in track_ids),
        activity_dates=activity,
        due_soon_days=due_soon_days,
    )


def journey_state(journey: Journey, today: date, *, profiles: bool = False) -> LoadedJourney:
    """The state of one journey, with its template and current members."""
    return journey_states([journey], today, profiles=profiles)[0]


def journey_states(journeys, today: date, *, profiles: bool = False) -> list[LoadedJourney]:
    """States of many journeys in a fixed number of queries (one per table).

    Journeys read ``with_planned_activity`` bring their planned meetings along.
    ``profiles`` loads each member's profile and photo in the members' query,
    and their photos' renditions in one more when anyone has a photo.
    """
    journeys = list(journeys)
    if not journeys:
        return []
    ids = [j.pk for j in journeys]
    snapshots = snapshots_for_revision_ids(j.template_revision_id for j in journeys)
    members = defaultdict(list)
    rows = JourneyMember.objects.filter(journey_id__any_of=ids, left_on__isnull=True).order_by(
        "role", "pk"
    )
    if profiles:
        rows = with_profiles(rows).only(*MEMBER_FIELDS, *PROFILE_MEMBER_FIELDS)
    else:
        rows = rows.select_related("user__profile").only(*MEMBER_FIELDS)
    for member in rows:
        members[member.journey_id].append(member)
    completions, tracks = _completions_and_tracks(ids, snapshots.values())
    if all(hasattr(j, PLANNED_AT) for j in journeys):
        planned = {
            j.pk: timezone.localdate(getattr(j, PLANNED_AT))
            for j in journeys
            if getattr(j, PLANNED_AT) is not None
        }
    else:
        planned = planned_activity(ids)
    # Programs the caller already loaded are read as they are; others in one query.
    program_field = Journey._meta.get_field("program")
    remind_days = {
        j.program_id: j.program.remind_days_before_due
        for j in journeys
        if program_field.is_cached(j)
    }
    missing = {j.program_id for j in journeys} - remind_days.keys()
    if missing:
        remind_days.update(
            ProgramPage.objects.filter(pk__in=missing).values_list("pk", "remind_days_before_due")
        )
    return _states(journeys, snapshots, members, completions, tracks, remind_days, planned, today)


def tick_states(journey_ids, today: date) -> TickBatch:
    """States of the active journeys among ``journey_ids``, read for the tick.

    The same states as ``journey_states`` gives, from rows rather than model
    instances (``JourneyRow``, and ``MemberRow`` without users), one query per
    table; with each program's ``nudge_after_inactive_days`` besides.
    """
    journeys = [
        JourneyRow(*row)
        for row in Journey.objects.filter(pk__any_of=journey_ids, status=JourneyStatus.ACTIVE)
        .order_by("pk")
        .values_list(
            "pk", "program_id", "template_revision_id", "started_on", "last_activity_on", "uuid"
        )
    ]
    if not journeys:
        return TickBatch([], {})
    ids = [j.pk for j in journeys]
    snapshots = snapshots_for_revision_ids({j.template_revision_id for j in journeys})
    members = defaultdict(list)
    for pk, journey_id, role, user_id in (
        JourneyMember.objects.filter(journey_id__any_of=ids, left_on__isnull=True)
        .order_by("role", "pk")
        .values_list("pk", "journey_id", "role", "user_id")
    ):
        members[journey_id].append(MemberRow(pk, role, user_id))
    completions, tracks = _completions_and_tracks(ids, snapshots.values())
    planned = planned_activity(ids)
    remind_days, nudge_days = {}, {}
    for pk, remind, nudge in ProgramPage.objects.filter(
        pk__in={j.program_id for j in journeys}
    ).values_list("pk", "remind_days_before_due", "nudge_after_inactive_days"):
        remind_days[pk] = remind
        nudge_days[pk] = nudge
    return TickBatch(
        _states(journeys, snapshots, members, completions, tracks, remind_days, planned, today),
        nudge_days,
    )


def _completions_and_tracks(ids, snapshots):
    """Each journey's completions, as engine-ready tuples, and its track topic ids.

    Tracks matter only to milestones that belong to one: when none of the
    templates in ``snapshots`` has such a milestone, they are not read.
    """
    completions = defaultdict(list)
    for row in StepCompletion.objects.filter(journey_id__any_of=ids).values_list(
        "journey_id", "milestone_id", "step_id", "member_id", "completed_on"
    ):
        # A slice is a tuple already: the rows are many, and unpacking costs twice.
        completions[row[0]].append(row[1:])
    tracks = defaultdict(list)
    if any(snapshot.prepared.has_tracks for snapshot in snapshots):
        for journey_id, topic_id in Journey.tracks.through.objects.filter(
            journey_id__any_of=ids
        ).values_list("journey_id", "topic_id"):
            tracks[journey_id].append(topic_id)
    return completions, tracks


def _states(journeys, snapshots, members, completions, tracks, remind_days, planned, today):
    loaded = []
    for journey in journeys:
        snapshot = snapshots[journey.template_revision_id]
        journey_members = tuple(members[journey.pk])
        state = engine.compute(
            engine_input(
                journey,
                snapshot,
                journey_members,
                completions[journey.pk],
                tracks[journey.pk],
                remind_days.get(journey.program_id, 3),
                planned.get(journey.pk),
            ),
            today,
        )
        loaded.append(
            LoadedJourney(
                journey=journey,
                snapshot=snapshot,
                members=journey_members,
                state=state,
                completions=tuple(completions[journey.pk]),
            )
        )
    return loaded
