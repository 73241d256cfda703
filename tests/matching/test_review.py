"""Reviewing a run in the admin: reading, sorting and filtering proposals, moving a mentee,
locking and re-running, rejecting, and approving into journeys with introductions."""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from content.factories import TopicFactory
from journeys.models import Journey, MemberRole, OutboxEmail, ProgramPage
from journeys.services.outbox import deliver_due
from journeys.services.starting import start_journey
from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import (
    Enrollment,
    MatchingRun,
    MatchProposal,
    MentorRequest,
    ProgramQuestion,
    ProposalStatus,
    RunStatus,
)
from matching.services import review
from matching.services.candidates import score_candidates
from matching.services.runs import execute_run, start_run
from tests.mail import SERVER_DOWN

PROGRAM_ADMINS = "Program admins"


def run_url(run):
    return reverse("matching_runs:inspect", args=[run.pk])


def review_url(run):
    return reverse("matching_runs:review", args=[run.pk])


def approve_all_url(run):
    return reverse("matching_runs:approve_all", args=[run.pk])


def approve_all(client, run, **kwargs):
    """Confirm "Approve all" as the page asks: with the number of proposals it showed."""
    waiting = run.proposals.filter(status__in=["proposed", "locked"]).count()
    return client.post(approve_all_url(run), {"count": waiting}, **kwargs)


def move_url(proposal):
    return reverse("matching_runs:move", args=[proposal.run_id, proposal.pk])


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def messages_of(response, level="success") -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request) if m.level_tag == level]


def proposal_order(response) -> list[int]:
    """The proposals' ids in the order the review table lists them."""
    return [int(pk) for pk in re.findall(r'<tr data-proposal="(\d+)"', response.content.decode())]


# Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def program(program_with_journey):
    return program_with_journey


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=slug.capitalize(), slug=slug)
        for slug in ("feedback", "negotiation", "delegation")
    }


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="programs@example.com", groups=[PROGRAM_ADMINS])


@pytest.fixture(params=["superuser", "program admin"])
def staff(request, client, django_user_model, program_admin):
    if request.param == "superuser":
        user = django_user_model.objects.create_superuser(
            email="root@example.com",
            password="correct horse battery",
        )
    else:
        user = program_admin
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


@pytest.fixture
def cast(program, topics, user_factory):
    """Three mentors, one for each of three mentees; a junior mentor; a mentee too senior."""

    def enrol(name, role, department, seniority=3, **extra):
        first, last = name.split()
        user = user_factory(email=f"{first.lower()}@example.com", first_name=first, last_name=last)
        return EnrollmentFactory(
            program=program,
            user=user,
            role=role,
            department=department,
            seniority=seniority,
            **extra,
        )

    return {
        "ada": enrol("Ada Lovelace", "mentor", "Engineering", 6, offers=[topics["feedback"]]),
        "alan": enrol("Alan Turing", "mentor", "Research", 6, offers=[topics["negotiation"]]),
        "barbara": enrol(
            "Barbara Liskov", "mentor", "Operations", 6, capacity=2, offers=[topics["delegation"]]
        ),
        "edsger": enrol("Edsger Dijkstra", "mentor", "Research", 2, offers=[topics["feedback"]]),
        "grace": enrol("Grace Hopper", "mentee", "Research", seeks=[topics["feedback"]]),
        "katherine": enrol(
            "Katherine Johnson", "mentee", "Engineering", seeks=[topics["negotiation"]]
        ),
        "mary": enrol("Mary Jackson", "mentee", "Sales", seeks=[topics["delegation"]]),
        "dorothy": enrol("Dorothy Vaughan", "mentee", "Sales", 9, seeks=[topics["feedback"]]),
    }


@pytest.fixture
def run(program, cast, program_admin):
    """A finished run of the knowledge-transfer policy over the cast."""
    policy_for(program, "knowledge")
    return finish(start_run(program, program_admin))


def finish(run):
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    return run


def proposal_of(run, mentee):
    return run.proposals.select_related("mentor").get(mentee=mentee)


# Reading the run ------------------------------------------------------------------------------


def test_the_run_proposes_each_mentee_the_mentor_who_offers_what_they_seek(run, cast):
    pairs = {p.mentee_id: p.mentor_id for p in run.proposals.all()}

    assert pairs == {
        cast["grace"].pk: cast["ada"].pk,
        cast["katherine"].pk: cast["alan"].pk,
        cast["mary"].pk: cast["barbara"].pk,
    }


def test_the_run_page_explains_each_proposal_and_lists_who_was_not_matched(staff, run, cast):
    text = text_of(staff.get(run_url(run)))
    grace = proposal_of(run, cast["grace"])

    assert f"Grace Hopper Research Ada Lovelace Engineering {grace.score:.2f}" in text
    assert "Mentor offers what the mentee seeks (+3.00)" in text
    assert "Seniority gap fits the strategy" in text
    assert "3 of 4 mentees were matched with 4 possible mentors" in text
    assert (
        "Dorothy Vaughan Mentee Every mentor is ruled out by a hard constraint: "
        "seniority gap outside the policy's limits (4)."
    ) in text
    assert "Edsger Dijkstra Mentor Every mentee is ruled out for them by a hard" in text
    assert reverse("matching_enrolments:inspect", args=[cast["dorothy"].pk]) in (
        staff.get(run_url(run)).content.decode()
    )


def test_the_run_page_names_the_constraint_that_ruled_out_a_better_mentor(
    admin_client, program, cast, program_admin
):
    policy_for(program, "knowledge", not_same_department=True)
    Enrollment.objects.filter(pk=cast["grace"].pk).update(department="Engineering")
    run = finish(start_run(program, program_admin))
    grace = proposal_of(run, cast["grace"])
    assert grace.mentor_id != cast["ada"].pk
    ruled_out = grace.passed_over[0]

    text = text_of(admin_client.get(run_url(run)))

    assert f"Ada Lovelace ({ruled_out['score']:.2f}): same department" in text


