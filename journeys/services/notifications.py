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
* A notification is a row in the log, under a unique key that makes it
  happen at most once however often, or however concurrently, the tick runs.
  A batch of journeys is recorded in one transaction: the journeys are locked
  (another worker skips them), the log rows and the emails that carry them
  are written to the outbox together, and the journeys are marked advanced.
  Either all of it commits or none of it does.
* Participants choose immediate emails, a weekly digest, or none. A member
  who wants emails gets one email per journey gathering that run's
  notifications; digest rows wait for ``send_participant_digests`` (one
  digest per person and site, so each links to the site its journeys answer
  on); rows for people who want no email are recorded as suppressed.
* New messages in a conversation are logged here too, by
  ``services.conversation`` when a message is posted; the weekly digest
  gathers them with the tick's notifications.
* Planned meetings (``record_meeting_notices``, run by every tick): each
  member of an agreed meeting (a current member who was in the journey when
  it was proposed) is reminded once, from ``REMIND_BEFORE`` (a
  day) before it starts (not when it was agreed or moved within that day:
  the invitation has just gone), and asked "did you meet?" once, after it ends
  (within ``ASK_WITHIN``, and only while nobody has answered). Both are
  rows in the same log, keyed by the planned meeting (its UUID is the
  period key), so each goes at most once per meeting and person. They are
  emailed to people who want emails as things happen; a weekly digest would
  bring them too late, so digest readers (and people who want no email) see
  them on the journey page only, and their rows are recorded as suppressed.
* Delivery is the outbox's (``services.outbox``): nothing here talks to the
  mail server.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import engine
from ..models import (
    ENDED_STATUSES,
    Delivery,
    EmailChoice,
    Journey,
    JourneyMember,
    JourneyStatus,
    Message,
    Notification,
    NotificationKind,
    ParticipantPreferences,
    PlannedMeeting,
    PlannedMeetingStatus,
)
from . import outbox
from .meetings import when_text
from .people import time_zone_for
from .progress import moment_on
from .state import LoadedJourney, tick_states
from .templates import snapshots_for_revision_ids

BATCH_SIZE = 500
JOURNEY_UPDATE = "journeys/emails/journey_update"
WEEKLY_DIGEST = "journeys/emails/weekly_digest"
MEETING_REMINDER = "journeys/emails/meeting_reminder"
MEETING_QUESTION = "journeys/emails/meeting_question"
# A planned meeting's reminder goes from this long before it starts…
REMIND_BEFORE = timedelta(hours=24)
# …and "did you meet?" after it ends, if the tick gets there within this long.
ASK_WITHIN = timedelta(days=7)

# Kinds as plain strings: they go into the log's keys.
STATE_KINDS = {
    engine.MilestoneState.OPEN: NotificationKind.MILESTONE_OPENED.value,
    engine.MilestoneState.DUE_SOON: NotificationKind.DUE_SOON.value,
    engine.MilestoneState.OVERDUE: NotificationKind.OVERDUE.value,
}
INACTIVE = NotificationKind.INACTIVE.value
MESSAGE = NotificationKind.MESSAGE.value
DELIVERY_FOR_CHOICE = {
    EmailChoice.IMMEDIATE: Delivery.EMAIL,
    EmailChoice.WEEKLY: Delivery.DIGEST,
    EmailChoice.NONE: Delivery.SUPPRESSED,
}


@dataclass(frozen=True)
class TickResult:
    journeys: int
    batches: int
    recorded: int
    emailed: int

    def __str__(self):
        def counted(count, one, many):
            return f"{count} {one if count == 1 else many}"

        return (
            f"{counted(self.journeys, 'journey', 'journeys')} in "
            f"{counted(self.batches, 'batch', 'batches')}: "
            f"{counted(self.recorded, 'notification', 'notifications')} recorded, "
            f"{counted(self.emailed, 'email', 'emails')} sent"
        )


@dataclass(frozen=True)
class BatchResult:
    journeys: int
    recorded: int
    emails: int


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


