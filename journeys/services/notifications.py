"""The hourly tick: who needs to hear what about their journey, told once.

Rules enforced here:

* A member hears about a milestone of theirs (in their audience, in the
  journey's track) that they have not finished: once when it opens, once when
  it falls due soon, once when it is overdue. A milestone first seen in a
  later state skips the earlier messages: nobody is told "it opened" about
  something already overdue.
* Every member of a journey with no activity for the program's
  ``nudge_after_inactive_days`` is nudged once per quiet stretch (the stretch
  is named by the day of the last activity).
* A notification is a row in the log before it is anything else; its unique
  key makes it happen at most once however often, or however concurrently,
  the tick runs. Delivery claims rows with a single conditional UPDATE, so two
  workers never send the same row. Sent rows are marked as they go (see
  ``MARK_EVERY``) and, when sending fails, everything already sent is marked
  and the rest released, so a failure half-way loses nothing and repeats
  nothing. Rows claimed by a process that was killed outright are retried
  once their claim expires.
* Participants choose immediate emails, a weekly digest, or none. Digest rows
  wait for ``send_participant_digests``; rows for people who want no email are
  marked suppressed, never sent.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
import uuid
from collections import defaultdict, namedtuple
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import DatabaseError
from django.db import connection as db
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import engine
from ..models import (
    EmailChoice,
    Journey,
    JourneyStatus,
    Notification,
    NotificationKind,
    ParticipantPreferences,
    ProgramPage,
)
from .mail import EmailFrames, FastEmailMessage
from .state import LoadedJourney, fetch_rows, tick_states
from .templates import snapshots_for_revision_ids

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Sent emails are marked in the log in groups of this many rows: one write per
# group rather than per email. An exception still marks everything sent before
# it; only a process killed outright can repeat, at most, one group.
MARK_EVERY = 50
# Marks need not wait for the disk on PostgreSQL (see _marks_commit_asynchronously).
ASYNC_MARKS = True
CLAIM_TIMEOUT = timedelta(minutes=10)
UNSUBSCRIBE_SALT = "journeys.unsubscribe"

# Kinds as plain strings: they go into the log's keys and straight to the database.
STATE_KINDS = {
    engine.MilestoneState.OPEN: NotificationKind.MILESTONE_OPENED.value,
    engine.MilestoneState.DUE_SOON: NotificationKind.DUE_SOON.value,
    engine.MilestoneState.OVERDUE: NotificationKind.OVERDUE.value,
}
INACTIVE = NotificationKind.INACTIVE.value
# The log's unique key, in the order of ``plan_notifications``'s tuples.
KEY_FIELDS = ("journey", "member", "kind", "milestone_id", "period_key")


@dataclass(frozen=True)
class TickResult:
    journeys: int
    batches: int
    recorded: int
    emailed: int

    def __str__(self):
        return (
            f"{self.journeys} journeys in {self.batches} batches: "
            f"{self.recorded} notifications recorded, {self.emailed} emails sent"
        )


def plan_notifications(loaded: LoadedJourney, nudge_after_days: int, today: date) -> list[tuple]:
    """The notifications one journey calls for today, as keys of the log.

    A key is (journey id, member id, kind, milestone id, period key): the
    columns of the log's unique constraint, in that order.
    """
    state = loaded.state
    journey_id = loaded.journey.pk
    required = loaded.snapshot.prepared.required_step_ids
    keys = []
    for status in state.milestones:
        kind = STATE_KINDS.get(status.state)
        if kind is None:
            continue
        steps_done = status.steps_done
        for member_id in status.audience_member_ids:
            if not all(member_id in steps_done.get(s, ()) for s in required[status.id]):
                keys.append((journey_id, member_id, kind, status.id, ""))
    if nudge_after_days and state.days_since_activity >= nudge_after_days:
        quiet_since = (today - timedelta(days=state.days_since_activity)).isoformat()
        for member in loaded.members:
            keys.append((journey_id, member.pk, INACTIVE, "", quiet_since))
    return keys


def due_for_advance(today: date):
    """Active journeys not yet advanced for ``today``, or changed since they were."""
    return Journey.objects.filter(status=JourneyStatus.ACTIVE).filter(
        Q(advanced_on__isnull=True) | ~Q(advanced_on=today) | Q(changed_at__gt=F("advanced_at"))
    )


def journey_id_batches(today: date, batch_size: int | None = None):
    """Batches of the ids of journeys due for advance, walked by key."""
    batch_size = batch_size or BATCH_SIZE
    last = 0
    while True:
        ids = list(
            due_for_advance(today)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def new_claim() -> str:
    """A token for one delivery's claim on notification rows."""
    return uuid.uuid4().hex


