"""Importing enrolments from CSV: good files, every kind of bad row, and the command."""

import csv
from io import BytesIO, StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from journeys.factories import JourneyPageFactory
from journeys.models import MemberRole
from journeys.services.starting import start_journey
from matching.importer import (
    EnrolmentImportAborted,
    EnrolmentImportError,
    find_program,
    import_enrolments,
)
from matching.models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    MentorRequest,
    QuestionKind,
    RoleWanted,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

COLUMNS = [
    "Email",
    "First_Name",
    "last_name",
    "role",
    "capacity",
    "topics_offered",
    "topics_sought",
    "department",
    "location",
    "time_zone",
    "seniority",
    "languages",
    "reports_to",
    "avoid",
    "goals",
    "attributes",
    "q:How do you like to meet?",
    "q:When are you free?",
    "q:How much do you like structure?",
    "q:Anything else we should know?",
    "q:Which topics matter most?",
]
ANA = [
    "ana@example.com",
    "Ana",
    "Silva",
    "mentee",
    "",
    "",
    "Negotiation;public-speaking",
    "Finance",
    "Lisbon",
    "europe/lisbon",
    "3",
    "EN;pt",
    "boss@example.com",
    "raj@example.com",
    "Speak up in meetings",
    "Parent or carer",
    "Video call",
    "Mornings;evenings",
    "4",
    '"Four days a week, mostly remote"',
    "feedback",
]
RAJ = [
    "raj@example.com",
    "Raj",
    "Patel",
    "mentor",
    "2",
    "feedback;negotiation",
    "",
    "Sales",
    "London",
    "Europe/London",
    "7",
    "en",
    "",
    "",
    "Give back",
    "",
    "In person",
    "Lunch",
    "2",
    "",
    "negotiation",
]
GOOD = "".join(",".join(row) + "\n" for row in (COLUMNS, ANA, RAJ))


@pytest.fixture
def boss(user_factory):
    return user_factory(email="boss@example.com", first_name="Bo", last_name="Ss")


@pytest.fixture
def setup(program, questions, attributes, topics, boss):
    """The program with every kind of question, two attributes, three topics, and a boss."""
    return program


def run_import(program, text, **options):
    return import_enrolments(program, StringIO(text), **options)


