"""The figures behind the dashboard, worked out from a program with known journeys."""

import itertools
from collections import Counter

import pytest
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.compute import (
    compute_insights,
    funnel_pattern,
    journeys_past,
    withheld_ratings,
)
from insights.health import AT_RISK, NEEDS_ATTENTION, ON_TRACK, HealthInput, health
from journeys import engine
from journeys.models import Measure
from journeys.services.templates import clear_cache
from tests.journeys import test_engine as engine_cases

from .helpers import bulk_journeys


@pytest.fixture
def insights(scene, program, today):
    return compute_insights(program, today).insights


def test_journeys_are_counted_by_status_and_by_whether_every_milestone_is_done(insights):
    assert insights.status_counts == {"active": 8, "paused": 0, "completed": 0, "closed": 0}
    assert insights.complete_journeys == 2  # "thriving" (off the track) and "steady"


def test_the_funnel_gives_each_milestone_the_share_of_its_journeys_that_are_past_it(insights):
    (funnel,) = insights.funnels
    steps = {s.title: (s.journeys, s.done) for s in funnel.steps}

    assert steps == {
        "Getting started": (8, 7),
        "First conversation": (8, 2),
        # On the feedback track: only the journey on that track has it.
        "Feedback practice": (1, 1),
    }
    assert funnel.steps[0].title == "Getting started"


def test_the_funnel_counts_journeys_past_each_milestone_and_every_one_before_it(insights):
    (funnel,) = insights.funnels

    # The share done rises at "Feedback practice" (1 of 1); the journeys past it do not:
    # "thriving" is past it without it (not on its track), "steady" did it.
    assert [(s.title, s.past) for s in funnel.steps] == [
        ("Getting started", 7),
        ("First conversation", 2),
        ("Feedback practice", 2),
    ]
    assert funnel.journeys == 8


def test_a_milestone_that_belongs_to_nobody_before_it_stands_in_nobodys_way():
    patterns = Counter(
        {
            (frozenset({"a", "b"}), frozenset({"a", "b"})): 2,
            (frozenset({"a", "b"}), frozenset({"b"})): 3,  # did b, never a: stops at a
            (frozenset({"b"}), frozenset({"b"})): 1,  # a is not on its track
            (frozenset(), frozenset()): 1,  # nothing belongs to it
        }
    )

    assert journeys_past(["a", "b"], patterns) == [4, 4]
    assert journeys_past(["b", "a"], patterns) == [7, 4]


FUNNEL_PROPERTIES = settings(max_examples=150, deadline=None)
milestone_ids = st.lists(
    st.sampled_from([f"m{n}" for n in range(8)]), unique=True, min_size=1, max_size=8
)


@st.composite
def patterns(draw):
    """Journeys as (milestones that belong, milestones done), done ⊆ belong, with counts."""
    ids = [f"m{n}" for n in range(8)]
    found = Counter()
    for _ in range(draw(st.integers(0, 12))):
        belong = frozenset(draw(st.lists(st.sampled_from(ids), unique=True)))
        done = frozenset(m for m in belong if draw(st.booleans()))
        found[(belong, done)] += draw(st.integers(1, 50))
    return found


@FUNNEL_PROPERTIES
@given(milestone_ids, patterns())
def test_the_funnel_never_rises_and_never_counts_more_journeys_than_follow_it(order, found):
    past = journeys_past(order, found)

    assert all(later <= earlier for earlier, later in itertools.pairwise(past))
    assert all(0 <= n <= sum(found.values()) for n in past)
    for position in range(len(order)):
        # Past a milestone: it and every earlier one are done or do not belong.
        expected = sum(
            n
            for (belong, done), n in found.items()
            if all(m not in belong or m in done for m in order[: position + 1])
        )
        assert past[position] == expected


@FUNNEL_PROPERTIES
@given(st.lists(engine_cases.journeys(), max_size=8), engine_cases.days)
def test_the_funnel_of_journeys_the_engine_worked_out_never_rises(the_journeys, today):
    found = Counter(funnel_pattern(engine.compute(j, today)) for j in the_journeys)
    order = [f"m{n}" for n in range(8)]

    past = journeys_past(order, found)

    assert all(later <= earlier for earlier, later in itertools.pairwise(past))
    for position, milestone_id in enumerate(order):
        # Nobody is past a milestone that belongs to them and is not done.
        stuck = sum(n for (belong, done), n in found.items() if milestone_id in belong - done)
        assert past[position] <= len(the_journeys) - stuck


