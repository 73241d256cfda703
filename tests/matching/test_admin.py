"""The matching admin: who may enter, enrolments, each program's policy, and running
matching, including the bad inputs that must explain themselves and change nothing."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook
from wagtail.users.models import UserProfile

from content.factories import TopicFactory
from content.permissions import SENIOR_LEADERS
from journeys.factories import ProgramPageFactory
from matching.factories import EnrollmentFactory, policy_for
from matching.models import (
    Enrollment,
    MatchingPolicy,
    MatchingRun,
    MatchProposal,
    ProgramQuestion,
    RunStatus,
)
from matching.services.criteria import CRITERIA, PRESETS
from matching.services.runs import start_run
from tests.programs import run_by_program_admins

PROGRAM_ADMINS = "Program admins"

ENROLMENTS = "matching_enrolments:index"
POLICIES = "matching_policies:index"
RUNS = "matching_runs:index"
START = "matching_runs:start"
CHOOSE = "matching_policies:choose"
ADD_POLICY = "matching_policies:add"


def policy_url(policy):
    return reverse("matching_policies:edit", args=[policy.pk])


def add_policy_url(program):
    return f"{reverse(ADD_POLICY)}?program={program.pk}"


def run_url(run):
    return reverse("matching_runs:inspect", args=[run.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_refused(response):
    """Wagtail refuses with a 403, a redirect home with a message, or a login page; an
    object of a program the person does not administer is not found (404)."""
    if response.status_code in (403, 404):
        return
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    if location.startswith(reverse("account_login")):
        return
    assert location == reverse("wagtailadmin_home")
    assert any("permission" in m for m in messages_of(response)), messages_of(response)


def text_of(response) -> str:
    """The page's text without tags, with runs of white space as one space."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


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


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        email="root@example.com",
        password="correct horse battery",
    )


@pytest.fixture(params=["superuser", "program admin"])
def staff(request, client, superuser, program_admin):
    """A client signed in as someone who runs matching: a superuser or a program admin."""
    client.force_login(superuser if request.param == "superuser" else program_admin)
    return client


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


@pytest.fixture(params=["participant", "senior leader", "anonymous"])
def outsider(request, client, user_factory):
    if request.param != "anonymous":
        groups = [SENIOR_LEADERS] if request.param == "senior leader" else []
        client.force_login(user_factory(groups=groups))
    return client


def person(user_factory, name, **extra):
    first, last = name.split()
    return user_factory(
        email=f"{first.lower()}@example.com", first_name=first, last_name=last, **extra
    )


@pytest.fixture
def cast(program, topics, user_factory):
    """Two mentors and two mentees who each fit one mentor best."""
    return {
        "ada": EnrollmentFactory(
            program=program,
            user=person(user_factory, "Ada Lovelace"),
            role="mentor",
            seniority=6,
            department="Engineering",
            offers=[topics["feedback"]],
        ),
        "alan": EnrollmentFactory(
            program=program,
            user=person(user_factory, "Alan Turing"),
            role="mentor",
            seniority=6,
            department="Research",
            offers=[topics["negotiation"]],
        ),
        "grace": EnrollmentFactory(
            program=program,
            user=person(user_factory, "Grace Hopper"),
            role="mentee",
            seniority=3,
            department="Research",
            seeks=[topics["feedback"]],
        ),
        "katherine": EnrollmentFactory(
            program=program,
            user=person(user_factory, "Katherine Johnson"),
            role="mentee",
            seniority=3,
            department="Engineering",
            seeks=[topics["negotiation"]],
        ),
    }


def policy_data(**overrides) -> dict:
    """A complete policy form: the knowledge-transfer preset, with ``overrides``."""
    preset = PRESETS["knowledge"]
    data = {"strategy": "knowledge", "objective": "total", "method": "optimal", "circle_size": 4}
    for key in CRITERIA:
        data[f"weight_{key}"] = preset["weights"].get(key, 0)
    for name, value in preset["constraints"].items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def run_matching(client, program, django_capture_on_commit_callbacks, **extra):
    """Press "Run matching" for ``program`` and follow to where it leads.

    The sync queue runs the task when the request's transaction commits, which the
    capture does on leaving the block: only then is the next page read.
    """
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(START), {"program": program.pk, **extra})
    assert response.status_code == 302, response.status_code
    followed = client.get(response["Location"], follow=True)
    followed.redirect_chain.insert(0, (response["Location"], 302))
    return followed


