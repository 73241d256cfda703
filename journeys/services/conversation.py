"""The conversation of a journey's members: posting, changing, reading, reporting, telling.

Rules enforced here:

* Only current members post, read and report (``NotAMember`` otherwise); the
  views answer everyone else with 404 before any of this is reached.
* Once the journey has ended (completed or closed) its conversation is part
  of the record: posting, editing and deleting are refused (``JourneyEnded``,
  ``progress.acting_member``). Reading goes on, and so does reporting: a
  report changes nothing of the conversation, and what was said in a journey
  that was closed may be exactly what its admins need to hear about.
* A message is markdown of at most ``MESSAGE_MAX_LENGTH`` characters, not
  blank, and refused when the sanitiser would not show it formatted in full
  (``content.markdown.validate_markdown``), like a reflection. The text is
  checked before anything is written; a refusal is a ``ValidationError``
  keyed by ``text``. It is stored as typed and rendered when shown.
* Its author may edit or delete it for ``EDIT_WINDOW`` (15 minutes) after
  posting it, never after (``MessageLocked``, saying until when it could be
  changed). Deleting empties the text and leaves "Message deleted" in its
  place. The moment is passed in (``now``), never read inside a rule.
* Reading: each member's place (``ConversationState.last_read_id``) moves to
  the newest message a page showed them; their own messages and deleted ones
  are never unread. ``with_unread_counts`` counts them in the journeys' own query.
* Telling the others, in the transaction that posts the message: each other
  current, active member is told as their email choice says. "As things
  happen": an email from the outbox, at most one per conversation per hour.
  The hour is kept per recipient (``ConversationState.notified_at``) and
  claimed with one conditional UPDATE, so two messages posted at once can
  never both email; a message within the hour is covered by the email already
  sent or waiting. "A weekly digest": one waiting notification per
  conversation, which the digest turns into the number of messages still
  unread when it is written. "No emails": nothing. Each email or digest
  entry is a ``Notification`` row of kind ``message``, in the log like the
  tick's.
* Reporting, where the program allows it: a member reports someone else's
  message once; the report keeps the words as they were, and the
  program's admins are emailed that a report waits (without its words or
  names). Only reported messages ever reach the admin.
* Posting counts as the journey's activity, as every member action does, on the
  site's day (``settings.TIME_ZONE``), whatever zone the sender reads times in.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from content.markdown import cache_key, validate_markdown
from content.text import check_text, length_error

from ..exceptions import MessageLocked, ReportRefused
from ..models import (
    MESSAGE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    ConversationState,
    Delivery,
    EmailChoice,
    Journey,
    JourneyMember,
    Message,
    MessageReport,
    Notification,
    NotificationKind,
    ParticipantPreferences,
)
from . import outbox
from .access import administrators, with_permission
from .progress import acting_member, member_of, record_activity

EDIT_WINDOW = timedelta(minutes=15)
NOTIFY_INTERVAL = timedelta(hours=1)
# Messages on the conversation's page, and the latest few on the journey's page.
PAGE_SIZE = 50
LATEST_ON_JOURNEY = 5
NEW_MESSAGE_EMAIL = "journeys/emails/new_message"
REPORT_EMAIL = "journeys/emails/message_reported"
REPORT_PERMISSION = "journeys.view_messagereport"
MESSAGE = NotificationKind.MESSAGE.value


def check_message_text(text: str) -> None:
    """Refuse a message that is blank, too long, or would not be shown formatted."""
    if not (text or "").strip():
        raise ValidationError({"text": _("Write your message first.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"text": length_error(text, MESSAGE_MAX_LENGTH, _("A message"))})
    try:
        validate_markdown(text)
    except ValidationError as error:
        raise ValidationError({"text": error.error_list}) from None


def _period_key(now: datetime) -> str:
    """The log's period key for a message notification: the moment, to the second, in UTC."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _forget_rendering(text: str) -> None:
    """Drop the cached rendering of words that were changed or deleted, once committed."""

    def forget():
        with contextlib.suppress(Exception):  # an unavailable cache holds nothing to forget
            cache.delete(cache_key(text))

    if text:
        transaction.on_commit(forget)


