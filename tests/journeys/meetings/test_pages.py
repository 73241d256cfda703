"""Planning meetings through the real pages: members only, without JavaScript, safe links."""

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from journeys.models import Meeting, PlannedMeeting, PlannedMeetingStatus
from journeys.services import meetings

from ..test_views import queries_for, visible_text
from .helpers import HOUR, agreed, at, delivered, local_input, propose, url

pytestmark = pytest.mark.django_db


def form_data(now, **overrides):
    data = {
        "option_1": local_input(at(now, 3, 9)),
        "option_2": local_input(at(now, 4, 15)),
        "option_3": "",
        "duration_minutes": "45",
        "place": "Room 4",
        "video_link": "",
        "agenda": "How we will work together",
        "milestone_id": "",
        "step_id": "",
    }
    data.update(overrides)
    return data


def errors_next_to(response, field_id):
    html = response.content.decode()
    start = html.index(f'id="{field_id}_errors"')
    return html[start : html.index("</ul>", start)]


# Proposing ------------------------------------------------------------------------------------


def test_proposing_from_the_journey_page_shows_it_to_both(client, journey, mentor, mentee, now):
    client.force_login(mentor)
    response = client.post(url("propose_meeting", journey), form_data(now))
    plan = PlannedMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#plan-{plan.uuid}")
    assert (plan.option_1, plan.option_2, plan.option_3) == (at(now, 3, 9), at(now, 4, 15), None)
    assert (plan.place, plan.duration_minutes, plan.status) == ("Room 4", 45, "proposed")

    own = visible_text(client.get(url("journey", journey)))
    assert "Waiting for the others to choose" in own
    assert "Accept this time" not in own
    client.force_login(mentee)
    theirs = client.get(url("journey", journey))
    text = visible_text(theirs)
    assert "Choose a time" in text
    assert "Morgan Reid offered these times." in text
    assert meetings.when_text(at(now, 3, 9), timezone.get_default_timezone()) in text
    assert "Accept this time" in text
    assert f'id="plan-{plan.uuid}"' in theirs.content.decode()


def test_proposing_from_the_meet_step_links_the_step_and_returns_there(
    client, journey, mentor, now
):
    client.force_login(mentor)
    response = client.post(
        url("propose_meeting", journey),
        form_data(now, milestone_id="m-start", step_id="s-meet"),
    )
    assert response["Location"].endswith("/milestones/m-start/#step-s-meet")
    plan = PlannedMeeting.objects.get()
    assert (plan.milestone_id, plan.step_id) == ("m-start", "s-meet")
    page = visible_text(client.get(url("milestone", journey, "m-start")))
    assert "Planned for this step" in page


@pytest.mark.parametrize(
    ("changes", "field_id", "words"),
    [
        ({"option_1": "2020-01-01T10:00"}, "plan-option_1", "This time has passed"),
        ({"option_1": "not a time"}, "plan-option_1", "Enter a valid date/time"),
        ({"place": "", "video_link": ""}, "plan-place", "or give a video link"),
        ({"video_link": "ftp://example.com/x"}, "plan-video_link", "starting https://"),
        ({"video_link": "http://meet.example/abc"}, "plan-video_link", "starting https://"),
        ({"video_link": "javascript:alert(1)"}, "plan-video_link", "Enter a valid URL"),
        ({"place": "Room " * 60}, "plan-place", "at most 200 characters"),
        (
            {"duration_minutes": "2"},
            "plan-duration_minutes",
            "A meeting lasts at least 5 minutes.",
        ),
        (
            {"duration_minutes": "601"},
            "plan-duration_minutes",
            "A meeting lasts at most 10 hours (600 minutes).",
        ),
        ({"agenda": "a" * 2001}, "plan-agenda", "at most 2000"),
    ],
)
def test_a_proposal_that_cannot_be_kept_says_why_next_to_the_field(
    client, journey, mentor, now, changes, field_id, words
):
    client.force_login(mentor)
    response = client.post(url("propose_meeting", journey), form_data(now, **changes))
    assert response.status_code == 400
    errors = errors_next_to(response, field_id)
    assert words in errors
    assert errors.count("<li") == 1  # the one thing wrong, said once
    assert 'value="Room 4"' in response.content.decode() or "place" in changes
    assert not PlannedMeeting.objects.exists()


