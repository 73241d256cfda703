"""A person downloads everything Trellis holds about them, and nothing of anyone else's words."""

import datetime
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.factories import TopicFactory
from insights.models import ContentView
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import (
    Delivery,
    EmailStatus,
    MemberRole,
    Message,
    MessageReport,
    Notification,
    NotificationKind,
    OutboxEmail,
    ParticipantPreferences,
)
from journeys.services import meetings, profiles, progress
from journeys.services.export import export_bytes, file_name
from journeys.services.starting import start_journey
from journeys.services.templates import clear_cache as clear_template_cache
from matching.models import Enrollment, MentorRequest, ProgramQuestion
from tests import hostile

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
KINDS = {
    "profile",
    "settings",
    "journeys",
    "step_completions",
    "reflections",
    "reflections_shared_with_you",
    "meetings",
    "planned_meetings",
    "goals",
    "pulse_ratings",
    "notifications",
    "emails",
    "materials_opened",
    "messages",
    "messages_to_you",
    "message_reports",
    "enrolments",
    "mentor_requests",
}
# What the mentor writes or is sent: none of it may reach the mentee's download.
MENTOR_WORDS = (
    "MENTOR-PRIVATE-REFLECTION",
    "MENTOR-SHARED-REFLECTION",
    "MENTOR-MEETING-NOTES",
    "MENTOR-AGREED-ACTIONS",
    "MENTOR-GOAL",
    "MENTOR-ENROLMENT-HOPES",
    "MENTOR-EMAIL-SUBJECT",
    "MENTOR-MESSAGE",
    "MENTOR-REPORT-REASON",
    "MENTOR-AGENDA",
    "MENTOR-PLACE",
)


def template(program):
    return JourneyPageFactory(
        parent=program,
        milestones=[
            milestone(
                "First weeks",
                "first",
                [
                    step("reflect", {"prompt": "What worries you?", "guidance": ""}, "private"),
                    step("reflect", {"prompt": "What excites you?", "guidance": ""}, "open"),
                    step("checklist", block_id="tick"),
                    step("pulse", block_id="rate"),
                    step("meet", block_id="meet"),
                ],
                block_id="first",
            )
        ],
    )


def walk(journey, mentee, mentor, today, mark=""):
    """Everything a pair records on a journey; the mentee's words carry ``mark``."""
    progress.save_reflection(
        journey, mentee, "first", "private", f"{mark}my secret worry", False, None, today
    )
    progress.save_reflection(
        journey, mentee, "first", "open", hostile.HOSTILE_MARKDOWN, True, None, today
    )
    progress.complete_step(journey, mentee, "first", "tick", today)
    progress.record_pulse(journey, mentee, "first", "rate", 4, today)
    progress.set_goal(journey, mentee, f"{mark}Speak up {hostile.HOSTILE_LINE}", None, today)
    progress.log_meeting(
        journey, mentee, today, 45, f"{mark}MENTEE-NOTES", "MENTEE-ACTIONS", today, "first", "meet"
    )
    progress.save_reflection(
        journey, mentor, "first", "private", "MENTOR-PRIVATE-REFLECTION", False, None, today
    )
    progress.save_reflection(
        journey, mentor, "first", "open", "MENTOR-SHARED-REFLECTION", True, None, today
    )
    progress.set_goal(journey, mentor, "MENTOR-GOAL", None, today)
    progress.log_meeting(
        journey, mentor, today, 30, "MENTOR-MEETING-NOTES", "MENTOR-AGREED-ACTIONS", today
    )
    soon = timezone.now() + datetime.timedelta(days=3)
    meetings.propose(
        journey,
        mentee,
        options=[soon],
        duration_minutes=30,
        place=f"{mark}MENTEE-PLACE",
        video_link="",
        agenda=f"{mark}MENTEE-AGENDA",
        now=timezone.now(),
    )
    meetings.propose(
        journey,
        mentor,
        options=[soon, soon + datetime.timedelta(days=1)],
        duration_minutes=60,
        place="MENTOR-PLACE",
        video_link="https://meet.example.com/MENTOR",
        agenda="MENTOR-AGENDA",
        now=timezone.now(),
    )
    member = journey.memberships.get(user=mentee)
    partner = journey.memberships.get(user=mentor)
    # Written as rows: the conversation's emails would change the other sections.
    mine = Message.objects.create(journey=journey, author=member, text=f"{mark}MENTEE-MESSAGE")
    theirs = Message.objects.create(journey=journey, author=partner, text="MENTOR-MESSAGE")
    Message.objects.create(journey=journey, author=member, text="", deleted_at=timezone.now())
    MessageReport.objects.create(
        message=theirs, reporter=member, reason=f"{mark}MENTEE-REPORT-REASON", text=theirs.text
    )
    MessageReport.objects.create(
        message=mine, reporter=partner, reason="MENTOR-REPORT-REASON", text=mine.text
    )
    Notification.objects.create(
        journey=journey,
        member=member,
        kind=NotificationKind.MILESTONE_OPENED,
        milestone_id="first",
        delivery=Delivery.EMAIL,
    )
    ContentView.objects.create(
        journey=journey, user=mentee, page=journey.template, first_opened_at=timezone.now()
    )


