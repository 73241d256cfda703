"""Circles: groups of mentees around a mentor, drawn together by shared goals.

``form_circles(scores, capacities, allowed, mentee_goals)`` returns, for each mentee, the
index of the mentor whose circle it joins, or -1, like ``assign``; ``capacities`` are the
circle sizes.

The objective is the total score plus ``goal_weight`` times each circle's cohesion,
``|sum of its members' unit goal vectors|``: the circle's size when every member seeks the
same thing, less as their goals diverge. Cohesion depends on who else is in the circle,
so no assignment solver maximises it directly. Instead rounds alternate two exact steps:

1. Given each circle's direction (a unit goal vector), mentee ``i`` earns a bonus of
   ``goal_weight * goals_i . direction_j`` in circle ``j``, and ``assign`` finds the best
   matching for ``scores + bonus``.
2. Given the circles, each direction becomes the unit vector of its members' goals added
   up, the best direction for that circle.

Neither step lowers the objective, so the rounds stop when it no longer rises (or after
``max_rounds``), at a local optimum. Two starts are tried and the better result kept
(the first on a tie):

* no directions, so the first round is ``assign(scores, ...)``: the result is never worse
  than the best matching without goals, and with ``goal_weight=0`` it is that matching;
* directions seeded farthest-first: mentor by mentor, in index order, the allowed mentee
  whose goals are least like the seeds chosen so far (the lower index on a tie) seeds the
  circle. This breaks the symmetry that traps the first start when scores say little.

The rules of ``assign`` hold throughout: allowed pairs only, circle sizes respected, and
``maximise="count"`` first fills as many places as the constraints allow. Mentees without
goals, and circles nobody has joined, earn no bonus. Each round is one ``assign`` call
plus a mentees x mentors x goals product.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from matching.algorithm._checks import allowed_mask, capacity_vector, score_matrix
from matching.algorithm.assign import UNMATCHED, assign

__all__ = ["circle_cohesion", "form_circles"]


def form_circles(
    scores: ArrayLike,
    capacities: ArrayLike,
    allowed: ArrayLike,
    mentee_goals: ArrayLike,
    *,
    goal_weight: float = 1.0,
    maximise: Literal["total", "count"] = "total",
    max_rounds: int = 20,
) -> np.ndarray:
    """Each mentee's circle (its mentor's index) or -1, favouring circles with shared goals."""
    scores = score_matrix("scores", scores)
    allowed = allowed_mask(allowed, scores.shape)
    capacities = capacity_vector(capacities, scores.shape[1])
    goals = _unit_goals(mentee_goals, scores.shape[0])
    if not (np.isfinite(goal_weight) and goal_weight >= 0):
        raise ValueError(f"goal_weight must be zero or a positive number, not {goal_weight}.")
    if max_rounds < 1:
        raise ValueError(f"max_rounds must be at least 1, not {max_rounds}.")

    def alternate(directions: np.ndarray) -> tuple[np.ndarray, float]:
        matched, best = None, -np.inf
        for _ in range(max_rounds):
            bonus = goal_weight * (goals @ directions.T)
            candidate = assign(scores + bonus, capacities, allowed, maximise=maximise)
            value = _objective(scores, goals, candidate, goal_weight)
            if matched is not None and not value > best + 1e-9 * max(1.0, abs(best)):
                break
            matched, best = candidate, value
            directions = _directions(goals, matched, scores.shape[1])
        return matched, best

    n_mentors, n_goals = scores.shape[1], goals.shape[1]
    matched, best = alternate(np.zeros((n_mentors, n_goals)))
    if goal_weight == 0 or n_goals == 0:
        return matched
    seeded, value = alternate(_seed_directions(goals, capacities, allowed))
    return seeded if value > best else matched


def circle_cohesion(mentee_goals: ArrayLike, matched: ArrayLike, n_mentors: int) -> np.ndarray:
    """Each circle's cohesion: the length of its members' unit goal vectors added up."""
    matched = np.asarray(matched)
    goals = _unit_goals(mentee_goals, matched.shape[0])
    return np.linalg.norm(_goal_sums(goals, matched, n_mentors), axis=1)


def _unit_goals(mentee_goals: ArrayLike, n_mentees: int) -> np.ndarray:
    goals = np.asarray(mentee_goals, dtype=np.float64)
    if goals.ndim != 2 or goals.shape[0] != n_mentees:
        raise ValueError(
            f"mentee_goals must be a mentees x goals array with {n_mentees} rows, "
            f"not one of shape {goals.shape}."
        )
    if not np.isfinite(goals).all() or (goals < 0).any():
        raise ValueError("mentee_goals must be finite and not negative.")
    length = np.linalg.norm(goals, axis=1, keepdims=True)
    return np.divide(goals, length, out=np.zeros_like(goals), where=length > 0)


def _seed_directions(goals: np.ndarray, capacities: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Farthest-first seeds: each circle starts from the goals least like the seeds so far."""
    directions = np.zeros((allowed.shape[1], goals.shape[1]))
    has_goals = goals.any(axis=1)
    closest_seed = np.zeros(goals.shape[0])
    available = has_goals.copy()
    for mentor in np.flatnonzero(capacities > 0):
        candidates = np.flatnonzero(available & allowed[:, mentor])
        if candidates.size == 0:
            continue
        seed = candidates[np.argmin(closest_seed[candidates])]
        directions[mentor] = goals[seed]
        available[seed] = False
        np.maximum(closest_seed, goals @ goals[seed], out=closest_seed)
    return directions


def _goal_sums(goals: np.ndarray, matched: np.ndarray, n_mentors: int) -> np.ndarray:
    sums = np.zeros((n_mentors, goals.shape[1]))
    members = matched != UNMATCHED
    np.add.at(sums, matched[members], goals[members])
    return sums


def _directions(goals: np.ndarray, matched: np.ndarray, n_mentors: int) -> np.ndarray:
    sums = _goal_sums(goals, matched, n_mentors)
    length = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, length, out=np.zeros_like(sums), where=length > 0)


def _objective(
    scores: np.ndarray, goals: np.ndarray, matched: np.ndarray, goal_weight: float
) -> float:
    members = np.flatnonzero(matched != UNMATCHED)
    total = scores[members, matched[members]].sum()
    cohesion = np.linalg.norm(_goal_sums(goals, matched, scores.shape[1]), axis=1).sum()
    return float(total + goal_weight * cohesion)