def test_a_refused_proposal_on_the_meet_step_comes_back_to_the_milestone(
    client, journey, mentor, now
):
    client.force_login(mentor)
    response = client.post(
        url("propose_meeting", journey),
        form_data(now, option_1="2020-01-01T10:00", milestone_id="m-start", step_id="s-meet"),
    )
    assert response.status_code == 400
    assert "This time has passed" in errors_next_to(response, "step-s-meet-plan-option_1")


def test_a_time_the_clocks_skip_is_refused_in_plain_words(journey, mentor, client):
    """Half past two on the night the clocks go forward does not exist in Amsterdam."""
    import datetime

    from journeys.models import Profile

    Profile.objects.create(user=mentor, time_zone="Europe/Amsterdam")
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        march_31 = datetime.date(year, 3, 31)
        change = march_31 - datetime.timedelta(days=(march_31.weekday() + 1) % 7)
        if change > today:
            break
    client.force_login(mentor)
    response = client.post(
        url("propose_meeting", journey),
        {"option_1": f"{change.isoformat()}T02:30", "duration_minutes": "30", "place": "Room 4"},
    )
    assert response.status_code == 400
    errors = errors_next_to(response, "plan-option_1")
    assert "The clocks change around then in Europe/Amsterdam" in errors
    assert "couldn’t be interpreted" not in errors
    assert not PlannedMeeting.objects.exists()


def test_times_are_read_and_shown_in_each_persons_own_time_zone(
    journey, mentor, mentee, now, client
):
    """The zone on a person's profile decides how their inputs are read and shown."""
    from journeys.models import Profile

    tokyo = ZoneInfo("Asia/Tokyo")
    Profile.objects.create(user=mentor, time_zone="Asia/Tokyo")
    moment = at(now, 3, 9)
    client.force_login(mentor)
    response = client.post(
        url("propose_meeting", journey),
        {"option_1": local_input(moment, tokyo), "duration_minutes": "30", "place": "Room 4"},
    )
    assert response.status_code == 302
    plan = PlannedMeeting.objects.get()
    assert plan.option_1 == moment
    assert "(Asia/Tokyo)" in meetings.when_text(moment, tokyo)
    page = client.get(url("journey", journey)).content.decode()
    assert meetings.when_text(moment, tokyo) in page

    # The partner, without a zone of their own, reads the same moment in the site's.
    client.force_login(mentee)
    site_zone = ZoneInfo(settings.TIME_ZONE)
    page = client.get(url("journey", journey)).content.decode()
    assert meetings.when_text(moment, site_zone) in page
    assert meetings.when_text(moment, tokyo) not in page


def test_the_time_fields_name_the_zone_they_are_read_in_as_people_write_it(
    journey, mentor, now, client
):
    from journeys.models import Profile

    Profile.objects.create(user=mentor, time_zone="America/New_York")
    client.force_login(mentor)

    text = visible_text(client.get(url("propose_meeting", journey)))

    assert "In your time zone, America/New York." in text
    moment = at(now, 3, 9)
    assert meetings.when_text(moment, ZoneInfo("America/New_York")).endswith("(America/New York)")


def test_a_zone_the_machine_no_longer_knows_falls_back_to_the_sites(mentor, settings):
    from journeys.models import Profile
    from journeys.services.people import time_zone_for

    Profile.objects.create(user=mentor, time_zone="Mars/Olympus_Mons")
    mentor.refresh_from_db()
    assert time_zone_for(mentor) == ZoneInfo(settings.TIME_ZONE)


def test_the_meet_steps_form_starts_its_agenda_from_the_discussion_guide(client, journey, mentee):
    client.force_login(mentee)
    page = client.get(url("milestone", journey, "m-start")).content.decode()
    start = page.index('name="agenda"')
    agenda = page[start : page.index("</textarea>", start)]
    assert "Meet for coffee" in agenda
    assert "From the guide “First conversation guide”:" in agenda
    assert "Questions for your first hour together." in agenda
    assert "- What do you hope to learn?" in agenda
    assert "- How will we keep in touch?" in agenda