def command(program, path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_enrolments", str(program), str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return Enrollment.objects.count(), User.objects.count()


def with_row(row, *, before=GOOD):
    return before + row + "\n"


def errors_of(excinfo):
    return [str(error) for error in excinfo.value.errors]


# A good file ---------------------------------------------------------------------------


def test_a_good_file_enrols_everyone_with_every_column(setup, questions, attributes, topics, boss):
    result = run_import(setup, GOOD)

    assert result.created == ["ana@example.com", "raj@example.com"]
    assert result.updated == []
    assert result.accounts_created == ["ana@example.com", "raj@example.com"]
    assert result.summary() == "Imported 2 enrolments (2 new, 0 updated)."
    ana = Enrollment.objects.get(user__email="ana@example.com")
    assert (ana.user.first_name, ana.user.last_name) == ("Ana", "Silva")
    assert not ana.user.has_usable_password()
    assert ana.role == RoleWanted.MENTEE
    assert ana.capacity == 1
    assert ana.status == EnrollmentStatus.ENROLLED
    assert ana.time_zone == "Europe/Lisbon"
    assert ana.seniority == 3
    assert ana.languages == ["en", "pt"]
    assert ana.reports_to == boss
    assert [u.email for u in ana.avoid.all()] == ["raj@example.com"]
    assert set(ana.topics_sought.all()) == {topics["negotiation"], topics["public-speaking"]}
    assert ana.attributes == [str(attributes[0].key)]
    assert ana.goals == "Speak up in meetings"
    assert ana.answers == {
        str(questions[QuestionKind.SINGLE].key): "Video call",
        str(questions[QuestionKind.MULTIPLE].key): ["Mornings", "Evenings"],
        str(questions[QuestionKind.SCALE].key): 4,
        str(questions[QuestionKind.TEXT].key): "Four days a week, mostly remote",
        str(questions[QuestionKind.TOPICS].key): ["feedback"],
    }
    raj = Enrollment.objects.get(user__email="raj@example.com")
    assert raj.role == RoleWanted.MENTOR
    assert raj.capacity == 2
    assert raj.reports_to is None
    assert set(raj.topics_offered.all()) == {topics["feedback"], topics["negotiation"]}
    assert str(questions[QuestionKind.TEXT].key) not in raj.answers


def test_existing_accounts_keep_their_names_and_bytes_with_a_bom_are_read(setup, user_factory):
    existing = user_factory(email="ana@example.com", first_name="Ana Maria", last_name="Silva")

    result = import_enrolments(setup, BytesIO(("\ufeff" + GOOD).encode()))

    assert result.accounts_created == ["raj@example.com"]
    existing.refresh_from_db()
    assert existing.first_name == "Ana Maria"
    assert Enrollment.objects.filter(user=existing).exists()


def test_columns_left_out_take_the_defaults(program):
    result = run_import(program, "email\nnew@example.com\n")

    assert result.created == ["new@example.com"]
    enrollment = Enrollment.objects.get()
    assert (enrollment.role, enrollment.capacity, enrollment.languages) == ("mentee", 1, [])


def test_people_can_name_someone_the_file_itself_adds(program):
    text = (
        "email,role,capacity,reports_to\n"
        "ana@example.com,mentee,,raj@example.com\n"
        "raj@example.com,mentor,1,\n"
    )

    run_import(program, text)

    ana = Enrollment.objects.get(user__email="ana@example.com")
    assert ana.reports_to.email == "raj@example.com"


# Updating ------------------------------------------------------------------------------


def test_importing_again_updates_enrolments_and_leaves_out_what_the_file_leaves_out(
    setup, questions
):
    run_import(setup, GOOD)
    ana = Enrollment.objects.get(user__email="ana@example.com")

    result = run_import(setup, "email,department,seniority\nana@example.com,Legal,\n")

    assert result.summary() == "Imported 1 enrolment (0 new, 1 updated)."
    ana_after = Enrollment.objects.get(pk=ana.pk)
    assert ana_after.department == "Legal"
    assert ana_after.seniority is None
    assert ana_after.languages == ["en", "pt"]
    assert ana_after.time_zone == "Europe/Lisbon"
    assert ana_after.answers == ana.answers
    assert ana_after.topics_sought.count() == 2
    assert Enrollment.objects.count() == 2


def test_a_withdrawn_enrolment_is_updated_but_stays_withdrawn(
    program, user_factory, enrollment_factory
):
    person = user_factory(email="ana@example.com")
    enrollment = enrollment_factory(person, status=EnrollmentStatus.WITHDRAWN)

    result = run_import(program, "email,department\nana@example.com,Legal\n")

    assert result.updated == ["ana@example.com"]
    assert result.still_withdrawn == ["ana@example.com"]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert enrollment.department == "Legal"


def test_a_matched_enrolment_cannot_be_changed(program, user_factory, enrollment_factory):
    person = user_factory(email="ana@example.com")
    enrollment = enrollment_factory(person, department="Sales", status=EnrollmentStatus.MATCHED)

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(program, "email,department\nana@example.com,Legal\n")

    assert errors_of(excinfo) == [
        "Row 2, column 'email': 'ana@example.com' has already been matched in this program, "
        "so the import cannot change their enrolment."
    ]
    enrollment.refresh_from_db()
    assert enrollment.department == "Sales"


def test_the_role_of_someone_whose_journey_runs_cannot_change_even_withdrawn(
    program, user_factory, enrollment_factory
):
    """Withdrawing leaves the journey running, started for the role they hold."""
    mentor = enrollment_factory(
        user_factory(email="ana@example.com"), role=RoleWanted.MENTOR, capacity=2
    )
    mentee = enrollment_factory(user_factory(email="bo@example.com"), role=RoleWanted.MENTEE)
    journey = start_journey(
        program,
        [(mentor.user, MemberRole.MENTOR), (mentee.user, MemberRole.MENTEE)],
        timezone.localdate(),
        template=JourneyPageFactory(parent=program),
    )
    MatchProposal.objects.create(
        program=program, mentee=mentee, mentor=mentor, status="approved", journey=journey
    )
    Enrollment.objects.filter(pk=mentor.pk).update(status=EnrollmentStatus.WITHDRAWN)

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(program, "email,role,department\nana@example.com,mentee,Legal\n")

    assert errors_of(excinfo) == [
        "Row 2, column 'role': 'ana@example.com' walks in 1 running journey, so the "
        "import cannot change their role while it goes on."
    ]
    mentor.refresh_from_db()
    assert (mentor.role, mentor.department) == (RoleWanted.MENTOR, "")

    result = run_import(program, "email,role,department\nana@example.com,mentor,Legal\n")
    assert result.updated == ["ana@example.com"]


def test_a_capacity_cannot_go_below_the_journeys_a_withdrawn_mentor_still_leads(
    program, user_factory, enrollment_factory, csv_file
):
    """Withdrawing leaves the journeys running; each pair, and a whole circle, holds a place."""
    mentor = enrollment_factory(
        user_factory(email="ana@example.com"), role=RoleWanted.MENTOR, capacity=3
    )
    template = JourneyPageFactory(parent=program)
    mentees = [
        enrollment_factory(user_factory(email=f"m{n}@example.com"), role=RoleWanted.MENTEE)
        for n in range(4)
    ]
    for group in (mentees[:1], mentees[1:]):
        role = MemberRole.MEMBER if len(group) > 1 else MemberRole.MENTEE
        journey = start_journey(
            program,
            [(mentor.user, MemberRole.MENTOR), *((m.user, role) for m in group)],
            timezone.localdate(),
            template=template,
        )
        for mentee in group:
            MatchProposal.objects.create(
                program=program, mentee=mentee, mentor=mentor, status="approved", journey=journey
            )
    Enrollment.objects.filter(pk=mentor.pk).update(status=EnrollmentStatus.WITHDRAWN)
    path = csv_file("email,capacity,department\nana@example.com,1,Legal\n")

    with pytest.raises(CommandError) as excinfo:
        command(program.pk, path)

    assert (
        "Row 2, column 'capacity': 'ana@example.com' already leads 2 running journeys (a "
        "whole circle counts as one), so the import cannot set their capacity below 2."
    ) in str(excinfo.value)
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (3, "")

    result = run_import(program, "email,capacity,department\nana@example.com,2,Legal\n")
    assert result.updated == ["ana@example.com"]
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (2, "Legal")


def test_a_capacity_cannot_go_below_the_requests_waiting_for_the_mentors_answer(
    program, user_factory, enrollment_factory, csv_file
):
    """A pending self-match request holds a place until the mentor answers it."""
    mentor = enrollment_factory(
        user_factory(email="ana@example.com"), role=RoleWanted.MENTOR, capacity=3
    )
    for n in range(2):
        mentee = enrollment_factory(
            user_factory(email=f"m{n}@example.com"), role=RoleWanted.MENTEE
        )
        MentorRequest.objects.create(program=program, mentee=mentee, mentor=mentor)
    path = csv_file("email,capacity,department\nana@example.com,1,Legal\n")

    with pytest.raises(CommandError) as excinfo:
        command(program.pk, path)

    assert (
        "Row 2, column 'capacity': 'ana@example.com' has 2 requests waiting for their "
        "answer, so the import cannot set their capacity below 2."
    ) in str(excinfo.value)
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (3, "")

    result = run_import(program, "email,capacity,department\nana@example.com,2,Legal\n")
    assert result.updated == ["ana@example.com"]
    mentor.refresh_from_db()
    assert (mentor.capacity, mentor.department) == (2, "Legal")


def test_a_role_cannot_leave_a_request_waiting_on_the_side_it_no_longer_takes(
    program, user_factory, enrollment_factory, csv_file
):
    """Accepted, the request would start a journey with someone on the side they left."""
    mentor = enrollment_factory(
        user_factory(email="ana@example.com"), role=RoleWanted.MENTOR, capacity=2
    )
    mentee = enrollment_factory(user_factory(email="mo@example.com"), role=RoleWanted.MENTEE)
    MentorRequest.objects.create(program=program, mentee=mentee, mentor=mentor)
    path = csv_file("email,role,capacity\nana@example.com,mentee,\nmo@example.com,mentor,1\n")

    with pytest.raises(CommandError) as excinfo:
        command(program.pk, path)

    assert (
        "Row 2, column 'role': 'ana@example.com' is asked to mentor 'mo@example.com' and "
        "has not answered yet, so the import cannot change their role to mentee while the "
        "request waits."
    ) in str(excinfo.value)
    assert (
        "Row 3, column 'role': 'mo@example.com' has asked 'ana@example.com' to mentor them "
        "and has no answer yet, so the import cannot change their role to mentor while the "
        "request waits."
    ) in str(excinfo.value)
    mentor.refresh_from_db()
    mentee.refresh_from_db()
    assert (mentor.role, mentee.role) == ("mentor", "mentee")

    result = run_import(program, "email,role\nana@example.com,either\nmo@example.com,either\n")
    assert result.updated == ["ana@example.com", "mo@example.com"]


# Bad rows ------------------------------------------------------------------------------

SHORT_HEADER = (
    "email,role,capacity,topics_sought,time_zone,seniority,languages,reports_to,avoid,"
    "attributes,q:How do you like to meet?,q:When are you free?,"
    "q:How much do you like structure?,q:Which topics matter most?"
)
OK_ROW = "ok@example.com,mentee,,,,,,,,,In person,,,"


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "bad-email,mentee,,,,,,,,,In person,,,",
            "Row 3, column 'email': 'bad-email' is not an email address.",
        ),
        (",mentee,,,,,,,,,In person,,,", "Row 3, column 'email': The email address is empty."),
        (
            "x@example.com,boss,,,,,,,,,In person,,,",
            "Row 3, column 'role': 'boss' is not a role; use mentor, mentee or either.",
        ),
        (
            "x@example.com,mentor,,,,,,,,,In person,,,",
            "Row 3, column 'capacity': As a mentor, say how many people you have room for: "
            "at least 1.",
        ),
        (
            "x@example.com,either,many,,,,,,,,In person,,,",
            "Row 3, column 'capacity': 'many' is not a whole number.",
        ),
        (
            "x@example.com,mentee,,knitting,,,,,,,In person,,,",
            "Row 3, column 'topics_sought': 'knitting' is not a topic. Known topics: "
            "feedback, negotiation, public-speaking.",
        ),
        (
            "x@example.com,mentee,,,Mars/Olympus,,,,,,In person,,,",
            "Row 3, column 'time_zone': 'Mars/Olympus' is not a time zone we know. Use a "
            "name such as 'Europe/London' or 'America/New_York'.",
        ),
        (
            "x@example.com,mentee,,,,12,,,,,In person,,,",
            "Row 3, column 'seniority': '12' is not between 1 and 10.",
        ),
        (
            "x@example.com,mentee,,,,,en;english,,,,In person,,,",
            "Row 3, column 'languages': 'english' is not a language code. Use two or three "
            "letters for each language, such as 'en' for English or 'fr' for French.",
        ),
        (
            "x@example.com,mentee,,,,,,ghost@example.com,,,In person,,,",
            "Row 3, column 'reports_to': Nobody here has the email address "
            "'ghost@example.com'; check the spelling.",
        ),
        (
            "x@example.com,mentee,,,,,,,x@example.com,,In person,,,",
            "Row 3, column 'avoid': 'x@example.com' is this person's own email address; "
            "name someone else.",
        ),
        (
            "x@example.com,mentee,,,,,,,,Pilot,In person,,,",
            "Row 3, column 'attributes': 'Pilot' is not one of this program's opt-in "
            "attributes. It offers 'Parent or carer' and 'First-generation graduate'.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,,,,",
            "Row 3, column 'q:How do you like to meet?': This question needs an answer.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,Carrier pigeon,,,",
            "Row 3, column 'q:How do you like to meet?': 'Carrier pigeon' is not one of the "
            "choices: 'In person' and 'Video call'.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,In person,Mornings;Weekends,,",
            "Row 3, column 'q:When are you free?': 'Weekends' is not one of the choices: "
            "'Mornings', 'Lunch' and 'Evenings'.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,In person,,9,",
            "Row 3, column 'q:How much do you like structure?': '9' is not between 1 and 5.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,In person,,,knitting",
            "Row 3, column 'q:Which topics matter most?': 'knitting' is not a topic. Known "
            "topics: feedback, negotiation, public-speaking.",
        ),
        (
            "x@example.com,mentee,,,,,,,,,In person,,,,surplus",
            "Row 3: The row has 15 values but the header names 14 columns; put quotes around "
            "values that hold commas.",
        ),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(setup, row, error):
    before = counts()

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(setup, f"{SHORT_HEADER}\n{OK_ROW}\n{row}\n")

    assert errors_of(excinfo) == [error]
    assert counts() == before