def test_warnings_from_loading_the_run_are_shown(admin_client, program, cast, program_admin):
    question = ProgramQuestion.objects.create(
        program=program, label="Favourite season?", kind="single", choices="Summer\nWinter"
    )
    Enrollment.objects.filter(pk=cast["grace"].pk).update(answers={str(question.key): "Winter"})
    question.delete()
    policy_for(program, "knowledge")
    run = finish(start_run(program, program_admin))

    html = admin_client.get(run_url(run)).content.decode()

    assert "help-warning" in html
    assert (
        "Answers to 1 question the program no longer asks were kept but not matched on."
        in unescape(html)
    )


# Sorting and filtering -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("mentee", ["grace", "katherine", "mary"]),
        ("-mentee", ["mary", "katherine", "grace"]),
        ("mentor", ["grace", "katherine", "mary"]),  # Ada, Alan, Barbara
        ("-mentor", ["mary", "katherine", "grace"]),
    ],
)
def test_proposals_sort_by_mentee_and_mentor(admin_client, run, cast, ordering, expected):
    response = admin_client.get(run_url(run), {"ordering": ordering})

    assert proposal_order(response) == [proposal_of(run, cast[n]).pk for n in expected]


def test_proposals_sort_by_score_best_first_by_default(admin_client, run, cast):
    for name, score in (("grace", 2.0), ("katherine", 3.0), ("mary", 1.0)):
        MatchProposal.objects.filter(run=run, mentee=cast[name]).update(score=score)
    best_first = [proposal_of(run, cast[n]).pk for n in ("katherine", "grace", "mary")]

    assert proposal_order(admin_client.get(run_url(run))) == best_first
    lowest_first = proposal_order(admin_client.get(run_url(run), {"ordering": "score"}))
    assert lowest_first == best_first[::-1]


def test_proposals_sort_by_status(admin_client, run, cast):
    locked = proposal_of(run, cast["mary"])
    review.set_status([locked], "locked")

    order = proposal_order(admin_client.get(run_url(run), {"ordering": "status"}))

    assert order[0] == locked.pk


def test_the_sort_links_keep_the_filters(admin_client, run):
    html = admin_client.get(run_url(run), {"department": "Sales"}).content.decode()

    assert 'href="?department=Sales&amp;ordering=mentee"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"department": "Sales"}, ["mary"]),
        ({"department": "Engineering"}, ["grace", "katherine"]),
        ({"q": "kath"}, ["katherine"]),
        ({"q": "lovelace"}, ["grace"]),
        ({"status": "locked"}, ["mary"]),
        ({"status": "proposed"}, ["grace", "katherine"]),
    ],
)
def test_proposals_filter_by_department_name_and_status(admin_client, run, cast, query, expected):
    review.set_status([proposal_of(run, cast["mary"])], "locked")

    response = admin_client.get(run_url(run), {**query, "ordering": "mentee"})

    assert proposal_order(response) == [proposal_of(run, cast[n]).pk for n in expected]


def test_proposals_filter_by_mentor(admin_client, run, cast):
    response = admin_client.get(run_url(run), {"mentor": cast["alan"].pk})

    assert proposal_order(response) == [proposal_of(run, cast["katherine"]).pk]


# Moving a mentee ------------------------------------------------------------------------------


def test_the_move_page_scores_each_mentor_with_a_place_left(staff, run, cast):
    proposal = proposal_of(run, cast["grace"])

    response = staff.get(move_url(proposal))
    text = text_of(response)
    html = response.content.decode()

    expected = {
        c.enrollment.pk: c
        for c in score_candidates(
            run.policy_snapshot, cast["grace"], [cast["barbara"], cast["edsger"]]
        )
    }
    barbara, edsger = expected[cast["barbara"].pk], expected[cast["edsger"].pk]
    assert f"Barbara Liskov Operations {barbara.score:.2f}" in text
    assert f'name="mentor" value="{cast["barbara"].pk}"' in html
    # Edsger is two levels junior: listed, but ruled out and not choosable.
    assert f"Edsger Dijkstra Research {edsger.score:.2f}" in text
    assert "Ruled out: seniority gap outside the policy's limits" in text
    assert f'name="mentor" value="{cast["edsger"].pk}"' not in html
    # Alan's only place is taken in this run; Ada is already Grace's mentor.
    assert "Alan Turing" not in text
    assert f'name="mentor" value="{cast["ada"].pk}"' not in html


def test_moving_a_mentee_saves_the_new_mentor_score_and_explanation(admin_client, run, cast):
    proposal = proposal_of(run, cast["grace"])
    proposal.passed_over = [{"mentor": 1, "name": "x", "score": 9, "ruled_out_by": ["y"]}]
    proposal.save()
    (expected,) = score_candidates(run.policy_snapshot, cast["grace"], [cast["barbara"]])

    response = admin_client.post(move_url(proposal), {"mentor": cast["barbara"].pk})

    assert response.status_code == 302 and response["Location"] == run_url(run)
    proposal.refresh_from_db()
    assert proposal.mentor_id == cast["barbara"].pk
    assert proposal.score == pytest.approx(expected.score)
    assert proposal.explanation == expected.explanation
    # Worked out again for the new pair: Edsger would score higher with Grace than
    # Barbara does, but is too junior; Ada scores higher too and is no constraint's.
    assert [(e["mentor"], e["ruled_out_by"]) for e in proposal.passed_over] == [
        (cast["edsger"].pk, ["seniority gap outside the policy's limits"])
    ]
    assert proposal.passed_over[0]["score"] > proposal.score
    assert proposal.status == "proposed"
    assert messages_of(response) == [
        f"Grace Hopper is now proposed to Barbara Liskov, with a score of {expected.score:.2f}."
    ]


