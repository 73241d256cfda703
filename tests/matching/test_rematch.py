"""Ending a match and re-matching one person: the journey carries on with its progress."""

import datetime
import io
import json
import re
import zipfile
import zoneinfo
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from content.factories import TopicFactory
from journeys.factories import (
    JourneyPageFactory,
    ProgramPageFactory,
    choose_people,
    milestone,
    step,
)
from journeys.models import (
    Delivery,
    EmailChoice,
    Journey,
    JourneyMember,
    JourneyStatus,
    MemberRole,
    Notification,
    NotificationKind,
    OutboxEmail,
    ParticipantPreferences,
    PlannedMeetingStatus,
    Reflection,
    StepCompletion,
)
from journeys.services import conversation, meetings, notifications
from journeys.services.outbox import deliver_due
from journeys.services.progress import complete_step, log_meeting, save_reflection
from journeys.services.starting import start_journey
from journeys.services.state import journey_state
from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchProposal, MentorRequest, ProposalStatus
from matching.services import rematch as rematch_service
from matching.services.selfmatch import places_taken
from tests.programs import run_by_program_admins

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=slug.capitalize(), slug=slug)
        for slug in ("feedback", "delegation")
    }


@pytest.fixture
def program(home):
    program = ProgramPageFactory(
        parent=home, title="Growing leaders", admins=run_by_program_admins()
    )
    page = JourneyPageFactory(
        parent=program,
        title="First year together",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [step("checklist"), step("reflect")],
                block_id="m-start",
            ),
            milestone("Looking back", "back", [step("checklist")], opens=30, block_id="m-back"),
        ],
    )
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    policy_for(program, "knowledge")
    return program


def enrol(program, user_factory, role, seniority, name, **kwargs):
    first, _, last = name.partition(" ")
    user = user_factory(first_name=first, last_name=last)
    return EnrollmentFactory(program=program, user=user, role=role, seniority=seniority, **kwargs)


def approved_match(program, mentee, mentor, started_on, others=()):
    """An approved match with its journey, as approval leaves it (a circle with ``others``)."""
    members = [(mentor.user, MemberRole.MENTOR)]
    circle = [mentee, *others]
    role = MemberRole.MEMBER if others else MemberRole.MENTEE
    members += [(m.user, role) for m in circle]
    journey = start_journey(program, members, started_on)
    proposals = [
        MatchProposal.objects.create(
            program=program,
            mentee=m,
            mentor=mentor,
            score=1.0,
            status=ProposalStatus.APPROVED,
            journey=journey,
            decided_at=timezone.now(),
        )
        for m in circle
    ]
    for enrollment in (mentor, *circle):
        enrollment.status = "matched"
        enrollment.save()
    return proposals[0]


@pytest.fixture
def mentor(program, topics, user_factory):
    return enrol(program, user_factory, "mentor", 6, "Olu Oldmentor", offers=[topics["feedback"]])


@pytest.fixture
def mentee(program, topics, user_factory):
    return enrol(program, user_factory, "mentee", 3, "Mia Mentee", seeks=[topics["feedback"]])


@pytest.fixture
def new_mentor(program, topics, user_factory):
    return enrol(
        program,
        user_factory,
        "mentor",
        6,
        "Nia Newmentor",
        capacity=2,
        offers=[topics["feedback"]],
    )


@pytest.fixture
def match(program, mentee, mentor):
    return approved_match(program, mentee, mentor, TODAY() - datetime.timedelta(days=3))


def first_steps(journey):
    snapshot = journey_state(journey, TODAY()).snapshot
    steps = snapshot.milestones_by_id["m-start"].steps
    return {s.kind: s.id for s in steps}


def with_progress(match):
    journey = match.journey
    steps = first_steps(journey)
    complete_step(journey, match.mentee.user, "m-start", steps["checklist"], TODAY())
    complete_step(journey, match.mentor.user, "m-start", steps["checklist"], TODAY())
    save_reflection(
        journey, match.mentee.user, "m-start", steps["reflect"], "I learnt a lot.", True, None,
        TODAY(),
    )  # fmt: skip
    return journey


# Re-matching ---------------------------------------------------------------------------------


