"""The journey engine: a journey's template and record in, its state out.

``compute(journey, today)`` turns a template's milestones, the journey's members,
their step completions, the start date, the journey's tracks and ``today`` into
each milestone's state, each member's next step, a progress percentage and the
days since anyone last did something. It reads no clock and no database: a loader
builds the inputs, a writer stores the outputs, and the hourly tick runs it for
every active journey. It is therefore linear in milestones + steps + completions,
and the per-template work is done once, by ``prepare``.

The rules it enforces:

* Timing. A milestone opens ``opens_after_days`` after the journey starts and is
  due ``due_after_days`` after it opens.
* Tracks. A milestone with a track belongs to the journey only if the journey has
  that track; otherwise it is NOT_IN_TRACK.
* Audience. "everyone" is every member, "mentors" the mentors, "mentees" the
  mentees and circle members (role "member"). A milestone with nobody from the
  journey in its audience is NOT_APPLICABLE.
* Done. A milestone is DONE when every audience member has completed every
  required step. A shared step (one logged meeting serves the pair) is complete
  for the whole audience once any audience member completes it; optional steps
  never block. Completions count whatever their date, and a milestone whose
  audience did its required steps is DONE even before it opens (progress carried
  over from another template revision), so it stays done for any ``today``.
  A milestone with no required steps has nothing to wait for: it is DONE as soon
  as it opens (prerequisites met and opening day reached).
* Prerequisites. DONE, NOT_IN_TRACK and NOT_APPLICABLE milestones satisfy the
  prerequisites of others. Prerequisites naming unknown milestones are ignored
  (``unknown_prerequisites`` reports them). Satisfaction is propagated in
  topological order, so a prerequisite cycle cannot make the engine loop: the
  milestones on it simply never have their prerequisites met (``find_cycle``
  reports it).
* Otherwise a milestone is LOCKED until its prerequisites are met and its opening
  day has come, then OPEN, DUE_SOON once its due day is ``due_soon_days`` away or
  less, and OVERDUE after its due day.
* Ignored. Completions naming an unknown milestone, step or member, completions by
  members outside the milestone's audience, and repeats (the earliest counts)
  change nothing, not even the days since activity.
* Progress. The floor of 100 x completed required member-step pairs / all required
  pairs, over milestones in track and applicable; 100 when there are no required
  pairs. 100 promises a complete journey, so while a milestone with no required
  steps has yet to open, progress stops at 99.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "ACTIONABLE",
    "AUDIENCES",
    "EXCLUDED",
    "MAX_DAYS",
    "ROLES",
    "Completion",
    "JourneyInput",
    "JourneyState",
    "Member",
    "MilestoneSpec",
    "MilestoneState",
    "MilestoneStatus",
    "NextStep",
    "PreparedTemplate",
    "StepSpec",
    "compute",
    "find_cycle",
    "prepare",
    "unknown_prerequisites",
]

AUDIENCES = ("everyone", "mentors", "mentees")
ROLES = ("mentor", "mentee", "member")
# The most days a milestone may open after the journey starts, or be due after it
# opens: ten years, longer than any mentoring journey, and far inside the dates
# Python can count to.
MAX_DAYS = 3650

# The audiences each role belongs to: a circle member is mentored, so counts as a mentee.
_AUDIENCES_OF_ROLE: Mapping[str, frozenset[str]] = {
    "mentor": frozenset({"everyone", "mentors"}),
    "mentee": frozenset({"everyone", "mentees"}),
    "member": frozenset({"everyone", "mentees"}),
}
_NOBODY: frozenset[int] = frozenset()


class MilestoneState(StrEnum):
    """Where a milestone stands for one journey; the values are stored and shown."""

    LOCKED = "locked"
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    NOT_IN_TRACK = "not_in_track"
    NOT_APPLICABLE = "not_applicable"


# States in which members can act on a milestone, and states that take a milestone
# out of the journey (they satisfy prerequisites and never count towards progress).
ACTIONABLE = frozenset({MilestoneState.OPEN, MilestoneState.DUE_SOON, MilestoneState.OVERDUE})
EXCLUDED = frozenset({MilestoneState.NOT_IN_TRACK, MilestoneState.NOT_APPLICABLE})


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step of a milestone, as the template defines it.

    ``kind`` (read, reflect, meet, set_goals, review_goals, checklist, pulse) tells
    the views what to show; the engine needs only ``required`` and ``shared``.
    """

    id: str
    kind: str
    required: bool = True
    shared: bool = False