def test_health_puts_each_active_journey_in_a_band(insights, scene):
    by_journey = {row.journey_id: row for band in insights.health_samples.values() for row in band}

    def band(name):
        return by_journey[scene[name][0].pk].band

    assert insights.health_counts == {ON_TRACK: 2, NEEDS_ATTENTION: 4, AT_RISK: 2}
    assert band("thriving") == band("steady") == ON_TRACK
    assert band("stalled") == band("slow") == AT_RISK
    assert by_journey[scene["thriving"][0].pk].score == 100
    assert by_journey[scene["stalled"][0].pk].score == 0
    assert by_journey[scene["slow"][0].pk].overdue_days == 42


def test_content_use_counts_journeys_that_reached_opened_and_completed_each_page(
    insights, content
):
    rows = {row.page_id: row for row in insights.content}
    listening = rows[content["listening"].pk]
    story = rows[content["story"].pk]
    guide = rows[content["guide"].pk]

    assert (listening.reached, listening.opened, listening.completed) == (8, 7, 7)
    assert listening.people == 14
    assert listening.kind == "material" and story.kind == "story"
    # The story shows on the second milestone, locked for the stalled journey.
    assert (story.reached, story.opened, story.completed) == (7, 2, 2)
    assert (guide.reached, guide.completed) == (7, 2)
    assert story.shown_in == ("First conversation",)


def test_content_use_compares_milestone_completion_with_and_without_opening(insights, content):
    listening = {row.page_id: row for row in insights.content}[content["listening"].pk]

    assert (listening.opened_reached, listening.opened_done) == (7, 7)
    assert (listening.unopened_reached, listening.unopened_done) == (1, 0)
    assert listening.done_when_opened == 100
    assert listening.done_when_not_opened == 0
    assert listening.difference == 100


def test_content_pulse_is_the_average_rating_on_the_milestones_that_show_it(insights, content):
    rows = {row.page_id: row for row in insights.content}

    # Getting started: thriving 5+5, steady 4+4, slow 2+2, four pairs 4+4.
    assert rows[content["listening"].pk].pulse == pytest.approx(54 / 14)
    assert rows[content["listening"].pk].pulse_count == 14
    assert rows[content["story"].pk].pulse == pytest.approx(4.5)


def test_objectives_report_actual_against_target_for_each_measure(insights):
    rows = {row.title: row for row in insights.objectives}

    assert rows["Pairs meet early"].actual == pytest.approx(87.5)
    assert rows["Pairs meet early"].met is True
    # Milestones on the feedback track, or showing a page tagged with it.
    assert rows["Feedback lands"].actual == pytest.approx(62 / 16)
    assert rows["Feedback lands"].met is False
    assert rows["Goals are reached"].actual == 100
    assert rows["Nobody waits"].actual == pytest.approx(100 * 16 / 19)
    assert rows["Journeys finish"].actual == 25
    assert rows["Journeys finish"].met is None  # no target
    assert rows["People feel they belong"].measure == ""
    assert rows["People feel they belong"].actual is None
    assert rows["Feedback lands"].measure == Measure.TOPIC_PULSE


def test_enrolment_gives_matched_share_and_days_to_match(insights):
    enrolment = insights.enrolment

    assert (enrolment.total, enrolment.waiting, enrolment.matched) == (19, 3, 16)
    assert enrolment.matched_share == pytest.approx(100 * 16 / 19)
    assert enrolment.median_days_to_match == 10
    assert enrolment.weeks[-1][2] == 19  # enrolled to date


def test_the_week_counts_the_seven_days_before_today(insights):
    week = insights.week

    # The thriving pair did its second milestone four days ago: two reads, the
    # meeting (one completion for the pair) and two ratings.
    assert week.steps_completed == 5
    assert week.milestones_done == 1
    assert week.meetings == 1
    assert week.journeys_started == 0
    assert week.enrolled == 0  # the waiting three enrolled today


def test_computing_insights_costs_the_same_queries_for_3_or_30_journeys(
    program, template, today, django_assert_max_num_queries, home
):
    from journeys.factories import ProgramPageFactory

    small = program
    large = ProgramPageFactory(parent=home, title="Large", objectives=small.objectives.raw_data)
    bulk_journeys(small, template, 3, today, prefix="small")
    bulk_journeys(large, template, 30, today, prefix="large")

    counts = []
    for chosen in (small, large):
        clear_cache()
        cache.clear()
        with django_assert_max_num_queries(40) as captured:
            computed = compute_insights(chosen, today)
        counts.append(len(captured.captured_queries))
        assert computed.insights.journeys_total in (3, 30)

    assert counts[0] == counts[1]