def test_a_new_mentor_takes_over_and_the_journey_keeps_its_progress(
    match, mentee, mentor, new_mentor, mailoutbox, django_capture_on_commit_callbacks
):
    journey = with_progress(match)
    journey.refresh_from_db()
    changed_before = journey.changed_at
    completions = set(StepCompletion.objects.values_list("pk", flat=True))
    reflections = set(Reflection.objects.values_list("pk", "text"))
    admin = mentee.user.__class__.objects.create_superuser(
        email="admin@example.com", password="x", first_name="A", last_name="Dmin"
    )

    with django_capture_on_commit_callbacks(execute=True):
        new = rematch_service.rematch(match, "mentor", new_mentor, by=admin, today=TODAY())

    match.refresh_from_db()
    assert match.status == ProposalStatus.ENDED and match.ended_on == TODAY()
    assert match.ended_reason == "Olu Oldmentor left; Nia Newmentor took their place."
    assert (new.mentee, new.mentor, new.journey) == (mentee, new_mentor, journey)
    assert new.status == ProposalStatus.APPROVED and new.run is None
    assert new.decided_by == admin and new.score > 0 and new.explanation
    old = JourneyMember.objects.get(journey=journey, user=mentor.user)
    assert old.left_on == TODAY()
    joined = JourneyMember.objects.get(journey=journey, user=new_mentor.user)
    assert (joined.role, joined.joined_on, joined.left_on) == ("mentor", TODAY(), None)
    assert set(StepCompletion.objects.values_list("pk", flat=True)) == completions
    assert set(Reflection.objects.values_list("pk", "text")) == reflections
    journey.refresh_from_db()
    assert journey.changed_at > changed_before
    assert journey.status == JourneyStatus.ACTIVE
    for enrollment, status in ((mentor, "enrolled"), (new_mentor, "matched"), (mentee, "matched")):
        enrollment.refresh_from_db()
        assert enrollment.status == status
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [mentee.user.email, new_mentor.user.email]
    )
    assert all(str(journey.uuid) in m.body for m in mailoutbox)


def test_participant_pages_follow_the_new_partner_at_once(client, match, mentor, new_mentor):
    journey = match.journey
    url = reverse("journeys:journey", args=[journey.uuid])
    client.force_login(match.mentee.user)
    client.get(url)
    kept = client.get(url)  # now kept in the cache
    assert "Olu Oldmentor" in kept.content.decode()

    rematch_service.rematch(match, "mentor", new_mentor, today=TODAY())

    page = client.get(url).content.decode()
    assert "Nia Newmentor" in page and "Olu Oldmentor" not in page
    client.force_login(new_mentor.user)
    assert client.get(url).status_code == 200
    assert "First year together" in client.get(reverse("journeys:my_mentoring")).content.decode()
    client.force_login(mentor.user)
    assert client.get(url).status_code == 404
    assert (
        "First year together" not in client.get(reverse("journeys:my_mentoring")).content.decode()
    )


def test_a_new_mentee_takes_the_place_of_one_who_leaves(
    program, match, mentee, mentor, topics, user_factory
):
    newcomer = enrol(program, user_factory, "mentee", 3, "Noa Newmentee")
    waiting = Notification.objects.create(
        journey=match.journey,
        member=JourneyMember.objects.get(journey=match.journey, user=mentee.user),
        kind=NotificationKind.INACTIVE,
        delivery=Delivery.DIGEST,
    )

    new = rematch_service.rematch(
        match, "mentee", newcomer, today=TODAY(), reason="Moved to another country."
    )

    assert (new.mentee, new.mentor) == (newcomer, mentor)
    match.refresh_from_db()
    assert match.ended_reason == "Moved to another country."
    joined = JourneyMember.objects.get(journey=match.journey, user=newcomer.user)
    assert joined.role == "mentee"
    for enrollment, status in ((mentee, "enrolled"), (newcomer, "matched"), (mentor, "matched")):
        enrollment.refresh_from_db()
        assert enrollment.status == status
    waiting.refresh_from_db()
    assert waiting.delivery == Delivery.SUPPRESSED  # not in their next digest
    # The newcomer and the mentor are introduced; the one who left hears nothing more.
    assert deliver_due().sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([newcomer.user.email, mentor.user.email])


def test_when_a_circles_mentor_leaves_the_whole_circle_moves(
    program, mentee, mentor, new_mentor, user_factory
):
    others = [enrol(program, user_factory, "mentee", 3, f"Member {n}") for n in range(1)]
    first = approved_match(program, mentee, mentor, TODAY(), others=others)

    new = rematch_service.rematch(first, "mentor", new_mentor, today=TODAY())

    running = rematch_service.running(MatchProposal.objects.filter(journey=first.journey))
    assert {(p.mentee_id, p.mentor_id) for p in running} == {
        (mentee.pk, new_mentor.pk),
        (others[0].pk, new_mentor.pk),
    }
    assert new.mentee == mentee
    assert JourneyMember.objects.get(journey=first.journey, user=new_mentor.user).role == "mentor"


