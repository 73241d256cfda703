"""A journey an admin starts by hand is a match: its people stop waiting, its mentor's
place is taken, and a later run does not propose them again."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Journey, MemberRole
from journeys.services.starting import start_journey
from matching.factories import EnrollmentFactory
from matching.models import (
    EnrollmentStatus,
    MatchProposal,
    ProposalStatus,
    RoleWanted,
    Strategy,
)
from matching.services.approval import record_started_by_hand
from matching.services.runs import candidate_pool, commitments

START_URL = "journeys_admin:start"
START_DAY = timezone.localdate() - datetime.timedelta(days=7)


@pytest.fixture
def mentor(user_factory, program):
    person = user_factory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    EnrollmentFactory(program=program, user=person, role=RoleWanted.MENTOR, capacity=1)
    return person


@pytest.fixture
def mentees(user_factory, program):
    people = [
        user_factory(first_name=name, last_name="Tester") for name in ("Grace", "Alan", "Joy")
    ]
    for person in people:
        EnrollmentFactory(program=program, user=person)
    return people


def pair_form(program, mentor, mentee):
    return {
        "program": program.pk,
        "template": "",
        "started_on": START_DAY.isoformat(),
        "shape": "pair",
        "mentor": mentor.pk,
        "mentee": mentee.pk,
    }


def circle_form(program, mentor, members):
    return {
        **pair_form(program, mentor, members[0]),
        "shape": "circle",
        "mentee": "",
        "members": [m.pk for m in members],
    }


def test_a_pair_started_by_hand_is_recorded_as_their_match(
    admin_client, admin_user, program, journey_page, mentor, mentees
):
    response = admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[0]))

    assert response.status_code == 302
    journey = Journey.objects.get()
    proposal = MatchProposal.objects.get()
    assert proposal.journey == journey
    assert proposal.status == ProposalStatus.APPROVED
    assert (proposal.mentor.user, proposal.mentee.user) == (mentor, mentees[0])
    assert proposal.decided_by == admin_user
    assert proposal.run is None
    statuses = {e.user: e.status for e in program.enrollments.select_related("user")}
    assert statuses[mentor] == EnrollmentStatus.MATCHED
    assert statuses[mentees[0]] == EnrollmentStatus.MATCHED
    assert statuses[mentees[1]] == EnrollmentStatus.ENROLLED
    # A run now sees the mentee as matched and the mentor's only place as taken.
    assert commitments(program) == {proposal.mentor_id: 1}
    pool = candidate_pool(program, {"strategy": Strategy.KNOWLEDGE.value})
    assert proposal.mentee_id not in pool.mentee_ids
    assert proposal.mentor_id not in pool.mentor_ids


def test_a_mentor_with_no_place_left_is_refused_and_nothing_starts(
    admin_client, program, journey_page, mentor, mentees
):
    admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[0]))

    response = admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[1]))

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert (
        "Ada Lovelace has 1 place and 1 is taken. Raise their "
        "capacity on their enrolment before starting another journey they lead."
    ) in page
    assert Journey.objects.count() == 1
    assert MatchProposal.objects.count() == 1
    waiting = program.enrollments.get(user=mentees[1])
    assert waiting.status == EnrollmentStatus.ENROLLED


def test_a_circle_started_by_hand_takes_one_place_and_matches_everyone(
    admin_client, program, journey_page, mentor, mentees
):
    response = admin_client.post(reverse(START_URL), circle_form(program, mentor, mentees))

    assert response.status_code == 302
    journey = Journey.objects.get()
    proposals = MatchProposal.objects.filter(journey=journey)
    assert sorted(p.mentee.user.first_name for p in proposals) == ["Alan", "Grace", "Joy"]
    assert commitments(program) == {proposals[0].mentor_id: 1}
    assert set(program.enrollments.values_list("status", flat=True)) == {EnrollmentStatus.MATCHED}


def test_someone_mentoring_by_hand_without_offering_to_has_no_places_counted(
    admin_client, program, journey_page, mentees
):
    """Reverse mentoring: a person enrolled to be mentored is asked to mentor."""
    first = admin_client.post(reverse(START_URL), pair_form(program, mentees[0], mentees[1]))
    second = admin_client.post(reverse(START_URL), pair_form(program, mentees[0], mentees[2]))

    assert (first.status_code, second.status_code) == (302, 302)
    assert Journey.objects.count() == 2
    assert MatchProposal.objects.filter(status=ProposalStatus.APPROVED).count() == 2


def test_people_without_an_active_enrolment_are_left_alone(
    program, journey_page, mentees, user_factory
):
    newcomer = user_factory(first_name="Nel")
    program.enrollments.filter(user=mentees[0]).update(status=EnrollmentStatus.WITHDRAWN)
    journey = start_journey(
        program, [(newcomer, MemberRole.MENTOR), (mentees[0], MemberRole.MENTEE)], START_DAY
    )

    assert record_started_by_hand(journey) == []

    assert not MatchProposal.objects.exists()
    assert program.enrollments.get(user=mentees[0]).status == EnrollmentStatus.WITHDRAWN


def test_both_sides_of_a_pair_started_by_hand_are_introduced(
    admin_client,
    program,
    journey_page,
    mentor,
    mentees,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from django.contrib.messages import get_messages

    mentees[0].set_unusable_password()  # never signed in: invited as well
    mentees[0].save()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[0]))

    (message,) = [str(m).strip() for m in get_messages(response.wsgi_request)]
    assert message.endswith("2 introductions are queued and will be emailed shortly.")
    (to_mentor,) = [m for m in mailoutbox if m.to == [mentor.email]]
    assert to_mentor.subject == f"Meet your mentee in {program.title}"
    assert "Meet Grace Tester, your mentee" in to_mentor.body
    to_mentee = [m for m in mailoutbox if m.to == [mentees[0].email]]
    introduction = next(m for m in to_mentee if m.subject.startswith("Meet your mentor"))
    assert "Meet Ada Lovelace, your mentor" in introduction.body
    assert "a separate email invites you" in introduction.body
    # An admin's choice carries no scores: no reasons are made up for it.
    assert "Why we matched you" not in introduction.body + to_mentor.body
    assert len(to_mentee) == 2  # the introduction and the invitation to sign in


def test_a_start_refused_for_want_of_a_place_introduces_nobody(
    admin_client,
    program,
    journey_page,
    mentor,
    mentees,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[0]))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse(START_URL), pair_form(program, mentor, mentees[1]))

    assert mailoutbox == []
