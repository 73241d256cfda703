import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.algorithm import (
    UNMATCHED,
    assign,
    assign_stable,
    circle_cohesion,
    form_circles,
    total_score,
)


def random_instance(rng, n_mentees, n_mentors, *, max_capacity=2, allowed_share=0.7):
    scores = rng.normal(0.5, 1.0, (n_mentees, n_mentors))
    capacities = rng.integers(0, max_capacity + 1, n_mentors)
    allowed = rng.random((n_mentees, n_mentors)) < allowed_share
    return scores, capacities, allowed


def assert_valid(matched, capacities, allowed):
    """Each mentee has one allowed mentor or none, and no mentor is over capacity."""
    assert matched.shape == (allowed.shape[0],)
    assert np.issubdtype(matched.dtype, np.integer)
    assert ((matched >= UNMATCHED) & (matched < allowed.shape[1])).all()
    mentees = np.flatnonzero(matched != UNMATCHED)
    assert allowed[mentees, matched[mentees]].all()
    loads = np.bincount(matched[mentees], minlength=allowed.shape[1])
    assert (loads <= capacities).all()


def brute_force(scores, capacities, allowed):
    """The best total, and the best (matched count, total), over every valid matching."""
    n_mentees, n_mentors = scores.shape
    remaining = list(capacities)
    best = {"total": 0.0, "count": (0, 0.0)}

    def visit(mentee, count, total):
        if mentee == n_mentees:
            best["total"] = max(best["total"], total)
            best["count"] = max(best["count"], (count, total))
            return
        visit(mentee + 1, count, total)
        for mentor in range(n_mentors):
            if allowed[mentee, mentor] and remaining[mentor]:
                remaining[mentor] -= 1
                visit(mentee + 1, count + 1, total + scores[mentee, mentor])
                remaining[mentor] += 1

    visit(0, 0, 0.0)
    return best["total"], best["count"]


def integer_program(scores, capacities, allowed):
    """The optimal total from HiGHS: x[i, j] binary, one mentor each, capacities, allowed."""
    n_mentees, n_mentors = scores.shape
    pairs = np.argwhere(allowed)
    if pairs.size == 0:
        return 0.0
    columns = np.arange(len(pairs))
    per_mentee = csr_array((np.ones(len(pairs)), (pairs[:, 0], columns)), (n_mentees, len(pairs)))
    per_mentor = csr_array((np.ones(len(pairs)), (pairs[:, 1], columns)), (n_mentors, len(pairs)))
    result = milp(
        -scores[pairs[:, 0], pairs[:, 1]],
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(per_mentee, 0, 1),
            LinearConstraint(per_mentor, 0, capacities),
        ],
    )
    assert result.success
    return -result.fun


def most_matches(capacities, allowed):
    """The size of a maximum matching, each mentor expanded into its capacity's slots."""
    slots = np.repeat(np.arange(allowed.shape[1]), capacities)
    graph = csr_array(allowed[:, slots].astype(np.int8))
    if graph.shape[0] == 0 or graph.shape[1] == 0:
        return 0
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


# assign: exact


def test_assign_finds_the_brute_force_optimum_on_small_instances():
    rng = np.random.default_rng(20240401)
    for _ in range(400):
        shape = rng.integers(0, 7), rng.integers(0, 5)
        scores, capacities, allowed = random_instance(rng, *shape)
        best_total, (best_count, best_count_total) = brute_force(scores, capacities, allowed)

        matched = assign(scores, capacities, allowed)
        assert_valid(matched, capacities, allowed)
        assert total_score(scores, matched) == pytest.approx(best_total, abs=1e-9)

        matched = assign(scores, capacities, allowed, maximise="count")
        assert_valid(matched, capacities, allowed)
        assert (matched != UNMATCHED).sum() == best_count
        assert total_score(scores, matched) == pytest.approx(best_count_total, abs=1e-9)