NAMED_HEADER = (
    "email,first_name,last_name,department,location,goals,q:Anything else we should know?,"
    "q:How do you like to meet?"
)


def csv_row(*cells):
    """A row under NAMED_HEADER (answering its required question), quoted as CSV needs."""
    out = StringIO()
    csv.writer(out).writerow([*cells, "In person"])
    return out.getvalue().removesuffix("\r\n")


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        (
            ("n@example.com", "Ana\x00", "Silva", "", "", "", ""),
            "Row 2, column 'first_name': This holds a control character (U+0000), which has no "
            "place in text; remove it.",
        ),
        (
            ("n@example.com", "Ana", "Sil\x1bva", "", "", "", ""),
            "Row 2, column 'last_name': This holds a control character (U+001B), which has no "
            "place in text; remove it.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "Fin\x07ance", "", "", ""),
            "Row 2, column 'department': This holds a control character (U+0007), which has no "
            "place in text; remove it.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "", "Lis\tbon", "", ""),
            "Row 2, column 'location': This must be one line of text, but it holds a tab; "
            "remove it.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "Fin\nance", "", "", ""),
            "Row 2, column 'department': This must be one line of text, but it holds a line "
            "break; remove it.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "", "", "Speak\x85up", ""),
            "Row 2, column 'goals': This holds a control character (U+0085), which has no "
            "place in text; remove it.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "", "", "", "Four\x00days"),
            "Row 2, column 'q:Anything else we should know?': This holds a control character "
            "(U+0000), which has no place in text; remove it.",
        ),
        (
            ("n@example.com\x00", "Ana", "Silva", "", "", "", ""),
            "Row 2, column 'email': This holds a control character (U+0000), which has no "
            "place in text; remove it.",
        ),
        (
            ("n@example.com", "A" * 151, "Silva", "", "", "", ""),
            "Row 2, column 'first_name': This is 151 characters long; the most allowed is 150.",
        ),
        (
            ("n@example.com", "Ana", "Silva", "", "", "g" * 2001, ""),
            "Row 2, column 'goals': This is 2,001 characters long; the most allowed is 2,000.",
        ),
    ],
)
def test_control_characters_and_over_long_text_are_refused_naming_row_and_column(
    setup, cells, error
):
    before = counts()

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(setup, f"{NAMED_HEADER}\n{csv_row(*cells)}\n")

    assert errors_of(excinfo) == [error]
    assert counts() == before


