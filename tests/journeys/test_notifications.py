"""The tick: every notification at most once, whatever happens."""

import datetime
import email.policy
import pickle
import random
import re
import string
from email.message import Message as EmailMessageBase
from email.parser import BytesParser

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.backends import locmem
from django.core.mail.message import forbid_multi_line_headers
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_q.models import Schedule

from journeys import factories
from journeys.models import (
    EmailChoice,
    MemberRole,
    Notification,
    NotificationKind,
    ParticipantPreferences,
)
from journeys.services import notifications
from journeys.services.mail import EmailFrames, FastEmailMessage, RenderedMessage, header_line
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


@pytest.mark.parametrize("user_id", [1, 42, 9_876_543_210])
def test_unsubscribe_tokens_are_the_ones_django_signing_makes(monkeypatch, user_id):
    from django.core import signing

    from journeys.services.notifications import (
        UNSUBSCRIBE_SALT,
        UnsubscribeSigner,
        user_id_from_unsubscribe_token,
    )

    monkeypatch.setattr(signing.time, "time", lambda: 1_795_000_000.7)
    expected = signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)

    token = UnsubscribeSigner().sign(user_id, now=1_795_000_000.7)

    assert token == expected
    assert user_id_from_unsubscribe_token(token) == user_id


def test_an_unsubscribe_token_signed_with_another_secret_is_refused(settings, pair):
    from journeys.services.notifications import UnsubscribeSigner, user_id_from_unsubscribe_token

    token = UnsubscribeSigner().sign(pair[1].pk)
    settings.SECRET_KEY = "another-secret-" + "x" * 50

    assert user_id_from_unsubscribe_token(token) is None


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
    assert names == {
        "trellis.advance_journeys",
        "trellis.participant_digests",
        "trellis.insights_digests",
        "someone-elses",
    }
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


# --- Delivery: framed rendering and directly written MIME -------------------


def parsed(message):
    """The message as a mail client reads it: its bytes, parsed the modern way."""
    return BytesParser(policy=email.policy.default).parsebytes(message.message().as_bytes())


def header(read, name):
    # Django folds a long header straight after its name ("Subject: \n =?utf-8?..."),
    # so the unfolded value starts with the folding space; clients ignore it.
    return str(read[name]).lstrip()


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


def test_framed_emails_are_exactly_what_django_renders(awkward_journeys, today, monkeypatch):
    monkeypatch.setattr(notifications, "unsubscribe_token", lambda user, *_: f"token{user.pk}")
    monkeypatch.setattr(EmailFrames, "MAX_FRAMES", 0)  # no frames: Django renders each email
    notifications.advance_journeys(today)
    by_django = sorted((m.to, m.body, m.alternatives[0].content) for m in mail.outbox)
    mail.outbox.clear()
    Notification.objects.update(sent_at=None, delivery="", claimed_at=None, claimed_by="")
    monkeypatch.setattr(EmailFrames, "MAX_FRAMES", 512)
    framed = []
    original = EmailFrames.render_all

    def counting(self, *args):
        result = original(self, *args)
        framed.append(self.framed)
        return result

    monkeypatch.setattr(EmailFrames, "render_all", counting)
    notifications.deliver()

    assert sorted((m.to, m.body, m.alternatives[0].content) for m in mail.outbox) == by_django
    assert framed[-1] == 4  # the third and fourth emails, text and HTML, came from frames


def test_each_email_parses_back_to_what_was_rendered(awkward_journeys, today):
    notifications.advance_journeys(today)

    for message in mail.outbox:
        assert isinstance(message, EmailMultiAlternatives)
        read = parsed(message)
        assert header(read, "Subject") == message.subject
        assert header(read, "To") == message.to[0]
        assert header(read, "From") == settings.DEFAULT_FROM_EMAIL
        assert header(read, "List-Unsubscribe") == message.extra_headers["List-Unsubscribe"]
        assert read.get_content_type() == "multipart/alternative"
        text, html = read.iter_parts()
        assert (text.get_content_type(), text.get_content()) == ("text/plain", message.body)
        assert (html.get_content_type(), html.get_content()) == (
            "text/html",
            message.alternatives[0].content,
        )


