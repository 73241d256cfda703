"""A journey's health score: four signals, weighted, from 0 to 100.

Pure: numbers in, a score out; no ORM, no clock. The same text explains it in
``docs/insights.md`` and, on the dashboard, on hover and under "How is this
worked out?" (``FORMULA`` is the source of both).

    score = round(100 × Σ weight × part / Σ weight), over the parts that apply

Each part runs from 1 (all well) down to 0:

* Milestones, weight 40: 1 when nothing is overdue, falling evenly to 0 when
  the most overdue milestone the journey has not finished is 28 days past its
  due day.
* Meetings, weight 25: 1 while the last meeting (or, before the first one, the
  start of the journey) was 30 days ago or less, falling evenly to 0 at 60.
* Activity, weight 20: 1 while someone did something (a step, a meeting, a
  reflection, a goal, a rating) in the last 14 days, falling evenly to 0 at 42.
* Pulse, weight 15: the journey's average pulse rating, 1 → 0 and 5 → 1. Left
  out, and the other weights count for more, until someone has given a rating.

Bands: 70 and above is on track, 40 to 69 needs attention, below 40 at risk.
A journey with an overdue milestone is never on track, whatever its score: it
needs attention at best.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ON_TRACK = "on_track"
NEEDS_ATTENTION = "needs_attention"
AT_RISK = "at_risk"
BANDS = (ON_TRACK, NEEDS_ATTENTION, AT_RISK)

ON_TRACK_FROM = 70
NEEDS_ATTENTION_FROM = 40

WEIGHTS = {"milestones": 40, "meetings": 25, "activity": 20, "pulse": 15}
OVERDUE_ZERO_AT = 28
MEETING_FULL_UNTIL, MEETING_ZERO_AT = 30, 60
ACTIVITY_FULL_UNTIL, ACTIVITY_ZERO_AT = 14, 42

FORMULA = _(
    "Health runs from 0 to 100. Milestones count 40: full marks when nothing is overdue, "
    "none once the most overdue milestone is 28 days late. Meetings count 25: full marks "
    "while the last meeting (or the start) was up to 30 days ago, none at 60. Activity "
    "counts 20: full marks while someone did something in the last 14 days, none at 42. "
    "The average pulse rating counts 15 (1 is none, 5 is full marks), and is left out "
    "until someone rates. 70 and above is on track, 40 to 69 needs attention, below 40 "
    "at risk. A journey with an overdue milestone is never on track: it needs attention "
    "at best."
)


@dataclass(frozen=True, slots=True)
class HealthInput:
    overdue_days: int
    days_since_meeting: int
    days_since_activity: int
    average_pulse: float | None


@dataclass(frozen=True, slots=True)
class Health:
    score: int
    band: str
    parts: tuple[tuple[str, float], ...]


def falling(days: float, full_until: float, zero_at: float) -> float:
    """1 up to ``full_until`` days, then evenly down to 0 at ``zero_at``."""
    if days <= full_until:
        return 1.0
    if days >= zero_at:
        return 0.0
    return (zero_at - days) / (zero_at - full_until)


def band_of(score: int, overdue: bool = False) -> str:
    """The band of ``score``; an overdue milestone keeps a journey off "on track"."""
    if score >= ON_TRACK_FROM:
        return NEEDS_ATTENTION if overdue else ON_TRACK
    if score >= NEEDS_ATTENTION_FROM:
        return NEEDS_ATTENTION
    return AT_RISK


def health(signals: HealthInput) -> Health:
    parts = [
        ("milestones", falling(max(signals.overdue_days, 0), 0, OVERDUE_ZERO_AT)),
        (
            "meetings",
            falling(signals.days_since_meeting, MEETING_FULL_UNTIL, MEETING_ZERO_AT),
        ),
        (
            "activity",
            falling(signals.days_since_activity, ACTIVITY_FULL_UNTIL, ACTIVITY_ZERO_AT),
        ),
    ]
    if signals.average_pulse is not None:
        parts.append(("pulse", min(max((signals.average_pulse - 1) / 4, 0.0), 1.0)))
    weight = sum(WEIGHTS[name] for name, _part in parts)
    total = sum(WEIGHTS[name] * part for name, part in parts)
    score = round(100 * total / weight)
    return Health(
        score=score, band=band_of(score, overdue=signals.overdue_days > 0), parts=tuple(parts)
    )
