"""Erasing a person: their words and their name go, journeys and figures keep their counts."""

import io
import json

import icalendar
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import ModelLogEntry

from cms.exceptions import ErasureRefused
from cms.services import erasure
from cms.services.erasure import erase_person
from insights import snapshots
from insights.digest import digest_context
from insights.health import AT_RISK
from insights.models import ProgramSnapshot
from journeys.models import (
    EmailStatus,
    ErasedSharedText,
    Goal,
    Meeting,
    OutboxEmail,
    ParticipantPreferences,
    Profile,
    Reflection,
)
from journeys.services import outbox, profiles
from journeys.services.outbox import deliver_due
from matching.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db

NAME = "Ezra Quill"
PRIVATE = "PRIVATE-7c1 I am thinking of leaving the company"
SHARED = "SHARED-4d2 what I learned from our first talk"
NOTES = "NOTES-9e3 Ezra said the move to Leeds is hard"
ACTIONS = "ACTIONS-1f5 Ezra to call the recruiter"
GOAL = "GOAL-6a8 run the team meeting alone"
ANSWER = "ANSWER-2b7 I care for my father at home"
REMOVED = "Removed at the request of its author."


@pytest.fixture
def words(journey, mentee, program):
    """What the mentee wrote: private and shared reflections, a meeting, a goal, an enrolment."""
    member = journey.memberships.get(user=mentee)
    Reflection.objects.create(
        journey=journey, milestone_id="m-start", step_id="s-private", author=member, text=PRIVATE
    )
    Reflection.objects.create(
        journey=journey,
        milestone_id="m-start",
        step_id="s-shared",
        author=member,
        text=SHARED,
        shared=True,
    )
    Meeting.objects.create(
        journey=journey,
        milestone_id="m-start",
        step_id="s-meet",
        held_on=timezone.localdate(),
        notes=NOTES,
        agreed_actions=ACTIONS,
        logged_by=member,
    )
    Goal.objects.create(journey=journey, owner=member, text=GOAL)
    Enrollment.objects.create(
        program=program,
        user=mentee,
        status=EnrollmentStatus.MATCHED,
        answers={"q": ANSWER},
        goals=ANSWER,
        department="Finance",
    )
    return member


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def journey_url(journey, name="journey", *args):
    return reverse(f"journeys:{name}", args=[journey.uuid, *args])


def test_private_reflections_are_deleted_and_shared_words_replaced_by_default(words, mentee):
    erase_person(mentee)

    assert list(Reflection.objects.values_list("step_id", "text")) == [("s-shared", REMOVED)]
    meeting = Meeting.objects.get()
    assert (meeting.notes, meeting.agreed_actions) == (REMOVED, "")
    assert Goal.objects.get().text == REMOVED


def test_shared_words_are_deleted_when_the_program_says_so(words, mentee, program):
    program.erased_shared_text = ErasedSharedText.DELETE
    program.save_revision().publish()

    erase_person(mentee)

    assert not Reflection.objects.exists()
    meeting = Meeting.objects.get()
    assert (meeting.notes, meeting.agreed_actions) == ("", "")
    assert meeting.duration_minutes == 60  # the meeting itself is still counted


def test_enrolment_answers_are_deleted_and_the_row_kept(words, mentee):
    erase_person(mentee)

    enrolment = Enrollment.objects.get()
    assert (enrolment.answers, enrolment.goals, enrolment.department) == ({}, "", "")
    assert enrolment.status == EnrollmentStatus.MATCHED


def test_the_account_is_anonymised_and_can_no_longer_sign_in(words, mentee, client):
    erase_person(mentee)

    mentee.refresh_from_db()
    assert str(mentee) == "Former participant"
    assert mentee.email == f"erased-{mentee.pk}@erased.invalid"
    assert not mentee.is_active and not mentee.has_usable_password()
    assert not client.login(username="ezra.quill@example.com", password="correct horse battery")


def test_single_sign_on_links_and_addresses_go_with_the_name(words, mentee):
    SocialAccount.objects.create(
        user=mentee,
        provider="acme-sso",
        uid="42",
        extra_data={"userinfo": {"email": mentee.email, "name": "Ezra Quill"}},
    )
    EmailAddress.objects.create(user=mentee, email=mentee.email, verified=True, primary=True)

    erase_person(mentee)

    assert not SocialAccount.objects.filter(user=mentee).exists()
    assert not EmailAddress.objects.filter(user=mentee).exists()