def record_batch(journey_ids, today: date, claim: str = "") -> int:
    """Compute the journeys' states and log the notifications they call for.

    With ``claim`` (a ``new_claim()`` token), the new rows are logged already
    claimed by it, for ``deliver(..., claim=claim)`` to send next: the rows
    are written once before they are sent rather than twice. If the process
    dies in between, the claim expires like any other (``CLAIM_TIMEOUT``).
    """
    started = timezone.now()
    batch = tick_states(journey_ids, today)
    existing = set(
        fetch_rows(
            Notification.objects.filter(journey_id__any_of=journey_ids).values_list(
                "journey_id", "member_id", "kind", "milestone_id", "period_key"
            )
        )
    )
    nudge_days = batch.nudge_after_days
    keys = [
        key
        for lj in batch.journeys
        for key in plan_notifications(lj, nudge_days.get(lj.journey.program_id, 0), today)
        if key not in existing
    ]
    if keys:
        # A concurrent tick may have logged some of these since the read above;
        # the unique key lets the database drop those quietly.
        _log(keys, started, claim)
    Journey.objects.filter(pk__any_of=journey_ids).update(advanced_on=today, advanced_at=started)
    return len(keys)


def _log(keys: list[tuple], now, claim: str = "") -> None:
    """Insert notification rows for ``keys``, claimed by ``claim`` if given.

    Rows already logged are skipped.

    On PostgreSQL, one statement takes each column as an array: the first tick
    logs a hundred thousand rows, and building them as model instances would
    cost more than computing every journey. Elsewhere, ``bulk_create``.
    """
    if db.vendor != "postgresql":
        Notification.objects.bulk_create(
            (
                Notification(
                    journey_id=journey_id,
                    member_id=member_id,
                    kind=kind,
                    milestone_id=milestone_id,
                    period_key=period_key,
                    claimed_by=claim,
                    claimed_at=now if claim else None,
                )
                for journey_id, member_id, kind, milestone_id, period_key in keys
            ),
            ignore_conflicts=True,
            batch_size=1000,
        )
        return
    opts = Notification._meta
    column = {name: opts.get_field(name).column for name in KEY_FIELDS}
    names = ", ".join(db.ops.quote_name(column[name]) for name in KEY_FIELDS)
    # Only quoted table and column names go into the text; the values are parameters.
    sql = (
        f"INSERT INTO {db.ops.quote_name(opts.db_table)} "  # noqa: S608
        f"({names}, created_at, claimed_by, claimed_at, delivery) "
        f"SELECT {names}, %s, %s, %s, '' FROM unnest("
        "%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[]"
        f") AS keys ({names}) ON CONFLICT DO NOTHING"
    )
    with db.cursor() as cursor:
        columns = (list(column) for column in zip(*keys, strict=True))
        cursor.execute(sql, [now, claim, now if claim else None, *columns])


def _claim(filters: Q, token: str | None = None) -> str:
    """Claim the unsent, unclaimed (or long-claimed) rows matching ``filters``."""
    token = token or new_claim()
    now = timezone.now()
    Notification.objects.filter(filters, sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    ).update(claimed_at=now, claimed_by=token)
    return token


