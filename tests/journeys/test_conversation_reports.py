"""Reporting a message: off unless the program allows it, and then the reported message,
and only that one, reaches the program's admins with its author."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from content.permissions import SENIOR_LEADERS
from journeys.exceptions import ReportRefused
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import (
    EmailStatus,
    MemberRole,
    MessageReport,
    OutboxEmail,
    ProgramLogEntry,
)
from journeys.services import conversation, outbox
from journeys.services.starting import start_journey

pytestmark = pytest.mark.django_db

PROGRAM_ADMINS = "Program admins"
REPORTED = "REPORTED-3c9 You will regret telling anyone about this"
UNREPORTED = "UNREPORTED-71d Our talk about my divorce stays between us"


def visible_text(response):
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


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
        timezone.localdate() - datetime.timedelta(days=5),
        template=template,
    )


@pytest.fixture
def reporting(program):
    program.allow_message_reports = True
    program.save_revision().publish()
    return program


@pytest.fixture
def words(journey, mentor, mentee):
    return {
        "reported": conversation.post_message(journey, mentor, REPORTED),
        "unreported": conversation.post_message(journey, mentee, UNREPORTED),
        "also": conversation.post_message(journey, mentor, "UNREPORTED-too see you Monday"),
    }


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="programs@example.com", first_name="Pat", groups=[PROGRAM_ADMINS])


def report_url(journey, message):
    return reverse("journeys:report_message", args=[journey.uuid, message.uuid])


def listing():
    return reverse("message_reports:index")


def test_without_the_programs_permission_there_is_no_report_link_and_no_report_page(
    client, journey, mentee, words
):
    client.force_login(mentee)
    page = client.get(reverse("journeys:conversation", args=[journey.uuid]))
    assert "Report" not in visible_text(page)
    assert client.get(report_url(journey, words["reported"])).status_code == 404
    assert client.post(report_url(journey, words["reported"]), {"reason": "x"}).status_code == 404
    with pytest.raises(ReportRefused):
        conversation.report_message(journey, mentee, words["reported"].uuid, "")
    assert not MessageReport.objects.exists()


def test_a_member_reports_a_message_and_is_told_the_admins_can_now_read_it(
    client, reporting, journey, mentor, mentee, words, program_admin
):
    client.force_login(mentee)
    page = client.get(reverse("journeys:conversation", args=[journey.uuid]))
    assert report_url(journey, words["reported"]) in page.content.decode()
    # Not one's own message.
    assert report_url(journey, words["unreported"]) not in page.content.decode()

    explained = client.get(report_url(journey, words["reported"]))
    assert explained.status_code == 200
    assert "Your program’s admins will be able to read this message" in visible_text(explained)

    response = client.post(
        report_url(journey, words["reported"]), {"reason": "It felt like a threat."}, follow=True
    )
    text = visible_text(response)
    assert "Your program's admins can now read this message" in text
    assert "You reported this message: your program’s admins can now read it" in text

    report = MessageReport.objects.get()
    assert (report.message, report.reporter.user, report.reason, report.text) == (
        words["reported"],
        mentee,
        "It felt like a threat.",
        REPORTED,
    )
    # The admins are told a report waits, without its words or names.
    (email,) = OutboxEmail.objects.filter(template=conversation.REPORT_EMAIL)
    assert email.recipient == program_admin
    assert REPORTED not in repr(email.context) + email.subject
    assert "Sam" not in repr(email.context) + email.subject
    # It is written to an admin as an admin: no participant's footer, no way to stop it.
    sent = outbox.render_email(email, outbox.Sites())
    for body in (sent.body, sent.alternatives[0][0]):
        assert f"You get this email as an admin of {journey.program.title}." in unescape(body)
        assert "Stop these emails" not in body
        assert "how often we write to you" not in body
    assert "List-Unsubscribe" not in sent.extra_headers

    # The author is not told, and sees no notice.
    client.force_login(mentor)
    assert "reported" not in visible_text(
        client.get(reverse("journeys:conversation", args=[journey.uuid]))
    )


def test_reporting_twice_keeps_the_first_report(reporting, journey, mentee, words):
    first = conversation.report_message(journey, mentee, words["reported"].uuid, "First")
    again = conversation.report_message(journey, mentee, words["reported"].uuid, "Again")
    assert first.pk == again.pk
    assert MessageReport.objects.get().reason == "First"


def test_ones_own_or_a_deleted_message_cannot_be_reported(
    client, reporting, journey, mentor, mentee, words
):
    with pytest.raises(ReportRefused, match="own message"):
        conversation.report_message(journey, mentee, words["unreported"].uuid, "")
    conversation.delete_message(journey, mentor, words["also"].uuid)
    with pytest.raises(ReportRefused, match="deleted"):
        conversation.report_message(journey, mentee, words["also"].uuid, "")
    client.force_login(mentee)
    response = client.post(report_url(journey, words["unreported"]), {"reason": "x"})
    assert response.status_code == 302
    assert not MessageReport.objects.exists()


def test_a_reason_over_the_limit_is_refused_next_to_the_field(
    client, reporting, journey, mentee, words
):
    client.force_login(mentee)
    response = client.post(report_url(journey, words["reported"]), {"reason": "r" * 1001})
    assert response.status_code == 400
    assert "at most 1000 characters" in visible_text(response)
    assert not MessageReport.objects.exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [("morgan", True), ("PATEL", True), ("sam reid", True), ("sam smith", False)],
)
def test_the_admins_listing_finds_a_report_by_its_authors_or_reporters_name(
    client, reporting, journey, mentee, words, program_admin, query, found
):
    conversation.report_message(journey, mentee, words["reported"].uuid, "Threatening")
    client.force_login(program_admin)

    response = client.get(listing(), {"q": query})

    assert response.status_code == 200
    assert ("REPORTED-3c9" in visible_text(response)) is found


def test_the_admins_listing_is_empty_until_a_message_is_reported(
    client, reporting, journey, mentee, words, program_admin
):
    client.force_login(program_admin)
    before = client.get(listing())
    assert before.status_code == 200
    for marker in ("REPORTED-", "UNREPORTED-"):
        assert marker not in before.content.decode()

    conversation.report_message(journey, mentee, words["reported"].uuid, "Threatening")
    after = client.get(listing())
    text = visible_text(after)
    assert "REPORTED-3c9" in text
    assert "Morgan Reid" in text and "Sam Patel" in text
    assert "UNREPORTED-" not in after.content.decode()

    report = MessageReport.objects.get()
    inspect = client.get(reverse("message_reports:inspect", args=[report.pk]))
    shown = visible_text(inspect)
    assert REPORTED in shown
    assert "Threatening" in shown
    assert "UNREPORTED-" not in inspect.content.decode()


def test_the_admins_keep_the_words_as_reported_when_the_author_changes_them(
    client, reporting, journey, mentor, mentee, words, program_admin
):
    conversation.report_message(journey, mentee, words["reported"].uuid, "")
    conversation.delete_message(journey, mentor, words["reported"].uuid)
    client.force_login(program_admin)
    inspect = client.get(reverse("message_reports:inspect", args=[MessageReport.objects.get().pk]))
    text = visible_text(inspect)
    assert REPORTED in text
    assert "changed or deleted it since it was reported" in text


def test_an_admin_marks_a_report_reviewed_and_the_audit_log_says_who(
    client, reporting, journey, mentee, words, program_admin
):
    report = conversation.report_message(journey, mentee, words["reported"].uuid, "")
    client.force_login(program_admin)
    review = reverse("message_reports:review", args=[report.pk])
    assert (
        review in client.get(reverse("message_reports:inspect", args=[report.pk])).content.decode()
    )

    response = client.post(review)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.reviewed_by == program_admin
    assert report.reviewed_at is not None
    entry = ProgramLogEntry.objects.get(action="trellis.review_message_report")
    assert entry.program_id == journey.program_id
    assert entry.user_id == program_admin.pk
    assert REPORTED not in str(entry.data) + entry.label
    assert "Reviewed on" in visible_text(client.get(listing()))
    assert "REPORTED-3c9" not in visible_text(client.get(listing() + "?reviewed=false"))
    assert "REPORTED-3c9" in visible_text(client.get(listing() + "?reviewed=true"))


@pytest.fixture(params=["sponsor", "senior leader", "editor", "participant"])
def not_an_admin(request, user_factory):
    groups = {
        "sponsor": ["Sponsors"],
        "senior leader": [SENIOR_LEADERS],
        "editor": ["Editors"],
        "participant": [],
    }[request.param]
    return user_factory(groups=groups)


def test_nobody_but_the_programs_admins_reaches_reported_messages(
    client, reporting, journey, mentee, words, not_an_admin
):
    report = conversation.report_message(journey, mentee, words["reported"].uuid, "")
    client.force_login(not_an_admin)
    for target in (
        listing(),
        reverse("message_reports:inspect", args=[report.pk]),
    ):
        response = client.get(target)
        assert response.status_code in (302, 403, 404), (target, response.status_code)
        assert REPORTED not in response.content.decode()
    client.post(reverse("message_reports:review", args=[report.pk]))
    report.refresh_from_db()
    assert report.reviewed_at is None


def test_reports_cannot_be_added_edited_or_deleted_in_the_admin(
    client, reporting, journey, mentee, words, program_admin
):
    report = conversation.report_message(journey, mentee, words["reported"].uuid, "")
    client.force_login(program_admin)
    for name in ("add",):
        response = client.get(reverse(f"message_reports:{name}"))
        assert response.status_code in (302, 403)
    for name in ("edit", "delete"):
        response = client.get(reverse(f"message_reports:{name}", args=[report.pk]))
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            messages = [str(m) for m in get_messages(response.wsgi_request)]
            assert any("permission" in m for m in messages), messages
    assert MessageReport.objects.filter(pk=report.pk).exists()
    assert OutboxEmail.objects.filter(status=EmailStatus.PENDING).exists()