# Posting -------------------------------------------------------------------------------


def post_message(journey: Journey, user, text: str, now: datetime | None = None) -> Message:
    """Post a message to the journey's conversation and tell the other members."""
    now = now or timezone.now()
    check_message_text(text)
    with transaction.atomic():
        member = acting_member(journey, user)
        message = Message.objects.create(journey=journey, author=member, text=text, created_at=now)
        mark_read(member, message.pk)
        _tell_others(journey, member, now)
        # The site's day, as for every action: the page posting it shows the sender's zone.
        record_activity(journey, timezone.localdate(now, timezone.get_default_timezone()))
    return message


def _state_rows(member_ids) -> None:
    """Make sure each member has a ``ConversationState`` row to update."""
    existing = set(
        ConversationState.objects.filter(member_id__in=member_ids).values_list(
            "member_id", flat=True
        )
    )
    missing = [ConversationState(member_id=pk) for pk in member_ids if pk not in existing]
    if missing:
        # A concurrent request may make the same rows: theirs are as good as ours.
        ConversationState.objects.bulk_create(missing, ignore_conflicts=True)


def _claim_hour(member_id: int, now: datetime) -> bool:
    """Whether this message may email the member: nobody emailed them in the past hour.

    One conditional UPDATE: of two messages posted at the same moment, only
    one finds the hour free and moves ``notified_at`` on.
    """
    return bool(
        ConversationState.objects.filter(member_id=member_id)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lte=now - NOTIFY_INTERVAL))
        .update(notified_at=now)
    )


def _tell_others(journey: Journey, author: JourneyMember, now: datetime) -> None:
    others = list(
        JourneyMember.objects.filter(journey=journey, left_on__isnull=True, user__is_active=True)
        .exclude(pk=author.pk)
        .values_list("pk", "user_id")
    )
    if not others:
        return
    choices = dict(
        ParticipantPreferences.objects.filter(user_id__in=[u for _m, u in others]).values_list(
            "user_id", "emails"
        )
    )
    immediate = [
        (m, u) for m, u in others if choices.get(u, EmailChoice.IMMEDIATE) == EmailChoice.IMMEDIATE
    ]
    weekly = [m for m, u in others if choices.get(u) == EmailChoice.WEEKLY]
    key = _period_key(now)
    rows = []
    emails = []
    if immediate:
        _state_rows([m for m, _u in immediate])
        journey_row = (
            Journey.objects.filter(pk=journey.pk)
            .values_list("uuid", "program_id", "template__title")
            .get()
        )
        for member_id, user_id in immediate:
            if not _claim_hour(member_id, now):
                continue  # the email of the past hour covers this message
            rows.append(
                Notification(
                    journey=journey,
                    member_id=member_id,
                    kind=MESSAGE,
                    period_key=key,
                    delivery=Delivery.EMAIL,
                )
            )
            emails.append(_new_message_email(journey, journey_row, author, user_id, now))
    if weekly:
        waiting = set(
            Notification.objects.filter(
                journey=journey, member_id__in=weekly, kind=MESSAGE, delivery=Delivery.DIGEST
            ).values_list("member_id", flat=True)
        )
        rows.extend(
            Notification(
                journey=journey,
                member_id=member_id,
                kind=MESSAGE,
                period_key=key,
                delivery=Delivery.DIGEST,
            )
            for member_id in weekly
            if member_id not in waiting
        )
    Notification.objects.bulk_create(rows)
    outbox.queue_emails(emails)


def _new_message_email(journey, journey_row, author, user_id, now):
    journey_uuid, program_id, title = journey_row
    name = author.user.first_name or str(author.user)
    return outbox.new_email(
        user_id,
        NEW_MESSAGE_EMAIL,
        _("%(name)s wrote to you in your mentoring conversation") % {"name": name},
        {"author_name": name, "journey_uuid": str(journey_uuid), "journey_title": title},
        program_id=program_id,
        journey_id=journey.pk,
        now=now,
    )