def _preferences(user_ids) -> dict[int, str]:
    return dict(
        ParticipantPreferences.objects.filter(user_id__any_of=user_ids).values_list(
            "user_id", "emails"
        )
    )


class UnsubscribeSigner:
    """Signs unsubscribe tokens: the text ``signing.dumps`` gives, made faster.

    Django derives the HMAC key from the secret and the salt for every
    signature; a delivery run signs one token per email, so this derives it
    once and copies the keyed HMAC for each. The token is the same text, which
    ``signing.loads`` checks (``user_id_from_unsubscribe_token``); the tests
    compare the two.
    """

    def __init__(self):
        signer = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT, algorithm="sha256")
        self.sep = signer.sep
        derived = hashlib.sha256(force_bytes(signer.salt + "signer") + force_bytes(signer.key))
        self._mac = hmac.new(derived.digest(), digestmod=hashlib.sha256)

    def sign(self, user_id: int, now: float | None = None) -> str:
        # ``sign_object({"u": user_id})``: its JSON, base64 without padding.
        data = signing.b64_encode(b'{"u":%d}' % int(user_id)).decode()
        stamp = signing.b62_encode(int(time.time() if now is None else now))
        value = f"{data}{self.sep}{stamp}"
        mac = self._mac.copy()
        mac.update(value.encode())
        return f"{value}{self.sep}{signing.b64_encode(mac.digest()).decode()}"


def unsubscribe_token(user, signer: UnsubscribeSigner | None = None) -> str:
    """The signed token of a user's unsubscribe link; a mailer passes its signer."""
    return (signer or UnsubscribeSigner()).sign(user.pk)


def user_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


ZERO_UUID = "00000000-0000-0000-0000-000000000000"


@functools.lru_cache(maxsize=16)
def email_copy(language: str) -> dict[str, str]:
    """The fixed sentences of the emails, translated once per language."""
    return {
        "hello": _("Hello %(name)s,"),
        "update_intro": _("Here is what is happening in your mentoring journey, “%(journey)s”:"),
        "digest_intro": _("Here is your mentoring week."),
        "closing": _("Take your time: the journey is yours to walk together."),
        "settings": _("Choose how often we write to you"),
        "stop": _("Stop these emails"),
        "title": _("Your mentoring journey"),
        "digest_title": _("Your mentoring week"),
        "subject_overdue": _("A step in your mentoring journey is waiting for you"),
        "subject_due_soon": _("Coming up soon in your mentoring journey"),
        "subject_opened": _("Something new has opened in your mentoring journey"),
        "subject_inactive": _("It has been a while: a nudge from your mentoring journey"),
    }


