"""The admin home page for each role, through the real admin: what each panel lists, who
sees it, and that it costs the same queries however much there is to list."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.dashboard import (
    CommunicationsPanel,
    EditorPanel,
    ProgramAdminPanel,
    SeniorLeaderPanel,
)
from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    MaterialPageFactory,
    TopicFactory,
)
from content.permissions import COMMUNICATIONS, SENIOR_LEADERS
from insights import snapshots
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import JourneyStatus, MemberRole
from journeys.services.starting import start_journey
from matching.factories import EnrollmentFactory, policy_for
from matching.services.runs import execute_run, start_run
from tests.programs import run_by_program_admins

EDITORS = "Editors"
MODERATORS = "Moderators"
PROGRAM_ADMINS = "Program admins"
HOME = "/admin/"

PANEL_IDS = {
    "editor": "trellis-editor",
    "communications": "trellis-stories-to-review",
    "leader": "trellis-your-stories",
    "programs": "trellis-programs",
}


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def panel_html(html: str, panel: str) -> str:
    """The HTML of one panel of the home page (Wagtail's panel: a section with its id)."""
    start = html.index(f'id="{PANEL_IDS[panel]}-section"')
    end = html.find("</section>", start)
    return html[start:end]


def home_of(client, user) -> str:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def submit(page, user):
    """Submit ``page``'s latest revision to its workflow, as its editor's button does."""
    revision = page.save_revision(user=user)
    page.get_workflow().start(page, user)
    return revision


# Who sees which panel ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "shown"),
    [
        ((EDITORS, MODERATORS), {"editor"}),
        ((COMMUNICATIONS,), {"communications"}),
        ((SENIOR_LEADERS,), {"leader"}),
        ((PROGRAM_ADMINS,), {"programs"}),
        ((EDITORS, COMMUNICATIONS), {"editor", "communications"}),
    ],
)
def test_each_panel_shows_for_its_role_only(client, user_factory, stories, groups, shown):
    html = home_of(client, user_factory(groups=groups))

    present = {
        panel for panel, panel_id in PANEL_IDS.items() if f'id="{panel_id}-section"' in html
    }
    assert present == shown


def test_a_superuser_sees_only_wagtails_own_panels(client, django_user_model, stories):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x")

    html = home_of(client, root)

    assert not any(f'id="{panel_id}-section"' in html for panel_id in PANEL_IDS.values())


# Editors -----------------------------------------------------------------------------------


@pytest.fixture
def editor(user_factory):
    return user_factory(
        email="eddie@example.com", first_name="Eddie", last_name="Editor", groups=[EDITORS]
    )


@pytest.fixture
def moderator(user_factory):
    return user_factory(email="mo@example.com", groups=[EDITORS, MODERATORS])


def test_an_editor_sees_pages_waiting_for_their_review_and_their_own_sent_back(
    client, library, editor, moderator
):
    guide = MaterialPageFactory(parent=library, title="Listening well", owner=editor, live=False)
    submit(guide, editor)
    other = MaterialPageFactory(parent=library, title="Saying no", owner=editor, live=False)
    submit(other, editor)
    other.current_workflow_task_state.reject(user=moderator, comment="Shorter")

    moderators_panel = text_of(panel_html(home_of(client, moderator), "editor"))
    editors_panel = panel_html(home_of(client, editor), "editor")

    assert "Listening well : Waiting for your review" in moderators_panel
    assert "Saying no" not in moderators_panel
    assert "Saying no : Changes requested" in text_of(editors_panel)
    assert "Listening well" not in text_of(editors_panel)
    assert reverse("wagtailadmin_pages:edit", args=[other.pk]) in editors_panel


@pytest.fixture
def program(home):
    return ProgramPageFactory(parent=home, title="Growing leaders", admins=run_by_program_admins())