def test_a_hostile_agenda_is_shown_sanitised(client, journey, mentor, mentee, now):
    propose(
        journey,
        mentor,
        now,
        at(now, 2),
        agenda="<script>alert(1)</script> [x](javascript:alert(2)) **bold**",
    )
    client.force_login(mentee)
    page = client.get(url("journey", journey)).content.decode()
    assert "<script>alert(1)" not in page
    assert "javascript:alert(2)" not in page
    assert "<strong>bold</strong>" in page
    [proposal] = delivered()
    html = proposal.alternatives[0][0]
    assert "<script>alert(1)" not in html
    assert "<strong>bold</strong>" in html


# Answering ------------------------------------------------------------------------------------


def test_accepting_a_time_on_the_page_agrees_it_and_queues_both_invitations(
    client, journey, mentor, mentee, now
):
    plan = propose(journey, mentor, now, at(now, 3), at(now, 4))
    delivered()
    client.force_login(mentee)
    response = client.post(
        url("accept_meeting", journey, plan.uuid), {"option": at(now, 4).isoformat()}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.starts_at) == ("accepted", at(now, 4))
    assert len(delivered()) == 2
    page = visible_text(client.get(url("journey", journey)))
    assert "Agreed" in page
    assert "Move this meeting" in page
    assert "Cancel this meeting" in page


def test_accepting_without_a_choice_says_so(client, journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 3))
    client.force_login(mentee)
    response = client.post(url("accept_meeting", journey, plan.uuid), {})
    assert response.status_code == 400
    assert "Choose one of the times." in visible_text(response)


def test_accepting_a_settled_meeting_says_why(client, journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 3))
    meetings.cancel(plan, mentor, now)
    client.force_login(mentee)
    response = client.post(
        url("accept_meeting", journey, plan.uuid), {"option": at(now, 3).isoformat()}, follow=True
    )
    assert "This meeting was cancelled, so you cannot accept a time." in visible_text(response)