class Mailer:
    """Builds and sends notification emails.

    One connection serves every email of a run; sites and URL shapes are
    looked up once, not per email. Templates are rendered through frames (see
    ``mail.EmailFrames``): once per program, language and shape of email, then
    filled in per recipient.
    """

    def __init__(self, connection=None):
        self.connection = connection or get_connection()
        self.frames = EmailFrames()
        self.signer = UnsubscribeSigner()
        self._roots = {}
        self._sites = {}
        self._fixed = {}
        self._unsubscribe = reverse("journeys:unsubscribe", args=["TOKEN"])
        self._settings = reverse("journeys:email_settings")
        self._milestone = reverse("journeys:milestone", args=[ZERO_UUID, "MILESTONE"])
        self._journey = reverse("journeys:journey", args=[ZERO_UUID])
        # The language a run writes in, read once: reading it costs, per email.
        self.language = get_language() or settings.LANGUAGE_CODE
        self.copy = email_copy(self.language)

    def site_root(self, program_id) -> str:
        if program_id not in self._roots:
            program = ProgramPage.objects.filter(pk=program_id).first()
            site = program.get_site() if program is not None else None
            root = site.root_url if site else ""
            self._sites[program_id] = site
            self._roots[program_id] = root or settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        return self._roots[program_id]

    def site(self, program_id):
        """The program's site: its address and its theme frame the email."""
        self.site_root(program_id)
        return self._sites[program_id]

    def item_url(self, journey_uuid, milestone_id: str) -> str:
        if milestone_id:
            return self._milestone.replace(ZERO_UUID, str(journey_uuid)).replace(
                "MILESTONE", milestone_id
            )
        return self._journey.replace(ZERO_UUID, str(journey_uuid))

    def fixed_context(self, program_id) -> dict:
        """What every email of a program says alike: its site, theme and sentences."""
        fixed = self._fixed.get(program_id)
        if fixed is None:
            root = self.site_root(program_id)
            fixed = self._fixed[program_id] = {
                "copy": self.copy,
                "site_root": root,
                "site": self.site(program_id),
                "settings_url": root + self._settings,
            }
        return fixed

    def send(self, user, template: str, context: dict, subject: str, program_id) -> None:
        fixed = self.fixed_context(program_id)
        unsubscribe = fixed["site_root"] + self._unsubscribe.replace(
            "TOKEN", unsubscribe_token(user, self.signer)
        )
        variable = {
            **context,
            "greeting": self.copy["hello"] % {"name": user.first_name or user.email},
            "unsubscribe_url": unsubscribe,
        }
        # A bare name is one of the journeys emails; other apps give a full path.
        template = template if "/" in template else f"journeys/emails/{template}"
        text, html = self.frames.render_all(
            (f"{template}.txt", f"{template}.html"), (program_id, self.language), fixed, variable
        )
        message = FastEmailMessage(
            subject=subject,
            body=text,
            to=[user.email],
            connection=self.connection,
            headers={"List-Unsubscribe": f"<{unsubscribe}>"},
        )
        message.attach_alternative(html, "text/html")
        message.send()

    @contextmanager
    def open_connection(self):
        """Keep the backend's connection open for a run, not one per email.

        Django's SMTP backend otherwise connects and disconnects for every
        ``send_messages`` call. A connection someone else opened stays open.
        """
        open_ = getattr(self.connection, "open", None)  # backends need only send_messages
        opened = open_() if open_ else False
        try:
            yield
        finally:
            if opened:
                self.connection.close()


_ITEM_TEXTS: dict[tuple, str] = {}


def item_text(kind: str, title: str, language: str | None = None) -> str:
    """The sentence an email gives one notification, translated once per process.

    ``language`` is the active one, which a mailer passes (it reads it once).
    """
    key = (language or get_language(), kind, title)
    text = _ITEM_TEXTS.get(key)
    if text is None:
        if kind == NotificationKind.MILESTONE_OPENED:
            text = _("“%(title)s” has opened.") % {"title": title}
        elif kind == NotificationKind.DUE_SOON:
            text = _("“%(title)s” is due soon.") % {"title": title}
        elif kind == NotificationKind.OVERDUE:
            text = _("“%(title)s” is waiting for you: its due date has passed.") % {"title": title}
        else:
            text = _(
                "It has been a while since anyone in your journey did something together. "
                "A short message to your partner is a good way back in."
            )
        if len(_ITEM_TEXTS) < 10_000:
            _ITEM_TEXTS[key] = text
    return text


# A claimed notification with what its email needs, lighter than three models.
Claimed = namedtuple("Claimed", "pk kind milestone_id journey_id member_id user journey")
Recipient = namedtuple("Recipient", "pk email first_name")
JourneyRef = namedtuple("JourneyRef", "uuid program_id template_revision_id")


