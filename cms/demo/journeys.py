"""Seed the demo's program, its two journey templates and 22 journeys under way.

The journeys come from approved matching runs (``cms.demo.matching``), then their
people walk them.

Why it works the way it does:

* Everything participants did goes through the same services the participant
  pages use (``approve_proposals``, ``complete_step``, ``save_reflection``,
  ``log_meeting``, ``set_goal``, ``update_goal``, ``record_pulse``), each on the
  day it stands for: the services take ``today``, so a step is only ever done
  while its milestone was open, exactly as it would be in real use. Times the
  services stamp from the clock are then moved back to that day.
* Journeys start a fixed number of days before the seed day, so whichever day
  the demo is seeded on, every milestone state shows somewhere: locked, open,
  due soon, overdue, done and not in this journey's track. Each plan's pace
  (how far into a milestone's window its people act) and the day it went quiet
  decide how far it got; ``rng`` only jitters days by a little, chooses words
  from the pools and who is paired with whom.
* Whoever does a milestone opened its materials that day, and about half of
  those who let an open milestone lapse opened them without finishing, so the
  insights' content use can compare the two (``_open_materials``).
* Block ids come from ``rng`` as well, so the same seed gives the same template.
* The demo pair has their next meeting planned on the site (``_plan_next_meeting``):
  the mentor offered the next two Tuesdays at 2pm and the mentee took the
  first, so the journey page shows an agreed meeting and the outbox holds both
  calendar invitations.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from wagtail.models import Page

from insights.tracking import record_views
from journeys.blocks import StepKind
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import (
    Goal,
    GoalStatus,
    Journey,
    JourneyStatus,
    Meeting,
    MemberRole,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from journeys.services import meetings
from journeys.services.progress import (
    complete_step,
    log_meeting,
    record_pulse,
    save_reflection,
    set_goal,
    update_goal,
)
from journeys.services.state import journey_state, journey_states
from journeys.services.templates import clear_cache

from . import program as prose
from .matching import WAITING, match_cohort

# The templates look as if they were published this long before the oldest journey began.
TEMPLATES_PUBLISHED_BEFORE = timedelta(days=30)
PULSE_SCORES = (3, 4, 4, 4, 5, 5)
# The share of people who let an open milestone lapse but had opened its materials.
OPENED_NOT_DONE = 0.5


@dataclass(frozen=True)
class JourneyPlan:
    """One journey of the demo, and how its people have walked it so far.

    ``pace`` is how far into each milestone's due window its people act: 0.3 is
    early, 1.0 on the due day, above 1 late. After ``quiet_after`` days from the
    start nobody does anything more, which is what leaves milestones overdue.
    """

    started_days_ago: int
    pace: float
    quiet_after: int | None = None
    tracks: tuple[str, ...] = ()
    circle: bool = False
    demo_pair: bool = False
    demo_mentor_hosts: bool = False


PLANS = (
    # Pairs, oldest first; the pair journey takes 182 days.
    JourneyPlan(205, 0.3, tracks=("moving-across-functions",)),
    JourneyPlan(176, 1.2, tracks=("moving-across-functions",)),
    JourneyPlan(166, 0.5),
    JourneyPlan(136, 0.6, tracks=("moving-across-functions",)),
    JourneyPlan(130, 0.5, quiet_after=62),
    JourneyPlan(112, 0.5, tracks=("network-data",)),
    JourneyPlan(101, 1.1),
    JourneyPlan(96, 0.6, quiet_after=45),
    JourneyPlan(90, 0.7),
    JourneyPlan(86, 0.85, tracks=prose.DEMO_PAIR_TRACKS, demo_pair=True),
    JourneyPlan(80, 0.8, tracks=("moving-across-functions",)),
    JourneyPlan(68, 1.0),
    JourneyPlan(61, 0.5),
    JourneyPlan(50, 1.0, quiet_after=20),
    JourneyPlan(41, 0.7, tracks=("moving-across-functions",)),
    JourneyPlan(33, 1.0),
    JourneyPlan(25, 0.6),
    JourneyPlan(18, 1.3),
    JourneyPlan(12, 0.9),
    JourneyPlan(4, 0.5),
    # Circles: a mentor and three members; the circle journey takes 98 days.
    JourneyPlan(47, 0.6, circle=True),
    JourneyPlan(20, 0.8, circle=True, demo_mentor_hosts=True),
)
CIRCLE_MEMBERS = 3
# Some mentors have two mentees; the pairs' mentors are drawn from this many people.
PAIR_MENTORS = 14


def participants_needed() -> int:
    """How many people, besides the demo logins, the plans need."""
    pairs = sum(1 for plan in PLANS if not plan.circle and not plan.demo_pair)
    circles = [plan for plan in PLANS if plan.circle]
    circle_people = sum(CIRCLE_MEMBERS + (0 if plan.demo_mentor_hosts else 1) for plan in circles)
    return min(pairs, PAIR_MENTORS) + pairs + circle_people + WAITING


def seed_program(home, topics, *, sponsor, users, participants, rng, now, backdate):
    """Create the program and its journeys; return the program page.

    ``participants`` are the people the plans need (``participants_needed``),
    in the order ``rng`` shuffled them; ``backdate(page, when)`` makes a page
    look published at ``when``.
    """
    clear_cache()  # revision ids can repeat after a rollback; never trust an old snapshot
    today = timezone.localdate(now)
    oldest = today - timedelta(days=max(plan.started_days_ago for plan in PLANS))
    pages = {page.slug: page for page in Page.objects.descendant_of(home).live()}

    program = ProgramPageFactory(
        parent=home,
        owner=users["programs"],
        title=prose.PROGRAM_TITLE,
        slug=prose.PROGRAM_SLUG,
        summary=prose.PROGRAM_SUMMARY,
        intro=prose.PROGRAM_INTRO,
        objectives=[_objective(objective, topics) for objective in prose.OBJECTIVES],
        sponsor=sponsor,
        cohort_start=oldest,
        cohort_end=oldest + timedelta(days=364),
        enrolment_open=True,
        remind_days_before_due=3,
        nudge_after_inactive_days=21,
    )
    pair_journey = _create_template(prose.PAIR_JOURNEY, program, pages, topics, users, rng)
    circle_journey = _create_template(prose.CIRCLE_JOURNEY, program, pages, topics, users, rng)
    program.default_pair_journey = pair_journey
    program.default_circle_journey = circle_journey
    # Its admin is the demo's program admin; its sponsor leader's account sponsors it.
    program.admin_users.add(users["programs"])
    program.save_revision(user=users["programs"]).publish()

    published = _at(oldest, 10) - TEMPLATES_PUBLISHED_BEFORE
    for page in (program, pair_journey, circle_journey):
        backdate(page, published)

    journeys = _start_journeys(program, topics, users, participants, today, rng)
    for journey, plan in journeys:
        _walk(journey, plan, rng, today)
    _mark_finished(journeys, today)
    _plan_next_meeting(journeys, now)
    return program


def _objective(objective, topics):
    """An objective block's raw value, its topic slug resolved to the seeded topic."""
    return {
        "type": "objective",
        "value": {
            "title": objective.title,
            "description": objective.description,
            "measure": objective.measure,
            "milestone_key": objective.milestone_key,
            "topic": topics[objective.topic].pk if objective.topic else None,
            "target": objective.target,
        },
    }


