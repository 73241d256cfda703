"""Writing emails to the outbox, and delivering them.

Rules enforced here:

* An email is a row (``OutboxEmail``) written by ``queue_emails`` inside the
  transaction that decides it; a worker is asked to deliver once that
  transaction commits, and a schedule sweeps the outbox every minute besides,
  so an email whose request to deliver was lost still goes.
* Delivery claims due rows with one conditional UPDATE, so two workers never
  take the same row, and marks each row sent on its own as soon as the mail
  server has accepted it: an email is sent once. Only a worker killed between
  the server's answer and that mark can send one email twice; a killed
  worker's other claims expire after ``CLAIM_TIMEOUT``.
* A failure is retried later, each time later still (``RETRY_DELAYS``); after
  the last retry the row is marked failed and logged. When the mail server
  cannot be reached at all, the rest of the batch waits for the next try
  without counting it as an attempt.
* What is decided is stored; what belongs to the moment of sending is added
  then: the site's address and theme, the greeting, and a freshly signed
  unsubscribe link (valid for ``UNSUBSCRIBE_MAX_AGE``) in the body and in the
  ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 8058). An
  email that goes whatever the person chose (``honours_choice`` off: an
  introduction, a request, a meeting invitation, a report to admins) offers
  no way to stop it that would not work: its footer says why it comes.
* Nothing goes to an account that is inactive or has no address, to someone
  who has left the journey the email is about, or (for notifications, not
  for introductions and requests) to someone who chose no emails: those rows
  are cancelled.
* Subjects are one line: every line break and control character becomes a
  space (``one_line``), so no text from a title can break a header.
* A row with a ``calendar`` (an invitation or cancellation written by
  ``services.meetings``) is sent with it twice: as a ``text/calendar;
  method=REQUEST`` (or ``CANCEL``) alternative beside the text and HTML,
  which mail clients offer to add to the calendar, and as an ``invite.ics``
  attachment for those that look only at attachments.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language

from ..models import (
    EmailChoice,
    EmailStatus,
    JourneyMember,
    OutboxEmail,
    ParticipantPreferences,
    ProgramPage,
)
from ..queue import enqueue

logger = logging.getLogger(__name__)

# Emails claimed and sent per round; one connection to the mail server serves a round.
ROUND_SIZE = 100
# A delivery task stops starting new rounds after this long and queues its
# successor, so it stays well inside the worker's task timeout.
TASK_SECONDS = 60
CLAIM_TIMEOUT = timedelta(minutes=10)
RETRY_DELAYS = tuple(
    timedelta(minutes=m) for m in (1, 5, 15, 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60)
)
UNSUBSCRIBE_SALT = "journeys.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
SUBJECT_MAX = 200
# Line breaks of every kind (including U+2028, U+2029, U+0085) and the other
# control characters: none may reach a header.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Errors that say the mail server cannot be reached, rather than that it
# refused this one message.
_UNREACHABLE = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    ConnectionError,
    TimeoutError,
)


def one_line(text, limit: int = SUBJECT_MAX) -> str:
    """``text`` on one line, its runs of whitespace and control characters made one space."""
    flat = " ".join(_NOT_ONE_LINE.sub(" ", str(text)).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def new_email(
    recipient_id: int,
    template: str,
    subject,
    context: dict,
    *,
    program_id: int | None = None,
    journey_id: int | None = None,
    honours_choice: bool = True,
    now=None,
) -> OutboxEmail:
    """An unsaved outbox row; ``queue_emails`` writes a list of them at once."""
    return OutboxEmail(
        recipient_id=recipient_id,
        template=template,
        subject=one_line(subject),
        context=context,
        program_id=program_id,
        journey_id=journey_id,
        honours_choice=honours_choice,
        language=get_language() or settings.LANGUAGE_CODE,
        send_after=now or timezone.now(),
    )


def queue_emails(emails: list[OutboxEmail], *, request_delivery: bool = True) -> list[OutboxEmail]:
    """Write ``emails`` to the outbox and ask a worker to deliver them on commit.

    Call it inside the transaction that decides the emails: they exist only
    if it commits. ``request_delivery=False`` leaves delivery to the caller
    (or to the schedule that sweeps the outbox).
    """
    if not emails:
        return []
    created = OutboxEmail.objects.bulk_create(emails, batch_size=500)
    if request_delivery:
        ask_for_delivery()
    return created


def queue_many(
    template: str, rows, *, now, honours_choice: bool = True, request_delivery: bool = True
) -> int:
    """Write many emails of one template at once: the tick's path, tens of thousands a run.

    ``rows`` are (recipient id, program id, journey id, subject, context)
    tuples. On PostgreSQL they go in one ``INSERT ... SELECT FROM unnest(...)``
    per chunk, which ``bench/tick.py`` measures at more than twice as fast as
    ``bulk_create`` for the same rows; elsewhere through ``bulk_create``.
    """
    rows = list(rows)
    if not rows:
        return 0
    language = get_language() or settings.LANGUAGE_CODE
    if connection.vendor != "postgresql":
        OutboxEmail.objects.bulk_create(
            (
                new_email(
                    recipient_id,
                    template,
                    subject,
                    context,
                    program_id=program_id,
                    journey_id=journey_id,
                    honours_choice=honours_choice,
                    now=now,
                )
                for recipient_id, program_id, journey_id, subject, context in rows
            ),
            batch_size=500,
        )
    else:
        _insert_many(template, rows, now, language, honours_choice)
    if request_delivery:
        ask_for_delivery()
    return len(rows)


def _insert_many(template, rows, now, language, honours_choice) -> None:
    opts = OutboxEmail._meta
    table = connection.ops.quote_name(opts.db_table)
    column = {f.name: connection.ops.quote_name(f.column) for f in opts.concrete_fields}
    varying = ("recipient", "program", "journey", "subject", "context")
    fixed = (
        "template",
        "language",
        "honours_choice",
        "status",
        "created_at",
        "send_after",
        "attempts",
        "last_error",
        "claimed_by",
        "calendar",
        "calendar_method",
    )
    # Only quoted table and column names go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(column[n] for n in (*varying, *fixed))}) "  # noqa: S608
        "SELECT r, p, j, s, c::jsonb, %s, %s, %s, %s, %s, %s, 0, '', '', '', '' FROM unnest("
        "%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS v (r, p, j, s, c)"
    )
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            cursor.execute(
                sql,
                [
                    template,
                    language,
                    honours_choice,
                    EmailStatus.PENDING.value,
                    now,
                    now,
                    [row[0] for row in chunk],
                    [row[1] for row in chunk],
                    [row[2] for row in chunk],
                    [one_line(row[3]) for row in chunk],
                    [encode(row[4]) for row in chunk],
                ],
            )


def ask_for_delivery() -> None:
    """Ask a worker to deliver what is due, once the current transaction commits."""
    enqueue("journeys.tasks.deliver_outbox", group="outbox")


# Unsubscribe links --------------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": int(user_id)}, salt=UNSUBSCRIBE_SALT)


class ExpiredLink(Exception):
    """A genuine unsubscribe link that is older than ``UNSUBSCRIBE_MAX_AGE``."""


def user_id_from_unsubscribe_token(token: str) -> int | None:
    """The person a link names; None for a link that was never ours.

    Raises ``ExpiredLink`` for a genuine link that is too old.
    """
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)["u"])
    except signing.SignatureExpired as error:
        raise ExpiredLink from error
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# Delivery ------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0

    def add(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.deferred += other.deferred

    def __str__(self):
        return (
            f"{self.sent} sent, {self.failed} failed, {self.cancelled} cancelled, "
            f"{self.deferred} deferred"
        )


class Sites:
    """Each program's site (address and theme), looked up once per delivery."""

    def __init__(self):
        self._sites = {}

    def get(self, program_id):
        if program_id not in self._sites:
            program = ProgramPage.objects.filter(pk=program_id).first() if program_id else None
            self._sites[program_id] = program.get_site() if program is not None else None
        return self._sites[program_id]

    def root(self, program_id) -> str:
        site = self.get(program_id)
        root = site.root_url if site is not None else ""
        return root or settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def render_email(email: OutboxEmail, sites: Sites, connection=None) -> EmailMultiAlternatives:
    """The message for an outbox row, rendered now with Django's templates."""
    user = email.recipient
    root = sites.root(email.program_id)
    unsubscribe_url = root + reverse("journeys:unsubscribe", args=[unsubscribe_token(user.pk)])
    context = {
        **email.context,
        "recipient_name": user.first_name or user.email,
        "site": sites.get(email.program_id),
        "site_root": root,
        "settings_url": root + reverse("journeys:email_settings"),
        "unsubscribe_url": unsubscribe_url,
        "honours_choice": email.honours_choice,
    }
    with translation.override(email.language or settings.LANGUAGE_CODE):
        text = render_to_string(f"{email.template}.txt", context)
        html = render_to_string(f"{email.template}.html", context)
    # Only an email that stopping emails stops offers a one-click stop (RFC 8058);
    # one that comes whatever the choice says so in its footer instead.
    headers = {}
    if email.honours_choice:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=one_line(email.subject),
        body=text,
        to=[user.email],
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    if email.calendar:
        method = email.calendar_method or "REQUEST"
        message.attach_alternative(email.calendar, f"text/calendar; method={method}")
        message.attach("invite.ics", email.calendar.encode("utf-8"), "application/ics")
    return message


