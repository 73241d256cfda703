"""A small organisation for the browser tests: a library, a story, a program, a pair.

The program is run by the "Program admins" group, as every program was before
programs chose their admins.

Built from the shared factories, like the demo, and small enough to build for
every test (the live server needs a transactional database, so nothing is
shared between tests).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    LibraryIndexPageFactory,
    MaterialPageFactory,
    StoriesIndexPageFactory,
    TopicFactory,
    markdown_body,
)
from content.models import MaterialKind
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import MemberRole
from journeys.services.starting import start_journey
from tests.programs import run_by_program_admins


@dataclass
class World:
    home: object
    library: object
    material: object
    guide: object
    stories: object
    story: object
    leader: object
    topic: object
    program: object
    template: object
    mentor: object = None
    mentee: object = None
    journey: object = None


def build_world(home, *, people=None) -> World:
    """Everything a participant page shows; ``people`` is (mentor, mentee) to start a journey."""
    topic = TopicFactory(name="Giving feedback", slug="feedback")
    library = LibraryIndexPageFactory(parent=home, title="Library", slug="library")
    material = MaterialPageFactory(
        parent=library,
        title="Listening well",
        slug="listening-well",
        summary="How to listen so the other person feels heard.",
        topics=[topic],
        body=markdown_body(
            "## Listen first\n\nThe art of **listening deeply** to a colleague is "
            "mostly patience: let the silence do some of the work."
        ),
    )
    guide = MaterialPageFactory(
        parent=library,
        title="First conversation guide",
        slug="first-conversation",
        kind=MaterialKind.DISCUSSION_GUIDE,
        summary="Questions for your first hour together.",
        body=markdown_body("Ask each other: *what brought you here?*"),
    )
    stories = StoriesIndexPageFactory(parent=home, title="Stories", slug="stories")
    leader = LeaderProfileFactory(name="Amara Okafor", title="Chief Operating Officer")
    story = LeaderStoryPageFactory(
        parent=stories,
        title="The mentor who believed in me",
        slug="the-mentor-who-believed-in-me",
        leader=leader,
        pull_quote="Someone asked me what I wanted, and waited for the answer.",
        summary="Amara on the mentor who changed her path.",
        topics=[topic],
        body=[("paragraph", "<p>Amara tells how a mentor changed her path.</p>")],
    )
    program = ProgramPageFactory(
        parent=home,
        title="Growing leaders",
        slug="growing-leaders",
        summary="A year of mentoring for people growing into their next role.",
        enrolment_open=True,
        admins=run_by_program_admins(),
    )
    template = JourneyPageFactory(
        parent=program,
        title="First year together",
        slug="first-year",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("read", {"page": material.pk, "note": "Read this before you meet."}),
                    step("read", {"page": story.pk, "note": ""}),
                    step(
                        "reflect",
                        {"prompt": "What do you hope for this year?", "guidance": ""},
                        block_id="s-reflect",
                    ),
                    step(
                        "reflect",
                        {"prompt": "What worries you, honestly?", "guidance": ""},
                        block_id="s-private",
                    ),
                    step("meet", {"purpose": "Meet for coffee", "discussion_guide": guide.pk}),
                    step("checklist", {"text": "Book a recurring slot"}),
                ],
                block_id="m-start",
            ),
            milestone(
                "Looking back",
                "back",
                [step("review_goals"), step("checklist")],
                opens=30,
                prerequisites="start",
                block_id="m-back",
            ),
        ],
    )
    program.default_pair_journey = template
    program.default_circle_journey = template
    program.save_revision().publish()
    world = World(home, library, material, guide, stories, story, leader, topic, program, template)
    if people:
        world.mentor, world.mentee = people
        world.journey = start_journey(
            program,
            [(world.mentor, MemberRole.MENTOR), (world.mentee, MemberRole.MENTEE)],
            started_on=timezone.localdate() - datetime.timedelta(days=3),
            template=template,
        )
    return world
