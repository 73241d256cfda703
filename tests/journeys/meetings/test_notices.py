"""Planned meetings and the tick: a reminder, a question afterwards with safe one-click
links, and no nudge while a meeting is planned."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from journeys import tasks
from journeys.models import (
    Delivery,
    EmailChoice,
    Meeting,
    Notification,
    NotificationKind,
    OutboxEmail,
    ParticipantPreferences,
    PlannedMeeting,
    PlannedMeetingStatus,
)
from journeys.services import meetings, notifications, retention
from journeys.services.state import journey_state

from ..test_views import visible_text
from .helpers import DAY, HOUR, agreed, at, delivered, propose

pytestmark = pytest.mark.django_db


def notices(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("member__user__email", "delivery")
    )


@pytest.fixture
def planned(journey, mentor, mentee, now):
    """A meeting agreed two days before it starts, its emails delivered."""
    plan = agreed(journey, mentor, mentee, now, days=3)
    delivered()
    return plan


def test_each_member_is_reminded_once_the_day_before(planned, now):
    day_before = planned.starts_at - 20 * HOUR
    assert notifications.record_meeting_notices(planned.starts_at - 30 * HOUR) == 0
    assert notifications.record_meeting_notices(day_before) == 2
    assert notifications.record_meeting_notices(day_before + HOUR) == 0
    assert notifications.record_meeting_notices(planned.starts_at - HOUR) == 0

    sent = {m.to[0]: m for m in delivered()}
    assert set(sent) == {"morgan@example.com", "sam@example.com"}
    reminder = sent["sam@example.com"]
    assert reminder.subject.startswith("Coming up: your mentoring meeting, ")
    assert meetings.when_text(planned.starts_at, timezone.get_default_timezone()) in reminder.body
    assert "With Morgan Reid." in reminder.body
    assert "The café on the third floor" in reminder.body
    assert reminder.extra_headers["List-Unsubscribe"].startswith("<http")
    assert notices(NotificationKind.MEETING_SOON) == [
        ("morgan@example.com", Delivery.EMAIL),
        ("sam@example.com", Delivery.EMAIL),
    ]


def test_the_reminder_follows_each_persons_email_choice(planned, mentee, mentor):
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    ParticipantPreferences.objects.create(user=mentor, emails=EmailChoice.NONE)
    notifications.record_meeting_notices(planned.starts_at - 20 * HOUR)
    assert delivered() == []
    assert notices(NotificationKind.MEETING_SOON) == [
        ("morgan@example.com", Delivery.SUPPRESSED),
        ("sam@example.com", Delivery.SUPPRESSED),
    ]
    notifications.send_participant_digests()
    assert delivered() == []  # a digest would bring it too late


def test_a_meeting_agreed_within_the_day_gets_no_separate_reminder(journey, mentor, mentee, now):
    soon = now + 5 * HOUR
    plan = propose(journey, mentor, now, soon)
    meetings.accept(plan, mentee, soon, now)
    assert notifications.record_meeting_notices(now + HOUR) == 0
    assert not Notification.objects.exists()


def test_a_cancelled_or_moved_away_meeting_is_not_reminded(planned, mentee, now):
    meetings.cancel(planned, mentee, now)
    assert notifications.record_meeting_notices(planned.starts_at - 20 * HOUR) == 0


def test_after_the_meeting_each_member_is_asked_once_whether_they_met(planned, now):
    after = planned.ends_at + HOUR
    during = planned.starts_at + datetime.timedelta(minutes=10)
    assert notifications.record_meeting_notices(during) == 0
    assert notifications.record_meeting_notices(after) == 2
    assert notifications.record_meeting_notices(after + 3 * HOUR) == 0

    sent = {m.to[0]: m for m in delivered()}
    question = sent["morgan@example.com"]
    assert question.subject.startswith("Did you meet? ")
    links = [line for line in question.body.splitlines() if "/my/meeting-answers/" in line]
    assert len(links) == 2 and links[0] != links[1]
    html = question.alternatives[0][0]
    assert html.count("/my/meeting-answers/") == 2
    # The links are signed when the email is sent; the row keeps no working link.
    stored = OutboxEmail.objects.get(
        recipient__email="morgan@example.com", subject=question.subject
    )
    assert "meeting-answers" not in str(stored.context)


def test_nobody_is_asked_once_someone_answered(planned, mentee, now):
    meetings.mark_held(planned, mentee, planned.ends_at)
    assert notifications.record_meeting_notices(planned.ends_at + HOUR) == 0


def test_a_meeting_long_past_is_not_asked_about(planned):
    assert notifications.record_meeting_notices(planned.ends_at + 8 * DAY) == 0


def test_the_hourly_task_queues_the_meeting_notices(planned, settings, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda name, *args, **kw: queued.append(name))
    tasks.advance_journeys(timezone.localdate().isoformat())
    assert "journeys.tasks.record_meeting_notices" in queued
    assert "meeting notices recorded" in tasks.record_meeting_notices()


def test_the_command_runs_the_meeting_notices_too(planned):
    day = timezone.localdate(planned.starts_at - DAY)
    result = notifications.advance_journeys(day)
    assert notices(NotificationKind.MEETING_SOON)
    assert result.recorded >= 2
    assert mail.outbox


# The signed link from the email -----------------------------------------------------------------


def question_links(message):
    body = message.body
    return [line.strip() for line in body.splitlines() if "/my/meeting-answers/" in line]


@pytest.fixture
def ended(journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    delivered()
    PlannedMeeting.objects.filter(pk=plan.pk).update(starts_at=now - 2 * HOUR, ends_at=now - HOUR)
    return plan


def ask(now):
    from journeys.services.notifications import record_meeting_notices

    record_meeting_notices(now)
    return {m.to[0]: m for m in delivered()}


def path_of(link):
    """The path of an absolute link from an email."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_emailed_yes_link_asks_first_and_logs_on_the_button(client, ended, mentee, now):
    sam = ask(now)["sam@example.com"]
    yes, _no = question_links(sam)
    target = path_of(yes)
    page = client.get(target)  # not signed in: the link is the key
    assert page.status_code == 200
    assert "Yes, we met: log it" in visible_text(page)
    assert not Meeting.objects.exists()  # a GET changes nothing

    done = client.post(target)
    assert done.status_code == 200
    assert "Your meeting is logged." in visible_text(done)
    meeting = Meeting.objects.get()
    assert meeting.logged_by.user == mentee
    ended.refresh_from_db()
    assert ended.status == PlannedMeetingStatus.HELD
    again = client.post(target)
    assert "already logged as held" in visible_text(again)
    assert Meeting.objects.count() == 1


