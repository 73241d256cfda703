"""The outbox: written with the change that decides it, delivered once, retried, never lost."""

import datetime
import smtplib
import time

import pytest
from django.core import mail, signing
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_q.models import Task

from journeys import tasks
from journeys.models import (
    EmailChoice,
    EmailStatus,
    MemberRole,
    OutboxEmail,
    ParticipantPreferences,
)
from journeys.services import notifications, outbox
from journeys.services.starting import start_journey

TEMPLATE = "matching/emails/request_declined"


@pytest.fixture
def person(user_factory):
    return user_factory(email="sam@example.com", first_name="Sam")


def queue(user, subject="About your request", **options):
    return outbox.queue_emails(
        [
            outbox.new_email(
                user.pk,
                TEMPLATE,
                subject,
                {"mentor_name": "Alex", "program_title": "Growing leaders", "program_id": 0},
                **options,
            )
        ]
    )[0]


def make_due(*emails):
    """Move retries' waiting time into the past, as the clock would."""
    OutboxEmail.objects.filter(pk__in=[e.pk for e in emails]).update(
        send_after=timezone.now() - datetime.timedelta(seconds=1)
    )


class Server:
    """A mail server whose behaviour the test chooses: up, down, or refusing messages."""

    mode = "up"
    sent = []
    opened = 0

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        if Server.mode == "down":
            raise ConnectionRefusedError("Connection refused")
        Server.opened += 1
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        if Server.mode == "down":
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if Server.mode == "refusing":
            raise smtplib.SMTPDataError(554, b"Message refused")
        Server.sent.extend(messages)
        return len(messages)


@pytest.fixture
def server(settings):
    Server.mode, Server.sent, Server.opened = "up", [], 0
    settings.EMAIL_BACKEND = f"{__name__}.Server"
    return Server


def test_an_email_exists_only_if_the_change_that_decided_it_commits(person):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(person)
        raise RuntimeError("the change failed")

    assert not OutboxEmail.objects.exists()


def test_an_email_is_delivered_once_and_marked_sent(person, server):
    email = queue(person)

    assert outbox.deliver_due().sent == 1
    assert outbox.deliver_due().sent == 0

    assert [m.to for m in server.sent] == [["sam@example.com"]]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_by) == (EmailStatus.SENT, 0, "")
    assert email.sent_at is not None


def test_rows_another_worker_holds_are_left_to_it(person, server):
    queue(person)
    _token, claimed = outbox._claim(10)
    assert claimed == 1

    assert outbox.deliver_due().sent == 0  # the other worker's claim stands
    OutboxEmail.objects.update(claimed_at=timezone.now() - outbox.CLAIM_TIMEOUT)
    assert outbox.deliver_due().sent == 1  # a claim that outlived its worker expires
    assert len(server.sent) == 1


def test_a_refused_email_is_retried_later_and_later_then_given_up(person, server):
    email = queue(person)
    server.mode = "refusing"

    waits = []
    for attempt in range(1, len(outbox.RETRY_DELAYS) + 1):
        before = timezone.now()
        assert outbox.deliver_due().deferred == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.PENDING, attempt)
        assert "SMTPDataError" in email.last_error
        waits.append(email.send_after - before)
        assert outbox.deliver_due().deferred == 0  # not before its time
        make_due(email)

    assert waits == sorted(waits) and waits[0] >= datetime.timedelta(minutes=1)
    assert outbox.deliver_due().failed == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert server.sent == []


def test_a_server_that_is_down_defers_the_round_counting_one_attempt(user_factory, server):
    people = [user_factory() for _ in range(3)]
    emails = [queue(p) for p in people]
    server.mode = "down"

    result = outbox.deliver_due()

    assert (result.sent, result.deferred) == (0, 3)
    attempts = sorted(OutboxEmail.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 1]
    assert all(e.send_after > timezone.now() for e in OutboxEmail.objects.all())

    server.mode = "up"
    make_due(*emails)
    assert outbox.deliver_due().sent == 3
    assert outbox.deliver_due().sent == 0
    assert sorted(m.to[0] for m in server.sent) == sorted(p.email for p in people)