def test_goals_and_free_text_answers_may_run_over_lines_with_tabs(setup, questions):
    row = csv_row(
        "n@example.com", "Ana", "Silva", "Finance", "", "Speak up.\n\tListen more.", "A\r\nB"
    )

    run_import(setup, f"{NAMED_HEADER}\n{row}\n")

    enrollment = Enrollment.objects.get(user__email="n@example.com")
    assert enrollment.goals == "Speak up.\n\tListen more."
    assert enrollment.answers[str(questions[QuestionKind.TEXT].key)] == "A\r\nB"
    assert enrollment.user.first_name == "Ana"


def test_the_command_refuses_a_nul_in_a_name_and_writes_nothing(setup, csv_file):
    before = counts()
    row = csv_row("n@example.com", "A\x00na", "", "", "", "", "")
    path = csv_file(f"{NAMED_HEADER}\n{row}\n")

    with pytest.raises(CommandError) as excinfo:
        command(setup.pk, path)

    assert "Row 2, column 'first_name': This holds a control character (U+0000)" in str(
        excinfo.value
    )
    assert counts() == before


def test_every_problem_in_every_row_is_reported_together(setup):
    text = (
        f"{SHORT_HEADER}\n"
        "a@example.com,mentee,,,Nowhere,0,,,,,In person,,,\n"
        f"{OK_ROW}\n"
        "b@example.com,mentor,,,,,xx1,,,,,,,\n"
    )

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(setup, text)

    assert [(e.row, e.column) for e in excinfo.value.errors] == [
        (2, "time_zone"),
        (2, "seniority"),
        (4, "capacity"),
        (4, "languages"),
        (4, "q:How do you like to meet?"),
    ]
    assert str(excinfo.value).startswith("Nothing was imported: found 5 problems in 2 rows.")


