"""Profiles and matching: filled from enrolments, the note for the match on the partner's first
milestone and in the introduction, suggested mentors shown as profiles, and the admin's view."""

import importlib
import re
from html import unescape
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from content.factories import TopicFactory
from journeys.factories import JourneyPageFactory, ProgramPageFactory, simple_milestones
from journeys.models import OutboxEmail, Profile
from journeys.services import profiles
from journeys.services.outbox import deliver_due
from matching.factories import EnrollmentFactory, policy_for
from matching.importer import import_enrolments
from matching.models import (
    Enrollment,
    MatchProposal,
    ProgramQuestion,
    QuestionKind,
    RoleWanted,
)
from matching.services.approval import approve_proposals
from matching.services.profiles import fill_from_enrollments
from tests import hostile
from tests.programs import run_by_program_admins

pytestmark = pytest.mark.django_db

NOTE = "I want to lead a shift team without losing my temper."
SECRET_ANSWER = "I am thinking of moving to Leeds"


def text_of(response_or_html):
    html = getattr(response_or_html, "content", response_or_html)
    html = html.decode() if isinstance(html, bytes) else html
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=name, slug=slug)
        for slug, name in (
            ("feedback", "Giving feedback"),
            ("negotiation", "Negotiation"),
            ("planning", "Network planning"),
        )
    }


@pytest.fixture
def program(home):
    program = ProgramPageFactory(
        parent=home, title="Growing leaders", enrolment_open=True, admins=run_by_program_admins()
    )
    page = JourneyPageFactory(parent=program, title="First year together")
    page.milestones = simple_milestones(2)
    page.save_revision().publish()
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return program


@pytest.fixture
def questions(program):
    """A shared choice, a shared scale, a shared topic picker, and a private text question."""
    made = {}
    for order, (name, kind, label, shared, extra) in enumerate(
        (
            ("meet", QuestionKind.SINGLE, "How do you like to meet?", True,
             {"choices": "In person\nVideo call"}),
            ("structure", QuestionKind.SCALE, "How structured do you like it?", True, {}),
            ("talks", QuestionKind.TOPICS, "What could you talk about?", True, {}),
            ("private", QuestionKind.TEXT, "Anything else we should know?", False, {}),
        )
    ):  # fmt: skip
        made[name] = ProgramQuestion.objects.create(
            program=program,
            sort_order=order,
            kind=kind,
            label=label,
            shared_with_match=shared,
            **extra,
        )
    return made


def person(user_factory, name):
    first, last = name.split()
    return user_factory(
        email=f"{first.lower()}.{last.lower()}@example.com", first_name=first, last_name=last
    )


@pytest.fixture
def matched(program, questions, topics, user_factory):
    """A mentor and a mentee approved as a pair through a proposal; returns the journey."""
    mentor = EnrollmentFactory(
        program=program,
        user=person(user_factory, "Olu Mentor"),
        role=RoleWanted.MENTOR,
        seniority=7,
        department="Network planning",
        location="Hamburg",
        time_zone="Europe/Berlin",
        languages=["en", "de"],
        goals="Pass on what I learnt the hard way.",
        offers=[topics["planning"]],
    )
    mentee = EnrollmentFactory(
        program=program,
        user=person(user_factory, "Mia Mentee"),
        goals=NOTE,
        seeks=[topics["feedback"]],
        answers={
            str(questions["meet"].key): "Video call",
            str(questions["structure"].key): 4,
            str(questions["talks"].key): ["negotiation", "feedback"],
            str(questions["private"].key): SECRET_ANSWER,
        },
    )
    proposal = MatchProposal.objects.create(program=program, mentee=mentee, mentor=mentor)
    (journey,) = approve_proposals([proposal], today=timezone.localdate())
    return {"journey": journey, "mentor": mentor, "mentee": mentee}


def milestone_url(journey, number):
    snapshot_ids = [m["id"] for m in journey.template.milestones.raw_data]
    return reverse("journeys:milestone", args=[journey.uuid, snapshot_ids[number - 1]])


# Filling profiles ------------------------------------------------------------------------