def test_a_signed_in_person_is_signed_out_by_their_erasure(journey, mentee, client):
    client.force_login(mentee)
    assert client.get(reverse("journeys:my_mentoring")).status_code == 200

    erase_person(mentee)

    response = client.get(reverse("journeys:my_mentoring"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_partners_pages_show_neither_the_name_nor_the_shared_words(
    words, journey, mentor, client
):
    client.force_login(mentor)
    shared = Reflection.objects.get(shared=True)
    meeting = Meeting.objects.get()
    pages = [
        journey_url(journey),
        journey_url(journey, "milestone", "m-start"),
        journey_url(journey, "reflection", shared.uuid),
        journey_url(journey, "meeting", meeting.uuid),
        reverse("journeys:my_mentoring"),
    ]
    before = "".join(page_text(client.get(url)) for url in pages)
    assert NAME in before and SHARED in before and NOTES in before

    erase_person(words.user)

    after = "".join(page_text(client.get(url)) for url in pages)
    for gone in (NAME, "Ezra", "ezra.quill", SHARED, NOTES, ACTIONS, GOAL):
        assert gone not in after
    assert "Former participant" in after
    assert REMOVED in after


def test_the_name_is_gone_from_the_admin_journey_list_and_its_export(
    words, mentee, client, superuser
):
    client.force_login(superuser)
    listing = reverse("journeys_admin:index")
    assert NAME in page_text(client.get(listing))

    erase_person(mentee)

    assert NAME not in page_text(client.get(listing))
    export = client.get(listing, {"export": "csv"})
    rows = b"".join(export.streaming_content).decode()
    assert NAME not in rows and "Former participant" in rows


def test_the_name_is_gone_from_the_partners_calendar_feed(words, mentee, mentor, client):
    token = ParticipantPreferences.objects.get_or_create(user=mentor)[0].calendar_token
    feed = reverse("journeys:calendar_feed", args=[token])
    assert NAME in icalendar.Calendar.from_ical(client.get(feed).content).to_ical().decode()

    erase_person(mentee)

    text = icalendar.Calendar.from_ical(client.get(feed).content).to_ical().decode()
    assert NAME not in text and NOTES not in text


def test_their_own_calendar_feed_stops_answering(words, mentee, client):
    token = ParticipantPreferences.objects.get_or_create(user=mentee)[0].calendar_token
    feed = reverse("journeys:calendar_feed", args=[token])
    assert client.get(feed).status_code == 200

    erase_person(mentee)

    assert client.get(feed).status_code == 404


def test_insights_keep_no_names_so_the_erased_name_is_gone_at_once(
    words, mentee, program, client, superuser, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)
    kept = ProgramSnapshot.objects.get(pk=program.pk)
    assert NAME not in json.dumps([kept.summary, kept.journeys])
    before = snapshots.read(program).insights
    rows = snapshots.named(snapshots.journeys(program))
    assert any(NAME in name for row in rows for name, _role in row.members)
    at_risk = [row for row in rows if row.band == AT_RISK]
    assert at_risk, "the journey should be at risk, so the digest names its members"
    assert NAME in str(digest_context(program, before, at_risk, for_admin=True))

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(mentee)

    # Names are read afresh: the figures worked out before already show none.
    rows = snapshots.named(snapshots.journeys(program))
    assert not any(NAME in name for row in rows for name, _role in row.members)
    assert ProgramSnapshot.objects.get(pk=program.pk).changed_at is not None
    snapshots.work_out(program.pk)
    after = snapshots.read(program).insights
    assert after.health_counts == before.health_counts
    assert after.enrolment == before.enrolment
    assert after.week == before.week
    rows = snapshots.named(snapshots.journeys(program))
    digest = str(digest_context(program, after, [r for r in rows if r.band == AT_RISK], True))
    assert NAME not in digest and "Former participant" in digest
    client.force_login(superuser)
    export = client.get(reverse("insights:export", args=[program.pk, "journeys"]))
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content
    assert NAME not in str(text)


def test_pending_emails_to_them_are_cancelled_and_none_is_sent(words, mentee, program):
    outbox.queue_emails(
        [outbox.new_email(mentee.pk, "journeys/emails/journey_update", "Due soon", {})]
    )

    result = erase_person(mentee)

    assert result.emails_cancelled == 1
    assert not OutboxEmail.objects.filter(recipient=mentee, status=EmailStatus.PENDING).exists()
    deliver_due()
    assert all(m.to != [f"erased-{mentee.pk}@erased.invalid"] for m in mail.outbox)


def test_the_outbox_refuses_an_inactive_recipient(mentee):
    """What erasure relies on besides cancelling: rows written later never go."""
    mentee.is_active = False
    mentee.save()
    outbox.queue_emails([outbox.new_email(mentee.pk, "journeys/emails/journey_update", "S", {})])

    result = deliver_due()

    assert (result.sent, result.cancelled) == (0, 1)
    assert mail.outbox == []


def test_the_partner_is_told_without_the_name(words, mentee, mentor):
    erase_person(mentee)

    (email,) = OutboxEmail.objects.filter(recipient=mentor, status=EmailStatus.PENDING)
    assert email.subject == "Growing leaders: your mentee is no longer taking part"
    deliver_due()
    (message,) = mail.outbox
    assert "Ezra" not in message.body and "Ezra" not in message.alternatives[0][0]
    assert "your program admin will be in touch" in message.body


def test_old_emails_naming_them_show_the_placeholder(words, mentee, mentor):
    OutboxEmail.objects.create(
        recipient=mentor,
        template="matching/emails/introduction",
        subject=f"Meet {NAME}",
        context={"partner_name": NAME, "reasons": [f"{NAME} knows finance"]},
        status=EmailStatus.SENT,
        send_after=timezone.now(),
    )

    erase_person(mentee)

    email = OutboxEmail.objects.get(template="matching/emails/introduction")
    assert email.subject == "Meet Former participant"
    assert NAME not in str(email.context)


def test_audit_log_entries_of_their_journey_show_the_placeholder(words, journey, mentee):
    from wagtail.log_actions import log

    from journeys.models import ProgramLogEntry

    journey.refresh_from_db()
    entry = log(instance=journey, action="wagtail.edit")
    assert isinstance(entry, ProgramLogEntry)
    assert NAME in entry.label

    erase_person(mentee)

    entry.refresh_from_db()
    assert NAME not in entry.label
    assert "Former participant" in entry.label


def test_the_profile_its_photo_and_the_note_introductions_carried_go(
    words, journey, mentee, mentor, client
):
    about = "ABOUT-3c9 I look after my father in the evenings"
    profiles.save_profile(
        mentee,
        {"about": about, "job_title": "Night planner"},
        photo=SimpleUploadedFile("me.png", png_bytes()),
    )
    photo = Profile.objects.get(user=mentee).photo
    introduction = OutboxEmail.objects.create(
        recipient=mentor,
        template="matching/emails/introduction",
        subject=f"Meet {NAME}",
        context={
            "partner_name": NAME,
            "partner_user_id": mentee.pk,
            "partner_note": ANSWER,
            "partner_answers": [["How do you like to meet?", ANSWER]],
            "reasons": [],
        },
        status=EmailStatus.SENT,
        send_after=timezone.now(),
    )
    other = OutboxEmail.objects.create(
        recipient=mentee,
        template="matching/emails/introduction",
        subject="Meet your mentor",
        context={"partner_user_id": mentor.pk, "partner_note": "Pass it on."},
        status=EmailStatus.SENT,
        send_after=timezone.now(),
    )

    erase_person(mentee)

    assert not Profile.objects.filter(user=mentee).exists()
    assert not get_image_model().objects.filter(pk=photo.pk).exists()
    introduction.refresh_from_db()
    assert ANSWER not in str(introduction.context)
    assert (introduction.context["partner_note"], introduction.context["partner_answers"]) == (
        "",
        [],
    )
    other.refresh_from_db()
    assert other.context["partner_note"] == "Pass it on."
    client.force_login(mentor)
    member = journey.memberships.get(user=mentee)
    html = page_text(client.get(journey_url(journey, "member", member.pk)))
    assert "ABOUT-3c9" not in html and "Night planner" not in html


def test_the_audit_log_says_who_erased_whom_and_nothing_erased(words, mentee, superuser):
    erase_person(mentee, by=superuser)

    (entry,) = ModelLogEntry.objects.filter(action="trellis.erase_person")
    assert entry.user_id == superuser.pk
    assert entry.object_id == str(mentee.pk)
    assert entry.timestamp is not None
    recorded = f"{entry.label} {entry.data}"
    for word in (NAME, "Ezra", "Quill", "ezra.quill", PRIVATE, SHARED, NOTES, ANSWER):
        assert word not in recorded
    assert entry.data == {"user_id": mentee.pk}
    assert entry.message == "Erased the person's data"


def test_an_erasure_that_fails_changes_nothing(words, mentee, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(erasure, "log", broken)

    with pytest.raises(RuntimeError):
        erase_person(mentee)

    mentee.refresh_from_db()
    assert str(mentee) == NAME and mentee.is_active
    assert Reflection.objects.filter(text=PRIVATE).exists()
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize("who", ["themselves", "superuser", "erased"])
def test_some_erasures_are_refused_and_change_nothing(who, superuser, mentee, user_factory):
    target = {"themselves": superuser, "superuser": user_factory(is_superuser=True)}.get(
        who, mentee
    )
    if who == "erased":
        erase_person(mentee)

    with pytest.raises(ErasureRefused):
        erase_person(target, by=superuser)


def test_the_command_erases_and_records_the_admin(words, mentee, superuser):
    out = io.StringIO()
    call_command(
        "erase_person", "Ezra.Quill@example.com", by=superuser.email, interactive=False, stdout=out
    )

    mentee.refresh_from_db()
    assert mentee.is_erased
    assert ModelLogEntry.objects.get(action="trellis.erase_person").user_id == superuser.pk
    assert NAME not in out.getvalue()


def test_the_command_refuses_an_admin_who_may_not_erase(words, mentee, user_factory):
    staff = user_factory(email="staff@example.com", is_staff=True)

    with pytest.raises(CommandError, match="Only superusers"):
        call_command("erase_person", mentee.email, by=staff.email, interactive=False)

    mentee.refresh_from_db()
    assert not mentee.is_erased


def test_the_command_refuses_an_unknown_address(db):
    with pytest.raises(CommandError, match="Nobody has the address"):
        call_command("erase_person", "nobody@example.com", interactive=False)


# The admin ---------------------------------------------------------------------------------


def erase_url(person):
    return reverse("cms_erase_person", args=[person.pk])


def test_superusers_see_an_erase_button_on_the_users_listing(words, mentee, client, superuser):
    client.force_login(superuser)

    html = page_text(client.get(reverse("wagtailusers_users:index")))

    assert erase_url(mentee) in html
    assert erase_url(superuser) not in html  # nobody erases themselves


def test_the_confirmation_page_says_plainly_what_will_happen(words, mentee, client, superuser):
    client.force_login(superuser)

    html = page_text(client.get(erase_url(mentee)))

    assert "cannot be undone" in html
    assert "private reflection is deleted" in html
    assert "Removed at the request of its author." in html
    assert "Former participant" in html
    assert PRIVATE not in html and SHARED not in html
    mentee.refresh_from_db()
    assert not mentee.is_erased  # looking changes nothing


def test_confirming_erases_and_returns_to_the_users_listing(words, mentee, client, superuser):
    client.force_login(superuser)

    response = client.post(erase_url(mentee))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailusers_users:index")
    mentee.refresh_from_db()
    assert mentee.is_erased
    assert not Reflection.objects.filter(text=PRIVATE).exists()


def test_other_admins_get_neither_the_button_nor_the_page(words, mentee, client, user_factory):
    editor = user_factory(email="editor@example.com", is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_user"),
    )
    client.force_login(editor)

    html = page_text(client.get(reverse("wagtailusers_users:index")))
    assert erase_url(mentee) not in html
    for response in (client.get(erase_url(mentee)), client.post(erase_url(mentee))):
        # Wagtail's admin turns a refusal into a redirect home, with a message.
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))

    mentee.refresh_from_db()
    assert not mentee.is_erased


def test_the_erase_permission_is_enough_without_being_a_superuser(
    words, mentee, client, user_factory
):
    eraser = user_factory(email="dpo@example.com", is_staff=True)
    eraser.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="erase_user"),
    )
    client.force_login(eraser)

    assert client.post(erase_url(mentee)).status_code == 302

    mentee.refresh_from_db()
    assert mentee.is_erased


