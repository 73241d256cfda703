"""A journey that has ended (completed or closed) is a record: its members read it, and
nothing they send changes it. A paused journey is still theirs to work on."""

import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from journeys.exceptions import JourneyEnded
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import (
    Goal,
    GoalStatus,
    Journey,
    JourneyStatus,
    Meeting,
    MemberRole,
    Message,
    MessageReport,
    Notification,
    OutboxEmail,
    ParticipantPreferences,
    PlannedMeeting,
    PlannedMeetingStatus,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from journeys.services import conversation, meetings, outbox, progress
from journeys.services.calendar import planned_meeting_uid
from journeys.services.starting import start_journey
from tests.programs import PROGRAM_ADMINS

from .test_calendar import parse

pytestmark = pytest.mark.django_db

ENDED = "This journey has ended: it is kept as a record and can no longer be changed."
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def visible_text(response):
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input type="hidden"[^>]*>', " ", html)
    values = re.findall(r'\bvalue="([^"]*)"', html)
    return " ".join(unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *values])).split())


def journey_forms(response, journey):
    """The addresses the page's forms send to that belong to the journey."""
    actions = re.findall(r'<form\b[^>]*\baction="([^"]*)"', response.content.decode())
    return [a for a in actions if a.startswith(url("journey", journey))]


def url(name, journey, *args):
    return reverse(f"journeys:{name}", args=[journey.uuid, *args])


def at(moment, days, hour=10):
    local = timezone.localtime(moment) + days * DAY
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def template(program):
    page = JourneyPageFactory(
        parent=program,
        title="Growing together",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("reflect", block_id="s-reflect"),
                    step("meet", block_id="s-meet"),
                    step("set_goals", block_id="s-goals"),
                    step("checklist", {"text": "Book a room"}, block_id="s-check"),
                    step("checklist", {"text": "Swap numbers"}, block_id="s-done"),
                    step("pulse", block_id="s-pulse"),
                    step("review_goals", block_id="s-review"),
                ],
                block_id="m-start",
            )
        ],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


@dataclass
class World:
    """A journey with some of everything, written while it was active."""

    journey: Journey
    mentor: object
    mentee: object
    goal: Goal
    meeting: Meeting
    reflection: Reflection
    proposed: PlannedMeeting  # by the mentor, waiting for the mentee
    agreed: PlannedMeeting  # a time ahead, agreed
    past: PlannedMeeting  # agreed for a time that has come
    message: Message  # the mentee's, a moment ago


@pytest.fixture
def world(program, template, pair):
    mentor, mentee = pair
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=TODAY() - 10 * DAY,
        template=template,
    )
    today = TODAY()
    now = timezone.now()
    progress.complete_step(journey, mentee, "m-start", "s-done", today)
    reflection = progress.save_reflection(
        journey, mentee, "m-start", "s-reflect", "I hope to listen better.", False, None, today
    )
    progress.record_pulse(journey, mentee, "m-start", "s-pulse", 4, today)
    goal = progress.set_goal(journey, mentee, "Chair a meeting", None, today)
    meeting = progress.log_meeting(journey, mentee, today - DAY, 45, "We met.", "", today)
    plan = {"duration_minutes": 45, "place": "The café", "video_link": "", "agenda": ""}
    proposed = meetings.propose(journey, mentor, options=[at(now, 3)], now=now, **plan)
    agreed = meetings.propose(journey, mentor, options=[at(now, 4)], now=now, **plan)
    meetings.accept(agreed, mentee, at(now, 4), now)
    then = now - 5 * DAY
    past = meetings.propose(journey, mentor, options=[at(then, 2)], now=then, **plan)
    meetings.accept(past, mentee, at(then, 2), then)
    message = conversation.post_message(journey, mentee, "Looking forward to it.")
    return World(
        journey=journey,
        mentor=mentor,
        mentee=mentee,
        goal=goal,
        meeting=meeting,
        reflection=reflection,
        proposed=proposed,
        agreed=agreed,
        past=past,
        message=message,
    )


def set_status(world, status):
    Journey.objects.filter(pk=world.journey.pk).update(status=status)
    world.journey.refresh_from_db()