def test_a_server_that_drops_mid_round_keeps_what_it_accepted(user_factory, server, monkeypatch):
    people = [user_factory() for _ in range(4)]
    for p in people:
        queue(p)
    original = Server.send_messages

    def drop_after_two(self, messages):
        if len(Server.sent) >= 2:
            raise smtplib.SMTPServerDisconnected("Connection lost")
        return original(self, messages)

    monkeypatch.setattr(Server, "send_messages", drop_after_two)
    result = outbox.deliver_due()
    assert (result.sent, result.deferred) == (2, 2)

    monkeypatch.setattr(Server, "send_messages", original)
    make_due(*OutboxEmail.objects.filter(status=EmailStatus.PENDING))
    assert outbox.deliver_due().sent == 2
    assert sorted(m.to[0] for m in server.sent) == sorted(p.email for p in people)


def test_one_email_that_cannot_be_rendered_never_stops_the_others(user_factory, server):
    first, second = user_factory(), user_factory()
    broken = outbox.queue_emails(
        [outbox.new_email(first.pk, "journeys/emails/no_such_email", "Broken", {})]
    )[0]
    queue(second)

    result = outbox.deliver_due()

    assert (result.sent, result.deferred) == (1, 1)
    assert [m.to for m in server.sent] == [[second.email]]
    broken.refresh_from_db()
    assert "TemplateDoesNotExist" in broken.last_error


def test_one_connection_serves_a_round(user_factory, server):
    for _ in range(5):
        queue(user_factory())

    assert outbox.deliver_due().sent == 5
    assert server.opened == 1


def test_nobody_is_emailed_who_should_not_be(
    user_factory, server, program, journey_page, pair, today
):
    inactive = user_factory(is_active=False)
    stopped = user_factory()
    ParticipantPreferences.objects.create(user=stopped, emails=EmailChoice.NONE)
    mentor, mentee = pair
    journey = start_journey(
        program, [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], started_on=today
    )
    journey.memberships.filter(user=mentee).update(left_on=timezone.localdate())

    queue(inactive)
    queue(stopped)
    queue(mentee, journey_id=journey.pk)  # about a journey they have left
    queue(mentor, journey_id=journey.pk)
    introduction = queue(stopped, honours_choice=False)  # sent whatever the choice

    result = outbox.deliver_due()

    assert (result.sent, result.cancelled) == (2, 3)
    assert sorted(m.to[0] for m in server.sent) == sorted([mentor.email, stopped.email])
    introduction.refresh_from_db()
    assert introduction.status == EmailStatus.SENT


@pytest.mark.parametrize(
    "title",
    [
        "Growing\nleaders",
        "Growing\r\nleaders",
        "Growing\rleaders",
        "Growing\u2028leaders",
        "Growing\u2029leaders",
        "Growing\u0085leaders",
        "Growing\x00\x0bleaders",
        "Growing\t  leaders ",
    ],
)
def test_subjects_lose_every_kind_of_line_break(person, server, title):
    queue(person, subject=f"About {title}")

    outbox.deliver_due()

    (message,) = server.sent
    assert message.subject == "About Growing leaders"
    assert b"\nleaders" not in message.message().as_bytes()


def test_a_long_subject_is_shortened_to_one_line(person):
    email = queue(person, subject="word " * 100)
    assert len(email.subject) == outbox.SUBJECT_MAX and email.subject.endswith("…")


def test_every_email_the_choice_stops_offers_one_click_unsubscribe(person, server):
    queue(person)
    outbox.deliver_due()

    (message,) = server.sent
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://testserver/my/unsubscribe/") and link.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in message.body
    assert link[1:-1] in message.alternatives[0][0]


