"""Meetings a journey's members plan together, before they are logged as held.

A ``Meeting`` (in ``journeys.py``) is the record of a conversation that took
place. A ``PlannedMeeting`` comes first: a member proposes up to three times,
another accepts one (or suggests others), and the accepted meeting is sent to
everyone as a calendar invitation. After its time, a member says whether they
met: "yes" logs a ``Meeting`` and links it here. The rules live in
``journeys.services.meetings``.
"""

import uuid

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from content.markdown import validate_markdown
from content.text import validate_line

from .journeys import MEETING_MINUTES_MAX, MEETING_MINUTES_MIN, Journey, JourneyMember, Meeting

# Limits on what members type (docs/architecture.md, "Text limits").
PLACE_MAX_LENGTH = 200
VIDEO_LINK_MAX_LENGTH = 500
AGENDA_MAX_LENGTH = 2000
# How many times a proposal may offer.
MAX_OPTIONS = 3


class PlannedMeetingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed: waiting for a time to be chosen")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")
    NOT_HELD = "not_held", _("Did not take place")


class PlannedMeetingQuerySet(models.QuerySet):
    def in_calendar(self):
        """Meetings with a time agreed that are still meant to happen, or did."""
        return self.filter(
            status__in=(PlannedMeetingStatus.ACCEPTED, PlannedMeetingStatus.HELD),
            starts_at__isnull=False,
        )


class PlannedMeeting(models.Model):
    """A meeting being planned, agreed, or planned and then held or not.

    ``option_1`` to ``option_3`` are the times on offer (in UTC), offered by
    ``options_by``: the proposer first, then whoever suggested other times.
    Any other current member may accept one; it becomes ``starts_at``.
    ``sequence`` is the iCalendar SEQUENCE of the invitation: 0 when first
    sent, one more with every change after that (moved, cancelled).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="planned_meetings")
    proposer = models.ForeignKey(
        JourneyMember,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Who proposed the meeting: the invitation's organiser."),
    )
    options_by = models.ForeignKey(
        JourneyMember,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Who offered the times now on offer; the others choose among them."),
    )
    accepted_by = models.ForeignKey(
        JourneyMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who chose the time, once one is chosen."),
    )
    milestone_id = models.CharField(max_length=64, blank=True)
    step_id = models.CharField(max_length=64, blank=True)
    option_1 = models.DateTimeField(null=True, blank=True)
    option_2 = models.DateTimeField(null=True, blank=True)
    option_3 = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[
            MinValueValidator(MEETING_MINUTES_MIN),
            MaxValueValidator(MEETING_MINUTES_MAX),
        ],
    )
    place = models.CharField(max_length=PLACE_MAX_LENGTH, blank=True, validators=[validate_line])
    video_link = models.URLField(
        max_length=VIDEO_LINK_MAX_LENGTH,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("An http or https link."),
    )
    agenda = models.TextField(
        blank=True,
        max_length=AGENDA_MAX_LENGTH,
        validators=[MaxLengthValidator(AGENDA_MAX_LENGTH), validate_markdown],
    )
    status = models.CharField(
        max_length=10,
        choices=PlannedMeetingStatus.choices,
        default=PlannedMeetingStatus.PROPOSED,
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    # ``starts_at`` plus the duration, kept so the tick can find ended meetings by index.
    ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    meeting = models.OneToOneField(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned",
        help_text=_("The meeting logged when members said it took place."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlannedMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "option_1", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="planned_meeting_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MEETING_MINUTES_MIN)
                & Q(duration_minutes__lte=MEETING_MINUTES_MAX),
                name="planned_meeting_duration",
            ),
            models.CheckConstraint(
                # A proposal has no time yet, nor does one withdrawn before a time was chosen.
                condition=Q(status__in=("proposed", "cancelled")) | Q(starts_at__isnull=False),
                name="planned_meeting_time_once_agreed",
            ),
        ]

    def __str__(self):
        return f"Planned meeting {self.uuid}"

    @property
    def options(self) -> list:
        """The times on offer, in the order they were offered."""
        return [t for t in (self.option_1, self.option_2, self.option_3) if t is not None]

    @property
    def is_open(self) -> bool:
        """Whether something can still happen to it (not cancelled or held)."""
        return self.status in (
            PlannedMeetingStatus.PROPOSED,
            PlannedMeetingStatus.ACCEPTED,
            PlannedMeetingStatus.NOT_HELD,
        )