@pytest.mark.parametrize(
    ("n_mentees", "n_mentors", "max_capacity", "seed"),
    [(300, 60, 5, 1), (300, 60, 3, 2), (120, 60, 1, 3), (60, 40, 4, 4), (200, 25, 12, 5)],
)
def test_assign_matches_an_integer_program_on_larger_instances(
    n_mentees, n_mentors, max_capacity, seed
):
    rng = np.random.default_rng(seed)
    scores, capacities, allowed = random_instance(
        rng, n_mentees, n_mentors, max_capacity=max_capacity, allowed_share=0.4
    )
    matched = assign(scores, capacities, allowed)
    assert_valid(matched, capacities, allowed)
    assert total_score(scores, matched) == pytest.approx(
        integer_program(scores, capacities, allowed), abs=1e-6
    )


def test_count_mode_matches_as_many_as_a_maximum_bipartite_matching():
    rng = np.random.default_rng(7)
    for _ in range(40):
        shape = rng.integers(1, 40), rng.integers(1, 15)
        scores, capacities, allowed = random_instance(
            rng, *shape, max_capacity=3, allowed_share=0.2
        )
        matched = assign(scores, capacities, allowed, maximise="count")
        assert_valid(matched, capacities, allowed)
        assert (matched != UNMATCHED).sum() == most_matches(capacities, allowed)


# assign: what is left unmatched


def test_a_negative_pair_is_left_unmatched_for_the_total_but_taken_to_match_more():
    scores, allowed = np.array([[-1.0], [-3.0]]), np.ones((2, 1), dtype=bool)
    assert assign(scores, [1], allowed).tolist() == [UNMATCHED, UNMATCHED]
    assert assign(scores, [1], allowed, maximise="count").tolist() == [0, UNMATCHED]


def test_leaving_a_mentee_unmatched_can_give_the_higher_total():
    scores = np.array([[10.0, 2.0], [7.0, -5.0]])
    allowed = np.ones((2, 2), dtype=bool)
    assert assign(scores, [1, 1], allowed).tolist() == [0, UNMATCHED]
    assert assign(scores, [1, 1], allowed, maximise="count").tolist() == [1, 0]


def test_count_mode_picks_the_best_total_among_the_largest_matchings():
    scores = np.array([[10.0, -1.0], [9.0, -3.0], [8.0, -4.0]])
    allowed = np.ones((3, 2), dtype=bool)
    assert assign(scores, [1, 1], allowed).tolist() == [0, UNMATCHED, UNMATCHED]
    assert assign(scores, [1, 1], allowed, maximise="count").tolist() == [1, 0, UNMATCHED]


def test_all_zero_scores_match_nobody_for_the_total_and_everyone_possible_for_the_count():
    scores, allowed = np.zeros((4, 3)), np.ones((4, 3), dtype=bool)
    assert (assign(scores, [1, 1, 1], allowed) == UNMATCHED).all()
    matched = assign(scores, [1, 1, 1], allowed, maximise="count")
    assert_valid(matched, np.array([1, 1, 1]), allowed)
    assert (matched != UNMATCHED).sum() == 3


@pytest.mark.parametrize("maximise", ["total", "count"])
def test_nothing_possible_leaves_everyone_unmatched(maximise):
    scores = np.ones((3, 2))
    ruled_out = np.zeros((3, 2), dtype=bool)
    assert assign(scores, [2, 2], ruled_out, maximise=maximise).tolist() == [-1, -1, -1]
    no_room = np.ones((3, 2), dtype=bool)
    assert assign(scores, [0, 0], no_room, maximise=maximise).tolist() == [-1, -1, -1]
    no_mentors = assign(np.ones((3, 0)), np.zeros(0, int), np.ones((3, 0), bool))
    assert no_mentors.tolist() == [-1, -1, -1]
    no_mentees = assign(np.ones((0, 2)), [1, 1], np.ones((0, 2), bool), maximise=maximise)
    assert no_mentees.shape == (0,)