@pytest.fixture
def template(program):
    page = JourneyPageFactory(
        parent=program,
        title="First year together",
        milestones=[milestone("Hello", "hello", [step("checklist")], due=7)],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


def start_pair(program, user_factory, started_on=None):
    return start_journey(
        program,
        [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
        started_on=started_on or timezone.localdate(),
    )


def republish(template):
    template.milestones = [milestone("Hello again", "hello", [step("checklist")])]
    template.save_revision().publish()


def test_an_editor_sees_templates_whose_journeys_follow_older_revisions(
    client, editor, program, template, user_factory
):
    for _ in range(2):
        start_pair(program, user_factory)
    closed = start_pair(program, user_factory)
    closed.status = JourneyStatus.CLOSED
    closed.save()
    republish(template)
    start_pair(program, user_factory)  # on the latest revision

    panel = text_of(panel_html(home_of(client, editor), "editor"))

    assert "First year together : 2 journeys under way follow an older revision" in panel


def test_an_editor_is_told_when_every_journey_is_up_to_date(client, editor, program, template):
    panel = text_of(panel_html(home_of(client, editor), "editor"))

    assert "Every journey under way follows its template’s latest revision." in panel


# Communications ---------------------------------------------------------------------------


@pytest.fixture
def communications(user_factory):
    return user_factory(email="comms@example.com", groups=[COMMUNICATIONS])


@pytest.fixture
def leader(user_factory):
    return user_factory(
        email="ada@example.com", first_name="Ada", last_name="Lovelace", groups=[SENIOR_LEADERS]
    )


@pytest.fixture
def profile(leader):
    return LeaderProfileFactory(user=leader, name="Ada Lovelace")


def story(stories, owner, leader_profile, title, submitted=False):
    page = LeaderStoryPageFactory(
        parent=stories, owner=owner, leader=leader_profile, live=False, title=title
    )
    if submitted:
        submit(page, owner)
    return page


def test_communications_see_the_stories_awaiting_review_and_how_many(
    client, communications, leader, profile, stories
):
    story(stories, leader, profile, "My first manager", submitted=True)
    story(stories, leader, profile, "The night shift", submitted=True)
    story(stories, leader, profile, "Still a draft")

    panel = text_of(panel_html(home_of(client, communications), "communications"))

    assert "Stories awaiting review (2)" in panel
    assert "My first manager , Ada Lovelace’s story; submitted by Ada Lovelace on" in panel
    assert "The night shift" in panel
    assert "Still a draft" not in panel


def test_communications_are_told_when_nothing_waits(client, communications, stories):
    panel = text_of(panel_html(home_of(client, communications), "communications"))

    assert "Stories awaiting review (0)" in panel
    assert "No story is waiting for review." in panel


# Senior leaders ----------------------------------------------------------------------------


def test_a_leader_sees_a_write_a_story_button_and_their_stories_with_edit_only_where_they_can(
    client, leader, profile, communications, stories, user_factory
):
    draft = story(stories, leader, profile, "My first manager")
    in_review = story(stories, leader, profile, "The night shift", submitted=True)
    sent_back = story(stories, leader, profile, "Leeds", submitted=True)
    sent_back.current_workflow_task_state.reject(user=communications, comment="Shorter")
    written_for_them = story(stories, communications, profile, "Written by comms")
    someone_else = LeaderProfileFactory(user=user_factory(groups=[SENIOR_LEADERS]))
    story(stories, someone_else.user, someone_else, "Not theirs")

    html = panel_html(home_of(client, leader), "leader")
    text = text_of(html)

    add_url = reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])
    assert f'href="{add_url}"' in html and "Write a story" in text
    assert "My first manager : Draft Edit" in text
    assert "The night shift : In review with Communications" in text
    assert "Leeds : Changes requested Edit" in text
    assert "Written by comms : Draft" in text
    assert "Not theirs" not in text
    edit = reverse("wagtailadmin_pages:edit", args=[0]).replace("/0/", "/{}/")
    assert edit.format(draft.pk) in html and edit.format(sent_back.pk) in html
    assert edit.format(in_review.pk) not in html
    assert edit.format(written_for_them.pk) not in html


def test_a_leaders_home_leaves_out_wagtails_workflow_list_that_links_to_a_locked_editor(
    client, leader, profile, stories
):
    in_review = story(stories, leader, profile, "The night shift", submitted=True)

    html = home_of(client, leader)

    assert "Your pages and snippets in a workflow" not in html
    assert reverse("wagtailadmin_pages:edit", args=[in_review.pk]) not in html


# Program admins --------------------------------------------------------------------------


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="programs@example.com", groups=[PROGRAM_ADMINS])


