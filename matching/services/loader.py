"""From enrolments to the arrays the algorithm works on, and back to words.

``snapshot_policy`` freezes a policy (and the program's questions) into a plain dict;
``check_snapshot`` says what is wrong with it before anything runs; ``load_side`` reads
enrolments into column arrays with a handful of queries whatever their number;
``build_problem`` turns two sides into weighted scores, a named mask per hard constraint
and the mentors' places.

The rules it enforces:

* A value nobody gave (no department, an unknown time zone) never earns a pair any
  score, and never rules a pair out (see ``matching.algorithm.constraints``).
* Answers to a question the program no longer asks are ignored. A policy that still
  weighs such a question is refused by ``check_snapshot``, naming it.
* People who chose "either" go where they are needed: the most senior of them mentor
  while the mentors' places fall short of the mentees, the rest are mentored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..algorithm import (
    Scores,
    any_shared,
    closeness,
    combine,
    different_category,
    gap_between,
    not_same,
    same_category,
    topic_overlap,
    within_gap,
)
from ..exceptions import MatchingError
from ..models import Enrollment, QuestionKind, RoleWanted, Strategy
from .criteria import CONSTRAINT_FIELDS, CRITERIA, IDEAL_SENIORITY_GAP, RULES_FOR_KIND

SENIORITY_SPAN = 9.0


def snapshot_policy(policy) -> dict:
    """The policy and the program's current questions as plain data, kept with a run."""
    program = policy.program
    questions = {
        str(q.key): {
            "label": q.label,
            "kind": q.kind,
            "choices": q.choice_list,
            "scale_min": q.scale_min,
            "scale_max": q.scale_max,
        }
        for q in program.questions.all()
    }
    return {
        "strategy": policy.strategy,
        "weights": {k: float(v) for k, v in (policy.weights or {}).items()},
        "question_rules": dict(policy.question_rules or {}),
        "constraints": {name: getattr(policy, name) for name in CONSTRAINT_FIELDS},
        "objective": policy.objective,
        "method": policy.method,
        "circle_size": policy.circle_size,
        "ideal_seniority_gap": IDEAL_SENIORITY_GAP[Strategy(policy.strategy)],
        "questions": questions,
    }


def weights_of(snapshot: dict) -> dict[str, float]:
    """Every non-zero weight: the built-in criteria's, then ``q:<key>`` for questions."""
    weights = {k: float(v) for k, v in snapshot["weights"].items() if float(v) != 0}
    for key, rule in snapshot["question_rules"].items():
        if float(rule.get("weight", 0)) != 0:
            weights[f"q:{key}"] = float(rule["weight"])
    return weights


