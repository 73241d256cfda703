"""The participant pages: what members see, and what their actions change."""

import datetime
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from content.factories import LeaderStoryPageFactory, MaterialPageFactory, markdown_body
from journeys.factories import JourneyPageFactory, milestone, simple_milestones, step
from journeys.models import (
    EmailChoice,
    Goal,
    GoalStatus,
    Meeting,
    MemberRole,
    ParticipantPreferences,
    Profile,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from journeys.services.progress import complete_step, save_reflection
from journeys.services.starting import start_journey
from tests import hostile

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def material(library):
    return MaterialPageFactory(
        parent=library,
        title="Listening well",
        summary="How to listen so the other person feels heard.",
        body=markdown_body("## Listen first\n\nThe art of **listening deeply** to a colleague."),
    )


@pytest.fixture
def guide(library):
    return MaterialPageFactory(
        parent=library,
        title="First conversation guide",
        body=markdown_body("Ask each other: what brought you here?"),
    )


@pytest.fixture
def story(stories):
    return LeaderStoryPageFactory(
        parent=stories,
        title="The mentor who believed in me",
        body=[("paragraph", "<p>Amara tells how a mentor changed her path.</p>")],
    )


@pytest.fixture
def template(program, material, guide, story):
    """A journey template with every kind of step, and one milestone only mentors do."""
    page = JourneyPageFactory(
        parent=program,
        title="Growing together",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("read", {"page": material.pk, "note": "Read this before you meet."}),
                    step("reflect", {"prompt": "What do you hope for?", "guidance": ""}),
                    step("meet", {"purpose": "Meet for coffee", "discussion_guide": guide.pk}),
                    step("set_goals"),
                    step("checklist", {"text": "Book a recurring slot"}),
                    step("pulse"),
                ],
                block_id="m-start",
            ),
            milestone(
                "A story for mentors",
                "mentors",
                [step("read", {"page": story.pk, "note": ""})],
                audience="mentors",
                block_id="m-mentors",
            ),
            milestone(
                "Looking back",
                "back",
                [step("review_goals"), step("checklist")],
                opens=30,
                prerequisites="start",
                block_id="m-back",
            ),
        ],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def journey(program, template, pair):
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=TODAY() - datetime.timedelta(days=2),
        template=template,
    )


@pytest.fixture
def mentor(pair):
    return pair[0]


@pytest.fixture
def mentee(pair):
    return pair[1]


def step_id(journey, milestone_id, kind):
    from journeys.services.state import journey_state

    snapshot = journey_state(journey, TODAY()).snapshot
    return next(s.id for s in snapshot.milestones_by_id[milestone_id].steps if s.kind == kind)


def url(name, journey, *args):
    return reverse(f"journeys:{name}", args=[journey.uuid, *args])


def visible_text(response):
    """The page's words as a reader meets them: text, button values and labels."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input type="hidden"[^>]*>', " ", html)
    values = re.findall(r'\b(?:value|aria-label|title|placeholder)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return unescape(" ".join([text, *values]))


# My mentoring -------------------------------------------------------------------------


def test_my_mentoring_shows_the_partner_progress_and_a_link_to_the_next_step(
    client, journey, mentee
):
    client.force_login(mentee)
    response = client.get(reverse("journeys:my_mentoring"))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Growing together" in text
    assert "mentor@example.com" in text
    assert "0% of the journey done" in text
    assert "Listening well" in text
    first_step = step_id(journey, "m-start", "read")
    assert f"{url('milestone', journey, 'm-start')}#step-{first_step}" in response.content.decode()


def test_my_mentoring_says_when_the_next_milestone_opens_once_nothing_is_open(
    client, program, template, pair, user_factory
):
    mentor, mentee = pair
    start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=TODAY() + datetime.timedelta(days=5),
        template=template,
    )
    client.force_login(mentee)
    text = visible_text(client.get(reverse("journeys:my_mentoring")))
    assert "Nothing to do right now" in text
    opens = date_format(TODAY() + datetime.timedelta(days=5), "j F Y")
    assert f"“Getting to know each other” opens on {opens}." in text


def test_my_mentoring_uses_the_same_number_of_queries_for_one_journey_or_five(
    client, program, template, user_factory, django_assert_max_num_queries
):
    mentee = user_factory()
    start_journey(
        program, [(user_factory(), MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], TODAY()
    )
    client.force_login(mentee)
    client.get(reverse("journeys:my_mentoring"))  # parse the template once
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("journeys:my_mentoring"))
    for _ in range(4):
        start_journey(
            program, [(user_factory(), MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], TODAY()
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("journeys:my_mentoring"))
    assert visible_text(response).count("See the whole journey") == 5


@pytest.mark.parametrize("page", ["my_mentoring", "journey", "milestone"])
def test_the_member_pages_read_the_template_title_without_joining_its_page(
    client, journey, mentee, page
):
    """Joined, the template's and the program's pages make a query PostgreSQL plans slowly."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    args = {"my_mentoring": [], "journey": [journey.uuid], "milestone": [journey.uuid, "m-start"]}
    target = reverse(f"journeys:{page}", args=args[page])
    client.force_login(mentee)
    client.get(target)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)

    assert response.status_code == 200 and "Growing together" in visible_text(response)
    assert not [q for q in captured.captured_queries if 'JOIN "journeys_journeypage"' in q["sql"]]


