"""What the sponsor's page says, from figures given to it: freshness, objectives, health,
the funnel and the charts' geometry."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from insights import site_charts
from insights.compute import ContentRow, Funnel, FunnelStep, ObjectiveRow
from insights.sponsor import (
    BELOW_TARGET,
    NO_FIGURE,
    NO_TARGET,
    NOT_MEASURED,
    ON_TARGET,
    content_lines,
    freshness,
    funnel_views,
    health_sentence,
    objective_line,
    objectives_headline,
)
from journeys.models import Measure


def at(day, hour, minute=0):
    return datetime.datetime(2025, 6, day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def utc():
    with override_settings(TIME_ZONE="UTC"), timezone.override("UTC"):
        yield


def test_figures_worked_out_today_say_the_time_and_today():
    assert freshness(at(10, 10, 42), at(10, 15)) == "as of 10:42 today"


def test_figures_from_yesterday_say_yesterday():
    assert freshness(at(9, 23, 55), at(10, 0, 5)) == "as of 23:55 yesterday"


def test_older_figures_say_the_date():
    assert freshness(at(2, 8, 5), at(10, 9)) == "as of 2 June, 08:05"


def test_figures_from_another_year_say_the_year():
    then = datetime.datetime(2024, 12, 30, 9, 0, tzinfo=datetime.UTC)

    assert freshness(then, at(10, 9)) == "as of 30 December 2024, 09:00"


def test_freshness_is_told_in_the_sites_time_zone():
    with timezone.override("Europe/London"):
        assert freshness(at(10, 23, 30), at(10, 23, 45)) == "as of 00:30 today"


def objective(measure=Measure.GOALS, actual=60.0, target=50.0, basis=10, detail=""):
    return ObjectiveRow("Goals are reached", measure, detail, actual, target, basis)


def test_an_objective_over_its_target_is_on_target_in_a_sentence():
    line = objective_line(objective())

    assert line.status == ON_TARGET
    assert line.sentence == (
        "60% of the goals people set are achieved, against a target of 50%. Based on 10 goals."
    )


def test_an_objective_under_its_target_is_below_target():
    assert objective_line(objective(actual=40.0)).status == BELOW_TARGET


def test_a_rating_objective_reads_out_of_5():
    line = objective_line(
        objective(Measure.TOPIC_PULSE, actual=4.25, target=4, basis=1, detail="Feedback")
    )

    assert line.sentence == (
        "Milestones on Feedback are rated 4.2 out of 5 on average, against a target of 4.0. "
        "Based on 1 rating."
    )


def test_objectives_without_a_figure_a_target_or_a_measure_say_so():
    assert objective_line(objective(actual=None)).status == NO_FIGURE
    assert objective_line(objective(target=None)).status == NO_TARGET
    assert objective_line(objective(measure="", target=None)).status == NOT_MEASURED


def test_the_headline_counts_the_objectives_on_target_among_those_that_can_be_judged():
    lines = [
        objective_line(objective()),
        objective_line(objective(actual=10.0)),
        objective_line(objective()),
        objective_line(objective(measure="")),
    ]

    assert objectives_headline(lines) == (
        "2 of 3 objectives are on target. 1 more cannot be judged yet."
    )
    assert objectives_headline(lines[:1]) == "1 of 1 objective is on target."
    assert objectives_headline([]) == "No objectives are written for this program yet."
    assert objectives_headline(lines[3:]) == (
        "Its objective cannot be judged yet: it needs a measure, a target and a figure."
    )


class Figures:
    """The few fields of ``ProgramInsights`` the functions under test read."""

    def __init__(self, health_counts=None, funnels=(), content=(), status_counts=None):
        self.health_counts = health_counts or {}
        self.funnels = funnels
        self.content = content
        self.status_counts = status_counts or {}

    @property
    def active_total(self):
        return sum(self.health_counts.values())


def test_health_is_told_as_counts():
    figures = Figures({"on_track": 1, "needs_attention": 0, "at_risk": 0})

    assert health_sentence(figures) == (
        "Of 1 active journey: 1 on track, 0 needing attention, 0 at risk."
    )
    assert health_sentence(Figures({"on_track": 0})) == "No journey is under way yet."


def test_a_program_with_no_journey_under_way_says_whether_they_ended_or_wait():
    def idle(**status_counts):
        return health_sentence(Figures({"on_track": 0}, status_counts=status_counts))

    assert idle(completed=1) == "No journey is under way: the program's journey has ended."
    assert idle(completed=2, closed=1) == (
        "No journey is under way: all 3 of the program's journeys have ended."
    )
    assert idle(paused=2) == "No journey is under way: all 2 of the program's journeys are paused."


def test_the_funnel_bars_are_shares_of_every_journey_that_follows_the_template():
    steps = (
        FunnelStep("a", "Start", journeys=10, done=8, past=8),
        FunnelStep("b", "On the track", journeys=2, done=2, past=5),
    )
    (funnel,) = funnel_views(Figures(funnels=(Funnel(7, "First year", 10, steps),)))

    assert [(bar.title, bar.past, bar.width) for bar in funnel.bars] == [
        ("Start", 8, "80.0%"),
        ("On the track", 5, "50.0%"),
    ]
    assert funnel.sentence == (
        "Of the 10 journeys that follow “First year”, 8 are past “Start” and 5 past the "
        "last milestone, “On the track”."
    )


def test_a_template_nobody_follows_yet_draws_empty_bars():
    step = FunnelStep("a", "Start", journeys=0, done=0, past=0)
    (funnel,) = funnel_views(Figures(funnels=(Funnel(7, "New", 0, (step,)),)))

    assert funnel.bars[0].width == "0.0%"
    assert funnel.table.rows == [("Start", 0, None)]


def test_a_trend_keeps_every_position_inside_the_chart():
    labels = [f"{n} Jun" for n in range(12)]
    chart = site_charts.trend(
        "c",
        "Heading",
        "Description",
        "Per week",
        "Week starting",
        labels,
        [("Steps", list(range(12))), ("Meetings", [3] * 12)],
    )

    xs = [m.x for line in chart.lines for m in line.markers]
    assert min(xs) == site_charts.LEFT and max(xs) == site_charts.RIGHT
    assert all(0 <= m.y <= site_charts.HEIGHT for line in chart.lines for m in line.markers)
    assert [label.anchor for label in chart.x_labels] == ["start", "middle", "middle", "end"]
    assert [t.label for t in chart.ticks] == ["0", "10", "20"]
    assert chart.has_legend
    assert len(chart.lines[0].segments) == 11


def test_a_trend_of_many_weeks_leaves_out_its_markers():
    chart = site_charts.trend(
        "c", "H", "D", "Y", "X", [str(n) for n in range(26)], [("A", [1] * 26)]
    )

    assert chart.lines[0].markers == ()
    assert not chart.has_legend


def test_axis_labels_stay_short_on_a_phone():
    assert [site_charts.short_number(n) for n in (950, 1500, 2000, 12_000)] == [
        "950",
        "1.5k",
        "2k",
        "12k",
    ]


def test_a_template_one_journey_follows_is_told_in_the_singular():
    step = FunnelStep("a", "Start", journeys=1, done=1, past=1)
    (funnel,) = funnel_views(Figures(funnels=(Funnel(7, "One", 1, (step,)),)))

    assert funnel.sentence.startswith("Of the 1 journey that follows “One”, 1 is past “Start”")


def content_row(title, reached, opened, pulse=None, ratings=0, raters=None):
    return ContentRow(
        page_id=hash(title) % 1000,
        title=title,
        kind="material",
        shown_in=("Start",),
        reached=reached,
        opened=opened,
        people=opened,
        completed=opened,
        pulse=pulse,
        pulse_count=ratings,
        raters=ratings if raters is None else raters,
        opened_reached=opened,
        opened_done=opened,
        unopened_reached=reached - opened,
        unopened_done=0,
    )


def test_content_that_works_puts_the_best_rated_first_and_leaves_out_the_unused():
    figures = Figures(
        content=(
            content_row("Opened often", reached=10, opened=9),
            content_row("Loved", reached=4, opened=2, pulse=4.6, ratings=5),
            content_row("Nobody opened it", reached=10, opened=0),
            content_row("Rated lower", reached=10, opened=3, pulse=3.0, ratings=1),
        )
    )

    lines = content_lines(figures, names=True)

    assert [line.title for line in lines] == ["Loved", "Rated lower", "Opened often"]
    assert lines[0].sentence == (
        "Opened in 2 of the 4 journeys that reached it. "
        "Its milestones are rated 4.6 out of 5 (5 ratings)."
    )
    assert lines[1].sentence.endswith("(1 rating).")


def test_a_sponsor_reads_no_rating_fewer_than_5_people_gave_nor_an_order_from_it():
    figures = Figures(
        content=(
            content_row("Opened often", reached=10, opened=9),
            content_row("Loved", reached=4, opened=2, pulse=4.6, ratings=8, raters=5),
            content_row("Rated by one pair", reached=10, opened=3, pulse=5.0, ratings=6, raters=2),
        )
    )

    lines = content_lines(figures)

    assert [line.title for line in lines] == ["Loved", "Opened often", "Rated by one pair"]
    assert lines[2].sentence == (
        "Opened in 3 of the 10 journeys that reached it. "
        "Fewer than 5 people rated its milestones, too few to show."
    )
