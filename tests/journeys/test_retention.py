"""Notification history and emails are forgotten after TRELLIS_RETENTION_DAYS."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from insights.models import InsightsDigest
from journeys import tasks
from journeys.models import (
    Delivery,
    EmailStatus,
    JourneyStatus,
    MemberRole,
    Notification,
    NotificationKind,
    OutboxEmail,
)
from journeys.schedules import SCHEDULES
from journeys.services import notifications, retention
from journeys.services.starting import start_journey
from tests.cms.test_settings import run_python

pytestmark = pytest.mark.django_db

DAYS = 400
OLD = datetime.timedelta(days=DAYS + 1)
RECENT = datetime.timedelta(days=DAYS - 1)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def start(program, journey_page, user_factory, today):
    def make(status=JourneyStatus.ACTIVE, started_on=today):
        journey = start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=started_on,
        )
        journey.status = status
        journey.save(update_fields=["status"])
        return journey

    return make


def notification(journey, age, now, delivery=Delivery.EMAIL, member=None, period=""):
    row = Notification.objects.create(
        journey=journey,
        member=member or journey.memberships.first(),
        kind=NotificationKind.INACTIVE,
        period_key=period or str(Notification.objects.count()),
        delivery=delivery,
    )
    Notification.objects.filter(pk=row.pk).update(created_at=now - age)
    return row.pk


def email(user, age, now, status=EmailStatus.SENT):
    row = OutboxEmail.objects.create(
        recipient=user, template="t", subject="s", status=status, send_after=now - age
    )
    OutboxEmail.objects.filter(pk=row.pk).update(created_at=now - age)
    return row.pk


def remaining(model, ids):
    return set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))


def test_old_notifications_of_ended_journeys_and_departed_members_are_forgotten(start, now):
    completed = start(JourneyStatus.COMPLETED)
    closed = start(JourneyStatus.CLOSED)
    active = start()
    departed = active.memberships.first()
    departed.left_on = (now - OLD).date()
    departed.save()
    staying = active.memberships.exclude(pk=departed.pk).get()
    forgotten = {
        notification(completed, OLD, now),
        notification(closed, OLD, now, delivery=Delivery.DIGESTED),
        notification(active, OLD, now, member=departed, delivery=Delivery.DIGEST),
    }
    kept = {
        notification(completed, RECENT, now),
        notification(active, OLD, now, member=staying),
        notification(closed, OLD, now, delivery=Delivery.DIGEST),
    }

    result = retention.forget_old_records(now, DAYS)

    assert result.notifications == 3
    assert remaining(Notification, forgotten | kept) == kept


def test_the_tick_never_tells_anyone_twice_after_retention_ran(start, today, now):
    """The log is what makes a notification go once: an active journey's rows stay."""
    start(started_on=today - datetime.timedelta(days=DAYS + 30))
    notifications.advance_journeys(today - datetime.timedelta(days=DAYS + 5))
    logged = set(Notification.objects.values_list("pk", flat=True))
    assert logged
    Notification.objects.update(created_at=now - OLD)

    forgotten = retention.forget_old_records(now, DAYS)
    again = notifications.advance_journeys(today)

    assert forgotten.notifications == 0
    assert set(Notification.objects.values_list("pk", flat=True)) == logged
    assert again.recorded == 0


def test_old_emails_go_once_done_with_and_pending_ones_never(start, user_factory, now):
    person = user_factory()
    forgotten = {
        email(person, OLD, now, EmailStatus.SENT),
        email(person, OLD, now, EmailStatus.FAILED),
        email(person, OLD, now, EmailStatus.CANCELLED),
    }
    kept = {
        email(person, OLD * 3, now, EmailStatus.PENDING),
        email(person, RECENT, now, EmailStatus.SENT),
        email(person, RECENT, now, EmailStatus.FAILED),
    }

    result = retention.forget_old_records(now, DAYS)

    assert result.emails == 3
    assert remaining(OutboxEmail, forgotten | kept) == kept


