"""Programs and the journey templates inside them (Wagtail pages)."""

from functools import cached_property

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks, hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
    TitleFieldPanel,
)
from wagtail.fields import StreamField
from wagtail.search import index
from wagtail.snippets.blocks import SnippetChooserBlock

from content.models import BasePage

from ..blocks import MilestonesBlock, milestone_specs


class Measure:
    """What an objective's progress is measured by; insights work each one out."""

    MILESTONE = "milestone"
    TOPIC_PULSE = "topic_pulse"
    GOALS = "goals"
    MATCHED = "matched"
    COMPLETED = "completed"
    CHOICES = [
        (MILESTONE, _("Share of journeys past a milestone")),
        (TOPIC_PULSE, _("Average pulse rating on a topic's milestones")),
        (GOALS, _("Share of goals achieved")),
        (MATCHED, _("Share of enrolled people matched")),
        (COMPLETED, _("Share of journeys completed")),
    ]
    RATINGS = frozenset({TOPIC_PULSE})


class ObjectiveValue(blocks.StructValue):
    @property
    def has_measure(self) -> bool:
        return bool(self.get("measure"))

    @property
    def is_rating(self) -> bool:
        """Whether the measure is a 1–5 rating rather than a percentage."""
        return self.get("measure") in Measure.RATINGS


class ObjectiveBlock(blocks.StructBlock):
    title = blocks.CharBlock(
        max_length=160, help_text=_("One thing the program sets out to achieve.")
    )
    description = blocks.TextBlock(
        required=False, max_length=600, help_text=_("How you will know it is happening.")
    )
    measure = blocks.ChoiceBlock(
        choices=Measure.CHOICES,
        required=False,
        help_text=_(
            "Optional: the figure insights report against this objective. Leave blank "
            "for an objective you follow some other way."
        ),
    )
    milestone_key = blocks.CharBlock(
        required=False,
        max_length=50,
        help_text=_(
            "For “Share of journeys past a milestone”: the milestone's key, e.g. "
            "'first-meeting'. Journeys on any template with a milestone of that key count."
        ),
    )
    topic = SnippetChooserBlock(
        "content.Topic",
        required=False,
        help_text=_(
            "For “Average pulse rating on a topic's milestones”: milestones on this track, "
            "or showing a material or story about it, count."
        ),
    )
    target = blocks.FloatBlock(
        required=False,
        min_value=0,
        max_value=100,
        help_text=_(
            "Optional: the figure you aim for. A percentage for shares (e.g. 80), or a "
            "rating from 1 to 5 for the pulse measure (e.g. 4)."
        ),
    )

    class Meta:
        icon = "pick"
        label = _("Objective")
        template = "journeys/blocks/objective_block.html"
        description = _("An objective of the program, in the organisation's own words.")
        value_class = ObjectiveValue
        preview_value = {
            "title": "New managers feel confident giving feedback",
            "description": "Measured by the six-month pulse.",
        }

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        measure = value.get("measure")
        if measure == Measure.MILESTONE and not (value.get("milestone_key") or "").strip():
            errors["milestone_key"] = ValidationError(
                _("Give the key of the milestone this objective is measured by.")
            )
        if measure == Measure.TOPIC_PULSE and value.get("topic") is None:
            errors["topic"] = ValidationError(
                _("Choose the topic whose milestones this objective is measured by.")
            )
        target = value.get("target")
        if target is not None and measure in Measure.RATINGS and not 1 <= target <= 5:
            errors["target"] = ValidationError(_("A pulse rating target is between 1 and 5."))
        if errors:
            raise blocks.StructBlockValidationError(block_errors=errors)
        return value


class ErasedSharedText(models.TextChoices):
    """What becomes of words an erased person shared with their partners."""

    DELETE = "delete", _("Delete them")
    REPLACE = "replace", _("Replace them with “Removed at the request of its author.”")


ERASED_TEXT = _("Removed at the request of its author.")

# The permission that shows the "People" tab: who administers and sponsors a program
# is a decision about who reads its participants' data, so it is not everyone's who
# may edit the page. Superusers have it; give it to a group to delegate it.
CHOOSE_PEOPLE = "journeys.choose_program_people"

SPONSOR_READ_ONLY_HELP = _(
    "The senior leader who sponsors the program. The account linked to them gets the "
    "program's insights as a sponsor, so only someone who may choose who administers and "
    "sponsors a program (a superuser, or whoever is given that permission) can change it."
)