def record_of(journey):
    """Everything members' actions write about the journey, as it stands."""
    rows = {
        model.__name__: list(model.objects.filter(journey=journey).order_by("pk").values())
        for model in (
            StepCompletion,
            Reflection,
            PulseResponse,
            Meeting,
            Goal,
            PlannedMeeting,
            Message,
            Notification,
        )
    }
    rows["reports"] = list(MessageReport.objects.filter(message__journey=journey).values())
    rows["journey"] = Journey.objects.filter(pk=journey.pk).values().get()
    rows["outbox"] = list(OutboxEmail.objects.order_by("pk").values_list("pk", flat=True))
    return rows


# Every write a member can send about a journey: who sends it, where, and what.
WRITES = {
    "complete_step": lambda w: (
        w.mentee,
        url("complete_step", w.journey, "m-start", "s-check"),
        {},
    ),
    "undo_step": lambda w: (w.mentee, url("undo_step", w.journey, "m-start", "s-done"), {}),
    "save_reflection": lambda w: (
        w.mentee,
        url("save_reflection", w.journey, "m-start", "s-reflect"),
        {"text": "I hope to listen better, and to ask more.", "version": w.reflection.version},
    ),
    "record_pulse": lambda w: (
        w.mentee,
        url("record_pulse", w.journey, "m-start", "s-pulse"),
        {"score": "2"},
    ),
    "log_meeting": lambda w: (
        w.mentee,
        url("log_meeting", w.journey),
        {"held_on": TODAY().isoformat(), "duration_minutes": 30, "notes": "Again."},
    ),
    "set_goal": lambda w: (w.mentee, url("set_goal", w.journey), {"text": "Lead a workshop"}),
    "update_goal": lambda w: (
        w.mentee,
        url("update_goal", w.journey, w.goal.uuid),
        {"status": GoalStatus.ACHIEVED},
    ),
    "meeting_notes": lambda w: (
        w.mentee,
        url("meeting_notes", w.journey, w.meeting.uuid),
        {"notes": "We met, and agreed a lot.", "agreed_actions": "Read the guide"},
    ),
    "propose_meeting": lambda w: (
        w.mentee,
        url("propose_meeting", w.journey),
        {
            "option_1": local_input(at(timezone.now(), 6)),
            "duration_minutes": 30,
            "place": "The library",
        },
    ),
    "accept_meeting": lambda w: (
        w.mentee,
        url("accept_meeting", w.journey, w.proposed.uuid),
        {"option": w.proposed.option_1.isoformat()},
    ),
    "suggest_times": lambda w: (
        w.mentee,
        url("suggest_times", w.journey, w.proposed.uuid),
        {"option_1": local_input(at(timezone.now(), 7))},
    ),
    "move_meeting": lambda w: (
        w.mentee,
        url("move_meeting", w.journey, w.agreed.uuid),
        {
            "starts_at": local_input(at(timezone.now(), 8)),
            "duration_minutes": 45,
            "place": "The café",
        },
    ),
    "cancel_meeting": lambda w: (w.mentee, url("cancel_meeting", w.journey, w.agreed.uuid), {}),
    "meeting_held": lambda w: (w.mentee, url("meeting_held", w.journey, w.past.uuid), {}),
    "meeting_not_held": lambda w: (w.mentee, url("meeting_not_held", w.journey, w.past.uuid), {}),
    "post_message": lambda w: (
        w.mentee,
        url("conversation", w.journey),
        {"text": "One more thing.", "origin": "conversation"},
    ),
    "edit_message": lambda w: (
        w.mentee,
        url("edit_message", w.journey, w.message.uuid),
        {"text": "Really looking forward to it."},
    ),
    "delete_message": lambda w: (
        w.mentee,
        url("delete_message", w.journey, w.message.uuid),
        {},
    ),
}
# Meetings are planned in active journeys only, as before: a paused one refuses these.
PLANNING = {"propose_meeting", "accept_meeting", "suggest_times", "move_meeting"}


