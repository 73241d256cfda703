"""A program with journeys at different stages, enrolments, sponsors and private words.

Every reflection carries ``PRIVATE`` (and meeting notes and goals carry their
own markers), so the privacy tests can look for them in everything insights
produce.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    MaterialPageFactory,
    TopicFactory,
)
from insights import snapshots
from insights.tracking import record_views
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import GoalStatus, Measure, MemberRole, ProgramPage
from journeys.services import progress
from journeys.services.starting import start_journey
from journeys.services.state import journey_state
from matching.models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    ProgramAttribute,
    ProposalStatus,
)
from tests.programs import run_by_program_admins

PRIVATE = "PRIVATE-MARKER-7f3a my manager frightens me"
MEETING_NOTES = "MEETING-MARKER-2b9c we talked about the restructure"
GOAL_TEXT = "GOAL-MARKER-c41d get promoted before Sam"
PROGRAM_ADMINS = "Program admins"
SPONSORS = "Sponsors"


class KeptUpClient(Client):
    """A test client whose every request finds each program's figures just worked
    out, as a worker keeping up with the sweep leaves them."""

    def request(self, **request):
        for program_id in ProgramPage.objects.values_list("pk", flat=True):
            snapshots.work_out(program_id, force=True)
        return super().request(**request)


@pytest.fixture
def client():
    return KeptUpClient()


@pytest.fixture
def plain_client():
    """A client that works nothing out: for counting what a request itself costs."""
    return Client()


@pytest.fixture
def plain_admin_client(plain_client, admin_user):
    plain_client.force_login(admin_user)
    return plain_client


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def feedback(db):
    return TopicFactory(name="Giving feedback", slug="feedback")


@pytest.fixture
def content(library, stories, feedback):
    """Two materials and a leader story; the first material is about feedback."""
    first = MaterialPageFactory(parent=library, title="Listening well")
    first.topics.add(feedback)
    first.save_revision().publish()
    return {
        "listening": first,
        "guide": MaterialPageFactory(parent=library, title="First meeting guide"),
        "story": LeaderStoryPageFactory(parent=stories, title="The supervisor who listened"),
    }


@pytest.fixture
def sponsor(user_factory):
    return user_factory(
        email="sponsor@example.com", first_name="Amara", last_name="Osei", groups=[SPONSORS]
    )


@pytest.fixture
def superuser(user_factory):
    return user_factory(email="root@example.com", is_superuser=True, is_staff=True)


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="admin@example.com", first_name="Pat", groups=[PROGRAM_ADMINS])


def objectives(feedback):
    def objective(title, **value):
        return {"type": "objective", "value": {"title": title, "description": "", **value}}

    return [
        objective("Pairs meet early", measure=Measure.MILESTONE, milestone_key="start", target=80),
        objective("Feedback lands", measure=Measure.TOPIC_PULSE, topic=feedback.pk, target=4),
        objective("Goals are reached", measure=Measure.GOALS, target=50),
        objective("Nobody waits", measure=Measure.MATCHED, target=90),
        objective("Journeys finish", measure=Measure.COMPLETED),
        objective("People feel they belong"),
    ]


@pytest.fixture
def program(home, sponsor, feedback):
    profile = LeaderProfileFactory(name="Amara Osei", user=sponsor)
    program = ProgramPageFactory(
        parent=home,
        title="Growing leaders",
        sponsor=profile,
        objectives=objectives(feedback),
        admins=run_by_program_admins(),
    )
    return program


@pytest.fixture
def template(program, content, feedback):
    page = JourneyPageFactory(
        parent=program,
        title="First year together",
        milestones=[
            milestone(
                "Getting started",
                "start",
                [
                    step("read", {"page": content["listening"].pk, "note": ""}),
                    step("reflect"),
                    step("pulse"),
                ],
                opens=0,
                due=14,
            ),
            milestone(
                "First conversation",
                "conversation",
                [
                    step("read", {"page": content["story"].pk, "note": ""}),
                    step(
                        "meet",
                        {"purpose": "Meet", "discussion_guide": content["guide"].pk},
                    ),
                    step("pulse"),
                ],
                opens=14,
                due=14,
                prerequisites="start",
            ),
            milestone(
                "Feedback practice",
                "practice",
                [step("checklist"), step("set_goals"), step("pulse")],
                opens=28,
                due=14,
                track=feedback.pk,
            ),
        ],
    )
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def other_program(home):
    return ProgramPageFactory(
        parent=home, title="Reverse mentoring", admins=run_by_program_admins()
    )


@pytest.fixture
def attributes(program):
    return [
        ProgramAttribute.objects.create(program=program, sort_order=0, label="Parent or carer"),
        ProgramAttribute.objects.create(
            program=program, sort_order=1, label="First-generation graduate"
        ),
    ]


def walk(journey, people, today, milestones, pulse=4, meet=True, open_pages=True):
    """Both people do everything in the first ``milestones`` milestones, a few days in."""
    loaded = journey_state(journey, today)
    for content, spec in list(
        zip(loaded.snapshot.milestones, loaded.snapshot.prepared.milestones, strict=True)
    )[:milestones]:
        day = min(journey.started_on + datetime.timedelta(days=spec.opens_after_days + 2), today)
        for user in people:
            if open_pages:
                pages = [
                    s.value["page"].pk
                    for s in content.steps
                    if s.kind == "read" and s.value.get("page")
                ] + [
                    s.value["discussion_guide"].pk
                    for s in content.steps
                    if s.kind == "meet" and s.value.get("discussion_guide")
                ]
                record_views(journey.pk, user.pk, pages)
            for item in content.steps:
                if item.kind == "reflect":
                    progress.save_reflection(
                        journey,
                        user,
                        content.id,
                        item.id,
                        PRIVATE,
                        False,
                        None,
                        day,
                        complete=True,
                    )
                elif item.kind == "pulse":
                    progress.record_pulse(journey, user, content.id, item.id, pulse, day)
                elif item.kind == "meet":
                    if meet and user is people[0]:
                        progress.log_meeting(
                            journey,
                            user,
                            day,
                            45,
                            MEETING_NOTES,
                            MEETING_NOTES,
                            day,
                            milestone_id=content.id,
                            step_id=item.id,
                        )
                elif item.kind == "set_goals":
                    if user is people[1]:
                        goal = progress.set_goal(journey, user, GOAL_TEXT, None, day)
                        progress.update_goal(goal, user, GoalStatus.ACHIEVED, day)
                    progress.complete_step(journey, user, content.id, item.id, day)
                else:
                    progress.complete_step(journey, user, content.id, item.id, day)


@pytest.fixture
def start_pair(program, template, user_factory, today, feedback):
    """Start a pair ``days_ago`` and walk ``milestones`` of it; returns (journey, people)."""
    counter = iter(range(1000))

    def start(days_ago=40, milestones=1, tracks=(), **walk_options):
        n = next(counter)
        mentor = user_factory(
            email=f"mentor{n}@example.com", first_name="Mentor", last_name=str(n)
        )
        mentee = user_factory(
            email=f"mentee{n}@example.com", first_name="Mentee", last_name=str(n)
        )
        journey = start_journey(
            program,
            [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
            started_on=today - datetime.timedelta(days=days_ago),
            tracks=tracks,
        )
        walk(journey, (mentor, mentee), today, milestones, **walk_options)
        return journey, (mentor, mentee)

    return start


def enrol_pair(program, people, today, enrolled_days_ago=30, matched_days_ago=20, attributes=()):
    """Enrolments for a started pair, matched through an approved proposal."""
    mentor, mentee = people
    created = timezone.now() - datetime.timedelta(days=enrolled_days_ago)
    enrolments = []
    for user, role in ((mentee, "mentee"), (mentor, "mentor")):
        enrolment = Enrollment.objects.create(
            program=program,
            user=user,
            role=role,
            status=EnrollmentStatus.MATCHED,
            attributes=[str(a.key) for a in attributes],
            goals="ENROLMENT-MARKER hopes",
        )
        Enrollment.objects.filter(pk=enrolment.pk).update(created_at=created)
        enrolments.append(enrolment)
    MatchProposal.objects.create(
        program=program,
        mentee=enrolments[0],
        mentor=enrolments[1],
        status=ProposalStatus.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(days=matched_days_ago),
    )
    return enrolments


@pytest.fixture
def scene(program, template, start_pair, attributes, today, user_factory, feedback):
    """Eight journeys: some well on the way, some stalled; enrolments with attributes."""
    journeys = {}
    journeys["thriving"] = start_pair(days_ago=20, milestones=2, pulse=5)
    journeys["steady"] = start_pair(days_ago=40, milestones=3, tracks=[feedback])
    journeys["stalled"] = start_pair(days_ago=90, milestones=0, open_pages=False)
    journeys["slow"] = start_pair(days_ago=70, milestones=1, pulse=2, meet=False)
    for n in range(4):
        journeys[f"more{n}"] = start_pair(days_ago=35 + n, milestones=1)
    parents = attributes[:1]
    for n, (_journey, people) in enumerate(journeys.values()):
        # Three pairs (six people) share "Parent or carer"; one person shares the other.
        enrol_pair(program, people, today, attributes=parents if n < 3 else ())
    Enrollment.objects.filter(user=journeys["stalled"][1][1]).update(
        attributes=[str(attributes[1].key)]
    )
    for n in range(3):
        Enrollment.objects.create(
            program=program, user=user_factory(email=f"waiting{n}@example.com"), role="mentee"
        )
    return journeys