class SponsorPanel(FieldPanel):
    """The sponsor's chooser, for who may choose a program's people; a read-only name for
    anyone else.

    The account linked to the sponsor leader is one of the program's sponsors and reads
    its insights, so choosing the leader is choosing a sponsor: it carries the same
    permission as the People tab. The form leaves the field out for anyone without it
    (a posted value is ignored, on a new program as on an existing one), and the panel
    shows them who sponsors the program and who may change it. "Edit this leader
    profile" is offered only to who may edit leader profiles: a program admin who may
    not was offered a link that was refused."""

    def __init__(self, field_name, **kwargs):
        kwargs.setdefault("permission", CHOOSE_PEOPLE)
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value):
        return str(value) if value is not None else _("No sponsor chosen yet.")

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.form is None:
                return
            if self.bound_field is None:
                # Left out of the form for want of the permission: shown, not chosen.
                self.read_only = True
                self.heading = capfirst(self.panel.db_field.verbose_name)
                self.help_text = SPONSOR_READ_ONLY_HELP
                return
            user = getattr(self.request, "user", None)
            if not (user is not None and user.has_perm("content.change_leaderprofile")):
                # The form's own copy of the widget: other forms keep theirs.
                self.bound_field.field.widget.show_edit_link = False

        def is_shown(self):
            return self.form is None or self.bound_field is not None or self.read_only


