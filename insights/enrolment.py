"""Enrolment figures, read from the app that owns enrolment and matching.

Insights sit above ``matching``, so they read its tables directly: each
person's enrolment day, status, first match day and the opt-in attributes they
shared. Never their answers, goals or anything else they wrote. Four queries
whatever the number of enrolments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDate

from matching.models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    ProgramAttribute,
    ProposalStatus,
)


class EnrolmentStatus:
    WAITING = "waiting"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"


class EnrolmentRow(NamedTuple):
    """One person's enrolment: no answers, no free text.

    ``attributes`` are positions in ``EnrolmentData.attribute_labels`` of the
    opt-in attributes the person chose to share. ``matched_on`` is the day of
    their first approved match, if any.
    """

    user_id: int
    enrolled_on: date
    status: str
    matched_on: date | None
    attributes: tuple[int, ...]


@dataclass(frozen=True)
class EnrolmentData:
    attribute_labels: tuple[str, ...]
    rows: tuple[EnrolmentRow, ...]


STATUSES = {
    EnrollmentStatus.ENROLLED: EnrolmentStatus.WAITING,
    EnrollmentStatus.MATCHED: EnrolmentStatus.MATCHED,
    EnrollmentStatus.WITHDRAWN: EnrolmentStatus.WITHDRAWN,
}
MATCHED_PROPOSALS = (ProposalStatus.APPROVED, ProposalStatus.ENDED)


def enrolment_data(program) -> EnrolmentData:
    """The program's enrolments and first matches, without anything anyone wrote."""
    attributes = list(
        ProgramAttribute.objects.filter(program=program)
        .order_by("sort_order", "pk")
        .values_list("key", "label")
    )
    position = {str(key): n for n, (key, _label) in enumerate(attributes)}
    first_match: dict[int, object] = {}
    matched = MatchProposal.objects.filter(
        program=program, status__in=MATCHED_PROPOSALS, decided_at__isnull=False
    )
    for side in ("mentee", "mentor"):
        for enrolment_id, day in (
            matched.values(side)
            .annotate(day=Min(TruncDate("decided_at")))
            .values_list(side, "day")
        ):
            if enrolment_id not in first_match or day < first_match[enrolment_id]:
                first_match[enrolment_id] = day
    rows = []
    for pk, user_id, enrolled_on, status, shared in Enrollment.objects.filter(
        program=program
    ).values_list("pk", "user_id", TruncDate("created_at"), "status", "attributes"):
        rows.append(
            EnrolmentRow(
                user_id=user_id,
                enrolled_on=enrolled_on,
                status=STATUSES.get(status, EnrolmentStatus.WAITING),
                matched_on=first_match.get(pk),
                attributes=tuple(
                    sorted({position[k] for k in shared or () if str(k) in position})
                ),
            )
        )
    return EnrolmentData(
        attribute_labels=tuple(label for _key, label in attributes), rows=tuple(rows)
    )


def enrolment_version(program) -> tuple:
    """Changes whenever ``enrolment_data`` would: counts and latest changes."""
    enrolments = Enrollment.objects.filter(program=program).aggregate(
        count=Count("pk"), changed=Max("updated_at")
    )
    decided = MatchProposal.objects.filter(program=program).aggregate(
        count=Count("pk"), changed=Max("decided_at")
    )
    attributes = ProgramAttribute.objects.filter(program=program).values_list("pk", "label")
    return (
        enrolments["count"],
        enrolments["changed"],
        decided["count"],
        decided["changed"],
        tuple(attributes),
    )