def test_a_subject_and_names_outside_ascii_round_trip():
    message = FastEmailMessage(
        subject="Your “first” café meeting is waiting — été edition, with a subject long "
        "enough to fold across lines",
        body="Hello Zoé,\n\nsee you there.\n",
        from_email="Trellis café <mentoring@example.com>",
        to=["Zoé Ünal <zoe@example.com>"],
        headers={"List-Unsubscribe": "<https://example.com/my/unsubscribe/" + "x" * 90 + "/>"},
    )
    message.attach_alternative("<p>Hello Zoé,</p>", "text/html")

    read = parsed(message)

    assert header(read, "Subject") == message.subject
    assert header(read, "From") == "Trellis café <mentoring@example.com>"
    assert header(read, "To") == "Zoé Ünal <zoe@example.com>"
    assert header(read, "List-Unsubscribe") == message.extra_headers["List-Unsubscribe"]
    text, html = read.iter_parts()
    assert text.get_content() == "Hello Zoé,\n\nsee you there.\n"
    assert html.get_content() == "<p>Hello Zoé,</p>"
    assert text["Content-Transfer-Encoding"] == "8bit"


BOUNDARY = re.compile(rb"===============\d+==(\.\d+)?")
FIXED = {"Date": "Mon, 02 Mar 2026 07:00:00 -0000", "Message-ID": "<1.2.3@trellis>"}


@pytest.mark.parametrize(
    "options",
    [
        {"subject": "Coming up soon", "body": "Hello é\n\nline\n", "to": ["p1@example.com"]},
        {
            "subject": "Café “quotes” in a subject long enough that it has to be folded",
            "body": "Windows\r\nand old Mac\rline ends\n",
            "to": ["Zoé <zoe@example.com>", "b@example.org"],
            "cc": ["c@example.org"],
            "reply_to": ["r@example.org"],
        },
        {
            "subject": "A plain ASCII subject, far too long to fit on one header line, that folds",
            "body": "x",
            "to": ["a@example.com"],
            "headers": {
                "List-Unsubscribe": "<http://testserver/my/unsubscribe/" + "a" * 80 + "/>"
            },
        },
        {"subject": "", "body": "", "to": ["a@example.com"]},
        {
            "subject": "  spaces  around ",
            "body": "--===============0000000000000000000==\nlooks like a boundary",
            "to": ["a@example.com"],
            "headers": {"To": "override@example.org", "X-Tab": "a\tb"},
        },
        {"subject": "A long line", "body": "x" * 1200, "to": ["a@example.com"]},
    ],
)
@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
def test_messages_are_the_bytes_django_writes(options, linesep):
    written = []
    for cls in (EmailMultiAlternatives, FastEmailMessage):
        message = cls(**{**options, "headers": {**FIXED, **options.get("headers", {})}})
        message.attach_alternative("<p>Hello é</p>\n", "text/html")
        written.append(BOUNDARY.sub(b"B", message.message().as_bytes(linesep=linesep)))
    assert written[1] == written[0]


def test_header_lines_are_the_lines_django_writes():
    def outcome(write, name, value):
        try:
            return write(name, value)
        except ValueError as error:  # BadHeaderError, or an address Django refuses
            return type(error)

    def django(name, value):
        return email.policy.compat32.fold(*forbid_multi_line_headers(name, value, "utf-8"))

    rng = random.Random(7)
    alphabet = string.ascii_letters + "     ;,.<>@:\"'=?-/" + "é“”—"
    for _ in range(3000):
        name = rng.choice(["Subject", "X-Thing", "To", "List-Unsubscribe"])
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 130)))
        if rng.random() < 0.3:
            value = value.replace(" ", "")
        if rng.random() < 0.02:
            value += "\nInjected: header"
        assert outcome(header_line, name, value) == outcome(django, name, value), (name, value)
    with pytest.raises(BadHeaderError):
        header_line("Subject", "two\nlines")


def test_a_written_message_reads_like_any_other(awkward_journeys, today):
    notifications.advance_journeys(today)
    message = mail.outbox[0].message()

    assert isinstance(message, EmailMessageBase)
    assert message.get_charset() is None  # as Django's multipart message says
    copy = pickle.loads(pickle.dumps(message))  # noqa: S301 - our own bytes
    assert message["To"] == mail.outbox[0].to[0]
    assert message.is_multipart()
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert copy.as_bytes() == message.as_bytes()
    forwarded = EmailMultiAlternatives("Fwd", "See below", to=["admin@example.com"])
    forwarded.attach(content=mail.outbox[0], mimetype="message/rfc822")
    assert b"Hello" in forwarded.message().as_bytes()


def test_attachments_and_other_charsets_are_left_to_django():
    with_file = FastEmailMessage("Hi", "Body", to=["a@example.com"])
    with_file.attach_alternative("<p>Body</p>", "text/html")
    with_file.attach("notes.txt", "some notes", "text/plain")
    latin = FastEmailMessage("Hi", "Body", to=["a@example.com"])
    latin.encoding = "iso-8859-1"
    latin.attach_alternative("<p>Body</p>", "text/html")

    assert not isinstance(with_file.message(), RenderedMessage)
    assert not isinstance(latin.message(), RenderedMessage)
    assert b"notes.txt" in with_file.message().as_bytes()


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