def test_a_new_mentor_takes_over_a_whole_circle_with_one_place(
    client, admin, program, mentee, mentor, new_mentor, user_factory
):
    """The circle's journey is one of the new mentor's places, as approval counts it."""
    others = [enrol(program, user_factory, "mentee", 3, f"Member {n}") for n in range(2)]
    first = approved_match(program, mentee, mentor, TODAY(), others=others)
    new_mentor.capacity = 1
    new_mentor.save()
    client.force_login(admin)

    html = client.get(rematch_url(first, leaving="mentor")).content.decode()

    assert f'name="new_partner" value="{new_mentor.pk}"' in html
    response = client.post(
        rematch_url(first),
        {"action": "rematch", "leaving": "mentor", "new_partner": new_mentor.pk, "reason": ""},
    )
    assert response.status_code == 302
    running = rematch_service.running(MatchProposal.objects.filter(journey=first.journey))
    assert {p.mentor_id for p in running} == {new_mentor.pk}
    assert running.count() == 3
    assert places_taken([new_mentor.pk]) == {new_mentor.pk: 1}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not_running", "is not a running match"),
        ("no_journey", "has no journey to continue"),
        ("full", "Nia Newmentor has no places left."),
        ("in_journey", "Mia Mentee is already in this journey."),
        ("not_a_mentor", "did not offer to mentor"),
        ("ruled_out", "cannot be matched: seniority gap"),
        ("withdrawn", "has withdrawn from the program"),
        ("who", "Choose who leaves"),
    ],
)
def test_a_rematch_that_cannot_happen_says_why_and_changes_nothing(
    program, match, mentee, new_mentor, user_factory, case, message
):
    leaving, partner = "mentor", new_mentor
    if case == "not_running":
        match.status = ProposalStatus.PROPOSED
        match.save()
    elif case == "no_journey":
        MatchProposal.objects.filter(pk=match.pk).update(journey=None)
    elif case == "full":
        new_mentor.capacity = 1
        new_mentor.save()
        waiting = enrol(program, user_factory, "mentee", 3, "Wai Ting")
        MentorRequest.objects.create(program=program, mentee=waiting, mentor=new_mentor)
    elif case == "in_journey":
        leaving, partner = "mentor", mentee
    elif case == "not_a_mentor":
        partner = enrol(program, user_factory, "mentee", 7, "Not Amentor")
    elif case == "ruled_out":
        new_mentor.seniority = 2
        new_mentor.save()
    elif case == "withdrawn":
        new_mentor.status = "withdrawn"
        new_mentor.save()
    else:
        leaving = "both"
    members = set(JourneyMember.objects.values_list("pk", "left_on"))

    with pytest.raises(MatchingError, match=message):
        rematch_service.rematch(match, leaving, partner, today=TODAY())

    assert set(JourneyMember.objects.values_list("pk", "left_on")) == members
    assert MatchProposal.objects.count() == 1


def test_a_new_mentee_must_be_waiting_with_no_request_pending(
    program, match, new_mentor, user_factory
):
    matched = enrol(program, user_factory, "mentee", 3, "Mat Ched", status="matched")
    with pytest.raises(MatchingError, match=r"Mat Ched is not waiting to be matched\."):
        rematch_service.rematch(match, "mentee", matched, today=TODAY())
    asking = enrol(program, user_factory, "mentee", 3, "Ask Ing")
    MentorRequest.objects.create(program=program, mentee=asking, mentor=new_mentor)
    with pytest.raises(MatchingError, match="has asked a mentor"):
        rematch_service.rematch(match, "mentee", asking, today=TODAY())


# Ending ---------------------------------------------------------------------------------------


def test_ending_a_match_closes_the_pairs_journey_and_both_wait_again(match, mentee, mentor):
    journey = match.journey
    rematch_service.end_match(match, "They agreed to stop.", today=TODAY())

    match.refresh_from_db()
    assert match.status == ProposalStatus.ENDED
    assert (match.ended_on, match.ended_reason) == (TODAY(), "They agreed to stop.")
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.CLOSED and journey.changed_at
    for enrollment in (mentee, mentor):
        enrollment.refresh_from_db()
        assert enrollment.status == "enrolled"
    with pytest.raises(MatchingError, match="is not a running match"):
        rematch_service.end_match(match, "Again.", today=TODAY())


def test_ending_needs_a_reason(match):
    with pytest.raises(MatchingError, match="Say why the match ends"):
        rematch_service.end_match(match, "  ", today=TODAY())


