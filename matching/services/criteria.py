"""What matching can weigh, and the strategy presets that set weights and constraints.

Each criterion scores a mentee–mentor pair between 0 and 1; a policy's weight says how
much it counts. The program's own questions add criteria of their own
(``question_rules``). Presets are starting points: choosing one fills in weights and
hard constraints, which the admin then adjusts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import QuestionKind, Strategy


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    help_text: str
    # How the introduction email says it, completed with the pair's details.
    because: str
    # The same, said to the mentee or to the mentor, where it has a direction.
    to_mentee: str | None = None
    to_mentor: str | None = None

    def because_to(self, reader: str | None) -> str:
        """The reason as ``reader`` ("mentee", "mentor" or None for either) reads it."""
        said = {"mentee": self.to_mentee, "mentor": self.to_mentor}.get(reader)
        return said or self.because


CRITERIA = {
    c.key: c
    for c in (
        Criterion(
            "topics_offered",
            _("Mentor offers what the mentee seeks"),
            _("The share of the mentee's topics the mentor says they can help with."),
            _("the mentor can help with what the mentee wants to grow in"),
            to_mentee=_("they can help with what you want to grow in"),
            to_mentor=_("you can help with what they want to grow in"),
        ),
        Criterion(
            "complementary",
            _("Complementary skills"),
            _("Each offers what the other seeks, in both directions."),
            _("each of you offers something the other is looking for"),
        ),
        Criterion(
            "shared_interests",
            _("Shared interests"),
            _("How many topics they have in common, offered or sought."),
            _("you share interests"),
        ),
        Criterion(
            "cross_department",
            _("Across departments"),
            _("They work in different departments, so each sees a new part of the organisation."),
            _("you work in different parts of the organisation"),
        ),
        Criterion(
            "same_location",
            _("Same location"),
            _("They work from the same place, so they can meet in person."),
            _("you work from the same place"),
        ),
        Criterion(
            "time_zone",
            _("Close time zones"),
            _("How near their working hours are: 1 for the same zone, 0 for 12 hours apart."),
            _("your working hours overlap"),
        ),
        Criterion(
            "seniority_fit",
            _("Seniority gap fits the strategy"),
            _(
                "How close the gap in levels is to the strategy's ideal: two levels above "
                "for mentoring, three below for reverse mentoring."
            ),
            _("the difference in experience suits this kind of mentoring"),
        ),
        Criterion(
            "shared_language",
            _("Shared language"),
            _("They share at least one language."),
            _("you share a language"),
        ),
        Criterion(
            "shared_attributes",
            _("Shared opt-in attributes"),
            _("They both chose to share the same attributes (for example, being a parent)."),
            _("you both chose to share something in common"),
        ),
    )
}

# The seniority gap (mentor's level minus mentee's) each strategy aims for.
IDEAL_SENIORITY_GAP = {
    Strategy.KNOWLEDGE: 2,
    Strategy.RELATIONSHIP: 2,
    Strategy.REVERSE: -3,
    Strategy.CIRCLES: 3,
}

# Rules for the program's own questions, by the kind of question.
QUESTION_RULES = {
    "same": _("Same answer"),
    "different": _("Different answer"),
    "closeness": _("Close on the scale"),
}
RULES_FOR_KIND = {
    QuestionKind.SINGLE: ("same", "different"),
    QuestionKind.MULTIPLE: ("same", "different"),
    QuestionKind.SCALE: ("closeness", "same", "different"),
    QuestionKind.TOPICS: ("same", "different"),
    QuestionKind.TEXT: (),
}

PRESETS = {
    Strategy.KNOWLEDGE: {
        "description": _(
            "Tactical knowledge transfer: the mentor offers what the mentee seeks and is "
            "a little further along."
        ),
        "weights": {
            "topics_offered": 3.0,
            "seniority_fit": 1.0,
            "time_zone": 0.5,
            "same_location": 0.5,
            "shared_attributes": 0.5,
        },
        "constraints": {
            "not_same_department": False,
            "not_same_reporting_line": True,
            "require_shared_language": True,
            "min_seniority_gap": 1,
            "max_seniority_gap": None,
            "max_time_zone_gap": None,
        },
    },
    Strategy.RELATIONSHIP: {
        "description": _(
            "Sustained relationships that carry soft skills: shared interests, "
            "complementary skills, across departments."
        ),
        "weights": {
            "shared_interests": 2.0,
            "complementary": 2.0,
            "cross_department": 1.5,
            "topics_offered": 1.0,
            "shared_attributes": 1.0,
            "time_zone": 1.0,
            "seniority_fit": 0.5,
        },
        "constraints": {
            "not_same_department": True,
            "not_same_reporting_line": True,
            "require_shared_language": True,
            "min_seniority_gap": None,
            "max_seniority_gap": None,
            "max_time_zone_gap": 6,
        },
    },
    Strategy.REVERSE: {
        "description": _(
            "Reverse mentoring: a more junior colleague mentors a senior one on chosen topics."
        ),
        "weights": {
            "topics_offered": 3.0,
            "seniority_fit": 1.0,
            "cross_department": 1.0,
            "shared_interests": 0.5,
        },
        "constraints": {
            "not_same_department": False,
            "not_same_reporting_line": True,
            "require_shared_language": True,
            "min_seniority_gap": None,
            "max_seniority_gap": -1,
            "max_time_zone_gap": None,
        },
    },
    Strategy.CIRCLES: {
        "description": _("Circles: one mentor with a small group of mentees who share goals."),
        "weights": {
            "topics_offered": 2.0,
            "shared_interests": 1.0,
            "time_zone": 1.5,
            "seniority_fit": 0.5,
        },
        "constraints": {
            "not_same_department": False,
            "not_same_reporting_line": True,
            "require_shared_language": True,
            "min_seniority_gap": 1,
            "max_seniority_gap": None,
            "max_time_zone_gap": 4,
        },
    },
}

CONSTRAINT_FIELDS = (
    "not_same_department",
    "not_same_reporting_line",
    "require_shared_language",
    "min_seniority_gap",
    "max_seniority_gap",
    "max_time_zone_gap",
)

# How each hard constraint is named when it rules a pair out.
CONSTRAINT_LABELS = {
    "same_department": _("same department"),
    "reporting_line": _("same reporting line"),
    "no_shared_language": _("no shared language"),
    "seniority_gap": _("seniority gap outside the policy's limits"),
    "time_zone_gap": _("time zones too far apart"),
    "avoid": _("one of them asked not to be matched with the other"),
    "tried_before": _("tried before: an admin rejected the pair, or ended their match"),
}


def apply_preset(policy, strategy: str) -> None:
    """Set the policy's strategy, weights and constraints to the preset's (not saved)."""
    preset = PRESETS[Strategy(strategy)]
    policy.strategy = strategy
    policy.weights = dict(preset["weights"])
    for field, value in preset["constraints"].items():
        setattr(policy, field, value)


def criterion_label(key: str, snapshot: dict | None = None) -> str:
    """A criterion's label, or a question criterion's (``q:<key>``) from the run's snapshot."""
    if key in CRITERIA:
        return str(CRITERIA[key].label)
    if key.startswith("q:") and snapshot:
        question = snapshot.get("questions", {}).get(key[2:])
        if question:
            return str(question["label"])
    return key