def test_the_same_email_twice_is_an_error_on_the_later_row(program):
    text = "email,department\nana@example.com,Sales\nraj@example.com,\nANA@example.com,Legal\n"

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(program, text)

    assert errors_of(excinfo) == [
        "Row 4, column 'email': 'ana@example.com' is also on row 2; give each person one row."
    ]
    assert not Enrollment.objects.exists()


def test_a_deactivated_account_is_refused(program, user_factory):
    user_factory(email="gone@example.com", is_active=False)

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(program, "email\ngone@example.com\n")

    assert "no longer active" in errors_of(excinfo)[0]


def test_nobody_can_be_named_whose_own_row_is_refused(program):
    text = "email,role,reports_to\nana@example.com,mentee,raj@example.com\nraj@example.com,boss,\n"

    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(program, text, skip_invalid=False)

    assert errors_of(excinfo) == [
        "Row 2, column 'reports_to': 'raj@example.com' has no account yet, and row 3, which "
        "would add them, has problems.",
        "Row 3, column 'role': 'boss' is not a role; use mentor, mentee or either.",
    ]


def test_a_required_question_with_no_column_is_an_error_for_new_enrolments(setup):
    with pytest.raises(EnrolmentImportAborted) as excinfo:
        run_import(setup, "email\nana@example.com\n")

    assert errors_of(excinfo) == [
        "Row 2: The question 'How do you like to meet?' needs an answer, but the file has no "
        "'q:How do you like to meet?' column."
    ]