def test_a_program_admin_sees_intakes_runs_journeys_at_risk_and_who_never_signed_in(
    client, program_admin, program, template, user_factory
):
    signed_in = timezone.now()
    feedback = TopicFactory(name="Feedback", slug="feedback")
    for name in ("Grace Hopper", "Mary Jackson"):
        first, last = name.split()
        EnrollmentFactory(
            program=program,
            role="mentee",
            user=user_factory(first_name=first, last_name=last),
            seeks=[feedback],
        )
    EnrollmentFactory(
        program=program,
        role="mentor",
        capacity=2,
        seniority=6,
        user=user_factory(last_login=signed_in),
        offers=[feedback],
    )
    policy_for(program, "knowledge")
    run = start_run(program, program_admin)
    execute_run(run.pk)
    # A pair 90 days in who never did anything: far behind, so at risk.
    late = start_pair(program, user_factory, timezone.localdate() - datetime.timedelta(days=90))
    for member in late.memberships.all():
        member.user.last_login = signed_in
        member.user.save()

    snapshots.work_out(program.pk)  # as the sweep does within a minute
    html = panel_html(home_of(client, program_admin), "programs")
    text = text_of(html)

    # The mentor waits too until the proposals are approved.
    assert "Growing leaders: 3 people waiting" in text
    assert "proposed, 2 proposals waiting" in text
    assert reverse("matching_runs:inspect", args=[run.pk]) in html
    assert "Growing leaders: 1 journey at risk" in text
    assert reverse("insights:program", args=[program.pk]) in html
    assert (
        "2 people in active journeys or waiting to be matched have never signed in: "
        "Grace Hopper, Mary Jackson."
    ) in text
    assert "never_signed_in=true" in html


def test_the_never_signed_in_links_list_exactly_those_people(
    client, program_admin, program, template, user_factory
):
    waiting = EnrollmentFactory(program=program, role="mentee", user=user_factory())
    known = EnrollmentFactory(program=program, role="mentee", user=user_factory())
    known.user.last_login = timezone.now()
    known.user.save()
    journey = start_pair(program, user_factory)
    client.force_login(program_admin)

    enrolments = client.get(
        reverse("matching_enrolments:index"), {"never_signed_in": "true", "status": "enrolled"}
    ).content.decode()
    journeys = client.get(
        reverse("journeys_admin:index"), {"never_signed_in": "true", "status": "active"}
    ).content.decode()

    assert waiting.user.email in enrolments and known.user.email not in enrolments
    assert reverse("journeys_admin:inspect", args=[journey.pk]) in journeys


def test_a_program_admin_is_told_when_nothing_waits(client, program_admin, program):
    text = text_of(panel_html(home_of(client, program_admin), "programs"))

    assert "Nobody is waiting to be matched." in text
    assert "No matching run is waiting for review." in text
    assert "No journey under way is at risk." in text
    assert "Everyone in an active journey or waiting to be matched has signed in." in text


# A fixed number of queries ----------------------------------------------------------------


def queries_to_render(panel_class, user) -> int:
    request = RequestFactory().get(HOME)
    request.user = type(user).objects.get(pk=user.pk)
    panel = panel_class(request)
    panel.render_html({"request": request})  # warms what is kept (insights)
    request.user = type(user).objects.get(pk=user.pk)
    panel = panel_class(request)
    with CaptureQueriesContext(connection) as queries:
        panel.render_html({"request": request})
    return len(queries)


def test_each_panel_costs_the_same_queries_however_much_it_lists(
    stories,
    library,
    program,
    template,
    user_factory,
    editor,
    moderator,
    communications,
    leader,
    profile,
    program_admin,
):
    counter = iter(range(1000))

    def more():
        for _ in range(3):
            story(stories, leader, profile, f"A story {next(counter)}", submitted=True)
            story(stories, leader, profile, f"A draft {next(counter)}")
            page = MaterialPageFactory(parent=library, owner=editor, live=False)
            submit(page, editor)
            EnrollmentFactory(program=program, role="mentee", user=user_factory())
            start_pair(program, user_factory, timezone.localdate() - datetime.timedelta(days=60))
        republish(template)
        start_pair(program, user_factory)

    panels = [
        (EditorPanel, moderator),
        (CommunicationsPanel, communications),
        (SeniorLeaderPanel, leader),
        (ProgramAdminPanel, program_admin),
    ]
    more()
    before = [queries_to_render(panel, user) for panel, user in panels]
    more()
    more()
    after = [queries_to_render(panel, user) for panel, user in panels]

    assert after == before, (before, after)
    assert all(count > 0 for count in before)