def deliver_due(
    limit: int | None = None, seconds: float | None = None, connection=None
) -> DeliveryResult:
    """Deliver due outbox rows, round after round, until none is due.

    Stops starting rounds after ``seconds`` (or once ``limit`` rows were
    taken); the caller may queue a successor if ``more_due()``.
    """
    result = DeliveryResult()
    started = time.monotonic()
    taken = 0
    while limit is None or taken < limit:
        size = ROUND_SIZE if limit is None else min(ROUND_SIZE, limit - taken)
        round_result, claimed = deliver_round(size, connection)
        result.add(round_result)
        taken += claimed
        if claimed < size or (seconds is not None and time.monotonic() - started >= seconds):
            break
    return result


def more_due() -> bool:
    now = timezone.now()
    return OutboxEmail.objects.due(now, now - CLAIM_TIMEOUT).exists()


def _claim(size: int) -> tuple[str, int]:
    token = uuid.uuid4().hex
    now = timezone.now()
    stale = now - CLAIM_TIMEOUT
    ids = list(
        OutboxEmail.objects.due(now, stale)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:size]
    )
    if not ids:
        return token, 0
    # Conditional: a row another worker claimed since the read above stays theirs.
    claimed = (
        OutboxEmail.objects.filter(pk__in=ids)
        .due(now, stale)
        .update(claimed_by=token, claimed_at=now)
    )
    return token, claimed


