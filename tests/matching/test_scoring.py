import numpy as np
import pytest

from matching.algorithm import (
    Scores,
    any_shared,
    avoid,
    closeness,
    combine,
    different_category,
    gap_between,
    not_same,
    same_category,
    topic_overlap,
    within_gap,
)

SEEKS = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]], dtype=bool)
OFFERS = np.array([[1, 0, 0, 0], [1, 1, 1, 0]], dtype=bool)


# Criteria


def test_coverage_is_the_share_of_a_mentees_topics_the_mentor_offers():
    np.testing.assert_allclose(topic_overlap(SEEKS, OFFERS), [[0.5, 1.0], [0.0, 0.0], [0.0, 0.5]])


def test_jaccard_is_the_shared_share_of_both_sides_topics():
    np.testing.assert_allclose(
        topic_overlap(SEEKS, OFFERS, measure="jaccard"),
        [[1 / 2, 2 / 3], [0.0, 0.0], [0.0, 1 / 4]],
    )


def test_count_is_the_number_of_shared_topics():
    np.testing.assert_array_equal(
        topic_overlap(SEEKS, OFFERS, measure="count"), [[1, 2], [0, 0], [0, 1]]
    )


def test_topic_overlap_refuses_sides_with_different_topic_columns_or_an_unknown_measure():
    with pytest.raises(ValueError, match="same topic columns"):
        topic_overlap(SEEKS, OFFERS[:, :3])
    with pytest.raises(ValueError, match="measure"):
        topic_overlap(SEEKS, OFFERS, measure="cosine")


def test_same_and_different_category_give_an_unknown_code_nothing():
    mentees, mentors = np.array([0, 1, -1]), np.array([0, 2])
    np.testing.assert_array_equal(same_category(mentees, mentors), [[1, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(different_category(mentees, mentors), [[0, 1], [1, 1], [0, 0]])


def test_categories_must_be_integer_codes():
    with pytest.raises(ValueError, match="integer codes"):
        same_category(np.array([0.5]), np.array([1]))


def test_closeness_falls_linearly_with_the_gap_and_gives_an_unknown_value_nothing():
    near = closeness([1.0, 3.0, np.nan], [1.0, 5.0], span=4)
    np.testing.assert_allclose(near, [[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]])


def test_closeness_needs_a_positive_span():
    with pytest.raises(ValueError, match="span"):
        closeness([1.0], [2.0], span=0)


# Combining


def test_scores_are_the_weighted_sum_and_each_explanation_adds_up_to_its_score():
    rng = np.random.default_rng(3)
    criteria = {"topics": rng.random((4, 3)), "location": rng.random((4, 3)) < 0.5}
    scores = combine(criteria, {"topics": 2.0, "location": 0.5}, (4, 3))
    expected = 2.0 * criteria["topics"] + 0.5 * criteria["location"]
    np.testing.assert_allclose(scores.total, expected, rtol=1e-6)
    assert scores.names == ("topics", "location")
    explanation = scores.explain(1, 2)
    assert explanation == pytest.approx(
        {"topics": 2.0 * criteria["topics"][1, 2], "location": 0.5 * criteria["location"][1, 2]}
    )
    assert sum(explanation.values()) == pytest.approx(float(scores.total[1, 2]), rel=1e-6)
    np.testing.assert_allclose(scores.contribution("topics"), 2.0 * criteria["topics"], rtol=1e-6)


def test_a_criterion_without_weight_is_neither_computed_nor_explained():
    def never():
        raise AssertionError("an unweighted criterion was computed")

    scores = combine(
        {"topics": np.ones((2, 2)), "unused": never, "off": never}, {"off": 0}, (2, 2)
    )
    np.testing.assert_array_equal(scores.total, np.zeros((2, 2)))
    assert scores.names == ()
    assert scores.explain(0, 0) == {}
    with pytest.raises(KeyError):
        scores.contribution("topics")


def test_criteria_may_be_computed_lazily_and_broadcast_from_one_side():
    mentor_rating = np.array([[0.0, 1.0, 0.5]])
    scores = combine({"rating": lambda: mentor_rating}, {"rating": 2}, (2, 3))
    np.testing.assert_allclose(scores.total, [[0.0, 2.0, 1.0], [0.0, 2.0, 1.0]])


def test_scores_are_float32_unless_asked_otherwise():
    assert combine({"a": np.ones((2, 2))}, {"a": 1}, (2, 2)).total.dtype == np.float32
    total = combine({"a": np.ones((2, 2))}, {"a": 1}, (2, 2), dtype=np.float64).total
    assert total.dtype == np.float64


@pytest.mark.parametrize(
    ("criteria", "weights", "message"),
    [
        ({"a": np.ones((2, 2))}, {"b": 1.0}, "do not exist: b"),
        ({"a": np.ones((2, 2))}, {"a": float("nan")}, "finite number"),
        ({"a": np.ones((3, 2))}, {"a": 1.0}, "does not fit"),
        ({"a": np.full((2, 2), np.inf)}, {"a": 1.0}, "finite for every pair"),
    ],
)
def test_combine_refuses_what_it_cannot_weigh(criteria, weights, message):
    with pytest.raises(ValueError, match=message):
        combine(criteria, weights, (2, 2))


def test_scores_is_the_public_result_type():
    assert isinstance(combine({}, {}, (1, 1)), Scores)


# Constraints


def test_not_same_rules_out_the_same_known_department_only():
    allowed = not_same(np.array([0, 1, -1]), np.array([0, 1]))
    np.testing.assert_array_equal(allowed, [[False, True], [True, False], [True, True]])


def test_any_shared_needs_one_common_item():
    languages_a = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0]], dtype=bool)
    languages_b = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(
        any_shared(languages_a, languages_b), [[True, False], [True, True], [False, False]]
    )


def test_time_zone_gaps_wrap_around_the_day():
    allowed = within_gap([-11.0, 0.0], [12.0, 5.5, np.nan], 3, period=24)
    np.testing.assert_array_equal(allowed, [[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(within_gap([-11.0], [12.0], 3), [[False]])


def test_seniority_gaps_are_measured_from_mentee_to_mentor():
    mentees, mentors = [2.0, 5.0], [4.0, 1.0, np.nan]
    np.testing.assert_array_equal(
        gap_between(mentees, mentors, at_least=2), [[True, False, True], [False, False, True]]
    )
    np.testing.assert_array_equal(
        gap_between(mentees, mentors, at_most=-2), [[False, False, True], [False, True, True]]
    )


def test_gap_bounds_must_make_sense():
    with pytest.raises(ValueError, match="greater than"):
        gap_between([1.0], [1.0], at_least=3, at_most=1)
    with pytest.raises(ValueError, match="max_gap"):
        within_gap([1.0], [1.0], -1)


def test_avoid_rules_out_exactly_the_listed_pairs():
    allowed = avoid((2, 3), [(0, 2), (1, 0)])
    np.testing.assert_array_equal(allowed, [[True, True, False], [False, True, True]])
    np.testing.assert_array_equal(avoid((1, 1), []), [[True]])
    with pytest.raises(ValueError, match="outside"):
        avoid((2, 3), [(2, 0)])