# Who may enter -------------------------------------------------------------------------------


def test_the_matching_menu_offers_enrolments_policies_and_runs(staff, program):
    html = staff.get(reverse("wagtailadmin_home")).content.decode()

    assert "Matching" in html
    for url_name in (ENROLMENTS, POLICIES, RUNS):
        assert reverse(url_name) in html


def test_people_without_matching_permissions_see_no_matching_menu(client, user_factory):
    client.force_login(user_factory(groups=[SENIOR_LEADERS]))

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse(RUNS) not in html
    assert reverse(ENROLMENTS) not in html


@pytest.fixture
def everything(program, cast, superuser):
    """A policy and a finished run, so that every page has something to show."""
    from matching.services.runs import execute_run

    policy = policy_for(program, "knowledge")
    run = start_run(program, superuser)
    execute_run(run.pk)
    proposal = run.proposals.first()
    return {"policy": policy, "run": run, "proposal": proposal, "enrollment": cast["grace"]}


def every_page(everything):
    run, proposal = everything["run"], everything["proposal"]
    return [
        reverse(ENROLMENTS),
        reverse("matching_enrolments:inspect", args=[everything["enrollment"].pk]),
        reverse("matching_enrolments:edit", args=[everything["enrollment"].pk]),
        reverse(POLICIES),
        reverse(CHOOSE),
        policy_url(everything["policy"]),
        reverse(RUNS),
        reverse(START),
        run_url(run),
        reverse("matching_runs:move", args=[run.pk, proposal.pk]),
        reverse("matching_runs:approve_all", args=[run.pk]),
    ]


def test_superusers_and_program_admins_can_open_every_matching_page(staff, everything):
    for url in every_page(everything):
        response = staff.get(url)
        assert response.status_code == 200, url


def test_everyone_else_is_refused_every_matching_page(outsider, everything):
    for url in every_page(everything):
        assert_refused(outsider.get(url))


def test_everyone_else_cannot_run_review_or_approve(outsider, everything, program):
    run, proposal = everything["run"], everything["proposal"]
    runs = MatchingRun.objects.count()
    posts = [
        (reverse(START), {"program": program.pk}),
        (reverse("matching_runs:rerun", args=[run.pk]), {}),
        (reverse("matching_runs:review", args=[run.pk]), {"action": "approve_all"}),
        (reverse("matching_runs:approve_all", args=[run.pk]), {"count": 1}),
        (reverse("matching_runs:review", args=[run.pk]), {"action": "reject", "proposal": 1}),
        (
            reverse("matching_runs:move", args=[run.pk, proposal.pk]),
            {"mentor": proposal.mentor_id},
        ),
        (policy_url(everything["policy"]), policy_data(weight_topics_offered=9)),
    ]
    for url, data in posts:
        assert_refused(outsider.post(url, data))

    assert MatchingRun.objects.count() == runs
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}
    everything["policy"].refresh_from_db()
    assert everything["policy"].weights["topics_offered"] == 3.0


def test_enrolments_cannot_be_added_or_deleted_nor_runs_edited_here():
    for name, args in (
        ("matching_enrolments:add", []),
        ("matching_enrolments:delete", [1]),
        ("matching_runs:edit", [1]),
        ("matching_runs:delete", [1]),
        ("matching_runs:add", []),
    ):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=args)


# Enrolments ----------------------------------------------------------------------------------


def test_the_enrolment_list_shows_each_persons_role_status_department_seniority_capacity(
    staff, cast
):
    text = text_of(staff.get(reverse(ENROLMENTS)))

    for heading in ("Person", "Program", "Role", "Status", "Department", "Seniority"):
        assert heading in text
    assert "Last signed in" in text
    row = (
        "Ada Lovelace (Edit Inspect )?Growing leaders Mentor Waiting to be matched "
        "Engineering 6 1 Never"
    )
    assert re.search(row, text), text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"role": "mentor"}, ["Ada Lovelace", "Alan Turing"], ["Grace Hopper"]),
        ({"status": "withdrawn"}, ["Katherine Johnson"], ["Ada Lovelace"]),
        ({"q": "hopper"}, ["Grace Hopper"], ["Ada Lovelace", "Alan Turing"]),
        ({"q": "research"}, ["Grace Hopper", "Alan Turing"], ["Ada Lovelace"]),
    ],
)
def test_the_enrolment_list_filters_and_searches(admin_client, cast, query, shown, hidden):
    Enrollment.objects.filter(pk=cast["katherine"].pk).update(status="withdrawn")

    text = text_of(admin_client.get(reverse(ENROLMENTS), query))

    for name in shown:
        assert name in text
    for name in hidden:
        assert name not in text