# Changing ------------------------------------------------------------------------------


def _changeable(journey, user, message_uuid, now) -> Message:
    member = acting_member(journey, user)
    message = (
        Message.objects.select_for_update()
        .filter(journey=journey, uuid=message_uuid)
        .select_related("author")
        .first()
    )
    if message is None or message.author_id != member.pk:
        raise MessageLocked(_("Only the person who wrote a message can change it."))
    if message.is_deleted:
        raise MessageLocked(_("This message is deleted."))
    if now - message.created_at > EDIT_WINDOW:
        raise MessageLocked(
            _(
                "A message can be changed or deleted for 15 minutes after it is sent. This "
                "one was sent at %(time)s, so it stays as it is."
            )
            % {"time": date_format(timezone.localtime(message.created_at), "H:i, j F")}
        )
    return message


def can_change(message: Message, member: JourneyMember, now: datetime) -> bool:
    """Whether the member may still edit or delete the message (shows the links)."""
    return (
        message.author_id == member.pk
        and not message.is_deleted
        and now - message.created_at <= EDIT_WINDOW
    )


def edit_message(journey, user, message_uuid, text: str, now: datetime | None = None) -> Message:
    """Change the text of one's own message, within ``EDIT_WINDOW`` of posting it."""
    now = now or timezone.now()
    check_message_text(text)
    with transaction.atomic():
        message = _changeable(journey, user, message_uuid, now)
        if message.text != text:
            _forget_rendering(message.text)
            message.text = text
            message.edited_at = now
            message.save(update_fields=["text", "edited_at"])
    return message


def delete_message(journey, user, message_uuid, now: datetime | None = None) -> Message:
    """Delete one's own message within ``EDIT_WINDOW``: "Message deleted" stays in its place."""
    now = now or timezone.now()
    with transaction.atomic():
        message = _changeable(journey, user, message_uuid, now)
        _forget_rendering(message.text)
        message.text = ""
        message.deleted_at = now
        message.save(update_fields=["text", "deleted_at"])
    return message


# Reading -------------------------------------------------------------------------------


