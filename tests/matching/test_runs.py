"""Matching runs end to end: from enrolments to explained proposals, and the bad inputs."""

import pytest

from content.factories import TopicFactory
from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchingRun, MatchProposal, RunStatus
from matching.services.runs import execute_run, start_run


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=slug.replace("-", " ").capitalize(), slug=slug)
        for slug in ("feedback", "delegation", "negotiation", "public-speaking")
    }


@pytest.fixture
def program(home):
    from journeys.factories import ProgramPageFactory

    return ProgramPageFactory(parent=home, title="Growing leaders")


def run_now(program, user=None, based_on=None) -> MatchingRun:
    run = start_run(program, user, based_on=based_on)
    execute_run(run.pk)
    run.refresh_from_db()
    return run


def enrol(program, user_factory, role, seniority=3, **kwargs):
    return EnrollmentFactory(
        program=program, user=user_factory(), role=role, seniority=seniority, **kwargs
    )


def test_a_run_matches_the_mentor_who_offers_what_the_mentee_seeks(program, topics, user_factory):
    policy_for(program, "knowledge")
    feedback = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    negotiation = enrol(program, user_factory, "mentor", 6, offers=[topics["negotiation"]])
    seeks_feedback = enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    seeks_negotiation = enrol(program, user_factory, "mentee", 3, seeks=[topics["negotiation"]])

    run = run_now(program)

    assert run.status == RunStatus.DONE, run.error
    pairs = {(p.mentee_id, p.mentor_id) for p in run.proposals.all()}
    assert pairs == {(seeks_feedback.pk, feedback.pk), (seeks_negotiation.pk, negotiation.pk)}
    proposal = run.proposals.get(mentee=seeks_feedback)
    assert proposal.explanation["topics_offered"] == pytest.approx(3.0)
    assert sum(proposal.explanation.values()) == pytest.approx(proposal.score, abs=1e-3)
    assert run.matched_count == 2 and run.progress == 100


def test_a_constraint_that_rules_out_a_better_mentor_is_named(program, topics, user_factory):
    policy_for(program, "knowledge", not_same_department=True)
    near = enrol(
        program,
        user_factory,
        "mentor",
        6,
        offers=[topics["feedback"], topics["delegation"]],
        department="Sales",
    )
    far = enrol(
        program, user_factory, "mentor", 6, department="Finance", offers=[topics["delegation"]]
    )
    mentee = enrol(
        program,
        user_factory,
        "mentee",
        3,
        department="Sales",
        seeks=[topics["feedback"], topics["delegation"]],
    )
    run = run_now(program)
    proposal = run.proposals.get(mentee=mentee)
    assert proposal.mentor_id == far.pk
    assert proposal.passed_over == [
        {
            "mentor": near.pk,
            "name": str(near.user),
            "score": pytest.approx(proposal.passed_over[0]["score"]),
            "ruled_out_by": ["same department"],
        }
    ]
    assert proposal.passed_over[0]["score"] > proposal.score


def test_unmatched_people_are_listed_with_the_reason(program, topics, user_factory):
    policy_for(program, "knowledge")
    mentor = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    first = enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    second = enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    too_senior = enrol(program, user_factory, "mentee", 9, seeks=[topics["feedback"]])

    run = run_now(program)

    reasons = {row["enrollment"]: row["reason"] for row in run.unmatched}
    assert run.proposals.get().mentor_id == mentor.pk
    loser = second if run.proposals.get().mentee_id == first.pk else first
    assert reasons[loser.pk] == "The mentors who suit them were full."
    assert reasons[too_senior.pk].startswith("Every mentor is ruled out by a hard constraint")
    assert "seniority gap" in reasons[too_senior.pk]