@pytest.mark.parametrize("value", ["²", "9" * 30])
def test_ids_no_row_could_have_are_refused_not_a_server_error(admin_client, program, value):
    assert admin_client.post(reverse(START), {"program": value}).status_code == 404


def test_the_enrolment_list_filters_by_program(admin_client, cast, home, user_factory):
    other = ProgramPageFactory(
        parent=home, title="Reverse mentoring pilot", admins=run_by_program_admins()
    )
    EnrollmentFactory(program=other, user=person(user_factory, "Mary Jackson"))

    text = text_of(admin_client.get(reverse(ENROLMENTS), {"program": other.pk}))

    assert "Mary Jackson" in text
    assert "Ada Lovelace" not in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("growing", ["Ada Lovelace", "Grace Hopper"], ["Mary Jackson", "Dorothy Vaughan"]),
        ("Growing LEADERS", ["Ada Lovelace"], ["Mary Jackson", "Dorothy Vaughan"]),
        ("mentoring pilot", ["Mary Jackson"], ["Ada Lovelace", "Dorothy Vaughan"]),
        ("hopper growing", ["Grace Hopper"], ["Ada Lovelace", "Mary Jackson"]),
        ("jackson reverse", ["Mary Jackson"], ["Ada Lovelace", "Grace Hopper"]),
        ("grace@example", ["Grace Hopper"], ["Ada Lovelace", "Mary Jackson"]),
    ],
)
def test_the_enrolment_list_searches_the_name_email_and_program_it_shows(
    admin_client, cast, home, user_factory, query, shown, hidden
):
    pilot = ProgramPageFactory(
        parent=home, title="Reverse mentoring pilot", admins=run_by_program_admins()
    )
    EnrollmentFactory(program=pilot, user=person(user_factory, "Mary Jackson"))
    unrun = ProgramPageFactory(parent=home, title="Growing leaders abroad")
    EnrollmentFactory(program=unrun, user=person(user_factory, "Dorothy Vaughan"))

    text = text_of(admin_client.get(reverse(ENROLMENTS), {"q": query}))

    for name in shown:
        assert name in text
    for name in hidden:
        assert name not in text


# A sign-in at 14:05:22.030728 UTC on 7 December 2026: 8 December in Auckland.
SIGNED_IN = datetime.datetime(2026, 12, 7, 14, 5, 22, 30728, tzinfo=datetime.UTC)
ADA_ROW = (
    "Ada Lovelace (Edit Inspect )?Growing leaders Mentor Waiting to be matched Engineering 6 1"
)


def exported_rows(client, export_format, **query) -> list[list]:
    response = client.get(reverse(ENROLMENTS), {"export": export_format, **query})
    content = b"".join(response.streaming_content)
    if export_format == "csv":
        return list(csv.reader(io.StringIO(content.decode(), newline="")))
    return [
        list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    ]


def last_signed_in(rows, name):
    column = rows[0].index("Last signed in")
    return next(row for row in rows if row[0] == name)[column]


@pytest.mark.parametrize(
    ("time_zone", "shown", "exported"),
    [
        ("UTC", "7 Dec 2026", "2026-12-07T14:05:22+00:00"),
        ("Europe/Paris", "7 Dec 2026", "2026-12-07T15:05:22+01:00"),
    ],
)
def test_the_enrolment_export_says_when_someone_last_signed_in_in_the_sites_time_zone(
    admin_client, cast, django_user_model, settings, time_zone, shown, exported
):
    settings.TIME_ZONE = time_zone
    django_user_model.objects.filter(pk=cast["ada"].user_id).update(last_login=SIGNED_IN)

    text = text_of(admin_client.get(reverse(ENROLMENTS)))
    rows = exported_rows(admin_client, "csv")

    assert re.search(f"{ADA_ROW} {shown}", text), text
    assert last_signed_in(rows, "Ada Lovelace") == exported
    assert last_signed_in(rows, "Grace Hopper") == ""