@pytest.mark.parametrize(
    ("mentor", "message"),
    [
        ("alan", "Alan Turing has no place left in this run."),
        ("edsger", "Edsger Dijkstra cannot mentor Grace Hopper: seniority gap outside"),
        ("katherine", "Katherine Johnson has not offered to mentor in this program."),
        ("ada", "Grace Hopper is already proposed to Ada Lovelace."),
    ],
)
def test_a_move_that_breaks_a_rule_is_refused_and_changes_nothing(
    admin_client, run, cast, mentor, message
):
    proposal = proposal_of(run, cast["grace"])
    before = (proposal.mentor_id, proposal.score, proposal.explanation)

    response = admin_client.post(move_url(proposal), {"mentor": cast[mentor].pk}, follow=True)

    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert any(error.startswith(message) for error in errors), errors
    proposal.refresh_from_db()
    assert (proposal.mentor_id, proposal.score, proposal.explanation) == before


def test_a_locked_proposal_cannot_be_moved(admin_client, run, cast):
    proposal = proposal_of(run, cast["grace"])
    review.set_status([proposal], "locked")

    page = text_of(admin_client.get(move_url(proposal)))
    response = admin_client.post(move_url(proposal), {"mentor": cast["barbara"].pk}, follow=True)

    assert "This proposal is locked, so it cannot be moved" in page
    assert "Grace Hopper with Ada Lovelace is locked, so it cannot be moved. Unlock it first." in (
        text_of(response)
    )
    proposal.refresh_from_db()
    assert proposal.mentor_id == cast["ada"].pk


def test_places_left_counts_this_run_matches_approved_elsewhere_and_open_requests(
    run, cast, program
):
    barbara, ada = cast["barbara"], cast["ada"]
    assert review.places_left(run, [barbara, ada]) == {barbara.pk: 1, ada.pk: 0}

    MentorRequest.objects.create(program=program, mentee=cast["dorothy"], mentor=barbara)
    assert review.places_left(run, [barbara])[barbara.pk] == 0

    MatchProposal.objects.create(
        program=program, mentee=cast["dorothy"], mentor=ada, status="approved"
    )
    assert review.places_left(run, [ada])[ada.pk] == -1


def lead_a_circle(program, mentor, user_factory, size):
    """An approved circle of ``size`` that ``mentor`` leads outside the run, running."""
    members = [
        EnrollmentFactory(program=program, user=user_factory(), role="mentee", status="matched")
        for _ in range(size)
    ]
    journey = start_journey(
        program,
        [(mentor.user, MemberRole.MENTOR), *((m.user, MemberRole.MEMBER) for m in members)],
        timezone.localdate(),
    )
    for member in members:
        MatchProposal.objects.create(
            program=program, mentee=member, mentor=mentor, status="approved", journey=journey
        )


def test_the_move_page_counts_a_circle_led_elsewhere_as_one_place(
    admin_client, run, cast, program, user_factory
):
    """As approval counts it: three places, less Mary in this run and one whole circle."""
    barbara = cast["barbara"]
    barbara.capacity = 3
    barbara.save()
    lead_a_circle(program, barbara, user_factory, 3)
    proposal = proposal_of(run, cast["grace"])

    html = admin_client.get(move_url(proposal)).content.decode()

    assert f'name="mentor" value="{barbara.pk}"' in html
    row = html[html.index(f'<tr data-mentor="{barbara.pk}"') :]
    assert "<td>1</td>" in row[: row.index("</tr>")]  # places left
    response = admin_client.post(move_url(proposal), {"mentor": barbara.pk})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.mentor_id == barbara.pk
    assert review.places_left(run, [barbara])[barbara.pk] == 0


def test_in_a_circles_run_a_circle_led_elsewhere_takes_one_place_not_one_per_member(
    circle_run, program, user_factory
):
    ada = Enrollment.objects.get(user__email="ada@example.com")
    review.set_status([circle_run.proposals.order_by("pk").first()], "rejected")
    ada.capacity = 2
    ada.save()
    lead_a_circle(program, ada, user_factory, 3)

    # A place is left for this run's circle, which has room for one more of its three.
    assert review.places_left(circle_run, [ada]) == {ada.pk: 1}

    ada.capacity = 1
    ada.save()
    assert review.places_left(circle_run, [ada])[ada.pk] <= 0


# Lock, re-run, reject -------------------------------------------------------------------------


def post_action(client, run, action, *proposals, **extra):
    return client.post(
        review_url(run),
        {"action": action, "proposal": [p.pk for p in proposals], **extra},
        follow=True,
    )


def test_locked_proposals_are_kept_when_the_rest_is_run_again(
    admin_client, run, cast, django_capture_on_commit_callbacks
):
    kept = proposal_of(run, cast["grace"])
    response = post_action(admin_client, run, "lock", kept)
    assert "Locked 1 proposal: a re-run keeps it." in text_of(response)
    kept.refresh_from_db()
    assert kept.status == "locked"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("matching_runs:rerun", args=[run.pk]))
    rerun = MatchingRun.objects.latest("pk")
    assert response["Location"] == run_url(rerun)

    rerun.refresh_from_db()
    assert rerun.status == RunStatus.DONE, rerun.error
    assert rerun.based_on_id == run.pk
    carried = rerun.proposals.get(mentee=cast["grace"])
    assert (carried.status, carried.mentor_id, carried.score) == (
        "locked",
        kept.mentor_id,
        kept.score,
    )
    assert rerun.proposals.filter(status="proposed").count() == 2
    assert run.proposals.count() == 3  # the earlier run is as it was
    text = text_of(admin_client.get(run_url(rerun)))
    assert "Based on the run of" in text