class ProgramPage(BasePage):
    """A mentoring program: its purpose, cohort, sponsor and default journeys."""

    intro = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text=_("A warm paragraph on why the program exists and who it is for."),
    )
    objectives = StreamField(
        [("objective", ObjectiveBlock())],
        blank=True,
        help_text=_("What the program sets out to achieve; insights report against these."),
    )
    sponsor = models.ForeignKey(
        "content.LeaderProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_programs",
        help_text=_(
            "The senior leader who sponsors the program. Their linked account is a sponsor "
            "too: it gets the program's insights and weekly digest."
        ),
    )
    cohort_start = models.DateField(
        null=True, blank=True, help_text=_("When the cohort's journeys begin.")
    )
    cohort_end = models.DateField(
        null=True, blank=True, help_text=_("When the cohort's journeys are expected to end.")
    )
    enrolment_open = models.BooleanField(
        default=False, help_text=_("Whether people can enrol in the program now.")
    )
    remind_days_before_due = models.PositiveSmallIntegerField(
        default=3,
        help_text=_("Remind participants this many days before a milestone is due."),
    )
    nudge_after_inactive_days = models.PositiveSmallIntegerField(
        default=21,
        help_text=_("Nudge a pair or circle after this many days without any activity."),
    )
    default_pair_journey = models.ForeignKey(
        "journeys.JourneyPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The journey a new mentor–mentee pair follows."),
    )
    default_circle_journey = models.ForeignKey(
        "journeys.JourneyPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The journey a new mentoring circle follows."),
    )

    erased_shared_text = models.CharField(
        max_length=10,
        choices=ErasedSharedText.choices,
        default=ErasedSharedText.REPLACE,
        help_text=_(
            "When someone's data is erased, what becomes of the reflections they shared, "
            "the meeting notes they wrote and their messages in conversations. Deleting "
            "removes shared reflections and messages outright; replacing leaves “Removed "
            "at the request of its author.” in their place, so their partners can see "
            "something was there. Private reflections and enrolment answers are always "
            "deleted."
        ),
    )

    admin_users = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="programs_administered",
        limit_choices_to={"is_active": True},
        verbose_name=_("admins"),
        help_text=_(
            "People who run this program in the admin: its enrolments, matching, journeys, "
            "reported messages and insights. What they may do there is still decided by "
            "their groups (such as “Program admins”); this decides which programs. Takes "
            "effect when the page is published."
        ),
    )
    admin_groups = ParentalManyToManyField(
        "auth.Group",
        blank=True,
        related_name="programs_administered",
        verbose_name=_("admin groups"),
        help_text=_(
            "Everyone in these groups is an admin of this program too. Takes effect when "
            "the page is published."
        ),
    )
    sponsor_users = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="programs_sponsored",
        limit_choices_to={"is_active": True},
        verbose_name=_("sponsors"),
        help_text=_(
            "People who follow how this program is doing: they get its weekly digest, "
            "with counts and never names. The account linked to the sponsor leader above "
            "is a sponsor too. Sponsors need no access to the admin. Takes effect when "
            "the page is published."
        ),
    )
    sponsor_groups = ParentalManyToManyField(
        "auth.Group",
        blank=True,
        related_name="programs_sponsored",
        verbose_name=_("sponsor groups"),
        help_text=_(
            "Everyone in these groups is a sponsor of this program too. Takes effect when "
            "the page is published."
        ),
    )

    allow_message_reports = models.BooleanField(
        _("Let members report a message"),
        default=False,
        help_text=_(
            "Let members report a message in their conversation for safeguarding. Staff "
            "never read conversations; a reported message, and only that message, is then "
            "shown with its author to the program's admins under “Reported messages”, and "
            "the member who reported it is told so."
        ),
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("intro"),
        FieldPanel("objectives"),
        SponsorPanel("sponsor"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("cohort_start"), FieldPanel("cohort_end")]),
                FieldPanel("enrolment_open"),
            ],
            heading=_("Cohort"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("default_pair_journey"),
                FieldPanel("default_circle_journey"),
            ],
            heading=_("Journeys"),
        ),
        MultiFieldPanel(
            [FieldPanel("remind_days_before_due"), FieldPanel("nudge_after_inactive_days")],
            heading=_("Nudges"),
        ),
        MultiFieldPanel([FieldPanel("allow_message_reports")], heading=_("Conversations")),
        MultiFieldPanel([FieldPanel("erased_shared_text")], heading=_("Erasure")),
        InlinePanel(
            "questions",
            heading=_("Enrolment questions"),
            label=_("Question"),
            help_text=_(
                "The program's own questions, asked when people enrol. The matching policy "
                "decides how much each answer counts."
            ),
        ),
        InlinePanel(
            "opt_in_attributes",
            heading=_("Opt-in attributes"),
            label=_("Attribute"),
            help_text=_(
                "Things people may choose to share so that matching can pair them with "
                "someone who shares them. Never required."
            ),
        ),
    ]
    # Each field carries the permission, so the form leaves it out for anyone without
    # it (hiding the tab alone would still accept a posted value).
    people_panels = [
        MultiFieldPanel(
            [
                FieldPanel("admin_users", permission=CHOOSE_PEOPLE),
                FieldPanel(
                    "admin_groups", widget=forms.CheckboxSelectMultiple, permission=CHOOSE_PEOPLE
                ),
            ],
            heading=_("Admins"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("sponsor_users", permission=CHOOSE_PEOPLE),
                FieldPanel(
                    "sponsor_groups",
                    widget=forms.CheckboxSelectMultiple,
                    permission=CHOOSE_PEOPLE,
                ),
            ],
            heading=_("Sponsors"),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(people_panels, heading=_("People"), permission=CHOOSE_PEOPLE),
            ObjectList(BasePage.promote_panels, heading=_("Promote")),
            ObjectList(BasePage.settings_panels, heading=_("Settings")),
        ]
    )
    # A section of the site: in the header unless its editor unticks "Show in menus".
    show_in_menus_default = True
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),
        index.AutocompleteField("objectives"),
        index.RelatedFields("sponsor", [index.AutocompleteField("name")]),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["journeys.JourneyPage"]

    class Meta:
        verbose_name = _("program page")
        permissions = [
            ("view_insights", "Can view the insights of the programs they administer"),
            ("view_sponsored_insights", "Can view the insights of programs they sponsor"),
            ("choose_program_people", "Can choose who administers and sponsors a program"),
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Other apps add to the program page (matching: enrolment) through the
        # "program_page_panels" hook: functions of (request, page) returning HTML.
        context["program_panels"] = [
            panel(request, self) for panel in hooks.get_hooks("program_page_panels")
        ]
        return context

    def clean(self):
        super().clean()
        if self.cohort_start and self.cohort_end and self.cohort_end < self.cohort_start:
            raise ValidationError({"cohort_end": _("The cohort cannot end before it starts.")})
        for field in ("default_pair_journey", "default_circle_journey"):
            journey = getattr(self, field)
            if journey is not None and self.pk and not journey.is_child_of(self):
                raise ValidationError({field: _("Choose a journey that belongs to this program.")})


class JourneyPage(BasePage):
    """The template of a journey: its milestones and steps.

    Journeys under way follow the revision of this page they started on, so
    publishing a change never disturbs them; an admin moves them on.
    """

    intro = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text=_("What this journey is like, for the people who will walk it."),
    )
    milestones = StreamField(
        MilestonesBlock(),
        help_text=_(
            "The milestones in order. Each opens some days after the journey starts, "
            "and may wait for others to be done first."
        ),
    )

    content_panels = [
        # The title names every journey on this template, not only this page.
        TitleFieldPanel(
            "title",
            help_text=_(
                "The journey's name: on this page, and on the pages and in the emails of "
                "everyone walking it."
            ),
        ),
        FieldPanel("summary"),
        FieldPanel("intro"),
        FieldPanel("milestones"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),
        index.AutocompleteField("milestones"),
    ]
    parent_page_types = ["journeys.ProgramPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("journey page")

    @cached_property
    def milestone_specs(self):
        return milestone_specs(self.milestones)

    def get_context(self, request, *args, **kwargs):
        from ..services.timeline import template_timeline

        context = super().get_context(request, *args, **kwargs)
        context["timeline"] = template_timeline(self)
        return context
