"""The tick: every notification at most once, whatever happens."""

import datetime

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_q.models import Schedule

from journeys.models import (
    EmailChoice,
    MemberRole,
    Notification,
    NotificationKind,
    ParticipantPreferences,
)
from journeys.services import notifications
from journeys.services.notifications import unsubscribe_token
from journeys.services.progress import complete_step
from journeys.services.starting import start_journey
from journeys.services.state import journey_state

DAY = datetime.timedelta(days=1)


@pytest.fixture
def journey(program, journey_page, pair, today):
    mentor, mentee = pair
    return start_journey(
        program, [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], started_on=today
    )


def kinds(**filters):
    return sorted(Notification.objects.filter(**filters).values_list("kind", flat=True))


def test_the_first_tick_tells_both_members_the_first_milestone_opened(journey, today):
    result = notifications.advance_journeys(today)

    assert result.emailed == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["mentee@example.com", "mentor@example.com"]
    assert kinds() == [NotificationKind.MILESTONE_OPENED] * 2
    message = mail.outbox[0]
    assert "Milestone 1" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f"/my/journeys/{journey.uuid}/" in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")


def test_running_the_tick_again_sends_nothing_new(journey, today):
    notifications.advance_journeys(today)
    mail.outbox.clear()

    again = notifications.advance_journeys(today)
    later_that_day = notifications.advance_journeys(today)

    assert (again.recorded, again.emailed) == (0, 0)
    assert (later_that_day.recorded, later_that_day.emailed) == (0, 0)
    assert mail.outbox == []


def test_a_milestone_becomes_due_soon_then_overdue_each_told_once(journey, today):
    notifications.advance_journeys(today)
    for offset in range(1, 20):
        notifications.advance_journeys(today + offset * DAY)

    first = journey_state(journey, today).snapshot.milestones[0]
    assert kinds(milestone_id=first.id) == sorted(
        [NotificationKind.MILESTONE_OPENED] * 2
        + [NotificationKind.DUE_SOON] * 2
        + [NotificationKind.OVERDUE] * 2
    )


def test_a_member_who_finished_their_part_is_not_reminded(journey, pair, today):
    mentor, mentee = pair
    first = journey_state(journey, today).snapshot.milestones[0]
    for step in first.steps:
        complete_step(journey, mentor, first.id, step.id, today)

    notifications.advance_journeys(today + 12 * DAY)

    due = Notification.objects.filter(kind=NotificationKind.DUE_SOON, milestone_id=first.id)
    assert [n.member.user for n in due] == [mentee]


def test_a_journey_seen_late_skips_straight_to_overdue(journey, today):
    notifications.advance_journeys(today + 20 * DAY)

    first = journey_state(journey, today).snapshot.milestones[0]
    assert kinds(milestone_id=first.id) == [NotificationKind.OVERDUE] * 2


def test_a_quiet_pair_is_nudged_once_per_quiet_stretch(journey, pair, program, today):
    quiet = today + program.nudge_after_inactive_days * DAY
    notifications.advance_journeys(quiet)
    notifications.advance_journeys(quiet + 3 * DAY)
    assert kinds(kind=NotificationKind.INACTIVE) == [NotificationKind.INACTIVE] * 2

    first = journey_state(journey, quiet).snapshot.milestones[0]
    complete_step(journey, pair[1], first.id, first.steps[0].id, quiet)
    notifications.advance_journeys(quiet + program.nudge_after_inactive_days * DAY)

    assert kinds(kind=NotificationKind.INACTIVE) == [NotificationKind.INACTIVE] * 4


def test_weekly_digest_readers_get_one_email_a_week_not_one_a_day(journey, pair, today):
    mentor, mentee = pair
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)

    for offset in range(0, 20):
        notifications.advance_journeys(today + offset * DAY)
    assert all(m.to == [mentor.email] for m in mail.outbox)
    mail.outbox.clear()

    assert notifications.send_participant_digests(today + 20 * DAY) == 1
    assert notifications.send_participant_digests(today + 20 * DAY) == 0

    (digest,) = mail.outbox
    assert digest.to == [mentee.email]
    assert "Milestone 1" in digest.body
    assert not Notification.objects.filter(member__user=mentee, sent_at__isnull=True).exists()