@pytest.fixture
def scene(program, pair):
    mentor, mentee = pair
    mentee.first_name, mentee.last_name = "Mina", "Mentee"
    mentee.save()
    today = TODAY()
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        today - datetime.timedelta(days=1),
        template=template(program),
    )
    walk(journey, mentee, mentor, today)
    for user, subject in ((mentee, "Your milestone opened"), (mentor, "MENTOR-EMAIL-SUBJECT")):
        OutboxEmail.objects.create(
            recipient=user,
            template="journeys/emails/journey_update",
            subject=subject,
            status=EmailStatus.SENT,
            send_after=timezone.now(),
            sent_at=timezone.now(),
            context={"secret": "EMAIL-CONTEXT"},
        )
    preferences = ParticipantPreferences.objects.create(user=mentee, emails="weekly")
    question = ProgramQuestion.objects.create(program=program, label="What do you bring?")
    mentee_enrolment = Enrollment.objects.create(
        program=program,
        user=mentee,
        role="mentee",
        goals="MENTEE-ENROLMENT-HOPES",
        answers={str(question.key): "MENTEE-ANSWER"},
    )
    mentor_enrolment = Enrollment.objects.create(
        program=program, user=mentor, role="mentor", goals="MENTOR-ENROLMENT-HOPES"
    )
    MentorRequest.objects.create(
        program=program,
        mentee=mentee_enrolment,
        mentor=mentor_enrolment,
        message="MENTEE-REQUEST-MESSAGE",
    )
    return {"journey": journey, "token": preferences.calendar_token}


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def sections(files) -> dict:
    return {
        name.removesuffix(".json"): json.loads(text)
        for name, text in files.items()
        if name.endswith(".json")
    }


def everything(files) -> str:
    return "\n".join(files.values())


# The page and the download -----------------------------------------------------------------


def test_the_page_and_the_download_require_signing_in(client, scene):
    url = reverse("journeys:my_data")
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_my_mentoring_links_to_the_page_which_explains_and_offers_a_post_button(
    client, scene, pair
):
    client.force_login(pair[1])
    assert reverse("journeys:my_data") in client.get(reverse("journeys:my_mentoring")).text

    page = client.get(reverse("journeys:my_data"))

    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert "csrfmiddlewaretoken" in page.text
    assert "Download my data" in page.text


def test_the_page_names_every_kind_the_download_holds(client, scene, pair):
    client.force_login(pair[1])
    page = client.get(reverse("journeys:my_data")).text

    for kind in (
        "messages you wrote in your conversations",
        "the messages you reported",
        "the meetings planned in your journeys",
        "a message a partner wrote",
    ):
        assert kind in page, kind


def test_the_download_needs_the_csrf_token(scene, pair):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(pair[1])

    assert client.post(reverse("journeys:my_data")).status_code == 403