# The header ----------------------------------------------------------------------------


def test_an_unknown_column_stops_the_import_naming_it_and_the_known_ones(setup):
    before = counts()
    text = GOOD.replace("seniority", "semiority", 1)

    with pytest.raises(EnrolmentImportError) as excinfo:
        run_import(setup, text, skip_invalid=True)

    message = str(excinfo.value)
    assert "Unknown column 'semiority' (did you mean 'seniority'?)." in message
    assert "The known columns are: email, first_name, last_name, role, capacity" in message
    assert "q:How do you like to meet?" in message
    assert not isinstance(excinfo.value, EnrolmentImportAborted)
    assert counts() == before


def test_a_question_the_program_does_not_ask_is_an_unknown_column(setup):
    with pytest.raises(EnrolmentImportError, match="Unknown column 'q:Favourite colour'"):
        run_import(setup, "email,q:Favourite colour\nana@example.com,blue\n")


def test_a_file_without_an_email_column_is_refused(program):
    with pytest.raises(EnrolmentImportError, match="The file has no 'email' column"):
        run_import(program, "role\nmentee\n")


def test_a_column_given_twice_is_refused(program):
    with pytest.raises(EnrolmentImportError, match="The column 'role' appears twice"):
        run_import(program, "email,role,Role\na@example.com,mentee,mentor\n")


def test_a_semicolon_separated_file_gets_a_hint(program):
    with pytest.raises(EnrolmentImportError, match="Columns must be separated by commas"):
        run_import(program, "email;role\na@example.com;mentee\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "first row must name the columns"),
        (b"email\n", "no enrolments under it"),
        (b"email\nj\xe9r\xf4me@example.com\n", "not UTF-8"),
    ],
)
def test_empty_or_unreadable_files_are_refused(program, content, message):
    with pytest.raises(EnrolmentImportError, match=message):
        import_enrolments(program, BytesIO(content))


def test_a_file_saved_in_another_encoding_is_refused_naming_the_row_and_column(program):
    content = "email,first_name\nana@example.com,Ana\nraj@example.com,José\n".encode("cp1252")

    with pytest.raises(EnrolmentImportError) as excinfo:
        import_enrolments(program, BytesIO(content))

    assert str(excinfo.value) == (
        "The file is not UTF-8 text: row 3, column 'first_name' holds a character that "
        "cannot be read (“Jos\ufffd”). Save the file as “CSV UTF-8” and import it again."
    )
    assert counts() == (0, 0)


