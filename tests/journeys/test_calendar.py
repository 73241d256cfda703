"""The personal calendar feed: valid iCalendar, the right events, a link that can be reset.

The feed's text is read back with ``icalendar``'s own parser, as a calendar app
would read it, and its bytes are checked for what a stricter reader would choke on.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import JourneyPage, Meeting, MemberRole, ParticipantPreferences
from journeys.services.calendar import CalendarEvent, build_calendar, plain_text
from journeys.services.starting import start_journey

TODAY = timezone.localdate
STAMP = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)

# Anything that is a line boundary for some reader, or a control character, other
# than the CRLF that ends each content line.
FORBIDDEN = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]|\r(?!\n)|(?<!\r)\n")


def parse(body):
    """The calendar in ``body``, after checking its lines as RFC 5545 writes them."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    assert text.endswith("\r\n")
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75
    return Calendar.from_ical(text)


def calendar_name(calendar):
    """X-WR-CALNAME as a calendar app shows it.

    ``icalendar`` reads extension properties without undoing TEXT escapes, so
    this does, as a reader that takes it for TEXT (RFC 5545 §3.8.8.2) would.
    """
    return re.sub(
        r"\\([\\;,nN])", lambda m: m[1] if m[1] in "\\;," else "\n", calendar["X-WR-CALNAME"]
    )


def summaries(calendar):
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


# The format ---------------------------------------------------------------------------------


def test_long_text_is_folded_and_reads_back_whole():
    summary = "Élan, café; naïve " * 12
    event = CalendarEvent(
        uid="x@trellis.invalid",
        summary=summary,
        start=datetime.date(2026, 3, 4),
        description="Ünïcödé " * 40,
    )
    calendar = parse(build_calendar([event], "Mentoring", STAMP))
    [read] = calendar.walk("VEVENT")
    assert str(read["SUMMARY"]) == summary.strip()
    assert str(read["DESCRIPTION"]) == ("Ünïcödé " * 40).strip()


def test_an_all_day_event_has_a_date_start_an_exclusive_end_and_a_stamp():
    event = CalendarEvent(uid="u1", summary="Due", start=datetime.date(2026, 3, 4))
    body = build_calendar([event], "Mentoring", STAMP)
    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260304\r\n" in text
    assert "DTEND;VALUE=DATE:20260305\r\n" in text
    assert "DTSTAMP:20260302T093000Z\r\n" in text
    calendar = parse(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Trellis//Mentoring journeys//EN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    [read] = calendar.walk("VEVENT")
    assert str(read["UID"]) == "u1"
    assert read.start == datetime.date(2026, 3, 4)
    assert read.end == datetime.date(2026, 3, 5)


def test_a_timed_event_is_written_in_utc():
    start = datetime.datetime(
        2026, 3, 4, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    body = build_calendar([CalendarEvent(uid="u", summary="Meet", start=start)], "M", STAMP)
    assert "DTSTART:20260304T140000Z\r\n" in body.decode()
    assert "DTEND:20260304T150000Z\r\n" in body.decode()
    [read] = parse(body).walk("VEVENT")
    assert read.start == datetime.datetime(2026, 3, 4, 14, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("a\u2028b", "a b"),
        ("a\u2029b", "a b"),
        ("a\x85b", "a b"),
        ("a\r\nb", "a b"),
        ("a\rb", "a b"),
        ("a\nb", "a b"),
        ("a\x0bb\x0cc", "a b c"),
        ("a\tb", "a b"),
        ("a\x00b\x07c\x1bd\x7fe\x9bf", "abcdef"),
        ("a; b, c\\d", "a; b, c\\d"),
        ("  padded\n", "padded"),
    ],
)
def test_text_keeps_to_one_line_without_control_characters(typed, written):
    assert plain_text(typed) == written


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
    meeting = Meeting.objects.create(
        journey=journey,
        held_on=TODAY(),
        duration_minutes=45,
        notes="private notes",
        agreed_actions="private actions",
        logged_by=journey.memberships.get(user=mentee),
    )
    response = client.get(feed_url(mentee))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"private" not in response.content
    calendar = parse(response.content)
    assert calendar_name(calendar) == "My mentoring"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"milestone-{journey.uuid}-a@trellis.invalid",
        f"milestone-{journey.uuid}-c@trellis.invalid",
        f"meeting-{meeting.uuid}@trellis.invalid",
    }

    first = events[f"milestone-{journey.uuid}-a@trellis.invalid"]
    assert str(first["SUMMARY"]) == "Mentoring: “Meet; talk, listen” is due"
    assert first.start == TODAY() + datetime.timedelta(days=10)
    assert first.end == TODAY() + datetime.timedelta(days=11)
    assert str(first["DESCRIPTION"]) == "Growing, together, with mentor@example.com."
    assert str(first["URL"]) == "http://testserver" + reverse(
        "journeys:milestone", args=[journey.uuid, "a"]
    )
    assert str(first["TRANSP"]) == "TRANSPARENT"
    assert first.stamp.tzinfo is not None

    later = events[f"milestone-{journey.uuid}-c@trellis.invalid"]
    assert later.start == TODAY() + datetime.timedelta(days=27)

    held = events[f"meeting-{meeting.uuid}@trellis.invalid"]
    assert str(held["SUMMARY"]) == "Mentoring meeting with mentor@example.com"
    assert held.start == TODAY()
    assert str(held["DESCRIPTION"]) == "Growing, together. About 45 minutes."
    assert str(held["URL"]) == "http://testserver" + reverse(
        "journeys:meeting", args=[journey.uuid, meeting.uuid]
    )


