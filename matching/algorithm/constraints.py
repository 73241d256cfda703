"""Hard constraints as boolean mentees x mentors masks: True where a pair may be matched.

Masks combine with ``&``; the solvers take the result as ``allowed``. Codes and values
follow the conventions of ``scoring``: a negative code or a NaN value means "unknown".

The rules it enforces:

* A constraint that cannot be checked does not rule a pair out: if either side's value is
  unknown, the pair stays allowed. A program that wants the opposite has the loader fill in
  a value that fails, or adds the pairs to ``avoid``.
* Gaps are measured from mentee to mentor: ``gap_between(..., at_least=2)`` asks for a
  mentor at least two levels above the mentee; ``at_most=-2`` asks for reverse mentoring.
* Reporting lines, people to avoid and a person enrolled on both sides are all pairs the
  loader knows by index; ``avoid`` rules them out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from matching.algorithm._checks import category_codes, scale_values

__all__ = ["any_shared", "avoid", "gap_between", "not_same", "within_gap"]


def not_same(mentee_codes: ArrayLike, mentor_codes: ArrayLike) -> np.ndarray:
    """Rule out pairs with the same known code: not in the same department."""
    mentees, mentors = category_codes(mentee_codes, mentor_codes)
    return (mentees[:, None] != mentors[None, :]) | (mentees[:, None] < 0) | (mentors < 0)


def any_shared(mentee_items: ArrayLike, mentor_items: ArrayLike) -> np.ndarray:
    """True where the two sides share at least one item (boolean columns, such as languages).

    Also a criterion: ``combine`` accepts boolean matrices.
    """
    mentees = np.asarray(mentee_items)
    mentors = np.asarray(mentor_items)
    if mentees.ndim != 2 or mentors.ndim != 2 or mentees.shape[1] != mentors.shape[1]:
        raise ValueError("Both sides must be people x items arrays with the same item columns.")
    return (mentees.astype(np.float32) @ mentors.astype(np.float32).T) > 0


def within_gap(
    mentee_values: ArrayLike,
    mentor_values: ArrayLike,
    max_gap: float,
    *,
    period: float | None = None,
) -> np.ndarray:
    """Rule out pairs whose values differ by more than ``max_gap``.

    With a ``period`` the distance wraps around: time-zone offsets in hours with
    ``period=24`` put UTC-11 and UTC+12 one hour apart.
    """
    if not max_gap >= 0:
        raise ValueError(f"max_gap must be zero or more, not {max_gap}.")
    mentees, mentors = scale_values(mentee_values, mentor_values)
    distance = np.abs(mentees[:, None] - mentors[None, :])
    if period is not None:
        if not (np.isfinite(period) and period > 0):
            raise ValueError(f"period must be a positive number, not {period}.")
        distance = np.minimum(distance % period, period - distance % period)
    return ~(distance > max_gap)


def gap_between(
    mentee_values: ArrayLike,
    mentor_values: ArrayLike,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> np.ndarray:
    """Rule out pairs whose signed gap (mentor's value - mentee's) is outside the bounds."""
    if at_least is not None and at_most is not None and at_least > at_most:
        raise ValueError(f"at_least ({at_least}) cannot be greater than at_most ({at_most}).")
    mentees, mentors = scale_values(mentee_values, mentor_values)
    gap = mentors[None, :] - mentees[:, None]
    allowed = np.ones(gap.shape, dtype=bool)
    if at_least is not None:
        allowed &= ~(gap < at_least)
    if at_most is not None:
        allowed &= ~(gap > at_most)
    return allowed


def avoid(shape: tuple[int, int], pairs: ArrayLike) -> np.ndarray:
    """Rule out the given (mentee index, mentor index) pairs."""
    allowed = np.ones(shape, dtype=bool)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    outside = (pairs < 0).any(axis=1) | (pairs[:, 0] >= shape[0]) | (pairs[:, 1] >= shape[1])
    if outside.any():
        mentee, mentor = pairs[outside][0]
        raise ValueError(f"The pair ({mentee}, {mentor}) to avoid is outside {shape}.")
    allowed[pairs[:, 0], pairs[:, 1]] = False
    return allowed