def test_records_that_name_a_forgotten_email_keep_their_own_row(start, program, now):
    journey = start(JourneyStatus.ACTIVE)
    member = journey.memberships.first()
    digest_email = email(member.user, OLD, now)
    kept = notification(journey, OLD, now, member=member, delivery=Delivery.DIGESTED)
    Notification.objects.filter(pk=kept).update(email_id=digest_email)
    insights = InsightsDigest.objects.create(
        program=program, recipient=member.user, week="2024-W01", email_id=digest_email
    )

    retention.forget_old_records(now, DAYS)

    assert not OutboxEmail.objects.filter(pk=digest_email).exists()
    assert Notification.objects.get(pk=kept).email_id is None
    insights.refresh_from_db()
    assert insights.email_id is None


def test_forgetting_twice_forgets_nothing_more(start, program, now):
    ended = start(JourneyStatus.CLOSED)
    user = ended.memberships.first().user
    for _ in range(3):
        notification(ended, OLD, now)
        email(user, OLD, now)

    first = retention.forget_old_records(now, DAYS)
    second = retention.forget_old_records(now, DAYS)

    assert (first.notifications, first.emails) == (3, 3)
    assert (second.notifications, second.emails) == (0, 0)
    assert second.finished


def test_deleting_goes_in_batches_until_all_are_gone(user_factory, now):
    person = user_factory()
    ids = {email(person, OLD, now) for _ in range(7)}

    result = retention.forget_old_records(now, DAYS, batch_size=2)

    assert result.emails == 7
    assert not remaining(OutboxEmail, ids)


def test_a_run_out_of_time_stops_and_says_there_is_more(user_factory, now):
    person = user_factory()
    ids = {email(person, OLD, now) for _ in range(3)}

    result = retention.forget_old_records(now, DAYS, seconds=0)

    assert not result.finished
    assert remaining(OutboxEmail, ids) == ids
    assert "more to delete" in str(result)


def test_the_setting_decides_how_long_records_are_kept(settings, user_factory, now):
    person = user_factory()
    settings.TRELLIS_RETENTION_DAYS = 30
    month_old = email(person, datetime.timedelta(days=31), now)
    fortnight_old = email(person, datetime.timedelta(days=14), now)

    retention.forget_old_records(now)

    assert remaining(OutboxEmail, {month_old, fortnight_old}) == {fortnight_old}


def test_the_task_forgets_old_records(user_factory):
    old = email(user_factory(), OLD, timezone.now())

    assert tasks.forget_old_records() == "deleted 0 notifications and 1 emails"
    assert not OutboxEmail.objects.filter(pk=old).exists()


def test_retention_is_a_daily_schedule_synced_by_name(db):
    declared = {s["name"]: s for s in SCHEDULES}
    assert declared["trellis.retention"]["func"] == "journeys.tasks.forget_old_records"

    call_command("sync_schedules", verbosity=0)

    schedule = Schedule.objects.get(name="trellis.retention")
    assert schedule.func == "journeys.tasks.forget_old_records"
    assert schedule.schedule_type == Schedule.DAILY


def test_the_retention_period_is_400_days_unless_the_environment_says_otherwise():
    default = run_python("import cms.settings.base as s; print(s.TRELLIS_RETENTION_DAYS)")
    chosen = run_python(
        "import cms.settings.base as s; print(s.TRELLIS_RETENTION_DAYS)",
        TRELLIS_RETENTION_DAYS="90",
    )

    assert default.stdout.strip() == "400", default.stderr
    assert chosen.stdout.strip() == "90", chosen.stderr


def test_a_retention_period_under_a_day_is_refused():
    result = run_python("import cms.settings.base", TRELLIS_RETENTION_DAYS="0")

    assert result.returncode != 0
    assert "TRELLIS_RETENTION_DAYS must be a number of days of at least 1" in result.stderr