@pytest.mark.parametrize(
    ("export_format", "exported"),
    [
        ("csv", "2026-12-08T03:05:22+13:00"),
        ("xlsx", datetime.datetime(2026, 12, 8, 3, 5, 22)),
    ],
)
def test_the_enrolment_export_says_when_in_the_admins_own_time_zone_as_the_listing_does(
    admin_client, program_admin, cast, django_user_model, export_format, exported
):
    profile = UserProfile.get_for_user(program_admin)
    profile.current_time_zone = "Pacific/Auckland"
    profile.save()
    django_user_model.objects.filter(pk=cast["ada"].user_id).update(last_login=SIGNED_IN)

    text = text_of(admin_client.get(reverse(ENROLMENTS)))
    rows = exported_rows(admin_client, export_format)

    assert re.search(f"{ADA_ROW} 8 Dec 2026", text), text
    assert last_signed_in(rows, "Ada Lovelace") == exported


def test_the_inspect_page_shows_answers_by_question_and_never_the_avoid_list(
    admin_client, program, cast, user_factory
):
    kept = ProgramQuestion.objects.create(
        program=program,
        label="How do you like to meet?",
        kind="single",
        choices="Online\nIn person",
    )
    story = ProgramQuestion.objects.create(
        program=program, label="What brought you here?", kind="text"
    )
    gone = ProgramQuestion.objects.create(
        program=program, label="Favourite season?", kind="single", choices="Summer\nWinter"
    )
    grace = cast["grace"]
    grace.answers = {
        str(kept.key): "Online",
        str(story.key): "I want to lead my first team",
        str(gone.key): "Winter",
    }
    grace.save()
    grace.avoid.set([user_factory(email="former.boss@example.com")])
    gone.delete()

    response = admin_client.get(reverse("matching_enrolments:inspect", args=[grace.pk]))
    text = text_of(response)

    assert "How do you like to meet? Online" in text
    assert "What brought you here? I want to lead my first team" in text
    assert "Answer to a question no longer asked Winter" in text
    assert "Favourite season?" not in text
    assert "1 person. Only matching reads this list." in text
    assert "former.boss@example.com" not in response.content.decode()
    assert "Feedback" in text  # what she seeks


def test_an_admin_corrects_an_enrolment(admin_client, cast):
    ada = cast["ada"]
    url = reverse("matching_enrolments:edit", args=[ada.pk])
    assert "Only matching reads" not in admin_client.get(url).content.decode()

    response = admin_client.post(
        url,
        {
            "role": "mentor",
            "capacity": 3,
            "status": "enrolled",
            "department": "Platform",
            "location": "Leeds",
            "time_zone": "Europe/London",
            "seniority": 7,
            "languages": "EN, fr",
            "reports_to": "",
            "goals": "",
        },
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.capacity, ada.department, ada.seniority) == (3, "Platform", 7)
    assert ada.languages == ["en", "fr"]
    assert ada.time_zone == "Europe/London"


def test_a_mentees_enrolment_is_saved_without_a_capacity(admin_client, cast):
    """Only a mentor takes people on: a mentee's capacity may be left blank, and a
    mentor's may not."""
    grace = cast["grace"]
    url = reverse("matching_enrolments:edit", args=[grace.pk])
    data = {"status": "enrolled", "time_zone": "", "seniority": 3, "department": "Ops"}

    response = admin_client.post(url, {**data, "role": "mentor", "capacity": ""})
    assert response.status_code == 200
    assert "Say how many people they can mentor." in text_of(response)

    response = admin_client.post(url, {**data, "role": "mentee", "capacity": ""})
    assert response.status_code == 302
    grace.refresh_from_db()
    assert (grace.role, grace.capacity, grace.department) == ("mentee", 1, "Ops")


def test_an_enrolment_cannot_be_marked_matched_by_hand(admin_client, cast):
    grace = cast["grace"]

    response = admin_client.post(
        reverse("matching_enrolments:edit", args=[grace.pk]),
        {"role": "mentee", "capacity": 1, "status": "matched", "time_zone": "", "seniority": 3},
    )

    assert response.status_code == 200
    assert "Someone becomes matched when a match of theirs is approved" in text_of(response)
    grace.refresh_from_db()
    assert grace.status == "enrolled"


# Policies ------------------------------------------------------------------------------------


