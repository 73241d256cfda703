import datetime

import pytest

from journeys import engine
from journeys.exceptions import InvalidJourney, NotAMember, StaleReflection, StepNotAvailable
from journeys.models import Journey, MemberRole, StepCompletion
from journeys.services.progress import complete_step, save_reflection
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
