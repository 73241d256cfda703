"""The personal calendar feed: valid iCalendar, the right events, a link that can be reset."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import Meeting, MemberRole, ParticipantPreferences
from journeys.services.calendar import CalendarEvent, build_calendar, escape_text, fold
from journeys.services.starting import start_journey

TODAY = timezone.localdate
STAMP = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def unfold(text):
    return text.replace("\r\n ", "")


# The format ---------------------------------------------------------------------------------


def test_every_line_ends_with_crlf_and_none_is_longer_than_75_octets():
    event = CalendarEvent(
        uid="x@trellis.invalid",
        summary="Élan, café; naïve " * 12,
        start=datetime.date(2026, 3, 4),
        description="Ünïcödé " * 40,
    )
    text = build_calendar([event], "Mentoring", STAMP)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75


def test_folding_never_splits_a_character_and_unfolds_to_the_original():
    line = "SUMMARY:" + "ü" * 100
    folded = fold(line)
    for part in folded.split("\r\n"):
        part.encode("utf-8").decode("utf-8")
        assert len(part.encode("utf-8")) <= 75
    assert unfold(folded) == line
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])


def test_text_escapes_backslashes_semicolons_commas_and_newlines():
    assert escape_text("a\\b; c, d\ne") == "a\\\\b\\; c\\, d\\ne"


def test_an_all_day_event_has_a_date_start_an_exclusive_end_and_a_stamp():
    event = CalendarEvent(uid="u1", summary="Due", start=datetime.date(2026, 3, 4))
    text = unfold(build_calendar([event], "Mentoring", STAMP))
    assert "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" in text
    assert "DTSTART;VALUE=DATE:20260304\r\n" in text
    assert "DTEND;VALUE=DATE:20260305\r\n" in text
    assert "DTSTAMP:20260302T093000Z\r\n" in text
    assert "UID:u1\r\n" in text
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_timed_event_is_written_in_utc():
    start = datetime.datetime(
        2026, 3, 4, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    text = build_calendar([CalendarEvent(uid="u", summary="Meet", start=start)], "M", STAMP)
    assert "DTSTART:20260304T140000Z\r\n" in text
    assert "DTEND:20260304T150000Z\r\n" in text


# The feed -------------------------------------------------------------------------------------


@pytest.fixture
def journey(program, pair):
    page = JourneyPageFactory(
        parent=program,
        title="Growing, together",
        milestones=[
            milestone("Meet; talk, listen", "first", [step("checklist")], due=10, block_id="a"),
            milestone("Mentors only", "mentors", [step("checklist")], audience="mentors"),
            milestone("Later", "later", [step("checklist")], opens=20, due=7, block_id="c"),
        ],
    )
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=page,
    )


def feed_url(user):
    token = ParticipantPreferences.objects.get_or_create(user=user)[0].calendar_token
    return reverse("journeys:calendar_feed", args=[token])


@pytest.mark.django_db
def test_the_feed_lists_the_members_due_dates_and_meetings(client, journey, pair):
    mentee = pair[1]
    Meeting.objects.create(
        journey=journey,
        held_on=TODAY(),
        duration_minutes=45,
        notes="private notes",
        logged_by=journey.memberships.get(user=mentee),
    )
    response = client.get(feed_url(mentee))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = unfold(response.content.decode())
    due = TODAY() + datetime.timedelta(days=10)
    assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}\r\n" in text
    assert "SUMMARY:Mentoring: “Meet\\; talk\\, listen” is due" in text
    assert f"UID:milestone-{journey.uuid}-a@trellis.invalid" in text
    assert "Mentors only" not in text
    assert text.count("BEGIN:VEVENT") == 3
    assert "Mentoring meeting with mentor@example.com" in text
    assert "private notes" not in text
    assert "Growing\\, together" in text


@pytest.mark.django_db
def test_a_mentor_also_gets_the_mentors_milestones(client, journey, pair):
    text = unfold(client.get(feed_url(pair[0])).content.decode())
    assert "Mentors only" in text


@pytest.mark.django_db
def test_event_uids_stay_the_same_from_one_poll_to_the_next(client, journey, pair):
    def uids():
        text = unfold(client.get(feed_url(pair[1])).content.decode())
        return [line for line in text.split("\r\n") if line.startswith("UID:")]

    assert uids() == uids()


@pytest.mark.django_db
def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("journeys:calendar_feed", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_resetting_the_link_stops_the_old_one_working(client, journey, pair):
    mentee = pair[1]
    old = feed_url(mentee)
    client.force_login(mentee)
    response = client.post(reverse("journeys:reset_calendar"), follow=True)
    assert "Calendars that used the old one will stop updating." in response.content.decode()
    client.logout()
    assert client.get(old).status_code == 404
    new = feed_url(mentee)
    assert new != old
    assert client.get(new).status_code == 200


@pytest.mark.django_db
def test_the_calendar_page_shows_the_secret_link_and_the_reset_button(client, pair):
    mentee = pair[1]
    client.force_login(mentee)
    response = client.get(reverse("journeys:calendar_settings"))
    html = response.content.decode()
    assert f"http://testserver{feed_url(mentee)}" in html
    assert "webcal://testserver" in html
    assert "Reset link" in html


@pytest.mark.django_db
def test_a_journeys_own_calendar_has_only_that_journeys_dates(client, journey, pair, program):
    mentee = pair[1]
    client.force_login(mentee)
    response = client.get(reverse("journeys:journey_calendar", args=[journey.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert unfold(response.content.decode()).count("BEGIN:VEVENT") == 2