def test_the_download_is_a_dated_zip_attachment_that_is_never_stored(client, scene, pair):
    client.force_login(pair[1])

    response = client.post(reverse("journeys:my_data"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="trellis-my-data-{TODAY().isoformat()}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    assert {"index.html", *(f"{kind}.json" for kind in KINDS)} == set(unzip(response.content))


def test_downloads_are_limited_to_a_few_an_hour_with_when_to_try_again(
    client, scene, pair, settings, monkeypatch
):
    settings.DATA_DOWNLOADS_PER_HOUR = 2
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    client.force_login(pair[1])
    for _ in range(2):
        assert client.post(reverse("journeys:my_data"))["Content-Type"] == "application/zip"

    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(minutes=20))
    refused = client.post(reverse("journeys:my_data"))

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert "You have downloaded your data 2 times in the last hour" in refused.text
    assert "Please try again in 40 minutes." in refused.text
    client.force_login(pair[0])
    assert client.post(reverse("journeys:my_data"))["Content-Type"] == "application/zip"


def test_the_file_name_carries_the_day():
    assert file_name(datetime.date(2026, 3, 2)) == "trellis-my-data-2026-03-02.zip"


# What is in it -----------------------------------------------------------------------------


def test_the_export_holds_each_kind_of_the_persons_records(scene, pair):
    mentee = pair[1]
    data = sections(unzip(export_bytes(mentee, timezone.now())))

    assert set(data) == KINDS
    assert data["profile"]["email"] == "mentee@example.com"
    assert data["profile"]["first_name"] == "Mina"
    assert data["settings"]["emails"] == "A weekly digest"
    assert data["settings"]["calendar_link_exists"] is True
    (journey,) = data["journeys"]
    assert journey["journey_id"] == str(scene["journey"].uuid)
    assert journey["program"] == "Growing leaders"
    assert journey["your_role"] == "Mentee"
    assert journey["status"] == "Active"
    assert journey["started_on"] == (TODAY() - datetime.timedelta(days=1)).isoformat()
    assert journey["with"] == [{"name": "mentor@example.com", "role": "Mentor"}]
    assert {(c["milestone"], c["step"]) for c in data["step_completions"]} >= {
        ("First weeks", "Book a room"),
        ("First weeks", "How valuable was this?"),
    }
    assert {(r["text"], r["shared_with_your_partners"]) for r in data["reflections"]} == {
        ("my secret worry", False),
        (hostile.HOSTILE_MARKDOWN, True),
    }
    assert [m["notes"] for m in data["meetings"] if "notes" in m] == ["MENTEE-NOTES"]
    mine, theirs = data["planned_meetings"]
    assert (mine["proposed_by"], mine["agenda"], mine["place"], mine["state"]) == (
        "you",
        "MENTEE-AGENDA",
        "MENTEE-PLACE",
        "Proposed: waiting for a time to be chosen",
    )
    assert (theirs["proposed_by"], theirs["minutes"], len(theirs["times_offered"])) == (
        "mentor@example.com",
        60,
        2,
    )
    assert (theirs["agenda_written"], theirs["place_given"], theirs["video_link_given"]) == (
        True,
        True,
        True,
    )
    assert [g["goal"] for g in data["goals"]] == [f"Speak up {hostile.HOSTILE_LINE}"]
    assert [p["rating"] for p in data["pulse_ratings"]] == [4]
    assert [n["about"] for n in data["notifications"]] == ["Milestone opened"]
    assert [(e["subject"], e["status"]) for e in data["emails"]] == [
        ("mentor@example.com would like to meet: choose a time", "Waiting to be sent"),
        ("Your milestone opened", "Sent"),
    ]
    assert [m["material"] for m in data["materials_opened"]] == [scene["journey"].template.title]
    (enrolment,) = data["enrolments"]
    assert enrolment["what_you_hope_for"] == "MENTEE-ENROLMENT-HOPES"
    assert enrolment["answers"] == [{"question": "What do you bring?", "answer": "MENTEE-ANSWER"}]
    (request,) = data["mentor_requests"]
    assert request["your_message"] == "MENTEE-REQUEST-MESSAGE"
    assert [(m["text"], m["deleted_at"] is None) for m in data["messages"]] == [
        ("MENTEE-MESSAGE", True),
        ("", False),
    ]
    (theirs,) = data["messages_to_you"]
    assert (theirs["written_by"], theirs["deleted"]) == ("mentor@example.com", False)
    assert "text" not in theirs
    (report,) = data["message_reports"]
    assert (report["your_reason"], report["message_written_by"]) == (
        "MENTEE-REPORT-REASON",
        "mentor@example.com",
    )


def test_the_export_holds_the_persons_profile_and_never_the_partners(scene, pair):
    mentor, mentee = pair
    feedback = TopicFactory(name="Giving feedback", slug="feedback")
    profiles.save_profile(
        mentee,
        {"job_title": "Night planner", "about": "I like maps.", "seeks": [feedback]},
    )
    profiles.save_profile(mentor, {"about": "MENTOR-ABOUT-5d1 I mentor on Tuesdays."})

    files = unzip(export_bytes(mentee, timezone.now()))

    own = sections(files)["profile"]["participant_profile"]
    assert own["job_title"] == "Night planner"
    assert own["about"] == "I like maps."
    assert own["seeks"] == ["Giving feedback"]
    assert own["photo"] == ""
    assert set(own["changed_by_you"]) == {"job_title", "about", "seeks"}
    assert "MENTOR-ABOUT-5d1" not in everything(files)


def test_the_export_holds_the_persons_own_photo_and_never_the_partners(scene, pair):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as PILImage

    def upload(colour):
        buffer = io.BytesIO()
        PILImage.new("RGB", (40, 30), colour).save(buffer, "PNG")
        return SimpleUploadedFile("me.png", buffer.getvalue())

    mentor, mentee = pair
    profiles.save_profile(mentee, {}, photo=upload((200, 120, 40)))
    profiles.save_profile(mentor, {}, photo=upload((10, 40, 200)))
    stored = profiles.profiles_for([mentee.pk]).get(mentee.pk).photo

    with zipfile.ZipFile(io.BytesIO(export_bytes(mentee, timezone.now()))) as archive:
        names = archive.namelist()
        profile = json.loads(archive.read("profile.json"))["participant_profile"]
        assert profile["photo"] == "profile-photo.jpg"
        with stored.file.open("rb") as original:
            assert archive.read("profile-photo.jpg") == original.read()
        with PILImage.open(io.BytesIO(archive.read("profile-photo.jpg"))) as image:
            assert image.getpixel((0, 0))[2] < 100  # the mentee's orange, not the mentor's blue
    assert [n for n in names if not n.endswith((".json", ".html"))] == ["profile-photo.jpg"]
    index = zipfile.ZipFile(io.BytesIO(export_bytes(mentee, timezone.now()))).read("index.html")
    assert b"profile-photo.jpg" in index


def test_the_files_are_pretty_utf8_json_with_iso_dates(scene, pair):
    pair[1].first_name = "Zoë"
    pair[1].save()
    with zipfile.ZipFile(io.BytesIO(export_bytes(pair[1], timezone.now()))) as archive:
        raw = archive.read("profile.json")

    assert "Zoë".encode() in raw
    assert raw.startswith(b"{\n  ")
    joined = json.loads(raw)["account_created"]
    assert datetime.datetime.fromisoformat(joined.replace("Z", "+00:00"))


def test_a_partners_words_never_reach_the_persons_export(scene, pair):
    files = unzip(export_bytes(pair[1], timezone.now()))
    text = everything(files)

    for words in MENTOR_WORDS:
        assert words not in text, words
    data = sections(files)
    (shared,) = data["reflections_shared_with_you"]
    assert shared["shared_by"] == "mentor@example.com"
    assert shared["step"] == "What excites you?"
    (theirs,) = [m for m in data["meetings"] if m["logged_by"] != "you"]
    assert theirs == {
        **{k: theirs[k] for k in ("journey_id", "journey", "logged_at")},
        "held_on": TODAY().isoformat(),
        "minutes": 30,
        "logged_by": "mentor@example.com",
        "notes_written": True,
        "agreed_actions_written": True,
    }


def test_no_secret_reaches_the_export(scene, pair):
    text = everything(unzip(export_bytes(pair[1], timezone.now())))

    assert scene["token"] not in text
    assert pair[1].password not in text
    assert "EMAIL-CONTEXT" not in text


def test_the_partners_export_keeps_the_persons_private_words_out(scene, pair):
    text = everything(unzip(export_bytes(pair[0], timezone.now())))

    assert "MENTOR-PRIVATE-REFLECTION" in text
    assert "my secret worry" not in text
    assert "MENTEE-NOTES" not in text
    assert "MENTEE-AGENDA" not in text
    assert "MENTEE-PLACE" not in text
    assert "Speak up" not in text
    assert "MENTEE-ENROLMENT-HOPES" not in text
    assert "MENTEE-ANSWER" not in text
    # The request the mentor received: that it exists, without the mentee's message.
    assert "MENTEE-REQUEST-MESSAGE" not in text
    assert "you were asked" in text


def test_another_persons_export_has_none_of_the_first_persons_data(scene, user_factory):
    stranger = user_factory(email="stranger@example.com")
    files = unzip(export_bytes(stranger, timezone.now()))
    text = everything(files)

    for words in ("mentee@example.com", "Mina", "secret worry", "MENTEE", "Speak up", "Milestone"):
        assert words not in text, words
    data = sections(files)
    assert data["profile"]["email"] == "stranger@example.com"
    assert all(data[kind] == [] for kind in KINDS - {"profile", "settings"})
    assert data["settings"]["calendar_link_exists"] is False


def test_the_summary_page_escapes_everything_stored_and_needs_nothing_from_elsewhere(scene, pair):
    index = unzip(export_bytes(pair[1], timezone.now()))["index.html"]

    hostile.assert_neutralised(index)
    assert "&lt;script&gt;alert(&#x27;typed&#x27;)&lt;/script&gt;" in index
    assert "my secret worry" in index
    assert "<link" not in index
    assert "src=" not in index.replace("src=x", "")
    assert "http://" not in index and "https://" not in index


def test_the_export_costs_the_same_queries_for_one_journey_or_several(program, user_factory):
    page = template(program)
    today = TODAY()

    def person_with(journeys):
        mentee = user_factory()
        for _ in range(journeys):
            mentor = user_factory()
            journey = start_journey(
                program,
                [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
                today - datetime.timedelta(days=1),
                template=page,
            )
            walk(journey, mentee, mentor, today)
            Enrollment.objects.create(program=program, user=mentor, role="mentor")
        Enrollment.objects.create(program=program, user=mentee, role="mentee")
        return mentee

    def queries(user):
        clear_template_cache()
        with CaptureQueriesContext(connection) as captured:
            export_bytes(user, timezone.now())
        return len(captured)

    assert queries(person_with(1)) == queries(person_with(3))