def test_a_refused_erasure_says_why_on_the_page(mentee, client, superuser):
    erase_person(mentee)
    client.force_login(superuser)

    html = page_text(client.post(erase_url(mentee)))

    assert "already been erased" in html


def test_the_program_setting_is_in_its_admin_panels(program, client, superuser):
    client.force_login(superuser)

    html = page_text(client.get(reverse("wagtailadmin_pages:edit", args=[program.pk])))

    assert 'name="erased_shared_text"' in html
    assert "Removed at the request of its author." in html


# Messages in conversations ---------------------------------------------------------------

MESSAGE = "MESSAGE-3e8 Ezra says the new manager shouts"


@pytest.fixture
def talked(journey, mentee, mentor, program):
    from journeys.services import conversation

    program.allow_message_reports = True
    program.save_revision().publish()
    theirs = conversation.post_message(journey, mentee, MESSAGE)
    reply = conversation.post_message(journey, mentor, "Mira answers kindly")
    conversation.report_message(journey, mentor, theirs.uuid, "Worried for Ezra")
    conversation.report_message(journey, mentee, reply.uuid, "Ezra-REASON-9d1 felt judged")
    return theirs


def test_their_messages_are_replaced_by_default_and_the_reported_copy_too(talked, mentee):
    from journeys.models import Message, MessageReport

    assert erasure.erasure_summary(mentee).messages == 1
    erase_person(mentee)

    talked.refresh_from_db()
    assert talked.text == REMOVED
    reports = {r.message.author.user_id: r for r in MessageReport.objects.all()}
    assert reports[mentee.pk].text == REMOVED
    # What they wrote when reporting goes; the report stays for the admins.
    assert [r.reason for r in MessageReport.objects.filter(reporter__user=mentee)] == [""]
    assert Message.objects.get(text="Mira answers kindly")
    everything = repr(list(Message.objects.values())) + repr(list(MessageReport.objects.values()))
    assert "MESSAGE-3e8" not in everything and "REASON-9d1" not in everything