@pytest.mark.parametrize("status", [JourneyStatus.CLOSED, JourneyStatus.COMPLETED])
@pytest.mark.parametrize("name", WRITES)
def test_every_write_on_an_ended_journey_is_refused_and_changes_nothing(
    client, world, name, status
):
    user, target, data = WRITES[name](world)
    set_status(world, status)
    before = record_of(world.journey)
    client.force_login(user)

    response = client.post(target, data, follow=True)

    assert record_of(world.journey) == before, name
    assert response.status_code == 200, name
    assert response.redirect_chain[-1][0] == url("journey", world.journey), name
    assert ENDED in visible_text(response), name


@pytest.mark.parametrize("status", [JourneyStatus.ACTIVE, JourneyStatus.PAUSED])
@pytest.mark.parametrize("name", WRITES)
def test_the_same_writes_still_work_on_an_active_or_paused_journey(client, world, name, status):
    if status == JourneyStatus.PAUSED and name in PLANNING:
        pytest.skip("meetings are planned in active journeys only")
    user, target, data = WRITES[name](world)
    set_status(world, status)
    before = record_of(world.journey)
    client.force_login(user)

    response = client.post(target, data, follow=True)

    assert response.status_code == 200, name
    assert ENDED not in visible_text(response), name
    assert record_of(world.journey) != before, name


@pytest.mark.parametrize("name", sorted(PLANNING))
def test_a_paused_journey_still_refuses_planning_meetings_as_before(client, world, name):
    user, target, data = WRITES[name](world)
    set_status(world, JourneyStatus.PAUSED)
    before = record_of(world.journey)
    client.force_login(user)

    response = client.post(target, data, follow=True)

    assert record_of(world.journey) == before
    assert "This journey is not active, so no meetings can be planned in it." in visible_text(
        response
    )


def test_a_refusal_goes_back_to_the_journeys_page_it_came_from(client, world):
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentee)
    milestone_page = url("milestone", world.journey, "m-start")

    response = client.post(
        url("complete_step", world.journey, "m-start", "s-check"),
        HTTP_REFERER=f"http://testserver{milestone_page}",
    )
    elsewhere = client.post(
        url("complete_step", world.journey, "m-start", "s-check"),
        HTTP_REFERER="https://elsewhere.example/my/",
    )

    assert response.status_code == 302
    assert response["Location"] == milestone_page
    assert elsewhere["Location"] == url("journey", world.journey)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("save_reflection", {"text": "Autosaved words", "version": "1"}),
        ("conversation", {"text": "Sent with JavaScript"}),
    ],
)
def test_the_pages_scripts_are_answered_with_a_json_refusal(client, world, name, data):
    set_status(world, JourneyStatus.CLOSED)
    before = record_of(world.journey)
    client.force_login(world.mentee)
    args = ("m-start", "s-reflect") if name == "save_reflection" else ()

    response = client.post(url(name, world.journey, *args), data, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json() == {"status": "refused", "message": ENDED}
    assert record_of(world.journey) == before


@pytest.mark.parametrize(
    "target",
    [
        lambda w: url("set_goal", w.journey),
        lambda w: url("log_meeting", w.journey),
        lambda w: url("propose_meeting", w.journey),
        lambda w: url("edit_message", w.journey, w.message.uuid),
    ],
)
def test_the_form_pages_of_an_ended_journey_send_the_member_back_saying_why(client, world, target):
    set_status(world, JourneyStatus.COMPLETED)
    client.force_login(world.mentee)

    response = client.get(target(world), follow=True)

    assert response.redirect_chain[-1][0].startswith(url("journey", world.journey))
    assert ENDED in visible_text(response)


def test_the_journey_page_of_a_closed_journey_says_so_and_offers_no_forms(client, world):
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentee)

    response = client.get(url("journey", world.journey))
    text = visible_text(response)

    assert response.status_code == 200
    assert "This journey is closed. It is kept as a record" in text
    assert journey_forms(response, world.journey) == []
    for action in ("Mark as done", "Send message", "Set a goal", "Log our meeting", "Update"):
        assert action not in text
    assert "Edit or delete" not in text
    # Reading stays: the timeline, goals, meetings and messages are all there.
    assert "Getting to know each other" in text
    assert "Chair a meeting" in text
    assert "Looking forward to it." in text
    assert world.meeting.held_on.strftime("%-d %B %Y") in text