def test_either_fills_the_side_that_is_short(program, topics, user_factory):
    policy_for(program, "knowledge", min_seniority_gap=None)
    for _ in range(3):
        enrol(program, user_factory, "mentee", 2, seeks=[topics["feedback"]])
    senior = enrol(program, user_factory, "either", 8, capacity=4, offers=[topics["feedback"]])
    junior = enrol(program, user_factory, "either", 1, seeks=[topics["feedback"]])

    run = run_now(program)

    mentors = set(run.proposals.values_list("mentor_id", flat=True))
    assert mentors == {senior.pk}
    assert run.proposals.filter(mentee=junior).exists()


def test_locked_proposals_are_kept_and_the_rest_rerun(program, topics, user_factory):
    policy_for(program, "knowledge")
    mentors = [
        enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]]) for _ in range(2)
    ]
    mentees = [
        enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]]) for _ in range(2)
    ]
    first = run_now(program)
    kept = first.proposals.get(mentee=mentees[0])
    kept.status = "locked"
    kept.save()

    second = run_now(program, based_on=first)

    assert second.status == RunStatus.DONE, second.error
    locked = second.proposals.get(mentee=mentees[0])
    assert (locked.status, locked.mentor_id) == ("locked", kept.mentor_id)
    other = second.proposals.get(mentee=mentees[1])
    assert other.mentor_id == ({m.pk for m in mentors} - {kept.mentor_id}).pop()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_mentors", "Nobody can mentor in this run"),
        ("capacity_zero", "Nobody can mentor in this run"),
        ("weights_zero", "Every criterion weighs zero"),
        ("no_policy", "has no matching policy yet"),
    ],
)
def test_bad_input_is_refused_before_anything_is_queued(
    program, topics, user_factory, setup, message
):
    if setup != "no_policy":
        policy_for(program, "knowledge", **({"weights": {}} if setup == "weights_zero" else {}))
    if setup == "weights_zero" or setup == "capacity_zero":
        enrol(program, user_factory, "mentor", 6, capacity=0 if setup == "capacity_zero" else 1)
    enrol(program, user_factory, "mentee", 3)
    earlier = MatchingRun.objects.count()

    with pytest.raises(MatchingError, match=message):
        start_run(program)

    assert MatchingRun.objects.count() == earlier


def test_every_pair_ruled_out_fails_the_run_and_writes_nothing(program, topics, user_factory):
    policy_for(program, "knowledge", not_same_department=True)
    enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    earlier = run_now(program)
    assert earlier.status == RunStatus.FAILED
    assert "Every possible pair is ruled out" in earlier.error
    assert "same department (1 pair)" in earlier.error
    assert not MatchProposal.objects.exists()


def test_a_deleted_question_still_weighed_is_named(program, topics, user_factory):
    from matching.models import ProgramQuestion

    question = ProgramQuestion.objects.create(
        program=program,
        label="How do you like to meet?",
        kind="single",
        choices="In person\nOnline",
    )
    key = str(question.key)
    policy = policy_for(
        program,
        "knowledge",
        question_rules={key: {"rule": "same", "weight": 1, "label": question.label}},
    )
    enrol(program, user_factory, "mentor", 6, answers={key: "Online"})
    mentee = enrol(program, user_factory, "mentee", 3, answers={key: "Online"})
    question.delete()

    with pytest.raises(
        MatchingError, match="“How do you like to meet\\?”, which the program no longer asks"
    ):
        start_run(program)
    mentee.refresh_from_db()
    assert mentee.answers == {key: "Online"}

    policy.question_rules = {}
    policy.save()
    run = run_now(program)
    assert run.status == RunStatus.DONE
    assert any("no longer asks" in note for note in run.notes)


@pytest.fixture
def journey_program(program):
    from journeys.factories import JourneyPageFactory

    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return program