def test_their_messages_and_the_reports_of_them_are_deleted_when_the_program_says_so(
    talked, mentee, program
):
    from journeys.models import Message, MessageReport

    program.erased_shared_text = ErasedSharedText.DELETE
    program.save_revision().publish()
    erase_person(mentee)

    assert list(Message.objects.values_list("text", flat=True)) == ["Mira answers kindly"]
    assert list(MessageReport.objects.values_list("reason", flat=True)) == [""]


def test_the_partner_reads_the_conversation_without_the_erased_words_or_name(
    talked, mentee, mentor, client
):
    erase_person(mentee)
    client.force_login(mentor)
    html = page_text(client.get(journey_url(talked.journey, "conversation")))
    assert "MESSAGE-3e8" not in html and "Ezra" not in html
    assert "Former participant" in html
    assert REMOVED in html


def test_the_confirmation_page_counts_their_messages(talked, mentee, client, superuser):
    client.force_login(superuser)
    html = page_text(client.get(erase_url(mentee)))
    assert "Their 1 message in conversations is deleted or replaced" in html


def test_the_note_with_their_mentor_request_goes_from_the_email_that_asked_too(
    program, mentee, mentor
):
    from matching.models import MentorRequest
    from matching.services.selfmatch import queue_request_email

    note = "NOTE-5b1 Ezra hopes to talk about caring for his father"
    asking = Enrollment.objects.create(program=program, user=mentee, role="mentee")
    asked = Enrollment.objects.create(program=program, user=mentor, role="mentor")
    request = MentorRequest.objects.create(
        program=program, mentee=asking, mentor=asked, message=note
    )
    queue_request_email(request, "asked")
    deliver_due()
    assert note in json.dumps(OutboxEmail.objects.get(recipient=mentor).context)

    erase_person(mentee)

    request.refresh_from_db()
    assert request.message == ""
    stored = [json.dumps(e.context) for e in OutboxEmail.objects.all()]
    assert not any("NOTE-5b1" in text for text in stored)