def test_the_milestone_page_of_a_closed_journey_shows_what_was_done_without_forms(client, world):
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentee)

    response = client.get(url("milestone", world.journey, "m-start"))
    html = response.content.decode()
    text = visible_text(response)

    assert "This journey is closed. It is kept as a record" in text
    assert journey_forms(response, world.journey) == []
    assert "<textarea" not in html
    for action in ("Mark as done", "Undo", "Save reflection", "Save my rating", "Update"):
        assert action not in text
    assert "I hope to listen better." in text
    assert "You rated this 4 out of 5." in text
    assert "Done ✓" in text
    assert "Chair a meeting" in text


def test_the_conversation_and_meeting_pages_of_a_closed_journey_offer_no_forms(client, world):
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentee)

    pages = [
        client.get(url("conversation", world.journey)),
        client.get(url("meeting", world.journey, world.meeting.uuid)),
        client.get(url("planned_meeting", world.journey, world.past.uuid)),
    ]

    for page in pages:
        assert page.status_code == 200
        assert "This journey is closed. It is kept as a record" in visible_text(page)
        assert journey_forms(page, world.journey) == []
    assert "Looking forward to it." in visible_text(pages[0])
    assert "We met." in visible_text(pages[1])


def test_a_paused_journey_says_its_members_can_keep_working_and_shows_its_forms(client, world):
    set_status(world, JourneyStatus.PAUSED)
    client.force_login(world.mentee)

    journey_page = visible_text(client.get(url("journey", world.journey)))
    milestone_page = visible_text(client.get(url("milestone", world.journey, "m-start")))

    assert "This journey is paused" in journey_page
    assert "you can keep working on it" in journey_page
    assert "Send message" in journey_page
    assert "Mark as done" in milestone_page
    assert "Save reflection" in milestone_page


def test_the_meeting_answer_link_changes_nothing_once_the_journey_has_ended(client, world):
    token = meetings.answer_token(world.past.uuid, world.mentee.pk, meetings.HELD)
    set_status(world, JourneyStatus.CLOSED)
    before = record_of(world.journey)
    target = reverse("journeys:meeting_answer", args=[token])

    asked = client.get(target)
    answered = client.post(target)

    assert ENDED in visible_text(asked)
    assert 'method="post"' not in asked.content.decode()
    assert ENDED in visible_text(answered)
    assert record_of(world.journey) == before


def test_a_message_in_an_ended_journey_can_still_be_reported(client, world, program):
    program.allow_message_reports = True
    program.save_revision().publish()
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentor)

    page = client.get(url("conversation", world.journey))
    response = client.post(
        url("report_message", world.journey, world.message.uuid),
        {"reason": "It worried me."},
        follow=True,
    )

    assert "Report" in visible_text(page)
    assert response.status_code == 200
    assert MessageReport.objects.filter(message=world.message).exists()


def test_the_personal_data_download_keeps_an_ended_journeys_record(client, world):
    set_status(world, JourneyStatus.CLOSED)
    client.force_login(world.mentee)

    response = client.post(reverse("journeys:my_data"))

    with zipfile.ZipFile(io.BytesIO(response.content)) as download:
        journeys = json.loads(download.read("journeys.json"))
        reflections = json.loads(download.read("reflections.json"))
    assert [j["status"] for j in journeys] == ["Closed"]
    assert [r["text"] for r in reflections] == ["I hope to listen better."]


# Whoever calls them, the services keep the rule too.
SERVICE_WRITES = {
    "complete_step": lambda w: progress.complete_step(
        w.journey, w.mentee, "m-start", "s-check", TODAY()
    ),
    "save_reflection": lambda w: progress.save_reflection(
        w.journey, w.mentee, "m-start", "s-reflect", "More words.", False, 1, TODAY()
    ),
    "set_goal": lambda w: progress.set_goal(w.journey, w.mentee, "Lead", None, TODAY()),
    "update_goal": lambda w: progress.update_goal(w.goal, w.mentee, GoalStatus.DROPPED, TODAY()),
    "post_message": lambda w: conversation.post_message(w.journey, w.mentee, "Hello again"),
    "delete_message": lambda w: conversation.delete_message(w.journey, w.mentee, w.message.uuid),
    "cancel": lambda w: meetings.cancel(w.agreed, w.mentee, timezone.now()),
    "mark_held": lambda w: meetings.mark_held(w.past, w.mentee, timezone.now()),
    "mark_not_held": lambda w: meetings.mark_not_held(w.past, w.mentee, timezone.now()),
}