def test_an_email_that_comes_whatever_the_choice_offers_no_stop_and_says_why(person, server):
    queue(person, honours_choice=False)
    outbox.deliver_due()

    (message,) = server.sent
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "/my/unsubscribe/" not in body
        assert "Stop these emails" not in body
        assert "This email comes whatever you choose for your emails" in body
        assert "/my/settings/" in body


def test_a_mail_clients_one_click_post_unsubscribes_without_a_session(person, server):
    queue(person)
    outbox.deliver_due()
    url = server.sent[0].extra_headers["List-Unsubscribe"][1:-1].removeprefix("http://testserver")

    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert ParticipantPreferences.objects.get(user=person).emails == EmailChoice.NONE


def test_an_unsubscribe_link_lasts_a_year_and_then_says_so(client, person, monkeypatch):
    made = time.time()
    token = outbox.unsubscribe_token(person.pk)

    monkeypatch.setattr(signing.time, "time", lambda: made + 364 * 24 * 3600)
    assert client.get(f"/my/unsubscribe/{token}/").status_code == 200

    monkeypatch.setattr(signing.time, "time", lambda: made + 366 * 24 * 3600)
    response = client.post(f"/my/unsubscribe/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert "/my/settings/" in response.text
    assert not ParticipantPreferences.objects.filter(user=person, emails="none").exists()


def test_every_email_carries_a_link_signed_when_it_is_sent(client, person, server):
    email = queue(person)
    # Queued long ago (say, retried for a day): the link is signed at sending, not queueing.
    OutboxEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    outbox.deliver_due()

    url = server.sent[0].extra_headers["List-Unsubscribe"][1:-1].removeprefix("http://testserver")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt=outbox.UNSUBSCRIBE_SALT, max_age=60) == {"u": person.pk}
    assert client.get(url).status_code == 200


def test_a_tampered_or_foreign_unsubscribe_link_is_not_found(client, person, settings):
    token = outbox.unsubscribe_token(person.pk)
    assert client.post(f"/my/unsubscribe/{token}x/").status_code == 404
    settings.SECRET_KEY = "another-secret-" + "x" * 50
    assert client.post(f"/my/unsubscribe/{token}/").status_code == 404


def test_the_delivery_task_hands_over_when_its_time_is_up(user_factory, server, monkeypatch):
    for _ in range(3):
        queue(user_factory())
    monkeypatch.setattr(outbox, "ROUND_SIZE", 1)
    monkeypatch.setattr(outbox, "TASK_SECONDS", 0)
    asked = []
    monkeypatch.setattr(outbox, "ask_for_delivery", lambda: asked.append(True))

    assert tasks.deliver_outbox() == "1 sent, 0 failed, 0 cancelled, 0 deferred"
    assert asked == [True]


def test_the_tick_fans_out_one_task_per_batch_on_the_database_broker(
    program, journey_page, user_factory, today, monkeypatch, django_capture_on_commit_callbacks
):
    for _ in range(5):
        start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=today,
        )
    monkeypatch.setattr(notifications, "BATCH_SIZE", 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.advance_journeys(today.isoformat()) == "queued 3 batches"

    assert Task.objects.filter(func="journeys.tasks.advance_batch").count() == 3
    assert OutboxEmail.objects.filter(status=EmailStatus.SENT).count() == 10
    assert len(mail.outbox) == 10


def test_superusers_see_the_outbox_in_the_admin_but_cannot_write_to_it(
    admin_client, client, person, user_factory
):
    email = queue(person, subject="About your request in Growing leaders")
    index = admin_client.get("/admin/outbox/")
    assert index.status_code == 200
    assert "About your request in Growing leaders" in index.text
    assert "Mentor Alex" not in index.text  # the emails' contents are not shown
    assert admin_client.get(f"/admin/outbox/inspect/{email.pk}/").status_code == 200
    assert admin_client.get(f"/admin/outbox/edit/{email.pk}/").status_code in (302, 403)
    assert admin_client.get("/admin/outbox/new/").status_code in (302, 403)

    editor = user_factory(is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/outbox/").status_code in (302, 403)