def test_enrolling_through_the_page_fills_the_profile(client, program, topics, user_factory):
    ana = user_factory(first_name="Ana", last_name="Silva")
    client.force_login(ana)
    response = client.post(
        reverse("matching:enrol", args=[program.pk]),
        {
            "role": RoleWanted.MENTEE,
            "department": "Finance",
            "location": "Lisbon",
            "time_zone": "Europe/Lisbon",
            "languages": "EN, pt",
            "topics_offered": [topics["negotiation"].pk],
            "topics_sought": [topics["feedback"].pk],
            "goals": "Speak up in meetings.",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=ana)
    assert (profile.department, profile.location, profile.time_zone) == (
        "Finance",
        "Lisbon",
        "Europe/Lisbon",
    )
    assert profile.languages == ["en", "pt"]
    assert list(profile.offers.all()) == [topics["negotiation"]]
    assert list(profile.seeks.all()) == [topics["feedback"]]
    assert profile.edited == []


def test_what_a_person_changed_on_their_profile_survives_a_later_enrolment(
    program, topics, user_factory
):
    ana = user_factory(first_name="Ana")
    enrollment = EnrollmentFactory(
        program=program,
        user=ana,
        department="Finance",
        location="Lisbon",
        offers=[topics["feedback"]],
    )
    fill_from_enrollments([enrollment])
    profiles.save_profile(ana, {"department": "Treasury", "offers": [topics["negotiation"]]})

    enrollment.department = "Accounts"
    enrollment.location = "Porto"
    enrollment.time_zone = ""
    enrollment.save()
    enrollment.topics_offered.set([topics["planning"]])
    enrollment.topics_sought.set([topics["feedback"]])
    fill_from_enrollments([enrollment])

    profile = Profile.objects.get(user=ana)
    assert profile.department == "Treasury"  # theirs
    assert profile.location == "Porto"  # the enrolment's, never changed by them
    assert profile.time_zone == "Europe/Amsterdam"  # an empty value wipes nothing
    assert list(profile.offers.all()) == [topics["negotiation"]]
    assert list(profile.seeks.all()) == [topics["feedback"]]


def test_approving_a_match_fills_both_profiles(matched, topics):
    mentor = Profile.objects.get(user=matched["mentor"].user)
    assert (mentor.department, mentor.location, mentor.time_zone) == (
        "Network planning",
        "Hamburg",
        "Europe/Berlin",
    )
    assert mentor.languages == ["en", "de"]
    assert list(mentor.offers.all()) == [topics["planning"]]
    assert list(Profile.objects.get(user=matched["mentee"].user).seeks.all()) == [
        topics["feedback"]
    ]


def test_an_import_fills_the_profiles_of_the_people_it_enrols(program, topics):
    import_enrolments(
        program,
        StringIO(
            "email,first_name,last_name,role,department,location,time_zone,languages,"
            "topics_offered\n"
            "raj@example.com,Raj,Patel,mentor,Sales,London,Europe/London,en;hi,negotiation\n"
        ),
        invite=False,
    )
    profile = Profile.objects.get(user__email="raj@example.com")
    assert (profile.department, profile.location, profile.time_zone) == (
        "Sales",
        "London",
        "Europe/London",
    )
    assert profile.languages == ["en", "hi"]
    assert list(profile.offers.all()) == [topics["negotiation"]]


def test_a_correction_in_the_admin_shows_on_the_profile(client, program, user_factory):
    admin = user_factory(groups=["Program admins"])
    enrollment = EnrollmentFactory(program=program, user=user_factory(), department="Finance")
    client.force_login(admin)
    response = client.post(
        reverse("matching_enrolments:edit", args=[enrollment.pk]),
        {
            "role": "mentee",
            "capacity": "1",
            "status": "enrolled",
            "department": "Treasury",
            "location": "Lisbon",
            "time_zone": "Europe/Lisbon",
            "seniority": "3",
            "languages": "en",
            "reports_to": "",
            "goals": "",
        },
    )
    assert response.status_code == 302, text_of(response)[:2000]
    assert Profile.objects.get(user=enrollment.user).department == "Treasury"


# The note for the match ----------------------------------------------------------------------


def test_the_mentor_reads_the_mentees_note_and_shared_answers_on_the_first_milestone(
    client, matched
):
    client.force_login(matched["mentor"].user)
    text = text_of(client.get(milestone_url(matched["journey"], 1)))

    assert "Before you first meet" in text
    assert f"What they hope to get from the program {NOTE}" in text
    assert "How do you like to meet? Video call" in text
    assert "How structured do you like it? 4 on a scale from 1 to 5" in text
    assert "What could you talk about? Negotiation, Giving feedback" in text
    assert SECRET_ANSWER not in text
    assert "Anything else we should know?" not in text
    # Only the first milestone carries it.
    assert NOTE not in text_of(client.get(milestone_url(matched["journey"], 2)))


def test_each_side_reads_the_others_note_and_never_sees_their_own(client, matched):
    client.force_login(matched["mentee"].user)
    text = text_of(client.get(milestone_url(matched["journey"], 1)))
    assert "Pass on what I learnt the hard way." in text
    assert NOTE not in text


def test_a_member_of_another_journey_never_reads_the_note(client, matched, program, user_factory):
    stranger = user_factory()
    client.force_login(stranger)
    assert client.get(milestone_url(matched["journey"], 1)).status_code == 404


def test_the_introduction_carries_the_note_the_shared_answers_and_a_link_to_the_profile(
    matched,
):
    mentor_email = OutboxEmail.objects.get(
        template="matching/emails/introduction", recipient=matched["mentor"].user
    )
    deliver_due()
    sent = next(m for m in mail.outbox if m.to == [matched["mentor"].user.email])
    profile_path = reverse(
        "journeys:member",
        args=[
            matched["journey"].uuid,
            matched["journey"].memberships.get(user=matched["mentee"].user).pk,
        ],
    )
    for body in (sent.body, text_of(sent.alternatives[0][0])):
        assert "What Mia Mentee told the program for you to read:" in body
        assert NOTE in body
        assert "How do you like to meet?" in body and "Video call" in body
        assert "Negotiation, Giving feedback" in body
        assert SECRET_ANSWER not in body
    assert profile_path in sent.body
    assert mentor_email.context["partner_user_id"] == matched["mentee"].user.pk
    mentee_sent = next(m for m in mail.outbox if m.to == [matched["mentee"].user.email])
    assert "Pass on what I learnt the hard way." in mentee_sent.body
    assert NOTE not in mentee_sent.body


def test_typed_markup_in_a_note_stays_text_in_the_introduction(program, user_factory):
    mentor = EnrollmentFactory(
        program=program, user=user_factory(), role=RoleWanted.MENTOR, seniority=7
    )
    mentee = EnrollmentFactory(program=program, user=user_factory(), goals=hostile.HOSTILE_LINE)
    proposal = MatchProposal.objects.create(program=program, mentee=mentee, mentor=mentor)
    approve_proposals([proposal])
    deliver_due()
    sent = next(m for m in mail.outbox if m.to == [mentor.user.email])
    html = sent.alternatives[0][0]
    hostile.assert_neutralised(html)
    assert "&lt;script&gt;" in html


def test_the_enrolment_form_says_which_answers_the_match_will_read(
    client, program, questions, user_factory
):
    client.force_login(user_factory())
    form = client.get(reverse("matching:enrol", args=[program.pk])).context["form"]
    shared = "Your match will read your answer."
    for name in ("meet", "structure", "talks"):
        field = form.fields[f"q_{questions[name].key.hex}"]
        assert shared in field.help_text
    assert shared not in form.fields[f"q_{questions['private'].key.hex}"].help_text


def test_the_question_setting_has_help_text_and_a_panel(program):
    field = ProgramQuestion._meta.get_field("shared_with_match")
    assert field.default is False
    assert "first milestone" in str(field.help_text)
    assert "shared_with_match" in [
        getattr(panel, "field_name", None) for panel in ProgramQuestion.panels
    ]


# Self-match ------------------------------------------------------------------------------------


@pytest.fixture
def self_match(program, topics, user_factory):
    policy_for(program, "knowledge", self_match=True)
    mentee = EnrollmentFactory(
        program=program, user=person(user_factory, "Mia Mentee"), seeks=[topics["feedback"]]
    )
    mentors = []
    for n in range(6):
        mentor = EnrollmentFactory(
            program=program,
            user=person(user_factory, f"Mentor Number{n}"),
            role=RoleWanted.MENTOR,
            seniority=7,
            capacity=1,
            offers=[topics["feedback"]],
        )
        fill_from_enrollments([mentor])
        profiles.save_profile(
            mentor.user,
            {"job_title": f"Planner {n}", "about": f"About mentor {n}: I like maps."},
        )
        mentors.append(mentor)
    return mentee, mentors


def test_self_match_shows_the_five_suggested_mentors_as_profiles(client, program, self_match):
    mentee, _mentors = self_match
    client.force_login(mentee.user)
    response = client.get(reverse("selfmatch:mentors", args=[program.pk]))
    text = text_of(response)
    assert text.count("to mentor me") == 5
    assert text.count("I like maps.") == 5
    assert text.count("What I can offer Giving feedback") == 5
    assert "Operations · Rotterdam" in text
    assert "Europe/Amsterdam" in text


def test_a_mentor_self_match_does_not_offer_is_not_shown(client, program, self_match):
    mentee, mentors = self_match
    full = mentors[0]
    full.capacity = 0
    full.save()
    client.force_login(mentee.user)
    text = text_of(client.get(reverse("selfmatch:mentors", args=[program.pk])))
    assert "About mentor 0" not in text
    assert text.count("I like maps.") == 5


def test_nobody_but_a_mentee_is_shown_the_suggested_mentors(client, program, self_match):
    _mentee, mentors = self_match
    client.force_login(mentors[1].user)  # a mentor of the same program
    text = text_of(client.get(reverse("selfmatch:mentors", args=[program.pk])))
    assert "I like maps." not in text


# The admin ----------------------------------------------------------------------------------


def test_a_program_admin_sees_the_profile_on_the_enrolment(client, matched, user_factory):
    profiles.save_profile(matched["mentee"].user, {"about": "Night shifts and forklifts."})
    url = reverse("matching_enrolments:inspect", args=[matched["mentee"].pk])
    client.force_login(user_factory(groups=["Program admins"]))
    response = client.get(url)
    assert response.status_code == 200
    profile_part = text_of(response).split("Profile", 1)[1].split("Answers to the program")[0]
    assert "Night shifts and forklifts." in profile_part
    assert "Operations" in profile_part and "Giving feedback" in profile_part


@pytest.mark.parametrize("who", ["participant", "partner", "anonymous"])
def test_nobody_else_reaches_a_profile_through_the_admin(client, matched, user_factory, who):
    profiles.save_profile(matched["mentee"].user, {"about": "Night shifts and forklifts."})
    url = reverse("matching_enrolments:inspect", args=[matched["mentee"].pk])
    if who == "participant":
        client.force_login(user_factory())
    elif who == "partner":
        client.force_login(matched["mentor"].user)
    response = client.get(url)
    assert response.status_code == 302
    assert b"Night shifts" not in response.content


def test_enrolments_not_matched_yet_fill_profiles_once_each_in_bulk(
    program, topics, user_factory, django_assert_max_num_queries
):
    def enrol(count):
        return [
            EnrollmentFactory(
                program=program, user=user_factory(), offers=[topics["feedback"]], seeks=[]
            )
            for _ in range(count)
        ]

    two, twelve = enrol(2), enrol(12)
    with django_assert_max_num_queries(20) as few:
        fill_from_enrollments(two)
    with django_assert_max_num_queries(len(few.captured_queries)):
        fill_from_enrollments(twelve)
    assert Profile.objects.count() == 14
    assert Enrollment.objects.count() == 14


def test_people_enrolled_before_profiles_get_one_filled_from_their_enrolments(
    program, home, topics, user_factory
):
    migration = importlib.import_module("matching.migrations.0006_fill_profiles")
    other = ProgramPageFactory(
        parent=home, title="Reverse mentoring", admins=run_by_program_admins()
    )
    ana = user_factory()
    EnrollmentFactory(program=program, user=ana, department="Finance", location="Lisbon")
    latest = EnrollmentFactory(
        program=other, user=ana, department="Treasury", location="", offers=[topics["feedback"]]
    )
    Enrollment.objects.filter(pk=latest.pk).update(updated_at=timezone.now())
    gone = user_factory(is_active=False)
    EnrollmentFactory(program=program, user=gone)
    withdrawn = user_factory()
    EnrollmentFactory(program=program, user=withdrawn, status="withdrawn")

    migration.fill(django_apps, None)

    profile = Profile.objects.get(user=ana)
    assert (profile.department, profile.location) == ("Treasury", "Lisbon")
    assert list(profile.offers.all()) == [topics["feedback"]]
    assert not Profile.objects.filter(user__in=[gone, withdrawn]).exists()
