"""Enrolling in a program from its page: the form, its rules, editing and withdrawing."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from wagtail.models import PageViewRestriction

from journeys.factories import ProgramPageFactory
from journeys.models import ProgramPage
from matching.forms import (
    EnrollmentForm,
    clean_answer,
    clean_capacity,
    clean_languages,
    clean_seniority,
    clean_time_zone,
    find_people,
    parse_emails,
    question_field_name,
)
from matching.models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    ProgramAttribute,
    ProgramQuestion,
    ProposalStatus,
    QuestionKind,
    RoleWanted,
)
from tests import hostile

pytestmark = pytest.mark.django_db


def enrol_url(program):
    return reverse("matching:enrol", args=[program.pk])


def withdraw_url(program):
    return reverse("matching:withdraw", args=[program.pk])


def text_of(response):
    """The page's text without tags, as a reader would see it."""
    html = response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def buttons(response):
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", label)).split())
        for label in re.findall(r"<button[^>]*>(.*?)</button>", response.content.decode(), re.S)
    ]


def q(question):
    return question_field_name(question)


@pytest.fixture
def person(user_factory):
    return user_factory(email="ana@example.com", first_name="Ana", last_name="Silva")


@pytest.fixture
def colleagues(user_factory):
    return {
        "manager": user_factory(email="boss@example.com"),
        "avoid1": user_factory(email="ex@example.com"),
        "avoid2": user_factory(email="rival@example.com"),
    }


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def mentee_data(**overrides):
    data = {
        "role": RoleWanted.MENTEE,
        "capacity": "",
        "department": "Finance",
        "location": "Lisbon",
        "time_zone": "Europe/Lisbon",
        "seniority": "3",
        "languages": "EN, pt",
        "reports_to": "",
        "avoid": "",
        "goals": "Speak up in meetings.",
    }
    data.update(overrides)
    return data


def answers_data(questions, topics):
    return {
        q(questions[QuestionKind.SINGLE]): "Video call",
        q(questions[QuestionKind.MULTIPLE]): ["Mornings", "Evenings"],
        q(questions[QuestionKind.SCALE]): "4",
        q(questions[QuestionKind.TEXT]): "  I work four days a week.  ",
        q(questions[QuestionKind.TOPICS]): [topics["negotiation"].slug, topics["feedback"].slug],
    }


# Who may see the pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["matching:enrol", "matching:withdraw"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, program, name, method):
    url = reverse(name, args=[program.pk])

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"
    assert not Enrollment.objects.exists()


def test_a_program_that_is_not_live_or_does_not_exist_is_not_found(signed_in, home):
    draft = ProgramPageFactory(parent=home, title="Secret plans", live=False)

    assert signed_in.get(enrol_url(draft)).status_code == 404
    assert signed_in.post(enrol_url(draft), mentee_data()).status_code == 404
    assert signed_in.get(reverse("matching:enrol", args=[draft.pk + 999])).status_code == 404
    assert not Enrollment.objects.exists()