def test_setting_up_a_policy_starts_by_choosing_a_program_without_one(admin_client, program, home):
    ProgramPageFactory(parent=home, title="Already set up", admins=run_by_program_admins())
    policy_for(
        ProgramPageFactory(parent=home, title="Has one", admins=run_by_program_admins()),
        "knowledge",
    )

    response = admin_client.get(reverse(ADD_POLICY))
    assert response.status_code == 302 and response["Location"] == reverse(CHOOSE)
    html = admin_client.get(reverse(CHOOSE)).content.decode()

    assert "Growing leaders" in html
    assert "Already set up" in html
    assert "Has one" not in html


def test_the_policy_form_offers_every_preset_criterion_and_constraint_with_help(
    admin_client, program
):
    text = text_of(admin_client.get(add_policy_url(program)))

    for preset in PRESETS.values():
        assert str(preset["description"]) in text
    for criterion in CRITERIA.values():
        assert str(criterion.label) in text
        assert str(criterion.help_text) in text
    assert "Apply this preset" in text
    assert "Not in the same reporting line" in text
    assert "Match as many people as possible" in text
    assert "People's own lists of who they would rather not be matched with" in text


def test_every_field_of_the_matching_admin_forms_has_help_text(program, cast, superuser):
    from matching.admin_forms import (
        ChooseProgramForm,
        EnrollmentAdminForm,
        MatchingPolicyForm,
        ProposalFilterForm,
    )

    ProgramQuestion.objects.create(
        program=program, label="How much do you travel?", kind="scale", scale_min=1, scale_max=5
    )
    forms = [
        MatchingPolicyForm(program=program),
        EnrollmentAdminForm(instance=cast["ada"]),
        ChooseProgramForm(for_user=superuser),
        ProposalFilterForm(),
    ]
    for form in forms:
        for name, field in form.fields.items():
            assert str(field.help_text).strip(), f"{type(form).__name__}.{name}"


def test_a_program_admin_creates_a_policy(admin_client, program):
    scale = ProgramQuestion.objects.create(
        program=program, label="How much do you travel?", kind="scale", scale_min=1, scale_max=5
    )
    ProgramQuestion.objects.create(program=program, label="Anything else?", kind="text")
    key = str(scale.key)

    response = admin_client.post(
        add_policy_url(program),
        policy_data(
            weight_topics_offered=2.5,
            weight_time_zone="",
            not_same_department="on",
            max_time_zone_gap=5,
            objective="count",
            **{f"question_{key}_rule": "closeness", f"question_{key}_weight": 1.5},
        ),
    )

    assert response.status_code == 302, text_of(response)
    policy = MatchingPolicy.objects.get(program=program)
    assert policy.weights == {
        "topics_offered": 2.5,
        "seniority_fit": 1.0,
        "same_location": 0.5,
        "shared_attributes": 0.5,
    }
    assert policy.question_rules == {
        key: {"rule": "closeness", "weight": 1.5, "label": "How much do you travel?"}
    }
    assert policy.not_same_department and policy.max_time_zone_gap == 5
    assert policy.objective == "count"


def test_only_questions_matching_can_weigh_get_a_rule(admin_client, program):
    ProgramQuestion.objects.create(
        program=program, label="How much do you travel?", kind="scale", scale_min=1, scale_max=5
    )
    ProgramQuestion.objects.create(program=program, label="Anything else?", kind="text")

    text = text_of(admin_client.get(add_policy_url(program)))

    assert "How “How much do you travel?” counts" in text
    assert "Close on the scale" in text
    assert "Anything else?" not in text


def test_applying_a_preset_refills_weights_and_constraints_without_saving(admin_client, program):
    policy = policy_for(program, "knowledge", objective="count")

    response = admin_client.post(
        policy_url(policy),
        policy_data(strategy="relationship", objective="count", **{"apply-preset": "1"}),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    initial = {name: form[name].value() for name in form.fields}
    assert float(initial["weight_shared_interests"]) == 2.0
    assert float(initial["weight_cross_department"]) == 1.5
    assert initial["not_same_department"] is True
    assert initial["max_time_zone_gap"] == 6
    assert initial["objective"] == "count"
    assert "come from the “Relationship” preset" in text_of(response)
    policy.refresh_from_db()
    assert policy.strategy == "knowledge"
    assert "shared_interests" not in policy.weights


def test_applying_a_preset_to_a_new_policy_saves_nothing(admin_client, program):
    response = admin_client.post(
        add_policy_url(program), policy_data(strategy="reverse", **{"apply-preset": "1"})
    )

    assert response.status_code == 200
    assert response.context["form"]["max_seniority_gap"].value() == -1
    assert not MatchingPolicy.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {f"weight_{key}": 0 for key in CRITERIA},
            None,
            "Give at least one criterion a positive weight.",
        ),
        (
            {"min_seniority_gap": 3, "max_seniority_gap": 1},
            "max_seniority_gap",
            "The largest gap (1) is below the smallest (3)",
        ),
        ({"weight_topics_offered": 11}, "weight_topics_offered", "cannot be above 10"),
        ({"weight_topics_offered": -1}, "weight_topics_offered", "cannot be below 0"),
        ({"circle_size": 1}, "circle_size", "greater than or equal to 2"),
    ],
)
def test_a_policy_that_cannot_work_is_refused_with_the_reason(
    admin_client, program, overrides, field, message
):
    response = admin_client.post(add_policy_url(program), policy_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field or "__all__", [])), errors
    assert message in text_of(response)
    assert not MatchingPolicy.objects.exists()