def test_a_rejected_pair_is_not_proposed_again_by_a_later_run(
    admin_client, run, cast, django_capture_on_commit_callbacks
):
    rejected = proposal_of(run, cast["grace"])
    post_action(admin_client, run, "reject", rejected)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("matching_runs:rerun", args=[run.pk]))
    rerun = MatchingRun.objects.latest("pk")
    rerun.refresh_from_db()

    assert rerun.status == RunStatus.DONE, rerun.error
    again = rerun.proposals.filter(mentee=cast["grace"]).first()
    assert again is None or again.mentor_id != rejected.mentor_id
    # A fresh run, not based on that one, keeps to it too.
    later = finish(start_run(run.program, None))
    assert not later.proposals.filter(mentee=cast["grace"], mentor=rejected.mentor).exists()
    # Who is ruled out, and why, is said where the admin reviews.
    ruled_out = [
        entry
        for proposal in later.proposals.filter(mentee=cast["grace"])
        for entry in proposal.passed_over
    ] + [entry for entry in later.unmatched if entry.get("enrollment") == cast["grace"].pk]
    assert ruled_out, "Grace's better mentor shows as ruled out, or why she waits is said"
    assert "tried before: an admin rejected the pair, or ended their match" in str(ruled_out)


def test_unlocking_a_proposal_that_is_not_locked_says_so(admin_client, run, cast):
    proposal = run.proposals.filter(status=ProposalStatus.PROPOSED).first()

    response = post_action(admin_client, run, "unlock", proposal)

    text = text_of(response)
    assert "None of the chosen proposals was locked." in text
    assert "Unlocked 0" not in text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_unlocking_makes_a_proposal_movable_again(admin_client, run, cast):
    proposal = proposal_of(run, cast["grace"])
    review.set_status([proposal], "locked")

    response = post_action(admin_client, run, "unlock", proposal)

    assert "Unlocked 1 proposal." in text_of(response)
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_rejecting_proposals_records_who_decided(admin_client, run, cast, program_admin):
    chosen = [proposal_of(run, cast["grace"]), proposal_of(run, cast["mary"])]

    response = post_action(admin_client, run, "reject", *chosen)

    assert "Rejected 2 proposals." in text_of(response)
    for proposal in chosen:
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by) == ("rejected", program_admin)
    assert proposal_of(run, cast["katherine"]).status == "proposed"


def test_an_approved_proposal_cannot_be_rejected_here(
    admin_client, run, cast, django_capture_on_commit_callbacks
):
    approved = proposal_of(run, cast["grace"])
    other = proposal_of(run, cast["mary"])
    with django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, run, "approve", approved)

    response = post_action(admin_client, run, "reject", approved, other)

    assert "Grace Hopper with Ada Lovelace is approved, so it cannot be changed here." in (
        text_of(response)
    )
    approved.refresh_from_db()
    other.refresh_from_db()
    assert (approved.status, other.status) == ("approved", "proposed")


def test_choosing_nothing_says_so(admin_client, run):
    response = post_action(admin_client, run, "lock")

    assert "Choose at least one proposal first." in text_of(response)


def test_proposals_of_another_run_cannot_be_changed_from_this_one(
    admin_client, run, cast, program, program_admin
):
    other_run = finish(start_run(program, program_admin))
    stranger = proposal_of(other_run, cast["grace"])

    response = post_action(admin_client, run, "reject", stranger)

    assert "Some of these proposals are not in this run" in text_of(response)
    stranger.refresh_from_db()
    assert stranger.status == "proposed"


def test_a_run_that_failed_cannot_be_reviewed_or_rerun(run, cast, program):
    MatchingRun.objects.filter(pk=run.pk).update(status="failed")
    run.refresh_from_db()

    with pytest.raises(MatchingError, match="This run is failed"):
        review.set_status(list(run.proposals.all()), "locked")
    with pytest.raises(MatchingError, match="cannot be reviewed"):
        review.rerun(run)
    with pytest.raises(MatchingError):
        review.move_proposal(proposal_of(run, cast["grace"]), cast["barbara"])


# Approving ------------------------------------------------------------------------------------


def emails_to(mailoutbox, address) -> list:
    return [m for m in mailoutbox if m.to == [address]]


def test_approving_selected_proposals_starts_journeys_and_introduces_both_sides(
    staff, run, cast, mailoutbox, django_capture_on_commit_callbacks
):
    chosen = [proposal_of(run, cast["grace"]), proposal_of(run, cast["katherine"])]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            review_url(run), {"action": "approve", "proposal": [p.pk for p in chosen]}
        )

    assert messages_of(response) == [
        "Approved 2 matches and started 2 journeys; introductions to both sides are queued "
        "and will be emailed shortly."
    ]
    assert Journey.objects.count() == 2
    for proposal in chosen:
        proposal.refresh_from_db()
        assert proposal.status == "approved" and proposal.journey is not None
        members = {m.user_id for m in proposal.journey.memberships.all()}
        assert members == {proposal.mentee.user_id, proposal.mentor.user_id}
    assert proposal_of(run, cast["mary"]).status == "proposed"
    assert len(mailoutbox) == 4
    for email, reason in (
        ("grace@example.com", "They can help with what you want to grow in (Feedback)."),
        ("ada@example.com", "You can help with what they want to grow in (Feedback)."),
    ):
        (mail,) = emails_to(mailoutbox, email)
        assert "Why we matched you:" in mail.body
        assert reason in mail.body
    (to_grace,) = emails_to(mailoutbox, "grace@example.com")
    assert "Meet Ada Lovelace, your mentor in Growing leaders." in to_grace.body
    cast["grace"].refresh_from_db()
    assert cast["grace"].status == "matched"