FRAME_TEMPLATES = {
    "t.html": (
        "<p>{{ greeting }}</p>{% for item in items %}"
        "{% if item.kind == 'overdue' %}<b>late</b>{% endif %}"
        '<a href="{{ root }}{{ item.url }}">{{ item.text }}</a>{% endfor %}'
        "{% if title %}<h2>{{ title }}</h2>{% endif %}{{ note }}"
    ),
    "t.txt": (
        "{% autoescape off %}{{ greeting }}{% for item in items %}\n* {{ item.text }} "
        "{{ root }}{{ item.url }}{% endfor %}{% endautoescape %}{{ title|escape }}"
    ),
    "inspects.html": "{{ greeting|upper }}{% if title|length > 5 %} long{% endif %}{{ title }}",
    "upper.html": "<p>{{ text|upper }}</p>",
    "lines.html": "<p>{{ text|linebreaksbr }}</p>",
    "short.txt": "{% autoescape off %}{{ text|truncatechars:12 }}{% endautoescape %}",
    "capital.txt": "{% autoescape off %}{{ text|capfirst }}{% endautoescape %}",
    "link.html": "<p>{{ text|urlize }}</p>",
}


@pytest.fixture
def frame_templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", FRAME_TEMPLATES)]},
        }
    ]


def frame_contexts():
    names = ["Ann", "<b>Bob</b> & co", 'Zoé "Z"', "x", "", "Émile", "a'b"]
    for n, name in enumerate(names):
        yield {
            "greeting": f"Hi {name}",
            "title": name,
            "note": mark_safe(f"<i>{n}</i>"),  # noqa: S308 - a fixed test string
            "items": [
                {
                    "kind": ("opened", "overdue")[n % 2],
                    "text": f"{name}'s <step>",
                    "url": f"/a?b=1&c={n}",
                }
                for _ in range(n % 3)
            ],
        }


def test_frames_give_back_what_django_renders(frame_templates):
    frames = EmailFrames()
    fixed = {"root": "https://example.com"}
    for _ in range(3):
        for variable in frame_contexts():
            for name in FRAME_TEMPLATES:
                expected = render_to_string(name, {**variable, **fixed})
                assert frames.render(name, "site", fixed, variable) == expected, (name, variable)

    assert frames.framed > 0


def test_a_template_that_inspects_the_text_is_never_framed(frame_templates):
    frames = EmailFrames()
    for _ in range(3):
        for variable in frame_contexts():
            assert frames.render("inspects.html", "site", {}, variable) == render_to_string(
                "inspects.html", variable
            )

    assert frames.framed == 0


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        # The first two strings come out of each filter unchanged, so a frame
        # checked against them alone would pass; the third would then be wrong.
        ("upper.html", ["123 456", "ABC", "abc"]),
        ("lines.html", ["one line", "another", "two\nlines"]),
        ("short.txt", ["short", "brief", "a good deal longer than twelve"]),
        ("capital.txt", ["Already", "Capital", "lower"]),
        ("link.html", ["no link", "none here", "see www.example.com"]),
    ],
)
def test_a_filter_that_changes_some_strings_keeps_the_template_unframed(
    frame_templates, name, texts
):
    frames = EmailFrames()
    for text in texts:
        assert frames.render(name, "site", {}, {"text": text}) == render_to_string(
            name, {"text": text}
        )

    assert frames.framed == 0


def synchronous_commit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_marking_leaves_the_connection_as_it_found_it(journey, today):
    before = synchronous_commit()
    FailingOnSecondMessage.sent = []
    backend = f"{__name__}.FailingOnSecondMessage"
    with override_settings(EMAIL_BACKEND=backend), pytest.raises(ConnectionError):
        notifications.advance_journeys(today)
    assert synchronous_commit() == before

    notifications.advance_journeys(today)

    assert synchronous_commit() == before
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_rows_logged_under_a_claim_wait_for_that_delivery(journey, today):
    claim = notifications.new_claim()

    assert notifications.record_batch([journey.pk], today, claim) == 2
    assert set(Notification.objects.values_list("claimed_by", flat=True)) == {claim}
    assert notifications.deliver() == 0  # another delivery leaves them alone
    assert notifications.deliver([journey.pk], claim=claim) == 2

    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_rows_whose_delivery_never_came_are_sent_once_the_claim_expires(journey, today):
    notifications.record_batch([journey.pk], today, notifications.new_claim())
    assert notifications.deliver() == 0

    Notification.objects.update(claimed_at=timezone.now() - notifications.CLAIM_TIMEOUT)

    assert notifications.deliver() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["mentee@example.com", "mentor@example.com"]
