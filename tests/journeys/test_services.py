import datetime

import pytest
from django.core.exceptions import ValidationError

from journeys import engine
from journeys.exceptions import InvalidJourney, NotAMember, StaleReflection, StepNotAvailable
from journeys.models import Goal, Journey, Meeting, MemberRole, Reflection, StepCompletion
from journeys.services.progress import complete_step, log_meeting, save_reflection, set_goal
from journeys.services.starting import start_journey
from journeys.services.state import journey_state, journey_states


@pytest.fixture
def journey(program, journey_page, pair, today):
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=today,
    )


def test_starting_a_pair_follows_the_templates_published_revision(journey, journey_page):
    assert journey.template_revision_id == journey_page.live_revision_id
    assert journey.memberships.count() == 2


def test_a_pair_needs_one_mentor_and_one_mentee(program, journey_page, pair, today):
    mentor, mentee = pair
    with pytest.raises(InvalidJourney, match="one mentor and one mentee"):
        start_journey(
            program, [(mentor, MemberRole.MENTEE), (mentee, MemberRole.MENTEE)], started_on=today
        )
    assert not Journey.objects.exists()


def test_the_first_milestone_is_open_on_the_first_day(journey, today):
    loaded = journey_state(journey, today)
    assert [m.state for m in loaded.state.milestones] == [
        engine.MilestoneState.OPEN,
        engine.MilestoneState.LOCKED,
        engine.MilestoneState.LOCKED,
    ]


def test_completing_every_step_finishes_the_milestone(journey, pair, today):
    loaded = journey_state(journey, today)
    first = loaded.snapshot.milestones[0]
    for user in pair:
        for step in first.steps:
            complete_step(journey, user, first.id, step.id, today)
    state = journey_state(journey, today).state
    assert state.milestone(first.id).state == engine.MilestoneState.DONE


def test_a_completion_counts_for_the_day_the_service_was_told(program, journey_page, pair, today):
    """The engine reads the stored day; a back-dated record keeps the day it names."""
    mentor, mentee = pair
    earlier = today - datetime.timedelta(days=3)
    journey = start_journey(
        program, [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], started_on=earlier
    )
    first = journey_state(journey, today).snapshot.milestones[0]
    complete_step(journey, mentee, first.id, first.steps[0].id, today)
    complete_step(journey, mentor, first.id, first.steps[0].id, earlier)
    days = dict(StepCompletion.objects.values_list("member__user", "completed_on"))
    assert days == {mentee.pk: today, mentor.pk: earlier}
    state = journey_state(journey, today)
    assert sorted(c[3] for c in state.completions) == [earlier, today]


def test_a_locked_milestone_cannot_be_completed(journey, pair, today):
    second = journey_state(journey, today).snapshot.milestones[1]
    with pytest.raises(StepNotAvailable):
        complete_step(journey, pair[0], second.id, second.steps[0].id, today)
    assert not StepCompletion.objects.exists()


def test_only_members_act_on_a_journey(journey, user_factory, today):
    first = journey_state(journey, today).snapshot.milestones[0]
    with pytest.raises(NotAMember):
        complete_step(journey, user_factory(), first.id, first.steps[0].id, today)


def test_a_stale_reflection_is_refused_and_the_newer_text_kept(journey, pair, today):
    first = journey_state(journey, today).snapshot.milestones[0]
    reflect = next(s for s in first.steps if s.kind == "reflect")
    mentee = pair[1]
    saved = save_reflection(journey, mentee, first.id, reflect.id, "first", False, None, today)
    save_reflection(journey, mentee, first.id, reflect.id, "second", False, saved.version, today)
    with pytest.raises(StaleReflection) as stale:
        save_reflection(
            journey, mentee, first.id, reflect.id, "stale", False, saved.version, today
        )
    assert stale.value.current.text == "second"


def test_many_journeys_load_in_a_fixed_number_of_queries(
    program, journey_page, user_factory, today, django_assert_max_num_queries
):
    journeys = [
        start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=today - datetime.timedelta(days=n),
        )
        for n in range(12)
    ]
    journey_states(Journey.objects.filter(pk__in=[j.pk for j in journeys[:1]]), today)
    with django_assert_max_num_queries(6):
        loaded = journey_states(Journey.objects.all(), today)
    assert len(loaded) == 12


def test_services_refuse_text_past_its_limit_naming_the_field_and_the_limit(
    journey, pair, today, settings
):
    """Whoever calls them (a view, the demo, a script), nothing over-long is stored."""
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 50
    mentor, mentee = pair
    first = journey_state(journey, today).snapshot.milestones[0]
    reflect = next(s for s in first.steps if s.kind == "reflect")

    with pytest.raises(ValidationError) as refused:
        log_meeting(journey, mentee, today, 30, "", "a" * 2_000_000, today)
    assert list(refused.value.message_dict) == ["agreed_actions"]
    assert refused.value.message_dict["agreed_actions"] == [
        "The agreed actions can be at most 2,000 characters long; this is 2,000,000. "
        "Shorten it by 1,998,000 characters."
    ]

    with pytest.raises(ValidationError) as refused:
        log_meeting(journey, mentee, today, 30, "n" * 51, "", today)
    assert list(refused.value.message_dict) == ["notes"]
    assert "the most that can be saved is 50" in refused.value.message_dict["notes"][0]

    with pytest.raises(ValidationError) as refused:
        save_reflection(journey, mentee, first.id, reflect.id, "r" * 51, False, None, today)
    assert list(refused.value.message_dict) == ["text"]

    with pytest.raises(ValidationError) as refused:
        set_goal(journey, mentor, "g" * 301, None, today)
    assert refused.value.message_dict["text"] == [
        "The goal can be at most 300 characters long; this is 301. Shorten it by 1 character."
    ]

    with pytest.raises(ValidationError) as refused:
        set_goal(journey, mentor, "Lead\x07well", None, today)
    assert "control character (U+0007)" in refused.value.message_dict["text"][0]

    assert not Meeting.objects.exists()
    assert not Reflection.objects.exists()
    assert not Goal.objects.exists()


def test_a_meeting_whose_logging_fails_part_way_leaves_nothing_behind(
    journey, pair, today, monkeypatch
):
    from journeys.services import progress

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(progress, "record_activity", fail)

    with pytest.raises(RuntimeError):
        log_meeting(journey, pair[1], today, 30, "We talked.", "", today)

    assert not Meeting.objects.exists()


def test_typed_days_are_checked_against_the_persons_today_and_activity_keeps_the_sites(
    journey, pair, today
):
    """A person whose zone is already in tomorrow types their own day; the engine
    and the journey's activity stay on the site's."""
    mentor, mentee = pair
    theirs = today + datetime.timedelta(days=1)
    their_tomorrow = theirs + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        log_meeting(journey, mentee, their_tomorrow, 30, "", "", today, person_today=theirs)
    assert refused.value.message_dict == {
        "held_on": ["A meeting can be logged once it has happened; this date is ahead."]
    }
    with pytest.raises(ValidationError) as refused:
        set_goal(journey, mentor, "Lead well", today, today, person_today=theirs)
    assert refused.value.message_dict == {
        "target_date": ["Choose a target date from today onwards."]
    }

    meeting = log_meeting(journey, mentee, theirs, 30, "", "", today, person_today=theirs)
    goal = set_goal(journey, mentor, "Lead well", theirs, today, person_today=theirs)

    assert (meeting.held_on, goal.target_date) == (theirs, theirs)
    journey.refresh_from_db()
    assert journey.last_activity_on == today
