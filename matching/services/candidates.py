"""Scoring one person against chosen partners: moving a mentee, self-match, re-match.

The same criteria, weights and constraints as a run, through the same loader, so a
score seen while moving a mentee or browsing suggestions is the score a run would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from ..models import Enrollment, MatchingPolicy
from .criteria import CONSTRAINT_LABELS, criterion_label
from .loader import build_problem, check_snapshot, load_side, snapshot_policy


@dataclass(frozen=True)
class Candidate:
    """One possible partner: the score, each criterion's share, and what rules it out."""

    enrollment: Enrollment
    score: float
    explanation: dict[str, float]
    ruled_out_by: tuple[str, ...]
    constraints: tuple[str, ...] = ()  # the keys of the constraints in ``ruled_out_by``

    @property
    def allowed(self) -> bool:
        return not self.ruled_out_by

    def reasons(self, snapshot: dict) -> list[tuple[str, float]]:
        """(label, contribution) for every criterion that added something, largest first."""
        parts = [(criterion_label(k, snapshot), v) for k, v in self.explanation.items() if v]
        return sorted(parts, key=lambda part: -part[1])


def current_snapshot(program) -> dict:
    """The program's policy as a run would freeze it now (checked)."""
    policy = MatchingPolicy.objects.get(program=program)
    snapshot = snapshot_policy(policy)
    check_snapshot(snapshot)
    return snapshot


def score_candidates(snapshot: dict, mentee: Enrollment, mentors, today=None) -> list[Candidate]:
    """Score ``mentee`` against each of ``mentors`` (enrolments), best first."""
    mentors = list(mentors)
    if not mentors:
        return []
    today = today or timezone.localdate()
    mentee_side = load_side([mentee], today)
    mentor_side = load_side(mentors, today)
    problem = build_problem(
        snapshot, mentee_side, mentor_side, np.ones(len(mentor_side), dtype=np.int64)
    )
    by_id = {m.pk: m for m in mentors}
    names = problem.scores.names
    result = []
    for j, pk in enumerate(mentor_side.ids.tolist()):
        values = problem.scores.contributions[:, 0, j].tolist()
        constraints = tuple(problem.ruled_out_by(0, j))
        result.append(
            Candidate(
                enrollment=by_id[pk],
                score=round(float(problem.scores.total[0, j]), 4),
                explanation={n: round(v, 4) for n, v in zip(names, values, strict=True)},
                ruled_out_by=tuple(str(CONSTRAINT_LABELS[name]) for name in constraints),
                constraints=constraints,
            )
        )
    result.sort(key=lambda c: (not c.allowed, -c.score, c.enrollment.pk))
    return result
