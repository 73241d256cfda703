"""The tick: every notification at most once, whatever happens."""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_q.models import Schedule

from journeys import factories
from journeys.models import (
    Delivery,
    EmailChoice,
    JourneyMember,
    JourneyStatus,
    MemberRole,
    Notification,
    NotificationKind,
    OutboxEmail,
    ParticipantPreferences,
)
from journeys.services import notifications
from journeys.services.outbox import deliver_due, unsubscribe_token
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
    assert OutboxEmail.objects.filter(status="sent", journey=journey).count() == 2
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
    assert mail.outbox == []  # written to the outbox; a worker delivers it
    assert deliver_due().sent == 1

    (digest,) = mail.outbox
    assert digest.to == [mentee.email]
    assert digest.subject == "Your mentoring week"
    assert "Milestone 1" in digest.body
    waiting = Notification.objects.filter(member__user=mentee, delivery=Delivery.DIGEST)
    assert not waiting.exists()
    digested = Notification.objects.filter(member__user=mentee, delivery=Delivery.DIGESTED)
    assert {n.email_id for n in digested} == {OutboxEmail.objects.get(recipient=mentee).pk}


def test_a_digest_links_each_journey_at_the_address_of_its_own_site(journey, pair, today):
    """The same person in the programs of two business units, each on a site of its own."""
    import re

    from wagtail.models import Page, Site

    from cms.models import HomePage

    mentor, mentee = pair
    other_home = HomePage(title="Cold Chain", slug="cold-chain")
    Page.get_first_root_node().add_child(instance=other_home)
    other_home.save_revision().publish()
    Site.objects.create(hostname="cold.example", port=80, root_page=other_home)
    other_program = factories.ProgramPageFactory(parent=other_home, title="Cold Chain mentoring")
    other = start_journey(
        other_program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=today,
        template=factories.JourneyPageFactory(parent=other_program, title="Cold year"),
    )
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    notifications.advance_journeys(today)
    mail.outbox.clear()

    notifications.send_participant_digests(today)
    deliver_due()

    hosts = {}
    for message in mail.outbox:
        assert message.to == [mentee.email]
        for part in (message.body, message.alternatives[0][0]):
            for root, uuid in re.findall(
                r"(https?://[^/\s\"]+)/my/journeys/([0-9a-f-]{36})/", part
            ):
                hosts.setdefault(uuid, set()).add(root)
    assert hosts == {
        str(journey.uuid): {"http://localhost"},
        str(other.uuid): {"http://cold.example"},
    }


@pytest.fixture
def superuser_client(client, user_factory):
    client.force_login(user_factory(email="root@example.com", is_superuser=True, is_staff=True))
    return client


def set_status(client, journey, status):
    """Pause, close or complete a journey as an admin does, on its edit form."""
    from django.urls import reverse

    response = client.post(reverse("journeys_admin:edit", args=[journey.pk]), {"status": status})
    assert response.status_code == 302


def second_journey(program, mentee, user_factory, today):
    return start_journey(
        program,
        [
            (user_factory(email="mentor2@example.com"), MemberRole.MENTOR),
            (mentee, MemberRole.MENTEE),
        ],
        started_on=today,
        template=factories.JourneyPageFactory(parent=program, title="Second year"),
    )


def test_a_digest_leaves_out_a_journey_that_has_ended(
    journey, pair, program, user_factory, superuser_client, today
):
    mentee = pair[1]
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    ongoing = second_journey(program, mentee, user_factory, today)
    notifications.advance_journeys(today)
    set_status(superuser_client, journey, JourneyStatus.CLOSED)
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 1
    deliver_due()

    (digest,) = mail.outbox
    assert digest.to == [mentee.email]
    assert f"/my/journeys/{ongoing.uuid}/" in digest.body
    assert f"/my/journeys/{journey.uuid}/" not in digest.body
    assert "First year together" not in digest.body
    ended = Notification.objects.filter(member__user=mentee, journey=journey)
    assert set(ended.values_list("delivery", flat=True)) == {Delivery.SUPPRESSED}


