"""Journeys under way, their members, and everything members record."""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from content.markdown import validate_markdown
from content.text import validate_line, validate_lines

from .scoping import ProgramScopedQuerySet

# Limits on what members type (docs/architecture.md, "Text limits"). Reflections
# and meeting notes are markdown, capped by TRELLIS_MARKDOWN_MAX_CHARS.
AGREED_ACTIONS_MAX_LENGTH = 2000
# How long a meeting may last, in minutes: one logged, and one planned.
MEETING_MINUTES_MIN = 5
MEETING_MINUTES_MAX = 600
GOAL_MAX_LENGTH = 300


class JourneyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")


# A journey in one of these has ended: it is kept as a record, which its members read
# and no longer change (``Journey.has_ended``).
ENDED_STATUSES = (JourneyStatus.COMPLETED, JourneyStatus.CLOSED)


class MemberRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    MEMBER = "member", _("Circle member")


class JourneyQuerySet(ProgramScopedQuerySet):
    def active(self):
        return self.filter(status=JourneyStatus.ACTIVE)

    def under_way(self):
        """Journeys people are still walking: active or paused, not completed or closed."""
        return self.filter(status__in=(JourneyStatus.ACTIVE, JourneyStatus.PAUSED))

    def behind_template(self):
        """Journeys following an older revision than their template's live one.

        A journey whose template is not published has nothing newer to follow.
        """
        return self.filter(template__live_revision__isnull=False).exclude(
            template_revision_id=models.F("template__live_revision_id")
        )

    def below(self, page):
        """Journeys whose program or template is a page under ``page`` (not ``page`` itself)."""
        under = {"path__startswith": page.path, "depth__gt": page.depth}
        return self.filter(
            models.Q(**{f"program__{key}": value for key, value in under.items()})
            | models.Q(**{f"template__{key}": value for key, value in under.items()})
        )

    def for_user(self, user):
        """Journeys the user is a current member of; nobody else's.

        Membership is a subquery rather than a join, so each journey comes once
        without ``DISTINCT`` over every column selected.
        """
        if not user.is_authenticated:
            return self.none()
        current = JourneyMember.objects.filter(
            journey=models.OuterRef("pk"), user=user, left_on__isnull=True
        )
        return self.filter(models.Exists(current))

    def in_site(self, site):
        """Journeys of programs under ``site``'s home page; all of them when there is no site.

        Each business unit runs its own site: on one, people see only its programs.
        """
        if site is None:
            return self
        return self.filter(program__path__startswith=site.root_page.path)


