"""Stable assignment: mentee-proposing deferred acceptance with mentor capacities.

``assign_stable(mentee_scores, mentor_scores, capacities, allowed)`` returns, for each
mentee, the index of its mentor or -1, like ``assign``. ``mentee_scores[i, j]`` is how much
mentee ``i`` wants mentor ``j``; ``mentor_scores[i, j]`` how much mentor ``j`` wants mentee
``i``. Higher is better on both sides.

The rules it enforces:

* Only allowed pairs are acceptable: each side would rather stay unmatched than be in a
  ruled-out pair, and accepts any allowed partner, whatever the score.
* Ties are broken by index, the lower first, on both sides, so each side's ranking is strict.
* The result is stable: no allowed mentee and mentor both prefer each other to what they
  have, the mentor being under capacity or preferring the mentee to its worst one. Among
  stable matchings it is the best for every mentee at once (and the worst for mentors).
* With no ties, it depends on nobody's position in the input: reordering the mentees or the
  mentors reorders the result and changes nothing else.

It does not maximise the total score: stability costs score, usually a little (see
docs/matching-solver.md). Proposals are made in rounds, every free mentee at once, which
gives the same matching as one proposal at a time; each round sorts the held and new
proposals by mentor and rank. The rankings take two mentees x mentors integer arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from matching.algorithm._checks import (
    allowed_mask,
    capacity_vector,
    finite_where_allowed,
    score_matrix,
)

__all__ = ["assign_stable"]


def assign_stable(
    mentee_scores: ArrayLike,
    mentor_scores: ArrayLike,
    capacities: ArrayLike,
    allowed: ArrayLike,
) -> np.ndarray:
    """Each mentee's mentor index (or -1) in the mentee-optimal stable matching."""
    mentee_scores = score_matrix("mentee_scores", mentee_scores)
    mentor_scores = score_matrix("mentor_scores", mentor_scores)
    if mentor_scores.shape != mentee_scores.shape:
        raise ValueError(
            f"mentor_scores has shape {mentor_scores.shape}; "
            f"mentee_scores has shape {mentee_scores.shape}. Both are mentees x mentors."
        )
    n_mentees, n_mentors = mentee_scores.shape
    allowed = allowed_mask(allowed, mentee_scores.shape)
    capacities = capacity_vector(capacities, n_mentors)
    finite_where_allowed("mentee_scores", mentee_scores, allowed)
    finite_where_allowed("mentor_scores", mentor_scores, allowed)

    matched = np.full(n_mentees, -1, dtype=np.int64)
    if n_mentees == 0 or n_mentors == 0:
        return matched
    # A stable argsort of the negated scores ranks higher first and, among equals, lower index.
    choices = np.argsort(np.where(allowed, -mentee_scores, np.inf), axis=1, kind="stable")
    n_acceptable = allowed.sum(axis=1)
    by_mentor = np.argsort(np.where(allowed, -mentor_scores, np.inf), axis=0, kind="stable")
    rank = np.empty(mentee_scores.shape, dtype=np.int64)
    rank[by_mentor, np.arange(n_mentors)] = np.arange(n_mentees)[:, None]

    proposed = np.zeros(n_mentees, dtype=np.int64)
    held_mentees = np.empty(0, dtype=np.int64)
    held_mentors = np.empty(0, dtype=np.int64)
    free = np.flatnonzero(n_acceptable > 0)
    while free.size:
        targets = choices[free, proposed[free]]
        proposed[free] += 1
        mentees = np.concatenate([held_mentees, free])
        mentors = np.concatenate([held_mentors, targets])
        order = np.lexsort((rank[mentees, mentors], mentors))
        mentees, mentors = mentees[order], mentors[order]
        first_of_mentor = np.flatnonzero(np.r_[True, mentors[1:] != mentors[:-1]])
        group_sizes = np.diff(np.r_[first_of_mentor, mentors.size])
        place = np.arange(mentors.size) - np.repeat(first_of_mentor, group_sizes)
        kept = place < capacities[mentors]
        held_mentees, held_mentors = mentees[kept], mentors[kept]
        rejected = mentees[~kept]
        free = rejected[proposed[rejected] < n_acceptable[rejected]]
    matched[held_mentees] = held_mentors
    return matched