@pytest.mark.parametrize("status", [JourneyStatus.CLOSED, JourneyStatus.COMPLETED])
def test_someone_whose_journeys_have_all_ended_gets_no_digest(
    journey, pair, superuser_client, today, status
):
    mentee = pair[1]
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    notifications.advance_journeys(today)
    set_status(superuser_client, journey, status)
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 0
    deliver_due()

    assert mail.outbox == []
    assert not OutboxEmail.objects.filter(recipient=mentee).exists()
    assert not Notification.objects.filter(delivery=Delivery.DIGEST).exists()


def test_someone_who_left_every_journey_gets_no_digest(journey, pair, today):
    mentee = pair[1]
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    notifications.advance_journeys(today)
    JourneyMember.objects.filter(journey=journey, user=mentee).update(left_on=today)
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 0
    deliver_due()

    assert mail.outbox == []


def test_a_deactivated_person_gets_no_digest(journey, pair, today):
    mentor, mentee = pair
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    notifications.advance_journeys(today)
    mentee.is_active = False
    mentee.save(update_fields=["is_active"])
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 0
    deliver_due()

    assert [m.to for m in mail.outbox] == [[mentor.email]]  # told their partner left
    assert not OutboxEmail.objects.filter(recipient=mentee).exists()
    assert not Notification.objects.filter(delivery=Delivery.DIGEST).exists()


def test_a_paused_journeys_digest_brings_its_messages_and_keeps_its_reminders(
    journey, pair, superuser_client, today
):
    from journeys.services import conversation

    mentor, mentee = pair
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.WEEKLY)
    notifications.advance_journeys(today)
    set_status(superuser_client, journey, JourneyStatus.PAUSED)
    conversation.post_message(journey, mentor, "Shall we pick this up in May?")
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 1
    deliver_due()

    (digest,) = mail.outbox
    assert "1 new message in your conversation." in digest.body
    assert "Milestone 1" not in digest.body
    # Pausing stops reminders for a while: they wait for the journey to run again.
    assert kinds(member__user=mentee, delivery=Delivery.DIGEST) == [
        NotificationKind.MILESTONE_OPENED
    ]
    set_status(superuser_client, journey, JourneyStatus.ACTIVE)
    mail.outbox.clear()

    assert notifications.send_participant_digests(today) == 1
    deliver_due()

    (digest,) = mail.outbox
    assert "Milestone 1" in digest.body


def test_people_who_want_no_email_get_none(journey, pair, today):
    mentor, mentee = pair
    ParticipantPreferences.objects.create(user=mentee, emails=EmailChoice.NONE)

    notifications.advance_journeys(today)

    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert Notification.objects.get(member__user=mentee).delivery == "suppressed"


def test_the_unsubscribe_link_works_without_signing_in(client, journey, pair, today):
    mentee = pair[1]
    url = f"/my/unsubscribe/{unsubscribe_token(mentee.pk)}/"

    assert client.get(url).status_code == 200
    assert not ParticipantPreferences.objects.filter(user=mentee, emails="none").exists()
    response = client.post(url)

    assert response.status_code == 200
    assert ParticipantPreferences.objects.get(user=mentee).emails == EmailChoice.NONE
    notifications.advance_journeys(today)
    assert [m.to for m in mail.outbox] == [[pair[0].email]]
    # Opened again, the link says the emails are stopped rather than asking again.
    again = client.get(url).content.decode()
    assert "are stopped already" in again
    assert "Stop these emails" not in again


