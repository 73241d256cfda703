"""The outbox: every email Trellis sends for itself, as a row before it is a message.

A row is written in the same transaction as the change that calls for it (a
match approved, a milestone opening, a digest due), so an email exists if and
only if that change committed. Workers deliver rows (``services.outbox``); the
request that decided an email never talks to the mail server.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent: failed too often")
    CANCELLED = "cancelled", _("Not sent: no longer wanted")


class OutboxEmailQuerySet(models.QuerySet):
    def due(self, now, claim_expired_before):
        """Pending rows whose time has come and that nobody holds (or held too long)."""
        return self.filter(status=EmailStatus.PENDING, send_after__lte=now).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=claim_expired_before)
        )


class OutboxEmail(models.Model):
    """One email to one person, rendered from ``template`` and ``context`` when sent.

    The context holds what was decided (names, titles, reasons, links as
    paths); what belongs to the moment of sending (the site's address and
    theme, a freshly signed unsubscribe link, the greeting) is added then.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_emails"
    )
    program = models.ForeignKey(
        "journeys.ProgramPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The program whose site and theme frame the email."),
    )
    journey = models.ForeignKey(
        "journeys.Journey",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The journey the email is about, if any: it is not sent to someone who has "
            "left that journey."
        ),
    )
    template = models.CharField(
        max_length=100, help_text=_("Template path without its .txt or .html ending.")
    )
    subject = models.CharField(max_length=255)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    language = models.CharField(max_length=16, blank=True)
    honours_choice = models.BooleanField(
        default=True,
        help_text=_(
            "Whether the recipient's choice of no emails stops it. Introductions and "
            "requests from a person go regardless."
        ),
    )
    calendar = models.TextField(
        blank=True,
        help_text=_(
            "An iCalendar invitation or cancellation (text/calendar) sent with the email, "
            "written when the meeting was agreed, moved or cancelled."
        ),
    )
    calendar_method = models.CharField(
        max_length=10,
        blank=True,
        choices=[("REQUEST", "REQUEST"), ("CANCEL", "CANCEL")],
        help_text=_("The iCalendar METHOD of the calendar part: REQUEST or CANCEL."),
    )
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(
        help_text=_("Not sent before this time: moved later after each failed attempt.")
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(
                fields=["send_after", "id"],
                name="outbox_pending",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["claimed_by"], name="outbox_claim"),
        ]

    def __str__(self):
        return self.subject