def test_a_question_the_program_no_longer_asks_is_named_and_dropped_on_save(admin_client, program):
    question = ProgramQuestion.objects.create(
        program=program, label="Favourite season?", kind="single", choices="Summer\nWinter"
    )
    key = str(question.key)
    policy = policy_for(
        program,
        question_rules={key: {"rule": "same", "weight": 2, "label": "Favourite season?"}},
    )
    question.delete()

    text = text_of(admin_client.get(policy_url(policy)))
    assert "still weighs questions the program no longer asks: Favourite season?" in text

    response = admin_client.post(policy_url(policy), policy_data())
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.question_rules == {}


def test_the_policy_list_shows_each_programs_strategy(admin_client, program):
    policy_for(program, "circles")

    text = text_of(admin_client.get(reverse(POLICIES)))

    assert re.search("Growing leaders (Edit |Delete )*Circles Optimise the total score", text)


# Running matching ----------------------------------------------------------------------------


def test_the_run_matching_page_lists_programs_with_policy_and_people_waiting(
    admin_client, program, cast
):
    policy_for(program)

    text = text_of(admin_client.get(reverse(START)))

    assert "Growing leaders Knowledge transfer 2 mentees, 2 mentors, 0 either None yet" in text
    assert "Run matching for Growing leaders" in text


def test_the_run_matching_page_counts_one_person_in_the_singular(admin_client, program, cast):
    policy_for(program)
    cast["ada"].delete()
    cast["grace"].delete()

    text = text_of(admin_client.get(reverse(START)))

    assert "Knowledge transfer 1 mentee, 1 mentor, 0 either None yet" in text


def test_running_matching_shows_the_proposals_with_their_explanations(
    admin_client, program, cast, django_capture_on_commit_callbacks
):
    policy_for(program)

    response = run_matching(admin_client, program, django_capture_on_commit_callbacks)

    run = MatchingRun.objects.get()
    assert response.redirect_chain[-1][0] == run_url(run)
    assert run.status == RunStatus.DONE, run.error
    assert run.started_by.email == "programs@example.com"
    text = text_of(response)
    assert "Matching “Growing leaders” has started" in text
    assert "Status Proposed" in text
    grace = run.proposals.get(mentee=cast["grace"])
    assert grace.mentor == cast["ada"]
    assert f"Grace Hopper Research Ada Lovelace Engineering {grace.score:.2f}" in text
    assert "Mentor offers what the mentee seeks (+3.00)" in text
    assert "<progress" not in response.content.decode()


def test_the_runs_list_shows_status_counts_score_and_who_started_it(
    admin_client, program, cast, django_capture_on_commit_callbacks
):
    policy_for(program)
    run_matching(admin_client, program, django_capture_on_commit_callbacks)
    run = MatchingRun.objects.get()

    text = text_of(admin_client.get(reverse(RUNS)))

    assert "Proposed 100% 2 2 2" in text
    assert f"{run.total_score:.2f}" in text
    assert "programs@example.com" in text
    assert reverse(START) in admin_client.get(reverse(RUNS)).content.decode()


def test_a_queued_run_shows_its_progress_and_refreshes_itself(admin_client, program, cast):
    policy_for(program)
    run = start_run(program)  # the task waits for the commit that never comes in a test
    MatchingRun.objects.filter(pk=run.pk).update(
        status="running", progress=50, stage="Finding the best matches"
    )

    response = admin_client.get(run_url(run))
    html = response.content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="run-progress" max="100" value="50">' in html
    assert "Finding the best matches" in html
    assert "Approve selected" not in html


