"""Moving journeys to their template's latest published revision."""

import pytest

from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import MemberRole, Reflection, StepCompletion
from journeys.services.progress import complete_step, save_reflection
from journeys.services.starting import start_journey
from journeys.services.upgrade import plan_upgrade, plan_upgrades, upgrade_journeys

KEPT = "11111111-1111-4111-8111-111111111111"
KEPT_STEP = "11111111-1111-4111-8111-aaaaaaaaaaaa"
REMOVED = "22222222-2222-4222-8222-222222222222"
REMOVED_CHECK = "22222222-2222-4222-8222-aaaaaaaaaaaa"
REMOVED_REFLECT = "22222222-2222-4222-8222-bbbbbbbbbbbb"
ADDED = "33333333-3333-4333-8333-333333333333"


def first_revision():
    return [
        milestone(
            "Getting to know each other",
            "hello",
            [step("checklist", block_id=KEPT_STEP)],
            block_id=KEPT,
        ),
        milestone(
            "What matters to you",
            "values",
            [step("checklist", block_id=REMOVED_CHECK), step("reflect", block_id=REMOVED_REFLECT)],
            block_id=REMOVED,
        ),
    ]


def second_revision():
    return [
        milestone(
            "Meeting each other", "hello", [step("checklist", block_id=KEPT_STEP)], block_id=KEPT
        ),
        milestone("Looking ahead", "ahead", [step("checklist")], block_id=ADDED),
    ]


@pytest.fixture
def template(program):
    page = JourneyPageFactory(parent=program, title="Early days", milestones=first_revision())
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def journey(program, template, pair, today):
    mentor, mentee = pair
    journey = start_journey(
        program, [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], started_on=today
    )
    for user in pair:
        complete_step(journey, user, KEPT, KEPT_STEP, today)
        complete_step(journey, user, REMOVED, REMOVED_CHECK, today)
    save_reflection(
        journey,
        mentee,
        REMOVED,
        REMOVED_REFLECT,
        "What I value most is time.",
        False,
        None,
        today,
        complete=True,
    )
    return journey


def publish(page, milestones):
    page.milestones = milestones
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return revision


def test_a_journey_on_the_live_revision_is_up_to_date(journey):
    plan = plan_upgrade(journey)

    assert plan.up_to_date
    assert not plan.can_upgrade
    assert (plan.added, plan.removed, plan.kept, plan.dropped) == ([], [], 5, 0)


def test_the_plan_lists_milestones_added_removed_and_renamed(journey, template):
    publish(template, second_revision())

    plan = plan_upgrade(journey)

    assert not plan.up_to_date
    assert plan.to_revision.pk == template.live_revision_id
    assert plan.added == ["Looking ahead"]
    assert plan.removed == ["What matters to you"]
    assert plan.renamed == [("Getting to know each other", "Meeting each other")]


def test_the_plan_counts_the_progress_kept_and_dropped(journey, template):
    publish(template, second_revision())

    plan = plan_upgrade(journey)

    # Two completions of the kept step survive; the removed milestone's two
    # checklist completions and the completed reflection do not.
    assert (plan.kept, plan.dropped) == (2, 3)


def test_planning_changes_nothing(journey, template):
    before = journey.template_revision_id
    publish(template, second_revision())

    plan_upgrade(journey)

    journey.refresh_from_db()
    assert journey.template_revision_id == before
    assert StepCompletion.objects.filter(journey=journey).count() == 5


def test_upgrading_follows_the_live_revision_and_keeps_matching_progress(journey, template):
    publish(template, second_revision())

    [plan] = upgrade_journeys([journey])

    journey.refresh_from_db()
    assert journey.template_revision_id == template.live_revision_id == plan.to_revision.pk
    remaining = StepCompletion.objects.filter(journey=journey)
    assert {(c.milestone_id, c.step_id) for c in remaining} == {(KEPT, KEPT_STEP)}
    assert remaining.count() == 2


def test_upgrading_never_deletes_a_reflection(journey, template):
    publish(template, second_revision())

    upgrade_journeys([journey])

    reflection = Reflection.objects.get(journey=journey)
    assert reflection.step_id == REMOVED_REFLECT
    assert reflection.text == "What I value most is time."


def test_a_draft_revision_is_never_an_upgrade_target(journey, template):
    template.milestones = second_revision()
    template.save_revision()

    plan = plan_upgrade(journey)

    assert plan.up_to_date


def test_upgrading_twice_changes_nothing_the_second_time(journey, template):
    publish(template, second_revision())
    upgrade_journeys([journey])

    [plan] = upgrade_journeys([journey])

    assert plan.up_to_date
    assert StepCompletion.objects.filter(journey=journey).count() == 2


def test_a_journey_whose_template_was_unpublished_cannot_be_upgraded(journey, template):
    template.unpublish()

    [plan] = upgrade_journeys([journey])

    assert plan.to_revision is None
    assert not plan.can_upgrade
    assert StepCompletion.objects.filter(journey=journey).count() == 5


def test_plans_for_many_journeys_take_a_fixed_number_of_queries(
    program, template, user_factory, today, django_assert_max_num_queries
):
    journeys = [
        start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=today,
        )
        for _ in range(8)
    ]
    publish(template, second_revision())
    plan_upgrades(journeys[:1])

    with django_assert_max_num_queries(4):
        plans = plan_upgrades(journeys)

    assert [p.added for p in plans] == [["Looking ahead"]] * 8


# What changed between two revisions


def third_revision():
    """From the first: a milestone retitled and retimed, a step reworded, one added, one gone."""
    return [
        milestone(
            "Meeting each other",
            "hello",
            [
                step("checklist", {"text": "Book a quiet room"}, block_id=KEPT_STEP),
                step("reflect", {"prompt": "What surprised you?", "guidance": ""}),
            ],
            opens=7,
            block_id=KEPT,
        ),
        milestone(
            "What matters to you",
            "values",
            [step("checklist", block_id=REMOVED_CHECK)],
            block_id=REMOVED,
        ),
    ]


def test_the_plan_tells_milestones_and_steps_added_removed_and_changed(journey, template):
    publish(template, third_revision())

    changes = plan_upgrade(journey).changes

    assert (changes.added, changes.removed) == ((), ())
    hello, values = changes.changed
    assert (hello.title, hello.old_title, hello.fields) == (
        "Meeting each other",
        "Getting to know each other",
        ("timing",),
    )
    assert [str(s) for s in hello.steps_changed] == ["Checklist item: Book a quiet room"]
    assert [str(s) for s in hello.steps_added] == ["Reflect: What surprised you?"]
    assert hello.steps_removed == ()
    assert (values.title, values.old_title, values.fields) == ("What matters to you", "", ())
    assert [str(s) for s in values.steps_removed] == ["Reflect: What did you notice?"]
    assert values.steps_added == values.steps_changed == ()


def test_added_and_removed_milestones_list_their_steps(journey, template):
    publish(template, second_revision())

    changes = plan_upgrade(journey).changes

    assert [(m.title, [str(s) for s in m.steps_added]) for m in changes.added] == [
        ("Looking ahead", ["Checklist item: Book a room"])
    ]
    assert [(m.title, [str(s) for s in m.steps_removed]) for m in changes.removed] == [
        ("What matters to you", ["Checklist item: Book a room", "Reflect: What did you notice?"])
    ]
    assert [(m.title, m.old_title) for m in changes.changed] == [
        ("Meeting each other", "Getting to know each other")
    ]


def test_an_unchanged_template_has_no_changes(journey, template):
    publish(template, first_revision())

    plan = plan_upgrade(journey)

    assert plan.can_upgrade
    assert not plan.changes
