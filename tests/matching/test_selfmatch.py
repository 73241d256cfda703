"""Self-match: suggestions, asking, answering, and the pages mentees and mentors use."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from content.factories import TopicFactory
from journeys.models import OutboxEmail
from journeys.services.outbox import deliver_due
from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchProposal, MentorRequest, RequestStatus
from matching.services import selfmatch
from matching.services.profiles import fill_from_enrollments

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=slug.replace("-", " ").capitalize(), slug=slug)
        for slug in ("feedback", "delegation", "negotiation", "public-speaking")
    }


@pytest.fixture
def program(home):
    from journeys.factories import JourneyPageFactory, ProgramPageFactory

    program = ProgramPageFactory(parent=home, title="Growing leaders")
    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.save_revision().publish()
    policy_for(program, "knowledge", self_match=True)
    return program


def enrol(program, user_factory, role, seniority=3, name=None, **kwargs):
    """An enrolment, with the profile it fills as the enrolment page fills it."""
    first, _, last = (name or "").partition(" ")
    user = user_factory(first_name=first, last_name=last)
    enrollment = EnrollmentFactory(
        program=program, user=user, role=role, seniority=seniority, **kwargs
    )
    fill_from_enrollments([enrollment])
    return enrollment


@pytest.fixture
def mentee(program, topics, user_factory):
    return enrol(
        program,
        user_factory,
        "mentee",
        3,
        "Mia Mentee",
        seeks=[topics["feedback"], topics["delegation"]],
        goals="Learn to give feedback that lands.",
    )


@pytest.fixture
def mentor(program, topics, user_factory):
    return enrol(
        program,
        user_factory,
        "mentor",
        6,
        "Olu Mentor",
        capacity=2,
        department="Finance",
        location="Lagos",
        offers=[topics["feedback"], topics["delegation"]],
    )


def visible_text(response):
    """The page's words as a reader meets them: text, button values and labels."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input type="hidden"[^>]*>', " ", html)
    values = re.findall(r'\b(?:value|aria-label|title|placeholder)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(" ".join([text, *values])))


def ask(mentee, mentor, message=""):
    return selfmatch.request_mentor(mentee, mentor, message)


# Suggestions -------------------------------------------------------------------------------


def test_suggestions_rank_the_best_first_and_leave_out_the_full_the_ruled_out_and_oneself(
    program, topics, user_factory
):
    me = enrol(
        program,
        user_factory,
        "either",
        3,
        capacity=1,
        seeks=[topics["feedback"], topics["delegation"]],
        offers=[topics["feedback"]],
    )
    best = enrol(
        program, user_factory, "mentor", 6, offers=[topics["feedback"], topics["delegation"]]
    )
    good = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    full = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    other = enrol(program, user_factory, "mentee", 3)
    selfmatch.request_mentor(other, full)  # its only place is held
    same_level = enrol(program, user_factory, "mentor", 3, offers=[topics["delegation"]])
    enrol(program, user_factory, "mentor", 6, status="withdrawn", offers=[topics["feedback"]])
    enrol(program, user_factory, "mentor", 6, capacity=0, offers=[topics["feedback"]])
    enrol(program, user_factory, "mentee", 6, offers=[topics["feedback"]])

    found = selfmatch.suggestions(me)

    assert [c.enrollment.pk for c in found] == [best.pk, good.pk]
    assert found[0].score > found[1].score
    assert all(c.allowed for c in found)
    assert same_level.pk not in {c.enrollment.pk for c in found}  # seniority gap rules it out


def test_at_most_five_are_suggested(program, mentee, topics, user_factory):
    for _ in range(7):
        enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    assert len(selfmatch.suggestions(mentee)) == 5
    assert len(selfmatch.suggestions(mentee, limit=2)) == 2


def test_nothing_is_suggested_when_the_program_does_not_offer_self_match(program, mentee, mentor):
    policy_for(program, "knowledge", self_match=False)
    assert selfmatch.suggestions(mentee) == []


def test_a_mentor_who_declined_is_not_suggested_to_that_mentee_again(
    program, mentee, mentor, topics, user_factory
):
    request = ask(mentee, mentor)
    selfmatch.decline_request(request, mentor.user)
    other = enrol(program, user_factory, "mentee", 3, seeks=[topics["feedback"]])

    assert mentor.pk not in {c.enrollment.pk for c in selfmatch.suggestions(mentee)}
    assert mentor.pk in {c.enrollment.pk for c in selfmatch.suggestions(other)}


def test_the_reasons_name_what_counted_in_words(program, mentee, mentor):
    snapshot = selfmatch.current_snapshot(program)
    (candidate,) = selfmatch.suggestions(mentee)
    words = selfmatch.reasons(mentee, mentor, candidate.explanation, snapshot, "mentee")
    assert words[0].startswith("They can help with what you want to grow in (")
    assert "Delegation" in words[0] and "Feedback" in words[0]
    assert candidate.reasons(snapshot)[0][0] == "Mentor offers what the mentee seeks"


def test_a_question_that_counted_reads_right_to_either_person(mentee, mentor):
    snapshot = {"questions": {"meet": {"label": "How do you like to meet?"}}}
    # Mentee and mentor both read it: neither is told they answered the other's way.
    for reader in ("mentee", "mentor"):
        words = selfmatch.reasons(mentee, mentor, {"q:meet": 0.4}, snapshot, reader)
        assert words == ["Your answers to “How do you like to meet?” fit together."]


# Asking ------------------------------------------------------------------------------------


def test_asking_holds_a_place_records_the_score_and_emails_the_mentor(
    mentee, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = selfmatch.request_mentor(mentee, mentor, "  I admire how you run reviews.  ")

    assert request.status == RequestStatus.PENDING
    assert request.message == "I admire how you run reviews."
    assert request.score > 0 and request.explanation["topics_offered"] > 0
    assert selfmatch.places_left(mentor) == 1
    (email,) = mailoutbox
    assert email.to == [mentor.user.email]
    assert "Mia Mentee would like you as their mentor" in email.subject
    assert "I admire how you run reviews." in email.body
    assert "/my/mentoring-requests/" in email.body
    assert "You can help with what they want to grow in" in email.body
    html = email.alternatives[0][0]
    assert "Answer the request" in html


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("off", "does not let mentees choose their mentor"),
        ("matched", "You have already been matched"),
        ("withdrawn", "You have withdrawn from the program"),
        ("as_mentor", "You enrolled as a mentor"),
    ],
)
def test_asking_is_refused_when_the_mentee_cannot_ask(program, mentee, mentor, setup, message):
    if setup == "off":
        policy_for(program, "knowledge", self_match=False)
    elif setup in ("matched", "withdrawn"):
        mentee.status = setup
        mentee.save()
    else:
        mentee.role = "mentor"
        mentee.save()
    with pytest.raises(MatchingError, match=message):
        selfmatch.request_mentor(mentee, mentor)
    assert not MentorRequest.objects.exists()


