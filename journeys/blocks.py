"""The blocks a journey template is made of: milestones, and the steps in them.

Block ids are the identities of milestones and steps: progress is stored
against them, so editing a milestone's words keeps everyone's progress, and a
journey that moves to a newer revision keeps what matches by id.
"""

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from content.models import MaterialPage

from .engine import MAX_DAYS, MilestoneSpec, StepSpec, find_cycle


class StepKind:
    READ = "read"
    REFLECT = "reflect"
    MEET = "meet"
    SET_GOALS = "set_goals"
    REVIEW_GOALS = "review_goals"
    CHECKLIST = "checklist"
    PULSE = "pulse"


class ReadStepBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(
        page_type=["content.MaterialPage", "content.LeaderStoryPage"],
        help_text=_("The material or leader story to read or watch; it is shown in full."),
    )
    note = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text=_("Optional: why this matters at this point of the journey."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Read or watch")
        template = "journeys/steps/read_step.html"
        description = _("A material or leader story, shown inline, to read or watch.")

    def get_preview_value(self):
        """The library's first live material, read when the block picker asks.

        So the preview shows this organisation's own library; with no material
        published yet it shows the note alone.
        """
        return self.normalize(
            {
                "page": MaterialPage.objects.live().order_by("path").first(),
                "note": "Read this before your first meeting: it sets the tone for the rest.",
            }
        )


class ReflectStepBlock(blocks.StructBlock):
    prompt = blocks.CharBlock(max_length=300, help_text=_("The question to reflect on."))
    guidance = blocks.TextBlock(
        required=False,
        max_length=1_000,
        help_text=_("A sentence or two to help people start writing."),
    )

    class Meta:
        icon = "edit"
        label = _("Reflect")
        template = "journeys/steps/reflect_step.html"
        description = _("A private reflection, which the author may share with their partner.")
        preview_value = {"prompt": "What would you like to be known for in two years?"}


class MeetStepBlock(blocks.StructBlock):
    purpose = blocks.CharBlock(
        max_length=200, help_text=_("What this meeting is for, e.g. 'Agree how you will work'.")
    )
    discussion_guide = blocks.PageChooserBlock(
        page_type=["content.MaterialPage"],
        required=False,
        help_text=_("A discussion guide from the library, shown inline before the meeting."),
    )

    class Meta:
        icon = "group"
        label = _("Meet")
        template = "journeys/steps/meet_step.html"
        description = _("A conversation; logging one meeting completes it for everyone.")
        preview_value = {"purpose": "Get to know each other"}


class SetGoalsStepBlock(blocks.StructBlock):
    prompt = blocks.CharBlock(
        max_length=300,
        default="What do you want to be different by the end of the program?",
        help_text=_("The question that invites goals."),
    )

    class Meta:
        icon = "pick"
        label = _("Set goals")
        template = "journeys/steps/set_goals_step.html"
        description = _("Set goals for the journey together.")
        preview_value = {"prompt": "What do you want to be different by the end of the program?"}


class ReviewGoalsStepBlock(blocks.StructBlock):
    prompt = blocks.CharBlock(
        max_length=300,
        default="Look back at your goals: what has moved, and what needs to change?",
        help_text=_("The question that frames the review."),
    )

    class Meta:
        icon = "history"
        label = _("Review goals")
        template = "journeys/steps/review_goals_step.html"
        description = _("Look back at the journey's goals and update them.")
        preview_value = {
            "prompt": "Look back at your goals: what has moved, and what needs to change?"
        }


class ChecklistStepBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=250, help_text=_("The thing to do, e.g. 'Book a room'."))

    class Meta:
        icon = "tick"
        label = _("Checklist item")
        template = "journeys/steps/checklist_step.html"
        description = _("One thing to do, ticked off when done.")
        preview_value = {"text": "Put a recurring meeting in both calendars"}


class PulseStepBlock(blocks.StructBlock):
    question = blocks.CharBlock(
        max_length=200,
        default="How valuable was this part of the journey?",
        help_text=_("Answered on a scale of 1 (not at all) to 5 (very)."),
    )

    class Meta:
        icon = "pick"
        label = _("Pulse")
        template = "journeys/steps/pulse_step.html"
        description = _("A one-tap rating from 1 to 5. Optional for participants.")
        preview_value = {"question": "How valuable was this part of the journey?"}


class StepsBlock(blocks.StreamBlock):
    read = ReadStepBlock()
    reflect = ReflectStepBlock()
    meet = MeetStepBlock()
    set_goals = SetGoalsStepBlock()
    review_goals = ReviewGoalsStepBlock()
    checklist = ChecklistStepBlock()
    pulse = PulseStepBlock()

    class Meta:
        min_num = 1


class Audience:
    EVERYONE = "everyone"
    MENTORS = "mentors"
    MENTEES = "mentees"
    CHOICES = [
        (EVERYONE, _("Everyone")),
        (MENTORS, _("Mentors")),
        (MENTEES, _("Mentees and circle members")),
    ]


class MilestoneBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, help_text=_("e.g. 'Getting to know each other'."))
    key = blocks.CharBlock(
        max_length=50,
        help_text=_(
            "A short name other milestones use to list this one as a prerequisite, "
            "e.g. 'first-meeting'. Letters, numbers and hyphens."
        ),
    )
    intro = blocks.RichTextBlock(
        required=False,
        features=["bold", "italic", "link", "ul"],
        max_length=3_000,
        help_text=_("A few warm sentences on what this milestone is about."),
    )
    opens_after_days = blocks.IntegerBlock(
        min_value=0,
        max_value=MAX_DAYS,
        default=0,
        help_text=_("Opens this many days after the journey starts (at most ten years, 3650)."),
    )
    due_after_days = blocks.IntegerBlock(
        min_value=0,
        max_value=MAX_DAYS,
        default=14,
        help_text=_("Due this many days after it opens (at most ten years, 3650)."),
    )
    audience = blocks.ChoiceBlock(
        choices=Audience.CHOICES,
        default=Audience.EVERYONE,
        help_text=_("Who completes this milestone's steps."),
    )
    prerequisites = blocks.CharBlock(
        required=False,
        max_length=300,
        help_text=_(
            "Keys of milestones that must be done before this one opens, separated by "
            "commas. Leave blank if it opens on its date alone."
        ),
    )
    track = SnippetChooserBlock(
        "content.Topic",
        required=False,
        help_text=_(
            "Optional: include this milestone only in journeys whose goals include this topic."
        ),
    )
    steps = StepsBlock(help_text=_("What to do in this milestone, in order."))

    class Meta:
        icon = "flag"
        label = _("Milestone")
        template = "journeys/blocks/milestone_block.html"
        description = _("A stage of the journey, with its timing, audience and steps.")
        form_classname = "milestone-block"
        preview_value = {
            "title": "Getting to know each other",
            "key": "getting-started",
            "intro": "<p>Meet, share where you are and agree how you will work together.</p>",
            "opens_after_days": 0,
            "due_after_days": 14,
            "audience": Audience.EVERYONE,
            "steps": [
                {"type": "meet", "value": {"purpose": "Get to know each other"}},
                {
                    "type": "reflect",
                    "value": {"prompt": "What would you like to be known for in two years?"},
                },
                {
                    "type": "checklist",
                    "value": {"text": "Put a recurring meeting in both calendars"},
                },
            ],
        }


def prerequisite_keys(value) -> list[str]:
    return [slugify(k) for k in (value.get("prerequisites") or "").split(",") if k.strip()]


class MilestonesBlock(blocks.StreamBlock):
    """The milestones of a journey; validates keys and the prerequisite graph."""

    milestone = MilestoneBlock()

    class Meta:
        min_num = 1

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        keys = {}
        for index, child in enumerate(value):
            typed = (child.value.get("key") or "").strip()
            key = slugify(typed)
            if not typed:
                errors[index] = ValidationError(_("Give this milestone a key."))
            elif not key:
                errors[index] = ValidationError(
                    _(
                        "The key “%(key)s” has no letters or numbers. Use letters, numbers "
                        "and hyphens, e.g. 'first-meeting'."
                    )
                    % {"key": typed}
                )
            elif key in keys:
                errors[index] = ValidationError(
                    _("The key “%(key)s” is already used by milestone %(other)s.")
                    % {"key": key, "other": keys[key] + 1}
                )
            else:
                keys[key] = index
        for index, child in enumerate(value):
            unknown = [k for k in prerequisite_keys(child.value) if k not in keys]
            if unknown and index not in errors:
                errors[index] = ValidationError(
                    _(
                        "Milestone %(number)s lists prerequisites that are not keys of this "
                        "journey's milestones: %(unknown)s."
                    )
                    % {"number": index + 1, "unknown": ", ".join(unknown)}
                )
        if errors:
            raise blocks.StreamBlockValidationError(block_errors=errors)
        # New milestones have no id until saved; give them stand-ins so a cycle
        # among them is still found.
        ids = [c.id or f"new-{index}" for index, c in enumerate(value)]
        cycle = find_cycle(milestone_specs(value, ids=ids))
        if cycle:
            titles = {ids[i]: c.value["title"] for i, c in enumerate(value)}
            path = " → ".join(titles.get(mid, mid) for mid in cycle)
            raise blocks.StreamBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        _(
                            "These milestones wait for each other, so none of them could ever "
                            "open: %(path)s. Remove one of the prerequisites."
                        )
                        % {"path": path}
                    )
                ]
            )
        return value


STEP_REQUIRED = {StepKind.PULSE: False}
STEP_SHARED = {StepKind.MEET: True, StepKind.SET_GOALS: True, StepKind.REVIEW_GOALS: True}


def milestone_specs(stream_value, ids=None) -> tuple[MilestoneSpec, ...]:
    """Turn a milestones stream into the engine's plain description of it.

    Milestone and step ids are the blocks' ids; prerequisites are resolved from
    keys to ids, and keys that match nothing are dropped (they are refused on
    save, so only an old revision can hold them).
    """
    children = [c for c in stream_value if c.block_type == "milestone"]
    ids = ids or [c.id for c in children]
    ids_by_key = {slugify(c.value.get("key") or ""): i for c, i in zip(children, ids, strict=True)}
    specs = []
    for child, child_id in zip(children, ids, strict=True):
        value = child.value
        track = value.get("track")
        specs.append(
            MilestoneSpec(
                id=child_id,
                title=value.get("title") or "",
                opens_after_days=value.get("opens_after_days") or 0,
                due_after_days=value.get("due_after_days") or 0,
                audience=value.get("audience") or Audience.EVERYONE,
                prerequisites=tuple(
                    ids_by_key[k] for k in prerequisite_keys(value) if k in ids_by_key
                ),
                track=str(track.pk) if track is not None else None,
                steps=tuple(
                    StepSpec(
                        id=step.id,
                        kind=step.block_type,
                        required=STEP_REQUIRED.get(step.block_type, True),
                        shared=STEP_SHARED.get(step.block_type, False),
                    )
                    for step in value.get("steps") or []
                ),
            )
        )
    return tuple(specs)