def test_my_mentoring_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("journeys:my_mentoring"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The journey and its milestones ----------------------------------------------------------


def test_the_journey_page_shows_the_timeline_with_states_and_dates(client, journey, mentee):
    client.force_login(mentee)
    response = client.get(url("journey", journey))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Getting to know each other" in text
    assert "Open" in text
    assert "Not open yet" in text
    assert "This one is for your mentor." in text
    assert "Set a goal" in text
    assert "Log our meeting" in text
    assert reverse("journeys:calendar_settings") in response.content.decode()
    assert '<ol class="timeline">' in response.content.decode()


def test_a_milestone_waiting_on_another_says_when_it_may_open_with_the_year(client, program, pair):
    page = JourneyPageFactory(
        parent=program,
        milestones=[
            milestone("Getting started", "start", [step("checklist")], due=300),
            milestone("A year on", "later", [step("checklist")], opens=330, prerequisites="start"),
            milestone("Looking back", "back", [step("checklist")], opens=330, block_id="back"),
        ],
    )
    mentor, mentee = pair
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=page,
    )
    # Most of the year round, 330 days on falls in the next year: the date says which.
    opens = date_format(TODAY() + datetime.timedelta(days=330), "j F Y")
    client.force_login(mentee)
    text = visible_text(client.get(url("journey", journey)))
    assert f"Opens once “Getting started” is done, not before {opens}" in text
    assert f"Opens on {opens}" in text
    milestone_page = visible_text(client.get(url("milestone", journey, "back")))
    assert f"This milestone opens on {opens}. You can read ahead now." in milestone_page


def test_the_journey_page_leaves_out_milestones_outside_the_journeys_track(client, program, pair):
    from content.factories import TopicFactory

    topic = TopicFactory(name="Negotiation")
    page = JourneyPageFactory(
        parent=program,
        milestones=[
            milestone("For everyone", "all", [step("checklist")]),
            milestone("Only negotiators", "neg", [step("checklist")], track=topic.pk),
        ],
    )
    mentor, mentee = pair
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=page,
    )
    client.force_login(mentee)
    text = visible_text(client.get(url("journey", journey)))
    assert "For everyone" in text
    assert "Only negotiators" not in text