def test_one_open_request_at_a_time(program, mentee, mentor, topics, user_factory):
    ask(mentee, mentor)
    another = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    with pytest.raises(MatchingError, match="You have already asked Olu Mentor"):
        selfmatch.request_mentor(mentee, another)


def test_a_full_mentor_has_no_places_left(program, mentor, topics, user_factory):
    for _ in range(2):
        ask(enrol(program, user_factory, "mentee", 3), mentor)
    late = enrol(program, user_factory, "mentee", 3)
    with pytest.raises(MatchingError, match=r"Olu Mentor has no places left\."):
        selfmatch.request_mentor(late, mentor)
    assert MentorRequest.objects.filter(mentor=mentor).count() == 2


def test_a_pair_the_policy_rules_out_is_refused_without_naming_the_rule(program, mentee, mentor):
    mentor.avoid.add(mentee.user)
    with pytest.raises(MatchingError) as refused:
        selfmatch.request_mentor(mentee, mentor)
    assert "matching rules do not pair you with Olu Mentor" in str(refused.value)
    assert "asked not to be matched" not in str(refused.value)


def test_nobody_can_ask_themselves(program, topics, user_factory):
    me = enrol(program, user_factory, "either", 3, offers=[topics["feedback"]])
    with pytest.raises(MatchingError, match="cannot ask yourself"):
        selfmatch.request_mentor(me, me)


# Answering ---------------------------------------------------------------------------------


