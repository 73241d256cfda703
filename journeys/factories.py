"""factory_boy factories for programs and journeys; tests and the demo share them."""

import datetime
import uuid

import factory

from content.factories import PageFactory

from .models import JourneyPage, ProgramPage


class ProgramPageFactory(PageFactory):
    class Meta:
        model = ProgramPage

    title = factory.Sequence(lambda n: f"Program {n}")
    intro = "A year of mentoring for people growing into their next role."
    cohort_start = datetime.date(2026, 1, 12)
    cohort_end = datetime.date(2026, 12, 18)
    enrolment_open = True


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
