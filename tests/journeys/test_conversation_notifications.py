"""Telling members about new messages: by their email choice, from the outbox, at most
one email per conversation an hour."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import (
    ConversationState,
    Delivery,
    EmailChoice,
    EmailStatus,
    JourneyMember,
    MemberRole,
    Notification,
    NotificationKind,
    OutboxEmail,
    ParticipantPreferences,
)
from journeys.services import conversation, notifications
from journeys.services.outbox import deliver_due
from journeys.services.retention import forget_old_records
from journeys.services.starting import start_journey

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
SECRET = "SECRET-5b1 the words stay in the conversation"


@pytest.fixture
def template(program):
    return JourneyPageFactory(
        parent=program,
        milestones=[milestone("Getting started", "start", [step("checklist")], block_id="m1")],
    )


@pytest.fixture
def mentor(user_factory):
    return user_factory(email="mentor@example.com", first_name="Morgan", last_name="Reid")


@pytest.fixture
def mentee(user_factory):
    return user_factory(email="mentee@example.com", first_name="Sam", last_name="Patel")


@pytest.fixture
def journey(program, template, mentor, mentee):
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        timezone.localdate(),
        template=template,
    )


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)


def choose(user, choice):
    ParticipantPreferences.objects.update_or_create(user=user, defaults={"emails": choice})


def new_message_emails(**filters):
    return OutboxEmail.objects.filter(template=conversation.NEW_MESSAGE_EMAIL, **filters)


def test_a_message_queues_one_outbox_email_to_the_partner_in_the_same_transaction(
    journey, mentor, mentee, start
):
    conversation.post_message(journey, mentee, SECRET, now=start)

    (email,) = new_message_emails()
    assert email.recipient == mentor
    assert email.journey_id == journey.pk
    assert email.status == EmailStatus.PENDING
    assert email.subject == "Sam wrote to you in your mentoring conversation"
    (logged,) = Notification.objects.all()
    assert (logged.member.user, logged.kind, logged.delivery) == (
        mentor,
        NotificationKind.MESSAGE,
        Delivery.EMAIL,
    )
    assert SECRET not in str(email.context)


def test_the_email_links_to_the_conversation_and_carries_no_words(journey, mentee, start):
    conversation.post_message(journey, mentee, SECRET, now=start)
    deliver_due()

    (sent,) = mail.outbox
    assert sent.to == ["mentor@example.com"]
    assert f"/my/journeys/{journey.uuid}/conversation/" in sent.body
    assert "Sam wrote to you" in sent.body
    assert SECRET not in sent.body
    assert SECRET not in sent.alternatives[0][0]
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http")


def test_two_messages_within_the_hour_make_one_email_and_after_the_hour_another(
    journey, mentor, mentee, start
):
    conversation.post_message(journey, mentee, "First", now=start)
    conversation.post_message(journey, mentee, "Second", now=start + 20 * MINUTE)
    conversation.post_message(journey, mentee, "Third", now=start + 59 * MINUTE)
    assert new_message_emails(recipient=mentor).count() == 1

    conversation.post_message(journey, mentee, "Fourth", now=start + HOUR + MINUTE)
    assert new_message_emails(recipient=mentor).count() == 2
    assert Notification.objects.filter(kind=NotificationKind.MESSAGE).count() == 2

    # The hour counts from the last email, not from the clock's hour.
    conversation.post_message(journey, mentee, "Fifth", now=start + HOUR + 30 * MINUTE)
    assert new_message_emails(recipient=mentor).count() == 2


def test_the_hour_is_each_recipients_and_each_conversations(
    program, template, journey, mentor, mentee, user_factory, start
):
    conversation.post_message(journey, mentee, "To my mentor", now=start)
    conversation.post_message(journey, mentor, "And back", now=start + MINUTE)
    assert new_message_emails(recipient=mentor).count() == 1
    assert new_message_emails(recipient=mentee).count() == 1

    other = start_journey(
        program,
        [(user_factory(), MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        timezone.localdate(),
        template=template,
    )
    conversation.post_message(other, mentee, "Hello second mentor", now=start + 2 * MINUTE)
    assert new_message_emails(journey=other).count() == 1


def test_the_claim_of_the_hour_is_one_conditional_update(journey, mentor, start):
    member = JourneyMember.objects.get(journey=journey, user=mentor)
    ConversationState.objects.create(member=member)
    assert conversation._claim_hour(member.pk, start) is True
    assert conversation._claim_hour(member.pk, start) is False
    assert conversation._claim_hour(member.pk, start + 59 * MINUTE) is False
    assert conversation._claim_hour(member.pk, start + HOUR) is True


def test_no_email_goes_to_someone_who_wants_none(journey, mentor, mentee, start):
    choose(mentor, EmailChoice.NONE)
    conversation.post_message(journey, mentee, "Hello", now=start)
    assert not new_message_emails().exists()
    assert not Notification.objects.exists()


def test_weekly_digest_readers_get_the_number_still_unread_in_their_digest(
    client, journey, mentor, mentee, start
):
    choose(mentor, EmailChoice.WEEKLY)
    conversation.post_message(journey, mentee, SECRET, now=start)
    conversation.post_message(journey, mentee, "Another", now=start + MINUTE)
    conversation.post_message(journey, mentee, "And a third", now=start + 2 * HOUR)
    assert not new_message_emails().exists()
    (waiting,) = Notification.objects.filter(delivery=Delivery.DIGEST)
    assert waiting.member.user == mentor

    assert notifications.send_participant_digests() == 1
    deliver_due()
    (digest,) = mail.outbox
    assert digest.subject == "Your mentoring week"
    assert "3 new messages in your conversation." in digest.body
    assert f"/my/journeys/{journey.uuid}/conversation/" in digest.body
    assert SECRET not in digest.body
    waiting.refresh_from_db()
    assert waiting.delivery == Delivery.DIGESTED


def test_a_conversation_read_before_the_digest_is_not_announced(
    client, journey, mentor, mentee, start
):
    choose(mentor, EmailChoice.WEEKLY)
    conversation.post_message(journey, mentee, "Hello", now=start)
    client.force_login(mentor)
    client.get(f"/my/journeys/{journey.uuid}/conversation/")

    assert notifications.send_participant_digests() == 0
    assert not OutboxEmail.objects.exists()
    assert not Notification.objects.filter(delivery=Delivery.DIGEST).exists()


def test_the_digest_gathers_messages_with_the_ticks_notifications(journey, mentor, mentee, start):
    choose(mentor, EmailChoice.WEEKLY)
    notifications.advance_journeys(timezone.localdate())
    conversation.post_message(journey, mentee, "Hello", now=start)

    assert notifications.send_participant_digests() == 1
    deliver_due()
    (digest,) = [m for m in mail.outbox if m.to == ["mentor@example.com"]]
    assert "“Getting started” has opened." in digest.body
    assert "1 new message in your conversation." in digest.body


def test_nobody_who_left_or_is_inactive_is_told(journey, mentor, mentee, start):
    mentor.is_active = False
    mentor.save()
    conversation.post_message(journey, mentee, "Anyone there?", now=start)
    assert not new_message_emails().exists()


def test_an_email_waiting_for_someone_who_then_leaves_is_cancelled(journey, mentor, mentee, start):
    conversation.post_message(journey, mentee, "Hello", now=start)
    JourneyMember.objects.filter(journey=journey, user=mentor).update(left_on=timezone.localdate())
    deliver_due()
    assert not mail.outbox
    assert new_message_emails(status=EmailStatus.CANCELLED).count() == 1


def test_old_message_notifications_are_forgotten_while_the_journey_goes_on(
    journey, mentor, mentee, start
):
    choose(mentee, EmailChoice.WEEKLY)
    conversation.post_message(journey, mentee, "Hello", now=start)
    conversation.post_message(journey, mentor, "Hi", now=start)
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(days=500))

    forget_old_records(timezone.now())

    # The email's row goes; the one waiting for the mentee's digest stays.
    assert list(Notification.objects.values_list("member__user", "delivery")) == [
        (mentee.pk, Delivery.DIGEST)
    ]