def test_a_finished_run_stops_refreshing(admin_client, everything):
    html = admin_client.get(run_url(everything["run"])).content.decode()

    assert 'http-equiv="refresh"' not in html


# Bad input: each says what is wrong and leaves earlier runs and enrolments as they were


def snapshot_of_everything():
    return {
        "runs": list(MatchingRun.objects.order_by("pk").values_list("pk", "status")),
        "proposals": list(
            MatchProposal.objects.order_by("pk").values_list("pk", "mentee", "mentor", "status")
        ),
        "enrolments": list(
            Enrollment.objects.order_by("pk").values_list("pk", "status", "capacity")
        ),
    }


@pytest.fixture
def earlier_run(admin_client, program, cast, django_capture_on_commit_callbacks):
    policy_for(program)
    run_matching(admin_client, program, django_capture_on_commit_callbacks)
    run = MatchingRun.objects.get()
    assert run.status == RunStatus.DONE and run.proposals.count() == 2
    return run


@pytest.mark.parametrize(
    ("bad_input", "message"),
    [
        ("no mentors", "Nobody can mentor in this run"),
        ("capacity 0", "a capacity of 0 offers none"),
        ("all weights zero", "Give at least one criterion a positive weight"),
        ("deleted question", "“Favourite season?”, which the program no longer asks"),
        ("no policy", "has no matching policy yet"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(
    admin_client,
    program,
    cast,
    earlier_run,
    django_capture_on_commit_callbacks,
    bad_input,
    message,
):
    if bad_input == "no mentors":
        Enrollment.objects.filter(role="mentor").update(status="withdrawn")
    elif bad_input == "capacity 0":
        Enrollment.objects.filter(role="mentor").update(capacity=0)
    elif bad_input == "all weights zero":
        MatchingPolicy.objects.update(weights={}, question_rules={})
    elif bad_input == "deleted question":
        question = ProgramQuestion.objects.create(
            program=program, label="Favourite season?", kind="single", choices="Summer\nWinter"
        )
        policy_for(
            program,
            question_rules={
                str(question.key): {"rule": "same", "weight": 1, "label": question.label}
            },
        )
        cast["grace"].answers = {str(question.key): "Winter"}
        cast["grace"].save()
        question.delete()
    elif bad_input == "no policy":
        MatchingPolicy.objects.all().delete()
    before = snapshot_of_everything()

    response = run_matching(
        admin_client, program, django_capture_on_commit_callbacks, next=reverse(START)
    )

    assert response.redirect_chain[-1][0] == reverse(START)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert any(message in error for error in errors), errors
    assert message in text_of(response)
    assert snapshot_of_everything() == before
    if bad_input == "deleted question":
        cast["grace"].refresh_from_db()
        assert list(cast["grace"].answers.values()) == ["Winter"]


def test_every_pair_ruled_out_fails_the_run_with_its_reason_on_the_page(
    admin_client, program, cast, earlier_run, django_capture_on_commit_callbacks
):
    before = snapshot_of_everything()
    MatchingPolicy.objects.update(require_shared_language=True)
    Enrollment.objects.filter(role="mentor").update(languages=["fr"])

    response = run_matching(admin_client, program, django_capture_on_commit_callbacks)

    failed = MatchingRun.objects.latest("pk")
    assert failed.status == RunStatus.FAILED
    assert response.redirect_chain[-1][0] == run_url(failed)
    text = text_of(response)
    assert "Matching failed" in text
    assert "Every possible pair is ruled out by the hard constraints" in text
    assert "no shared language (4 pairs)" in text
    assert "Run matching again" in text
    after = snapshot_of_everything()
    assert after["runs"] == [*before["runs"], (failed.pk, "failed")]
    assert after["proposals"] == before["proposals"]
    assert [(pk, status) for pk, status, _ in after["enrolments"]] == [
        (pk, status) for pk, status, _ in before["enrolments"]
    ]


def test_running_matching_for_a_program_that_does_not_exist_is_not_found(admin_client, program):
    response = admin_client.post(reverse(START), {"program": 999999})

    assert response.status_code == 404
    assert not MatchingRun.objects.exists()


def test_running_matching_without_choosing_a_program_says_so(admin_client, program):
    response = admin_client.post(reverse(START), {"program": ""}, follow=True)

    assert "Choose a program to match." in text_of(response)
    assert not MatchingRun.objects.exists()