def test_a_utf16_file_is_refused_saying_so(program):
    content = "email,first_name\nraj@example.com,José\n".encode("utf-16")

    with pytest.raises(EnrolmentImportError) as excinfo:
        import_enrolments(program, BytesIO(content))

    assert str(excinfo.value) == (
        "The file is UTF-16 text, not UTF-8. Save it as “CSV UTF-8” and import it again."
    )


def test_a_quote_never_closed_is_refused_naming_its_row_and_column(program):
    """Read leniently, the open quote would swallow every later row into one goal."""
    text = (
        "email,goals,department\n"
        "ana@example.com,Listen more,Sales\n"
        'raj@example.com,"Speak up, mostly\n'
        "lea@example.com,Lead,Finance\n"
        "tom@example.com,Delegate,Finance\n"
    )

    with pytest.raises(EnrolmentImportError) as excinfo:
        run_import(program, text)

    assert str(excinfo.value) == (
        "Nothing was imported. Row 3, column 'goals': the value opens a quote (\") that is "
        "never closed, so every line after it would be read into that one value. Close the "
        "quote, or remove it."
    )
    assert counts() == (0, 0)


def test_text_after_a_closing_quote_is_refused_naming_its_row_and_column(program):
    text = 'email,last_name,department\nana@example.com,"Silva" Costa,Sales\n'

    with pytest.raises(EnrolmentImportError) as excinfo:
        run_import(program, text)

    assert str(excinfo.value) == (
        "Nothing was imported. Row 2, column 'last_name': the value's closing quote (\") is "
        "followed by more text. Put the whole value in quotes and double each quote inside "
        'it, e.g. "Say ""hello"" first".'
    )
    assert counts() == (0, 0)


def test_quoted_values_with_commas_quotes_and_line_breaks_are_read(program):
    text = (
        "email,goals,department\n"
        'ana@example.com,"Speak up, ""gently""\nthen lead",Sales\n'
        'raj@example.com,He said "hi",Finance\n'
    )

    run_import(program, text)

    assert Enrollment.objects.get(user__email="ana@example.com").goals == (
        'Speak up, "gently"\nthen lead'
    )
    assert Enrollment.objects.get(user__email="raj@example.com").goals == 'He said "hi"'


def test_an_unnamed_empty_column_is_ignored(program):
    result = run_import(program, "email,,department\nana@example.com,,Sales\n")

    assert result.created == ["ana@example.com"]


# Skipping invalid rows and dry runs ---------------------------------------------------------


def test_skip_invalid_imports_the_good_rows_and_reports_the_others(setup):
    text = with_row("zed@example.com,Zed,,mentor,,,,,,,,,,,,,In person,,,,")

    result = run_import(setup, text, skip_invalid=True)

    assert result.created == ["ana@example.com", "raj@example.com"]
    assert result.skipped_rows == [4]
    assert [str(e) for e in result.errors] == [
        "Row 4, column 'capacity': As a mentor, say how many people you have room for: at least 1."
    ]
    assert result.summary() == "Imported 2 enrolments (2 new, 0 updated); skipped 1 row."
    assert not User.objects.filter(email="zed@example.com").exists()


def test_a_dry_run_counts_but_writes_nothing(setup):
    before = counts()

    result = run_import(setup, GOOD, dry_run=True)

    assert counts() == before
    assert result.created == ["ana@example.com", "raj@example.com"]
    assert result.accounts_created == ["ana@example.com", "raj@example.com"]
    assert result.summary() == (
        "Dry run, nothing was written: would import 2 enrolments (2 new, 0 updated)."
    )


def test_a_dry_run_still_reports_problems(setup):
    before = counts()

    with pytest.raises(EnrolmentImportAborted):
        run_import(setup, GOOD.replace("europe/lisbon", "Lisbon"), dry_run=True)

    assert counts() == before


# The command ---------------------------------------------------------------------------


