"""Working out a program's insights: every table read once, the engine run in one pass.

``compute_insights(program, today)`` reads the program's journeys, members,
tracks, meetings, pulses, goals and content views with one aggregated query
each, streams the step completions (ordered by journey, fetched in chunks)
through the journey engine one journey at a time, and folds each journey's
state into running totals. It therefore costs the same number of queries for 3
journeys or 20,000, and holds one journey's completions at a time.

What it never reads: the text of reflections (the table is not touched at all),
meeting notes or agreed actions, goal text, messages' text (only how many
were posted, when, in which journey), enrolment answers, or anyone's name:
members are kept as user ids, and ``snapshots.named`` reads the names afresh
for those who may see them.

Measures, as the dashboard and ``docs/insights.md`` state them:

* Milestones done: per journey template, for each milestone, the share of
  journeys it belongs to (on their track, with someone in its audience) in
  which it is done. These shares can rise from one milestone to the next.
* Funnel: per journey template, for each milestone in the template's order,
  the journeys past it: every milestone up to and including it that belongs
  to the journey is done (one that does not belong to it, or is not in the
  revision it follows, stands in nobody's way). Every journey that follows the
  template could have got that far, so the count never rises (``journeys_past``).
* Health: ``health.health`` for each active journey.
* Content: for each material or story a milestone shows (a read step, or a
  meet step's discussion guide), the journeys that reached it (a milestone
  showing it has opened), opened it (anyone in the journey opened the
  milestone page), completed it (its read or meet step is done), the average
  pulse rating given on the milestones showing it, and, over journeys that
  reached such a milestone, the share in which the milestone is done when
  the page was opened and when it was not.
* Conversations: for each of the last weeks, the messages posted (deleted
  ones too: they were written), the journeys in which someone wrote, and
  the messages per journey under way (started by the week's end); for each
  active journey, its messages in the seven days before ``today``.
* Weekly numbers: the seven days before ``today``.
* Planned meetings: how many meetings members planned are still to come (a
  time agreed, on ``today`` or later), were held (members said they met),
  were not held (members said they did not, or their day passed without
  anyone saying), wait for a time to be chosen, or were cancelled. A
  meeting agreed or held counts as activity on its day, as in the tick.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter

from django.db.models import Avg, Count, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page

from content.models import LeaderStoryPage, MaterialPage
from journeys import engine
from journeys.models import (
    Goal,
    GoalStatus,
    Journey,
    JourneyMember,
    JourneyStatus,
    Measure,
    Meeting,
    Message,
    PlannedMeeting,
    PlannedMeetingStatus,
    PulseResponse,
    StepCompletion,
)
from journeys.services.state import MemberRow, engine_input
from journeys.services.templates import snapshots_for_revision_ids

from .enrolment import EnrolmentData, EnrolmentStatus, enrolment_data
from .health import AT_RISK, BANDS, HealthInput, health
from .models import ContentView

ENGAGEMENT_WEEKS = 12
ENROLMENT_WEEKS = 26
MIN_GROUP = 5
STREAM_CHUNK = 5000


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def median(values) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


# What the dashboard is made of: plain, picklable data ------------------------------------


@dataclass(frozen=True)
class EnrolmentSummary:
    total: int
    waiting: int
    matched: int
    withdrawn: int
    matched_share: float | None
    median_days_to_match: float | None
    mean_days_to_match: float | None
    matched_with_dates: int
    weeks: tuple[tuple[date, int, int], ...]  # (week start, new enrolments, enrolled to date)


@dataclass(frozen=True)
class FunnelStep:
    milestone_id: str
    title: str
    journeys: int
    done: int
    past: int = 0  # journeys past it and every milestone before it (see ``journeys_past``)

    @property
    def share(self) -> float | None:
        return 100 * self.done / self.journeys if self.journeys else None


@dataclass(frozen=True)
class Funnel:
    template_id: int
    title: str
    journeys: int
    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True)
class HealthRow:
    journey_id: int
    template: str
    started_on: date
    score: int
    band: str
    overdue_days: int
    days_since_meeting: int | None  # None until the journey's first meeting
    days_since_activity: int
    average_pulse: float | None
    # (user id, role) as worked out: figures keep no names. ``named`` puts each
    # person's current name in place of the id for those who may see it.
    members: tuple[tuple[int | str, str], ...]
    # Over ``ProgramInsights.week``: the seven whole days before ``today``, as the
    # week's other figures, so the journeys' messages add up to the week's.
    messages_last_7_days: int = 0


@dataclass(frozen=True)
class ContentRow:
    page_id: int
    title: str
    kind: str  # "material" or "story"
    shown_in: tuple[str, ...]
    reached: int
    opened: int
    people: int
    completed: int
    pulse: float | None
    pulse_count: int
    # How many people gave those ratings: a sponsor reads none from fewer than MIN_GROUP.
    raters: int
    opened_reached: int
    opened_done: int
    unopened_reached: int
    unopened_done: int
    # Whether a sponsor may not read its rating (``withheld_ratings``): too few people
    # gave it, or, with the other ratings shown, it would give theirs away.
    withheld: bool = False

    @property
    def done_when_opened(self) -> float | None:
        return 100 * self.opened_done / self.opened_reached if self.opened_reached else None

    @property
    def done_when_not_opened(self) -> float | None:
        if not self.unopened_reached:
            return None
        return 100 * self.unopened_done / self.unopened_reached

    @property
    def difference(self) -> float | None:
        opened, not_opened = self.done_when_opened, self.done_when_not_opened
        if opened is None or not_opened is None:
            return None
        return opened - not_opened


@dataclass(frozen=True)
class ObjectiveRow:
    title: str
    measure: str  # a Measure value, or "" when none is set
    detail: str  # the milestone key or topic name the measure is about
    actual: float | None
    target: float | None
    basis: int  # how many journeys, goals, people or ratings the figure rests on
    # How many people gave the ratings or set the goals it rests on (None for the other
    # measures): a sponsor reads no figure from fewer than MIN_GROUP.
    people: int | None = None
    # False when no milestone of the templates the journeys follow has the objective's
    # milestone key (mistyped, or renamed since): no figure will ever come.
    key_found: bool = True
    # False when the topic a pulse objective is measured by has been deleted since:
    # the objective no longer names one, so no figure will ever come either.
    topic_found: bool = True
    # For a topic's rating: whether a sponsor may not read it (``withheld_ratings``).
    withheld: bool = False

    @property
    def is_rating(self) -> bool:
        return self.measure in Measure.RATINGS

    @property
    def met(self) -> bool | None:
        if self.actual is None or self.target is None:
            return None
        return self.actual >= self.target


@dataclass(frozen=True)
class AttributeRow:
    label: str
    people: int
    hidden: bool
    matched_share: float | None = None
    median_days_to_match: float | None = None
    journeys: int = 0
    active: int = 0
    health_hidden: bool = True
    at_risk_share: float | None = None
    on_track_share: float | None = None


@dataclass(frozen=True)
class WeekNumbers:
    start: date
    end: date
    enrolled: int | None
    matched: int | None
    journeys_started: int
    steps_completed: int
    milestones_done: int
    meetings: int
    messages: int = 0


@dataclass(frozen=True)
class ConversationWeek:
    start: date
    messages: int
    journeys_writing: int
    journeys_under_way: int

    @property
    def per_journey(self) -> float | None:
        return self.messages / self.journeys_under_way if self.journeys_under_way else None


@dataclass
class ProgramInsights:
    """A program's dashboard, except the full list of journeys (``JourneyList``)."""

    program_id: int
    title: str
    today: date
    computed_at: datetime
    version: tuple
    enrolment: EnrolmentSummary | None
    status_counts: dict[str, int]
    complete_journeys: int
    funnels: tuple[Funnel, ...]
    health_counts: dict[str, int]
    health_samples: dict[str, tuple[HealthRow, ...]]
    engagement: tuple[tuple[date, int, int], ...]  # (week start, completions, meetings)
    content: tuple[ContentRow, ...]
    objectives: tuple[ObjectiveRow, ...]
    attributes: tuple[AttributeRow, ...] | None
    goals: dict[str, int]
    week: WeekNumbers
    conversation: tuple[ConversationWeek, ...] = ()
    planned_meetings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def journeys_total(self) -> int:
        return sum(self.status_counts.values())

    @property
    def active_total(self) -> int:
        return sum(self.health_counts.values())