def test_a_reason_too_long_to_keep_is_refused_not_cut(match, new_mentor):
    for call in (
        lambda reason: rematch_service.end_match(match, reason, today=TODAY()),
        lambda reason: rematch_service.rematch(
            match, "mentor", new_mentor, today=TODAY(), reason=reason
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            call("r" * 256)
        assert refused.value.message_dict["reason"] == [
            "The reason can be at most 255 characters long; this is 256. "
            "Shorten it by 1 character."
        ]
        with pytest.raises(ValidationError, match="one line of text"):
            call("They agreed\nto stop.")
    match.refresh_from_db()
    assert match.status == ProposalStatus.APPROVED


def test_ending_one_circle_members_match_lets_the_circle_carry_on(
    program, mentee, mentor, user_factory
):
    other = enrol(program, user_factory, "mentee", 3, "Oth Er")
    first = approved_match(program, mentee, mentor, TODAY(), others=[other])
    rematch_service.end_match(first, "Changed teams.", today=TODAY())

    journey = Journey.objects.get(pk=first.journey_id)
    assert journey.status == JourneyStatus.ACTIVE
    assert JourneyMember.objects.get(journey=journey, user=mentee.user).left_on == TODAY()
    mentor.refresh_from_db()
    mentee.refresh_from_db()
    assert (mentor.status, mentee.status) == ("matched", "enrolled")


# The admin page -------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    """The messages shown after ``response``, as the admin reads them."""
    return [unescape(str(m)).strip() for m in get_messages(response.wsgi_request)]


def rematch_url(proposal, **query):
    url = reverse("matching_rematch", args=[proposal.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def admin(user_factory):
    return user_factory(is_staff=True, is_superuser=True)


def test_the_page_lists_scored_mentors_and_rematches(
    client, admin, match, new_mentor, program, user_factory, mailoutbox
):
    enrol(program, user_factory, "mentor", 3, "Too Junior")  # ruled out by the seniority gap
    client.force_login(admin)

    page = client.get(rematch_url(match, leaving="mentor"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Nia Newmentor" in html and "Too Junior" in html
    assert "Ruled out: seniority gap outside the policy" in html
    assert "Mentor offers what the mentee seeks" in html
    response = client.post(
        rematch_url(match),
        {"action": "rematch", "leaving": "mentor", "new_partner": new_mentor.pk, "reason": ""},
    )
    new = MatchProposal.objects.get(status=ProposalStatus.APPROVED)
    assert response.status_code == 302
    assert response["Location"] == rematch_url(new)
    assert new.mentor == new_mentor


@pytest.mark.parametrize("leaving", ["mentor", "mentee"])
def test_the_page_says_everyone_in_a_circle_is_introduced_after_a_rematch(
    client, admin, program, mentee, mentor, new_mentor, user_factory, leaving
):
    others = [enrol(program, user_factory, "mentee", 3, "Cy Circle")]
    first = approved_match(program, mentee, mentor, TODAY(), others=others)
    partner = (
        new_mentor
        if leaving == "mentor"
        else enrol(program, user_factory, "mentee", 3, "Wai Ting")
    )
    client.force_login(admin)

    response = client.post(
        rematch_url(first),
        {"action": "rematch", "leaving": leaving, "new_partner": partner.pk, "reason": ""},
    )

    assert response.status_code == 302
    names = {
        "mentor": "Nia Newmentor, Cy Circle and Mia Mentee",
        "mentee": "Olu Oldmentor, Cy Circle and Wai Ting",
    }[leaving]
    assert messages_of(response) == [
        f"{partner.user} has taken over in the circle; introductions to everyone in it "
        f"({names}) are queued and will be emailed shortly."
    ]


def test_the_page_says_the_new_pair_is_introduced_after_a_pairs_rematch(
    client, admin, match, new_mentor
):
    client.force_login(admin)

    response = client.post(
        rematch_url(match),
        {"action": "rematch", "leaving": "mentor", "new_partner": new_mentor.pk, "reason": ""},
    )

    assert messages_of(response) == [
        "Nia Newmentor has taken over in the journey; the new pair's introductions are "
        "queued and will be emailed shortly."
    ]


def test_the_page_lists_waiting_mentees_when_the_mentee_leaves(
    client, admin, match, program, user_factory
):
    waiting = enrol(program, user_factory, "mentee", 3, "Wai Ting")
    enrol(program, user_factory, "mentee", 3, "Al Ready", status="matched")
    client.force_login(admin)
    html = client.get(rematch_url(match, leaving="mentee")).content.decode()
    assert "Wai Ting" in html and "Al Ready" not in html
    response = client.post(
        rematch_url(match), {"action": "rematch", "leaving": "mentee", "new_partner": waiting.pk}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "matched"


def test_a_refused_rematch_shows_the_reason(client, admin, match, new_mentor):
    new_mentor.capacity = 0
    new_mentor.save()
    client.force_login(admin)
    response = client.post(
        rematch_url(match),
        {"action": "rematch", "leaving": "mentor", "new_partner": new_mentor.pk},
    )
    assert response.status_code == 400
    assert "did not offer to mentor in this program" in response.content.decode()


@pytest.mark.parametrize(
    ("reason", "words"),
    [("Stefan moved\tteam", "it holds a tab"), ("r" * 256, "at most 255 characters")],
)
def test_a_refused_rematch_reason_is_told_next_to_the_field(
    client, admin, match, new_mentor, reason, words
):
    client.force_login(admin)
    response = client.post(
        rematch_url(match),
        {"action": "rematch", "leaving": "mentor", "new_partner": new_mentor.pk, "reason": reason},
    )
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('id="id_reason_error"')
    assert words in html[start : html.index("</div>", start)]
    match.refresh_from_db()
    assert match.status == ProposalStatus.APPROVED


def test_the_page_ends_a_match_with_a_reason(client, admin, match):
    client.force_login(admin)
    missing = client.post(rematch_url(match), {"action": "end", "end-reason": ""})
    assert missing.status_code == 400
    response = client.post(
        rematch_url(match), {"action": "end", "end-reason": "They agreed to stop."}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == ProposalStatus.ENDED
    page = client.get(rematch_url(match)).content.decode()
    assert "Only an approved match that is still running" in page


def test_the_page_refuses_a_reason_too_long_and_keeps_the_match(client, admin, match):
    client.force_login(admin)
    response = client.post(rematch_url(match), {"action": "end", "end-reason": "r" * 256})
    assert response.status_code == 400
    assert "at most 255 characters" in response.content.decode()
    match.refresh_from_db()
    assert match.status == ProposalStatus.APPROVED


def test_only_people_who_may_change_matches_reach_the_page(client, match, user_factory):
    access_admin = Permission.objects.get(codename="access_admin")
    editor = user_factory(is_staff=True)
    editor.user_permissions.add(access_admin)
    client.force_login(editor)
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    for response in (
        client.get(rematch_url(match)),
        client.post(rematch_url(match), {"action": "end", "end-reason": "x"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    match.refresh_from_db()
    assert match.status == ProposalStatus.APPROVED

    manager = user_factory(is_staff=True)
    manager.user_permissions.add(
        access_admin, Permission.objects.get(codename="change_matchproposal")
    )
    client.force_login(manager)
    # The permission says what they may do; the program must be theirs too.
    assert client.get(rematch_url(match)).status_code == 302
    choose_people(match.program, "admin", [manager])
    client.force_login(manager)
    assert client.get(rematch_url(match)).status_code == 200

    client.force_login(user_factory())
    response = client.get(rematch_url(match))
    assert response.status_code == 302 and "login" in response["Location"]


def enrolment_form(status):
    """The enrolment edit form for a mentee, with ``status`` chosen."""
    return {
        "role": "mentee",
        "capacity": "1",
        "status": status,
        "department": "",
        "location": "",
        "time_zone": "UTC",
        "seniority": "3",
        "languages": "en",
        "reports_to": "",
        "goals": "",
    }


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("withdrawn", "cannot be withdrawn while their journey goes on"),
        ("enrolled", "cannot wait to be matched again"),
    ],
)
def test_someone_in_a_running_match_keeps_their_enrolment_until_it_ends(
    client, admin, match, status, words
):
    """Withdrawn by hand, they could never be put back: matched comes from approvals only."""
    enrollment = match.mentee
    edit = reverse("matching_enrolments:edit", args=[enrollment.pk])
    client.force_login(admin)

    response = client.post(edit, enrolment_form(status))

    assert response.status_code == 200
    assert words in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == "matched"

    rematch_service.end_match(match, "They moved team", by=admin)
    assert client.post(edit, enrolment_form("withdrawn")).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "withdrawn"


def test_the_refusal_to_put_someone_back_to_waiting_names_what_frees_them(client, admin, match):
    """Closing the journey in the journeys admin leaves the match running (it can be
    reopened): the refusal sends the admin to end or re-match the match, which does
    free them, never to close a journey that may be closed already."""
    client.force_login(admin)
    closed = client.post(
        reverse("journeys_admin:edit", args=[match.journey.pk]),
        {"status": "closed", "tracks": []},
    )
    assert closed.status_code == 302
    match.journey.refresh_from_db()
    assert match.journey.status == JourneyStatus.CLOSED
    edit = reverse("matching_enrolments:edit", args=[match.mentee.pk])

    response = client.post(edit, enrolment_form("enrolled"))

    assert response.status_code == 200
    page = " ".join(unescape(response.content.decode()).split())
    assert "cannot wait to be matched again" in page
    assert "Close their journey" not in page
    assert "End or rematch the match first" in page
    rematch_service.end_match(match, "They stopped meeting", by=admin)
    match.mentee.refresh_from_db()
    assert match.mentee.status == "enrolled"


@pytest.mark.parametrize(
    ("side", "new_role", "words"),
    [
        ("mentor", "mentee", "They walk in 2 running journeys"),
        ("mentor", "either", "They walk in 2 running journeys"),
        ("mentee", "mentor", "They walk in 1 running journey,"),
    ],
)
def test_the_role_of_someone_in_running_journeys_cannot_change_until_they_end(
    client, admin, program, user_factory, mentor, mentee, side, new_role, words
):
    """The journeys were started for the role they hold: a mentor made a mentee would
    still lead them, and matching would count them on the wrong side."""
    mentor.capacity = 2
    mentor.save()
    match = approved_match(program, mentee, mentor, TODAY())
    second = enrol(program, user_factory, "mentee", 3, "Max Mentee")
    approved_match(program, second, mentor, TODAY())
    enrollment = mentor if side == "mentor" else mentee
    edit = reverse("matching_enrolments:edit", args=[enrollment.pk])
    client.force_login(admin)
    form = {**enrolment_form("matched"), "capacity": "2"}

    response = client.post(edit, {**form, "role": new_role})

    assert response.status_code == 200
    page = " ".join(unescape(response.content.decode()).split())
    assert words in page
    assert "so their role cannot change while" in page
    assert "End or rematch" in page
    enrollment.refresh_from_db()
    assert (enrollment.role, enrollment.status) == (side, "matched")

    # Other corrections still go through while the role stays.
    assert client.post(edit, {**form, "role": side, "department": "Ops"}).status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.role, enrollment.department) == (side, "Ops")

    rematch_service.end_match(match, "They moved team", by=admin)
    if side == "mentor":
        rematch_service.end_match(
            MatchProposal.objects.get(mentee=second, status=ProposalStatus.APPROVED),
            "They moved team",
            by=admin,
        )
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"
    assert client.post(edit, {**form, "status": "enrolled", "role": new_role}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.role == new_role


def test_a_mentor_who_withdrew_cannot_enrol_again_as_a_mentee_while_their_journey_runs(
    client, program, match, mentor
):
    """Withdrawing leaves the journey running; enrolling again must not turn the person
    who leads it into a mentee."""
    program.enrolment_open = True
    program.save_revision().publish()
    client.force_login(mentor.user)
    client.post(reverse("matching:withdraw", args=[program.pk]))
    data = {
        **enrolment_form("enrolled"),
        "capacity": "",
        "avoid": "",
        "time_zone": "Europe/London",
    }

    response = client.post(reverse("matching:enrol", args=[program.pk]), data)

    assert response.status_code == 400
    page = " ".join(unescape(response.content.decode()).split())
    assert "You walk in 1 running journey, so your role cannot change while it goes on." in page
    mentor.refresh_from_db()
    assert (mentor.role, mentor.status) == ("mentor", "withdrawn")


@pytest.fixture
def leading_three(program, mentor, mentee, user_factory):
    """Olu leads three running journeys: two pairs and a circle of three, at capacity 4."""
    mentor.capacity = 4
    mentor.save()
    approved_match(program, mentee, mentor, TODAY())
    second = enrol(program, user_factory, "mentee", 3, "Max Mentee")
    approved_match(program, second, mentor, TODAY())
    circle = [enrol(program, user_factory, "mentee", 3, f"Cir Cle{n}") for n in range(3)]
    approved_match(program, circle[0], mentor, TODAY(), others=circle[1:])
    return mentor


def test_an_admin_cannot_lower_a_capacity_below_the_journeys_the_mentor_leads(
    client, admin, leading_three
):
    """A whole circle takes one place, as approval counts it: three journeys, three places."""
    mentor = leading_three
    edit = reverse("matching_enrolments:edit", args=[mentor.pk])
    client.force_login(admin)
    form = {**enrolment_form("matched"), "role": "mentor", "seniority": "6"}

    response = client.post(edit, {**form, "capacity": "2", "department": "Legal"})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    start = html.index('data-contentpath="capacity"')
    errors = html[html.index("w-field__errors", start) : html.index("</div>", start)]
    assert (
        "They already lead 3 running journeys (a whole circle counts as one), so their "
        "capacity cannot go below 3. End or rematch one first." in " ".join(errors.split())
    )
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (4, "Operations")

    assert client.post(edit, {**form, "capacity": "3", "department": "Legal"}).status_code == 302
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (3, "Legal")


def test_a_mentor_who_withdrew_cannot_enrol_again_with_fewer_places_than_they_fill(
    client, program, leading_three
):
    mentor = leading_three
    program.enrolment_open = True
    program.save_revision().publish()
    client.force_login(mentor.user)
    client.post(reverse("matching:withdraw", args=[program.pk]))
    data = {
        **enrolment_form("enrolled"),
        "role": "mentor",
        "seniority": "6",
        "avoid": "",
        "time_zone": "Europe/London",
    }

    response = client.post(reverse("matching:enrol", args=[program.pk]), {**data, "capacity": "1"})

    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(r'id="id_capacity_errors">(.*?)</ul>', html, re.S).group(1)
    assert (
        "You already lead 3 running journeys (a whole circle counts as one), so your "
        "capacity cannot go below 3. Ask your program admin if one should end."
        in " ".join(unescape(errors).split())
    )
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.status) == (4, "withdrawn")

    response = client.post(reverse("matching:enrol", args=[program.pk]), {**data, "capacity": "3"})
    assert response.status_code == 302
    mentor.refresh_from_db()
    # Back in the journeys they still lead: matched, as while they never left.
    assert (mentor.capacity, mentor.status) == (3, "matched")


# What a new partner reads --------------------------------------------------------------------


def feed_url(user):
    token = ParticipantPreferences.objects.get_or_create(user=user)[0].calendar_token
    return reverse("journeys:calendar_feed", args=[token])


@pytest.fixture
def before_the_rematch(match):
    """What the pair wrote to each other on the day the mentor is replaced, before it."""
    journey = with_progress(match)  # the mentee shares "I learnt a lot."
    mentee, mentor = match.mentee.user, match.mentor.user
    now = timezone.now()
    conversation.post_message(journey, mentee, "MENTEE-TO-OLU")
    conversation.post_message(journey, mentor, "OLU-TO-MENTEE")
    meeting = log_meeting(journey, mentor, TODAY(), 45, "OLU-NOTES", "OLU-ACTIONS", TODAY())
    plan = meetings.propose(
        journey,
        mentee,
        options=[now + datetime.timedelta(days=2)],
        duration_minutes=30,
        place="OLU-ROOM",
        video_link="",
        agenda="AGENDA-FOR-OLU",
        now=now,
    )
    meetings.accept(plan, mentor, plan.option_1, now)
    return {"journey": journey, "meeting": meeting, "plan": plan}


def test_a_new_partner_reads_only_what_was_written_since_they_joined(
    client, match, new_mentor, before_the_rematch
):
    journey = before_the_rematch["journey"]
    mentee = match.mentee.user
    rematch_service.rematch(match, "mentor", new_mentor, today=TODAY())
    conversation.post_message(journey, mentee, "WELCOME-NIA")
    old_words = ("MENTEE-TO-OLU", "OLU-TO-MENTEE", "I learnt a lot.", "AGENDA-FOR-OLU", "OLU-ROOM")

    client.force_login(new_mentor.user)
    mine = client.get(reverse("journeys:my_mentoring")).content.decode()
    assert "1 unread message" in mine
    pages = {
        "journey": client.get(reverse("journeys:journey", args=[journey.uuid])),
        "conversation": client.get(reverse("journeys:conversation", args=[journey.uuid])),
        "milestone": client.get(reverse("journeys:milestone", args=[journey.uuid, "m-start"])),
        "meeting": client.get(
            reverse("journeys:meeting", args=[journey.uuid, before_the_rematch["meeting"].uuid])
        ),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        text = page.content.decode()
        for words in (*old_words, "OLU-NOTES", "OLU-ACTIONS"):
            assert words not in text, (name, words)
    assert "WELCOME-NIA" in pages["conversation"].content.decode()
    assert "logged before you joined" in pages["meeting"].content.decode()
    reflection = Reflection.objects.get(journey=journey)
    plan = before_the_rematch["plan"]
    for url in (
        reverse("journeys:reflection", args=[journey.uuid, reflection.uuid]),
        reverse("journeys:planned_meeting", args=[journey.uuid, plan.uuid]),
    ):
        assert client.get(url).status_code == 404
    feed = client.get(feed_url(new_mentor.user)).content.decode()
    assert str(plan.uuid) not in feed and "OLU-ROOM" not in feed
    assert str(before_the_rematch["meeting"].uuid) not in feed
    download = client.post(reverse("journeys:my_data")).content
    with zipfile.ZipFile(io.BytesIO(download)) as archive:
        data = {n: archive.read(n).decode() for n in archive.namelist()}
    assert json.loads(data["messages_to_you.json"]) == [
        {
            "journey_id": str(journey.uuid),
            "journey": "First year together",
            "written_by": "Mia Mentee",
            "sent_at": json.loads(data["messages_to_you.json"])[0]["sent_at"],
            "deleted": False,
        }
    ]
    for name in ("reflections_shared_with_you", "meetings", "planned_meetings"):
        assert json.loads(data[f"{name}.json"]) == [], name

    # The mentee reads everything, theirs and the departed mentor's.
    client.force_login(mentee)
    text = client.get(reverse("journeys:conversation", args=[journey.uuid])).content.decode()
    assert "OLU-TO-MENTEE" in text and "MENTEE-TO-OLU" in text

    # A reflection shared again since the new mentor joined is shared with them.
    steps = first_steps(journey)
    save_reflection(
        journey, mentee, "m-start", steps["reflect"], "For Nia now.", True,
        reflection.version, TODAY(),
    )  # fmt: skip
    client.force_login(new_mentor.user)
    page = client.get(reverse("journeys:milestone", args=[journey.uuid, "m-start"]))
    assert "For Nia now." in page.content.decode()


def test_a_new_partners_digest_counts_only_messages_since_they_joined(
    match, new_mentor, before_the_rematch
):
    journey = before_the_rematch["journey"]
    ParticipantPreferences.objects.update_or_create(
        user=new_mentor.user, defaults={"emails": EmailChoice.WEEKLY}
    )
    rematch_service.rematch(match, "mentor", new_mentor, today=TODAY())
    conversation.post_message(journey, match.mentee.user, "WELCOME-NIA")

    assert notifications.send_participant_digests() == 1
    deliver_due()
    (digest,) = [m for m in mail.outbox if m.subject == "Your mentoring week"]
    assert digest.to == [new_mentor.user.email]
    assert "1 new message in your conversation." in digest.body


# Meetings planned with someone who leaves ------------------------------------------------------


def agreed(journey, proposer, accepter, days=2, place="Room 1"):
    now = timezone.now()
    plan = meetings.propose(
        journey,
        proposer,
        options=[now + datetime.timedelta(days=days)],
        duration_minutes=30,
        place=place,
        video_link="",
        agenda="",
        now=now,
    )
    return meetings.accept(plan, accepter, plan.option_1, now)


def cancellations(plan):
    """Who was sent the planned meeting's calendar cancellation, and what it said."""
    return {
        email.recipient.email: (email.context, email.calendar)
        for email in OutboxEmail.objects.filter(
            template=meetings.CANCELLED_EMAIL, context__plan_uuid=str(plan.uuid)
        ).select_related("recipient")
    }


def test_a_pair_rematch_cancels_the_leavers_meetings_for_both_and_never_invites_the_newcomer(
    client, match, new_mentor
):
    journey = match.journey
    mentee, mentor = match.mentee.user, match.mentor.user
    plan = agreed(journey, mentee, mentor)
    now = timezone.now()
    proposal = meetings.propose(
        journey,
        mentor,
        options=[now + datetime.timedelta(days=3)],
        duration_minutes=30,
        place="Room 2",
        video_link="",
        agenda="",
        now=now,
    )

    rematch_service.rematch(match, "mentor", new_mentor, today=TODAY())

    for planned in (plan, proposal):
        planned.refresh_from_db()
        assert planned.status == PlannedMeetingStatus.CANCELLED
    assert plan.sequence == 1
    sent = cancellations(plan)
    assert set(sent) == {mentee.email, mentor.email}
    for _context, calendar in sent.values():
        assert "METHOD:CANCEL" in calendar and "SEQUENCE:1" in calendar
    assert sent[mentor.email][0]["you_left"] and not sent[mentor.email][0]["left"]
    assert sent[mentee.email][0]["left"] and not sent[mentee.email][0]["you_left"]
    assert not cancellations(proposal)  # it was in nobody's calendar
    deliver_due()
    (to_mentor,) = [m for m in mail.outbox if m.to == [mentor.email] and "cancelled" in m.subject]
    assert "you are no longer in this journey" in to_mentor.body
    assert "Plan another meeting" not in to_mentor.body
    client.force_login(new_mentor.user)
    page = client.get(reverse("journeys:journey", args=[journey.uuid])).content.decode()
    assert "Room 1" not in page and "Room 2" not in page
    assert "Room 1" not in client.get(feed_url(new_mentor.user)).content.decode()


def test_ending_a_pairs_match_cancels_its_meetings_for_both(match):
    journey = match.journey
    mentee, mentor = match.mentee.user, match.mentor.user
    plan = agreed(journey, mentor, mentee)

    rematch_service.end_match(match, "They moved team")

    plan.refresh_from_db()
    assert plan.status == PlannedMeetingStatus.CANCELLED
    sent = cancellations(plan)
    assert set(sent) == {mentee.email, mentor.email}
    assert all(context["ended"] and "METHOD:CANCEL" in ics for context, ics in sent.values())
    deliver_due()
    assert any("your journey has ended" in m.body for m in mail.outbox)


def test_a_circle_keeps_the_others_meetings_and_cancels_those_the_leaver_proposed(
    program, mentee, mentor, new_mentor, user_factory
):
    other = enrol(program, user_factory, "mentee", 3, "Ola Other")
    first = approved_match(program, mentee, mentor, TODAY(), others=[other])
    journey = first.journey
    members = (mentee.user, other.user)
    theirs = agreed(journey, mentee.user, mentor.user, place="Circle room")
    his = agreed(journey, mentor.user, mentee.user, days=3, place="Mentor's room")
    OutboxEmail.objects.all().delete()

    rematch_service.rematch(first, "mentor", new_mentor, today=TODAY())

    his.refresh_from_db()
    theirs.refresh_from_db()
    assert his.status == PlannedMeetingStatus.CANCELLED
    assert set(cancellations(his)) == {mentor.user.email, *(u.email for u in members)}
    # The circle keeps its own meeting; only the mentor who left has it taken away.
    assert theirs.status == PlannedMeetingStatus.ACCEPTED and theirs.sequence == 1
    ((context, calendar),) = cancellations(theirs).values()
    assert set(cancellations(theirs)) == {mentor.user.email} and context["you_left"]
    assert "METHOD:CANCEL" in calendar and "SEQUENCE:1" in calendar
    assert not OutboxEmail.objects.filter(
        recipient=new_mentor.user, template=meetings.CANCELLED_EMAIL
    ).exists()
    # Moving it later tells the circle, not the mentor who left nor the newcomer.
    OutboxEmail.objects.all().delete()
    meetings.move(
        theirs,
        other.user,
        starts_at=theirs.starts_at + datetime.timedelta(hours=1),
        duration_minutes=30,
        place="Circle room",
        video_link="",
        now=timezone.now(),
    )
    assert set(OutboxEmail.objects.values_list("recipient__email", flat=True)) == {
        u.email for u in members
    }


def test_the_migration_gives_those_who_joined_under_way_the_start_of_their_day(
    settings, program, user_factory
):
    """Before ``joined_at``, only the day was kept: members who joined a journey under
    way, or in a leaver's place on its first day, read from the start of that day;
    those who started it read everything."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.TIME_ZONE = "Europe/Paris"
    started_on = datetime.date(2026, 11, 2)
    people = [user_factory() for _ in range(5)]
    late = start_journey(
        program, [(people[0], MemberRole.MENTOR), (people[1], MemberRole.MENTEE)], started_on
    )
    joined_late = JourneyMember.objects.create(
        journey=late, user=people[2], role=MemberRole.MENTOR, joined_on=datetime.date(2026, 11, 9)
    )
    JourneyMember.objects.filter(journey=late, user=people[0]).update(
        left_on=datetime.date(2026, 11, 9)
    )
    first_day = start_journey(
        program, [(people[3], MemberRole.MENTOR), (people[1], MemberRole.MENTEE)], started_on
    )
    JourneyMember.objects.filter(journey=first_day, user=people[3]).update(left_on=started_on)
    replaced_at_once = JourneyMember.objects.create(
        journey=first_day, user=people[4], role=MemberRole.MENTOR, joined_on=started_on
    )
    JourneyMember.objects.update(joined_at=None)
    name = ("journeys", "0024_member_joined_at")
    loader = MigrationExecutor(connection).loader
    backfill = loader.get_migration(*name).operations[-1]

    backfill.code(loader.project_state(name, at_end=True).apps, connection.schema_editor())

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    joined = dict(JourneyMember.objects.values_list("pk", "joined_at"))
    assert joined.pop(joined_late.pk) == datetime.datetime(2026, 11, 9, tzinfo=paris)
    assert joined.pop(replaced_at_once.pk) == datetime.datetime(2026, 11, 2, tzinfo=paris)
    assert set(joined.values()) == {None}