@pytest.fixture
def csv_file(tmp_path):
    def write(text):
        path = tmp_path / "people.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_command_imports_by_program_id_or_slug(setup, csv_file):
    out, err = command(setup.pk, csv_file(GOOD))

    assert "Imported 2 enrolments (2 new, 0 updated)." in out
    assert "Created 2 new accounts." in out
    assert err == ""

    out, _err = command(setup.slug, csv_file(GOOD))

    assert "Imported 2 enrolments (0 new, 2 updated)." in out
    assert Enrollment.objects.count() == 2


def test_the_command_fails_with_the_report_and_writes_nothing(setup, csv_file):
    before = counts()
    path = csv_file(with_row("zed@example.com,Zed,,mentor,,,,,,,13,,,,,,In person,,,,"))

    with pytest.raises(CommandError) as excinfo:
        command(setup.pk, path)

    message = str(excinfo.value)
    assert message.startswith("Nothing was imported: found 2 problems in 1 row.")
    assert "Row 4, column 'capacity'" in message
    assert "Row 4, column 'seniority': '13' is not between 1 and 10." in message
    assert counts() == before


def test_the_command_skips_invalid_rows_when_asked(setup, csv_file):
    path = csv_file(with_row("zed@example.com,Zed,,mentor,,,,,,,13,,,,,,In person,,,,"))

    out, err = command(setup.pk, path, "--skip-invalid")

    assert "Imported 2 enrolments (2 new, 0 updated); skipped 1 row." in out
    assert "Row 4, column 'seniority'" in err
    assert Enrollment.objects.count() == 2


def test_the_command_dry_run_writes_nothing(setup, csv_file):
    before = counts()

    out, _err = command(setup.pk, csv_file(GOOD), "--dry-run")

    assert "would import 2 enrolments (2 new, 0 updated)" in out
    assert "Would create 2 new accounts." in out
    assert counts() == before


def test_the_command_names_a_wrong_column(setup, csv_file):
    with pytest.raises(CommandError, match="Unknown column 'semiority'"):
        command(setup.pk, csv_file(GOOD.replace("seniority", "semiority", 1)), "--skip-invalid")

    assert not Enrollment.objects.exists()


def test_the_command_refuses_an_unknown_program_or_file(setup, csv_file, tmp_path):
    with pytest.raises(CommandError, match="No program page has the id or slug 'nope'"):
        command("nope", csv_file(GOOD))
    with pytest.raises(CommandError, match="could not be read"):
        command(setup.pk, tmp_path / "missing.csv")


def test_programs_are_found_by_id_or_slug(program):
    assert find_program(str(program.pk)) == program
    assert find_program(program.slug) == program
    with pytest.raises(EnrolmentImportError, match="Programs: "):
        find_program("unknown-slug")


# Invitations -------------------------------------------------------------------------------


def test_each_account_the_import_creates_is_invited_and_existing_ones_are_not(
    setup, csv_file, user_factory
):
    from cms.models import Invitation
    from journeys.models import OutboxEmail

    admin = user_factory(email="lead@example.com", first_name="Priya", last_name="Shah")

    out, _err = command(setup.pk, csv_file(GOOD), "--invited-by", "lead@example.com")

    assert "Invited 2 of them by email to sign in for the first time." in out
    invited = Invitation.objects.select_related("user").order_by("user__email")
    assert [i.user.email for i in invited] == ["ana@example.com", "raj@example.com"]
    assert {(i.invited_by, i.program_id) for i in invited} == {(admin, setup.pk)}
    emails = OutboxEmail.objects.filter(template="cms/emails/invitation")
    assert sorted(e.recipient.email for e in emails) == ["ana@example.com", "raj@example.com"]

    # Importing the same people again invites nobody: their accounts exist.
    out, _err = command(setup.pk, csv_file(GOOD))
    assert "Invited" not in out
    assert Invitation.objects.count() == 2


def test_the_command_can_leave_the_inviting_to_later(setup, csv_file):
    from cms.models import Invitation

    out, _err = command(setup.pk, csv_file(GOOD), "--no-invitations")

    assert "Invited" not in out
    assert not Invitation.objects.exists()


def test_an_unknown_inviter_is_refused_before_anything_is_written(setup, csv_file):
    before = counts()

    with pytest.raises(CommandError, match=r"no account has the email x@example\.com"):
        command(setup.pk, csv_file(GOOD), "--invited-by", "x@example.com")

    assert counts() == before