def test_ruled_out_pairs_may_hold_any_value():
    scores = np.array([[np.nan, 1.0], [-np.inf, 2.0]])
    allowed = np.array([[False, True], [False, True]])
    assert assign(scores, [1, 1], allowed).tolist() == [UNMATCHED, 1]


@pytest.mark.parametrize(
    ("scores", "capacities", "allowed", "message"),
    [
        (np.ones(3), [1], np.ones(3, bool), "two-dimensional"),
        (np.ones((2, 2)), [1, 1], np.ones((2, 3), bool), "allowed has shape"),
        (np.ones((2, 2)), [1, 1], np.ones((2, 2)), "boolean"),
        (np.ones((2, 2)), [1], np.ones((2, 2), bool), "one number per mentor"),
        (np.ones((2, 2)), [1, -1], np.ones((2, 2), bool), "cannot be negative"),
        (np.ones((2, 2)), [1, 1.5], np.ones((2, 2), bool), "whole numbers"),
        (np.array([[1.0, np.nan], [1, 1]]), [1, 1], np.ones((2, 2), bool), "finite"),
    ],
)
def test_assign_refuses_bad_input_in_plain_words(scores, capacities, allowed, message):
    with pytest.raises(ValueError, match=message):
        assign(scores, capacities, allowed)


def test_assign_refuses_an_unknown_objective():
    with pytest.raises(ValueError, match="maximise"):
        assign(np.ones((1, 1)), [1], np.ones((1, 1), bool), maximise="fairness")


# assign: properties

instances = st.builds(
    lambda seed, n_mentees, n_mentors, share: random_instance(
        np.random.default_rng(seed), n_mentees, n_mentors, max_capacity=3, allowed_share=share
    ),
    st.integers(0, 2**32 - 1),
    st.integers(0, 25),
    st.integers(0, 10),
    st.sampled_from([0.1, 0.5, 0.9]),
)


@settings(max_examples=60, deadline=None)
@given(instances, st.sampled_from(["total", "count"]))
def test_every_assignment_respects_the_rules(instance, maximise):
    scores, capacities, allowed = instance
    matched = assign(scores, capacities, allowed, maximise=maximise)
    assert_valid(matched, capacities, allowed)
    if maximise == "total":
        mentees = np.flatnonzero(matched != UNMATCHED)
        assert (scores[mentees, matched[mentees]] > 0).all()


