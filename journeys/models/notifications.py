"""The notification log and each participant's email preferences."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    MILESTONE_OPENED = "opened", _("Milestone opened")
    DUE_SOON = "due_soon", _("Milestone due soon")
    OVERDUE = "overdue", _("Milestone overdue")
    INACTIVE = "inactive", _("Pair inactive")
    MESSAGE = "message", _("New message")
    MEETING_SOON = "meet_soon", _("Planned meeting tomorrow")
    DID_YOU_MEET = "did_meet", _("Did you meet?")


class Delivery(models.TextChoices):
    EMAIL = "email", _("In an email of its own")
    DIGEST = "digest", _("Waiting for the weekly digest")
    DIGESTED = "digested", _("In a weekly digest")
    SUPPRESSED = "suppressed", _("Not sent: the person's choice of emails")


class Notification(models.Model):
    """One notification to one member: the tick's record that it happened.

    The unique key makes a notification happen at most once however often,
    or however concurrently, the tick runs. It is recorded together with the
    email that carries it (in the outbox), or marked for the member's weekly
    digest (and marked digested, with the digest's email, once that is
    written), or suppressed.
    """

    # No index of its own: the unique key below starts with the journey and
    # serves its lookups, and every index costs each of the tick's writes.
    journey = models.ForeignKey(
        "journeys.Journey",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    member = models.ForeignKey(
        "journeys.JourneyMember", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    milestone_id = models.CharField(max_length=64, blank=True)
    period_key = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("Distinguishes repeats of the same kind, e.g. the inactivity period."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    email = models.ForeignKey(
        "journeys.OutboxEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The weekly digest that carried it, once written."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "member", "kind", "milestone_id", "period_key"],
                name="notification_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["member"],
                name="notification_digest_waiting",
                condition=models.Q(delivery="digest"),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.member}"


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", _("As things happen")
    WEEKLY = "weekly", _("A weekly digest")
    NONE = "none", _("No emails")


def new_token():
    return secrets.token_urlsafe(24)


class ParticipantPreferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_preferences"
    )
    emails = models.CharField(
        max_length=10, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)
    digest_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "participant preferences"

    def __str__(self):
        return f"Preferences of {self.user}"

    def reset_calendar_token(self):
        self.calendar_token = new_token()
        self.save(update_fields=["calendar_token"])