@pytest.mark.django_db
def test_the_feed_links_a_journey_of_another_site_at_that_sites_address(client, journey, pair):
    from wagtail.models import Page, Site

    from cms.models import HomePage

    mentor, mentee = pair
    other_home = HomePage(title="Cold Chain", slug="cold-chain")
    Page.get_first_root_node().add_child(instance=other_home)
    other_home.save_revision().publish()
    Site.objects.create(hostname="cold.example", port=80, root_page=other_home)
    other_program = ProgramPageFactory(parent=other_home, title="Cold Chain mentoring")
    other = start_journey(
        other_program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=JourneyPageFactory(
            parent=other_program,
            milestones=[milestone("Cold start", "cold", [step("checklist")], block_id="k")],
        ),
    )

    events = {
        str(event["UID"]): str(event["URL"])
        for event in parse(client.get(feed_url(mentee)).content).walk("VEVENT")
    }

    assert events[f"milestone-{journey.uuid}-a@trellis.invalid"] == "http://testserver" + (
        reverse("journeys:milestone", args=[journey.uuid, "a"])
    )
    assert events[f"milestone-{other.uuid}-k@trellis.invalid"] == "http://cold.example" + (
        reverse("journeys:milestone", args=[other.uuid, "k"])
    )


@pytest.mark.django_db
def test_a_mentor_also_gets_the_mentors_milestones(client, journey, pair):
    calendar = parse(client.get(feed_url(pair[0])).content)
    assert "Mentoring: “Mentors only” is due" in summaries(calendar)
    assert len(calendar.walk("VEVENT")) == 3