def deliver_round(size: int = ROUND_SIZE, connection=None) -> tuple[DeliveryResult, int]:
    """Claim up to ``size`` due rows and send them on one connection."""
    token, claimed = _claim(size)
    result = DeliveryResult()
    if not claimed:
        return result, 0
    try:
        emails = list(
            OutboxEmail.objects.filter(claimed_by=token, status=EmailStatus.PENDING)
            .select_related("recipient")
            .order_by("send_after", "pk")
        )
        wanted = _cancel_unwanted(emails, result)
        if wanted:
            _send(wanted, connection or get_connection(), result)
    finally:
        # Whatever is still held (not sent, not failed) goes back at once.
        OutboxEmail.objects.filter(claimed_by=token, status=EmailStatus.PENDING).update(
            claimed_by="", claimed_at=None
        )
    return result, claimed


def _cancel_unwanted(emails, result: DeliveryResult) -> list[OutboxEmail]:
    """Cancel rows nobody should receive any more; return the others."""
    stopped = set(
        ParticipantPreferences.objects.filter(
            user_id__in={e.recipient_id for e in emails if e.honours_choice},
            emails=EmailChoice.NONE,
        ).values_list("user_id", flat=True)
    )
    journey_ids = {e.journey_id for e in emails if e.journey_id}
    members = (
        set(
            JourneyMember.objects.filter(
                journey_id__in=journey_ids, left_on__isnull=True
            ).values_list("journey_id", "user_id")
        )
        if journey_ids
        else set()
    )
    wanted, unwanted = [], []
    for email in emails:
        user = email.recipient
        if (
            not user.is_active
            or not user.email
            or (email.honours_choice and user.pk in stopped)
            or (email.journey_id and (email.journey_id, user.pk) not in members)
        ):
            unwanted.append(email.pk)
        else:
            wanted.append(email)
    if unwanted:
        OutboxEmail.objects.filter(pk__in=unwanted).update(
            status=EmailStatus.CANCELLED, claimed_by="", claimed_at=None
        )
        result.cancelled += len(unwanted)
    return wanted


