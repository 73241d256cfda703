"""A pair walking a journey with a meet step whose discussion guide has questions."""

import pytest
from django.utils import timezone

from content.factories import MaterialPageFactory
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import MemberRole
from journeys.services.starting import start_journey

from .helpers import DAY


@pytest.fixture
def guide(library):
    return MaterialPageFactory(
        parent=library,
        title="First conversation guide",
        summary="Questions for your first hour together.",
        body=[
            ("markdown", "Ask each other what brought you here."),
            ("reflection_prompt", {"prompt": "What do you hope to learn?", "guidance": ""}),
            ("reflection_prompt", {"prompt": "How will we keep in touch?", "guidance": ""}),
        ],
    )


@pytest.fixture
def template(program, guide):
    page = JourneyPageFactory(
        parent=program,
        title="Growing together",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step(
                        "meet",
                        {"purpose": "Meet for coffee", "discussion_guide": guide.pk},
                        block_id="s-meet",
                    ),
                    step("checklist", block_id="s-check"),
                ],
                block_id="m-start",
            )
        ],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def people(user_factory):
    mentor = user_factory(email="morgan@example.com", first_name="Morgan", last_name="Reid")
    mentee = user_factory(email="sam@example.com", first_name="Sam", last_name="Patel")
    return mentor, mentee


@pytest.fixture
def mentor(people):
    return people[0]


@pytest.fixture
def mentee(people):
    return people[1]


@pytest.fixture
def journey(program, template, people):
    mentor, mentee = people
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=timezone.localdate() - 2 * DAY,
        template=template,
    )


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)