@settings(max_examples=40, deadline=None)
@given(instances, st.randoms(use_true_random=False))
def test_the_order_of_mentees_and_mentors_does_not_change_the_optimum(instance, random):
    scores, capacities, allowed = instance
    rows = np.array(random.sample(range(scores.shape[0]), scores.shape[0]), dtype=int)
    columns = np.array(random.sample(range(scores.shape[1]), scores.shape[1]), dtype=int)
    shuffled = assign(scores[rows][:, columns], capacities[columns], allowed[rows][:, columns])
    original = assign(scores, capacities, allowed)
    assert total_score(scores[rows][:, columns], shuffled) == pytest.approx(
        total_score(scores, original), abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(instances, st.data())
def test_more_room_or_fewer_constraints_never_lower_the_total(instance, data):
    scores, capacities, allowed = instance
    before = total_score(scores, assign(scores, capacities, allowed))
    if scores.shape[1]:
        mentor = data.draw(st.integers(0, scores.shape[1] - 1))
        roomier = capacities.copy()
        roomier[mentor] += 1
        assert total_score(scores, assign(scores, roomier, allowed)) >= before - 1e-9
    looser = allowed | (np.random.default_rng(0).random(allowed.shape) < 0.2)
    assert total_score(scores, assign(scores, capacities, looser)) >= before - 1e-9


@settings(max_examples=40, deadline=None)
@given(instances)
def test_the_two_objectives_trade_count_against_total(instance):
    scores, capacities, allowed = instance
    by_total = assign(scores, capacities, allowed)
    by_count = assign(scores, capacities, allowed, maximise="count")
    assert (by_count != UNMATCHED).sum() >= (by_total != UNMATCHED).sum()
    assert total_score(scores, by_total) >= total_score(scores, by_count) - 1e-9


# assign_stable


def strict_prefers(scores, first, second):
    """Whether ``first`` ranks above ``second`` in a row of scores; on a tie, the lower index."""
    return (scores[first], -first) > (scores[second], -second)


def blocking_pairs(mentee_scores, mentor_scores, capacities, allowed, matched):
    found = []
    for mentee, mentor in np.argwhere(allowed):
        current = matched[mentee]
        if current == mentor:
            continue
        if current != UNMATCHED and not strict_prefers(mentee_scores[mentee], mentor, current):
            continue
        members = np.flatnonzero(matched == mentor)
        if len(members) < capacities[mentor]:
            found.append((mentee, mentor))
            continue
        column = mentor_scores[:, mentor]
        if any(strict_prefers(column, mentee, member) for member in members):
            found.append((mentee, mentor))
    return found


def stable_instance(rng, n_mentees, n_mentors, *, ties=False):
    scores, capacities, allowed = random_instance(rng, n_mentees, n_mentors, max_capacity=3)
    mentor_scores = rng.normal(size=scores.shape)
    if ties:
        scores, mentor_scores = np.round(scores), np.round(mentor_scores)
    return scores, mentor_scores, capacities, allowed


def test_a_stable_assignment_has_no_blocking_pair_even_with_ties():
    rng = np.random.default_rng(11)
    for k in range(80):
        instance = stable_instance(rng, rng.integers(0, 20), rng.integers(0, 8), ties=k % 2 == 0)
        matched = assign_stable(*instance)
        assert_valid(matched, instance[2], instance[3])
        assert blocking_pairs(*instance, matched) == []


def test_the_stable_assignment_is_the_best_stable_one_for_every_mentee():
    rng = np.random.default_rng(12)
    for _ in range(40):
        mentee_scores, mentor_scores, capacities, allowed = stable_instance(
            rng, rng.integers(1, 6), rng.integers(1, 4)
        )
        matched = assign_stable(mentee_scores, mentor_scores, capacities, allowed)
        for other in all_valid_matchings(capacities, allowed):
            if blocking_pairs(mentee_scores, mentor_scores, capacities, allowed, other):
                continue
            for mentee, mentor in enumerate(other):
                if mentor != matched[mentee] and mentor != UNMATCHED:
                    assert matched[mentee] != UNMATCHED
                    assert strict_prefers(mentee_scores[mentee], matched[mentee], mentor)


def all_valid_matchings(capacities, allowed):
    n_mentees, n_mentors = allowed.shape
    remaining = list(capacities)
    current = [UNMATCHED] * n_mentees

    def visit(mentee):
        if mentee == n_mentees:
            yield np.array(current)
            return
        current[mentee] = UNMATCHED
        yield from visit(mentee + 1)
        for mentor in range(n_mentors):
            if allowed[mentee, mentor] and remaining[mentor]:
                remaining[mentor] -= 1
                current[mentee] = mentor
                yield from visit(mentee + 1)
                current[mentee] = UNMATCHED
                remaining[mentor] += 1

    yield from visit(0)


def test_the_textbook_example_gives_mentees_their_stable_best():
    # Mentees 0 and 1 both want mentor 0 first; mentor 0 prefers mentee 1.
    mentee_scores = np.array([[2.0, 1.0], [2.0, 1.0], [1.0, 2.0]])
    mentor_scores = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 1.0]])
    allowed = np.ones((3, 2), dtype=bool)
    matched = assign_stable(mentee_scores, mentor_scores, [1, 1], allowed)
    assert matched.tolist() == [1, 0, UNMATCHED]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 30), st.integers(0, 10), st.randoms())