def test_suggesting_other_times_hands_the_choice_back(client, journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 3))
    client.force_login(mentee)
    response = client.post(
        url("suggest_times", journey, plan.uuid), {"option_1": local_input(at(now, 5, 16))}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.options == [at(now, 5, 16)]
    assert plan.options_by.user == mentee
    client.force_login(mentor)
    assert "Accept this time" in visible_text(client.get(url("journey", journey)))


def test_suggesting_a_past_time_is_refused_next_to_it(client, journey, mentor, mentee, now):
    plan = propose(journey, mentor, now, at(now, 3))
    client.force_login(mentee)
    response = client.post(
        url("suggest_times", journey, plan.uuid), {"option_1": "2020-05-05T10:00"}
    )
    assert response.status_code == 400
    assert "This time has passed" in errors_next_to(response, f"plan-{plan.uuid}-suggest-option_1")


def test_moving_on_the_page_sends_an_update(client, journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    client.force_login(mentee)
    response = client.post(
        url("move_meeting", journey, plan.uuid),
        {
            "starts_at": local_input(at(now, 7, 11)),
            "duration_minutes": "30",
            "place": "",
            "video_link": "https://meet.example.com/x",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.starts_at, plan.sequence, plan.video_link) == (
        at(now, 7, 11),
        1,
        "https://meet.example.com/x",
    )


def test_the_journey_page_links_to_a_planned_meetings_page_for_its_forms(
    client, journey, mentor, mentee, now
):
    proposed = propose(journey, mentor, now, at(now, 3))
    moving = agreed(journey, mentor, mentee, now, days=4)
    client.force_login(mentee)
    page = client.get(url("journey", journey)).content.decode()
    for plan, kind in ((proposed, "suggest"), (moving, "move")):
        assert (
            f'href="{url("planned_meeting", journey, plan.uuid)}#plan-{plan.uuid}-{kind}"' in page
        )
        assert f'id="plan-{plan.uuid}-{kind}-' not in page

    response = client.get(url("planned_meeting", journey, proposed.uuid))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a time" in visible_text(response)
    assert f'action="{url("suggest_times", journey, proposed.uuid)}"' in html
    assert f'id="plan-{proposed.uuid}-suggest-option_1"' in html
    assert f'id="plan-{moving.uuid}' not in html

    response = client.get(url("planned_meeting", journey, moving.uuid))
    html = response.content.decode()
    assert f'action="{url("move_meeting", journey, moving.uuid)}"' in html
    assert f'id="plan-{moving.uuid}-move-starts_at"' in html
    assert "Cancel this meeting" in visible_text(response)


def test_a_settled_planned_meetings_page_sends_back_to_the_journey(
    client, journey, mentor, mentee, now
):
    plan = propose(journey, mentor, now, at(now, 3))
    meetings.cancel(plan, mentor, now)
    client.force_login(mentee)
    response = client.get(url("planned_meeting", journey, plan.uuid), follow=True)
    assert response.redirect_chain == [(url("journey", journey) + "#meetings", 302)]
    assert "This meeting is no longer being planned." in visible_text(response)


def test_a_move_without_a_time_is_refused_next_to_it(client, journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    client.force_login(mentee)
    response = client.post(
        url("move_meeting", journey, plan.uuid),
        {"starts_at": "", "duration_minutes": "30", "place": "Room 4"},
    )
    assert response.status_code == 400
    assert "This field is required." in errors_next_to(
        response, f"plan-{plan.uuid}-move-starts_at"
    )


def test_cancelling_on_the_page(client, journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    client.force_login(mentor)
    response = client.post(url("cancel_meeting", journey, plan.uuid), follow=True)
    assert "The meeting is cancelled." in visible_text(response)
    plan.refresh_from_db()
    assert plan.status == PlannedMeetingStatus.CANCELLED


def test_after_its_time_the_page_asks_did_you_meet_and_yes_offers_notes(
    client, journey, mentor, mentee, now
):
    plan = agreed(journey, mentor, mentee, now)
    PlannedMeeting.objects.filter(pk=plan.pk).update(starts_at=now - 2 * HOUR, ends_at=now - HOUR)
    client.force_login(mentee)
    page = visible_text(client.get(url("journey", journey)))
    assert "Did you meet?" in page
    assert "Yes, we met" in page and "No, we did not meet" in page

    response = client.post(url("meeting_held", journey, plan.uuid))
    meeting = Meeting.objects.get()
    assert response["Location"] == url("meeting", journey, meeting.uuid) + "#notes"
    page = client.get(url("meeting", journey, meeting.uuid))
    assert "Add your notes" in visible_text(page)

    response = client.post(
        url("meeting_notes", journey, meeting.uuid),
        {"notes": "We talked about **first teams**.", "agreed_actions": "Sam books a room."},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.notes == "We talked about **first teams**."
    assert meeting.agreed_actions == "Sam books a room."

    client.force_login(mentor)  # the partner reads the notes but cannot rewrite them
    page = client.get(url("meeting", journey, meeting.uuid))
    assert "<strong>first teams</strong>" in page.content.decode()
    assert "Add your notes" not in visible_text(page)
    response = client.post(
        url("meeting_notes", journey, meeting.uuid), {"notes": "Mine now", "agreed_actions": ""}
    )
    meeting.refresh_from_db()
    assert meeting.notes == "We talked about **first teams**."


def test_no_we_did_not_meet_offers_a_new_time(client, journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    PlannedMeeting.objects.filter(pk=plan.pk).update(starts_at=now - 2 * HOUR, ends_at=now - HOUR)
    client.force_login(mentor)
    response = client.post(url("meeting_not_held", journey, plan.uuid), follow=True)
    page = visible_text(response)
    assert "Did not take place" in page
    assert "Choose a new time" in page
    assert not Meeting.objects.exists()


def test_meeting_notes_past_their_limit_are_refused_next_to_the_field(
    client, journey, mentor, mentee, now
):
    plan = agreed(journey, mentor, mentee, now)
    PlannedMeeting.objects.filter(pk=plan.pk).update(starts_at=now - HOUR, ends_at=now)
    meeting = meetings.mark_held(plan, mentee, now)
    client.force_login(mentee)
    response = client.post(
        url("meeting_notes", journey, meeting.uuid), {"notes": "", "agreed_actions": "a" * 2001}
    )
    assert response.status_code == 400
    assert "at most 2000" in errors_next_to(response, "notes-agreed_actions")


# Isolation --------------------------------------------------------------------------------------


def every_url(journey, plan, meeting):
    return [
        ("post", url("propose_meeting", journey)),
        ("post", url("accept_meeting", journey, plan.uuid)),
        ("post", url("suggest_times", journey, plan.uuid)),
        ("post", url("move_meeting", journey, plan.uuid)),
        ("post", url("cancel_meeting", journey, plan.uuid)),
        ("post", url("meeting_held", journey, plan.uuid)),
        ("post", url("meeting_not_held", journey, plan.uuid)),
        ("post", url("meeting_notes", journey, meeting.uuid)),
        ("get", url("meeting", journey, meeting.uuid)),
        ("get", url("planned_meeting", journey, plan.uuid)),
    ]


@pytest.fixture
def plan_and_meeting(journey, mentor, mentee, now):
    plan = agreed(journey, mentor, mentee, now)
    meeting = Meeting.objects.create(
        journey=journey,
        held_on=timezone.localdate(),
        duration_minutes=30,
        logged_by=journey.memberships.get(user=mentee),
    )
    return plan, meeting


def test_every_meeting_url_is_not_found_for_anyone_outside_the_journey(
    client, journey, plan_and_meeting, user_factory, now
):
    plan, meeting = plan_and_meeting
    before = (PlannedMeeting.objects.get().status, PlannedMeeting.objects.count())
    for who in (user_factory(email="stranger@example.com"), user_factory(is_staff=True)):
        client.force_login(who)
        for method, target in every_url(journey, plan, meeting):
            for verb in ("get", "post"):
                response = getattr(client, verb)(target, form_data(now))
                assert response.status_code == 404, (who, verb, target, method)
    assert (PlannedMeeting.objects.get().status, PlannedMeeting.objects.count()) == before


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_meeting_url(
    client, journey, plan_and_meeting, now
):
    plan, meeting = plan_and_meeting
    for _method, target in every_url(journey, plan, meeting):
        for verb in ("get", "post"):
            response = getattr(client, verb)(target)
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]


def test_a_planned_meeting_of_another_journey_is_not_found_from_this_one(
    client, program, template, journey, mentor, mentee, user_factory, now
):
    from journeys.models import MemberRole
    from journeys.services.starting import start_journey

    others = start_journey(
        program,
        [
            (user_factory(email="a@example.com"), MemberRole.MENTOR),
            (user_factory(email="b@example.com"), MemberRole.MENTEE),
        ],
        started_on=timezone.localdate(),
        template=template,
    )
    theirs = propose(others, others.memberships.first().user, now, at(now, 2))
    client.force_login(mentee)
    for name in ("accept_meeting", "cancel_meeting", "suggest_times", "move_meeting"):
        response = client.post(url(name, journey, theirs.uuid), {"option": at(now, 2).isoformat()})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "proposed"


def test_post_only_meeting_urls_answer_a_members_get_with_405(client, journey, plan_and_meeting):
    plan, _meeting = plan_and_meeting
    client.force_login(plan.proposer.user)
    assert client.get(url("cancel_meeting", journey, plan.uuid)).status_code == 405


# Cost -----------------------------------------------------------------------------------------


def test_the_journey_page_costs_the_same_queries_with_no_or_three_planned_meetings(
    client, journey, mentor, mentee, now, django_assert_max_num_queries
):
    client.force_login(mentee)
    target = url("journey", journey)
    none = queries_for(client, django_assert_max_num_queries, target)
    propose(journey, mentor, now, at(now, 2))
    agreed(journey, mentor, mentee, now, days=3)
    later = agreed(journey, mentor, mentee, now, days=4)
    meetings.mark_not_held(later, mentor, at(now, 4) + HOUR)
    several = queries_for(client, django_assert_max_num_queries, target)
    assert none == several
    assert PlannedMeeting.objects.count() == 3
