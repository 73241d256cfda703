"""Programs, topics and enrolments that the matching tests build on."""

import pytest

from content.factories import TopicFactory
from journeys.factories import JourneyPageFactory, ProgramPageFactory
from matching.models import Enrollment, ProgramAttribute, ProgramQuestion, QuestionKind
from tests.programs import run_by_program_admins


@pytest.fixture
def topics(db):
    """Three topics, by slug."""
    return {
        topic.slug: topic
        for topic in (
            TopicFactory(name="Giving feedback", slug="feedback"),
            TopicFactory(name="Negotiation", slug="negotiation"),
            TopicFactory(name="Public speaking", slug="public-speaking"),
        )
    }


@pytest.fixture
def program(home):
    """A live program open for enrolment, with no questions of its own, run by the
    "Program admins" group."""
    return ProgramPageFactory(
        parent=home, title="Growing leaders", enrolment_open=True, admins=run_by_program_admins()
    )


@pytest.fixture
def program_with_journey(home):
    """A live program run by the "Program admins" group, whose pairs and circles
    walk one journey template, "First year together"."""
    program = ProgramPageFactory(
        parent=home, title="Growing leaders", admins=run_by_program_admins()
    )
    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return program


@pytest.fixture
def questions(program, topics):
    """One question of each kind on ``program``, by kind; only the single choice is required."""
    specs = [
        (QuestionKind.SINGLE, "How do you like to meet?", {"choices": "In person\nVideo call"}),
        (QuestionKind.MULTIPLE, "When are you free?", {"choices": "Mornings\nLunch\nEvenings"}),
        (QuestionKind.SCALE, "How much do you like structure?", {"scale_min": 1, "scale_max": 5}),
        (QuestionKind.TEXT, "Anything else we should know?", {}),
        (QuestionKind.TOPICS, "Which topics matter most?", {}),
    ]
    created = {}
    for order, (kind, label, extra) in enumerate(specs):
        created[kind] = ProgramQuestion.objects.create(
            program=program,
            sort_order=order,
            kind=kind,
            label=label,
            required=kind == QuestionKind.SINGLE,
            **extra,
        )
    return created


@pytest.fixture
def attributes(program):
    """Two opt-in attributes on ``program``."""
    return [
        ProgramAttribute.objects.create(
            program=program,
            sort_order=0,
            label="Parent or carer",
            help_text="Someone who knows the juggling.",
        ),
        ProgramAttribute.objects.create(
            program=program, sort_order=1, label="First-generation graduate"
        ),
    ]


@pytest.fixture
def enrollment_factory(program):
    """Make an enrolment in ``program`` (or another) for a user, with any fields."""

    def make(user, program=program, **fields):
        return Enrollment.objects.create(program=program, user=user, **fields)

    return make