@pytest.mark.django_db
def test_event_uids_stay_the_same_from_one_poll_to_the_next(client, journey, pair):
    def uids():
        calendar = parse(client.get(feed_url(pair[1])).content)
        return [str(event["UID"]) for event in calendar.walk("VEVENT")]

    first = uids()
    assert len(first) == 2
    assert uids() == first


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
    other_page = JourneyPageFactory(
        parent=program,
        title="Another",
        milestones=[milestone("Elsewhere", "elsewhere", [step("checklist")])],
    )
    start_journey(
        program,
        [(pair[0], MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=other_page,
    )
    client.force_login(mentee)
    response = client.get(reverse("journeys:journey_calendar", args=[journey.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="journey.ics"'
    calendar = parse(response.content)
    assert calendar_name(calendar) == "Growing, together"
    assert summaries(calendar) == [
        "Mentoring: “Meet; talk, listen” is due",
        "Mentoring: “Later” is due",
    ]
    assert len(parse(client.get(feed_url(mentee)).content).walk("VEVENT")) == 3


@pytest.mark.django_db
def test_someone_elses_journey_calendar_is_not_found(client, journey, user_factory):
    client.force_login(user_factory())
    response = client.get(reverse("journeys:journey_calendar", args=[journey.uuid]))
    assert response.status_code == 404


# Hostile text ---------------------------------------------------------------------------------
# NUL is left to the unit test above: PostgreSQL refuses to store it in the first place.

HOSTILE = [
    ("line\u2028separator", "line separator"),
    ("paragraph\u2029separator", "paragraph separator"),
    ("next\x85line", "next line"),
    ("carriage\r\nreturn", "carriage return"),
    ("bare\rreturn", "bare return"),
    ("bare\nfeed", "bare feed"),
    ("start\x01bell\x07escape\x1bunit\x1fdel\x7f", "startbellescapeunitdel"),
    ("tab\tvertical\x0bform\x0cfile\x1cseparator", "tab vertical form file separator"),
    ("semi; comma, back\\slash", "semi; comma, back\\slash"),
    (
        "Forged\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged\r\nSUMMARY:Pay now",
        "Forged END:VEVENT BEGIN:VEVENT UID:forged SUMMARY:Pay now",
    ),
    (
        "Forged\u2028END:VEVENT\u2028BEGIN:VEVENT\u2028SUMMARY:Pay now",
        "Forged END:VEVENT BEGIN:VEVENT SUMMARY:Pay now",
    ),
    ("long\u2028" + "ü;," * 40, "long " + "ü;," * 40),
]


@pytest.fixture
def hostile_journey(program, pair):
    """A journey whose title and milestone titles hold every hostile string at once."""
    page = JourneyPageFactory(
        parent=program,
        milestones=[
            milestone(typed, f"m{index}", [step("checklist")], due=index + 1, block_id=f"m{index}")
            for index, (typed, _written) in enumerate(HOSTILE)
        ],
    )
    # Stored as it stands: a title from before the editor refused line breaks in titles.
    page.title = "Journey\u2028title;\x85with, \x02every\r\nbreak\\"
    JourneyPage.objects.filter(pk=page.pk).update(title=page.title)
    return start_journey(
        program,
        [(pair[0], MemberRole.MENTOR), (pair[1], MemberRole.MENTEE)],
        TODAY(),
        template=page,
    )


JOURNEY_TITLE = "Journey title; with, every break\\"


@pytest.mark.django_db
def test_hostile_milestone_titles_stay_one_event_each_in_the_feed(client, hostile_journey, pair):
    response = client.get(feed_url(pair[1]))
    assert response.status_code == 200
    calendar = parse(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == len(HOSTILE)
    by_uid = {str(event["UID"]): event for event in events}
    for index, (_typed, written) in enumerate(HOSTILE):
        event = by_uid[f"milestone-{hostile_journey.uuid}-m{index}@trellis.invalid"]
        assert str(event["SUMMARY"]) == f"Mentoring: “{written}” is due"
        assert event.start == TODAY() + datetime.timedelta(days=index + 1)
        assert str(event["DESCRIPTION"]) == f"{JOURNEY_TITLE}, with mentor@example.com."
    assert "forged" not in by_uid


@pytest.mark.django_db
def test_a_hostile_journey_title_names_its_own_calendar_safely(client, hostile_journey, pair):
    client.force_login(pair[1])
    response = client.get(reverse("journeys:journey_calendar", args=[hostile_journey.uuid]))
    assert response.status_code == 200
    calendar = parse(response.content)
    assert calendar_name(calendar) == JOURNEY_TITLE
    assert len(calendar.walk("VEVENT")) == len(HOSTILE)
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [
        f"Mentoring: “{written}” is due" for _typed, written in HOSTILE
    ]


@pytest.mark.django_db
def test_a_hostile_name_stays_inside_the_meeting_it_names(client, journey, pair):
    mentor, mentee = pair
    mentor.first_name = "Eve\u2028END:VEVENT\r\nBEGIN:VEVENT"
    mentor.last_name = "Smith,\x03 Jr;"
    mentor.save()
    Meeting.objects.create(
        journey=journey,
        held_on=TODAY(),
        duration_minutes=30,
        logged_by=journey.memberships.get(user=mentee),
    )
    calendar = parse(client.get(feed_url(mentee)).content)
    assert len(calendar.walk("VEVENT")) == 3
    assert "Mentoring meeting with Eve END:VEVENT BEGIN:VEVENT Smith, Jr;" in summaries(calendar)


# Planned meetings in the feeds ----------------------------------------------------------------


def agree(journey, proposer, accepter, when, **details):
    from journeys.services import meetings

    now = timezone.now()
    plan = meetings.propose(
        journey,
        proposer,
        options=[when],
        duration_minutes=details.get("duration_minutes", 40),
        place=details.get("place", "Room 4"),
        video_link=details.get("video_link", ""),
        agenda=details.get("agenda", "PRIVATE AGENDA"),
        now=now,
    )
    meetings.accept(plan, accepter, when, now)
    plan.refresh_from_db()
    return plan


@pytest.mark.django_db
def test_an_agreed_meeting_is_in_both_feeds_with_the_invitations_uid_and_sequence(
    client, journey, pair
):
    from journeys.models import OutboxEmail
    from journeys.services.calendar import planned_meeting_uid

    mentor, mentee = pair
    when = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    plan = agree(journey, mentor, mentee, when, video_link="https://meet.example.com/x")
    from journeys.services import meetings

    meetings.move(
        plan,
        mentee,
        starts_at=when + datetime.timedelta(hours=2),
        duration_minutes=40,
        place="Room 4",
        video_link="https://meet.example.com/x",
        now=timezone.now(),
    )
    client.force_login(mentee)
    for body in (
        client.get(feed_url(mentee)).content,
        client.get(reverse("journeys:journey_calendar", args=[journey.uuid])).content,
        client.get(feed_url(mentor)).content,
    ):
        assert b"PRIVATE AGENDA" not in body
        events = {str(e["UID"]): e for e in parse(body).walk("VEVENT")}
        event = events[planned_meeting_uid(plan.uuid)]
        assert event.start == when + datetime.timedelta(hours=2)
        assert event.end == when + datetime.timedelta(hours=2, minutes=40)
        assert event.start.utcoffset() == datetime.timedelta(0)
        assert event["DTSTART"].to_ical().endswith(b"Z")  # UTC, no VTIMEZONE needed
        assert event["SEQUENCE"] == 1
        assert str(event["LOCATION"]) == "Room 4 · https://meet.example.com/x"
        assert str(event["URL"]).endswith(f"#plan-{plan.uuid}")
    invitation = OutboxEmail.objects.filter(calendar_method="REQUEST").last()
    [sent] = Calendar.from_ical(invitation.calendar).walk("VEVENT")
    assert str(sent["UID"]) == planned_meeting_uid(plan.uuid)


@pytest.mark.django_db
def test_proposed_cancelled_and_not_held_meetings_stay_out_and_a_held_one_appears_once(
    client, journey, pair
):
    from journeys.services import meetings
    from journeys.services.calendar import planned_meeting_uid

    mentor, mentee = pair
    now = timezone.now()
    later = (now + datetime.timedelta(days=3)).replace(microsecond=0)
    proposed = meetings.propose(
        journey,
        mentor,
        options=[later],
        duration_minutes=30,
        place="Room 4",
        video_link="",
        agenda="",
        now=now,
    )
    cancelled = agree(journey, mentor, mentee, later + datetime.timedelta(days=1))
    meetings.cancel(cancelled, mentee, now)
    soon = (now + datetime.timedelta(hours=1)).replace(microsecond=0)
    missed = agree(journey, mentor, mentee, soon)
    meetings.mark_not_held(missed, mentor, soon + datetime.timedelta(hours=1))
    held = agree(journey, mentor, mentee, soon + datetime.timedelta(minutes=5))
    meeting = meetings.mark_held(held, mentee, soon + datetime.timedelta(hours=1))

    uids = [str(e["UID"]) for e in parse(client.get(feed_url(mentee)).content).walk("VEVENT")]
    assert planned_meeting_uid(held.uuid) in uids
    for absent in (proposed, cancelled, missed):
        assert planned_meeting_uid(absent.uuid) not in uids
    assert f"meeting-{meeting.uuid}@trellis.invalid" not in uids