def record_batch(journey_ids, today: date, *, request_delivery: bool = True) -> BatchResult:
    """Compute the journeys' states; log what they call for and queue its emails.

    One transaction: the journeys still due are locked (a concurrent worker
    skips them, and finds them advanced once this commits), their new
    notifications and the outbox emails carrying them are written, and the
    journeys are marked advanced. ``request_delivery=False`` leaves delivery
    to the caller.
    """
    started = timezone.now()
    with transaction.atomic():
        ids = list(
            due_for_advance(today)
            .filter(pk__any_of=journey_ids)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return BatchResult(0, 0, 0)
        batch = tick_states(ids, today)
        existing = set(
            Notification.objects.filter(journey_id__any_of=ids).values_list(
                "journey_id", "member_id", "kind", "milestone_id", "period_key"
            )
        )
        loaded = {lj.journey.pk: lj for lj in batch.journeys}
        users = {m.pk: m.user_id for lj in batch.journeys for m in lj.members}
        keys = [
            key
            for lj in batch.journeys
            for key in plan_notifications(
                lj, batch.nudge_after_days.get(lj.journey.program_id, 0), today
            )
            if key not in existing
        ]
        choices = _choices({users[key[1]] for key in keys})
        rows, by_member = [], defaultdict(list)
        for key in keys:
            journey_id, member_id, kind, milestone_id, period_key = key
            delivery = DELIVERY_FOR_CHOICE[choices.get(users[member_id], EmailChoice.IMMEDIATE)]
            rows.append((journey_id, member_id, kind, milestone_id, period_key, delivery.value))
            if delivery == Delivery.EMAIL:
                by_member[(journey_id, member_id)].append(key)
        # A concurrent tick that logged any of these since the read above makes
        # the unique key refuse the insert, and this whole batch rolls back.
        write_log(rows, started)
        emails = outbox.queue_many(
            JOURNEY_UPDATE,
            (
                journey_update(loaded[journey_id], users[member_id], member_keys)
                for (journey_id, member_id), member_keys in by_member.items()
            ),
            now=started,
            request_delivery=request_delivery,
        )
        Journey.objects.filter(pk__any_of=ids).update(advanced_on=today, advanced_at=started)
    return BatchResult(len(ids), len(rows), emails)


def write_log(rows: list[tuple], now) -> None:
    """Insert log rows, given as (journey, member, kind, milestone, period, delivery) tuples.

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(...)`` per chunk, the
    columns as arrays: ``bench/tick.py`` measures it at about three times as
    fast as ``bulk_create`` for the first tick's hundred thousand rows.
    Elsewhere ``bulk_create``. Either way a row already logged makes the
    insert fail (the caller's transaction rolls back), never pass quietly.
    """
    if not rows:
        return
    if db.vendor != "postgresql":
        Notification.objects.bulk_create(
            (
                Notification(
                    journey_id=journey_id,
                    member_id=member_id,
                    kind=kind,
                    milestone_id=milestone_id,
                    period_key=period_key,
                    delivery=delivery,
                )
                for journey_id, member_id, kind, milestone_id, period_key, delivery in rows
            ),
            batch_size=1000,
        )
        return
    opts = Notification._meta
    names = ("journey", "member", "kind", "milestone_id", "period_key", "delivery")
    columns = ", ".join(db.ops.quote_name(opts.get_field(n).column) for n in names)
    # Only quoted table and column names go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {db.ops.quote_name(opts.db_table)} ({columns}, created_at) "  # noqa: S608
        f"SELECT {columns}, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], "
        f"%s::text[], %s::text[], %s::text[]) AS v ({columns})"
    )
    with db.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            cursor.execute(sql, [now, *(list(column) for column in zip(*chunk, strict=True))])


def _choices(user_ids) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        ParticipantPreferences.objects.filter(user_id__any_of=user_ids).values_list(
            "user_id", "emails"
        )
    )


# The most pressing kind in an email names its subject.
SUBJECT_ORDER = (
    NotificationKind.OVERDUE,
    NotificationKind.DUE_SOON,
    NotificationKind.MILESTONE_OPENED,
    NotificationKind.INACTIVE,
)


def update_subject(kinds) -> str:
    kind = next((k for k in SUBJECT_ORDER if k in kinds), NotificationKind.INACTIVE)
    if kind == NotificationKind.OVERDUE:
        return _("A step in your mentoring journey is waiting for you")
    if kind == NotificationKind.DUE_SOON:
        return _("Coming up soon in your mentoring journey")
    if kind == NotificationKind.MILESTONE_OPENED:
        return _("Something new has opened in your mentoring journey")
    return _("It has been a while: a nudge from your mentoring journey")


def _items(snapshot, keys) -> list[dict]:
    """What an email says of each notification: its kind and milestone."""
    items = []
    for _journey_id, _member_id, kind, milestone_id, _period in keys:
        milestone = snapshot.milestones_by_id.get(milestone_id) if snapshot else None
        items.append(
            {
                "kind": kind,
                "title": milestone.title if milestone else "",
                "milestone_id": milestone_id if milestone else "",
            }
        )
    return items


def journey_update(loaded: LoadedJourney, user_id: int, keys) -> tuple:
    """The email telling one member of one journey what this run found, for ``queue_many``."""
    journey = loaded.journey
    return (
        user_id,
        journey.program_id,
        journey.pk,
        update_subject({key[2] for key in keys}),
        {
            "journey_uuid": str(journey.uuid),
            "journey_title": loaded.snapshot.page.title,
            "items": _items(loaded.snapshot, keys),
        },
    )


