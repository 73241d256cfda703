"""The matching algorithm: pure numpy and scipy, no ORM, no clock.

Scoring turns enrolment fields into mentees x mentors criteria and weighs them
(``scoring``); hard constraints become a boolean ``allowed`` mask (``constraints``); the
solvers return each mentee's mentor index or -1: ``assign`` for the best total score or the
most matches, ``assign_stable`` for a stable matching, ``form_circles`` for circles with
shared goals. A loader builds the arrays from enrolments and a writer stores the proposals.
"""

from matching.algorithm.assign import MAXIMISE, UNMATCHED, assign, total_score
from matching.algorithm.circles import circle_cohesion, form_circles
from matching.algorithm.constraints import any_shared, avoid, gap_between, not_same, within_gap
from matching.algorithm.scoring import (
    Scores,
    closeness,
    combine,
    different_category,
    same_category,
    topic_overlap,
)
from matching.algorithm.stable import assign_stable

__all__ = [
    "MAXIMISE",
    "UNMATCHED",
    "Scores",
    "any_shared",
    "assign",
    "assign_stable",
    "avoid",
    "circle_cohesion",
    "closeness",
    "combine",
    "different_category",
    "form_circles",
    "gap_between",
    "not_same",
    "same_category",
    "topic_overlap",
    "total_score",
    "within_gap",
]