def _send(emails, connection, result: DeliveryResult) -> None:
    sites = Sites()
    try:
        connection.open()
    except Exception as error:
        _defer(emails, error, result)
        return
    try:
        for position, email in enumerate(emails):
            try:
                message = render_email(email, sites, connection)
                message.send()
            except _UNREACHABLE as error:
                _defer(emails[position:], error, result)
                return
            except Exception as error:
                _failed(email, error, result)
                continue
            # Marked on its own at once: the mail server has it.
            OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.PENDING).update(
                status=EmailStatus.SENT, sent_at=timezone.now(), claimed_by="", claimed_at=None
            )
            result.sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.debug("Closing the mail connection failed.", exc_info=True)


def _error_text(error: BaseException) -> str:
    return one_line(f"{type(error).__name__}: {error}", 500)


def _failed(email: OutboxEmail, error: BaseException, result: DeliveryResult) -> None:
    """Count a failed attempt on one email; retry it later, or give up after the last."""
    attempts = email.attempts + 1
    changes = {"attempts": attempts, "last_error": _error_text(error), "claimed_by": ""}
    if attempts > len(RETRY_DELAYS):
        changes["status"] = EmailStatus.FAILED
        result.failed += 1
        logger.error("Gave up on outbox email %s after %s attempts: %s", email.pk, attempts, error)
    else:
        changes["send_after"] = timezone.now() + RETRY_DELAYS[attempts - 1]
        result.deferred += 1
        logger.warning(
            "Outbox email %s failed (attempt %s); retrying later: %s", email.pk, attempts, error
        )
    OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.PENDING).update(
        claimed_at=None, **changes
    )


def _defer(emails, error: BaseException, result: DeliveryResult) -> None:
    """The mail server cannot be reached: the first email counts an attempt, and
    the rest wait as long as it does, without counting one."""
    if not emails:
        return
    first, rest = emails[0], emails[1:]
    _failed(first, error, result)
    if rest:
        wait = RETRY_DELAYS[min(first.attempts, len(RETRY_DELAYS) - 1)]
        OutboxEmail.objects.filter(pk__in=[e.pk for e in rest], status=EmailStatus.PENDING).update(
            send_after=timezone.now() + wait,
            last_error=_error_text(error),
            claimed_by="",
            claimed_at=None,
        )
        result.deferred += len(rest)


def cancel_pending(**filters) -> int:
    """Cancel pending outbox rows matching ``filters`` (e.g. a person's, on erasure)."""
    with transaction.atomic():
        return OutboxEmail.objects.filter(status=EmailStatus.PENDING, **filters).update(
            status=EmailStatus.CANCELLED, claimed_by="", claimed_at=None
        )