def check_snapshot(snapshot: dict) -> None:
    """Refuse a policy that cannot match anyone sensibly, saying why."""
    unknown = sorted(set(snapshot["weights"]) - set(CRITERIA))
    if unknown:
        raise MatchingError(
            _("The policy weighs criteria that do not exist: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    for key, rule in snapshot["question_rules"].items():
        if float(rule.get("weight", 0)) == 0:
            continue
        question = snapshot["questions"].get(key)
        if question is None:
            raise MatchingError(
                _(
                    "The policy weighs the question “%(label)s”, which the program no longer "
                    "asks. Remove its weight from the matching policy, or add the question "
                    "back. Enrolments keep their answers either way."
                )
                % {"label": rule.get("label") or key}
            )
        if rule.get("rule") not in _rules_for(question["kind"]):
            raise MatchingError(
                _("The question “%(label)s” cannot be matched by “%(rule)s”.")
                % {"label": question["label"], "rule": rule.get("rule")}
            )
    for name, weight in weights_of(snapshot).items():
        if not math.isfinite(weight):
            raise MatchingError(_("The weight of %(name)s must be a number.") % {"name": name})
    if not any(weight > 0 for weight in weights_of(snapshot).values()):
        raise MatchingError(
            _(
                "Every criterion weighs zero (or less), so no pair would score above "
                "nothing. Give at least one criterion a positive weight in the matching "
                "policy."
            )
        )
    constraints = snapshot["constraints"]
    low, high = constraints["min_seniority_gap"], constraints["max_seniority_gap"]
    if low is not None and high is not None and low > high:
        raise MatchingError(
            _("The smallest seniority gap (%(low)s) is above the largest (%(high)s).")
            % {"low": low, "high": high}
        )


def _rules_for(kind: str) -> tuple[str, ...]:
    return RULES_FOR_KIND.get(QuestionKind(kind), ())


@lru_cache(maxsize=1024)
def utc_offset_hours(name: str, day: date) -> float:
    """The zone's offset from UTC on ``day`` at noon, in hours; NaN if unknown."""
    if not name:
        return math.nan
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return math.nan
    offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else math.nan


class _Codes:
    """Integer codes for categories, shared by both sides; blank is -1."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        value = (value or "").strip().casefold()
        if not value:
            return -1
        return self.codes.setdefault(value, len(self.codes))


@dataclass
class Side:
    """One side's enrolments as columns, in the order of ``ids``."""

    ids: np.ndarray
    user_ids: np.ndarray
    names: list[str]
    capacity: np.ndarray
    seniority: np.ndarray
    reports_to: np.ndarray
    time_zone: np.ndarray
    department: list[str]
    location: list[str]
    languages: list[list[str]]
    attributes: list[list[str]]
    answers: list[dict]
    offered: list[set[int]]
    sought: list[set[int]]
    avoid: list[set[int]]

    def __len__(self):
        return len(self.ids)

    def take(self, index) -> Side:
        index = np.asarray(index, dtype=np.int64)

        def pick(values):
            return values[index] if isinstance(values, np.ndarray) else [values[i] for i in index]

        return Side(**{name: pick(getattr(self, name)) for name in self.__dataclass_fields__})


def load_side(enrollments, today: date) -> Side:
    """Read enrolments (a queryset or list) into columns: four queries in all."""
    if not hasattr(enrollments, "query"):
        enrollments = Enrollment.objects.filter(pk__in=[e.pk for e in enrollments])
    rows = list(enrollments.select_related("user").order_by("pk"))
    ids = [row.pk for row in rows]
    offered = _through(Enrollment.topics_offered.through, ids, "topic_id")
    sought = _through(Enrollment.topics_sought.through, ids, "topic_id")
    avoid = _through(Enrollment.avoid.through, ids, "user_id")
    return Side(
        ids=np.array(ids, dtype=np.int64),
        user_ids=np.array([row.user_id for row in rows], dtype=np.int64),
        names=[str(row.user) for row in rows],
        capacity=np.array([row.capacity for row in rows], dtype=np.int64),
        seniority=np.array(
            [row.seniority if row.seniority is not None else np.nan for row in rows],
            dtype=np.float32,
        ),
        reports_to=np.array(
            [row.reports_to_id if row.reports_to_id is not None else -1 for row in rows],
            dtype=np.int64,
        ),
        time_zone=np.array([utc_offset_hours(row.time_zone, today) for row in rows]),
        department=[row.department for row in rows],
        location=[row.location for row in rows],
        languages=[[str(code).casefold() for code in row.languages or []] for row in rows],
        attributes=[list(row.attributes or []) for row in rows],
        answers=[row.answers or {} for row in rows],
        offered=[offered.get(pk, set()) for pk in ids],
        sought=[sought.get(pk, set()) for pk in ids],
        avoid=[avoid.get(pk, set()) for pk in ids],
    )


def _through(through, ids, column) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    for enrollment_id, value in (
        through.objects.filter(enrollment_id__in=ids)
        .values_list("enrollment_id", column)
        .iterator()
    ):
        result.setdefault(enrollment_id, set()).add(value)
    return result


def split_sides(side: Side, roles: list[str], mentor_places: np.ndarray) -> tuple[Side, Side]:
    """Mentees and mentors from one list of enrolments, placing "either" where needed."""
    roles = np.asarray(roles)
    mentors = roles == RoleWanted.MENTOR
    mentees = roles == RoleWanted.MENTEE
    either = np.flatnonzero(roles == RoleWanted.EITHER)
    places = int(mentor_places[mentors].sum())
    wanted = int(mentees.sum())
    seniority = np.nan_to_num(side.seniority[either], nan=-1)
    order = either[np.lexsort((side.ids[either], -seniority))]
    for position, index in enumerate(order):
        undecided = len(order) - position - 1
        if places < wanted + undecided and mentor_places[index] > 0:
            mentors[index] = True
            places += int(mentor_places[index])
        else:
            mentees[index] = True
            wanted += 1
    return side.take(np.flatnonzero(mentees)), side.take(np.flatnonzero(mentors))


@dataclass
class Problem:
    """Everything a solver needs, and what explanations read back."""

    snapshot: dict
    mentees: Side
    mentors: Side
    places: np.ndarray
    scores: Scores
    masks: dict[str, np.ndarray]
    allowed: np.ndarray
    goals: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.mentees), len(self.mentors)

    def ruled_out_by(self, mentee: int, mentor: int) -> list[str]:
        """The names of the constraints that rule this pair out."""
        return [name for name, mask in self.masks.items() if not mask[mentee, mentor]]


def build_problem(
    snapshot: dict, mentees: Side, mentors: Side, places: np.ndarray, tried=frozenset()
) -> Problem:
    """Score every mentee x mentor pair and build the hard constraints' masks.

    ``tried`` holds (mentee, mentor) enrolment ids of pairs not to propose again
    (``runs.tried_pairs``): they are ruled out as "tried before".
    """
    shape = (len(mentees), len(mentors))
    notes: list[str] = []
    departments, locations = _Codes(), _Codes()
    dept = (
        np.array([departments(v) for v in mentees.department], dtype=np.int64),
        np.array([departments(v) for v in mentors.department], dtype=np.int64),
    )
    loc = (
        np.array([locations(v) for v in mentees.location], dtype=np.int64),
        np.array([locations(v) for v in mentors.location], dtype=np.int64),
    )
    topics = sorted(
        set().union(*mentees.offered, *mentees.sought, *mentors.offered, *mentors.sought)
    )
    topic_column = {topic: k for k, topic in enumerate(topics)}
    offered = (_columns(mentees.offered, topic_column), _columns(mentors.offered, topic_column))
    sought = (_columns(mentees.sought, topic_column), _columns(mentors.sought, topic_column))
    languages = _item_columns(mentees.languages, mentors.languages)
    attributes = _item_columns(mentees.attributes, mentors.attributes)
    ideal = float(snapshot["ideal_seniority_gap"])

    def time_zone():
        distance = np.abs(mentees.time_zone[:, None] - mentors.time_zone[None, :]) % 24
        distance = np.minimum(distance, 24 - distance)
        near = np.clip(1 - distance / 12, 0, 1)
        return np.nan_to_num(near, nan=0.0)

    criteria = {
        "topics_offered": lambda: topic_overlap(sought[0], offered[1]),
        "complementary": lambda: (
            (topic_overlap(sought[0], offered[1]) + topic_overlap(sought[1], offered[0]).T) / 2
        ),
        "shared_interests": lambda: topic_overlap(
            sought[0] | offered[0], sought[1] | offered[1], measure="jaccard"
        ),
        "cross_department": lambda: different_category(*dept),
        "same_location": lambda: same_category(*loc),
        "time_zone": time_zone,
        "seniority_fit": lambda: closeness(
            mentees.seniority + np.float32(ideal), mentors.seniority, SENIORITY_SPAN
        ),
        "shared_language": lambda: any_shared(*languages),
        "shared_attributes": lambda: topic_overlap(*attributes, measure="jaccard"),
    }
    for key in snapshot["question_rules"]:
        question = snapshot["questions"].get(key)
        if question is not None:
            criteria[f"q:{key}"] = _question_criterion(key, question, snapshot, mentees, mentors)
    unanswered = {
        key for answers in (*mentees.answers, *mentors.answers) for key in answers
    } - set(snapshot["questions"])
    if unanswered:
        notes.append(
            ngettext(
                "Answers to %(count)s question the program no longer asks were kept but "
                "not matched on.",
                "Answers to %(count)s questions the program no longer asks were kept but "
                "not matched on.",
                len(unanswered),
            )
            % {"count": len(unanswered)}
        )

    scores = combine(criteria, weights_of(snapshot), shape)
    masks = _masks(snapshot["constraints"], mentees, mentors, dept, languages, shape)
    if tried:
        masks["tried_before"] = _untried(tried, mentees, mentors, shape)
    allowed = np.ones(shape, dtype=bool)
    for mask in masks.values():
        allowed &= mask
    goals = sought[0].astype(np.float32)
    return Problem(snapshot, mentees, mentors, places, scores, masks, allowed, goals, notes)


def _untried(tried, mentees: Side, mentors: Side, shape) -> np.ndarray:
    """False where the pair of enrolments is among ``tried``."""
    mask = np.ones(shape, dtype=bool)
    row = {pk: i for i, pk in enumerate(mentees.ids.tolist())}
    column = {pk: j for j, pk in enumerate(mentors.ids.tolist())}
    for mentee_id, mentor_id in tried:
        if mentee_id in row and mentor_id in column:
            mask[row[mentee_id], column[mentor_id]] = False
    return mask


def _columns(sets: list[set[int]], column: dict[int, int]) -> np.ndarray:
    matrix = np.zeros((len(sets), len(column)), dtype=bool)
    for row, items in enumerate(sets):
        if items:
            matrix[row, [column[item] for item in items]] = True
    return matrix


def _item_columns(left: list[list[str]], right: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    items = sorted(set().union(*map(set, left), *map(set, right)))
    column = {item: k for k, item in enumerate(items)}
    return _columns([set(v) for v in left], column), _columns([set(v) for v in right], column)


def _question_criterion(key: str, question: dict, snapshot: dict, mentees: Side, mentors: Side):
    rule = snapshot["question_rules"][key]["rule"]
    kind = question["kind"]

    def answers(side):
        return [row.get(key) for row in side.answers]

    def criterion():
        left, right = answers(mentees), answers(mentors)
        if kind == QuestionKind.SCALE:
            a = np.array([_number(v) for v in left], dtype=np.float32)
            b = np.array([_number(v) for v in right], dtype=np.float32)
            if rule == "closeness":
                span = max(1, question["scale_max"] - question["scale_min"])
                return closeness(a, b, span)
            both = ~np.isnan(a)[:, None] & ~np.isnan(b)[None, :]
            equal = a[:, None] == b[None, :]
            return (both & (equal if rule == "same" else ~equal)).astype(np.float32)
        if kind == QuestionKind.SINGLE:
            codes = _Codes()
            a = np.array([codes(v if isinstance(v, str) else "") for v in left], dtype=np.int64)
            b = np.array([codes(v if isinstance(v, str) else "") for v in right], dtype=np.int64)
            return same_category(a, b) if rule == "same" else different_category(a, b)
        # Multiple choice and topics: sets of answers.
        a_sets = [set(v) if isinstance(v, list) else set() for v in left]
        b_sets = [set(v) if isinstance(v, list) else set() for v in right]
        a, b = _item_columns([list(s) for s in a_sets], [list(s) for s in b_sets])
        overlap = topic_overlap(a, b, measure="jaccard")
        if rule == "same":
            return overlap
        both = a.any(axis=1)[:, None] & b.any(axis=1)[None, :]
        return np.where(both, 1 - overlap, 0).astype(np.float32)

    return criterion


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _masks(constraints, mentees: Side, mentors: Side, dept, languages, shape):
    masks: dict[str, np.ndarray] = {}
    if constraints["not_same_department"]:
        masks["same_department"] = not_same(*dept)
    if constraints["not_same_reporting_line"]:
        manages = mentees.reports_to[:, None] == mentors.user_ids[None, :]
        reports = mentors.reports_to[None, :] == mentees.user_ids[:, None]
        masks["reporting_line"] = ~(manages | reports)
    if constraints["require_shared_language"]:
        known = languages[0].any(axis=1)[:, None] & languages[1].any(axis=1)[None, :]
        masks["no_shared_language"] = any_shared(*languages) | ~known
    low, high = constraints["min_seniority_gap"], constraints["max_seniority_gap"]
    if low is not None or high is not None:
        masks["seniority_gap"] = gap_between(
            mentees.seniority, mentors.seniority, at_least=low, at_most=high
        )
    if constraints["max_time_zone_gap"] is not None:
        masks["time_zone_gap"] = within_gap(
            mentees.time_zone, mentors.time_zone, constraints["max_time_zone_gap"], period=24
        )
    avoid = np.ones(shape, dtype=bool)
    mentor_column = {user: j for j, user in enumerate(mentors.user_ids.tolist())}
    mentee_row = {user: i for i, user in enumerate(mentees.user_ids.tolist())}
    for i, users in enumerate(mentees.avoid):
        for user in users:
            if user in mentor_column:
                avoid[i, mentor_column[user]] = False
    for j, users in enumerate(mentors.avoid):
        for user in users:
            if user in mentee_row:
                avoid[mentee_row[user], j] = False
    same_person = mentees.user_ids[:, None] == mentors.user_ids[None, :]
    avoid &= ~same_person
    masks["avoid"] = avoid
    return masks