@pytest.mark.parametrize("reasons", [[], ["You share a language."]])
def test_an_introduction_says_why_only_when_a_reason_counted(db, reasons):
    """A match can have nothing that scored (a re-match with a partner no criterion
    favours): its introduction then offers no heading over an empty list."""
    from django.template.loader import render_to_string

    context = {
        "recipient_name": "Grace",
        "partner_name": "Ada Lovelace",
        "partner_role": "mentor",
        "program_title": "Growing leaders",
        "reasons": reasons,
        "journey_uuid": "6f1c1f2e-8f4b-4f59-9c8e-0a4f3c1d2b3a",
        "site_root": "http://testserver",
    }
    for ending in ("txt", "html"):
        body = render_to_string(f"matching/emails/introduction.{ending}", context)
        assert ("Why we matched you:" in body) is bool(reasons)
        assert ("You share a language." in body) is bool(reasons)
        assert "Meet Ada Lovelace, your mentor in Growing leaders." in body
    # Without reasons the plain text keeps one blank line between its paragraphs.
    assert "\n\n\n" not in render_to_string("matching/emails/introduction.txt", context)


def test_approving_all_proposed_approves_locked_ones_too(
    admin_client, run, cast, mailoutbox, django_capture_on_commit_callbacks
):
    review.set_status([proposal_of(run, cast["mary"])], "locked")

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run)

    assert messages_of(response) == [
        "Approved 3 matches and started 3 journeys; introductions to both sides are queued "
        "and will be emailed shortly."
    ]
    assert set(run.proposals.values_list("status", flat=True)) == {"approved"}
    assert Journey.objects.count() == 3
    assert len(mailoutbox) == 6
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        f"{name}@example.com" for name in ("grace", "ada", "katherine", "alan", "mary", "barbara")
    )

    again = approve_all(admin_client, run, follow=True)
    assert "No proposals in this run are waiting for approval." in text_of(again)


def test_approving_while_the_mail_server_is_down_succeeds_and_the_emails_follow_once(
    admin_client, run, cast, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = SERVER_DOWN

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run)

    assert response.status_code == 302
    assert messages_of(response) == [
        "Approved 3 matches and started 3 journeys; introductions to both sides are queued "
        "and will be emailed shortly."
    ]
    assert set(run.proposals.values_list("status", flat=True)) == {"approved"}
    assert mailoutbox == []
    waiting = OutboxEmail.objects.filter(template="matching/emails/introduction")
    assert waiting.filter(status="pending").count() == 6
    assert "ConnectionRefusedError" in waiting.exclude(last_error="").first().last_error

    # The server is back; the worker's next try, once the wait is over, sends each once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    waiting.update(send_after=timezone.now())
    assert deliver_due().sent == 6
    assert deliver_due().sent == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        f"{name}@example.com" for name in ("grace", "ada", "katherine", "alan", "mary", "barbara")
    )
    assert set(waiting.values_list("status", flat=True)) == {"sent"}


def test_a_program_title_with_a_line_break_never_breaks_an_approval(
    admin_client, run, cast, program, mailoutbox, django_capture_on_commit_callbacks
):
    # Stored before the editor refused such titles (BasePage.clean); emails still cope.
    ProgramPage.objects.filter(pk=program.pk).update(
        title="Growing\nleaders\r\nBcc: everyone@example.com"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run)

    assert response.status_code == 302
    assert len(mailoutbox) == 6
    assert {m.subject for m in mailoutbox} == {
        "Meet your mentor in Growing leaders Bcc: everyone@example.com",
        "Meet your mentee in Growing leaders Bcc: everyone@example.com",
    }
    assert all(len(m.to) == 1 and not m.bcc for m in mailoutbox)


def test_approving_more_than_a_mentor_has_room_for_is_refused_and_changes_nothing(
    admin_client, run, cast, mailoutbox, django_capture_on_commit_callbacks
):
    grace = proposal_of(run, cast["grace"])
    review.move_proposal(grace, cast["barbara"])  # Barbara has two places in the run
    Enrollment.objects.filter(pk=cast["barbara"].pk).update(capacity=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run, follow=True)

    assert "Barbara Liskov has 1 place and 0 are taken, so 2 more cannot be approved." in text_of(
        response
    )
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}
    assert not Journey.objects.exists()
    assert mailoutbox == []
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"enrolled"}


def change_enrolment(person, program, **changes):
    """``person`` changes their own enrolment on the program's enrolment page."""
    enrolment = Enrollment.objects.get(program=program, user=person)
    data = {
        "role": enrolment.role,
        "capacity": str(enrolment.capacity),
        "seniority": str(enrolment.seniority or ""),
        "department": enrolment.department,
        "location": enrolment.location,
        "time_zone": "Europe/London",
        "languages": "en",
        "reports_to": "",
        "goals": "",
        "avoid": "",
        "offers": [t.pk for t in enrolment.topics_offered.all()],
        "seeks": [t.pk for t in enrolment.topics_sought.all()],
        **changes,
    }
    participant = Client()
    participant.force_login(person)
    response = participant.post(reverse("matching:enrol", args=[program.pk]), data)
    assert response.status_code == 302, text_of(response)
    enrolment.refresh_from_db()
    assert enrolment.role == changes["role"]


def test_a_proposed_mentor_who_enrolled_to_be_mentored_since_is_not_approved(
    admin_client, run, program, cast, mailoutbox, django_capture_on_commit_callbacks
):
    """Approved, the proposal would start a journey led by someone enrolled to be mentored."""
    grace, katherine = proposal_of(run, cast["grace"]), proposal_of(run, cast["katherine"])
    assert grace.mentor == cast["ada"]
    change_enrolment(cast["ada"].user, program, role="mentee", capacity="")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(admin_client, run, "approve", grace, katherine)

    assert messages_of(response, "error") == [
        "Ada Lovelace no longer offers to mentor in Growing leaders, so Grace Hopper with "
        "Ada Lovelace cannot be approved: re-run matching, or move Grace Hopper to another "
        "mentor."
    ]
    assert messages_of(response) == []
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}
    assert not Journey.objects.exists()
    assert mailoutbox == []
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"enrolled"}


