"""Matching runs: check, queue, solve, explain and store proposals.

``start_run`` checks everything that can be checked at once (a policy, people on both
sides, places, weights) and queues the run; ``execute_run`` is the django-q2 task. It
records its progress on the run as it goes, and writes the proposals in one
transaction at the end, so a run that fails leaves nothing half-written and earlier
runs and enrolments exactly as they were.

Who is matched:

* Mentees: enrolments waiting to be matched, without an open self-match request and not
  in a proposal locked from the run this one is based on.
* Mentors: enrolments of active accounts that can mentor and still have places:
  capacity less ``commitments`` (pairs, circles led, open requests) and locked
  proposals. In a circles run a mentor with a place left leads a circle of the
  policy's size, less the members locked in their circle in the run this one is
  based on.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.queue import enqueue

from ..algorithm import UNMATCHED, assign, assign_stable, form_circles
from ..exceptions import MatchingError
from ..models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchingRun,
    MatchProposal,
    MentorRequest,
    Method,
    ProposalStatus,
    RequestStatus,
    RoleWanted,
    RunStatus,
    Strategy,
)
from .criteria import CONSTRAINT_LABELS
from .loader import Problem, build_problem, check_snapshot, load_side, snapshot_policy, split_sides

logger = logging.getLogger(__name__)

PASSED_OVER_LIMIT = 3
WRITE_BATCH = 1000


def start_run(
    program, started_by=None, based_on: MatchingRun | None = None, *, queue: bool = True
) -> MatchingRun:
    """Check the program can be matched, record a queued run and queue its task."""
    policy = MatchingPolicy.objects.filter(program=program).first()
    if policy is None:
        raise MatchingError(
            _("“%(program)s” has no matching policy yet. Choose a strategy first.")
            % {"program": program.title}
        )
    snapshot = snapshot_policy(policy)
    check_snapshot(snapshot)
    if based_on is not None and based_on.program_id != program.pk:
        raise MatchingError(_("A run can only build on a run of the same program."))
    pool = candidate_pool(program, snapshot, based_on)
    _check_pool(pool)
    with transaction.atomic():
        run = MatchingRun.objects.create(
            program=program,
            started_by=started_by,
            based_on=based_on,
            policy_snapshot=snapshot,
            stage=_("Waiting for a worker"),
        )
        if queue:
            enqueue("matching.tasks.execute_run", run.pk, group="matching")
    return run


def run_matching_now(program, started_by=None, based_on: MatchingRun | None = None):
    """Check, record and execute a run in this process (commands and the demo)."""
    run = start_run(program, started_by, based_on, queue=False)
    execute_run(run.pk)
    run.refresh_from_db()
    return run


@dataclass
class Pool:
    mentee_ids: list[int]
    mentor_ids: list[int]
    either_ids: list[int]
    places: dict[int, int]
    locked: list[MatchProposal]


def candidate_pool(program, snapshot: dict, based_on: MatchingRun | None = None) -> Pool:
    """Who can be matched now, and how many places each possible mentor has left."""
    locked = list(based_on.proposals.filter(status=ProposalStatus.LOCKED)) if based_on else []
    locked_mentees = {p.mentee_id for p in locked}
    locked_with = Counter(p.mentor_id for p in locked)
    taken = commitments(program)
    # Someone with a match, a request or a locked proposal to mentor mentors in this run.
    committed = set(taken) | set(locked_with)
    requesting = set(
        MentorRequest.objects.filter(program=program, status=RequestStatus.PENDING).values_list(
            "mentee_id", flat=True
        )
    )
    circles = snapshot["strategy"] == Strategy.CIRCLES
    # A deactivated account's matched enrolment stays matched, but offers no place.
    rows = Enrollment.objects.filter(program=program, user__is_active=True).exclude(
        status=EnrollmentStatus.WITHDRAWN
    )
    mentee_ids, mentor_ids, either_ids, places = [], [], [], {}
    for pk, role, capacity, status in rows.values_list("pk", "role", "capacity", "status"):
        room = capacity - taken.get(pk, 0)
        if circles:
            # One place leads a whole circle, of the policy's size; members locked in
            # the circle of the run this one is based on keep their places in it.
            room = snapshot["circle_size"] - locked_with[pk] if room > 0 else 0
        else:
            room -= locked_with[pk]
        waiting = status == EnrollmentStatus.ENROLLED
        if role in (RoleWanted.MENTOR, RoleWanted.EITHER) and room > 0:
            if role == RoleWanted.EITHER and waiting and pk not in committed:
                either_ids.append(pk)
            else:
                mentor_ids.append(pk)
            places[pk] = room
        elif (
            role in (RoleWanted.MENTEE, RoleWanted.EITHER)
            and waiting
            and pk not in locked_mentees
            and pk not in requesting
            and pk not in committed
        ):
            mentee_ids.append(pk)
    return Pool(mentee_ids, mentor_ids, either_ids, places, locked)


def commitments(program=None, mentors=None, outside_run=None) -> dict[int, int]:
    """How many of each mentor's places are given: pairs, circles led, open requests.

    A mentor's capacity counts commitments: the places their running matches fill
    (``places_filled``, leaving out ``outside_run``'s), and a pending self-match
    request holds a place until the mentor answers.
    """
    taken = places_filled(program, mentors, outside_run)
    for mentor_id, n in open_requests(program, mentors).items():
        taken[mentor_id] = taken.get(mentor_id, 0) + n
    return taken


def open_requests(program=None, mentors=None) -> dict[int, int]:
    """How many self-match requests wait for each mentor's answer, each holding a place.

    A capacity is never lowered below these and ``places_filled`` together: accepting
    a request must still find its place.
    """
    requests = MentorRequest.objects.filter(status=RequestStatus.PENDING)
    if program is not None:
        requests = requests.filter(program=program)
    if mentors is not None:
        requests = requests.filter(mentor__in=mentors)
    return dict(requests.values_list("mentor_id").annotate(n=Count("pk")).order_by())


def places_filled(program=None, mentors=None, outside_run=None) -> dict[int, int]:
    """How many of each mentor's places their approved matches still running fill.

    Each mentee in a pair takes a place, and a circle takes one place whatever its
    size (the policy sets the size). A capacity is never lowered below this, with the
    requests waiting for the mentor's answer (``open_requests``).
    ``outside_run`` leaves that run's matches out, for a review of it to count.
    """
    approved = MatchProposal.objects.filter(status=ProposalStatus.APPROVED, ended_on__isnull=True)
    if program is not None:
        approved = approved.filter(program=program)
    if mentors is not None:
        approved = approved.filter(mentor__in=mentors)
    if outside_run is not None:
        approved = approved.exclude(run=outside_run)
    # A pair's journey has one running match; a circle's, one per member: counting
    # journeys gives a place to each pair and each circle, however it was started.
    filled: dict[int, int] = {}
    for query in (
        approved.filter(journey__isnull=False)
        .values_list("mentor_id")
        .annotate(n=Count("journey_id", distinct=True)),
        approved.filter(journey__isnull=True).values_list("mentor_id").annotate(n=Count("pk")),
    ):
        for mentor_id, n in query.order_by():
            filled[mentor_id] = filled.get(mentor_id, 0) + n
    return filled


def running_journeys(enrollment_ids) -> dict[int, int]:
    """How many running journeys approved matches started for each enrolment, on
    either side; enrolments without any are left out.

    Counted as ``commitments`` counts places: a circle's journey once, a match whose
    journey is gone once.
    """
    ids = set(enrollment_ids)
    rows = MatchProposal.objects.filter(
        Q(mentee_id__in=ids) | Q(mentor_id__in=ids),
        status=ProposalStatus.APPROVED,
        ended_on__isnull=True,
    ).values_list("pk", "mentee_id", "mentor_id", "journey_id")
    journeys: dict[int, set] = {}
    for pk, mentee_id, mentor_id, journey_id in rows:
        for enrollment_id in {mentee_id, mentor_id} & ids:
            journeys.setdefault(enrollment_id, set()).add(journey_id or f"match {pk}")
    return {enrollment_id: len(found) for enrollment_id, found in journeys.items()}


def _check_pool(pool: Pool) -> None:
    if not pool.mentor_ids and not pool.either_ids:
        raise MatchingError(
            _(
                "Nobody can mentor in this run: no enrolment offers to mentor with a place "
                "left (a capacity of 0 offers none). Enrol mentors, or raise their capacity."
            )
        )
    if not pool.mentee_ids and len(pool.either_ids) < 2:
        raise MatchingError(
            _("Nobody is waiting to be mentored: every mentee is matched, requested or locked.")
        )


def execute_run(run_id: int) -> str:
    """The task: load, score, solve, explain, then write the proposals at once."""
    run = MatchingRun.objects.select_related("program").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return f"run {run_id} is {run.status}; nothing to do"
    _progress(run, 5, _("Reading enrolments"), status=RunStatus.RUNNING)
    try:
        result = _execute(run)
    except MatchingError as error:
        _fail(run, str(error))
        return f"run {run_id} failed: {error}"
    except Exception:
        logger.exception("Matching run %s failed", run_id)
        _fail(run, _("Matching stopped on an unexpected error; it has been logged."))
        raise
    return result


def _execute(run: MatchingRun) -> str:
    snapshot = run.policy_snapshot
    today = timezone.localdate()
    pool = candidate_pool(run.program, snapshot, run.based_on)
    _check_pool(pool)
    everyone = load_side(
        Enrollment.objects.filter(pk__in=pool.mentee_ids + pool.mentor_ids + pool.either_ids),
        today,
    )
    roles = []
    mentor_set, either_set = set(pool.mentor_ids), set(pool.either_ids)
    for pk in everyone.ids.tolist():
        roles.append(
            RoleWanted.EITHER
            if pk in either_set
            else RoleWanted.MENTOR
            if pk in mentor_set
            else RoleWanted.MENTEE
        )
    room = np.array([pool.places.get(pk, 0) for pk in everyone.ids.tolist()], dtype=np.int64)
    mentees, mentors = split_sides(everyone, roles, room)
    if len(mentees) == 0 or len(mentors) == 0:
        raise MatchingError(_("There is nobody to match on one side."))
    places = np.array([pool.places[pk] for pk in mentors.ids.tolist()], dtype=np.int64)
    pairs = len(mentees) * len(mentors)
    _progress(
        run,
        20,
        ngettext("Scoring %(n)s pair", "Scoring %(n)s pairs", pairs) % {"n": f"{pairs:,}"},
    )
    problem = build_problem(snapshot, mentees, mentors, places, tried_pairs(run.program_id))
    if not problem.allowed.any():
        raise MatchingError(every_pair_ruled_out(problem))
    _progress(run, 50, _("Finding the best matches"))
    matched = solve(problem)
    _progress(run, 75, _("Explaining the proposals"))
    proposals = explain(problem, matched, run)
    unmatched = unmatched_reasons(problem, matched)
    _progress(run, 90, _("Saving the proposals"))
    with transaction.atomic():
        MatchProposal.objects.bulk_create(proposals, batch_size=WRITE_BATCH)
        MatchProposal.objects.bulk_create(
            [
                MatchProposal(
                    run=run,
                    program_id=run.program_id,
                    mentee_id=locked.mentee_id,
                    mentor_id=locked.mentor_id,
                    score=locked.score,
                    explanation=locked.explanation,
                    passed_over=locked.passed_over,
                    status=ProposalStatus.LOCKED,
                )
                for locked in pool.locked
            ]
        )
        MatchingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            progress=100,
            stage=_("Ready for review"),
            mentee_count=len(mentees),
            mentor_count=len(mentors),
            matched_count=len(proposals) + len(pool.locked),
            total_score=float(sum(p.score for p in proposals)),
            unmatched=unmatched,
            notes=problem.notes,
            finished_at=timezone.now(),
        )
    return f"run {run.pk}: {len(proposals)} proposals, {len(unmatched)} unmatched"


def tried_pairs(program_id) -> set[tuple[int, int]]:
    """The (mentee, mentor) enrolment pairs of the program a run must not propose again:
    those an admin rejected, and matches that were ended or re-matched."""
    return set(
        MatchProposal.objects.filter(program_id=program_id)
        .filter(
            Q(status=ProposalStatus.REJECTED)
            | Q(status=ProposalStatus.APPROVED, ended_on__isnull=False)
        )
        .values_list("mentee_id", "mentor_id")
        .order_by()
    )


def solve(problem: Problem) -> np.ndarray:
    """Each mentee's mentor index, or -1, by the policy's method and objective."""
    snapshot = problem.snapshot
    total = problem.scores.total
    if snapshot["strategy"] == Strategy.CIRCLES:
        return form_circles(
            total, problem.places, problem.allowed, problem.goals, maximise=snapshot["objective"]
        )
    if snapshot["method"] == Method.STABLE:
        return assign_stable(total, total, problem.places, problem.allowed)
    return assign(total, problem.places, problem.allowed, maximise=snapshot["objective"])


def explain(problem: Problem, matched: np.ndarray, run: MatchingRun) -> list[MatchProposal]:
    """One unsaved proposal per matched mentee, with its explanation and passed-over mentors."""
    rows = np.flatnonzero(matched != UNMATCHED)
    total = problem.scores.total
    passed = _passed_over(problem, rows, matched[rows])
    names = problem.scores.names
    contributions = problem.scores.contributions
    proposals = []
    for i, j in zip(rows.tolist(), matched[rows].tolist(), strict=True):
        values = contributions[:, i, j].tolist()
        proposals.append(
            MatchProposal(
                run=run,
                program_id=run.program_id,
                mentee_id=int(problem.mentees.ids[i]),
                mentor_id=int(problem.mentors.ids[j]),
                score=round(float(total[i, j]), 4),
                explanation={
                    name: round(value, 4) for name, value in zip(names, values, strict=True)
                },
                passed_over=passed.get(i, []),
            )
        )
    return proposals


def _passed_over(problem: Problem, rows: np.ndarray, mentors: np.ndarray) -> dict[int, list]:
    """For each matched mentee, the better-scoring mentors a constraint ruled out.

    A mentor one of the pair asked not to be matched with is never listed: they are
    no better option for them, and the list would show an avoid list that only
    matching may read.
    """
    if rows.size == 0:
        return {}
    total = problem.scores.total[rows]
    own = total[np.arange(rows.size), mentors]
    ruled_out = ~problem.allowed[rows]
    avoided = problem.masks.get("avoid")
    if avoided is not None:
        ruled_out &= avoided[rows]
    better = np.where(ruled_out & (total > own[:, None]), total, -np.inf)
    k = min(PASSED_OVER_LIMIT, better.shape[1])
    top = np.argpartition(-better, k - 1, axis=1)[:, :k] if k else np.empty((rows.size, 0), int)
    found: dict[int, list] = {}
    has_any = np.isfinite(better).any(axis=1)
    for r in np.flatnonzero(has_any).tolist():
        i = int(rows[r])
        candidates = sorted(
            (j for j in top[r].tolist() if np.isfinite(better[r, j])),
            key=lambda j: (-better[r, j], j),
        )
        found[i] = [
            passed_over_entry(
                int(problem.mentors.ids[j]),
                problem.mentors.names[j],
                float(total[r, j]),
                problem.ruled_out_by(i, j),
            )
            for j in candidates
        ]
    return found


def passed_over_entry(mentor_id: int, name: str, score: float, constraints) -> dict:
    """How a proposal records one better mentor a constraint ruled out."""
    return {
        "mentor": mentor_id,
        "name": name,
        "score": round(score, 4),
        "ruled_out_by": [str(CONSTRAINT_LABELS[key]) for key in constraints],
    }


def passed_over_candidates(candidates, score: float) -> list[dict]:
    """``_passed_over`` for one pair scored afresh (a moved mentee): from ``Candidate``s."""
    better = sorted(
        (
            c
            for c in candidates
            if c.constraints and "avoid" not in c.constraints and c.score > score
        ),
        key=lambda c: (-c.score, c.enrollment.pk),
    )
    return [
        passed_over_entry(c.enrollment.pk, str(c.enrollment.user), c.score, c.constraints)
        for c in better[:PASSED_OVER_LIMIT]
    ]


def unmatched_reasons(problem: Problem, matched: np.ndarray) -> list[dict]:
    """Everyone left without a match, and why in plain words."""
    result = []
    allowed = problem.allowed
    positive = allowed & (problem.scores.total > 0)
    count_mode = problem.snapshot["objective"] == "count"
    for i in np.flatnonzero(matched == UNMATCHED).tolist():
        if not allowed[i].any():
            blocking = {
                str(CONSTRAINT_LABELS[name]): int((~mask[i]).sum())
                for name, mask in problem.masks.items()
                if (~mask[i]).any()
            }
            reason = _("Every mentor is ruled out by a hard constraint: %(which)s.") % {
                "which": ", ".join(f"{label} ({n})" for label, n in blocking.items())
            }
        elif not positive[i].any() and not count_mode:
            reason = _("No mentor they may be matched with scores above zero on this policy.")
        else:
            reason = _("The mentors who suit them were full.")
        result.append(
            {
                "enrollment": int(problem.mentees.ids[i]),
                "name": problem.mentees.names[i],
                "side": "mentee",
                "reason": reason,
            }
        )
    taken = np.bincount(matched[matched != UNMATCHED], minlength=len(problem.mentors))
    for j in np.flatnonzero(taken == 0).tolist():
        result.append(
            {
                "enrollment": int(problem.mentors.ids[j]),
                "name": problem.mentors.names[j],
                "side": "mentor",
                "reason": _("No mentee was matched with them in this run.")
                if allowed[:, j].any()
                else _("Every mentee is ruled out for them by a hard constraint."),
            }
        )
    return result


def every_pair_ruled_out(problem: Problem) -> str:
    counts = ", ".join(
        ngettext("%(label)s (%(n)s pair)", "%(label)s (%(n)s pairs)", n)
        % {"label": CONSTRAINT_LABELS[name], "n": f"{n:,}"}
        for name, mask in problem.masks.items()
        if (n := int((~mask).sum()))
    )
    return _(
        "Every possible pair is ruled out by the hard constraints, so nobody can be "
        "matched: %(counts)s. Relax a constraint in the matching policy."
    ) % {"counts": counts}


def _progress(run: MatchingRun, percent: int, stage: str, **extra) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(progress=percent, stage=stage, **extra)


def _fail(run: MatchingRun, message: str) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, stage=_("Failed"), error=message, finished_at=timezone.now()
    )


def latest_runs(program):
    return MatchingRun.objects.filter(program=program).annotate(
        approved=Count("proposals", filter=Q(proposals__status=ProposalStatus.APPROVED))
    )