def test_planned_meetings_are_counted_and_an_agreed_one_counts_as_activity(scene, program, today):
    import datetime

    from django.utils import timezone

    from journeys.models import PlannedMeeting

    journey, _people = scene["stalled"]
    member = journey.memberships.first()
    now = timezone.now()

    def plan(status, offset_days):
        moment = now + datetime.timedelta(days=offset_days)
        PlannedMeeting.objects.create(
            journey=journey,
            proposer=member,
            options_by=member,
            option_1=moment,
            status=status,
            starts_at=None if status in ("proposed",) else moment,
            ends_at=None if status in ("proposed",) else moment + datetime.timedelta(hours=1),
            place="Room 4",
        )

    before = compute_insights(program, today).insights
    stalled = {r.journey_id: r for rows in before.health_samples.values() for r in rows}
    assert stalled[journey.pk].days_since_activity == 90
    assert before.planned_meetings == dict.fromkeys(
        ("to_come", "held", "not_held", "waiting", "cancelled"), 0
    )

    plan("accepted", 5)
    plan("accepted", -3)  # its day passed and nobody said whether they met
    plan("held", -10)
    plan("not_held", -6)
    plan("proposed", 4)
    plan("cancelled", 2)
    clear_cache()
    cache.clear()
    after = compute_insights(program, today).insights

    assert after.planned_meetings == {
        "to_come": 1,
        "held": 1,
        "not_held": 2,
        "waiting": 1,
        "cancelled": 1,
    }
    rows = {r.journey_id: r for rows in after.health_samples.values() for r in rows}
    assert rows[journey.pk].days_since_activity == 0


def test_a_journey_that_has_not_met_yet_has_no_days_since_a_meeting(insights, scene):
    rows = {row.journey_id: row for band in insights.health_samples.values() for row in band}

    # Each pair met two days after its second milestone opened (day 14), if it got there.
    assert rows[scene["thriving"][0].pk].days_since_meeting == 20 - 16
    assert rows[scene["steady"][0].pk].days_since_meeting == 40 - 16
    for name in ("stalled", "slow", "more0", "more1", "more2", "more3"):
        assert rows[scene[name][0].pk].days_since_meeting is None


def test_a_journey_started_today_that_has_not_met_says_so_rather_than_0_days(
    scene, program, today, start_pair
):
    journey, _people = start_pair(days_ago=0, milestones=0)

    computed = compute_insights(program, today)

    (row,) = [r for r in computed.health_rows if r.journey_id == journey.pk]
    assert row.days_since_meeting is None


def test_a_journey_that_never_met_is_scored_from_its_start_as_before(insights, scene):
    rows = {row.journey_id: row for band in insights.health_samples.values() for row in band}
    slow = rows[scene["slow"][0].pk]  # started 70 days ago, never met

    def scored(days_since_meeting):
        return health(
            HealthInput(
                slow.overdue_days, days_since_meeting, slow.days_since_activity, slow.average_pulse
            )
        ).score

    assert slow.days_since_meeting is None
    assert slow.score == scored(70)
    assert slow.score != scored(0)  # not having met never reads as having just met
    assert slow.band == AT_RISK


# Ratings a sponsor may not read ------------------------------------------------------------


def people(*names):
    return set(names)


FIVE = people("a", "b", "c", "d", "e")


def cells(figures, raters, withheld):
    """The rated milestones grouped by the ratings shown that cover them."""
    found = {}
    for milestone, who in raters.items():
        signature = frozenset(
            key for key, ms in figures.items() if key not in withheld and milestone in ms
        )
        if who and signature:
            found.setdefault(signature, set()).update(who)
    return found


def test_a_rating_that_gives_away_a_small_group_by_subtraction_is_withheld_too():
    # The whole less the two parts is what one person gave on m3.
    figures = {"whole": {"m1", "m2", "m3"}, "first": {"m1"}, "second": {"m2"}}
    raters = {"m1": FIVE, "m2": people("f", "g", "h", "i", "j"), "m3": people("z")}

    withheld = withheld_ratings(figures, raters)

    assert len(withheld) == 1
    assert all(len(who) >= 5 for who in cells(figures, raters, withheld).values())


def test_ratings_that_give_nothing_away_are_all_shown():
    figures = {"whole": {"m1", "m2"}, "first": {"m1"}, "unrated": {"m9"}}
    raters = {"m1": FIVE, "m2": people("f", "g", "h", "i", "j")}

    assert withheld_ratings(figures, raters) == {"unrated"}


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.integers(0, 7),
        st.sets(st.sampled_from("abcdefghij"), max_size=7),
        max_size=8,
    ),
    st.dictionaries(st.integers(0, 5), st.sets(st.integers(0, 7), max_size=5), max_size=6),
)
def test_no_rating_shown_leaves_a_group_of_fewer_than_5_to_subtraction(raters, figures):
    withheld = withheld_ratings(figures, raters)

    for key, milestones in figures.items():
        rated = set().union(*(raters.get(m, ()) for m in milestones))
        if len(rated) < 5:
            assert key in withheld
    assert all(len(who) >= 5 for who in cells(figures, raters, withheld).values())