def _create_template(definition, program, pages, topics, users, rng):
    """Publish a journey template, its slugs resolved to the seeded pages and topics."""

    def block_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def step_value(kind, value):
        if kind == StepKind.READ:
            return {**value, "page": pages[value["page"]].pk}
        if kind == StepKind.MEET:
            return {**value, "discussion_guide": pages[value["discussion_guide"]].pk}
        return value

    blocks = [
        milestone(
            m.title,
            m.key,
            [step(kind, step_value(kind, value), block_id=block_id()) for kind, value in m.steps],
            opens=m.opens,
            due=m.due,
            audience=m.audience,
            prerequisites=", ".join(m.prerequisites),
            track=topics[m.track].pk if m.track else None,
            intro=m.intro,
            block_id=block_id(),
        )
        for m in definition.milestones
    ]
    return JourneyPageFactory(
        parent=program,
        owner=users["editor"],
        title=definition.title,
        slug=definition.slug,
        summary=definition.summary,
        intro=definition.intro,
        milestones=blocks,
    )


def _start_journeys(program, topics, users, participants, today, rng):
    """Enrol everyone and start the journeys from approved matching runs."""
    journeys = match_cohort(
        program,
        topics,
        users,
        participants,
        list(PLANS),
        rng=rng,
        today=today,
        circle_members=CIRCLE_MEMBERS,
        pair_mentors=PAIR_MENTORS,
    )
    for journey, _plan in journeys:
        started_on = journey.started_on
        Journey.objects.filter(pk=journey.pk).update(
            created_at=_at(started_on, 9), updated_at=_at(started_on, 9)
        )
    return journeys