def test_accepting_approves_the_match_starts_the_journey_and_introduces_both(
    mentee, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(mentee, mentor)
    assert deliver_due().sent == 1  # the mentor hears they were asked
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        proposal = selfmatch.accept_request(request, mentor.user)

    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED and request.decided_at
    assert request.proposal == proposal
    assert proposal.run is None and proposal.status == "approved"
    assert (proposal.mentee, proposal.mentor) == (mentee, mentor)
    assert proposal.score == request.score and proposal.explanation == request.explanation
    assert proposal.decided_by == mentor.user
    members = {(m.user_id, m.role) for m in proposal.journey.memberships.all()}
    assert members == {(mentor.user_id, "mentor"), (mentee.user_id, "mentee")}
    mentee.refresh_from_db()
    mentor.refresh_from_db()
    assert mentee.status == mentor.status == "matched"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([mentee.user.email, mentor.user.email])
    assert all(str(proposal.journey.uuid) in m.body for m in mailoutbox)
    # An accepted request keeps its place as the approved match it became.
    assert selfmatch.places_left(mentor) == 1


def test_only_the_mentor_who_was_asked_answers_and_only_once(mentee, mentor, user_factory):
    request = ask(mentee, mentor)
    for stranger in (mentee.user, user_factory()):
        with pytest.raises(MatchingError, match="Only the mentor who was asked"):
            selfmatch.accept_request(request, stranger)
        with pytest.raises(MatchingError, match="Only the mentor who was asked"):
            selfmatch.decline_request(request, stranger)
    selfmatch.decline_request(request, mentor.user)
    with pytest.raises(MatchingError, match="already been answered: it is declined"):
        selfmatch.accept_request(request, mentor.user)
    assert not MatchProposal.objects.exists()


def test_declining_frees_the_place_and_tells_the_mentee_kindly(
    mentee, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(mentee, mentor)
    assert deliver_due().sent == 1  # the mentor hears they were asked
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        selfmatch.decline_request(request, mentor.user)

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.decided_at
    assert selfmatch.places_left(mentor) == 2
    (email,) = mailoutbox
    assert email.to == [mentee.user.email]
    assert "Olu Mentor cannot be your mentor in Growing leaders this time." in email.body
    assert f"/my/programs/{mentee.program_id}/mentors/" in email.body


def test_withdrawing_frees_the_place_and_lets_the_mentee_ask_again(
    program, mentee, mentor, topics, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(mentee, mentor)
    with pytest.raises(MatchingError, match="Only the person who asked"):
        selfmatch.withdraw_request(request, mentor.user)
    with django_capture_on_commit_callbacks(execute=True):
        selfmatch.withdraw_request(request, mentee.user)

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert selfmatch.places_left(mentor) == 2
    assert mailoutbox == []
    another = enrol(program, user_factory, "mentor", 6, offers=[topics["feedback"]])
    assert selfmatch.request_mentor(mentee, another).status == RequestStatus.PENDING


def test_a_request_withdrawn_before_its_email_went_out_is_not_announced(
    mentee, mentor, mailoutbox
):
    request = ask(mentee, mentor)
    assert OutboxEmail.objects.filter(recipient=mentor.user, status="pending").count() == 1
    selfmatch.withdraw_request(request, mentee.user)

    assert deliver_due().sent == 0
    assert mailoutbox == []
    assert OutboxEmail.objects.get(recipient=mentor.user).status == "cancelled"


# Pages -------------------------------------------------------------------------------------


def mentors_url(program):
    return reverse("selfmatch:mentors", args=[program.pk])


def test_the_mentors_page_shows_the_top_five_with_why_and_a_way_to_ask(
    client, program, mentee, mentor, topics, user_factory
):
    for n in range(6):
        enrol(program, user_factory, "mentor", 6, f"Extra Mentor{n}", offers=[topics["feedback"]])
    client.force_login(mentee.user)

    response = client.get(mentors_url(program))

    assert response.status_code == 200
    text = visible_text(response)
    assert text.count("to mentor me") == 5
    assert "Ask Olu Mentor to mentor me" in text
    assert "Finance · Lagos" in text
    assert "What I can offer Delegation Feedback" in text
    assert "They can help with what you want to grow in (" in text
    assert "A note to them (optional)" in text
    assert "submit" not in text.lower()
    html = response.content.decode()
    assert html.count('method="post"') >= 5  # plain forms: no script needed


def test_asking_from_the_page_leads_to_the_request_with_a_way_to_withdraw(
    client, program, mentee, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(mentee.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("selfmatch:ask", args=[program.pk, mentor.uuid]),
            {"message": "Could we talk about feedback?"},
            follow=True,
        )

    request = MentorRequest.objects.get()
    assert response.redirect_chain[-1][0] == reverse("selfmatch:request", args=[request.uuid])
    text = visible_text(response)
    assert "We have asked Olu Mentor" in text
    assert "Could we talk about feedback?" in text
    asked_on = date_format(timezone.localtime(request.created_at), "j F Y")
    assert f"You asked on {asked_on}." in text
    assert "Withdraw my request" in text
    assert "submit" not in text.lower()
    assert [m.to for m in mailoutbox] == [[mentor.user.email]]

    again = visible_text(client.get(mentors_url(program)))
    assert "You asked Olu Mentor" in again and "Withdraw my request" in again
    assert f"You asked on {asked_on}." in again
    assert "to mentor me" not in again

    client.post(reverse("selfmatch:withdraw", args=[request.uuid]))
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


def test_my_mentoring_tells_a_mentor_that_someone_asked_them(client, program, mentee, mentor):
    client.force_login(mentor.user)
    assert "asks you to mentor them" not in visible_text(
        client.get(reverse("journeys:my_mentoring"))
    )

    selfmatch.request_mentor(mentee, mentor)

    response = client.get(reverse("journeys:my_mentoring"))
    assert "1 person asks you to mentor them: answer their request" in visible_text(response)
    assert f'href="{reverse("selfmatch:requests")}"' in response.content.decode()
    client.force_login(mentee.user)
    assert "asks you to mentor them" not in visible_text(
        client.get(reverse("journeys:my_mentoring"))
    )


def test_a_refused_request_comes_back_as_a_message(client, program, mentee, mentor):
    mentor.capacity = 0
    mentor.save()
    client.force_login(mentee.user)
    response = client.post(
        reverse("selfmatch:ask", args=[program.pk, mentor.uuid]), {"message": ""}, follow=True
    )
    assert "Olu Mentor does not mentor in this program." in visible_text(response)
    assert not MentorRequest.objects.exists()


def test_a_note_too_long_is_shown_again_with_the_reason(client, program, mentee, mentor):
    client.force_login(mentee.user)
    response = client.post(
        reverse("selfmatch:ask", args=[program.pk, mentor.uuid]), {"message": "x" * 1001}
    )
    assert response.status_code == 400
    assert "at most 1000 characters" in visible_text(response)
    assert not MentorRequest.objects.exists()


@pytest.mark.parametrize(
    ("message", "error"),
    [("x" * 1001, "at most 1000 characters"), ("Hi\x1b[31m", "control character (U+001B)")],
)
def test_a_bad_note_is_refused_next_to_it_and_nothing_is_asked(
    client, program, mentee, mentor, message, error
):
    client.force_login(mentee.user)
    response = client.post(
        reverse("selfmatch:ask", args=[program.pk, mentor.uuid]), {"message": message}
    )
    assert response.status_code == 400
    html = response.content.decode()
    shown = re.search(
        rf'<ul class="field__errors" id="ask-{mentor.uuid.hex}-message_errors">(.*?)</ul>',
        html,
        re.S,
    )
    assert shown and error in unescape(shown.group(1))
    assert not MentorRequest.objects.exists()


def test_asking_refuses_a_note_past_its_limit_whoever_calls(mentee, mentor):
    with pytest.raises(ValidationError) as refused:
        ask(mentee, mentor, "x" * 1001)
    assert refused.value.message_dict["message"] == [
        "The note to the mentor can be at most 1,000 characters long; this is 1,001. "
        "Shorten it by 1 character."
    ]
    with pytest.raises(ValidationError) as refused:
        ask(mentee, mentor, "Hello\x00")
    assert "control character (U+0000)" in refused.value.message_dict["message"][0]
    assert not MentorRequest.objects.exists()
    assert ask(mentee, mentor, "x" * 1000 + "\n").message == "x" * 1000


def test_the_mentor_sees_incoming_requests_and_accepts_into_the_journey(
    client, program, mentee, mentor
):
    request = ask(mentee, mentor, "Please?")
    client.force_login(mentor.user)

    listing = client.get(reverse("selfmatch:requests"))
    text = visible_text(listing)
    assert "Mia Mentee" in text and "Please?" in text
    assert "Accept" in text and "Decline" in text
    assert "Would like to grow in Delegation Feedback" in text
    assert "submit" not in text.lower()
    detail = visible_text(client.get(reverse("selfmatch:request", args=[request.uuid])))
    assert "Learn to give feedback that lands." in detail
    assert "Accept" in detail and "Withdraw my request" not in detail

    response = client.post(reverse("selfmatch:accept", args=[request.uuid]))

    proposal = MatchProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:journey", args=[proposal.journey.uuid])


def test_the_mentor_declines_from_the_list(client, mentee, mentor):
    request = ask(mentee, mentor)
    client.force_login(mentor.user)
    response = client.post(reverse("selfmatch:decline", args=[request.uuid]), follow=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert "You declined. Mia Mentee will hear" in visible_text(response)
    assert "No request is waiting for your answer." in visible_text(response)


def test_a_request_is_not_found_by_anyone_but_the_people_involved(
    client, mentee, mentor, user_factory
):
    request = ask(mentee, mentor)
    detail = reverse("selfmatch:request", args=[request.uuid])
    accept = reverse("selfmatch:accept", args=[request.uuid])
    decline = reverse("selfmatch:decline", args=[request.uuid])
    withdraw = reverse("selfmatch:withdraw", args=[request.uuid])

    client.force_login(user_factory(is_staff=True))
    for url in (detail, accept, decline, withdraw):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    client.force_login(mentee.user)
    assert client.post(accept).status_code == 404
    assert client.post(decline).status_code == 404
    assert client.get(withdraw).status_code == 405
    client.force_login(mentor.user)
    assert client.post(withdraw).status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_signed_out_visitors_are_sent_to_sign_in(client, program, mentee, mentor):
    request = ask(mentee, mentor)
    for url in (
        mentors_url(program),
        reverse("selfmatch:requests"),
        reverse("selfmatch:request", args=[request.uuid]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("selfmatch:accept", args=[request.uuid]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_mentors_page_is_not_found_when_self_match_is_off(client, program, mentee):
    policy_for(program, "knowledge", self_match=False)
    client.force_login(mentee.user)
    assert client.get(mentors_url(program)).status_code == 404
    assert client.post(reverse("selfmatch:ask", args=[program.pk, mentee.uuid])).status_code == 404


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("none", "Enrol in Growing leaders as a mentee first"),
        ("mentor", "You enrolled as a mentor"),
        ("matched", "You have been matched"),
    ],
)
def test_the_mentors_page_says_why_someone_cannot_choose(
    client, program, mentor, user_factory, state, expected
):
    if state == "none":
        client.force_login(user_factory())
    elif state == "mentor":
        client.force_login(mentor.user)
    else:
        matched = enrol(program, user_factory, "mentee", 3, status="matched")
        client.force_login(matched.user)
    text = visible_text(client.get(mentors_url(program)))
    assert expected in text
    assert "to mentor me" not in text


# Around self-match: enrolment, the program page, ended matches ------------------------------


def test_withdrawing_from_the_program_ends_requests_either_way(client, program, mentee, mentor):
    from matching.models import Enrollment

    request = ask(mentee, mentor)
    client.force_login(mentor.user)
    client.post(reverse("matching:withdraw", args=[program.pk]))

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert selfmatch.places_left(Enrollment.objects.get(pk=mentor.pk)) == 2


def test_a_mentee_who_withdraws_gives_back_the_place_they_asked_for(
    client, program, mentee, mentor
):
    request = ask(mentee, mentor)
    client.force_login(mentee.user)
    client.post(reverse("matching:withdraw", args=[program.pk]))

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert selfmatch.places_left(mentor) == 2


def withdraw_in_admin(admin_client, enrollment):
    response = admin_client.post(
        reverse("matching_enrolments:edit", args=[enrollment.pk]),
        {
            "role": enrollment.role,
            "capacity": enrollment.capacity,
            "status": "withdrawn",
            "time_zone": "",
            "seniority": enrollment.seniority,
        },
    )
    assert response.status_code == 302


def test_an_admin_withdrawing_a_mentor_declines_the_requests_made_to_them(
    admin_client, program, mentee, mentor
):
    request = ask(mentee, mentor)

    withdraw_in_admin(admin_client, mentor)

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    # The mentee is free to ask someone else, and a run counts them again.
    assert not MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.PENDING).exists()


def test_an_admin_withdrawing_a_mentee_gives_back_the_place_they_asked_for(
    admin_client, program, mentee, mentor, mailoutbox
):
    request = ask(mentee, mentor)

    withdraw_in_admin(admin_client, mentee)

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert selfmatch.places_left(mentor) == 2
    # Nor is the mentor asked by someone who has left.
    assert deliver_due().sent == 0
    assert mailoutbox == []


def test_a_mentee_who_withdraws_before_the_request_email_went_out_is_not_announced(
    client, program, mentee, mentor, mailoutbox
):
    ask(mentee, mentor)
    client.force_login(mentee.user)
    client.post(reverse("matching:withdraw", args=[program.pk]))

    assert deliver_due().sent == 0
    assert mailoutbox == []
    assert OutboxEmail.objects.get(recipient=mentor.user).status == "cancelled"


def test_the_program_page_offers_to_choose_a_mentor_and_shows_waiting_requests(
    client, program, mentee, mentor
):
    client.force_login(mentee.user)
    page = visible_text(client.get(program.url))
    assert "Choose your mentor" in page

    ask(mentee, mentor)
    client.force_login(mentor.user)
    page = visible_text(client.get(program.url))
    assert "One mentee has asked you to mentor them" in page
    assert reverse("selfmatch:requests") in client.get(program.url).content.decode()

    policy_for(program, "knowledge", self_match=False)
    client.force_login(mentee.user)
    assert "Choose your mentor" not in visible_text(client.get(program.url))


def test_after_a_self_matched_match_ends_the_mentee_can_ask_again(
    program, mentee, mentor, topics, user_factory
):
    from matching.services.rematch import end_match

    proposal = selfmatch.accept_request(ask(mentee, mentor), mentor.user)
    end_match(proposal, "Moved to another site.")
    mentee.refresh_from_db()
    assert mentee.status == "enrolled"

    again = ask(mentee, mentor)
    assert again.status == RequestStatus.PENDING


def test_a_self_match_introduction_names_the_programs_question_not_its_key(
    program, mentee, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    from matching.models import ProgramQuestion

    question = ProgramQuestion.objects.create(
        program=program, label="How do you like to meet?", kind="single", choices="A\nB"
    )
    key = str(question.key)
    policy_for(
        program,
        "knowledge",
        self_match=True,
        question_rules={key: {"rule": "same", "weight": 2, "label": question.label}},
    )
    for person in (mentee, mentor):
        person.answers = {key: "A"}
        person.save()

    with django_capture_on_commit_callbacks(execute=True):
        selfmatch.accept_request(ask(mentee, mentor), mentor.user)

    body = mailoutbox[-1].body
    assert "“How do you like to meet?”" in body
    assert key not in body


def test_a_mentee_matched_by_a_run_gives_back_the_place_they_asked_another_mentor_for(
    program, mentee, mentor, topics, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    from matching.services import review
    from matching.services.runs import run_matching_now

    run = run_matching_now(program)
    proposed = run.proposals.get(mentee=mentee)
    assert proposed.mentor == mentor
    other = enrol(program, user_factory, "mentor", 6, "Ana Other", offers=[topics["feedback"]])
    request = ask(mentee, other)  # asked while the run's proposal waited for approval

    with django_capture_on_commit_callbacks(execute=True):
        review.approve(run, [proposed])

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert selfmatch.places_left(other) == other.capacity
    # The mentor is not asked for someone who is matched already.
    assert [email.to for email in mailoutbox if "would like you" in email.subject] == []
    with pytest.raises(MatchingError, match="already been answered: it is withdrawn"):
        selfmatch.accept_request(request, other.user)


# Capacity and the requests waiting ---------------------------------------------------------


def capacity_errors(response) -> str:
    found = re.search(r'id="id_capacity_errors">(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def test_a_mentor_cannot_lower_their_capacity_below_the_requests_waiting_for_them(
    client, program, mentor, topics, user_factory
):
    """Each pending request holds a place: accepting it must still find one."""
    program.enrolment_open = True
    program.save_revision().publish()
    mentees = [
        enrol(program, user_factory, "mentee", 3, name, seeks=[topics["feedback"]])
        for name in ("Mia Mentee", "Max Mentee")
    ]
    first, second = (ask(mentee, mentor) for mentee in mentees)
    client.force_login(mentor.user)
    enrol_url = reverse("matching:enrol", args=[program.pk])
    data = {
        "role": "mentor",
        "seniority": "6",
        "department": "Finance",
        "location": "Lagos",
        "time_zone": "Europe/London",
        "languages": "en",
        "reports_to": "",
        "goals": "",
        "avoid": "",
        "offers": [topics["feedback"].pk],
    }

    response = client.post(enrol_url, {**data, "capacity": "1"})

    assert response.status_code == 400
    assert capacity_errors(response) == (
        "2 people are waiting for your answer to their requests to be mentored by you, so "
        "your capacity cannot go below 2. To take fewer people, decline a request under "
        "“Mentoring requests” first."
    )
    mentor.refresh_from_db()
    assert mentor.capacity == 2

    client.post(reverse("selfmatch:decline", args=[second.uuid]))
    response = client.post(enrol_url, {**data, "capacity": "1"})

    assert response.status_code == 302, capacity_errors(response)
    mentor.refresh_from_db()
    assert mentor.capacity == 1
    response = client.post(reverse("selfmatch:accept", args=[first.uuid]))
    proposal = MatchProposal.objects.get(request=first)
    assert response["Location"] == reverse("journeys:journey", args=[proposal.journey.uuid])


def admin_capacity_errors(response) -> str:
    html = unescape(response.content.decode())
    start = html.index('data-contentpath="capacity"')
    errors = html[html.index("w-field__errors", start) : html.index("</div>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", errors.split(">", 1)[1]).split())


def test_an_admin_cannot_lower_a_capacity_below_the_journeys_and_requests_of_a_mentor(
    admin_client, program, mentee, mentor, topics, user_factory
):
    selfmatch.accept_request(ask(mentee, mentor), mentor.user)
    waiting = enrol(program, user_factory, "mentee", 3, "Max Mentee", seeks=[topics["feedback"]])
    ask(waiting, mentor)
    mentor.refresh_from_db()
    edit = reverse("matching_enrolments:edit", args=[mentor.pk])
    form = {
        "role": "mentor",
        "status": mentor.status,
        "time_zone": "",
        "seniority": "6",
        "department": "Legal",
    }

    response = admin_client.post(edit, {**form, "capacity": "1"})

    assert response.status_code == 200
    assert admin_capacity_errors(response) == (
        "They lead 1 running journey, and 1 person is waiting for their answer to a request "
        "to be mentored by them, so their capacity cannot go below 2. End or rematch a "
        "journey, or ask them to decline the request, first."
    )
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (2, "Finance")

    assert admin_client.post(edit, {**form, "capacity": "2"}).status_code == 302
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (2, "Legal")


def test_an_admin_withdrawing_a_mentor_may_lower_their_capacity_as_the_requests_end(
    admin_client, program, mentee, mentor, topics, user_factory
):
    other = enrol(program, user_factory, "mentee", 3, "Max Mentee", seeks=[topics["feedback"]])
    requests = [ask(mentee, mentor), ask(other, mentor)]
    mentor.capacity = 1
    withdraw_in_admin(admin_client, mentor)  # capacity 1, down from 2, with two requests

    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.status) == (1, "withdrawn")
    for request in requests:
        request.refresh_from_db()
        assert request.status == RequestStatus.DECLINED


# Role and the requests waiting -------------------------------------------------------------


def role_errors(response) -> str:
    found = re.search(r'id="id_role_errors">(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def test_a_mentor_cannot_become_a_mentee_while_requests_wait_for_their_answer(
    client, program, mentee, mentor
):
    """Accepted, the request would start a journey led by someone enrolled to be mentored."""
    program.enrolment_open = True
    program.save_revision().publish()
    request = ask(mentee, mentor)
    client.force_login(mentor.user)
    enrol_url = reverse("matching:enrol", args=[program.pk])
    data = {
        "seniority": "6",
        "department": "Finance",
        "location": "Lagos",
        "time_zone": "Europe/London",
        "languages": "en",
        "reports_to": "",
        "goals": "",
        "avoid": "",
    }

    response = client.post(enrol_url, {**data, "role": "mentee"})

    assert response.status_code == 400
    assert role_errors(response) == (
        "Mia Mentee is waiting for your answer to their request to be mentored by you, so "
        "you cannot stop mentoring while it waits. Accept or decline it under “Mentoring "
        "requests” first."
    )
    mentor.refresh_from_db()
    assert mentor.role == "mentor"

    client.post(reverse("selfmatch:decline", args=[request.uuid]))
    response = client.post(enrol_url, {**data, "role": "mentee"})

    assert response.status_code == 302, role_errors(response)
    mentor.refresh_from_db()
    assert mentor.role == "mentee"


def test_a_mentee_cannot_become_a_mentor_while_their_own_request_waits(
    client, program, mentee, mentor, topics
):
    """Accepted, the request would start a journey mentoring someone who offered to mentor."""
    program.enrolment_open = True
    program.save_revision().publish()
    request = ask(mentee, mentor)
    client.force_login(mentee.user)
    enrol_url = reverse("matching:enrol", args=[program.pk])
    data = {
        "capacity": "1",
        "seniority": "3",
        "department": "",
        "location": "",
        "time_zone": "Europe/London",
        "languages": "en",
        "reports_to": "",
        "goals": "",
        "avoid": "",
        "offers": [topics["feedback"].pk],
    }

    response = client.post(enrol_url, {**data, "role": "mentor"})

    assert response.status_code == 400
    assert role_errors(response) == (
        "You have asked Olu Mentor to mentor you and they have not answered yet, so you "
        "cannot stop being mentored while your request waits. Withdraw it under "
        "“Mentoring requests” first."
    )
    mentee.refresh_from_db()
    assert mentee.role == "mentee"

    client.force_login(mentee.user)
    client.post(reverse("selfmatch:withdraw", args=[request.uuid]))
    response = client.post(enrol_url, {**data, "role": "mentor"})

    assert response.status_code == 302, role_errors(response)
    mentee.refresh_from_db()
    assert mentee.role == "mentor"


def test_either_may_become_a_mentor_or_a_mentee_on_the_side_no_request_waits(
    client, program, mentee, mentor
):
    program.enrolment_open = True
    program.save_revision().publish()
    mentor.role = "either"
    mentor.save(update_fields=["role"])
    ask(mentee, mentor)
    client.force_login(mentor.user)
    data = {
        "role": "mentor",
        "capacity": "2",
        "seniority": "6",
        "department": "Finance",
        "location": "Lagos",
        "time_zone": "Europe/London",
        "languages": "en",
        "reports_to": "",
        "goals": "",
        "avoid": "",
    }

    response = client.post(reverse("matching:enrol", args=[program.pk]), data)

    assert response.status_code == 302, role_errors(response)
    mentor.refresh_from_db()
    assert mentor.role == "mentor"


def admin_role_errors(response) -> str:
    html = unescape(response.content.decode())
    start = html.index('data-contentpath="role"')
    if "w-field__errors" not in html[start : html.index('data-contentpath="', start + 1)]:
        return ""
    errors = html[html.index("w-field__errors", start) : html.index("</div>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", errors.split(">", 1)[1]).split())


def test_an_admin_cannot_make_a_mentor_a_mentee_while_requests_wait_for_their_answer(
    admin_client, program, mentee, mentor, topics, user_factory
):
    other = enrol(program, user_factory, "mentee", 3, "Max Mentee", seeks=[topics["feedback"]])
    ask(mentee, mentor)
    ask(other, mentor)
    edit = reverse("matching_enrolments:edit", args=[mentor.pk])
    form = {"status": mentor.status, "time_zone": "", "seniority": "6", "capacity": "2"}

    response = admin_client.post(edit, {**form, "role": "mentee"})

    assert response.status_code == 200
    assert admin_role_errors(response) == (
        "Max Mentee and Mia Mentee are waiting for their answer to requests to be mentored "
        "by them, so they cannot stop mentoring while they wait. Ask them to accept or "
        "decline the requests first."
    )
    mentor.refresh_from_db()
    assert mentor.role == "mentor"


def test_a_mentor_made_a_mentee_cannot_accept_a_request_made_before(
    client, program, mentee, mentor
):
    """Requests left over from before the rule: answering yes would start a wrong journey."""
    request = ask(mentee, mentor)
    mentor.role = "mentee"
    mentor.capacity = 1
    mentor.save(update_fields=["role", "capacity"])
    client.force_login(mentor.user)

    response = client.post(reverse("selfmatch:accept", args=[request.uuid]), follow=True)

    assert "You enrolled to be mentored in Growing leaders, so you cannot accept" in (
        visible_text(response)
    )
    assert not MatchProposal.objects.exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    client.post(reverse("selfmatch:decline", args=[request.uuid]))
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