@dataclass
class Computed:
    insights: ProgramInsights
    health_rows: tuple[HealthRow, ...] = field(default_factory=tuple)


SAMPLE_SIZE = 25


# Reading ---------------------------------------------------------------------------------


class JourneyFacts:
    """The columns of a journey the engine and the dashboard need."""

    __slots__ = (
        "last_activity_on",
        "pk",
        "revision_id",
        "started_on",
        "status",
        "template_id",
    )

    def __init__(self, pk, template_id, revision_id, status, started_on, last_activity_on):
        self.pk = pk
        self.template_id = template_id
        self.revision_id = revision_id
        self.status = status
        self.started_on = started_on
        self.last_activity_on = last_activity_on


def _content_steps(snapshot):
    """(milestone id, step id, kind, page id) of each step that shows a page.

    Read from the revision's raw stream, so no page is loaded to find its id.
    """
    steps = []
    for child in snapshot.page.milestones.raw_data:
        if child.get("type") != "milestone":
            continue
        for step in (child.get("value") or {}).get("steps") or []:
            value = step.get("value") or {}
            page_id = None
            if step.get("type") == "read":
                page_id = value.get("page")
            elif step.get("type") == "meet":
                page_id = value.get("discussion_guide")
            if page_id:
                steps.append((child["id"], step["id"], step["type"], int(page_id)))
    return steps