@pytest.mark.parametrize("name", SERVICE_WRITES)
def test_the_services_refuse_to_change_an_ended_journey(world, name):
    set_status(world, JourneyStatus.COMPLETED)
    world.goal.journey = world.journey
    before = record_of(world.journey)

    with pytest.raises(JourneyEnded, match="kept as a record"):
        SERVICE_WRITES[name](world)

    assert record_of(world.journey) == before


# Ending a journey in the admin ----------------------------------------------------------


@pytest.fixture
def admin_client(client, user_factory):
    client.force_login(user_factory(email="programs@example.com", groups=[PROGRAM_ADMINS]))
    return client


def edit_in_admin(client, journey, status):
    """Change the journey's status on its edit form, as a program admin does."""
    edit = reverse("journeys_admin:edit", args=[journey.pk])
    response = client.post(edit, {"status": status}, follow=True)
    assert response.redirect_chain, response.content.decode()
    journey.refresh_from_db()
    assert journey.status == status
    return [str(m) for m in get_messages(response.wsgi_request)]  # shown on the listing


def cancellations(plan):
    """Who was sent the planned meeting's cancellation: their email's context and calendar."""
    return {
        email.recipient.email: (email.context, email.calendar)
        for email in OutboxEmail.objects.filter(
            template=meetings.CANCELLED_EMAIL, context__plan_uuid=str(plan.uuid)
        ).select_related("recipient")
    }


def statuses(world):
    return {
        name: PlannedMeeting.objects.get(pk=getattr(world, name).pk).status
        for name in ("proposed", "agreed", "past")
    }


@pytest.mark.parametrize("status", [JourneyStatus.COMPLETED, JourneyStatus.CLOSED])
def test_ending_a_journey_in_the_admin_cancels_its_meetings_to_come_and_tells_its_members(
    admin_client, world, status
):
    said = edit_in_admin(admin_client, world.journey, status)

    assert statuses(world) == {
        "proposed": PlannedMeetingStatus.CANCELLED,
        "agreed": PlannedMeetingStatus.CANCELLED,
        "past": PlannedMeetingStatus.ACCEPTED,  # its time has come: not a meeting to come
    }
    world.agreed.refresh_from_db()
    assert world.agreed.sequence == 1
    sent = cancellations(world.agreed)
    assert set(sent) == {world.mentor.email, world.mentee.email}
    for context, calendar in sent.values():
        assert context["ended"] and not context["left"] and not context["you_left"]
        assert "METHOD:CANCEL" in calendar and "SEQUENCE:1" in calendar
    assert not cancellations(world.proposed)  # it was in nobody's calendar
    assert any("2 planned meetings still to come were cancelled" in m for m in said), said
    mail.outbox.clear()
    outbox.deliver_due()
    told = [m for m in mail.outbox if m.subject.startswith("Meeting cancelled")]
    assert sorted(m.to[0] for m in told) == sorted([world.mentor.email, world.mentee.email])
    assert all("your journey has ended" in m.body for m in told)
    assert all("Plan another meeting" not in m.body for m in told)


def test_pausing_a_journey_in_the_admin_leaves_its_meetings_as_they_are(admin_client, world):
    before = statuses(world)
    emails = OutboxEmail.objects.count()

    said = edit_in_admin(admin_client, world.journey, JourneyStatus.PAUSED)

    assert statuses(world) == before
    assert OutboxEmail.objects.count() == emails
    assert not any("cancelled" in m for m in said), said


