"""Optimal assignment of mentees to mentors under capacities and hard constraints.

``assign(scores, capacities, allowed)`` returns, for each mentee, the index of its mentor
or -1. It is exact: no other matching that respects the rules has a higher objective.

The rules it enforces:

* Only pairs with ``allowed`` True are ever matched, and mentor ``j`` takes at most
  ``capacities[j]`` mentees. Each mentee has at most one mentor.
* Nobody is forced into a match. With ``maximise="total"`` (the default) the objective is
  the sum of the matched pairs' scores, and only pairs with a *positive* score are
  matched: a negative pair would lower the total and a zero pair adds nothing, so both
  are left unmatched. Two people with nothing in common are better left to a human than
  paired for no reason.
* With ``maximise="count"`` the objective is lexicographic: first as many matched mentees
  as the constraints allow (every allowed pair counts, whatever its score, negative
  included), then the highest total score among all matchings of that size.
* Scores must be finite wherever a pair is allowed; ruled-out pairs may hold anything
  (NaN, -inf), because they are never read.

How: each mentor becomes ``capacities[j]`` identical slots and the mentees x slots gain
matrix goes to scipy's ``linear_sum_assignment`` (a shortest augmenting path solver,
exact for rectangular matrices). Ruled-out pairs, and in "total" mode pairs without a
positive score, get gain 0, exactly what leaving both sides unmatched is worth; the
solver's pairs with gain 0 are dropped afterwards. Any matching of the original problem
extends to a full one of the expanded problem with the same gain, and dropping the
zero-gain pairs of a full one gives a valid matching with the same total, so the two
optima are equal. "count" mode adds ``k + 1`` to every allowed pair, after rescaling the
scores to [0, 1], where ``k`` bounds the number of matches: one more match then outweighs
any difference in score. Mentors' capacities are first cut to the number of mentees they
could take, and mentees and mentors with nothing possible are left out of the matrix,
so it never has more slots than there are usable pairs.
See docs/matching-solver.md for the cost and the alternatives.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from matching.algorithm._checks import (
    allowed_mask,
    capacity_vector,
    finite_where_allowed,
    score_matrix,
)

__all__ = ["MAXIMISE", "UNMATCHED", "assign", "total_score"]

UNMATCHED = -1
MAXIMISE = ("total", "count")


def assign(
    scores: ArrayLike,
    capacities: ArrayLike,
    allowed: ArrayLike,
    *,
    maximise: Literal["total", "count"] = "total",
) -> np.ndarray:
    """Each mentee's mentor index (or -1) in a matching that maximises ``maximise``."""
    if maximise not in MAXIMISE:
        raise ValueError(f'maximise must be "total" or "count", not {maximise!r}.')
    scores = score_matrix("scores", scores)
    n_mentees, n_mentors = scores.shape
    allowed = allowed_mask(allowed, scores.shape)
    capacities = capacity_vector(capacities, n_mentors)
    finite_where_allowed("scores", scores, allowed)

    usable = allowed & (scores > 0) if maximise == "total" else allowed
    matched = np.full(n_mentees, UNMATCHED, dtype=np.int64)
    capacities = np.minimum(capacities, usable.sum(axis=0))
    mentees = np.flatnonzero(usable[:, capacities > 0].any(axis=1))
    mentors = np.flatnonzero(capacities > 0)
    if mentees.size == 0:
        return matched

    usable = _block(usable, mentees, mentors)
    gains = _block(scores, mentees, mentors)
    if maximise == "count":
        low, high = gains[usable].min(), gains[usable].max()
        spread = high - low if high > low else 1.0
        most_matches = min(mentees.size, int(capacities.sum()))
        gains = (gains - low) / spread + (most_matches + 1)
    gains = np.where(usable, gains, 0.0)

    mentor_of_slot = np.repeat(np.arange(mentors.size), capacities[mentors])
    rows, slots = _solve(gains, mentor_of_slot)
    mentor_index = mentor_of_slot[slots]
    kept = usable[rows, mentor_index]
    matched[mentees[rows[kept]]] = mentors[mentor_index[kept]]
    return matched


def total_score(scores: ArrayLike, matched: ArrayLike) -> float:
    """The sum of the matched pairs' scores (unmatched mentees add nothing)."""
    scores = np.asarray(scores, dtype=np.float64)
    matched = np.asarray(matched)
    mentees = np.flatnonzero(matched != UNMATCHED)
    return float(scores[mentees, matched[mentees]].sum())


def _block(matrix: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The given rows and columns of a matrix, without copying when all of them are kept."""
    if rows.size < matrix.shape[0]:
        matrix = matrix[rows]
    if columns.size < matrix.shape[1]:
        matrix = matrix[:, columns]
    return matrix


def _cost_matrix(gains: np.ndarray, mentor_of_slot: np.ndarray) -> np.ndarray:
    """Negated gains with the shorter side as rows, C-contiguous: the solver's fast layout."""
    if mentor_of_slot.size <= gains.shape[0]:
        by_mentor = np.negative(gains.T, out=np.empty(gains.shape[::-1]))
        return by_mentor[mentor_of_slot]
    cost = gains[:, mentor_of_slot]
    return np.negative(cost, out=cost)


def _solve(gains: np.ndarray, mentor_of_slot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mentee rows, slots) of a maximum-gain matching that saturates the shorter side."""
    cost = _cost_matrix(gains, mentor_of_slot)
    first, second = linear_sum_assignment(cost)
    if mentor_of_slot.size <= gains.shape[0]:
        return second, first
    return first, second