def _walk(journey, plan, rng, today):
    """Do, day by day, what the plan says this journey's people have done so far."""
    loaded = journey_state(journey, today)
    members = loaded.members
    started_on = journey.started_on
    last_day = today
    if plan.quiet_after is not None:
        last_day = min(today, started_on + timedelta(days=plan.quiet_after))
    track_ids = {str(pk) for pk in journey.tracks.values_list("pk", flat=True)}
    done_on: dict[str, date | None] = {}
    for content, spec in zip(
        loaded.snapshot.milestones, loaded.snapshot.prepared.milestones, strict=True
    ):
        audience = [m for m in members if spec.audience in _audiences(m.role)]
        if (spec.track is not None and spec.track not in track_ids) or not audience:
            continue
        waited_for = [done_on.get(p) for p in spec.prerequisites]
        if None in waited_for:
            done_on[spec.id] = None
            continue
        opened = max([started_on + timedelta(days=spec.opens_after_days), *waited_for])
        delay = round(plan.pace * max(spec.due_after_days, 1))
        days = sorted(
            (opened + timedelta(days=delay + rng.randint(0, 3)), index, member)
            for index, member in enumerate(audience)
        )
        finished = []
        for position, (day, _index, member) in enumerate(days):
            if day > last_day:
                if opened <= last_day and rng.random() < OPENED_NOT_DONE:
                    looked = opened + timedelta(days=rng.randint(0, (last_day - opened).days))
                    stamp = _at(looked, rng.randint(7, 20), rng.choice((0, 15, 30, 45)))
                    _open_materials(journey, content, member, stamp)
                continue
            _do_milestone(journey, plan, content, member, day, first=position == 0, rng=rng)
            finished.append(day)
        done_on[spec.id] = max(finished) if len(finished) == len(audience) else None


def _audiences(role):
    return {"mentor": ("everyone", "mentors")}.get(role, ("everyone", "mentees"))