def test_a_program_restricted_to_a_group_is_not_found_by_others(signed_in, program):
    restriction = PageViewRestriction.objects.create(
        page=program, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Engineering"))

    assert signed_in.get(enrol_url(program)).status_code == 404
    assert signed_in.post(enrol_url(program), mentee_data()).status_code == 404
    assert not Enrollment.objects.exists()


# The page -------------------------------------------------------------------------------


def test_the_enrol_page_asks_every_question_and_never_says_submit(
    signed_in, program, questions, attributes
):
    response = signed_in.get(enrol_url(program))

    assert response.status_code == 200
    page = text_of(response)
    for question in questions.values():
        assert question.label in page
    assert "How do you like to meet? (required)" in page
    assert "Parent or carer" in page
    assert "Someone who knows the juggling." in page
    assert "Things you may choose to share (optional)" in page
    assert buttons(response) == ["Sign out", "Enrol"]
    assert "submit" not in page.lower()
    html = response.content.decode()
    assert 'type="radio"' in html
    assert 'type="checkbox"' in html
    assert "<legend" in html


def test_every_field_has_help_text_for_the_participant(signed_in, program, questions, attributes):
    form = signed_in.get(enrol_url(program)).context["form"]

    missing = [name for name, field in form.fields.items() if not str(field.help_text).strip()]

    assert missing == []


@pytest.mark.parametrize("kind", [QuestionKind.TEXT, QuestionKind.SINGLE])
def test_what_editors_typed_into_a_question_is_shown_as_text(signed_in, program, kind):
    """Whoever edits a program cannot run script in the browsers of those who enrol."""
    ProgramQuestion.objects.create(
        program=program,
        kind=kind,
        label=hostile.HOSTILE_LINE,
        help_text=hostile.HOSTILE_LINE,
        choices=f"{hostile.SCRIPT}\n{hostile.IMAGE}",
    )
    ProgramAttribute.objects.create(
        program=program, label=hostile.HOSTILE_LINE, help_text=hostile.HOSTILE_LINE
    )

    response = signed_in.get(enrol_url(program))

    html = response.content.decode()
    hostile.assert_neutralised(html)
    assert html.count("&lt;script&gt;alert(&#x27;typed&#x27;)&lt;/script&gt;") >= 4
    assert hostile.HOSTILE_LINE in text_of(response)


# Enrolling ------------------------------------------------------------------------------


def test_a_mentee_enrols_answering_every_kind_of_question(
    signed_in, person, program, questions, attributes, topics, colleagues
):
    data = {
        **mentee_data(
            reports_to="BOSS@example.com",
            avoid="ex@example.com\nrival@example.com, ex@example.com",
            topics_sought=[topics["public-speaking"].pk],
            attributes=[str(attributes[1].key)],
        ),
        **answers_data(questions, topics),
    }

    response = signed_in.post(enrol_url(program), data)

    assert response.status_code == 302
    assert response.url == enrol_url(program)
    enrollment = Enrollment.objects.get(program=program, user=person)
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert enrollment.role == RoleWanted.MENTEE
    assert enrollment.capacity == 1
    assert enrollment.languages == ["en", "pt"]
    assert enrollment.time_zone == "Europe/Lisbon"
    assert enrollment.seniority == 3
    assert enrollment.department == "Finance"
    assert enrollment.reports_to == colleagues["manager"]
    assert set(enrollment.avoid.all()) == {colleagues["avoid1"], colleagues["avoid2"]}
    assert list(enrollment.topics_sought.all()) == [topics["public-speaking"]]
    assert enrollment.attributes == [str(attributes[1].key)]
    assert enrollment.answers == {
        str(questions[QuestionKind.SINGLE].key): "Video call",
        str(questions[QuestionKind.MULTIPLE].key): ["Mornings", "Evenings"],
        str(questions[QuestionKind.SCALE].key): 4,
        str(questions[QuestionKind.TEXT].key): "I work four days a week.",
        str(questions[QuestionKind.TOPICS].key): ["feedback", "negotiation"],
    }
    followed = signed_in.get(response.url)
    assert "You are enrolled in Growing leaders" in text_of(followed)


def test_optional_questions_left_blank_store_no_answer(signed_in, person, program, questions):
    data = {**mentee_data(), q(questions[QuestionKind.SINGLE]): "In person"}

    signed_in.post(enrol_url(program), data)

    enrollment = Enrollment.objects.get(user=person)
    assert enrollment.answers == {str(questions[QuestionKind.SINGLE].key): "In person"}
    assert enrollment.attributes == []


def test_a_mentor_enrols_with_room_for_several_people(signed_in, person, program, topics):
    data = mentee_data(
        role=RoleWanted.MENTOR,
        capacity="3",
        topics_offered=[topics["feedback"].pk, topics["negotiation"].pk],
    )

    response = signed_in.post(enrol_url(program), data)

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=person)
    assert enrollment.role == RoleWanted.MENTOR
    assert enrollment.capacity == 3
    assert enrollment.can_mentor
    assert set(enrollment.topics_offered.all()) == {topics["feedback"], topics["negotiation"]}


def test_the_capacity_question_says_a_whole_circle_takes_one_place(signed_in, program):
    """As matching counts places: never one per circle member."""
    text = text_of(signed_in.get(enrol_url(program)))

    assert "a whole circle you lead takes one place" in text
    assert "a circle counts each member" not in text