def test_the_milestone_page_shows_the_material_and_the_guide_inline(client, journey, mentee):
    client.force_login(mentee)
    response = client.get(url("milestone", journey, "m-start"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>listening deeply</strong>" in html
    assert "what brought you here?" in html
    text = visible_text(response)
    for label in ("Mark as done", "Save reflection", "Log our meeting", "Set a goal"):
        assert label in text
    assert "Save my rating" in text
    assert "Share with my mentor" in text


def test_a_story_shown_inline_says_whose_it_is_with_its_quote_and_video(
    client, journey, mentor, mentee, story
):
    story.video = "https://video.example.com/watch/amara"
    story.save_revision().publish()
    client.force_login(mentor)
    response = client.get(url("milestone", journey, "m-mentors"))
    html = response.content.decode()
    text = visible_text(response)
    assert f"A story from {story.leader.name}" in text
    assert '<blockquote class="pull-quote"><p>Someone believed in me before I did.</p>' in html
    assert 'href="https://video.example.com/watch/amara"' in html
    assert f"Watch {story.leader.name}’s video message" in text

    # A library material says what kind it is and how long it takes, and has none of these.
    client.force_login(mentee)
    text = visible_text(client.get(url("milestone", journey, "m-start")))
    assert "Guide · 10 minutes" in text
    assert "A story from" not in text
    assert "video message" not in text


def test_the_material_shown_is_the_live_one_not_a_cached_copy(client, journey, mentee, material):
    client.force_login(mentee)
    client.get(url("milestone", journey, "m-start"))
    client.get(url("milestone", journey, "m-start"))
    material.body = markdown_body("Freshly rewritten advice.")
    material.save_revision().publish()
    response = client.get(url("milestone", journey, "m-start"))
    assert "Freshly rewritten advice." in response.content.decode()


def test_a_mentee_sees_the_mentors_milestone_read_only_with_a_note(client, journey, mentee):
    client.force_login(mentee)
    response = client.get(url("milestone", journey, "m-mentors"))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Amara tells how a mentor changed her path." in text
    assert "This one is for your mentor." in text
    assert "Mark as done" not in text


def test_the_mentor_can_do_the_mentors_milestone(client, journey, mentor):
    client.force_login(mentor)
    text = visible_text(client.get(url("milestone", journey, "m-mentors")))
    assert "Mark as done" in text


def test_an_unknown_milestone_is_not_found(client, journey, mentee):
    client.force_login(mentee)
    assert client.get(url("milestone", journey, "nope")).status_code == 404


# Actions ---------------------------------------------------------------------------------


def test_marking_a_step_as_done_records_it_and_says_so(client, journey, mentee):
    client.force_login(mentee)
    checklist = step_id(journey, "m-start", "checklist")
    response = client.post(url("complete_step", journey, "m-start", checklist), follow=True)
    assert StepCompletion.objects.filter(step_id=checklist, member__user=mentee).exists()
    text = visible_text(response)
    assert "Marked as done" in text
    assert "Done ✓" in text
    assert "Undo" in text
    assert response.redirect_chain[-1][0].endswith(f"#step-{checklist}")


def test_the_journey_timeline_shows_progress_made_since_it_was_last_seen(client, journey, mentee):
    client.force_login(mentee)
    assert "0 of 5 steps done by you" in visible_text(client.get(url("journey", journey)))

    checklist = step_id(journey, "m-start", "checklist")
    client.post(url("complete_step", journey, "m-start", checklist))

    assert "1 of 5 steps done by you" in visible_text(client.get(url("journey", journey)))


def test_undo_takes_the_completion_back(client, journey, mentee):
    client.force_login(mentee)
    checklist = step_id(journey, "m-start", "checklist")
    client.post(url("complete_step", journey, "m-start", checklist))
    client.post(url("undo_step", journey, "m-start", checklist))
    assert not StepCompletion.objects.filter(step_id=checklist).exists()


def test_a_locked_milestone_refuses_actions_with_a_message(client, journey, mentee):
    client.force_login(mentee)
    checklist = step_id(journey, "m-back", "checklist")
    response = client.post(url("complete_step", journey, "m-back", checklist), follow=True)
    assert not StepCompletion.objects.exists()
    assert "This milestone has not opened yet." in visible_text(response)


def without_the_first_milestone(journey, template):
    """The template published without "m-start", and the journey moved on to it."""
    from journeys.services.upgrade import upgrade_journeys

    template.milestones = [milestone("Later on", "later", [step("checklist")], block_id="m-later")]
    template.save_revision().publish()
    upgrade_journeys([journey])
    journey.refresh_from_db()


def test_a_step_gone_in_an_upgrade_says_so_on_the_journey_page_not_a_missing_page(
    client, journey, template, mentee
):
    """A milestone page opened before an upgrade that removed it: its buttons say what
    happened, on a page that exists, rather than leading to "not found"."""
    client.force_login(mentee)
    steps = {kind: step_id(journey, "m-start", kind) for kind in ("checklist", "reflect", "pulse")}
    without_the_first_milestone(journey, template)
    posts = [
        ("complete_step", steps["checklist"], {}),
        ("undo_step", steps["checklist"], {}),
        ("save_reflection", steps["reflect"], {"text": "What I hope for"}),
        ("record_pulse", steps["pulse"], {"score": "4"}),
        ("record_pulse", steps["pulse"], {}),
    ]
    for name, gone, data in posts:
        response = client.post(url(name, journey, "m-start", gone), data, follow=True)

        assert response.status_code == 200, name
        assert response.redirect_chain[-1][0] == url("journey", journey), name
        assert "That step is not part of this journey." in visible_text(response), name
    assert not StepCompletion.objects.filter(milestone_id="m-start").exists()

    origin = {"milestone_id": "m-start", "step_id": steps["checklist"]}
    response = client.post(
        url("set_goal", journey), {"text": "Chair a meeting", **origin}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("journey", journey) + "#goals"
    assert "Your goal is set." in visible_text(response)


def test_a_locked_milestone_shows_when_it_opens_and_offers_no_actions(client, journey, mentee):
    client.force_login(mentee)
    text = visible_text(client.get(url("milestone", journey, "m-back")))
    assert "opens once “Getting to know each other” is done" in text
    assert "Mark as done" not in text


def test_saving_a_reflection_stores_it_privately_and_marks_the_step_done(client, journey, mentee):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    response = client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": "I hope to *grow*.", "version": ""},
        follow=True,
    )
    reflection = Reflection.objects.get(step_id=reflect)
    assert reflection.text == "I hope to *grow*."
    assert not reflection.shared
    page = client.get(url("reflection", journey, reflection.uuid)).content.decode()
    assert "<p>I hope to <em>grow</em>.</p>" in page
    assert StepCompletion.objects.filter(step_id=reflect, member__user=mentee).exists()
    assert "Only you can read it." in visible_text(response)


def test_autosave_returns_the_new_version_as_json_without_completing_the_step(
    client, journey, mentee
):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    target = url("save_reflection", journey, "m-start", reflect)
    first = client.post(target, {"text": "Half a"}, HTTP_ACCEPT="application/json")
    assert first.status_code == 200
    assert first.json()["version"] == 1
    second = client.post(
        target, {"text": "Half a thought", "version": 1}, HTTP_ACCEPT="application/json"
    )
    assert second.json() == {
        "status": "saved",
        "version": 2,
        "shared": False,
        "uuid": str(Reflection.objects.get().uuid),
    }
    assert not StepCompletion.objects.exists()


def test_a_stale_autosave_gets_409_with_the_stored_text(client, journey, mentee):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    saved = save_reflection(journey, mentee, "m-start", reflect, "one", False, None, TODAY())
    save_reflection(journey, mentee, "m-start", reflect, "newer", True, saved.version, TODAY())
    response = client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": "stale words", "version": saved.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    data = response.json()
    assert data["text"] == "newer"
    assert data["version"] == 2
    assert data["shared"] is True
    assert Reflection.objects.get().text == "newer"


def test_a_stale_form_post_shows_both_versions_and_the_two_choices(client, journey, mentee):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    saved = save_reflection(journey, mentee, "m-start", reflect, "one", False, None, TODAY())
    save_reflection(journey, mentee, "m-start", reflect, "the newer one", False, 1, TODAY())
    response = client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": "my stale words", "version": saved.version},
    )
    assert response.status_code == 409
    text = visible_text(response)
    assert "my stale words" in text
    assert "the newer one" in text
    assert "Keep mine" in text
    assert "Use the saved one" in text
    keep = client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": "my stale words", "version": 2},
    )
    assert keep.status_code == 302
    assert Reflection.objects.get().text == "my stale words"