def test_a_locked_proposal_whose_mentor_changed_side_is_unlocked_and_matched_again(
    admin_client, run, program, cast, django_capture_on_commit_callbacks
):
    grace = proposal_of(run, cast["grace"])
    post_action(admin_client, run, "lock", grace)
    change_enrolment(cast["ada"].user, program, role="mentee", capacity="")

    response = post_action(admin_client, run, "approve", grace)

    assert messages_of(response, "error") == [
        "Ada Lovelace no longer offers to mentor in Growing leaders, so Grace Hopper with "
        "Ada Lovelace cannot be approved: unlock it, then re-run matching or move Grace "
        "Hopper to another mentor."
    ]
    post_action(admin_client, run, "unlock", grace)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("matching_runs:rerun", args=[run.pk]))
    rerun = MatchingRun.objects.latest("pk")
    assert rerun.based_on_id == run.pk and rerun.status == RunStatus.DONE, rerun.error
    assert proposal_of(rerun, cast["grace"]).mentor != cast["ada"]
    assert not rerun.proposals.filter(mentor=cast["ada"]).exists()


def test_a_proposed_mentee_who_offers_to_mentor_since_is_not_approved(
    admin_client, run, program, cast, topics, mailoutbox, django_capture_on_commit_callbacks
):
    change_enrolment(
        cast["grace"].user, program, role="mentor", capacity="1", offers=[topics["feedback"].pk]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run, follow=True)

    assert messages_of(response, "error") == [
        "Grace Hopper no longer asks to be mentored in Growing leaders, so Grace Hopper with "
        "Ada Lovelace cannot be approved: re-run matching, or reject this proposal."
    ]
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}
    assert not Journey.objects.exists()
    assert mailoutbox == []


def test_a_proposed_mentor_who_would_now_do_either_is_still_approved(
    admin_client, run, program, cast, django_capture_on_commit_callbacks
):
    change_enrolment(cast["ada"].user, program, role="either")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(admin_client, run, "approve", proposal_of(run, cast["grace"]))

    assert messages_of(response, "error") == []
    journey = Journey.objects.get()
    assert journey.memberships.get(role=MemberRole.MENTOR).user == cast["ada"].user


def test_approving_from_an_address_outside_the_site_returns_to_the_run(
    admin_client, run, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            review_url(run),
            {
                "action": "approve",
                "proposal": [proposal_of(run, cast["grace"]).pk],
                "next": "https://elsewhere.example/",
            },
        )

    assert response["Location"] == run_url(run)


def test_approving_invites_whoever_never_signed_in_and_their_introduction_says_so(
    staff, run, cast, mailoutbox, django_capture_on_commit_callbacks
):
    from cms.models import Invitation

    grace = cast["grace"].user
    grace.set_unusable_password()
    grace.save()

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            review_url(run),
            {"action": "approve", "proposal": [proposal_of(run, cast["grace"]).pk]},
        )

    (invitation,) = Invitation.objects.all()
    assert invitation.user == grace and invitation.program_id == run.program_id
    to_grace = emails_to(mailoutbox, "grace@example.com")
    assert len(to_grace) == 2
    introduction = next(m for m in to_grace if "Why we matched you:" in m.body)
    assert "a separate email invites you" in introduction.body
    assert any("/accounts/invitation/" in m.body for m in to_grace)
    (to_ada,) = emails_to(mailoutbox, "ada@example.com")
    assert "a separate email invites you" not in to_ada.body


# Approving all, after saying what it does -----------------------------------------------------


def test_approve_all_first_says_how_many_matches_journeys_and_people_and_changes_nothing(
    admin_client, run, cast, mailoutbox
):
    grace = cast["grace"].user
    grace.set_unusable_password()
    grace.save()
    review.set_status([proposal_of(run, cast["mary"])], "locked")

    response = admin_client.get(approve_all_url(run))

    assert response.status_code == 200
    text = text_of(response)
    assert "3 matches are approved (2 proposed and 1 locked)." in text
    assert "3 journeys start today." in text
    assert (
        "6 people are emailed an introduction saying why they were matched. 1 of them has "
        "never signed in and is also invited to choose a password."
    ) in text
    assert 'name="count" value="3"' in response.content.decode()
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed", "locked"}
    assert not Journey.objects.exists()
    assert not OutboxEmail.objects.exists() and mailoutbox == []


def test_the_run_page_leads_to_the_confirmation_rather_than_approving_at_once(admin_client, run):
    html = admin_client.get(run_url(run)).content.decode()
    assert f'href="{approve_all_url(run)}"' in html
    assert 'value="approve_all"' not in html

    # A form from before the confirmation existed is sent there, nothing approved.
    response = admin_client.post(review_url(run), {"action": "approve_all"})
    assert response["Location"] == approve_all_url(run)
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}


def test_one_match_is_counted_in_the_singular(admin_client, run, cast):
    review.set_status(
        [proposal_of(run, cast["grace"]), proposal_of(run, cast["katherine"])], "rejected"
    )

    text = text_of(admin_client.get(approve_all_url(run)))

    assert "1 match is approved." in text
    assert "1 journey starts today." in text
    assert "2 people are emailed an introduction" in text
    assert "Approve 1 match and send the emails" in text


def test_approving_all_is_refused_when_the_run_changed_after_the_page_was_read(
    admin_client, run, cast
):
    shown = admin_client.get(approve_all_url(run))
    assert 'name="count" value="3"' in shown.content.decode()
    review.set_status([proposal_of(run, cast["grace"])], "rejected")

    response = admin_client.post(approve_all_url(run), {"count": 3})

    assert response["Location"] == approve_all_url(run)
    assert messages_of(response, "warning") == [
        "The run changed after you looked: check the numbers again before approving. "
        "Nothing was approved."
    ]
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed", "rejected"}
    assert not Journey.objects.exists()