def test_the_emailed_no_link_marks_it_not_held(client, ended, now):
    _yes, no = question_links(ask(now)["morgan@example.com"])
    target = path_of(no)
    client.post(target)
    ended.refresh_from_db()
    assert ended.status == PlannedMeetingStatus.NOT_HELD


def test_a_changed_or_made_up_answer_link_is_not_found(client, ended, now):
    yes, _no = question_links(ask(now)["sam@example.com"])
    token = yes.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (forged, "not-a-token", meetings.answer_token(ended.uuid, 999_999, "held")):
        response = client.post(reverse("journeys:meeting_answer", args=[bad]))
        assert response.status_code == 404
    ended.refresh_from_db()
    assert ended.status == PlannedMeetingStatus.ACCEPTED


def test_an_expired_answer_link_says_so_and_changes_nothing(client, ended, mentee, monkeypatch):
    token = meetings.answer_token(ended.uuid, mentee.pk, "held")
    monkeypatch.setattr(meetings, "ANSWER_MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.post(reverse("journeys:meeting_answer", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in visible_text(response)
    assert not Meeting.objects.exists()


def test_someone_signed_in_as_another_person_cannot_use_the_link(client, ended, mentee, mentor):
    token = meetings.answer_token(ended.uuid, mentee.pk, "held")
    client.force_login(mentor)
    assert client.get(reverse("journeys:meeting_answer", args=[token])).status_code == 404


def test_the_link_of_someone_who_left_the_journey_is_not_found(client, ended, mentee):
    token = meetings.answer_token(ended.uuid, mentee.pk, "held")
    ended.journey.memberships.filter(user=mentee).update(left_on=timezone.localdate())
    assert client.post(reverse("journeys:meeting_answer", args=[token])).status_code == 404
    assert not Meeting.objects.exists()


# Pair inactive ----------------------------------------------------------------------------


def quiet(journey, days=30):
    """Make the journey's last recorded activity ``days`` ago."""
    journey.__class__.objects.filter(pk=journey.pk).update(
        last_activity_on=timezone.localdate() - days * DAY
    )
    journey.refresh_from_db()


def inactive_keys(journey, day):
    state = journey_state(journey, day)
    return [
        key
        for key in notifications.plan_notifications(state, 14, day)
        if key[2] == NotificationKind.INACTIVE
    ]


def test_a_meeting_planned_ahead_keeps_a_quiet_pair_from_being_nudged(
    journey, mentor, mentee, now
):
    quiet(journey)
    today = timezone.localdate()
    assert inactive_keys(journey, today)

    plan = propose(journey, mentor, now, at(now, 10))
    quiet(journey)  # the proposal alone is not a meeting
    assert inactive_keys(journey, today)
    meetings.accept(plan, mentee, at(now, 10), now)
    quiet(journey)
    assert inactive_keys(journey, today) == []
    # Still quiet for a while after the meeting's day: the day counts as activity.
    assert inactive_keys(journey, timezone.localdate(at(now, 10)) + 13 * DAY) == []
    assert inactive_keys(journey, timezone.localdate(at(now, 10)) + 14 * DAY)


def test_a_meeting_that_did_not_happen_counts_for_nothing(journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now, days=1)
    quiet(journey)
    assert inactive_keys(journey, timezone.localdate() + 2 * DAY) == []
    meetings.mark_not_held(plan, mentor, plan.ends_at)
    quiet(journey)
    assert inactive_keys(journey, timezone.localdate() + 2 * DAY)


def test_the_tick_does_not_nudge_a_pair_with_a_meeting_ahead(
    journey, mentor, mentee, now, program
):
    plan = agreed(journey, mentor, mentee, now, days=20)
    day = timezone.localdate() + 16 * DAY  # long past the nudge, still before the meeting
    quiet(journey)
    notifications.advance_journeys(day)
    assert not Notification.objects.filter(kind=NotificationKind.INACTIVE).exists()
    meetings.cancel(plan, mentor, now)
    quiet(journey)
    notifications.advance_journeys(day + DAY)
    assert Notification.objects.filter(kind=NotificationKind.INACTIVE).count() == 2


# Retention --------------------------------------------------------------------------------


def test_retention_keeps_planned_meetings_and_forgets_old_invitation_emails(planned, now):
    later = now + 500 * DAY
    result = retention.forget_old_records(later)
    assert PlannedMeeting.objects.filter(pk=planned.pk).exists()
    assert result.emails >= 2
    assert not OutboxEmail.objects.exclude(calendar="").exists()
