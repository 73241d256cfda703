"""Building many journeys quickly, with bulk inserts, for the query-count tests."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from insights.models import ContentView
from journeys.models import (
    Goal,
    Journey,
    JourneyMember,
    Meeting,
    MemberRole,
    PulseResponse,
    StepCompletion,
)
from journeys.services.templates import snapshot_for_revision_id


def bulk_journeys(program, template, count, today, prefix="bulk"):
    """``count`` pairs, started over the last 60 days, with the first milestone done."""
    User = get_user_model()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.com", password=UNUSABLE_PASSWORD_PREFIX)
        for n in range(count * 2)
    )
    revision = template.live_revision
    snapshot = snapshot_for_revision_id(revision.pk)
    first = snapshot.milestones[0]
    journeys = Journey.objects.bulk_create(
        Journey(
            program=program,
            template=template,
            template_revision=revision,
            started_on=today - datetime.timedelta(days=10 + n % 60),
        )
        for n in range(count)
    )
    members = JourneyMember.objects.bulk_create(
        JourneyMember(
            journey=journey,
            user=users[2 * n + r],
            role=(MemberRole.MENTOR, MemberRole.MENTEE)[r],
            joined_on=journey.started_on,
        )
        for n, journey in enumerate(journeys)
        for r in (0, 1)
    )
    now = timezone.now()
    StepCompletion.objects.bulk_create(
        StepCompletion(
            journey_id=member.journey_id,
            milestone_id=first.id,
            step_id=item.id,
            member=member,
            completed_at=now - datetime.timedelta(days=n % 20),
            completed_on=timezone.localdate(now - datetime.timedelta(days=n % 20)),
        )
        for n, member in enumerate(members)
        for item in first.steps
    )
    pulse = next(item for item in first.steps if item.kind == "pulse")
    PulseResponse.objects.bulk_create(
        PulseResponse(
            journey_id=member.journey_id,
            milestone_id=first.id,
            step_id=pulse.id,
            member=member,
            score=1 + n % 5,
        )
        for n, member in enumerate(members)
    )
    Meeting.objects.bulk_create(
        Meeting(journey=journey, held_on=today - datetime.timedelta(days=n % 30), logged_by=member)
        for n, (journey, member) in enumerate(zip(journeys, members[::2], strict=True))
    )
    Goal.objects.bulk_create(
        Goal(journey=journey, owner=member, text="A goal", status=("open", "achieved")[n % 2])
        for n, (journey, member) in enumerate(zip(journeys, members[1::2], strict=True))
    )
    read = next(item for item in first.steps if item.kind == "read")
    ContentView.objects.bulk_create(
        ContentView(
            journey_id=member.journey_id,
            user_id=member.user_id,
            page_id=read.value["page"].pk,
            first_opened_at=now,
        )
        for member in members
    )
    return journeys