def test_people_who_want_no_email_get_none(journey, pair, today):
    mentor, mentee = pair
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.NONE)

    notifications.advance_journeys(today)

    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert Notification.objects.get(member__user=mentee).delivery == "suppressed"


class FailingOnSecondMessage:
    """An email backend that delivers one message, then fails like a dropped server."""

    sent = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if len(FailingOnSecondMessage.sent) >= 1:
            raise ConnectionError("The mail server went away.")
        FailingOnSecondMessage.sent.extend(messages)
        return len(messages)


def test_a_crash_half_way_loses_nothing_and_repeats_nothing(journey, today):
    FailingOnSecondMessage.sent = []
    backend = f"{__name__}.FailingOnSecondMessage"
    with override_settings(EMAIL_BACKEND=backend), pytest.raises(ConnectionError):
        notifications.advance_journeys(today)
    assert len(FailingOnSecondMessage.sent) == 1
    assert Notification.objects.filter(sent_at__isnull=False).count() == 1

    notifications.advance_journeys(today)

    recipients = [m.to[0] for m in FailingOnSecondMessage.sent + mail.outbox]
    assert sorted(recipients) == ["mentee@example.com", "mentor@example.com"]
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_the_unsubscribe_link_works_without_signing_in(client, journey, pair, today):
    mentee = pair[1]
    url = f"/my/unsubscribe/{unsubscribe_token(mentee)}/"

    assert client.get(url).status_code == 200
    assert not ParticipantPreferences.objects.filter(user=mentee, emails="none").exists()
    response = client.post(url)

    assert response.status_code == 200
    assert ParticipantPreferences.objects.get(user=mentee).emails == EmailChoice.NONE
    notifications.advance_journeys(today)
    assert [m.to for m in mail.outbox] == [[pair[0].email]]


def test_a_tampered_unsubscribe_link_is_not_found(client, pair):
    token = unsubscribe_token(pair[1])
    assert client.post(f"/my/unsubscribe/{token}x/").status_code == 404


def test_the_command_runs_the_tick_for_a_given_day(journey, today, capsys):
    call_command("advance_journeys", today=today.isoformat(), batch_size=1)
    assert "1 journeys in 1 batches: 2 notifications recorded, 2 emails sent" in (
        capsys.readouterr().out
    )


def test_the_command_refuses_a_malformed_day(db):
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("advance_journeys", today="next tuesday")


def test_schedules_are_synced_by_name(db):
    Schedule.objects.create(name="trellis.retired_job", func="journeys.tasks.gone")
    Schedule.objects.create(name="someone-elses", func="elsewhere.task")

    call_command("sync_schedules")
    call_command("sync_schedules")

    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {"trellis.advance_journeys", "trellis.participant_digests", "someone-elses"}
    assert Schedule.objects.get(name="trellis.advance_journeys").schedule_type == Schedule.HOURLY


def test_a_second_tick_the_same_day_reads_no_journey_again(journey, today):
    assert notifications.advance_journeys(today).journeys == 1
    assert notifications.advance_journeys(today).journeys == 0
    assert notifications.advance_journeys(today + DAY).journeys == 1


def test_a_journey_whose_members_act_is_advanced_again_the_same_day(journey, pair, today):
    day = today + 14 * DAY
    notifications.advance_journeys(day)
    first, second = journey_state(journey, day).snapshot.milestones[:2]
    assert not Notification.objects.filter(milestone_id=second.id).exists()

    for user in pair:
        for step in first.steps:
            complete_step(journey, user, first.id, step.id, day)
    result = notifications.advance_journeys(day)

    assert result.journeys == 1
    assert kinds(milestone_id=second.id) == [NotificationKind.MILESTONE_OPENED] * 2