@dataclass
class Page:
    """Some of a conversation's messages, oldest first, and the id of the one before them."""

    messages: list[Message]
    earlier_id: int | None

    @property
    def has_earlier(self) -> bool:
        return self.earlier_id is not None

    @property
    def newest(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def oldest(self) -> Message | None:
        return self.messages[0] if self.messages else None


def _readable(journey, member: JourneyMember):
    """The journey's messages ``member`` may read: their own, and others' since they joined."""
    return Message.objects.filter(member.may_read(), journey=journey)


def messages_page(
    journey, member: JourneyMember, limit: int = PAGE_SIZE, before: Message | None = None
) -> Page:
    """The newest ``limit`` messages ``member`` may read (before ``before``, if given),
    oldest first: one query."""
    messages = _readable(journey, member).select_related("author__user")
    if before is not None:
        messages = messages.filter(pk__lt=before.pk)
    found = list(messages.order_by("-pk")[: limit + 1])
    return Page(
        messages=found[:limit][::-1], earlier_id=found[limit].pk if len(found) > limit else None
    )


def messages_after(
    journey, member: JourneyMember, after: Message, limit: int = PAGE_SIZE
) -> list[Message]:
    """Messages ``member`` may read posted after ``after``, oldest first, at most ``limit``."""
    return list(
        _readable(journey, member)
        .filter(pk__gt=after.pk)
        .select_related("author__user")
        .order_by("pk")[:limit]
    )


def find_message(journey, member: JourneyMember, message_uuid) -> Message | None:
    """One message ``member`` may read; None for any other."""
    return _readable(journey, member).filter(uuid=message_uuid).first()


def read_position(member: JourneyMember) -> int:
    return (
        ConversationState.objects.filter(member=member)
        .values_list("last_read_id", flat=True)
        .first()
        or 0
    )


def mark_read(member: JourneyMember, message_id: int, known: int | None = None) -> None:
    """Move the member's place to ``message_id``; never back.

    ``known`` is the place the caller read already (saving a query when the
    place is already there).
    """
    if known is not None and known >= message_id:
        return
    moved = ConversationState.objects.filter(member=member, last_read_id__lt=message_id).update(
        last_read_id=message_id
    )
    if moved:
        return
    try:
        with transaction.atomic():
            ConversationState.objects.get_or_create(
                member=member, defaults={"last_read_id": message_id}
            )
    except IntegrityError:  # made by a concurrent request; its place is as good
        pass


def with_unread_counts(journeys, user):
    """``journeys`` (a queryset) with ``unread``: how many messages each holds that the
    user has not read, counted in the journeys' own query.

    Unread: by someone else, not deleted, after the user's place in their
    current membership of that journey, and written since they joined it.
    """
    place = ConversationState.objects.filter(
        member__journey_id=OuterRef(OuterRef("pk")),
        member__user=user,
        member__left_on__isnull=True,
    ).values("last_read_id")[:1]
    joined = JourneyMember.objects.filter(
        journey_id=OuterRef(OuterRef("pk")), user=user, left_on__isnull=True
    ).values("joined_at")[:1]
    unread = (
        Message.objects.filter(journey_id=OuterRef("pk"), deleted_at__isnull=True)
        .exclude(author__user=user)
        .filter(pk__gt=Coalesce(Subquery(place), Value(0)))
        # Someone who started the journey has no ``joined_at``: every message counts.
        .filter(created_at__gte=Coalesce(Subquery(joined), F("created_at")))
        .order_by()
        .values("journey_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return journeys.annotate(unread=Coalesce(Subquery(unread), Value(0)))


# Reporting -----------------------------------------------------------------------------


def reported_ids(member: JourneyMember, messages) -> set[int]:
    """Which of ``messages`` the member has reported: one query (none for no messages)."""
    ids = [m.pk for m in messages]
    if not ids:
        return set()
    return set(
        MessageReport.objects.filter(reporter=member, message_id__in=ids).values_list(
            "message_id", flat=True
        )
    )


def may_report(journey: Journey, member: JourneyMember, message: Message) -> bool:
    return (
        journey.program.allow_message_reports
        and message.author_id != member.pk
        and not message.is_deleted
    )


def report_message(journey, user, message_uuid, reason: str) -> MessageReport:
    """Report someone else's message to the program's admins (where the program allows it).

    Reporting twice is harmless: the first report stands.
    """
    reason = (reason or "").strip()
    check_text(
        reason,
        field="reason",
        label=_("The reason"),
        limit=REPORT_REASON_MAX_LENGTH,
        multiline=True,
    )
    with transaction.atomic():
        member = member_of(journey, user)
        message = find_message(journey, member, message_uuid)
        if message is None:
            raise ReportRefused(_("That message is not part of this conversation."))
        if not journey.program.allow_message_reports:
            raise ReportRefused(_("This program does not take reports of messages."))
        if message.author_id == member.pk:
            raise ReportRefused(_("You cannot report your own message; you can delete it."))
        if message.is_deleted:
            raise ReportRefused(_("This message is deleted, so there is nothing to report."))
        report, created = MessageReport.objects.get_or_create(
            message=message, reporter=member, defaults={"reason": reason, "text": message.text}
        )
        if created:
            _tell_admins(journey)
    return report


def _tell_admins(journey: Journey) -> None:
    """Email each of the program's admins who may read reports that one waits: no words,
    no names."""
    program = journey.program
    admins = (
        with_permission(administrators(program), REPORT_PERMISSION)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    outbox.queue_emails(
        [
            outbox.new_email(
                admin_id,
                REPORT_EMAIL,
                _("%(program)s: a member reported a message") % {"program": program.title},
                {"program_title": program.title},
                program_id=program.pk,
                honours_choice=False,
            )
            for admin_id in admins
        ]
    )
