"""factory_boy factories for programs and journeys; tests and the demo share them."""

import datetime
import uuid

import factory

from content.factories import PageFactory

from .models import JourneyPage, ProgramPage


class ProgramPageFactory(PageFactory):
    class Meta:
        model = ProgramPage
        skip_postgeneration_save = True  # ``choose_people`` publishes when there is something

    title = factory.Sequence(lambda n: f"Program {n}")
    intro = "A year of mentoring for people growing into their next role."
    cohort_start = datetime.date(2026, 1, 12)
    cohort_end = datetime.date(2026, 12, 18)
    enrolment_open = True

    @factory.post_generation
    def admins(self, create, extracted, **kwargs):
        """``admins=[user or group, ...]``: the program's admins, chosen on it."""
        if create and extracted:
            choose_people(self, "admin", extracted)

    @factory.post_generation
    def sponsors(self, create, extracted, **kwargs):
        """``sponsors=[user or group, ...]``: the program's sponsors, chosen on it."""
        if create and extracted:
            choose_people(self, "sponsor", extracted)


def choose_people(program, role, people) -> None:
    """Add users and groups to the program's admins or sponsors ("admin", "sponsor").

    The choices are part of the page's revisions and take effect when it is
    published, so this publishes a revision holding them, as the editor would: a
    later edit starts from that revision and keeps them.
    """
    from django.contrib.auth.models import Group

    groups = [p for p in people if isinstance(p, Group)]
    users = [p for p in people if not isinstance(p, Group)]
    getattr(program, f"{role}_groups").add(*groups)
    getattr(program, f"{role}_users").add(*users)
    program.save_revision().publish()


def milestone(
    title,
    key,
    steps,
    opens=0,
    due=14,
    audience="everyone",
    prerequisites="",
    track=None,
    intro="",
    block_id=None,
):
    """One milestone block's raw value, as a StreamField stores it."""
    return {
        "type": "milestone",
        "id": block_id or str(uuid.uuid4()),
        "value": {
            "title": title,
            "key": key,
            "intro": intro,
            "opens_after_days": opens,
            "due_after_days": due,
            "audience": audience,
            "prerequisites": prerequisites,
            "track": track,
            "steps": steps,
        },
    }


def step(kind, value=None, block_id=None):
    """One step block's raw value."""
    defaults = {
        "reflect": {"prompt": "What did you notice?", "guidance": ""},
        "meet": {"purpose": "Talk it through", "discussion_guide": None},
        "set_goals": {"prompt": "What do you want to change?"},
        "review_goals": {"prompt": "What has moved?"},
        "checklist": {"text": "Book a room"},
        "pulse": {"question": "How valuable was this?"},
    }
    return {
        "type": kind,
        "id": block_id or str(uuid.uuid4()),
        "value": value if value is not None else defaults[kind],
    }


def simple_milestones(count=3):
    """A small, valid template: each milestone waits for the one before it."""
    blocks = []
    for number in range(1, count + 1):
        blocks.append(
            milestone(
                f"Milestone {number}",
                f"m{number}",
                [step("checklist"), step("reflect"), step("pulse")],
                opens=(number - 1) * 14,
                due=14,
                prerequisites=f"m{number - 1}" if number > 1 else "",
            )
        )
    return blocks


class JourneyPageFactory(PageFactory):
    class Meta:
        model = JourneyPage

    title = factory.Sequence(lambda n: f"Journey {n}")
    intro = "Six months, one conversation at a time."
    milestones = factory.LazyFunction(simple_milestones)