def _do_milestone(journey, plan, content, member, day, *, first, rng):
    """One member's part of a milestone, all on one day; shared steps fall to the first."""
    user = member.user
    role = "mentor" if member.role == MemberRole.MENTOR else "mentee"
    stamp = _at(day, rng.randint(7, 20), rng.choice((0, 15, 30, 45)))
    for item in content.steps:
        if item.kind in (StepKind.READ, StepKind.CHECKLIST):
            complete_step(journey, user, content.id, item.id, day)
        elif item.kind == StepKind.REFLECT:
            text, shared = _reflection(plan, content.key, role, rng)
            reflection = save_reflection(
                journey, user, content.id, item.id, text, shared, None, day, complete=True
            )
            Reflection.objects.filter(pk=reflection.pk).update(created_at=stamp, updated_at=stamp)
        elif item.kind == StepKind.MEET and first:
            notes, actions = _meeting(plan, content.key, rng)
            meeting = log_meeting(
                journey,
                user,
                held_on=day,
                duration_minutes=rng.choice((30, 45, 60, 60, 75)),
                notes=notes,
                agreed_actions=actions,
                today=day,
                milestone_id=content.id,
                step_id=item.id,
            )
            Meeting.objects.filter(pk=meeting.pk).update(created_at=stamp)
        elif item.kind == StepKind.SET_GOALS:
            for text in _goals(plan, role, rng):
                target = day + timedelta(days=rng.randrange(60, 150, 7))
                goal = set_goal(journey, user, text, target, day)
                Goal.objects.filter(pk=goal.pk).update(created_at=stamp, updated_at=stamp)
            if first:
                complete_step(journey, user, content.id, item.id, day)
        elif item.kind == StepKind.REVIEW_GOALS and first:
            for goal in Goal.objects.filter(
                journey=journey, status=GoalStatus.OPEN
            ).select_related("owner__user"):
                chance = 0.7 if content.key in prose.FINAL_REVIEWS else 0.25
                outcome = rng.random()
                if outcome < chance:
                    update_goal(goal, goal.owner.user, GoalStatus.ACHIEVED, day)
                elif outcome > 0.95:
                    update_goal(goal, goal.owner.user, GoalStatus.DROPPED, day)
            complete_step(journey, user, content.id, item.id, day)
        elif item.kind == StepKind.PULSE and rng.random() < 0.8:
            record_pulse(journey, user, content.id, item.id, rng.choice(PULSE_SCORES), day)
            PulseResponse.objects.filter(journey=journey, step_id=item.id, member=member).update(
                created_at=stamp
            )
    StepCompletion.objects.filter(journey=journey, milestone_id=content.id, member=member).update(
        completed_at=stamp
    )
    _open_materials(journey, content, member, stamp)


def _open_materials(journey, content, member, when):
    """Record that ``member`` opened the milestone's page at ``when``.

    The participant view counts everything the milestone page shows as opened:
    its read steps' materials and stories and its meet steps' discussion guides.
    """
    page_ids = []
    for item in content.steps:
        if item.kind == StepKind.READ:
            page_ids.append(item.value["page"].pk)
        elif item.kind == StepKind.MEET and item.value.get("discussion_guide") is not None:
            page_ids.append(item.value["discussion_guide"].pk)
    record_views(journey.pk, member.user_id, page_ids, at=when)


def _reflection(plan, key, role, rng):
    if plan.demo_pair and (key, role) in prose.DEMO_PAIR_REFLECTIONS:
        return prose.DEMO_PAIR_REFLECTIONS[key, role]
    pools = prose.REFLECTIONS[key]
    pool = pools.get(role) or next(iter(pools.values()))
    return rng.choice(pool), rng.random() < 0.4


def _meeting(plan, key, rng):
    if plan.demo_pair and key in prose.DEMO_PAIR_MEETINGS:
        return prose.DEMO_PAIR_MEETINGS[key]
    return rng.choice(prose.MEETING_NOTES[key])


def _goals(plan, role, rng):
    """The goals a member sets: mentees and circle members set theirs, mentors none."""
    if role == "mentor":
        return ()
    if plan.demo_pair:
        return prose.DEMO_PAIR_GOALS
    return rng.sample(prose.GOALS, rng.randint(1, 2))


def _mark_finished(journeys, today):
    """A journey whose every milestone is done is marked completed, as staff would."""
    finished = [
        loaded.journey.pk
        for loaded in journey_states([journey for journey, _plan in journeys], today)
        if loaded.state.is_complete
    ]
    Journey.objects.filter(pk__in=finished).update(status=JourneyStatus.COMPLETED)


def _plan_next_meeting(journeys, now):
    """The demo pair's next meeting: two Tuesdays offered by the mentor, the first accepted."""
    journey = next(journey for journey, plan in journeys if plan.demo_pair)
    members = {m.role: m.user for m in journey.memberships.filter(left_on__isnull=True)}
    today = timezone.localdate(now)
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    times = [_at(tuesday, 14), _at(tuesday + timedelta(days=7), 14)]
    details = prose.DEMO_PAIR_NEXT_MEETING
    plan = meetings.propose(
        journey,
        members[MemberRole.MENTOR],
        options=times,
        duration_minutes=details["minutes"],
        place=details["place"],
        video_link="",
        agenda=details["agenda"],
        now=now,
    )
    meetings.accept(plan, members[MemberRole.MENTEE], times[0], now)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