# Planned meetings ------------------------------------------------------------------------------

AGENDA = "AGENDA-3c9 Ezra wants to talk about the move to Leeds"


def plan_meetings(journey, mentee, mentor):
    """A meeting Ezra proposed and Mira agreed (ahead), and one held last week."""
    from datetime import timedelta

    from journeys.services import meetings

    now = timezone.now()
    ahead = meetings.propose(
        journey,
        mentee,
        options=[now + timedelta(days=3)],
        duration_minutes=30,
        place="Ezra's kitchen table",
        video_link="https://meet.example.com/ezra-quill",
        agenda=AGENDA,
        now=now,
    )
    meetings.accept(ahead, mentor, now + timedelta(days=3), now)
    past = meetings.propose(
        journey,
        mentee,
        options=[now + timedelta(hours=1)],
        duration_minutes=30,
        place="Room 4",
        video_link="",
        agenda=AGENDA,
        now=now,
    )
    meetings.accept(past, mentor, now + timedelta(hours=1), now)
    meetings.mark_held(past, mentor, now + timedelta(hours=2))
    return ahead, past


def test_planned_meetings_lose_their_agenda_and_place_and_those_ahead_are_cancelled(
    journey, mentee, mentor
):
    ahead, past = plan_meetings(journey, mentee, mentor)
    before = erasure.erasure_summary(mentee)
    assert before.planned_meetings == 2
    deliver_due()
    mail.outbox.clear()

    erase_person(mentee)

    ahead.refresh_from_db()
    past.refresh_from_db()
    assert (ahead.status, ahead.sequence) == ("cancelled", 1)
    assert past.status == "held"
    for plan in (ahead, past):
        assert (plan.agenda, plan.place, plan.video_link) == (REMOVED, "", "")
    deliver_due()
    to_mira = [m for m in mail.outbox if m.to == ["mira@example.com"]]
    [cancel] = [m for m in to_mira if "invite.ics" in [a.filename for a in m.attachments]]
    calendar_text = next(
        content
        for content, mimetype in cancel.alternatives
        if mimetype.startswith("text/calendar")
    )
    event = icalendar.Calendar.from_ical(calendar_text).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert NAME not in cancel.body
    unfolded = icalendar.Calendar.from_ical(calendar_text).to_ical().decode().replace("\r\n ", "")
    assert NAME not in unfolded and "ezra.quill@example.com" not in unfolded