@dataclass(frozen=True, slots=True)
class MilestoneSpec:
    """One milestone of a journey template; ``id`` is its stable block id."""

    id: str
    title: str
    opens_after_days: int
    due_after_days: int
    audience: str = "everyone"
    prerequisites: tuple[str, ...] = ()
    track: str | None = None
    steps: tuple[StepSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    """A journey member; ``role`` is "mentor", "mentee" or "member" (of a circle)."""

    id: int
    role: str


class Completion(NamedTuple):
    """A member marked a step of a milestone as done on a day.

    A named tuple: the tick hands the engine hundreds of thousands of them, and
    any 4-tuple in this order (a database row, say) serves as well.
    """

    milestone_id: str
    step_id: str
    member_id: int
    completed_on: date


@dataclass(frozen=True)
class PreparedTemplate:
    """A template's milestones with the lookups every journey needs, built once.

    The hourly tick computes thousands of journeys that share a handful of
    templates; preparing a template once keeps each ``compute`` to the work that
    depends on the journey itself. Build it with ``prepare``.
    """

    milestones: tuple[MilestoneSpec, ...]
    # milestone id -> position in ``milestones``
    positions: Mapping[str, int] = field(repr=False, compare=False)
    # Steps are numbered across the template ("slots"); a milestone's steps are the
    # slots from ``first_slot[m]`` on, in template order.
    slots: Mapping[tuple[str, str], int] = field(repr=False, compare=False)
    first_slot: tuple[int, ...] = field(repr=False, compare=False)
    slot_audience: tuple[str, ...] = field(repr=False, compare=False)
    required_steps: tuple[int, ...] = field(repr=False, compare=False)
    # milestone id -> the ids of its required steps, in template order
    required_step_ids: Mapping[str, tuple[str, ...]] = field(repr=False, compare=False)
    # Each milestone's timing, as the days to add to a journey's start and opening day.
    opens_after: tuple[timedelta, ...] = field(repr=False, compare=False)
    due_after: tuple[timedelta, ...] = field(repr=False, compare=False)
    # Known prerequisites (deduplicated) and their inverse, by position.
    prerequisites: tuple[tuple[int, ...], ...] = field(repr=False, compare=False)
    dependents: tuple[tuple[int, ...], ...] = field(repr=False, compare=False)

    @property
    def has_tracks(self) -> bool:
        """Whether any milestone belongs to a track (only then do a journey's tracks count)."""
        return any(spec.track is not None for spec in self.milestones)


@dataclass(frozen=True, slots=True)
class JourneyInput:
    """Everything the engine needs to know about one journey.

    ``milestones`` may be a ``PreparedTemplate`` to skip preparing it again.
    ``activity_dates`` are days of activity other than completions (meetings
    logged, reflections saved) that show the pair is still walking together.
    """

    milestones: tuple[MilestoneSpec, ...] | PreparedTemplate
    members: tuple[Member, ...]
    completions: tuple[Completion, ...] | frozenset[Completion]
    started_on: date
    tracks: frozenset[str] = frozenset()
    activity_dates: tuple[date, ...] = ()
    due_soon_days: int = 3


class MilestoneStatus(NamedTuple):
    """One milestone's state for one journey on one day.

    ``required`` counts required member-step pairs (required steps x audience
    members) and ``completed`` those done, a shared step counting as done for the
    whole audience. ``steps_done`` maps every step id to the members who have it
    done, on the same terms, so a view can tick boxes without recomputing.
    ``done_on`` is set only when the state is DONE: the day of the completion that
    finished the milestone, or for one without required steps the day it opened
    (its opening day, or its last prerequisite's ``done_on`` if later).

    A named tuple, immutable and cheap to make: the tick makes one per
    milestone of every active journey.
    """

    id: str
    title: str
    state: MilestoneState
    opens_on: date
    due_on: date
    done_on: date | None
    required: int
    completed: int
    audience_member_ids: tuple[int, ...]
    steps_done: Mapping[str, frozenset[int]]
    prerequisites_met: bool

    def __hash__(self):
        # ``steps_done`` is a dict; everything else pins the status down.
        return hash((self.id, self.state, self.opens_on, self.done_on, self.completed))


class NextStep(NamedTuple):
    """The step a member should do next, and the state of its milestone."""

    milestone_id: str
    step_id: str
    state: MilestoneState


@dataclass(frozen=True, slots=True)
class JourneyState:
    """A journey's state on one day: what the tick stores and the dashboard shows.

    ``next_steps`` and ``upcoming`` have an entry for every member: the first
    required step they still have to do in a milestone they can act on now, and
    the first milestone (in template order) of theirs that is still locked, so the
    page can say when something next opens. Either is None when there is none.
    """

    milestones: tuple[MilestoneStatus, ...]
    progress_percent: int
    next_steps: Mapping[int, NextStep | None] = field(hash=False)
    upcoming: Mapping[int, MilestoneStatus | None] = field(hash=False)
    days_since_activity: int
    is_complete: bool
    positions: Mapping[str, int] = field(repr=False, compare=False, hash=False)

    def milestone(self, milestone_id: str) -> MilestoneStatus:
        """The status of the milestone with this id; KeyError if the template has none."""
        return self.milestones[self.positions[milestone_id]]


def prepare(milestones: Sequence[MilestoneSpec] | PreparedTemplate) -> PreparedTemplate:
    """Prepare a template once for many journeys; templates seen recently are reused.

    Raises ValueError for a template no journey could follow: duplicate milestone or
    step ids (progress is keyed by them), an unknown audience, negative timings or
    timings over ``MAX_DAYS``.
    """
    if isinstance(milestones, PreparedTemplate):
        return milestones
    return _prepare(tuple(milestones))


@functools.lru_cache(maxsize=256)
def _prepare(milestones: tuple[MilestoneSpec, ...]) -> PreparedTemplate:
    positions: dict[str, int] = {}
    slots: dict[tuple[str, str], int] = {}
    first_slot: list[int] = []
    slot_audience: list[str] = []
    required_steps: list[int] = []
    for position, spec in enumerate(milestones):
        if spec.id in positions:
            raise ValueError(f"The template has two milestones with the id {spec.id!r}.")
        if spec.audience not in AUDIENCES:
            raise ValueError(
                f"Milestone {spec.id!r} has the audience {spec.audience!r}; "
                f"expected one of {', '.join(AUDIENCES)}."
            )
        if spec.opens_after_days < 0 or spec.due_after_days < 0:
            raise ValueError(f"Milestone {spec.id!r} cannot open or be due before it starts.")
        if spec.opens_after_days > MAX_DAYS or spec.due_after_days > MAX_DAYS:
            raise ValueError(
                f"Milestone {spec.id!r} opens or is due more than {MAX_DAYS} days on."
            )
        positions[spec.id] = position
        first_slot.append(len(slot_audience))
        for step in spec.steps:
            if (spec.id, step.id) in slots:
                raise ValueError(f"Milestone {spec.id!r} has two steps with the id {step.id!r}.")
            slots[spec.id, step.id] = len(slot_audience)
            slot_audience.append(spec.audience)
        required_steps.append(sum(step.required for step in spec.steps))

    prerequisites = tuple(
        tuple({positions[p]: None for p in spec.prerequisites if p in positions})
        for spec in milestones
    )
    dependents: list[list[int]] = [[] for _ in milestones]
    for position, known in enumerate(prerequisites):
        for prerequisite in known:
            dependents[prerequisite].append(position)

    return PreparedTemplate(
        milestones=milestones,
        positions=MappingProxyType(positions),
        slots=slots,
        first_slot=tuple(first_slot),
        slot_audience=tuple(slot_audience),
        required_steps=tuple(required_steps),
        required_step_ids=MappingProxyType(
            {spec.id: tuple(s.id for s in spec.steps if s.required) for spec in milestones}
        ),
        opens_after=tuple(timedelta(days=spec.opens_after_days) for spec in milestones),
        due_after=tuple(timedelta(days=spec.due_after_days) for spec in milestones),
        prerequisites=prerequisites,
        dependents=tuple(tuple(d) for d in dependents),
    )


def compute(journey: JourneyInput, today: date) -> JourneyState:
    """The state of ``journey`` on ``today``, by the rules in this module's docstring.

    Raises ValueError if a member appears twice or has an unknown role: the loader
    should never produce either, and guessing would misreport the journey.
    """
    template = prepare(journey.milestones)
    specs = template.milestones
    member_audiences = _member_audiences(journey.members)
    audience_ids = {
        audience: tuple(m for m, belongs in member_audiences.items() if audience in belongs)
        for audience in AUDIENCES
    }
    audience_sets = {audience: frozenset(ids) for audience, ids in audience_ids.items()}
    earliest = _earliest_completions(template, journey.completions, member_audiences)

    opens: list[date] = []
    dues: list[date] = []
    excluded: list[MilestoneState | None] = []
    completed: list[int] = []
    done_on: list[date | None] = []
    steps_done: list[dict[str, frozenset[int]]] = []
    last_activity = max(journey.activity_dates, default=None)

    started_on = journey.started_on
    for position, spec in enumerate(specs):
        audience = audience_ids[spec.audience]
        size = len(audience)
        opens_on = started_on + template.opens_after[position]
        opens.append(opens_on)
        dues.append(opens_on + template.due_after[position])
        if spec.track is not None and spec.track not in journey.tracks:
            excluded.append(MilestoneState.NOT_IN_TRACK)
        elif not size:
            excluded.append(MilestoneState.NOT_APPLICABLE)
        else:
            excluded.append(None)

        done_here: dict[str, frozenset[int]] = {}
        pairs_done = 0
        finished: date | None = None
        unfinished = False
        for slot, step in enumerate(spec.steps, start=template.first_slot[position]):
            by_member = earliest[slot]
            if by_member is None:
                done_here[step.id] = _NOBODY
                unfinished = unfinished or step.required
                continue
            latest = max(by_member.values())
            if last_activity is None or latest > last_activity:
                last_activity = latest
            if step.shared:
                done_here[step.id] = audience_sets[spec.audience]
                pairs = size
                step_done_on: date | None = min(by_member.values())
            else:
                done_here[step.id] = frozenset(by_member)
                pairs = len(by_member)
                step_done_on = latest if pairs == size else None
            if step.required:
                pairs_done += pairs
                if step_done_on is None:
                    unfinished = True
                elif finished is None or step_done_on > finished:
                    finished = step_done_on
        steps_done.append(done_here)
        completed.append(pairs_done)
        done_on.append(None if unfinished or excluded[position] is not None else finished)

    def done_by_opening(position: int) -> bool:
        """Whether a milestone with nothing required is done once its prerequisites are."""
        return (
            excluded[position] is None
            and not template.required_steps[position]
            and today >= opens[position]
        )

    pending = _propagate_satisfaction(template, excluded, done_on, opens, done_by_opening)

    statuses: list[MilestoneStatus] = []
    for position, spec in enumerate(specs):
        state = excluded[position]
        if state is None:
            if done_on[position] is not None:
                state = MilestoneState.DONE
            elif pending[position] or today < opens[position]:
                state = MilestoneState.LOCKED
            elif today > dues[position]:
                state = MilestoneState.OVERDUE
            elif (dues[position] - today).days <= journey.due_soon_days:
                state = MilestoneState.DUE_SOON
            else:
                state = MilestoneState.OPEN
        audience = audience_ids[spec.audience]
        statuses.append(
            MilestoneStatus(
                id=spec.id,
                title=spec.title,
                state=state,
                opens_on=opens[position],
                due_on=dues[position],
                done_on=done_on[position],
                required=template.required_steps[position] * len(audience),
                completed=completed[position],
                audience_member_ids=audience,
                steps_done=steps_done[position],
                prerequisites_met=not pending[position],
            )
        )

    next_steps, upcoming = _next_steps(specs, statuses, member_audiences)
    progress_percent, is_complete = _progress(statuses)
    since = last_activity if last_activity is not None else journey.started_on
    return JourneyState(
        milestones=tuple(statuses),
        progress_percent=progress_percent,
        next_steps=next_steps,
        upcoming=upcoming,
        days_since_activity=max(0, (today - since).days),
        is_complete=is_complete,
        positions=template.positions,
    )


def _member_audiences(members: Iterable[Member]) -> dict[int, frozenset[str]]:
    """Each member's audiences, in the order members were given."""
    audiences: dict[int, frozenset[str]] = {}
    for member in members:
        if member.id in audiences:
            raise ValueError(f"Member {member.id} appears twice in the journey.")
        belongs = _AUDIENCES_OF_ROLE.get(member.role)
        if belongs is None:
            raise ValueError(
                f"Member {member.id} has the role {member.role!r}; "
                f"expected one of {', '.join(ROLES)}."
            )
        audiences[member.id] = belongs
    return audiences


def _earliest_completions(
    template: PreparedTemplate,
    completions: Iterable[Completion],
    member_audiences: Mapping[int, frozenset[str]],
) -> list[dict[int, date] | None]:
    """Per step slot, the day each audience member first completed it.

    Everything the rules ignore is dropped here, and taking the earliest day makes
    the result independent of the order completions arrive in.
    """
    earliest: list[dict[int, date] | None] = [None] * len(template.slot_audience)
    slots = template.slots
    slot_audience = template.slot_audience
    for milestone_id, step_id, member_id, completed_on in completions:
        slot = slots.get((milestone_id, step_id))
        if slot is None:
            continue
        belongs = member_audiences.get(member_id)
        if belongs is None or slot_audience[slot] not in belongs:
            continue
        by_member = earliest[slot]
        if by_member is None:
            earliest[slot] = {member_id: completed_on}
        else:
            seen = by_member.get(member_id)
            if seen is None or completed_on < seen:
                by_member[member_id] = completed_on
    return earliest


def _propagate_satisfaction(
    template: PreparedTemplate,
    excluded: Sequence[MilestoneState | None],
    done_on: list[date | None],
    opens: Sequence[date],
    done_by_opening: Callable[[int], bool],
) -> list[int]:
    """Count, per milestone, the known prerequisites that are not satisfied.

    A worklist in topological order (Kahn's algorithm): a milestone that is
    excluded or done by its completions is satisfied outright; one with nothing
    required becomes satisfied, and gets its ``done_on``, when its last prerequisite
    does. Each prerequisite edge is visited once, and a milestone on a cycle keeps a
    positive count, which is what locks it.
    """
    pending = [len(known) for known in template.prerequisites]
    ready = [
        position
        for position in range(len(pending))
        if excluded[position] is not None
        or done_on[position] is not None
        or (not pending[position] and done_by_opening(position))
    ]
    satisfied = [False] * len(pending)
    for position in ready:
        satisfied[position] = True
    while ready:
        position = ready.pop()
        if done_on[position] is None and done_by_opening(position):
            done_on[position] = max(
                [opens[position]]
                + [done_on[p] for p in template.prerequisites[position] if done_on[p] is not None]
            )
        for dependent in template.dependents[position]:
            pending[dependent] -= 1
            if not pending[dependent] and not satisfied[dependent] and done_by_opening(dependent):
                satisfied[dependent] = True
                ready.append(dependent)
    return pending


def _next_steps(
    specs: Sequence[MilestoneSpec],
    statuses: Sequence[MilestoneStatus],
    member_audiences: Mapping[int, frozenset[str]],
) -> tuple[dict[int, NextStep | None], dict[int, MilestoneStatus | None]]:
    """Each member's first required step to do now, and first locked milestone."""
    next_steps: dict[int, NextStep | None] = dict.fromkeys(member_audiences)
    upcoming: dict[int, MilestoneStatus | None] = dict.fromkeys(member_audiences)
    for spec, status in zip(specs, statuses, strict=True):
        if status.state in ACTIONABLE:
            for member_id in status.audience_member_ids:
                if next_steps[member_id] is not None:
                    continue
                for step in spec.steps:
                    if step.required and member_id not in status.steps_done[step.id]:
                        next_steps[member_id] = NextStep(spec.id, step.id, status.state)
                        break
        elif status.state is MilestoneState.LOCKED:
            for member_id in status.audience_member_ids:
                if upcoming[member_id] is None:
                    upcoming[member_id] = status
    return next_steps, upcoming


def _progress(statuses: Iterable[MilestoneStatus]) -> tuple[int, bool]:
    """Progress percent and whether every milestone in the journey is done."""
    required = completed = 0
    is_complete = True
    for status in statuses:
        if status.state in EXCLUDED:
            continue
        required += status.required
        completed += status.completed
        is_complete = is_complete and status.state is MilestoneState.DONE
    percent = 100 * completed // required if required else 100
    if percent == 100 and not is_complete:
        percent = 99
    return percent, is_complete


def find_cycle(milestones: Iterable[MilestoneSpec]) -> list[str] | None:
    """A prerequisite cycle, or None: for the template editor to refuse one.

    Each milestone in the list requires the next, and the first is repeated at the
    end (``["a", "b", "a"]``: a requires b, which requires a). Unknown prerequisites
    are skipped. Iterative depth-first search, so deep templates cannot overflow
    the stack.
    """
    specs = {spec.id: spec for spec in milestones}
    finished: set[str] = set()
    for root in specs:
        if root in finished:
            continue
        path = [root]
        on_path = {root}
        stack = [iter(specs[root].prerequisites)]
        while stack:
            prerequisite = next(stack[-1], None)
            if prerequisite is None:
                stack.pop()
                finished.add(path[-1])
                on_path.discard(path.pop())
            elif prerequisite in on_path:
                return [*path[path.index(prerequisite) :], prerequisite]
            elif prerequisite in specs and prerequisite not in finished:
                path.append(prerequisite)
                on_path.add(prerequisite)
                stack.append(iter(specs[prerequisite].prerequisites))
    return None


def unknown_prerequisites(milestones: Iterable[MilestoneSpec]) -> list[tuple[str, str]]:
    """(milestone id, prerequisite id) for each prerequisite the template lacks.

    The engine ignores these, so a deleted milestone cannot lock a journey; the
    template editor reports them so the author can fix the reference.
    """
    specs = tuple(milestones)
    known = {spec.id for spec in specs}
    return [
        (spec.id, prerequisite)
        for spec in specs
        for prerequisite in dict.fromkeys(spec.prerequisites)
        if prerequisite not in known
    ]
