"""Planning meetings: propose, accept, move, cancel, and the invitations each sends.

Every invitation is read back from the email as a mail client receives it
(the ``text/calendar`` part and the ``invite.ics`` attachment) and parsed with
``icalendar``'s own parser.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from journeys.models import (
    JourneyStatus,
    Meeting,
    MemberRole,
    OutboxEmail,
    PlannedMeeting,
    PlannedMeetingStatus,
    StepCompletion,
)
from journeys.services import meetings
from journeys.services.calendar import planned_meeting_uid
from journeys.services.meetings import MeetingPlanError

from .helpers import (
    DAY,
    HOUR,
    LONDON,
    addresses,
    agreed,
    at,
    calendar_parts,
    delivered,
    event_of,
    invitation,
    propose,
)

pytestmark = pytest.mark.django_db


# The whole flow --------------------------------------------------------------------------------


def test_propose_accept_move_and_cancel_send_request_update_and_cancel(
    journey, mentor, mentee, now, settings
):
    settings.TIME_ZONE = LONDON
    first, second = at(now, 3, 9), at(now, 4, 14)
    plan = propose(journey, mentor, now, first, second)

    [proposal] = delivered()
    assert proposal.to == ["sam@example.com"]
    assert proposal.subject == "Morgan Reid would like to meet: choose a time"
    assert "calendar" not in calendar_parts(proposal)
    assert f"#plan-{plan.uuid}" in proposal.body

    meetings.accept(plan, mentee, second, now)
    plan.refresh_from_db()
    assert (plan.status, plan.starts_at, plan.sequence) == ("accepted", second, 0)
    sent = delivered()
    assert sorted(m.to[0] for m in sent) == ["morgan@example.com", "sam@example.com"]
    for message in sent:
        calendar = invitation(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [LONDON]
        event = event_of(calendar)
        assert str(event["UID"]) == planned_meeting_uid(plan.uuid)
        assert event["SEQUENCE"] == 0
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.start == second and event.end == second + 45 * datetime.timedelta(minutes=1)
        assert str(event["DTSTART"].params["TZID"]) == LONDON
        assert event["DTSTAMP"].dt.tzinfo is not None
        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:morgan@example.com"
        assert organizer.params["CN"] == "Morgan Reid"
        assert organizer.params["SENT-BY"] == "mailto:mentoring@localhost"
        attendees = addresses(event["ATTENDEE"])
        assert set(attendees) == {"morgan@example.com", "sam@example.com"}
        for params in attendees.values():
            assert (params["ROLE"], params["PARTSTAT"], params["RSVP"]) == (
                "REQ-PARTICIPANT",
                "ACCEPTED",
                "FALSE",
            )
        assert str(event["LOCATION"]) == "The café on the third floor"
        assert str(event["URL"]).endswith(f"/my/journeys/{journey.uuid}/#plan-{plan.uuid}")
        assert "Getting to know" not in str(event.get("DESCRIPTION"))  # no agenda
    to_sam = next(m for m in sent if m.to == ["sam@example.com"])
    assert str(event_of(invitation(to_sam))["SUMMARY"]) == "Mentoring meeting with Morgan Reid"
    assert to_sam.subject.startswith("Meeting agreed: ")

    later = at(now, 5, 16)
    meetings.move(
        plan,
        mentor,
        starts_at=later,
        duration_minutes=60,
        place="",
        video_link="https://meet.example.com/abc",
        now=now,
    )
    sent = delivered()
    assert len(sent) == 2
    for message in sent:
        event = event_of(invitation(message))
        assert str(event["UID"]) == planned_meeting_uid(plan.uuid)
        assert event["SEQUENCE"] == 1
        assert event.start == later
        assert str(event["LOCATION"]) == "https://meet.example.com/abc"
        partstat = {k: v["PARTSTAT"] for k, v in addresses(event["ATTENDEE"]).items()}
        assert partstat == {"morgan@example.com": "ACCEPTED", "sam@example.com": "NEEDS-ACTION"}
    assert all(m.subject.startswith("Meeting moved: ") for m in sent)

    meetings.cancel(plan, mentee, now)
    plan.refresh_from_db()
    assert (plan.status, plan.sequence) == ("cancelled", 2)
    sent = delivered()
    assert len(sent) == 2
    for message in sent:
        calendar = invitation(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        event = event_of(calendar)
        assert str(event["UID"]) == planned_meeting_uid(plan.uuid)
        assert event["SEQUENCE"] == 2
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["ORGANIZER"]) == "mailto:morgan@example.com"
        assert "PARTSTAT" not in next(iter(addresses(event["ATTENDEE"]).values()))


def test_each_member_sees_times_in_their_own_zone_in_the_email(journey, mentor, mentee, now):
    settings_zone = timezone.get_default_timezone()
    moment = at(now, 3, 9)
    plan = propose(journey, mentor, now, moment)
    [proposal] = delivered()
    assert meetings.when_text(moment, settings_zone) in proposal.body
    meetings.accept(plan, mentee, moment, now)
    for message in delivered():
        assert meetings.when_text(moment, settings_zone) in message.body


def test_the_person_who_suggests_other_times_waits_for_the_proposer_to_accept(
    journey, mentor, mentee, now
):
    plan = propose(journey, mentor, now, at(now, 3))
    delivered()
    instead = at(now, 6, 11)
    meetings.suggest(plan, mentee, [instead, None, None], now)
    [to_mentor] = delivered()
    assert to_mentor.to == ["morgan@example.com"]
    assert to_mentor.subject == "Sam Patel suggests other times to meet"

    with pytest.raises(MeetingPlanError, match="the others in your journey choose"):
        meetings.accept(plan, mentee, instead, now)
    with pytest.raises(MeetingPlanError, match="no longer on offer"):
        meetings.accept(plan, mentor, at(now, 3), now)
    meetings.accept(plan, mentor, instead, now)
    plan.refresh_from_db()
    assert plan.status == PlannedMeetingStatus.ACCEPTED
    assert plan.accepted_by.user == mentor
    for message in delivered():
        assert str(event_of(invitation(message))["ORGANIZER"]) == "mailto:morgan@example.com"


# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "field", "words"),
    [
        (lambda now: [now - HOUR], "option_1", "This time has passed"),
        (lambda now: [at(now, 2), at(now, 2)], "option_2", "offered twice"),
        (lambda now: [None, None, None], "option_1", "at least one time"),
        (lambda now: [now + 400 * DAY], "option_1", "within the next year"),
    ],
)
def test_times_out_of_bounds_are_refused_by_field(journey, mentor, now, times, field, words):
    with pytest.raises(ValidationError) as refused:
        propose(journey, mentor, now, *times(now))
    assert words in " ".join(refused.value.message_dict[field])
    assert not PlannedMeeting.objects.exists()
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize(
    ("details", "field", "words"),
    [
        ({"duration_minutes": 4}, "duration_minutes", "from 5 to 600"),
        ({"duration_minutes": 601}, "duration_minutes", "from 5 to 600"),
        ({"place": "", "video_link": ""}, "place", "or give a video link"),
        ({"place": "Room\n4"}, "place", "one line"),
        ({"place": "x" * 201}, "place", "at most 200"),
        ({"video_link": "javascript:alert(1)"}, "video_link", "https://"),
        ({"video_link": "ftp://files.example.com/x"}, "video_link", "https://"),
        ({"video_link": "https://x.example.com/" + "a" * 500}, "video_link", "at most 500"),
        ({"agenda": "a" * 2001}, "agenda", "at most 2,000"),
        ({"agenda": "ok\x00"}, "agenda", "control character"),
    ],
)
def test_logistics_out_of_bounds_are_refused_by_field(journey, mentor, now, details, field, words):
    with pytest.raises(ValidationError) as refused:
        propose(journey, mentor, now, at(now, 2), **details)
    assert words in " ".join(refused.value.message_dict[field])
    assert not PlannedMeeting.objects.exists()


def test_states_refuse_what_does_not_fit_them_with_a_sentence(journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 2), at(now, 3))
    with pytest.raises(MeetingPlanError, match="No time is agreed"):
        meetings.mark_held(plan, mentee, now)
    with pytest.raises(MeetingPlanError, match="No time is agreed"):
        meetings.move(
            plan,
            mentee,
            starts_at=at(now, 4),
            duration_minutes=30,
            place="x",
            video_link="",
            now=now,
        )
    meetings.accept(plan, mentee, at(now, 3), now)
    with pytest.raises(MeetingPlanError, match="already agreed"):
        meetings.accept(plan, mentee, at(now, 2), now)
    with pytest.raises(MeetingPlanError, match="already agreed"):
        meetings.suggest(plan, mentee, [at(now, 5)], now)
    with pytest.raises(MeetingPlanError, match="has not started yet"):
        meetings.mark_held(plan, mentee, now)
    with pytest.raises(MeetingPlanError, match="already has"):
        meetings.move(
            plan,
            mentee,
            starts_at=at(now, 3),
            duration_minutes=45,
            place="The café on the third floor",
            video_link="",
            now=now,
        )
    meetings.cancel(plan, mentor, now)
    for attempt in (
        lambda: meetings.cancel(plan, mentee, now),
        lambda: meetings.accept(plan, mentee, at(now, 2), now),
        lambda: meetings.mark_not_held(plan, mentee, now),
    ):
        with pytest.raises(MeetingPlanError, match="was cancelled"):
            attempt()


def test_a_second_acceptance_finds_the_meeting_settled(journey, mentor, mentee, user_factory, now):
    third = user_factory(email="kit@example.com", first_name="Kit")
    journey.memberships.create(user=third, role=MemberRole.MEMBER, joined_on=journey.started_on)
    plan = propose(journey, mentor, now, at(now, 2), at(now, 3))
    stale = PlannedMeeting.objects.get(pk=plan.pk)  # as the second request read it
    meetings.accept(plan, mentee, at(now, 2), now)
    with pytest.raises(MeetingPlanError, match="already agreed"):
        meetings.accept(stale, third, at(now, 3), now)
    plan.refresh_from_db()
    assert plan.starts_at == at(now, 2)
    assert OutboxEmail.objects.filter(calendar_method="REQUEST").count() == 3


def test_only_members_plan_and_not_in_an_inactive_journey(journey, mentor, user_factory, now):
    stranger = user_factory(email="stranger@example.com")
    with pytest.raises(meetings.NotAMember):
        propose(journey, stranger, now, at(now, 2))
    journey.status = JourneyStatus.PAUSED
    journey.save()
    with pytest.raises(MeetingPlanError, match="not active"):
        propose(journey, mentor, now, at(now, 2))


# After the meeting's time ----------------------------------------------------------------------


def test_saying_we_met_logs_the_meeting_and_completes_its_meet_step(journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 1), milestone_id="m-start", step_id="s-meet")
    meetings.accept(plan, mentee, at(now, 1), now)
    later = at(now, 1) + 2 * HOUR
    meeting = meetings.mark_held(plan, mentee, later)

    plan.refresh_from_db()
    assert plan.status == PlannedMeetingStatus.HELD
    assert plan.meeting == meeting
    assert meeting.held_on == timezone.localdate(at(now, 1))
    assert meeting.duration_minutes == 45
    assert meeting.logged_by.user == mentee
    assert (meeting.milestone_id, meeting.step_id) == ("m-start", "s-meet")
    assert StepCompletion.objects.filter(journey=journey, step_id="s-meet").exists()
    with pytest.raises(MeetingPlanError, match="already logged"):
        meetings.mark_held(plan, mentor, later)


def test_not_meeting_offers_a_new_time_which_sends_an_update(journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    later = at(now, 2) + 2 * HOUR
    meetings.mark_not_held(plan, mentor, later)
    plan.refresh_from_db()
    assert plan.status == PlannedMeetingStatus.NOT_HELD
    delivered()
    meetings.move(
        plan,
        mentee,
        starts_at=at(now, 6),
        duration_minutes=30,
        place="Room 4",
        video_link="",
        now=later,
    )
    plan.refresh_from_db()
    assert (plan.status, plan.sequence, plan.starts_at) == ("accepted", 1, at(now, 6))
    for message in delivered():
        assert event_of(invitation(message))["SEQUENCE"] == 1


def test_a_meeting_that_did_not_happen_can_still_be_logged_as_held(journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    later = at(now, 2) + 2 * HOUR
    meetings.mark_not_held(plan, mentor, later)
    meetings.mark_held(plan, mentee, later)
    assert Meeting.objects.filter(journey=journey).count() == 1


def test_an_agreed_meeting_cannot_be_cancelled_once_its_time_has_come(
    journey, mentor, mentee, now
):
    plan = agreed(journey, mentor, mentee, now)
    with pytest.raises(MeetingPlanError, match="say whether you met"):
        meetings.cancel(plan, mentor, at(now, 2) + HOUR)


# The agenda --------------------------------------------------------------------------------


def test_names_and_places_cannot_break_a_calendar_line(journey, mentor, mentee, now):
    mentor.first_name = "Morgan\r\nATTENDEE:mailto:evil@example.com"
    mentor.save()
    plan = agreed(journey, mentor, mentee, now, place="Room 4\u2028END:VEVENT", video_link="")
    for message in delivered():
        event = event_of(invitation(message))
        assert set(addresses(event["ATTENDEE"])) == {"morgan@example.com", "sam@example.com"}
        assert str(event["LOCATION"]) == "Room 4 END:VEVENT"
    assert plan.status == "accepted"


def test_declining_or_withdrawing_a_proposal_tells_the_others_without_a_calendar(
    journey, mentor, mentee, now
):
    declined = propose(journey, mentor, now, at(now, 2))
    withdrawn = propose(journey, mentor, now, at(now, 3))
    delivered()
    meetings.cancel(declined, mentee, now)
    [to_mentor] = delivered()
    assert to_mentor.subject == "Sam Patel declined the meeting proposal"
    assert "Sam Patel declined the proposal to meet" in to_mentor.body
    assert calendar_parts(to_mentor) == {}
    meetings.cancel(withdrawn, mentor, now)
    [to_mentee] = delivered()
    assert to_mentee.subject == "A meeting proposal was withdrawn"
    assert "Morgan Reid withdrew their proposal" in to_mentee.body
    declined.refresh_from_db()
    assert (declined.status, declined.sequence, declined.starts_at) == ("cancelled", 0, None)


def test_journeys_read_with_their_planned_activity_get_the_state_the_query_gives(
    journey, mentor, mentee, now
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journeys.models import Journey
    from journeys.services.state import journey_states, with_planned_activity

    Journey.objects.filter(pk=journey.pk).update(last_activity_on=timezone.localdate() - 9 * DAY)
    propose(journey, mentor, now, at(now, 2))  # only proposed: not activity
    agreed(journey, mentor, mentee, now, days=5)
    later = agreed(journey, mentor, mentee, now, days=6)
    meetings.cancel(later, mentor, now)  # cancelled: not activity
    today = timezone.localdate()
    plain = list(Journey.objects.filter(pk=journey.pk))
    read = list(with_planned_activity(Journey.objects.filter(pk=journey.pk)))
    assert read[0].latest_planned_at == at(now, 5)
    journey_states(plain, today)  # the template's snapshot is read, and kept, once
    with CaptureQueriesContext(connection) as queried_queries:
        [queried] = journey_states(plain, today)
    with CaptureQueriesContext(connection) as annotated_queries:
        [annotated] = journey_states(read, today)
    assert len(annotated_queries) == len(queried_queries) - 1
    assert annotated.state == queried.state
    assert annotated.state.days_since_activity == 0  # the agreed day counts, ahead of today


def test_the_planning_forms_help_names_the_lengths_the_service_takes():
    from journeys.forms import MoveMeetingForm
    from journeys.models import MEETING_MINUTES_MAX, MEETING_MINUTES_MIN

    field = MoveMeetingForm(zone=timezone.get_default_timezone()).fields["duration_minutes"]

    assert (field.min_value, field.max_value) == (MEETING_MINUTES_MIN, MEETING_MINUTES_MAX)
    assert str(field.help_text) == "From 5 minutes to 10 hours."