def test_approval_starts_journeys_and_introduces_both_sides(
    journey_program, topics, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    from matching.services.approval import approve_proposals

    policy_for(journey_program, "knowledge")
    mentor = enrol(journey_program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    mentee = enrol(journey_program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    run = run_now(journey_program)

    with django_capture_on_commit_callbacks(execute=True):
        (journey,) = approve_proposals(list(run.proposals.all()))

    members = {(m.user_id, m.role) for m in journey.memberships.all()}
    assert members == {(mentor.user_id, "mentor"), (mentee.user_id, "mentee")}
    mentee.refresh_from_db()
    assert mentee.status == "matched"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([mentor.user.email, mentee.user.email])
    (to_mentee,) = [m for m in mailoutbox if m.to == [mentee.user.email]]
    (to_mentor,) = [m for m in mailoutbox if m.to == [mentor.user.email]]
    # Each is told the reason from their own side.
    assert "They can help with what you want to grow in (Feedback)." in to_mentee.body
    assert "You can help with what they want to grow in (Feedback)." in to_mentor.body
    assert str(journey.uuid) in to_mentee.body


def test_approval_refuses_a_mentor_over_capacity_and_changes_nothing(
    journey_program, topics, user_factory
):
    from matching.services.approval import approve_proposals

    policy_for(journey_program, "knowledge")
    enrol(journey_program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    for _ in range(2):
        enrol(journey_program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    first = run_now(journey_program)
    approve_proposals(list(first.proposals.all()))
    # The same mentor proposed again by hand, in an older run's copy.
    stale = first.proposals.get()
    other = MatchProposal.objects.create(
        program=journey_program,
        mentee=next(e for e in first.program.enrollments.all() if e.status == "enrolled"),
        mentor=stale.mentor,
    )

    with pytest.raises(MatchingError, match="has 1 place and 1 is taken"):
        approve_proposals([other])

    other.refresh_from_db()
    assert other.status == "proposed" and other.journey is None


def test_the_command_runs_matching_and_reports_bad_input(program, topics, user_factory):
    from io import StringIO

    from django.core.management import CommandError, call_command

    policy_for(program, "knowledge")
    enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    with pytest.raises(CommandError, match="Nobody can mentor in this run"):
        call_command("run_matching", program.slug)

    enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    out = StringIO()
    call_command("run_matching", str(program.pk), stdout=out)
    assert "Proposed 1 matches for Growing leaders" in out.getvalue()
    assert MatchProposal.objects.filter(run__program=program).count() == 1


def test_a_deactivated_mentor_with_places_left_is_not_proposed_again(
    program, topics, user_factory
):
    policy_for(program, "knowledge")
    gone = enrol(program, user_factory, "mentor", 6, capacity=3, offers=[topics["feedback"]])
    gone.status = "matched"  # mentors one person already, with two places left
    gone.save()
    gone.user.is_active = False
    gone.user.save()
    staying = enrol(program, user_factory, "mentor", 6, offers=[topics["negotiation"]])
    waiting = enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])

    run = run_now(program)

    assert run.status == RunStatus.DONE, run.error
    assert [(p.mentee_id, p.mentor_id) for p in run.proposals.all()] == [(waiting.pk, staying.pk)]
    assert gone.pk not in {row["enrollment"] for row in run.unmatched}


def test_approval_refuses_a_mentor_deactivated_after_the_run(
    journey_program, topics, user_factory
):
    from journeys.models import Journey
    from matching.services.approval import approve_proposals

    policy_for(journey_program, "knowledge")
    # Mentoring someone already, so deactivating leaves the enrolment matched.
    mentor = enrol(
        journey_program,
        user_factory,
        "mentor",
        6,
        capacity=2,
        status="matched",
        offers=[topics["feedback"]],
    )
    enrol(journey_program, user_factory, "mentee", 3, seeks=[topics["feedback"]])
    run = run_now(journey_program)
    mentor.user.is_active = False
    mentor.user.save()

    with pytest.raises(MatchingError, match=r"account is deactivated, so .* cannot be approved"):
        approve_proposals(list(run.proposals.all()))

    assert run.proposals.get().status == "proposed"
    assert not Journey.objects.exists()
