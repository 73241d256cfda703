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
import logging
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
from .state import LoadedJourney, journey_states
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

STATE_KINDS = {
    engine.MilestoneState.OPEN: NotificationKind.MILESTONE_OPENED,
    engine.MilestoneState.DUE_SOON: NotificationKind.DUE_SOON,
    engine.MilestoneState.OVERDUE: NotificationKind.OVERDUE,
}


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


def _required_step_ids(loaded: LoadedJourney) -> dict[str, tuple[str, ...]]:
    return {
        m.id: tuple(s.id for s in m.steps if s.required)
        for m in loaded.snapshot.prepared.milestones
    }


def plan_notifications(loaded: LoadedJourney, nudge_after_days: int, today: date):
    """The notification keys one journey calls for today, as unsaved rows."""
    state = loaded.state
    journey = loaded.journey
    required = _required_step_ids(loaded)
    rows = []
    for status in state.milestones:
        kind = STATE_KINDS.get(status.state)
        if kind is None:
            continue
        for member_id in status.audience_member_ids:
            finished = all(
                member_id in status.steps_done.get(step_id, ()) for step_id in required[status.id]
            )
            if not finished:
                rows.append(
                    Notification(
                        journey_id=journey.pk,
                        member_id=member_id,
                        kind=kind,
                        milestone_id=status.id,
                    )
                )
    if nudge_after_days and state.days_since_activity >= nudge_after_days:
        quiet_since = today - timedelta(days=state.days_since_activity)
        for member in loaded.members:
            rows.append(
                Notification(
                    journey_id=journey.pk,
                    member_id=member.pk,
                    kind=NotificationKind.INACTIVE,
                    period_key=quiet_since.isoformat(),
                )
            )
    return rows


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


def record_batch(journey_ids, today: date) -> int:
    """Compute the journeys' states and log the notifications they call for."""
    started = timezone.now()
    journeys = Journey.objects.filter(pk__in=journey_ids, status=JourneyStatus.ACTIVE).only(
        "pk", "program_id", "template_revision_id", "started_on", "last_activity_on"
    )
    loaded = journey_states(journeys, today, with_users=False)
    nudge_days = dict(
        ProgramPage.objects.filter(pk__in={lj.journey.program_id for lj in loaded}).values_list(
            "pk", "nudge_after_inactive_days"
        )
    )
    existing = set(
        Notification.objects.filter(journey_id__in=journey_ids).values_list(
            "journey_id", "member_id", "kind", "milestone_id", "period_key"
        )
    )
    rows = [
        row
        for lj in loaded
        for row in plan_notifications(lj, nudge_days.get(lj.journey.program_id, 0), today)
        if (row.journey_id, row.member_id, row.kind, row.milestone_id, row.period_key)
        not in existing
    ]
    if rows:
        # A concurrent tick may have logged some of these since the read above;
        # the unique key lets the database drop those quietly.
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    Journey.objects.filter(pk__in=journey_ids).update(advanced_on=today, advanced_at=started)
    return len(rows)


def _claim(filters: Q) -> str:
    token = uuid.uuid4().hex
    now = timezone.now()
    Notification.objects.filter(filters, sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    ).update(claimed_at=now, claimed_by=token)
    return token


def _preferences(user_ids) -> dict[int, str]:
    return dict(
        ParticipantPreferences.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "emails"
        )
    )


def unsubscribe_token(user, signer: signing.TimestampSigner | None = None) -> str:
    """What ``signing.dumps`` gives; a mailer passes the signer it keeps for a run."""
    signer = signer or signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)
    return signer.sign_object({"u": user.pk})


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
        self.signer = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)
        self._roots = {}
        self._sites = {}
        self._fixed = {}
        self._unsubscribe = reverse("journeys:unsubscribe", args=["TOKEN"])
        self._settings = reverse("journeys:email_settings")
        self._milestone = reverse("journeys:milestone", args=[ZERO_UUID, "MILESTONE"])
        self._journey = reverse("journeys:journey", args=[ZERO_UUID])
        self.copy = email_copy(get_language() or settings.LANGUAGE_CODE)

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
            (f"{template}.txt", f"{template}.html"), (program_id, get_language()), fixed, variable
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


def item_text(kind: str, title: str) -> str:
    """The sentence an email gives one notification, translated once per process."""
    key = (get_language(), kind, title)
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
    rows = (
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
                "text": item_text(n.kind, milestone.title if milestone else ""),
                "url": mailer.item_url(n.journey.uuid, n.milestone_id),
            }
        )
    return items


def deliver(journey_ids=None, mailer: Mailer | None = None) -> int:
    """Send the logged, unsent notifications of these journeys (all if None).

    One email per member and journey gathers that member's new notifications.
    """
    filters = Q(delivery="") | Q(delivery="email")
    if journey_ids is not None:
        filters &= Q(journey_id__in=journey_ids)
    token = _claim(filters)
    claimed = _claimed(token)
    if not claimed:
        return 0
    try:
        choices = _preferences({n.user.pk for n in claimed})
        now = timezone.now()
        by_choice = defaultdict(list)
        for n in claimed:
            by_choice[choices.get(n.user.pk, EmailChoice.IMMEDIATE)].append(n.pk)
        Notification.objects.filter(pk__in=by_choice[EmailChoice.NONE]).update(
            sent_at=now, delivery="suppressed"
        )
        Notification.objects.filter(pk__in=by_choice[EmailChoice.WEEKLY]).update(
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
        Notification.objects.filter(pk__in=ids).update(sent_at=timezone.now(), delivery="email")
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
        recorded += record_batch(ids, today)
        emailed += deliver(ids, mailer)
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
                Notification.objects.filter(pk__in=[n.pk for n in notes]).update(
                    sent_at=timezone.now()
                )
                ParticipantPreferences.objects.filter(user_id=user.pk).update(digest_sent_on=today)
                sent += 1
    finally:
        Notification.objects.filter(claimed_by=token, sent_at__isnull=True).update(
            claimed_at=None, claimed_by=""
        )
    return sent