def _claimed(token: str) -> list[Claimed]:
    """The rows this run claimed, with only the columns an email needs."""
    rows = fetch_rows(
        Notification.objects.filter(claimed_by=token, sent_at__isnull=True)
        .order_by("journey_id", "member_id", "pk")
        .values_list(
            "pk",
            "kind",
            "milestone_id",
            "journey_id",
            "member_id",
            "member__user_id",
            "member__user__email",
            "member__user__first_name",
            "journey__uuid",
            "journey__program_id",
            "journey__template_revision_id",
        )
    )
    users, journeys, claimed = {}, {}, []
    for pk, kind, milestone, journey_id, member_id, user_id, email, first, *journey in rows:
        user = users.get(user_id)
        if user is None:
            user = users[user_id] = Recipient(user_id, email, first)
        ref = journeys.get(journey_id)
        if ref is None:
            ref = journeys[journey_id] = JourneyRef(*journey)
        claimed.append(Claimed(pk, kind, milestone, journey_id, member_id, user, ref))
    return claimed


def _snapshots(notifications):
    return snapshots_for_revision_ids({n.journey.template_revision_id for n in notifications})


def _items(notes, snapshot, mailer):
    items = []
    for n in notes:
        milestone = snapshot.milestones_by_id.get(n.milestone_id) if snapshot else None
        items.append(
            {
                "kind": n.kind,
                "text": item_text(n.kind, milestone.title if milestone else "", mailer.language),
                "url": mailer.item_url(n.journey.uuid, n.milestone_id),
            }
        )
    return items


def deliver(journey_ids=None, mailer: Mailer | None = None, claim: str | None = None) -> int:
    """Send the logged, unsent notifications of these journeys (all if None).

    One email per member and journey gathers that member's new notifications.
    ``claim`` is the token ``record_batch`` logged its rows under, if any.
    """
    filters = Q(delivery="") | Q(delivery="email")
    if journey_ids is not None:
        filters &= Q(journey_id__any_of=journey_ids)
    token = _claim(filters, claim)
    claimed = _claimed(token)
    if not claimed:
        return 0
    try:
        choices = _preferences({n.user.pk for n in claimed})
        now = timezone.now()
        by_choice = defaultdict(list)
        for n in claimed:
            by_choice[choices.get(n.user.pk, EmailChoice.IMMEDIATE)].append(n.pk)
        Notification.objects.filter(pk__any_of=by_choice[EmailChoice.NONE]).update(
            sent_at=now, delivery="suppressed"
        )
        Notification.objects.filter(pk__any_of=by_choice[EmailChoice.WEEKLY]).update(
            delivery="digest", claimed_at=None, claimed_by=""
        )
        immediate = set(by_choice[EmailChoice.IMMEDIATE])
        groups = defaultdict(list)
        for n in claimed:
            if n.pk in immediate:
                groups[(n.journey_id, n.member_id)].append(n)
        if not groups:
            return 0
        mailer = mailer or Mailer()
        with mailer.open_connection():
            return _send_groups(groups, _snapshots(claimed), mailer)
    finally:
        # Whatever was claimed and not sent goes back for the next run now,
        # rather than after the claim times out.
        Notification.objects.filter(claimed_by=token, sent_at__isnull=True).exclude(
            delivery="digest"
        ).update(claimed_at=None, claimed_by="")


def _mark_sent(ids) -> None:
    if ids:
        Notification.objects.filter(pk__any_of=ids).update(
            sent_at=timezone.now(), delivery="email"
        )
        ids.clear()


@contextmanager
def _marks_commit_asynchronously():
    """On PostgreSQL, don't wait for each mark to reach the disk.

    A mark is one short transaction; waiting for its WAL flush cost more than
    the update itself. A committed mark survives the worker being killed (the
    server has it); only a crash of the database server itself can lose the
    marks of its last fraction of a second (three ``wal_writer_delay``s), and
    those emails would be sent again, as the ones since the last mark already
    would be. Nothing else is affected: the setting is reset after delivery.
    """
    if db.vendor != "postgresql" or not ASYNC_MARKS:
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    except BaseException:
        # A broken connection or an aborted transaction refuses the RESET, and
        # forgets the setting anyway (reconnecting, or rolling the SET back):
        # the error that got us here is the one to raise.
        with suppress(DatabaseError):
            _reset_synchronous_commit()
        raise
    _reset_synchronous_commit()