def test_the_same_reflection_sent_twice_is_saved_once_without_a_conflict(client, journey, mentee):
    """A second press of "Save reflection" (or the page sent again) carries the same words
    and the version the page had: nothing differs, so there is nothing to choose between."""
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    sent = {"text": "What I hope for", "shared": "on"}

    first = client.post(url("save_reflection", journey, "m-start", reflect), sent)
    second = client.post(url("save_reflection", journey, "m-start", reflect), sent, follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "Your reflection is saved and shared." in visible_text(second)
    saved = Reflection.objects.get()
    assert (saved.text, saved.shared, saved.version) == ("What I hope for", True, 1)


def test_a_reflection_too_long_to_keep_is_refused_next_to_the_text(
    client, journey, mentee, settings
):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    response = client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": "This is far longer than twenty characters."},
    )
    assert response.status_code == 400
    assert "This is far longer than twenty characters." in visible_text(response)
    assert not Reflection.objects.exists()


def test_logging_a_meeting_on_the_meet_step_completes_it_for_both(client, journey, mentee, mentor):
    client.force_login(mentee)
    meet = step_id(journey, "m-start", "meet")
    response = client.post(
        url("log_meeting", journey),
        {
            "held_on": TODAY().isoformat(),
            "duration_minutes": 45,
            "notes": "We talked about *listening*.",
            "agreed_actions": "Read the guide",
            "milestone_id": "m-start",
            "step_id": meet,
        },
        follow=True,
    )
    meeting = Meeting.objects.get()
    assert meeting.notes == "We talked about *listening*."
    shown = client.get(url("meeting", journey, meeting.uuid)).content.decode()
    assert "<p>We talked about <em>listening</em>.</p>" in shown
    assert response.redirect_chain[-1][0].endswith(f"#step-{meet}")
    client.force_login(mentor)
    page = client.get(url("milestone", journey, "m-start"))
    step_row = next(s for s in page.context["steps"] if s.id == meet)
    assert step_row.done
    assert "Your meeting is logged" in visible_text(response)


