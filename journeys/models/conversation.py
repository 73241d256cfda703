"""The conversation of a journey's members: messages, what each member has read, reports.

Only a journey's current members read and write its conversation; program
staff see counts, and a message only once a member has reported it (in a
program that allows reporting). The rules live in
``journeys.services.conversation``.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.text import validate_lines

from .scoping import ProgramScopedQuerySet

# Limits (docs/architecture.md, "Text limits"). A message is markdown, shown
# through the one sanitiser; a report's reason is plain text over several lines.
MESSAGE_MAX_LENGTH = 4000
REPORT_REASON_MAX_LENGTH = 1000


class Message(models.Model):
    """One message in a journey's conversation, written by one of its members.

    Deleting a message keeps its row, empties its text and sets ``deleted_at``:
    the conversation shows "Message deleted" in its place, so replies that
    answered it still read in order, and insights still count it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(
        "journeys.Journey", on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        "journeys.JourneyMember", on_delete=models.CASCADE, related_name="messages"
    )
    text = models.TextField(
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        help_text=_("Markdown, as the author typed it; empty once deleted."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["journey", "id"], name="message_by_journey")]

    def __str__(self):
        return f"Message {self.uuid}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ConversationState(models.Model):
    """Where one member stands in their journey's conversation.

    ``last_read_id`` is the id of the newest message they have seen; messages
    after it, by others and not deleted, are unread. An id rather than a key:
    deleting messages (an erasure) never moves anyone's place. ``notified_at``
    is when they were last emailed about a new message: the next email waits
    until an hour has passed (``services.conversation``).
    """

    member = models.OneToOneField(
        "journeys.JourneyMember", on_delete=models.CASCADE, related_name="conversation_state"
    )
    last_read_id = models.PositiveBigIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.member} read up to {self.last_read_id}"


class MessageReportQuerySet(ProgramScopedQuerySet):
    program_field = "message__journey__program"


class MessageReport(models.Model):
    """A member's report of one message, for the program's admins to look at.

    A report keeps the message's words as they were when it was reported
    (``text``), so its author changing or deleting the message afterwards
    does not take them from the admins. Nothing else of the conversation is
    ever shown to staff.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        "journeys.JourneyMember", on_delete=models.CASCADE, related_name="message_reports"
    )
    reason = models.TextField(
        blank=True,
        max_length=REPORT_REASON_MAX_LENGTH,
        validators=[MaxLengthValidator(REPORT_REASON_MAX_LENGTH), validate_lines],
        help_text=_("Why the member reported the message, in their words."),
    )
    text = models.TextField(
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        help_text=_("The message's words when it was reported."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When an admin marked the report as reviewed.")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who marked the report as reviewed."),
    )

    objects = MessageReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reported message")
        verbose_name_plural = _("reported messages")
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_member")
        ]

    def __str__(self):
        return f"Report of message {self.message_id}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None