def test_the_command_runs_the_tick_for_a_given_day(journey, today, capsys):
    call_command("advance_journeys", today=today.isoformat(), batch_size=1)
    assert "1 journey in 1 batch: 2 notifications recorded, 2 emails sent" in (
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
    assert names == {
        "trellis.advance_journeys",
        "trellis.deliver_outbox",
        "trellis.participant_digests",
        "trellis.insights_digests",
        "trellis.retention",
        "trellis.insights_retention",
        "trellis.insights_sweep",
        "trellis.publish_scheduled",
        "someone-elses",
    }
    assert Schedule.objects.get(name="trellis.advance_journeys").schedule_type == Schedule.HOURLY
    delivery = Schedule.objects.get(name="trellis.deliver_outbox")
    assert (delivery.schedule_type, delivery.minutes) == (Schedule.MINUTES, 1)


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


# --- The emails -------------------------------------------------------------


@pytest.fixture
def awkward_journeys(program, user_factory, today):
    """Two journeys whose titles and names are the kind of data that breaks things."""
    page = factories.JourneyPageFactory(
        parent=program,
        title="Café “first” year",
        milestones=[
            factories.milestone(
                '<script>alert("x")</script> & “Déjà vu”', "m1", [factories.step("checklist")]
            )
        ],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    people = [
        user_factory(email=f"p{n}@example.com", first_name=name)
        for n, name in enumerate(["Zoé", "<b>Bold</b>", "Ann & Bob", 'Quote "me"'])
    ]
    return [
        start_journey(
            program,
            [(people[2 * n], MemberRole.MENTOR), (people[2 * n + 1], MemberRole.MENTEE)],
            started_on=today,
        )
        for n in range(2)
    ]


def test_names_and_titles_are_escaped_in_html_and_kept_as_written_in_text(awkward_journeys, today):
    assert notifications.advance_journeys(today).emailed == 4

    for message in mail.outbox:
        html = message.alternatives[0].content
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; “Déjà vu”" in html
        assert "Café “first” year" in html
        assert '“<script>alert("x")</script> & “Déjà vu”” has opened.' in message.body
    greetings = sorted(
        m.alternatives[0].content.split("<p>Hello ")[1].split("</p>")[0] for m in mail.outbox
    )
    assert greetings == [
        "&lt;b&gt;Bold&lt;/b&gt;,",
        "Ann &amp; Bob,",
        "Quote &quot;me&quot;,",
        "Zoé,",
    ]
    assert sorted(m.body.split("Hello ")[1].split("\n")[0] for m in mail.outbox) == [
        "<b>Bold</b>,",
        "Ann & Bob,",
        'Quote "me",',
        "Zoé,",
    ]


class CountingBackend(locmem.EmailBackend):
    """Counts connections as well as messages."""

    opened = closed = 0

    def open(self):
        CountingBackend.opened += 1
        return True

    def close(self):
        CountingBackend.closed += 1


def test_a_delivery_run_uses_one_connection_not_one_per_email(awkward_journeys, today):
    CountingBackend.opened = CountingBackend.closed = 0
    with override_settings(EMAIL_BACKEND=f"{__name__}.CountingBackend"):
        assert notifications.advance_journeys(today).emailed == 4

    assert (CountingBackend.opened, CountingBackend.closed) == (1, 1)
    assert len(mail.outbox) == 4


def test_logging_a_notification_again_is_refused_rather_than_passed_over(journey, today):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    notifications.advance_journeys(today)
    row = Notification.objects.values_list(
        "journey_id", "member_id", "kind", "milestone_id", "period_key", "delivery"
    ).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        notifications.write_log([row], timezone.now())
    assert Notification.objects.count() == 2


def test_emails_queued_in_bulk_read_back_as_written(journey, pair, today):
    from django.utils import timezone

    from journeys.services import outbox

    mentor = pair[0]
    context = {"journey_uuid": str(journey.uuid), "journey_title": "“Déjà” <vu>", "items": []}
    subject = "A subject\non two lines"
    assert (
        outbox.queue_many(
            notifications.JOURNEY_UPDATE,
            [(mentor.pk, journey.program_id, journey.pk, subject, context)],
            now=timezone.now(),
            request_delivery=False,
        )
        == 1
    )

    email = OutboxEmail.objects.get()
    assert (email.recipient_id, email.program_id, email.journey_id) == (
        mentor.pk,
        journey.program_id,
        journey.pk,
    )
    assert (email.subject, email.context, email.status) == (
        "A subject on two lines",
        context,
        "pending",
    )
    assert deliver_due().sent == 1
    assert "“Déjà” &lt;vu&gt;" in mail.outbox[0].alternatives[0][0]