def advance_journeys(today: date | None = None, batch_size: int | None = None) -> TickResult:
    """Run the tick inline, in this process: every batch recorded, then the outbox delivered."""
    today = today or timezone.localdate()
    journeys = batches = recorded = 0
    for ids in journey_id_batches(today, batch_size):
        result = record_batch(ids, today, request_delivery=False)
        journeys += result.journeys
        recorded += result.recorded
        batches += 1
    recorded += record_meeting_notices(moment_on(today), request_delivery=False)
    emailed = outbox.deliver_due().sent
    return TickResult(journeys, batches, recorded, emailed)


def _unread_for_digest() -> dict[int, int]:
    """For each message notification waiting for a digest, the messages still unread: one query.

    Counted when the digest is written, so messages read in the meantime are
    not announced; a conversation read to the end gives no line at all.
    """
    unread = (
        Message.objects.filter(
            journey_id=OuterRef("journey_id"),
            deleted_at__isnull=True,
            pk__gt=Coalesce(OuterRef("member__conversation_state__last_read_id"), Value(0)),
            # Written since the member joined; someone who started the journey has no
            # ``joined_at``, and every message counts.
            created_at__gte=Coalesce(OuterRef("member__joined_at"), F("created_at")),
        )
        .exclude(author_id=OuterRef("member_id"))
        .order_by()
        .values("journey_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return dict(
        Notification.objects.filter(
            delivery=Delivery.DIGEST, kind=MESSAGE, member__left_on__isnull=True
        )
        .annotate(unread=Coalesce(Subquery(unread), Value(0)))
        .values_list("pk", "unread")
    )


def send_participant_digests(today: date | None = None) -> int:
    """Write each weekly-digest participant one email per site with what waited for them.

    Returns how many digests were written to the outbox. Each person's digest
    is written in a transaction that also ties its notifications to it, so a
    notification is in one digest at most, even with two runs at once. New
    messages appear as one line per conversation with the number still
    unread; someone whose waiting notifications all turn out to say nothing
    (every message read since) gets no email, and their rows are marked
    digested all the same. A digest covers only journeys its reader is still
    in: what waited about a journey that has ended (completed or closed), or
    for a deactivated account, is suppressed, and a paused journey brings only
    its messages, its reminders waiting until it runs again.
    """
    today = today or timezone.localdate()
    waiting = Notification.objects.filter(delivery=Delivery.DIGEST, member__left_on__isnull=True)
    # Nobody hears about a journey that has ended, and a deactivated account hears
    # nothing: what waited for them is no longer theirs to hear.
    Notification.objects.filter(
        pk__in=waiting.filter(
            Q(journey__status__in=ENDED_STATUSES) | Q(member__user__is_active=False)
        ).values("pk")
    ).update(delivery=Delivery.SUPPRESSED)
    rows = list(
        # Pausing a journey stops its reminders for a while: they wait for it to run
        # again, while its conversation's messages are still told.
        waiting.filter(
            Q(journey__status=JourneyStatus.ACTIVE)
            | Q(journey__status=JourneyStatus.PAUSED, kind=MESSAGE)
        )
        .order_by("member__user_id", "journey_id", "pk")
        .values_list(
            "pk",
            "kind",
            "milestone_id",
            "member__user_id",
            "journey_id",
            "journey__uuid",
            "journey__program_id",
            "journey__template_revision_id",
        )
    )
    if not rows:
        return 0
    unread = _unread_for_digest() if any(row[1] == MESSAGE for row in rows) else {}
    snapshots = snapshots_for_revision_ids({row[-1] for row in rows})
    # One digest per person and site: its links and theme are that site's, and a
    # journey answers only on the site of its program.
    sites = outbox.Sites()
    by_user = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_user[(row[3], sites.root(row[6]))][row[4]].append(row)
    written = 0
    for (user_id, _root), journeys in by_user.items():
        sections = []
        for journey_rows in journeys.values():
            snapshot = snapshots.get(journey_rows[0][-1])
            keys = [(0, 0, row[1], row[2], "") for row in journey_rows if row[1] != MESSAGE]
            items = _items(snapshot, keys)
            messages = max(
                (unread.get(row[0], 0) for row in journey_rows if row[1] == MESSAGE), default=0
            )
            if messages:
                items.append({"kind": MESSAGE, "count": messages, "title": "", "milestone_id": ""})
            if items:
                sections.append(
                    {
                        "journey_uuid": str(journey_rows[0][5]),
                        "journey_title": snapshot.page.title if snapshot else "",
                        "items": items,
                    }
                )
        ids = [row[0] for rows_ in journeys.values() for row in rows_]
        first = next(iter(journeys.values()))[0]
        with transaction.atomic():
            email = None
            if sections:
                (email,) = outbox.queue_emails(
                    [
                        outbox.new_email(
                            user_id,
                            WEEKLY_DIGEST,
                            _("Your mentoring week"),
                            {"sections": sections},
                            program_id=first[6],
                        )
                    ]
                )
            taken = Notification.objects.filter(pk__in=ids, delivery=Delivery.DIGEST).update(
                delivery=Delivery.DIGESTED, email=email
            )
            if taken != len(ids):  # another run wrote a digest for some of them
                transaction.set_rollback(True)
                continue
            if email is None:
                continue
            ParticipantPreferences.objects.filter(user_id=user_id).update(digest_sent_on=today)
        written += 1
    return written


# Planned meetings ------------------------------------------------------------------------


def record_meeting_notices(now: datetime, *, request_delivery: bool = True) -> int:
    """Remind members of agreed meetings starting soon; ask about those that ended.

    One transaction: the planned meetings concerned are locked (a concurrent
    run skips them), their new log rows and emails are written. A row some
    other run logged first makes the insert fail and this run write nothing;
    the next tick picks up whatever is left. Returns how many rows were logged.
    """
    try:
        with transaction.atomic():
            return _record_meeting_notices(now, request_delivery)
    except IntegrityError:
        return 0


def _record_meeting_notices(now: datetime, request_delivery: bool) -> int:
    soon = Q(starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE)
    ended = Q(ends_at__lte=now, ends_at__gt=now - ASK_WITHIN)
    plans = list(
        PlannedMeeting.objects.filter(soon | ended)
        .filter(status=PlannedMeetingStatus.ACCEPTED, journey__status=JourneyStatus.ACTIVE)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("journey__template")
        .order_by("pk")
    )
    if not plans:
        return 0
    journey_ids = {plan.journey_id for plan in plans}
    members = defaultdict(list)
    for member in (
        JourneyMember.objects.filter(journey_id__in=journey_ids, left_on__isnull=True)
        .select_related("user")
        .order_by("role", "pk")
    ):
        members[member.journey_id].append(member)
    existing = set(
        Notification.objects.filter(
            journey_id__in=journey_ids,
            kind__in=(NotificationKind.MEETING_SOON, NotificationKind.DID_YOU_MEET),
        ).values_list("member_id", "kind", "period_key")
    )
    choices = _choices({m.user_id for found in members.values() for m in found})
    rows, emails = [], []
    for plan in plans:
        if plan.starts_at > now:
            if plan.updated_at > plan.starts_at - REMIND_BEFORE:
                continue  # agreed or moved within the last day: the invitation just went
            kind = NotificationKind.MEETING_SOON.value
        else:
            kind = NotificationKind.DID_YOU_MEET.value
        period = plan.uuid.hex
        # Those who joined after it was proposed are not in it.
        invited = [m for m in members[plan.journey_id] if m.was_there(plan.created_at)]
        for member in invited:
            if (member.pk, kind, period) in existing:
                continue
            wants = choices.get(member.user_id, EmailChoice.IMMEDIATE) == EmailChoice.IMMEDIATE
            delivery = Delivery.EMAIL if wants else Delivery.SUPPRESSED
            rows.append((plan.journey_id, member.pk, kind, "", period, delivery.value))
            if wants:
                emails.append(_meeting_email(plan, invited, member, kind))
    # Written now, whatever moment the run was asked about (``now`` decides what is due).
    write_log(rows, timezone.now())
    outbox.queue_emails(emails, request_delivery=request_delivery)
    return len(rows)


def _meeting_email(plan, members, member, kind):
    journey = plan.journey
    zone = time_zone_for(member.user)
    when = when_text(plan.starts_at, zone)
    with_whom = ", ".join(str(m.user) for m in members if m.pk != member.pk)
    context = {
        "journey_uuid": str(journey.uuid),
        "journey_title": journey.template.title,
        "plan_uuid": str(plan.uuid),
        "when": when,
        "with": with_whom,
        "minutes": plan.duration_minutes,
    }
    if kind == NotificationKind.MEETING_SOON:
        template = MEETING_REMINDER
        subject = _("Coming up: your mentoring meeting, %(when)s") % {"when": when}
        context.update(place=plan.place, video_link=plan.video_link, agenda=plan.agenda)
    else:
        template = MEETING_QUESTION
        subject = _("Did you meet? Your mentoring meeting, %(when)s") % {"when": when}
        # Whose answer links to sign when the email is sent.
        context["user_id"] = member.user_id
    return outbox.new_email(
        member.user_id,
        template,
        subject,
        context,
        program_id=journey.program_id,
        journey_id=journey.pk,
    )