def test_a_meeting_in_the_future_is_refused_and_what_was_typed_kept(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(
        url("log_meeting", journey),
        {
            "held_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
            "duration_minutes": 30,
            "notes": "Notes I do not want to lose",
        },
    )
    assert response.status_code == 400
    text = visible_text(response)
    assert "A meeting can be logged once it has happened" in text
    assert "Notes I do not want to lose" in text
    assert not Meeting.objects.exists()


def test_a_meeting_before_the_journey_began_is_refused_next_to_the_date(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(
        url("log_meeting", journey),
        {"held_on": "1900-01-01", "duration_minutes": 30, "notes": "Long ago"},
    )
    assert response.status_code == 400
    started = date_format(journey.started_on, "j F Y")
    assert f"The journey started on {started}: give the day of a meeting since then." in (
        visible_text(response)
    )
    assert "Long ago" in visible_text(response)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("target_date", "words"),
    [
        ("9999-12-31", "Choose a target date within 5 years."),
        ("2001-01-01", "Choose a target date from today onwards."),
    ],
)
def test_a_goal_date_out_of_reach_is_refused_next_to_it(
    client, journey, mentee, target_date, words
):
    client.force_login(mentee)
    response = client.post(
        url("set_goal", journey), {"text": "Chair a meeting", "target_date": target_date}
    )
    assert response.status_code == 400
    assert words in visible_text(response)
    assert not Goal.objects.exists()


# Kiritimati (UTC+14) is 25 hours ahead of Pago Pago (UTC-11): whatever the hour, a
# person there is already in a later day than a site there.
SITE_ZONE, AHEAD_ZONE = "Pacific/Pago_Pago", "Pacific/Kiritimati"


@pytest.fixture
def mentees_today(settings, mentee):
    """The mentee's own today, in a zone whose day is ahead of the site's."""
    settings.TIME_ZONE = SITE_ZONE
    Profile.objects.create(user=mentee, time_zone=AHEAD_ZONE)
    theirs = timezone.localdate(timezone=ZoneInfo(AHEAD_ZONE))
    assert theirs > TODAY()
    return theirs


def date_offered(response, field_id):
    """The value the page's date input ``field_id`` starts with."""
    found = re.search(
        rf'<input type="date"[^>]*\bid="{field_id}"[^>]*>', response.content.decode()
    )
    assert found, f"no date input {field_id}"
    return re.search(r'\bvalue="([^"]*)"', found.group(0)).group(1)


def test_a_person_ahead_of_the_site_logs_a_meeting_held_on_their_own_today(
    client, journey, mentee, mentees_today
):
    client.force_login(mentee)
    tomorrow = mentees_today + datetime.timedelta(days=1)

    response = client.post(url("log_meeting", journey), meeting_data(held_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert errors_next_to(response, "meeting-held_on") == (
        "A meeting can be logged once it has happened; this date is ahead."
    )
    assert not Meeting.objects.exists()

    response = client.post(
        url("log_meeting", journey), meeting_data(held_on=mentees_today.isoformat())
    )
    assert response.status_code == 302
    assert Meeting.objects.get().held_on == mentees_today


def test_a_goal_target_runs_from_the_persons_own_today(client, journey, mentee, mentees_today):
    client.force_login(mentee)
    yesterday = mentees_today - datetime.timedelta(days=1)

    response = client.post(
        url("set_goal", journey), {"text": "Chair a meeting", "target_date": yesterday.isoformat()}
    )
    assert response.status_code == 400
    assert errors_next_to(response, "goal-target_date") == (
        "Choose a target date from today onwards."
    )
    assert not Goal.objects.exists()

    response = client.post(
        url("set_goal", journey),
        {"text": "Chair a meeting", "target_date": mentees_today.isoformat()},
    )
    assert response.status_code == 302
    assert Goal.objects.get().target_date == mentees_today


def test_a_person_behind_the_site_logs_a_meeting_on_the_day_their_journey_started(
    client, program, template, pair, settings
):
    """Started on the site's today, the journey began on an earlier day of the
    mentee's calendar: a meeting held that day, their today, is theirs to log."""
    settings.TIME_ZONE = AHEAD_ZONE
    mentor, mentee = pair
    Profile.objects.create(user=mentee, time_zone=SITE_ZONE)
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=TODAY(),
        template=template,
    )
    theirs = timezone.localdate(timezone=ZoneInfo(SITE_ZONE))
    assert theirs < journey.started_on
    client.force_login(mentee)
    before = theirs - datetime.timedelta(days=1)

    response = client.post(url("log_meeting", journey), meeting_data(held_on=before.isoformat()))
    assert response.status_code == 400
    assert errors_next_to(response, "meeting-held_on") == (
        f"The journey started on {date_format(theirs, 'j F Y')}: "
        "give the day of a meeting since then."
    )
    assert not Meeting.objects.exists()

    response = client.post(url("log_meeting", journey), meeting_data(held_on=theirs.isoformat()))
    assert response.status_code == 302
    assert Meeting.objects.get().held_on == theirs


def test_the_meeting_forms_start_from_the_persons_own_today(
    client, journey, mentee, mentees_today
):
    client.force_login(mentee)
    meet = step_id(journey, "m-start", "meet")

    form_page = client.get(url("log_meeting", journey))
    milestone_page = client.get(url("milestone", journey, "m-start"))

    assert date_offered(form_page, "meeting-held_on") == mentees_today.isoformat()
    assert date_offered(milestone_page, f"step-{meet}-held_on") == mentees_today.isoformat()


def test_setting_and_updating_a_goal(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(
        url("set_goal", journey), {"text": "Chair a meeting", "target_date": ""}, follow=True
    )
    goal = Goal.objects.get()
    assert goal.text == "Chair a meeting"
    assert "Your goal is set." in visible_text(response)
    client.post(url("update_goal", journey, goal.uuid), {"status": GoalStatus.ACHIEVED})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED


@pytest.mark.parametrize("milestone_id", ["a/b", '=HYPERLINK("http://x")', "m1?x=1"])
def test_a_tampered_step_origin_is_refused_and_nothing_is_half_written(
    client, journey, mentee, milestone_id
):
    """The hidden ids a form is sent from build the address to go back to: ids no
    milestone could have are refused before anything is saved, never a server error."""
    client.force_login(mentee)
    origin = {"milestone_id": milestone_id, "step_id": "x"}

    response = client.post(url("set_goal", journey), {"text": "Chair a meeting", **origin})

    assert response.status_code == 400
    assert not Goal.objects.exists()
    client.post(url("set_goal", journey), {"text": "Chair a meeting"})
    goal = Goal.objects.get()
    response = client.post(
        url("update_goal", journey, goal.uuid), {"status": GoalStatus.ACHIEVED, **origin}
    )
    assert response.status_code == 400
    goal.refresh_from_db()
    assert goal.status != GoalStatus.ACHIEVED


def test_an_empty_goal_is_refused_with_a_sentence(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(url("set_goal", journey), {"text": "", "target_date": ""})
    assert response.status_code == 400
    assert "This field is required." in visible_text(response)
    assert not Goal.objects.exists()


def test_a_pulse_rating_is_recorded(client, journey, mentee):
    client.force_login(mentee)
    pulse = step_id(journey, "m-start", "pulse")
    response = client.post(
        url("record_pulse", journey, "m-start", pulse), {"score": "4"}, follow=True
    )
    assert PulseResponse.objects.get().score == 4
    assert "You rated this 4 out of 5." in visible_text(response)


def test_a_pulse_without_a_rating_asks_for_one(client, journey, mentee):
    client.force_login(mentee)
    pulse = step_id(journey, "m-start", "pulse")
    response = client.post(url("record_pulse", journey, "m-start", pulse), {})
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in visible_text(response)


def test_a_post_only_url_answers_a_members_get_with_405(client, journey, mentee):
    client.force_login(mentee)
    assert client.get(url("complete_step", journey, "m-start", "s-read")).status_code == 405


@pytest.mark.parametrize(
    ("name", "heading", "field_id"),
    [
        ("set_goal", "Set a goal", "goal-text"),
        ("log_meeting", "Log our meeting", "meeting-held_on"),
        ("propose_meeting", "Plan a meeting", "plan-option_1"),
    ],
)
def test_the_journey_page_links_to_each_form_on_a_page_of_its_own(
    client, journey, mentee, name, heading, field_id
):
    client.force_login(mentee)
    journey_page = client.get(url("journey", journey)).content.decode()
    form_url = url(name, journey)

    assert f'href="{form_url}"' in journey_page
    assert f'id="{field_id}"' not in journey_page
    response = client.get(form_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f'id="{field_id}"' in html
    assert f'action="{form_url}"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_refused_goal_comes_back_on_its_own_page_as_typed(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(url("set_goal", journey), {"text": "g" * 301})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Set a goal</h1>" in html
    assert "g" * 301 in html


def test_a_stranger_gets_404_for_a_journeys_form_pages(client, journey, user_factory):
    client.force_login(user_factory(email="stranger@example.com"))
    for name in ("set_goal", "log_meeting", "propose_meeting"):
        assert client.get(url(name, journey)).status_code == 404


# Settings ---------------------------------------------------------------------------------


def test_choosing_a_weekly_digest_is_saved(client, mentee):
    client.force_login(mentee)
    response = client.post(
        reverse("journeys:email_settings"), {"emails": EmailChoice.WEEKLY}, follow=True
    )
    assert ParticipantPreferences.objects.get(user=mentee).emails == EmailChoice.WEEKLY
    assert "Your choice is saved." in visible_text(response)


# Labels -----------------------------------------------------------------------------------


def test_no_participant_page_says_submit(client, journey, mentee, mentor):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    saved = save_reflection(journey, mentee, "m-start", reflect, "hello", True, None, TODAY())
    meeting = Meeting.objects.create(
        journey=journey, held_on=TODAY(), logged_by=journey.memberships.first()
    )
    pages = [
        reverse("journeys:my_mentoring"),
        reverse("journeys:email_settings"),
        reverse("journeys:calendar_settings"),
        url("journey", journey),
        url("milestone", journey, "m-start"),
        url("milestone", journey, "m-mentors"),
        url("milestone", journey, "m-back"),
        url("reflection", journey, saved.uuid),
        url("meeting", journey, meeting.uuid),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "submit" not in visible_text(response).lower(), page
    conflict = client.post(
        url("save_reflection", journey, "m-start", reflect), {"text": "x", "version": 99}
    )
    assert "submit" not in visible_text(conflict).lower()


# Queries ----------------------------------------------------------------------------------


def journey_with_milestones(program, pair, count):
    page = JourneyPageFactory(parent=program, milestones=simple_milestones(count))
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY() - datetime.timedelta(days=20),
        template=page,
    )


def queries_for(client, django_assert_max_num_queries, target):
    client.get(target)  # parse the template revision once, as a warm process would have
    with django_assert_max_num_queries(50) as captured:
        assert client.get(target).status_code == 200
    return len(captured.captured_queries)


def test_the_journey_page_costs_the_same_queries_for_3_or_12_milestones(
    client, program, pair, django_assert_max_num_queries
):
    small = journey_with_milestones(program, pair, 3)
    client.force_login(pair[0])
    few = queries_for(client, django_assert_max_num_queries, url("journey", small))
    large = journey_with_milestones(program, pair, 12)
    many = queries_for(client, django_assert_max_num_queries, url("journey", large))
    assert few == many


# Program and template pages ------------------------------------------------------------------


def test_the_program_page_shows_objectives_dates_and_a_link_for_members(
    client, program, journey, mentee
):
    program.objectives = [("objective", {"title": "Confident new managers", "description": ""})]
    program.save_revision().publish()
    client.force_login(mentee)
    response = client.get(program.url)
    text = visible_text(response)
    assert "Confident new managers" in text
    assert "12 January 2026 to 18 December 2026" in text
    assert reverse("journeys:my_mentoring") in response.content.decode()


def test_the_journey_template_preview_is_a_timeline_with_timing_audience_and_steps(
    client, template
):
    response = client.get(template.url)
    assert response.status_code == 200
    text = visible_text(response)
    assert "Day 30 to day 44" in text
    assert "For: Mentors" in text
    assert "Opens once “Getting to know each other” is done." in text
    assert "Listening well" in text
    assert "Meet for coffee" in text
    assert "Book a recurring slot" in text


def test_the_template_preview_names_a_prerequisite_by_its_title_whatever_its_keys_spelling(
    client, program
):
    """A key is saved as typed ("First meeting") and matched as a slug, as prerequisites
    are: the preview names the milestone waited for, not the slug."""
    page = JourneyPageFactory(
        parent=program,
        title="Spelled keys",
        milestones=[
            milestone("Our first conversation", "First meeting", [step("checklist")]),
            milestone("Looking back", "look-back", [step("pulse")], prerequisites="first-meeting"),
        ],
    )

    text = visible_text(client.get(page.url))

    assert "Opens once “Our first conversation” is done." in text


# Each view shows what is true now ---------------------------------------------------------


def csrf_token_in(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_journey_page_seen_before_shows_what_the_partner_did_since(
    client, journey, mentee, mentor
):
    client.force_login(mentee)
    client.get(url("journey", journey))
    assert "0 of 5 steps done by you" in visible_text(client.get(url("journey", journey)))

    checklist = step_id(journey, "m-start", "checklist")
    complete_step(journey, mentee, "m-start", checklist, timezone.localdate())

    assert "1 of 5 steps done by you" in visible_text(client.get(url("journey", journey)))


def test_a_journey_page_seen_by_one_member_is_never_shown_to_another(
    client, journey, mentee, mentor
):
    client.force_login(mentee)
    client.get(url("journey", journey))
    client.get(url("journey", journey))
    client.force_login(mentor)

    page = visible_text(client.get(url("journey", journey)))

    assert "Mentor" in page and "You" in page
    assert "This one is for your mentor." not in page


def test_forms_on_a_journey_page_seen_again_pass_the_csrf_check(journey, mentee):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(mentee)
    browser.get(url("journey", journey))
    browser.get(url("journey", journey))
    page = browser.get(url("journey", journey)).content.decode()

    response = browser.post(
        url("set_goal", journey),
        {"csrfmiddlewaretoken": csrf_token_in(page), "text": "Lead a stand-up"},
    )

    assert response.status_code == 302
    assert journey.goals.filter(text="Lead a stand-up").exists()


def test_my_mentoring_seen_before_shows_progress_made_since(client, journey, mentee):
    client.force_login(mentee)
    client.get(reverse("journeys:my_mentoring"))
    before = visible_text(client.get(reverse("journeys:my_mentoring")))

    for kind in ("checklist", "read"):
        complete_step(
            journey, mentee, "m-start", step_id(journey, "m-start", kind), timezone.localdate()
        )
    after = visible_text(client.get(reverse("journeys:my_mentoring")))

    assert before != after


# Untrusted text ---------------------------------------------------------------------------


def test_a_hostile_reflection_is_shown_sanitised_to_its_author_and_partner(
    client, journey, mentee, mentor
):
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    client.post(
        url("save_reflection", journey, "m-start", reflect),
        {"text": hostile.HOSTILE_MARKDOWN, "shared": "on"},
    )
    reflection = Reflection.objects.get()
    assert reflection.text == hostile.HOSTILE_MARKDOWN

    own = client.get(url("reflection", journey, reflection.uuid)).content.decode()
    client.force_login(mentor)
    partners = client.get(url("reflection", journey, reflection.uuid)).content.decode()
    milestone_page = client.get(url("milestone", journey, "m-start")).content.decode()
    for html in (own, partners, milestone_page):
        hostile.assert_neutralised(html)
        assert "&lt;script&gt;alert(" in html  # shown as the words typed
        assert "another link" in html


def test_hostile_meeting_notes_and_actions_are_shown_sanitised(client, journey, mentee, mentor):
    client.force_login(mentee)
    client.post(
        url("log_meeting", journey),
        {
            "held_on": TODAY().isoformat(),
            "duration_minutes": 30,
            "notes": hostile.HOSTILE_MARKDOWN,
            "agreed_actions": hostile.HOSTILE_LINE,
        },
    )
    meeting = Meeting.objects.get()
    client.force_login(mentor)
    html = client.get(url("meeting", journey, meeting.uuid)).content.decode()
    hostile.assert_neutralised(html)
    assert html.count("&lt;script&gt;alert(") == 2  # notes and actions show the words typed


# Text limits ------------------------------------------------------------------------------


def errors_next_to(response, field_id):
    """The error messages the page shows beside the field whose id is ``field_id``."""
    html = response.content.decode()
    found = re.search(rf'<ul class="field__errors" id="{field_id}_errors">(.*?)</ul>', html, re.S)
    assert found, f"no errors shown next to {field_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def meeting_data(**overrides):
    return {"held_on": TODAY().isoformat(), "duration_minutes": 30, **overrides}


def test_agreed_actions_past_their_limit_are_refused_next_to_the_field(client, journey, mentee):
    client.force_login(mentee)
    response = client.post(
        url("log_meeting", journey), meeting_data(agreed_actions="x" * 2_000_000)
    )

    assert response.status_code == 400
    assert "at most 2000 characters" in errors_next_to(response, "meeting-agreed_actions")
    assert not Meeting.objects.exists()
    fits = client.post(url("log_meeting", journey), meeting_data(agreed_actions="x" * 2000))
    assert fits.status_code == 302
    assert len(Meeting.objects.get().agreed_actions) == 2000


def test_meeting_notes_past_the_markdown_cap_are_refused_next_to_the_field(
    client, journey, mentee, settings
):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 50
    client.force_login(mentee)
    meet = step_id(journey, "m-start", "meet")
    response = client.post(
        url("log_meeting", journey),
        meeting_data(notes="n" * 51, milestone_id="m-start", step_id=meet),
    )

    assert response.status_code == 400
    assert "the most that can be saved is 50" in errors_next_to(response, f"step-{meet}-notes")
    assert not Meeting.objects.exists()
    assert not StepCompletion.objects.exists()


def test_a_reflection_past_the_markdown_cap_is_refused_next_to_the_text(
    client, journey, mentee, settings
):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 50
    client.force_login(mentee)
    reflect = step_id(journey, "m-start", "reflect")
    target = url("save_reflection", journey, "m-start", reflect)

    response = client.post(target, {"text": "r" * 51})
    autosave = client.post(target, {"text": "r" * 51}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert "the most that can be saved is 50" in errors_next_to(response, f"step-{reflect}-text")
    assert autosave.status_code == 400
    assert "the most that can be saved is 50" in autosave.json()["errors"]["text"][0]["message"]
    assert not Reflection.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("g" * 301, "at most 300 characters"),
        ("Lead\x00well", "control character (U+0000)"),
        ("Lead\nwell", "one line of text"),
    ],
)
def test_a_goal_too_long_or_with_control_characters_is_refused_next_to_it(
    client, journey, mentee, text, message
):
    client.force_login(mentee)
    response = client.post(url("set_goal", journey), {"text": text})

    assert response.status_code == 400
    assert message in errors_next_to(response, "goal-text")
    assert not Goal.objects.exists()