@pytest.mark.parametrize("role", [RoleWanted.MENTOR, RoleWanted.EITHER])
@pytest.mark.parametrize("capacity", ["", "0"])
def test_whoever_may_mentor_must_have_room_for_someone(signed_in, program, role, capacity):
    response = signed_in.post(enrol_url(program), mentee_data(role=role, capacity=capacity))

    assert response.status_code == 400
    assert "As a mentor, say how many people you have room for: at least 1." in text_of(response)
    assert not Enrollment.objects.exists()


def test_a_mentees_capacity_is_ignored_whatever_was_typed(signed_in, person, program):
    response = signed_in.post(enrol_url(program), mentee_data(capacity="lots"))

    assert response.status_code == 302
    assert Enrollment.objects.get(user=person).capacity == 1


def test_the_role_must_be_chosen(signed_in, program):
    response = signed_in.post(enrol_url(program), mentee_data(role=""))

    assert response.status_code == 400
    assert "Choose whether you want to mentor, be mentored, or either." in text_of(response)


# What the form refuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "en, english", "'english' is not a language code."),
        ("languages", "e, fr, 12", "'e' and '12' are not language codes."),
        ("time_zone", "Europe/Londn", "'Europe/Londn' is not a time zone we know"),
        ("time_zone", "localtime", "'localtime' is not a time zone we know"),
        ("seniority", "12", "'12' is not between 1 and 10."),
        ("reports_to", "nobody@example.com", "Nobody here has the email address"),
        ("reports_to", "boss@example.com, ex@example.com", "Give one email address only."),
        ("reports_to", "ana@example.com", "'ana@example.com' is your own email address"),
        ("avoid", "ex@example.com\nghost@example.com", "'ghost@example.com'"),
        ("avoid", "ANA@example.com", "'ana@example.com' is your own email address"),
        ("avoid", "not-an-email", "'not-an-email' is not an email address."),
    ],
)
def test_mistakes_are_refused_with_a_sentence_naming_them(
    signed_in, program, colleagues, field, value, message
):
    response = signed_in.post(enrol_url(program), mentee_data(**{field: value}))

    assert response.status_code == 400
    assert message in text_of(response)
    assert "Please check the details below." in text_of(response)
    assert not Enrollment.objects.exists()


def errors_next_to(response, name):
    """The error messages shown beside the field ``name``."""
    html = response.content.decode()
    found = re.search(rf'<ul class="field__errors" id="id_{name}_errors">(.*?)</ul>', html, re.S)
    assert found, f"no errors shown next to {name}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("goals", "g" * 2001, "at most 2000 characters (it has 2001)"),
        ("goals", "Speak\x00up", "Null characters are not allowed."),
        ("goals", "Speak\x07up", "control character (U+0007)"),
        ("department", "d" * 121, "at most 120 characters (it has 121)"),
        ("department", "Fin\tance", "This must be one line of text, but it holds a tab"),
        ("location", "Lis\x1bbon", "control character (U+001B)"),
        ("avoid", "a@example.com " * 200, "at most 2000 characters"),
        ("languages", "en, " * 60, "at most 200 characters"),
        ("capacity", "9" * 5000, "at most 10 characters"),
        ("seniority", "9" * 5000, "at most 10 characters"),
    ],
)
def test_text_past_its_limit_or_with_control_characters_is_refused_next_to_it(
    signed_in, program, field, value, message
):
    response = signed_in.post(
        enrol_url(program), mentee_data(role=RoleWanted.EITHER, **{field: value})
    )

    assert response.status_code == 400
    assert message in errors_next_to(response, field)
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("a" * 2001, "at most 2000 characters (it has 2001)"),
        ("Four\x0bdays", "control character (U+000B)"),
    ],
)
def test_a_free_text_answer_past_its_limit_or_with_control_characters_is_refused(
    signed_in, program, questions, answer, message
):
    text = questions[QuestionKind.TEXT]
    data = {**mentee_data(), q(questions[QuestionKind.SINGLE]): "In person", q(text): answer}

    response = signed_in.post(enrol_url(program), data)

    assert response.status_code == 400
    assert message in errors_next_to(response, q(text))
    assert not Enrollment.objects.exists()