def _reset_synchronous_commit() -> None:
    with db.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


def _send_groups(groups, snapshots, mailer) -> int:
    sent = 0
    unmarked = []
    with _marks_commit_asynchronously():
        try:
            for notes in groups.values():
                _send_group(notes, snapshots, mailer)
                unmarked.extend(n.pk for n in notes)
                sent += 1
                if len(unmarked) >= MARK_EVERY:
                    _mark_sent(unmarked)
        finally:
            _mark_sent(unmarked)
    return sent


def _send_group(notes, snapshots, mailer) -> None:
    journey = notes[0].journey
    snapshot = snapshots.get(journey.template_revision_id)
    journey_title = snapshot.page.title if snapshot else ""
    mailer.send(
        notes[0].user,
        "journey_update",
        {
            "intro": mailer.copy["update_intro"] % {"journey": journey_title},
            "items": _items(notes, snapshot, mailer),
        },
        subject=_subject(notes, mailer.copy),
        program_id=journey.program_id,
    )


# The most pressing kind in an email names its subject.
SUBJECT_ORDER = (
    NotificationKind.OVERDUE,
    NotificationKind.DUE_SOON,
    NotificationKind.MILESTONE_OPENED,
)


def _subject(notes, copy: dict[str, str]) -> str:
    kinds = {n.kind for n in notes}
    kind = next((k for k in SUBJECT_ORDER if k in kinds), NotificationKind.INACTIVE)
    return copy[f"subject_{kind}"]


def advance_journeys(today: date | None = None, batch_size: int | None = None) -> TickResult:
    """Run the tick inline: every batch recorded, then delivered."""
    today = today or timezone.localdate()
    journeys = batches = recorded = emailed = 0
    mailer = Mailer()
    for ids in journey_id_batches(today, batch_size):
        journeys += len(ids)
        batches += 1
        claim = new_claim()
        recorded += record_batch(ids, today, claim)
        emailed += deliver(ids, mailer, claim)
    # Anything an earlier run logged but could not send goes now.
    emailed += deliver(None, mailer)
    return TickResult(journeys, batches, recorded, emailed)


def send_participant_digests(today: date | None = None) -> int:
    """Send each weekly-digest participant one email with what waited for them."""
    today = today or timezone.localdate()
    token = _claim(Q(delivery="digest"))
    claimed = sorted(_claimed(token), key=lambda n: (n.user.pk, n.journey_id, n.pk))
    if not claimed:
        return 0
    snapshots = _snapshots(claimed)
    by_user = defaultdict(list)
    for n in claimed:
        by_user[n.user.pk].append(n)
    mailer = Mailer()
    sent = 0
    try:
        with mailer.open_connection():
            for notes in by_user.values():
                user = notes[0].user
                journeys = defaultdict(list)
                for n in notes:
                    journeys[n.journey_id].append(n)
                sections = []
                for journey_notes in journeys.values():
                    snapshot = snapshots.get(journey_notes[0].journey.template_revision_id)
                    sections.append(
                        {
                            "title": snapshot.page.title if snapshot else "",
                            "items": _items(journey_notes, snapshot, mailer),
                        }
                    )
                mailer.send(
                    user,
                    "weekly_digest",
                    {"intro": mailer.copy["digest_intro"], "sections": sections},
                    subject=_("Your mentoring week"),
                    program_id=notes[0].journey.program_id,
                )
                Notification.objects.filter(pk__any_of=[n.pk for n in notes]).update(
                    sent_at=timezone.now()
                )
                ParticipantPreferences.objects.filter(user_id=user.pk).update(digest_sent_on=today)
                sent += 1
    finally:
        Notification.objects.filter(claimed_by=token, sent_at__isnull=True).update(
            claimed_at=None, claimed_by=""
        )
    return sent
