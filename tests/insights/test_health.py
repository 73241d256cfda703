"""The health score: the documented formula, its bands, and its bounds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.health import (
    AT_RISK,
    NEEDS_ATTENTION,
    ON_TRACK,
    HealthInput,
    band_of,
    falling,
    health,
)


def score(overdue=0, meeting=0, activity=0, pulse=None):
    return health(HealthInput(overdue, meeting, activity, pulse))


def test_a_journey_with_nothing_overdue_recent_meetings_and_top_ratings_scores_100():
    assert score(pulse=5).score == 100
    assert score(pulse=5).band == ON_TRACK


def test_each_part_counts_its_documented_weight():
    # Everything lost but the pulse: 15 of 100.
    assert score(overdue=28, meeting=60, activity=42, pulse=5).score == 15
    # Only the milestones lost: 60 of 100.
    assert score(overdue=28, pulse=5).score == 60
    # Only the meetings lost: 75.
    assert score(meeting=60, pulse=5).score == 75
    # Only activity lost: 80.
    assert score(activity=42, pulse=5).score == 80
    # The lowest rating loses the pulse's 15.
    assert score(pulse=1).score == 85


def test_parts_fall_evenly_between_their_thresholds():
    assert score(overdue=14, pulse=5).score == 80  # half of 40 lost
    assert score(meeting=45, pulse=5).score == round(100 - 12.5)  # half of 25
    assert score(activity=28, pulse=5).score == 90  # half of 20
    assert score(meeting=30, activity=14, pulse=5).score == 100  # still full marks


def test_without_ratings_the_pulse_is_left_out_and_the_rest_count_for_more():
    # Milestones lost: 40 of the remaining 85.
    assert score(overdue=28).score == round(100 * 45 / 85)
    assert score().score == 100


def test_an_overdue_milestone_keeps_a_journey_off_on_track_whatever_its_score():
    one_day_late = score(overdue=1, pulse=5)
    assert one_day_late.score >= 70
    assert one_day_late.band == NEEDS_ATTENTION
    assert score(overdue=0, pulse=5).band == ON_TRACK
    # Lower bands are not raised or lowered by it.
    assert score(overdue=28, meeting=60, activity=42, pulse=5).band == AT_RISK


def test_bands_follow_the_documented_thresholds():
    assert band_of(70) == ON_TRACK
    assert band_of(69) == NEEDS_ATTENTION
    assert band_of(40) == NEEDS_ATTENTION
    assert band_of(39) == AT_RISK


@pytest.mark.parametrize(("days", "expected"), [(0, 1), (30, 1), (45, 0.5), (60, 0), (99, 0)])
def test_falling_is_full_then_even_then_zero(days, expected):
    assert falling(days, 30, 60) == expected


@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(0, 400),
    st.one_of(st.none(), st.floats(1, 5)),
)
def test_the_score_stays_between_0_and_100_and_worse_signals_never_raise_it(
    overdue, meeting, activity, pulse
):
    result = score(overdue, meeting, activity, pulse)

    assert 0 <= result.score <= 100
    assert score(overdue + 7, meeting, activity, pulse).score <= result.score
    assert score(overdue, meeting + 7, activity, pulse).score <= result.score
    assert score(overdue, meeting, activity + 7, pulse).score <= result.score