class _Template:
    """What the pass needs from one template revision, worked out once."""

    def __init__(self, snapshot, keys_wanted):
        self.snapshot = snapshot
        self.content_steps = _content_steps(snapshot)
        self.pages_by_milestone = defaultdict(set)
        for milestone_id, _step_id, _kind, page_id in self.content_steps:
            self.pages_by_milestone[milestone_id].add(page_id)
        self.keyed = {
            slugify(m.key): m.id for m in snapshot.milestones if slugify(m.key) in keys_wanted
        }


def compute_insights(program, today: date, version: tuple = ()) -> Computed:
    """The program's insights on ``today``, in a fixed number of queries."""
    started = timezone.now()
    journeys = [
        JourneyFacts(*row)
        for row in Journey.objects.filter(program=program)
        .order_by("pk")
        .values_list(
            "pk", "template_id", "template_revision_id", "status", "started_on", "last_activity_on"
        )
    ]
    members = defaultdict(list)
    for pk, journey_id, role, user_id in (
        JourneyMember.objects.filter(journey__program=program, left_on__isnull=True)
        .order_by("role", "pk")
        .values_list("pk", "journey_id", "role", "user_id")
    ):
        members[journey_id].append(MemberRow(pk, role, user_id))
    tracks = defaultdict(list)
    for journey_id, topic_id in Journey.tracks.through.objects.filter(
        journey__program=program
    ).values_list("journey_id", "topic_id"):
        tracks[journey_id].append(topic_id)
    snapshots = snapshots_for_revision_ids({j.revision_id for j in journeys})
    last_meeting = dict(
        Meeting.objects.filter(journey__program=program)
        .values("journey_id")
        .annotate(last=Max("held_on"))
        .values_list("journey_id", "last")
    )
    planned_on, planned_counts = _planned_meetings(program, today)
    engagement_from = week_start(today) - timedelta(weeks=ENGAGEMENT_WEEKS - 1)
    # The week is the seven whole days before today: no figure of it counts a day still
    # under way, so the digest and every page agree on it all day long.
    window_start, window_end = today - timedelta(days=7), today - timedelta(days=1)
    meetings_by_day = dict(
        Meeting.objects.filter(
            journey__program=program,
            held_on__gte=min(engagement_from, window_start),
            held_on__lte=today,
        )
        .values("held_on")
        .annotate(n=Count("pk"))
        .values_list("held_on", "n")
    )
    # Messages by journey and day: counts only, never a word of them.
    messages_by_journey_day = list(
        Message.objects.filter(
            journey__program=program,
            created_at__date__gte=min(engagement_from, window_start),
        )
        .annotate(day=TruncDate("created_at"))
        .values("journey_id", "day")
        .annotate(n=Count("pk"))
        .values_list("journey_id", "day", "n")
    )
    recent_messages = Counter()
    for journey_id, day, n in messages_by_journey_day:
        if window_start <= day <= window_end:
            recent_messages[journey_id] += n
    pulses = PulseResponse.objects.filter(journey__program=program)
    journey_pulse = dict(
        pulses.values("journey_id").annotate(avg=Avg("score")).values_list("journey_id", "avg")
    )
    milestone_pulse = {
        milestone_id: (total, n)
        for milestone_id, total, n in pulses.values("milestone_id")
        .annotate(total=Sum("score"), n=Count("pk"))
        .values_list("milestone_id", "total", "n")
    }
    raters = defaultdict(set)
    for milestone_id, user_id in pulses.values_list("milestone_id", "member__user_id").distinct():
        raters[milestone_id].add(user_id)
    goal_setters = (
        Goal.objects.filter(journey__program=program).values("owner__user_id").distinct().count()
    )
    goals = dict(
        Goal.objects.filter(journey__program=program)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    views = ContentView.objects.filter(journey__program=program)
    opened = defaultdict(set)
    for journey_id, page_id in views.values_list("journey_id", "page_id").distinct():
        opened[journey_id].add(page_id)
    people = dict(
        views.values("page_id")
        .annotate(people=Count("user_id", distinct=True))
        .values_list("page_id", "people")
    )
    objectives = list(program.objectives)
    keys_wanted = {
        slugify(o.value.get("milestone_key") or "")
        for o in objectives
        if o.value.get("measure") == Measure.MILESTONE
    }
    templates = {pk: _Template(s, keys_wanted) for pk, s in snapshots.items()}
    page_ids = {page for t in templates.values() for *_rest, page in t.content_steps}
    pages = _pages(page_ids)
    enrolment = enrolment_data(program)

    tally = _Tally(today, window_start, window_end, engagement_from, keys_wanted)
    stream = (
        StepCompletion.objects.filter(journey__program=program)
        .order_by("journey_id")
        .values_list("journey_id", "milestone_id", "step_id", "member_id", "completed_on")
        .iterator(chunk_size=STREAM_CHUNK)
    )
    groups = groupby(stream, key=itemgetter(0))
    current = next(groups, None)
    due_soon = program.remind_days_before_due
    for journey in journeys:
        while current is not None and current[0] < journey.pk:
            current = next(groups, None)
        completions = []
        if current is not None and current[0] == journey.pk:
            completions = [row[1:] for row in current[1]]
            current = next(groups, None)
        tally.completions(completions)
        template = templates[journey.revision_id]
        journey_members = members[journey.pk]
        state = engine.compute(
            engine_input(
                journey,
                template.snapshot,
                journey_members,
                completions,
                tracks[journey.pk],
                due_soon,
                planned_on.get(journey.pk),
            ),
            today,
        )
        tally.journey(
            journey,
            template,
            state,
            journey_members,
            last_meeting.get(journey.pk),
            journey_pulse.get(journey.pk),
            opened.get(journey.pk, ()),
            recent_messages[journey.pk],
        )

    enrolment_summary = _enrolment_summary(enrolment, today) if enrolment is not None else None
    content_rows, objective_rows = _withhold_ratings(
        _content_rows(tally, templates, pages, people, milestone_pulse, raters),
        _objective_rows(
            objectives,
            tally,
            templates,
            pages,
            milestone_pulse,
            raters,
            goals,
            goal_setters,
            enrolment_summary,
        ),
        objectives,
        templates,
        pages,
        raters,
    )
    health_rows = tuple(sorted(tally.health_rows, key=lambda r: (r.score, r.journey_id)))
    insights = ProgramInsights(
        program_id=program.pk,
        title=program.title,
        today=today,
        computed_at=started,
        version=version,
        enrolment=enrolment_summary,
        status_counts={s: tally.status[s] for s in JourneyStatus.values},
        complete_journeys=tally.complete,
        funnels=tally.funnels(templates),
        health_counts={band: tally.bands[band] for band in BANDS},
        health_samples={
            band: tuple(r for r in health_rows if r.band == band)[:SAMPLE_SIZE] for band in BANDS
        },
        engagement=tuple(
            (
                week,
                tally.completions_by_week[week],
                sum(
                    n
                    for day, n in meetings_by_day.items()
                    if week <= day < week + timedelta(days=7)
                ),
            )
            for week in (engagement_from + timedelta(weeks=n) for n in range(ENGAGEMENT_WEEKS))
        ),
        content=content_rows,
        objectives=objective_rows,
        attributes=_attribute_rows(enrolment, tally) if enrolment is not None else None,
        goals={status: goals.get(status, 0) for status in GoalStatus.values},
        planned_meetings=planned_counts,
        week=WeekNumbers(
            start=window_start,
            end=window_end,
            enrolled=sum(1 for r in enrolment.rows if window_start <= r.enrolled_on <= window_end)
            if enrolment is not None
            else None,
            matched=sum(
                1
                for r in enrolment.rows
                if r.matched_on is not None and window_start <= r.matched_on <= window_end
            )
            if enrolment is not None
            else None,
            journeys_started=sum(
                1 for j in journeys if window_start <= j.started_on <= window_end
            ),
            steps_completed=tally.completions_in_window,
            milestones_done=tally.milestones_in_window,
            meetings=sum(
                n for day, n in meetings_by_day.items() if window_start <= day <= window_end
            ),
            messages=sum(recent_messages.values()),
        ),
        conversation=_conversation_weeks(journeys, messages_by_journey_day, engagement_from),
    )
    insights.seconds = (timezone.now() - started).total_seconds()
    return Computed(insights=insights, health_rows=health_rows)


def _conversation_weeks(journeys, messages_by_journey_day, first_week):
    """Messages posted, journeys that wrote and journeys under way, for each week."""
    messages = Counter()
    writing = defaultdict(set)
    for journey_id, day, n in messages_by_journey_day:
        if day >= first_week:
            week = week_start(day)
            messages[week] += n
            writing[week].add(journey_id)
    weeks = []
    for number in range(ENGAGEMENT_WEEKS):
        week = first_week + timedelta(weeks=number)
        end = week + timedelta(days=6)
        weeks.append(
            ConversationWeek(
                start=week,
                messages=messages[week],
                journeys_writing=len(writing[week]),
                journeys_under_way=sum(1 for j in journeys if j.started_on <= end),
            )
        )
    return tuple(weeks)


# The kinds of planned meeting the dashboard counts, in the order it shows them.
PLANNED_KINDS = ("to_come", "held", "not_held", "waiting", "cancelled")


def _planned_meetings(program, today: date) -> tuple[dict[int, date], dict[str, int]]:
    """Each journey's latest day with a meeting agreed or held, and the counts by kind.

    One query: the program's planned meetings' states and days.
    """
    latest: dict[int, date] = {}
    counts = dict.fromkeys(PLANNED_KINDS, 0)
    for journey_id, status, starts_at in PlannedMeeting.objects.filter(
        journey__program=program
    ).values_list("journey_id", "status", "starts_at"):
        day = timezone.localdate(starts_at) if starts_at is not None else None
        agreed = status in (PlannedMeetingStatus.ACCEPTED, PlannedMeetingStatus.HELD)
        if agreed and (journey_id not in latest or day > latest[journey_id]):
            latest[journey_id] = day
        if status == PlannedMeetingStatus.HELD:
            counts["held"] += 1
        elif status == PlannedMeetingStatus.NOT_HELD:
            counts["not_held"] += 1
        elif status == PlannedMeetingStatus.ACCEPTED:
            counts["to_come" if day >= today else "not_held"] += 1
        elif status == PlannedMeetingStatus.PROPOSED:
            counts["waiting"] += 1
        else:
            counts["cancelled"] += 1
    return latest, counts


def _pages(page_ids) -> dict[int, tuple[str, str, frozenset[int]]]:
    """Title, kind and topic ids of each page a template shows, in three queries."""
    if not page_ids:
        return {}
    kinds = {}
    titles = {}
    for pk, title, model in Page.objects.filter(pk__in=page_ids).values_list(
        "pk", "title", "content_type__model"
    ):
        titles[pk] = title
        kinds[pk] = "story" if model == "leaderstorypage" else "material"
    topics = defaultdict(set)
    for model, column in (
        (MaterialPage, "materialpage_id"),
        (LeaderStoryPage, "leaderstorypage_id"),
    ):
        for page_id, topic_id in model.topics.through.objects.filter(
            **{f"{column}__in": list(titles)}
        ).values_list(column, "topic_id"):
            topics[page_id].add(topic_id)
    return {pk: (titles[pk], kinds[pk], frozenset(topics[pk])) for pk in titles}


# Folding journeys into totals ------------------------------------------------------------


class _Tally:
    def __init__(self, today, window_start, window_end, engagement_from, keys_wanted):
        self.today = today
        self.window = (window_start, window_end)
        self.engagement_from = engagement_from
        self.status = Counter()
        self.complete = 0
        self.bands = Counter()
        self.health_rows = []
        self.completions_by_week = Counter()
        self.completions_in_window = 0
        self.milestones_in_window = 0
        # template id -> milestone id -> [journeys it belongs to, journeys done]
        self.funnel = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        # template id -> (milestones that belong, milestones done) -> journeys
        self.funnel_patterns = defaultdict(Counter)
        self.funnel_journeys = Counter()
        self.latest_revision = {}
        # page id -> counters
        self.reached = Counter()
        self.opened = Counter()
        self.completed = Counter()
        self.opened_reached = Counter()
        self.opened_done = Counter()
        self.unopened_reached = Counter()
        self.unopened_done = Counter()
        # milestone key -> [journeys it belongs to, journeys done]
        self.keys = {key: [0, 0] for key in keys_wanted}
        # user id -> journeys they are in (band or None when not active)
        self.user_journeys = defaultdict(list)

    def completions(self, completions):
        start, end = self.window
        for *_ids, day in completions:
            if day >= self.engagement_from:
                self.completions_by_week[week_start(day)] += 1
            if start <= day <= end:
                self.completions_in_window += 1

    def journey(self, journey, template, state, members, last_meeting, pulse, opened, messages=0):
        today = self.today
        self.status[journey.status] += 1
        complete = state.is_complete or journey.status == JourneyStatus.COMPLETED
        self.complete += complete
        self.funnel_journeys[journey.template_id] += 1
        if journey.revision_id > self.latest_revision.get(journey.template_id, 0):
            self.latest_revision[journey.template_id] = journey.revision_id
        funnel = self.funnel[journey.template_id]
        start, end = self.window
        overdue = 0
        done_ids = set()
        reached_ids = set()
        for status in state.milestones:
            if status.state in engine.EXCLUDED:
                continue
            counts = funnel[status.id]
            counts[0] += 1
            if status.state is engine.MilestoneState.DONE:
                counts[1] += 1
                done_ids.add(status.id)
                if status.done_on is not None and start <= status.done_on <= end:
                    self.milestones_in_window += 1
            elif status.state is engine.MilestoneState.OVERDUE:
                overdue = max(overdue, (today - status.due_on).days)
            if status.state is not engine.MilestoneState.LOCKED:
                reached_ids.add(status.id)
        self.funnel_patterns[journey.template_id][funnel_pattern(state)] += 1
        for key, milestone_id in template.keyed.items():
            status = state.milestones[state.positions[milestone_id]]
            if status.state not in engine.EXCLUDED:
                self.keys[key][0] += 1
                self.keys[key][1] += status.state is engine.MilestoneState.DONE

        reached_pages = set()
        completed_pages = set()
        for milestone_id, step_id, _kind, page_id in template.content_steps:
            if milestone_id not in reached_ids:
                continue
            reached_pages.add(page_id)
            status = state.milestones[state.positions[milestone_id]]
            if status.steps_done.get(step_id):
                completed_pages.add(page_id)
            done = milestone_id in done_ids
            if page_id in opened:
                self.opened_reached[page_id] += 1
                self.opened_done[page_id] += done
            else:
                self.unopened_reached[page_id] += 1
                self.unopened_done[page_id] += done
        for page_id in reached_pages:
            self.reached[page_id] += 1
            self.opened[page_id] += page_id in opened
        for page_id in completed_pages:
            self.completed[page_id] += 1

        band = None
        if journey.status == JourneyStatus.ACTIVE:
            # The score counts a journey that has not met yet from its start, so one
            # started long ago and never met still falls; its row says it has not met.
            since_meeting = None if last_meeting is None else max((today - last_meeting).days, 0)
            since_meeting_or_start = max((today - (last_meeting or journey.started_on)).days, 0)
            result = health(
                HealthInput(
                    overdue_days=overdue,
                    days_since_meeting=since_meeting_or_start,
                    days_since_activity=state.days_since_activity,
                    average_pulse=float(pulse) if pulse is not None else None,
                )
            )
            band = result.band
            self.bands[band] += 1
            self.health_rows.append(
                HealthRow(
                    journey_id=journey.pk,
                    template=template.snapshot.page.title,
                    started_on=journey.started_on,
                    score=result.score,
                    band=band,
                    overdue_days=overdue,
                    days_since_meeting=since_meeting,
                    days_since_activity=state.days_since_activity,
                    average_pulse=round(float(pulse), 1) if pulse is not None else None,
                    members=tuple((m.user_id, m.role) for m in members),
                    messages_last_7_days=messages,
                )
            )
        for member in members:
            self.user_journeys[member.user_id].append((journey.pk, band))

    def funnels(self, templates) -> tuple[Funnel, ...]:
        funnels = []
        for template_id, counts in self.funnel.items():
            latest = templates[self.latest_revision[template_id]].snapshot
            order = [m.id for m in latest.milestones]
            order += [mid for mid in counts if mid not in order]
            titles = {}
            for template in templates.values():
                if template.snapshot.page.pk == template_id:
                    for m in template.snapshot.milestones:
                        titles.setdefault(m.id, m.title)
            titles.update({m.id: m.title for m in latest.milestones})
            order = [mid for mid in order if mid in counts]
            past = journeys_past(order, self.funnel_patterns[template_id])
            funnels.append(
                Funnel(
                    template_id=template_id,
                    title=latest.page.title,
                    journeys=self.funnel_journeys[template_id],
                    steps=tuple(
                        FunnelStep(mid, titles.get(mid, ""), *counts[mid], past=n)
                        for mid, n in zip(order, past, strict=True)
                    ),
                )
            )
        return tuple(sorted(funnels, key=lambda f: (-f.journeys, f.title)))


def funnel_pattern(state) -> tuple[frozenset[str], frozenset[str]]:
    """A journey's milestones that belong to it, and those of them that are done."""
    belong = frozenset(s.id for s in state.milestones if s.state not in engine.EXCLUDED)
    done = frozenset(s.id for s in state.milestones if s.state is engine.MilestoneState.DONE)
    return belong, done


def journeys_past(order, patterns) -> list[int]:
    """For each milestone of ``order``, the journeys that are past it.

    ``patterns`` counts journeys by ``funnel_pattern``. A journey is past a
    milestone when every milestone up to and including it in ``order`` that
    belongs to the journey is done; one that does not belong to it stands in
    nobody's way. Being past a milestone means being past every one before
    it, so no count is larger than the one before: a true funnel.
    """
    past = [0] * len(order)
    for (belong, done), journeys in patterns.items():
        for position, milestone_id in enumerate(order):
            if milestone_id in belong and milestone_id not in done:
                break
            past[position] += journeys
    return past


# Turning totals into rows ----------------------------------------------------------------


def _enrolment_summary(data: EnrolmentData, today: date) -> EnrolmentSummary:
    statuses = Counter(r.status for r in data.rows)
    waiting = statuses[EnrolmentStatus.WAITING]
    matched = statuses[EnrolmentStatus.MATCHED]
    days = [
        (r.matched_on - r.enrolled_on).days
        for r in data.rows
        if r.status != EnrolmentStatus.WITHDRAWN and r.matched_on is not None
    ]
    first_week = week_start(today) - timedelta(weeks=ENROLMENT_WEEKS - 1)
    by_week = Counter(week_start(r.enrolled_on) for r in data.rows)
    to_date = sum(n for week, n in by_week.items() if week < first_week)
    weeks = []
    for n in range(ENROLMENT_WEEKS):
        week = first_week + timedelta(weeks=n)
        to_date += by_week[week]
        weeks.append((week, by_week[week], to_date))
    return EnrolmentSummary(
        total=len(data.rows),
        waiting=waiting,
        matched=matched,
        withdrawn=statuses[EnrolmentStatus.WITHDRAWN],
        matched_share=100 * matched / (waiting + matched) if waiting + matched else None,
        median_days_to_match=median(days),
        mean_days_to_match=sum(days) / len(days) if days else None,
        matched_with_dates=len(days),
        weeks=tuple(weeks),
    )


def _raters(raters, milestone_ids) -> int:
    """How many different people rated any of ``milestone_ids``."""
    return len(set().union(*(raters.get(mid, ()) for mid in milestone_ids)))


def _content_rows(tally: _Tally, templates, pages, people, milestone_pulse, raters):
    """One row per material or story the program's templates show, most reached first."""
    shown_in = defaultdict(dict)
    milestones_of = defaultdict(set)
    for template in templates.values():
        titles = {m.id: m.title for m in template.snapshot.milestones}
        for milestone_id, _step_id, _kind, page_id in template.content_steps:
            milestones_of[page_id].add(milestone_id)
            shown_in[page_id].setdefault(titles.get(milestone_id, ""), None)
    rows = []
    for page_id, milestone_ids in milestones_of.items():
        if page_id not in pages:
            continue  # deleted since the template was published
        title, kind, _topics = pages[page_id]
        total = sum(milestone_pulse.get(mid, (0, 0))[0] for mid in milestone_ids)
        count = sum(milestone_pulse.get(mid, (0, 0))[1] for mid in milestone_ids)
        rows.append(
            ContentRow(
                page_id=page_id,
                title=title,
                kind=kind,
                shown_in=tuple(shown_in[page_id]),
                reached=tally.reached[page_id],
                opened=tally.opened[page_id],
                people=people.get(page_id, 0),
                completed=tally.completed[page_id],
                pulse=total / count if count else None,
                pulse_count=count,
                raters=_raters(raters, milestone_ids),
                opened_reached=tally.opened_reached[page_id],
                opened_done=tally.opened_done[page_id],
                unopened_reached=tally.unopened_reached[page_id],
                unopened_done=tally.unopened_done[page_id],
            )
        )
    return tuple(sorted(rows, key=lambda r: (-r.reached, r.title.lower(), r.page_id)))


def withheld_ratings(figures, raters) -> set:
    """Which ratings a sponsor may not read, so that none gives away fewer than
    ``MIN_GROUP`` people's ratings, alone or by subtraction from the others.

    ``figures`` maps a key to the milestones a rating averages (a material's or
    story's, a topic's); ``raters`` maps a rated milestone to who rated it. Each
    rating shown is the sum and count of its milestones' ratings, so a sponsor
    can add and subtract them: the topic's less a material's on one of its
    milestones is the ratings of the others. What they can work out is never
    finer than a *cell*, the rated milestones in exactly the same ratings shown.
    So a rating that fewer than ``MIN_GROUP`` people gave is withheld, and then,
    while some cell was rated by fewer than ``MIN_GROUP`` people, the rating
    with the fewest raters among those that share a milestone with the ratings
    over that cell is withheld too (complementary suppression), until every
    cell was rated by at least ``MIN_GROUP`` people.
    """
    atoms = {key: {m for m in milestones if raters.get(m)} for key, milestones in figures.items()}

    def people(milestones) -> int:
        return len(set().union(*(raters[m] for m in milestones)))

    def smallest(keys):
        return min(keys, key=lambda key: (people(atoms[key]), len(atoms[key]), str(key)))

    withheld = {key for key, milestones in atoms.items() if people(milestones) < MIN_GROUP}
    while True:
        shown = [key for key in atoms if key not in withheld]
        cells = defaultdict(set)
        for milestone in set().union(*(atoms[key] for key in shown)):
            cells[frozenset(key for key in shown if milestone in atoms[key])].add(milestone)
        small = next(
            (cell for cell, ms in cells.items() if people(ms) < MIN_GROUP),
            None,
        )
        if small is None:
            return withheld
        around = set().union(*(atoms[key] for key in small))
        withheld.add(smallest([key for key in shown if atoms[key] & around]))


def _withhold_ratings(content, rows, objectives, templates, pages, raters):
    """The content and objective ``rows``, each rating a sponsor may not read marked withheld.

    ``objectives`` are the program's, one for each of ``rows``.
    """
    figures = {}
    for row in content:
        if row.pulse is not None:
            figures[("content", row.page_id)] = _page_milestones(row.page_id, templates)
    for position, (row, objective) in enumerate(zip(rows, objectives, strict=True)):
        if row.measure == Measure.TOPIC_PULSE and row.actual is not None:
            topic = objective.value.get("topic")
            figures[("objective", position)] = _topic_milestones(topic.pk, templates, pages)
    withheld = withheld_ratings(figures, raters)
    return (
        tuple(
            replace(row, withheld=True) if ("content", row.page_id) in withheld else row
            for row in content
        ),
        tuple(
            replace(row, withheld=True) if ("objective", position) in withheld else row
            for position, row in enumerate(rows)
        ),
    )


def _page_milestones(page_id: int, templates) -> set[str]:
    """The milestones that show a page."""
    return {
        milestone_id
        for template in templates.values()
        for milestone_id, _step_id, _kind, shown in template.content_steps
        if shown == page_id
    }


def _objective_rows(
    objectives, tally, templates, pages, milestone_pulse, raters, goals, goal_setters, enrolment
) -> tuple[ObjectiveRow, ...]:
    rows = []
    for objective in objectives:
        value = objective.value
        measure = value.get("measure") or ""
        target = value.get("target")
        actual = None
        basis = 0
        people = None
        detail = ""
        key_found = topic_found = True
        if measure == Measure.MILESTONE:
            detail = slugify(value.get("milestone_key") or "")
            included, done = tally.keys.get(detail, (0, 0))
            actual, basis = (100 * done / included if included else None), included
            key_found = not templates or any(detail in t.keyed for t in templates.values())
        elif measure == Measure.TOPIC_PULSE:
            topic = value.get("topic")
            # The form asks for a topic, so one that is missing was deleted since.
            topic_found = topic is not None
            detail = topic.name if topic is not None else ""
            milestone_ids = _topic_milestones(topic.pk, templates, pages) if topic else set()
            total = sum(milestone_pulse.get(mid, (0, 0))[0] for mid in milestone_ids)
            basis = sum(milestone_pulse.get(mid, (0, 0))[1] for mid in milestone_ids)
            actual = total / basis if basis else None
            people = _raters(raters, milestone_ids)
        elif measure == Measure.GOALS:
            basis = sum(goals.values())
            people = goal_setters
            achieved = goals.get(GoalStatus.ACHIEVED, 0)
            actual = 100 * achieved / basis if basis else None
        elif measure == Measure.MATCHED:
            if enrolment is not None:
                basis = enrolment.waiting + enrolment.matched
                actual = enrolment.matched_share
        elif measure == Measure.COMPLETED:
            basis = sum(tally.status.values())
            actual = 100 * tally.complete / basis if basis else None
        rows.append(
            ObjectiveRow(
                title=value.get("title") or "",
                measure=measure,
                detail=detail,
                actual=actual,
                target=target if measure else None,
                basis=basis,
                people=people,
                key_found=key_found,
                topic_found=topic_found,
            )
        )
    return tuple(rows)


def _topic_milestones(topic_id: int, templates, pages) -> set[str]:
    """Milestones on the topic's track, or showing a page tagged with the topic."""
    ids = set()
    track = str(topic_id)
    for template in templates.values():
        for spec in template.snapshot.prepared.milestones:
            if spec.track == track:
                ids.add(spec.id)
        for milestone_id, page_ids in template.pages_by_milestone.items():
            if any(topic_id in pages.get(pk, ("", "", frozenset()))[2] for pk in page_ids):
                ids.add(milestone_id)
    return ids


def _attribute_rows(data: EnrolmentData, tally: _Tally) -> tuple[AttributeRow, ...]:
    members = defaultdict(list)
    for row in data.rows:
        if row.status == EnrolmentStatus.WITHDRAWN:
            continue
        for position in row.attributes:
            members[position].append(row)
    rows = []
    for position, label in enumerate(data.attribute_labels):
        group = members[position]
        if len(group) < MIN_GROUP:
            rows.append(AttributeRow(label=label, people=len(group), hidden=True))
            continue
        matched = sum(1 for r in group if r.status == EnrolmentStatus.MATCHED)
        days = [(r.matched_on - r.enrolled_on).days for r in group if r.matched_on is not None]
        journeys = {}
        for r in group:
            for journey_id, band in tally.user_journeys.get(r.user_id, ()):
                journeys[journey_id] = band
        active = [band for band in journeys.values() if band is not None]
        health_hidden = len(active) < MIN_GROUP
        rows.append(
            AttributeRow(
                label=label,
                people=len(group),
                hidden=False,
                matched_share=100 * matched / len(group),
                median_days_to_match=median(days),
                journeys=len(journeys),
                active=len(active),
                health_hidden=health_hidden,
                at_risk_share=None
                if health_hidden
                else 100 * sum(1 for b in active if b == AT_RISK) / len(active),
                on_track_share=None
                if health_hidden
                else 100 * sum(1 for b in active if b == "on_track") / len(active),
            )
        )
    return tuple(rows)