def test_goals_and_answers_may_hold_line_breaks_and_tabs(signed_in, person, program, questions):
    text = questions[QuestionKind.TEXT]
    data = {
        **mentee_data(goals="Speak up.\r\n\tListen more."),
        q(questions[QuestionKind.SINGLE]): "In person",
        q(text): "Mondays\r\nFridays",
    }

    response = signed_in.post(enrol_url(program), data)

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=person)
    assert enrollment.goals == "Speak up.\r\n\tListen more."
    assert enrollment.answers[str(text.key)] == "Mondays\r\nFridays"


def test_a_mistake_keeps_what_was_typed(signed_in, program):
    response = signed_in.post(
        enrol_url(program), mentee_data(languages="en, klingon", goals="Lead well.")
    )

    html = response.content.decode()
    assert 'value="en, klingon"' in html
    assert "Lead well." in html


def test_unknown_emails_are_all_named(signed_in, program):
    response = signed_in.post(
        enrol_url(program), mentee_data(avoid="ghost@example.com; phantom@example.com")
    )

    assert (
        "Nobody here has the email addresses 'ghost@example.com' and 'phantom@example.com'; "
        "check the spelling." in text_of(response)
    )


def test_required_questions_and_bad_answers_are_refused(signed_in, program, questions):
    data = {
        **mentee_data(),
        q(questions[QuestionKind.MULTIPLE]): ["Mornings", "Weekends"],
        q(questions[QuestionKind.SCALE]): "9",
        q(questions[QuestionKind.TEXT]): "x" * 2001,
        q(questions[QuestionKind.TOPICS]): ["knitting"],
    }

    response = signed_in.post(enrol_url(program), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[q(questions[QuestionKind.SINGLE])] == ["This question needs an answer."]
    for kind in (
        QuestionKind.MULTIPLE,
        QuestionKind.SCALE,
        QuestionKind.TEXT,
        QuestionKind.TOPICS,
    ):
        assert q(questions[kind]) in errors
    assert not Enrollment.objects.exists()


def test_an_inactive_colleague_cannot_be_named(signed_in, program, user_factory):
    user_factory(email="gone@example.com", is_active=False)

    response = signed_in.post(enrol_url(program), mentee_data(reports_to="gone@example.com"))

    assert "The account of 'gone@example.com' is no longer active." in text_of(response)


# Editing until matched ------------------------------------------------------------------


def test_an_enrolled_person_changes_their_answers(
    signed_in, person, program, questions, enrollment_factory
):
    enrollment = enrollment_factory(
        person, languages=["en"], answers={str(questions[QuestionKind.SINGLE].key): "In person"}
    )

    page = signed_in.get(enrol_url(program))
    assert buttons(page) == ["Sign out", "Save my answers"]
    assert "You are enrolled as a mentee and waiting to be matched." in text_of(page)
    assert 'value="en"' in page.content.decode()

    response = signed_in.post(
        enrol_url(program),
        {**mentee_data(languages="fr"), q(questions[QuestionKind.SINGLE]): "Video call"},
    )

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.languages == ["fr"]
    assert enrollment.answers[str(questions[QuestionKind.SINGLE].key)] == "Video call"
    assert "Your answers are saved." in text_of(signed_in.get(response.url))
    assert Enrollment.objects.count() == 1


def test_answers_to_questions_the_program_no_longer_asks_are_kept(
    signed_in, person, program, enrollment_factory
):
    enrollment = enrollment_factory(person, answers={"old-question": "kept"})

    signed_in.post(enrol_url(program), mentee_data())

    enrollment.refresh_from_db()
    assert enrollment.answers == {"old-question": "kept"}


def test_once_matched_nothing_can_be_changed(signed_in, person, program, enrollment_factory):
    enrollment = enrollment_factory(person, department="Sales", status=EnrollmentStatus.MATCHED)

    page = signed_in.get(enrol_url(program))

    assert page.status_code == 200
    assert "You have been matched; ask your program admin to change anything." in text_of(page)
    assert "form" not in page.context or page.context["form"] is None
    assert buttons(page) == ["Sign out"]

    response = signed_in.post(enrol_url(program), mentee_data(department="Finance"))

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.department == "Sales"
    assert enrollment.status == EnrollmentStatus.MATCHED
    assert "You have been matched" in text_of(signed_in.get(response.url))


def test_the_form_itself_refuses_a_matched_enrolment(person, program, enrollment_factory):
    enrollment = enrollment_factory(person, status=EnrollmentStatus.MATCHED)

    form = EnrollmentForm(mentee_data(), instance=enrollment, program=program)

    assert not form.is_valid()
    assert form.non_field_errors() == [
        "You have been matched; ask your program admin to change anything."
    ]


def test_urls_act_only_on_the_viewers_own_enrolment(
    client, person, program, user_factory, enrollment_factory
):
    theirs = enrollment_factory(person, department="Sales")
    intruder = user_factory(email="intruder@example.com")
    client.force_login(intruder)

    page = client.get(enrol_url(program))
    assert "Sales" not in page.content.decode()
    client.post(enrol_url(program), mentee_data(department="Hacked"))
    client.post(withdraw_url(program))

    theirs.refresh_from_db()
    assert theirs.department == "Sales"
    assert theirs.status == EnrollmentStatus.ENROLLED
    own = Enrollment.objects.get(user=intruder)
    assert own.department == "Hacked"
    assert own.status == EnrollmentStatus.WITHDRAWN


# Withdrawing ----------------------------------------------------------------------------


def test_withdrawing_asks_first_then_keeps_the_row(signed_in, person, program, enrollment_factory):
    enrollment = enrollment_factory(person)

    page = signed_in.get(withdraw_url(program))
    assert page.status_code == 200
    assert buttons(page) == ["Sign out", "Withdraw from the program"]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED

    response = signed_in.post(withdraw_url(program))

    assert response.status_code == 302
    assert response.url == program.url
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert "You have withdrawn from Growing leaders." in text_of(signed_in.get(response.url))


def test_a_matched_person_can_withdraw_too(signed_in, person, program, enrollment_factory):
    enrollment = enrollment_factory(person, status=EnrollmentStatus.MATCHED)

    page = signed_in.get(withdraw_url(program))
    assert "You have already been matched." in text_of(page)
    signed_in.post(withdraw_url(program))

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN


def test_withdrawing_without_an_enrolment_changes_nothing(signed_in, program):
    page = signed_in.get(withdraw_url(program))
    assert "You are not enrolled in Growing leaders" in text_of(page)
    assert buttons(page) == ["Sign out"]

    response = signed_in.post(withdraw_url(program))

    assert response.status_code == 302
    assert not Enrollment.objects.exists()


def test_enrolling_again_after_withdrawing_reopens_the_same_row(
    signed_in, person, program, enrollment_factory
):
    enrollment = enrollment_factory(person, status=EnrollmentStatus.WITHDRAWN, department="Sales")

    page = signed_in.get(enrol_url(program))
    assert buttons(page) == ["Sign out", "Enrol"]
    assert "You withdrew from this program." in text_of(page)
    assert 'value="Sales"' in page.content.decode()

    signed_in.post(enrol_url(program), mentee_data(department="Finance"))

    assert Enrollment.objects.get().pk == enrollment.pk
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert enrollment.department == "Finance"


def test_enrolling_again_after_withdrawing_waits_to_be_matched_when_no_match_runs(
    signed_in, person, program, enrollment_factory, user_factory
):
    enrollment = enrollment_factory(person, status=EnrollmentStatus.WITHDRAWN)
    mentor = enrollment_factory(user_factory(), role=RoleWanted.MENTOR, capacity=1)
    MatchProposal.objects.create(
        program=program,
        mentee=enrollment,
        mentor=mentor,
        status=ProposalStatus.ENDED,
        ended_on=datetime.date(2026, 1, 5),
    )

    response = signed_in.post(enrol_url(program), mentee_data())

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED
    page = text_of(signed_in.get(response.url))
    assert "We will let you know when you have been matched." in page


def test_enrolling_again_while_a_match_still_runs_is_matched_not_waiting(
    signed_in, person, program, enrollment_factory, user_factory
):
    """Withdrawing leaves a running match and its journey as they are; enrolling again,
    the person is back in that match, not waiting for (and offered) another."""
    enrollment = enrollment_factory(person, status=EnrollmentStatus.MATCHED)
    mentor = enrollment_factory(
        user_factory(), role=RoleWanted.MENTOR, capacity=2, status=EnrollmentStatus.MATCHED
    )
    MatchProposal.objects.create(
        program=program, mentee=enrollment, mentor=mentor, status=ProposalStatus.APPROVED
    )
    signed_in.post(withdraw_url(program))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN

    response = signed_in.post(enrol_url(program), mentee_data(department="Finance"))

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.MATCHED
    assert enrollment.department == "Finance"
    page = text_of(signed_in.get(response.url))
    assert "You are enrolled in Growing leaders again, in the match you already have." in page
    assert "You have been matched; ask your program admin to change anything." in page


# Closed enrolment -----------------------------------------------------------------------


def test_closed_enrolment_shows_a_friendly_page_and_refuses_to_enrol(signed_in, program):
    program.enrolment_open = False
    program.save_revision().publish()

    page = signed_in.get(enrol_url(program))

    assert page.status_code == 200
    assert "Enrolment is closed" in text_of(page)
    assert buttons(page) == ["Sign out"]

    response = signed_in.post(enrol_url(program), mentee_data())

    assert response.status_code == 302
    assert not Enrollment.objects.exists()
    assert "Enrolment in Growing leaders is closed." in text_of(signed_in.get(response.url))


def test_someone_enrolled_can_still_change_answers_after_enrolment_closes(
    signed_in, person, program, enrollment_factory
):
    enrollment = enrollment_factory(person)
    program.enrolment_open = False
    program.save_revision().publish()

    response = signed_in.post(enrol_url(program), mentee_data(department="Finance"))

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.department == "Finance"


def test_someone_who_withdrew_cannot_enrol_again_once_closed(
    signed_in, person, program, enrollment_factory
):
    enrollment = enrollment_factory(person, status=EnrollmentStatus.WITHDRAWN)
    program.enrolment_open = False
    program.save_revision().publish()

    assert "Enrolment is closed" in text_of(signed_in.get(enrol_url(program)))
    signed_in.post(enrol_url(program), mentee_data())

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN


# The program page -----------------------------------------------------------------------


def test_the_program_page_invites_visitors_to_enrol(client, program):
    page = client.get(program.url)

    assert page.status_code == 200
    assert f'href="{enrol_url(program)}"' in page.content.decode()
    assert "submit" not in text_of(page).lower()


def test_the_program_page_tells_an_enrolled_person_their_role(
    signed_in, person, program, enrollment_factory
):
    enrollment_factory(person, role=RoleWanted.EITHER, capacity=2)

    page = text_of(signed_in.get(program.url))

    assert "You are enrolled as a mentor or a mentee and waiting to be matched." in page
    assert "Change my enrolment" in page


def test_the_program_page_says_when_someone_is_matched(
    signed_in, person, program, enrollment_factory
):
    enrollment_factory(person, role=RoleWanted.MENTOR, status=EnrollmentStatus.MATCHED)

    page = text_of(signed_in.get(program.url))

    assert "You are enrolled as a mentor and have been matched." in page
    assert "Change my enrolment" not in page


def test_the_program_page_offers_nothing_when_enrolment_is_closed(client, program):
    program.enrolment_open = False
    program.save_revision().publish()

    page = client.get(program.url).content.decode()

    assert enrol_url(program) not in page


def test_the_editors_preview_of_an_unsaved_program_shows_no_enrolment_panel(rf, person):
    request = rf.get("/")
    request.user = person
    template = Template("{% load matching_tags %}{% enrolment_panel page %}")

    html = template.render(Context({"request": request, "page": ProgramPage(title="Draft")}))

    assert html.strip() == ""


# The shared rules -----------------------------------------------------------------------


def test_languages_are_lower_case_codes_each_once():
    assert clean_languages("EN, fr; en  yue") == ["en", "fr", "yue"]
    assert clean_languages("") == []
    # ISO 639-2 and 639-3 codes of a language with a two-letter code are stored as that.
    assert clean_languages("eng, fre, ger, de") == ["en", "fr", "de"]
    with pytest.raises(ValidationError, match="'xx' and 'qq' are not language codes"):
        clean_languages("en, xx, qq")
    with pytest.raises(ValidationError, match="'english' is not a language code"):
        clean_languages("english")


def test_time_zones_are_known_names_in_their_usual_spelling():
    assert clean_time_zone("europe/london") == "Europe/London"
    assert clean_time_zone("  ") == ""
    with pytest.raises(ValidationError, match="did you mean 'Europe/London'"):
        clean_time_zone("Europe/Londn")


@pytest.mark.parametrize(("value", "expected"), [("", None), ("1", 1), (" 10 ", 10), (7, 7)])
def test_seniority_is_a_level_from_1_to_10(value, expected):
    assert clean_seniority(value) == expected


@pytest.mark.parametrize("value", ["0", "11", "senior", "3.5", True])
def test_seniority_outside_1_to_10_is_refused(value):
    with pytest.raises(ValidationError):
        clean_seniority(value)


def test_capacity_matters_only_for_those_who_may_mentor():
    assert clean_capacity(RoleWanted.MENTEE, "nonsense") == 1
    assert clean_capacity(RoleWanted.EITHER, "2") == 2
    with pytest.raises(ValidationError, match="more than 20"):
        clean_capacity(RoleWanted.MENTOR, "30")


def test_emails_are_parsed_from_lines_commas_and_semicolons(user_factory):
    assert parse_emails("A@x.org\nb@x.org; c@x.org, a@x.org") == ["a@x.org", "b@x.org", "c@x.org"]
    with pytest.raises(ValidationError, match="this person's own email address"):
        parse_emails("me@x.org", own_email="me@x.org", yourself=False)
    known = user_factory(email="known@x.org")
    assert find_people(["known@x.org"]) == {"known@x.org": known}
    assert find_people(["new@x.org"], also_known={"new@x.org"}) == {}


def test_answers_are_stored_in_the_shape_matching_reads(questions, topics):
    single = questions[QuestionKind.SINGLE]
    multiple = questions[QuestionKind.MULTIPLE]
    scale = questions[QuestionKind.SCALE]
    picker = questions[QuestionKind.TOPICS]
    every_topic = list(topics.values())

    assert clean_answer(single, "video CALL") == "Video call"
    assert clean_answer(multiple, "lunch; Mornings; lunch") == ["Lunch", "Mornings"]
    assert clean_answer(scale, "5") == 5
    assert clean_answer(picker, ["Negotiation", "feedback"], topics=every_topic) == [
        "negotiation",
        "feedback",
    ]
    assert clean_answer(multiple, []) is None
    with pytest.raises(ValidationError, match=r"This question needs an answer\."):
        clean_answer(single, "")
    with pytest.raises(ValidationError, match=r"'6' is not between 1 and 5\."):
        clean_answer(scale, "6")
    with pytest.raises(ValidationError, match="'Maybe' is not one of the choices"):
        clean_answer(single, "Maybe")


def test_a_multiple_choice_question_refuses_a_choice_holding_the_list_separator(program):
    """An import separates the choices of a multiple-choice answer with ";", so a
    choice holding one could never be imported."""
    question = ProgramQuestion(
        program=program,
        label="When are you free?",
        kind=QuestionKind.MULTIPLE,
        choices="Mornings; before nine\nLunch",
    )

    with pytest.raises(ValidationError) as excinfo:
        question.full_clean()

    assert excinfo.value.message_dict == {
        "choices": [
            "'Mornings; before nine' holds a “;”, which separates the choices of a "
            "multiple-choice answer in an imported file; write it without one, e.g. with "
            "a comma."
        ]
    }
    question.kind = QuestionKind.SINGLE
    question.full_clean()  # one choice only: nothing to separate


@pytest.mark.parametrize("kind", [QuestionKind.SINGLE, QuestionKind.MULTIPLE])
def test_a_question_refuses_two_choices_that_differ_only_in_case(program, kind):
    """Answers are matched to choices whatever their case, so "Yes" and "yes" would be
    one answer offered twice."""
    question = ProgramQuestion(program=program, label="Remote?", kind=kind, choices="Yes\nNo\nyes")

    with pytest.raises(ValidationError) as excinfo:
        question.full_clean()

    assert excinfo.value.message_dict == {
        "choices": ["'yes' is the same choice as 'Yes': each choice can appear only once."]
    }