@pytest.fixture
def circle_run(program, topics, user_factory, program_admin):
    """A circles run: one mentor, three mentees who all seek what she offers."""

    def person(name):
        first, last = name.split()
        return user_factory(email=f"{first.lower()}@example.com", first_name=first, last_name=last)

    EnrollmentFactory(
        program=program,
        user=person("Ada Lovelace"),
        role="mentor",
        seniority=6,
        offers=[topics["feedback"]],
    )
    for name in ("Grace Hopper", "Mary Jackson", "Katherine Johnson"):
        EnrollmentFactory(
            program=program,
            user=person(name),
            role="mentee",
            seniority=3,
            seeks=[topics["feedback"]],
        )
    policy_for(program, "circles", circle_size=3)
    return finish(start_run(program, program_admin))


def test_a_circle_counts_one_journey_for_its_matches(
    admin_client, circle_run, django_capture_on_commit_callbacks
):
    assert circle_run.proposals.count() == 3

    text = text_of(admin_client.get(approve_all_url(circle_run)))
    assert "3 matches are approved." in text
    assert "1 journey starts today." in text
    assert "4 people are emailed an introduction" in text

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, circle_run)

    assert messages_of(response) == [
        "Approved 3 matches and started 1 journey; introductions to everyone in the circle "
        "(Ada Lovelace, Grace Hopper, Katherine Johnson and Mary Jackson) are queued and "
        "will be emailed shortly."
    ]
    assert Journey.objects.count() == 1


def test_approving_several_circles_says_everyone_in_each_is_introduced(
    admin_client, program, topics, user_factory, program_admin, django_capture_on_commit_callbacks
):
    for n, name in enumerate(("Ada Lovelace", "Alan Turing", "Grace Hopper", "Mary Jackson")):
        first, last = name.split()
        EnrollmentFactory(
            program=program,
            user=user_factory(first_name=first, last_name=last),
            role="mentor" if n < 2 else "mentee",
            seniority=6 if n < 2 else 3,
            offers=[topics["feedback"]] if n < 2 else [],
            seeks=[] if n < 2 else [topics["feedback"]],
        )
    for name in ("Katherine Johnson", "Dorothy Vaughan"):
        first, last = name.split()
        EnrollmentFactory(
            program=program,
            user=user_factory(first_name=first, last_name=last),
            role="mentee",
            seniority=3,
            seeks=[topics["feedback"]],
        )
    policy_for(program, "circles", circle_size=2)
    run = finish(start_run(program, program_admin))
    assert sorted(run.proposals.values_list("mentor__user__last_name", flat=True)) == [
        "Lovelace", "Lovelace", "Turing", "Turing",
    ]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, run)

    assert messages_of(response) == [
        "Approved 4 matches and started 2 journeys; introductions to everyone in each circle "
        "are queued and will be emailed shortly."
    ]


def test_a_circle_member_approved_later_joins_the_circle_already_under_way(
    admin_client, circle_run, mailoutbox, django_capture_on_commit_callbacks
):
    first, second, third = circle_run.proposals.order_by("mentee__user__email")
    with django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, circle_run, "approve", first, second)
    circle = Journey.objects.get()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(admin_client, circle_run, "approve", third)

    assert messages_of(response, "error") == []
    assert messages_of(response) == [
        "Approved 1 match, joining a circle already under way; introductions to everyone in "
        "the circle (Ada Lovelace, Grace Hopper, Katherine Johnson and Mary Jackson) are "
        "queued and will be emailed shortly."
    ]
    assert Journey.objects.get() == circle
    assert sorted(circle.memberships.values_list("user__email", "role")) == [
        ("ada@example.com", "mentor"),
        ("grace@example.com", "member"),
        ("katherine@example.com", "member"),
        ("mary@example.com", "member"),
    ]
    third.refresh_from_db()
    assert (third.status, third.journey_id) == ("approved", circle.pk)
    # The newcomer meets the circle; the mentor and the members already in it
    # hear of the newcomer alone.
    assert sorted((message.to[0], message.subject) for message in mailoutbox) == [
        ("ada@example.com", "Someone new in your mentoring circle in Growing leaders"),
        ("grace@example.com", "Someone new in your mentoring circle in Growing leaders"),
        ("katherine@example.com", "Someone new in your mentoring circle in Growing leaders"),
        ("mary@example.com", "Meet your mentoring circle in Growing leaders"),
    ]
    surnames = {"ada": "Lovelace", "grace": "Hopper", "katherine": "Johnson", "mary": "Jackson"}
    for message in mailoutbox:
        reader = message.to[0].split("@")[0]
        named = set(surnames) - {reader} if reader == "mary" else {"mary"}
        for person, surname in surnames.items():
            assert (surname in message.body) == (person in named), (reader, surname)


def test_a_circle_member_an_admin_made_a_mentor_since_keeps_the_circle_from_starting(
    admin_client, circle_run, mailoutbox, django_capture_on_commit_callbacks
):
    mary = Enrollment.objects.get(user__email="mary@example.com")
    edit = reverse("matching_enrolments:edit", args=[mary.pk])
    form = {"status": mary.status, "time_zone": "", "seniority": "3", "capacity": "1"}
    response = admin_client.post(edit, {**form, "role": "mentor"})
    assert response.status_code == 302
    mary.refresh_from_db()
    assert mary.role == "mentor"

    with django_capture_on_commit_callbacks(execute=True):
        response = approve_all(admin_client, circle_run, follow=True)

    assert messages_of(response, "error") == [
        "Mary Jackson no longer asks to be mentored in Growing leaders, so Mary Jackson with "
        "Ada Lovelace cannot be approved: re-run matching, or reject this proposal."
    ]
    assert set(circle_run.proposals.values_list("status", flat=True)) == {"proposed"}
    assert not Journey.objects.exists()
    assert mailoutbox == []


