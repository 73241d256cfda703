"""Input checks shared by the algorithm modules: every refusal is a ValueError in plain words."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def score_matrix(name: str, value: ArrayLike) -> np.ndarray:
    """A mentees x mentors float64 matrix; its finiteness is checked against ``allowed`` later."""
    matrix = np.asarray(value)
    if matrix.ndim != 2:
        raise ValueError(
            f"{name} must be a two-dimensional array (mentees x mentors), "
            f"not one with {matrix.ndim} dimension(s)."
        )
    if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == np.bool_):
        raise ValueError(f"{name} must hold numbers, not {matrix.dtype}.")
    return matrix.astype(np.float64, copy=False)


def allowed_mask(value: ArrayLike, shape: tuple[int, int]) -> np.ndarray:
    mask = np.asarray(value)
    if mask.dtype != np.bool_:
        raise ValueError(f"allowed must be a boolean array, not one of {mask.dtype}.")
    if mask.shape != shape:
        raise ValueError(f"allowed has shape {mask.shape}; the scores have shape {shape}.")
    return mask


def capacity_vector(value: ArrayLike, n_mentors: int) -> np.ndarray:
    capacities = np.asarray(value)
    if capacities.ndim != 1 or capacities.shape[0] != n_mentors:
        raise ValueError(
            f"capacities must list one number per mentor ({n_mentors}), "
            f"but has shape {capacities.shape}."
        )
    if capacities.dtype == np.bool_ or not np.issubdtype(capacities.dtype, np.number):
        raise ValueError(f"capacities must be whole numbers, not {capacities.dtype}.")
    whole = np.issubdtype(capacities.dtype, np.integer) or (
        np.all(np.isfinite(capacities)) and np.all(capacities == np.round(capacities))
    )
    if not whole:
        raise ValueError("capacities must be whole numbers.")
    if np.any(capacities < 0):
        mentor = int(np.flatnonzero(capacities < 0)[0])
        raise ValueError(
            f"capacities cannot be negative (mentor {mentor} has {capacities[mentor]})."
        )
    return capacities.astype(np.int64)


def finite_where_allowed(name: str, matrix: np.ndarray, allowed: np.ndarray) -> None:
    """Refuse NaN or infinite scores on pairs that may be matched; ruled-out pairs may hold any."""
    bad = allowed & ~np.isfinite(matrix)
    if bad.any():
        mentee, mentor = (int(k) for k in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite wherever a pair is allowed; "
            f"mentee {mentee} and mentor {mentor} have {matrix[mentee, mentor]}."
        )


def category_codes(
    mentee_codes: ArrayLike, mentor_codes: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    mentees, mentors = np.asarray(mentee_codes), np.asarray(mentor_codes)
    for name, codes in (("mentee_codes", mentees), ("mentor_codes", mentors)):
        if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"{name} must be a one-dimensional array of integer codes.")
    return mentees, mentors


def scale_values(
    mentee_values: ArrayLike, mentor_values: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    mentees = np.asarray(mentee_values, dtype=np.float32)
    mentors = np.asarray(mentor_values, dtype=np.float32)
    if mentees.ndim != 1 or mentors.ndim != 1:
        raise ValueError("Scale values must be one-dimensional arrays, one value per person.")
    return mentees, mentors