def test_saving_an_ended_journey_settles_its_meetings_only_when_its_status_changes(
    admin_client, world
):
    # Completed before anything settled its meetings (as journeys were).
    set_status(world, JourneyStatus.COMPLETED)
    before = statuses(world)
    emails = OutboxEmail.objects.count()

    said = edit_in_admin(admin_client, world.journey, JourneyStatus.COMPLETED)

    assert statuses(world) == before
    assert OutboxEmail.objects.count() == emails
    assert not any("cancelled" in m for m in said), said

    said = edit_in_admin(admin_client, world.journey, JourneyStatus.CLOSED)

    assert statuses(world)["agreed"] == PlannedMeetingStatus.CANCELLED
    assert set(cancellations(world.agreed)) == {world.mentor.email, world.mentee.email}
    emails = OutboxEmail.objects.count()

    said = edit_in_admin(admin_client, world.journey, JourneyStatus.COMPLETED)

    assert OutboxEmail.objects.count() == emails  # nothing left to cancel or announce
    assert not any("cancelled" in m for m in said), said


def feed_url(user):
    token = ParticipantPreferences.objects.get_or_create(user=user)[0].calendar_token
    return reverse("journeys:calendar_feed", args=[token])


@pytest.mark.parametrize("status", [JourneyStatus.COMPLETED, JourneyStatus.CLOSED])
def test_the_calendar_feed_leaves_out_an_ended_journeys_dates_and_meetings(client, world, status):
    feed = parse(client.get(feed_url(world.mentee)).content)
    uids = {str(event["UID"]) for event in feed.walk("VEVENT")}
    assert planned_meeting_uid(world.agreed.uuid) in uids  # while the journey runs
    # However the journey came to end, nothing in it is still to come.
    set_status(world, status)

    response = client.get(feed_url(world.mentee))

    assert response.status_code == 200
    assert parse(response.content).walk("VEVENT") == []
    client.force_login(world.mentee)
    page = client.get(url("journey", world.journey)).content.decode()
    assert url("journey_calendar", world.journey) not in page
    download = client.get(url("journey_calendar", world.journey))
    assert parse(download.content).walk("VEVENT") == []


def run_migration(name):
    """Run the data step of a journeys migration, on the models as that migration sees them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations import RunPython

    loader = MigrationExecutor(connection).loader
    migration = loader.get_migration("journeys", name)
    state_apps = loader.project_state(("journeys", name)).apps
    (step,) = [op for op in migration.operations if isinstance(op, RunPython)]
    step.code(state_apps, connection.schema_editor())


CANCEL_LEFT_OVER = "0027_cancel_meetings_of_ended_journeys"


@pytest.mark.parametrize("status", [JourneyStatus.COMPLETED, JourneyStatus.CLOSED])
def test_the_migration_cancels_meetings_to_come_of_journeys_ended_before_the_rule(world, status):
    # Ended before ending a journey cancelled its meetings: they still wait.
    set_status(world, status)
    emails = OutboxEmail.objects.count()
    ahead = at(timezone.now(), 4)

    run_migration(CANCEL_LEFT_OVER)

    assert statuses(world) == {
        "proposed": PlannedMeetingStatus.CANCELLED,
        "agreed": PlannedMeetingStatus.CANCELLED,
        "past": PlannedMeetingStatus.ACCEPTED,  # its time has come: not a meeting to come
    }
    agreed = PlannedMeeting.objects.get(pk=world.agreed.pk)
    assert agreed.sequence == 1  # as when cancelled: a later calendar sees it called off
    assert agreed.starts_at == ahead
    assert PlannedMeeting.objects.get(pk=world.past.pk).sequence == 0
    assert OutboxEmail.objects.count() == emails  # nobody is emailed about an old ending

    run_migration(CANCEL_LEFT_OVER)  # again: nothing left to cancel

    assert PlannedMeeting.objects.get(pk=world.agreed.pk).sequence == 1


@pytest.mark.parametrize("status", [JourneyStatus.ACTIVE, JourneyStatus.PAUSED])
def test_the_migration_leaves_the_meetings_of_journeys_under_way_alone(world, status):
    set_status(world, status)
    before = statuses(world)

    run_migration(CANCEL_LEFT_OVER)

    assert statuses(world) == before
    assert PlannedMeeting.objects.get(pk=world.agreed.pk).sequence == 0