def test_shuffling_the_input_order_changes_nothing(seed, n_mentees, n_mentors, random):
    instance = stable_instance(np.random.default_rng(seed), n_mentees, n_mentors)
    mentee_scores, mentor_scores, capacities, allowed = instance
    rows = np.array(random.sample(range(n_mentees), n_mentees), dtype=int)
    columns = np.array(random.sample(range(n_mentors), n_mentors), dtype=int)
    shuffled = assign_stable(
        mentee_scores[rows][:, columns],
        mentor_scores[rows][:, columns],
        capacities[columns],
        allowed[rows][:, columns],
    )
    restored = np.full(n_mentees, UNMATCHED)
    placed = shuffled != UNMATCHED
    restored[rows[placed]] = columns[shuffled[placed]]
    np.testing.assert_array_equal(restored, assign_stable(*instance))


def test_assign_stable_handles_no_mentors_no_room_and_nothing_allowed():
    ones = np.ones((3, 2))
    allowed = np.ones((3, 2), dtype=bool)
    assert assign_stable(ones, ones, [0, 0], allowed).tolist() == [-1, -1, -1]
    assert assign_stable(ones, ones, [2, 2], ~allowed).tolist() == [-1, -1, -1]
    empty = np.ones((3, 0))
    assert assign_stable(empty, empty, np.zeros(0, int), empty.astype(bool)).tolist() == [-1] * 3


def test_assign_stable_refuses_score_matrices_of_different_shapes():
    with pytest.raises(ValueError, match="mentor_scores has shape"):
        assign_stable(np.ones((2, 2)), np.ones((2, 3)), [1, 1], np.ones((2, 2), bool))


# form_circles


def test_circles_gather_mentees_with_the_same_goals():
    scores = np.ones((4, 2))
    goals = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=bool)
    matched = form_circles(scores, [2, 2], np.ones((4, 2), dtype=bool), goals)
    assert matched[0] == matched[2] != matched[1] == matched[3]
    assert circle_cohesion(goals, matched, 2).tolist() == [2.0, 2.0]


def test_without_goal_weight_circles_are_the_optimal_assignment():
    rng = np.random.default_rng(5)
    scores, capacities, allowed = random_instance(rng, 30, 6, max_capacity=5)
    goals = rng.random((30, 4)) < 0.5
    np.testing.assert_array_equal(
        form_circles(scores, capacities, allowed, goals, goal_weight=0),
        assign(scores, capacities, allowed),
    )


def objective(scores, goals, matched, goal_weight):
    cohesion = circle_cohesion(goals, matched, scores.shape[1]).sum()
    return total_score(scores, matched) + goal_weight * cohesion


@settings(max_examples=30, deadline=None)
@given(instances, st.integers(0, 2**32 - 1), st.sampled_from([0.5, 2.0]))
def test_circles_respect_the_rules_and_only_add_cohesion_to_the_optimal_assignment(
    instance, seed, goal_weight
):
    scores, capacities, allowed = instance
    goals = np.random.default_rng(seed).random((scores.shape[0], 5)) < 0.4
    matched = form_circles(scores, capacities, allowed, goals, goal_weight=goal_weight)
    assert_valid(matched, capacities, allowed)
    start = assign(scores, capacities, allowed)
    assert objective(scores, goals, matched, goal_weight) >= (
        objective(scores, goals, start, goal_weight) - 1e-9
    )


def test_circles_can_fill_as_many_places_as_possible():
    rng = np.random.default_rng(8)
    scores, capacities, allowed = random_instance(rng, 25, 5, max_capacity=4, allowed_share=0.3)
    goals = rng.random((25, 3)) < 0.5
    matched = form_circles(scores, capacities, allowed, goals, maximise="count")
    assert_valid(matched, capacities, allowed)
    assert (matched != UNMATCHED).sum() == most_matches(capacities, allowed)


def test_form_circles_refuses_goals_that_do_not_fit():
    allowed = np.ones((2, 1), dtype=bool)
    with pytest.raises(ValueError, match="mentees x goals"):
        form_circles(np.ones((2, 1)), [2], allowed, np.ones((3, 2)))
    with pytest.raises(ValueError, match="goal_weight"):
        form_circles(np.ones((2, 1)), [2], allowed, np.ones((2, 2)), goal_weight=-1)