def test_invitations_already_written_lose_the_name_and_address(journey, mentee, mentor):
    plan_meetings(journey, mentee, mentor)
    written = OutboxEmail.objects.exclude(calendar="")
    assert any(NAME in e.calendar.replace("\r\n ", "") for e in written)

    erase_person(mentee)

    for email in OutboxEmail.objects.exclude(calendar=""):
        text = email.calendar.replace("\r\n ", "")
        assert NAME not in text
        assert "ezra.quill@example.com" not in text
        calendar = icalendar.Calendar.from_ical(email.calendar)  # still a calendar
        assert calendar.walk("VEVENT")
    texts = " ".join(e.calendar for e in OutboxEmail.objects.exclude(calendar=""))
    assert f"erased-{mentee.pk}@erased.invalid" in texts.replace("\r\n ", "")
    assert "Former participant" in texts.replace("\r\n ", "")


def test_the_agenda_is_deleted_when_the_program_says_so(journey, mentee, mentor, program):
    program.erased_shared_text = ErasedSharedText.DELETE
    program.save_revision().publish()
    ahead, _past = plan_meetings(journey, mentee, mentor)

    erase_person(mentee)

    ahead.refresh_from_db()
    assert ahead.agenda == ""


def test_emails_about_their_meetings_keep_none_of_their_agenda_place_or_link(
    journey, mentee, mentor
):
    plan_meetings(journey, mentee, mentor)
    written = OutboxEmail.objects.filter(journey=journey)
    assert any(AGENDA in json.dumps(e.context) for e in written)

    erase_person(mentee)

    for email in OutboxEmail.objects.all():
        stored = json.dumps(email.context) + email.calendar.replace("\r\n ", "")
        for words in (AGENDA, "kitchen table", "meet.example.com/ezra-quill", "Room 4"):
            assert words not in stored, (email.template, words)
    deliver_due()
    to_mira = [m for m in mail.outbox if m.to == ["mira@example.com"]]
    assert to_mira
    for message in to_mira:
        sent = message.body + "".join(str(content) for content, _type in message.alternatives)
        assert AGENDA not in sent and "kitchen table" not in sent