class Journey(models.Model):
    """One pair's or circle's walk through a journey template.

    It follows ``template_revision``, the revision of the template it started
    on (or was last upgraded to), never the live page.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(
        "journeys.ProgramPage", on_delete=models.PROTECT, related_name="journeys"
    )
    template = models.ForeignKey(
        "journeys.JourneyPage", on_delete=models.PROTECT, related_name="journeys"
    )
    template_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(help_text=_("The day the journey began."))
    status = models.CharField(
        max_length=10,
        choices=JourneyStatus.choices,
        default=JourneyStatus.ACTIVE,
        help_text=_(
            "Active journeys advance and send reminders. Paused ones send none, and their "
            "members can still work on them. Completed and closed ones have ended: they "
            "are kept as a record that members can read but no longer change."
        ),
    )
    tracks = models.ManyToManyField(
        "content.Topic",
        blank=True,
        related_name="journeys",
        help_text=_("The goals' topics; milestones on these tracks are included."),
    )
    last_activity_on = models.DateField(null=True, blank=True, editable=False)
    # The tick skips a journey it already advanced today unless something
    # changed since: members acted, or it moved to another template revision.
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    advanced_on = models.DateField(null=True, blank=True, editable=False)
    advanced_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JourneyQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "pk"]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self):
        names = ", ".join(str(m.user) for m in self.current_members())
        return f"{self.template.title}: {names}" if names else self.template.title

    def is_in_site(self, site) -> bool:
        """Whether the journey's program lies under ``site``'s home page (any, without a site).

        The one-journey form of ``JourneyQuerySet.in_site``.
        """
        return site is None or self.program.path.startswith(site.root_page.path)

    def current_members(self):
        return [m for m in self.memberships.all() if m.left_on is None]

    @property
    def has_ended(self) -> bool:
        """Completed or closed: a record its members read but no longer change."""
        return self.status in ENDED_STATUSES


class JourneyMember(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journey_memberships"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices)
    joined_on = models.DateField()
    joined_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When they joined a journey already under way (a re-match): what others "
            "wrote before this moment was not written to them, and they do not read it. "
            "Empty for those who started the journey."
        ),
    )
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["journey", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "user"],
                condition=Q(left_on__isnull=True),
                name="one_current_membership_per_person",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    def was_there(self, moment) -> bool:
        """Whether they were in the journey at ``moment``: what others wrote before they
        joined was written to someone else, so it is not theirs to read."""
        return self.joined_at is None or moment >= self.joined_at

    def may_read(self, author="author", at="created_at") -> Q:
        """The words among a queryset's rows this member may read: their own, whenever
        written, and others' written (``at``) since they joined.

        ``author`` names the row's ``JourneyMember`` who wrote it.
        """
        if self.joined_at is None:
            return Q()
        return Q(**{f"{author}__user_id": self.user_id}) | Q(**{f"{at}__gte": self.joined_at})


def readable_by(user, author="author", at="created_at") -> Q:
    """The rows of a journey's words ``user`` may read, where their membership is not at
    hand: their own, and others' written (``at``) since they joined the row's journey.

    The moment they joined is read in a subquery of the rows' own query; someone who
    started the journey has none, and reads everything.
    """
    joined = JourneyMember.objects.filter(
        journey_id=models.OuterRef("journey_id"), user_id=user.pk, left_on__isnull=True
    ).values("joined_at")[:1]
    return Q(**{f"{author}__user_id": user.pk}) | Q(
        **{f"{at}__gte": Coalesce(models.Subquery(joined), models.F(at))}
    )


class StepCompletion(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="completions")
    milestone_id = models.CharField(max_length=64)
    step_id = models.CharField(max_length=64)
    member = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()
    # The day the step counts as done on, in the site's time zone: the day the
    # service was told when it recorded the completion. It never changes once
    # written; the engine reads it as it is, so no page converts timestamps.
    completed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "milestone_id", "step_id", "member"],
                name="one_completion_per_member_step",
            )
        ]

    def __str__(self):
        return f"{self.member} completed {self.step_id}"


class Reflection(models.Model):
    """What a member wrote on a reflect step. Private unless they share it.

    ``version`` rises with every save; a save that names an older version is
    refused, so a stale tab never overwrites newer words.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="reflections")
    milestone_id = models.CharField(max_length=64)
    step_id = models.CharField(max_length=64)
    author = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="+")
    # Capped, and refused when it could not be shown in full, by the sanitiser's rules.
    text = models.TextField(blank=True, validators=[validate_markdown])
    shared = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "step_id", "author"], name="one_reflection_per_step_author"
            )
        ]

    def __str__(self):
        return f"Reflection {self.uuid}"


class Meeting(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="meetings")
    milestone_id = models.CharField(max_length=64, blank=True)
    step_id = models.CharField(max_length=64, blank=True)
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    notes = models.TextField(blank=True, validators=[validate_markdown])
    agreed_actions = models.TextField(
        blank=True,
        max_length=AGREED_ACTIONS_MAX_LENGTH,
        validators=[MaxLengthValidator(AGREED_ACTIONS_MAX_LENGTH), validate_lines],
    )
    logged_by = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Meeting on {self.held_on:%d %b %Y}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Set aside")


class Goal(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="goals")
    owner = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=GOAL_MAX_LENGTH, validators=[validate_line])
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text


class PulseResponse(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="pulses")
    milestone_id = models.CharField(max_length=64)
    step_id = models.CharField(max_length=64)
    member = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "step_id", "member"], name="one_pulse_per_step_member"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="pulse_score_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.score}/5"