def test_a_circle_member_locked_keeps_the_circle_when_the_rest_is_run_again(
    admin_client, circle_run, django_capture_on_commit_callbacks
):
    grace = circle_run.proposals.get(mentee__user__email="grace@example.com")
    post_action(admin_client, circle_run, "lock", grace)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("matching_runs:rerun", args=[circle_run.pk]), follow=True
        )

    assert messages_of(response, "error") == []
    rerun = MatchingRun.objects.latest("pk")
    rerun.refresh_from_db()
    assert rerun.based_on_id == circle_run.pk
    assert rerun.status == RunStatus.DONE, rerun.error
    # Grace stays in Ada's circle, and its two other places are filled again.
    assert sorted(rerun.proposals.values_list("mentee__user__email", "status")) == [
        ("grace@example.com", "locked"),
        ("katherine@example.com", "proposed"),
        ("mary@example.com", "proposed"),
    ]
    assert set(rerun.proposals.values_list("mentor__user__email", flat=True)) == {
        "ada@example.com"
    }


# The run's life: proposed, partly approved, approved or closed ----------------------------


def lifecycle_of(run) -> str:
    return MatchingRun.objects.with_lifecycle().get(pk=run.pk).lifecycle


def listed_runs(client, **query) -> str:
    return client.get(reverse("matching_runs:index"), query).content.decode()


def test_a_run_goes_from_proposed_to_partly_approved_to_approved(
    admin_client, run, cast, django_capture_on_commit_callbacks
):
    assert lifecycle_of(run) == "proposed"
    assert "Proposed" in text_of(admin_client.get(reverse("matching_runs:index")))

    with django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, run, "approve", proposal_of(run, cast["grace"]))
    assert lifecycle_of(run) == "partly_approved"
    assert "Status Partly approved" in text_of(admin_client.get(run_url(run)))
    assert "Partly approved" in text_of(admin_client.get(reverse("matching_runs:index")))

    post_action(admin_client, run, "reject", proposal_of(run, cast["mary"]))
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(admin_client, run)
    assert lifecycle_of(run) == "approved"
    page = text_of(admin_client.get(run_url(run)))
    assert "Status Approved" in page
    # Nothing is left to decide: no review buttons, but an approved match can still end.
    assert "Approve selected" not in page
    assert "End or re-match" in page


def test_a_run_whose_proposals_were_all_rejected_is_closed(admin_client, run):
    post_action(admin_client, run, "reject", *run.proposals.all())

    assert lifecycle_of(run) == "closed"
    assert "Status Closed" in text_of(admin_client.get(run_url(run)))


def test_a_later_run_ready_for_review_closes_the_earlier_one(
    admin_client, run, cast, program, program_admin
):
    later = finish(start_run(program, program_admin))

    assert (lifecycle_of(run), lifecycle_of(later)) == ("closed", "proposed")
    page = admin_client.get(run_url(run))
    assert "A later run of this program matched the same people again" in text_of(page)
    assert f'href="{run_url(later)}"' in page.content.decode()
    assert "Approve selected" not in text_of(page)

    response = post_action(admin_client, run, "reject", proposal_of(run, cast["grace"]))
    assert "This run is closed: a later run of the program matched the same people again." in (
        text_of(response)
    )
    assert proposal_of(run, cast["grace"]).status == "proposed"
    refused = admin_client.get(approve_all_url(run), follow=True)
    assert "This run is closed" in text_of(refused)
    assert not Journey.objects.exists()


def test_a_queued_or_failed_run_keeps_its_progress_status(run, program, program_admin):
    queued = start_run(program, program_admin)
    MatchingRun.objects.filter(pk=run.pk).update(status="failed")

    assert (lifecycle_of(queued), lifecycle_of(run)) == ("queued", "failed")


def test_the_runs_list_filters_by_status(
    admin_client, run, cast, program, program_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, run, "approve", proposal_of(run, cast["grace"]))
    later = finish(start_run(program, program_admin))

    closed = listed_runs(admin_client, lifecycle="closed")
    proposed = listed_runs(admin_client, lifecycle="proposed")

    assert f'href="{run_url(run)}"' in closed and f'href="{run_url(later)}"' not in closed
    assert f'href="{run_url(later)}"' in proposed and f'href="{run_url(run)}"' not in proposed
    assert f'href="{run_url(run)}"' not in listed_runs(admin_client, lifecycle="approved")


# Better mentors ruled out ---------------------------------------------------------------------


def test_a_mentor_either_of_the_pair_asked_to_avoid_is_never_a_better_option(
    admin_client, program, cast, program_admin
):
    # Ada suits Grace best, but Grace asked not to be matched with her.
    cast["grace"].avoid.add(cast["ada"].user)
    policy_for(program, "knowledge")
    run = finish(start_run(program, program_admin))
    grace = proposal_of(run, cast["grace"])
    assert grace.mentor_id != cast["ada"].pk

    text = text_of(admin_client.get(run_url(run)))

    assert all(entry["mentor"] != cast["ada"].pk for entry in grace.passed_over)
    assert "one of them asked not to be matched with the other" not in text


def test_better_mentors_show_their_name_as_it_is_now(admin_client, program, cast, program_admin):
    policy_for(program, "knowledge", not_same_department=True)
    Enrollment.objects.filter(pk=cast["grace"].pk).update(department="Engineering")
    run = finish(start_run(program, program_admin))
    score = proposal_of(run, cast["grace"]).passed_over[0]["score"]
    ada = cast["ada"].user
    ada.first_name, ada.last_name = "Augusta", "King"
    ada.save()

    text = text_of(admin_client.get(run_url(run)))

    assert f"Augusta King ({score:.2f}): same department" in text
    assert "Ada Lovelace (" not in text
