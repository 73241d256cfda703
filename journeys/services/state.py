"""Loading journeys into the engine: a fixed, small number of queries.

``journey_states`` computes the state of many journeys with one query per
table whatever their number; ``journey_state`` is the one-journey case the
participant pages use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models.functions import TruncDate

from .. import engine
from ..models import Journey, JourneyMember, ProgramPage, StepCompletion
from .templates import TemplateSnapshot, snapshots_for_revision_ids


@dataclass(frozen=True)
class LoadedJourney:
    journey: Journey
    snapshot: TemplateSnapshot
    members: tuple[JourneyMember, ...]
    state: engine.JourneyState

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


def engine_input(journey, snapshot, members, completions, track_ids, due_soon_days):
    """``completions`` are (milestone id, step id, member id, completed on) tuples."""
    activity = (journey.last_activity_on,) if journey.last_activity_on else ()
    return engine.JourneyInput(
        milestones=snapshot.prepared,
        members=tuple(engine.Member(id=m.pk, role=m.role) for m in members),
        completions=tuple(engine.Completion(*c) for c in completions),
        started_on=journey.started_on,
        tracks=frozenset(str(t) for t in track_ids),
        activity_dates=activity,
        due_soon_days=due_soon_days,
    )


def journey_state(journey: Journey, today: date) -> LoadedJourney:
    """The state of one journey, with its template and current members."""
    return journey_states([journey], today)[0]


def journey_states(journeys, today: date, with_users: bool = True) -> list[LoadedJourney]:
    """States of many journeys in a fixed number of queries (one per table).

    ``with_users=False`` gives ``MemberRow`` members without loading users:
    the tick needs only ids and roles.
    """
    journeys = list(journeys)
    if not journeys:
        return []
    ids = [j.pk for j in journeys]
    snapshots = snapshots_for_revision_ids(j.template_revision_id for j in journeys)
    members = defaultdict(list)
    current = JourneyMember.objects.filter(journey_id__in=ids, left_on__isnull=True).order_by(
        "role", "pk"
    )
    if with_users:
        for member in current.select_related("user"):
            members[member.journey_id].append(member)
    else:
        for pk, journey_id, role, user_id in current.values_list(
            "pk", "journey_id", "role", "user_id"
        ):
            members[journey_id].append(MemberRow(pk, role, user_id))
    completions = defaultdict(list)
    for journey_id, *completion in StepCompletion.objects.filter(journey_id__in=ids).values_list(
        "journey_id", "milestone_id", "step_id", "member_id", TruncDate("completed_at")
    ):
        completions[journey_id].append(completion)
    tracks = defaultdict(list)
    for journey_id, topic_id in Journey.tracks.through.objects.filter(
        journey_id__in=ids
    ).values_list("journey_id", "topic_id"):
        tracks[journey_id].append(topic_id)
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
            ),
            today,
        )
        loaded.append(
            LoadedJourney(journey=journey, snapshot=snapshot, members=journey_members, state=state)
        )
    return loaded
