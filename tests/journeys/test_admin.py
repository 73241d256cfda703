"""The journeys admin: watching progress without reading private words, starting,
upgrading, and editing journey templates."""

import datetime
import re
import uuid
from html import unescape
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from wagtail.models import GroupPagePermission
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.permissions import SENIOR_LEADERS
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import Journey, JourneyStatus, MemberRole, StepCompletion
from journeys.services.progress import complete_step, log_meeting, save_reflection, set_goal
from journeys.services.starting import start_journey
from journeys.services.state import journey_state
from matching.factories import EnrollmentFactory
from tests.journeys.upgrades import preview_form, upgrade_url
from tests.programs import run_by_program_admins

PROGRAM_ADMINS = "Program admins"
PRIVATE_WORDS = "I worry the reorganisation will sideline me"
SHARED_WORDS = "Listening more than talking changed our first meeting"
MEETING_NOTES = "We talked through the difficult conversation with Sam"
GOAL_WORDS = "Lead the quarterly review without notes"

LIST_URL = "journeys_admin:index"
START_URL = "journeys_admin:start"


def inspect_url(journey):
    return reverse("journeys_admin:inspect", args=[journey.pk])


def edit_url(journey):
    return reverse("journeys_admin:edit", args=[journey.pk])


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
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("permission" in m for m in messages), messages


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="programs@example.com", groups=[PROGRAM_ADMINS])


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


@pytest.fixture
def people(user_factory, program):
    """A mentor and a mentee enrolled in the program, as the start view offers them."""
    people = {
        "mentor": user_factory(email="ada@example.com", first_name="Ada", last_name="Lovelace"),
        "mentee": user_factory(email="grace@example.com", first_name="Grace", last_name="Hopper"),
    }
    for person in people.values():
        EnrollmentFactory(program=program, user=person)
    return people


@pytest.fixture
def journey(program, journey_page, people, today):
    """A pair a few weeks in, who have written, met and set a goal."""
    mentor, mentee = people["mentor"], people["mentee"]
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=today - datetime.timedelta(days=20),
    )
    first = journey_state(journey, today).snapshot.milestones[0]
    reflect = next(s for s in first.steps if s.kind == "reflect")
    save_reflection(journey, mentee, first.id, reflect.id, PRIVATE_WORDS, False, None, today)
    save_reflection(journey, mentor, first.id, reflect.id, SHARED_WORDS, True, None, today)
    log_meeting(journey, mentor, today, 45, MEETING_NOTES, "Book the next one", today)
    set_goal(journey, mentee, GOAL_WORDS, None, today)
    return journey


# Who may enter


@pytest.mark.parametrize("url_name", [LIST_URL, START_URL])
def test_a_program_admin_can_open_the_journey_list_and_the_start_view(
    admin_client, journey, url_name
):
    assert admin_client.get(reverse(url_name)).status_code == 200


def test_a_program_admin_can_open_the_upgrade_view(admin_client, journey):
    assert admin_client.get(upgrade_url(journey)).status_code == 200


def test_the_journeys_menu_item_is_shown_to_program_admins(admin_client, program):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse(LIST_URL) in html


def test_the_journeys_menu_item_is_hidden_from_program_admins_who_run_no_program(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse(LIST_URL) not in html


@pytest.fixture(params=["participant", "senior leader"])
def outsider(request, client, user_factory):
    groups = [SENIOR_LEADERS] if request.param == "senior leader" else []
    client.force_login(user_factory(groups=groups))
    return client


def test_participants_and_senior_leaders_cannot_open_the_journey_list(outsider, journey):
    assert_refused(outsider.get(reverse(LIST_URL)))
    assert_refused(outsider.get(inspect_url(journey)))
    assert_refused(outsider.get(edit_url(journey)))


def test_participants_and_senior_leaders_cannot_start_journeys(outsider, program, journey_page):
    assert_refused(outsider.get(reverse(START_URL)))
    assert_refused(outsider.post(reverse(START_URL), {"program": program.pk}))


def test_participants_and_senior_leaders_cannot_upgrade_journeys(outsider, journey):
    assert_refused(outsider.get(upgrade_url(journey)))
    assert_refused(outsider.post(upgrade_url(journey)))


# The list


def test_the_list_shows_members_program_template_progress_and_revision(admin_client, journey):
    html = admin_client.get(reverse(LIST_URL)).content.decode()

    assert "Ada Lovelace (Mentor), Grace Hopper (Mentee)" in html
    assert "Growing leaders" in html
    assert "First year together" in html
    assert f"{journey_state(journey, datetime.date.today()).state.progress_percent}%" in html
    assert "Yes" in html


def test_the_list_takes_the_same_number_of_queries_for_2_or_12_journeys(
    admin_client, program, journey_page, user_factory, today
):
    def start(count):
        for _ in range(count):
            start_journey(
                program,
                [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
                started_on=today,
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(LIST_URL)).status_code == 200
        return len(captured)

    start(2)
    queries()  # warm the template cache and the session
    few = queries()
    start(10)

    assert queries() == few


def test_the_list_filters_by_status(admin_client, journey, program, user_factory, today):
    other = start_journey(
        program,
        [
            (user_factory(email="paused@example.com"), MemberRole.MENTOR),
            (user_factory(), "mentee"),
        ],
        started_on=today,
    )
    Journey.objects.filter(pk=other.pk).update(status=JourneyStatus.PAUSED)

    html = admin_client.get(reverse(LIST_URL), {"status": "paused"}).content.decode()

    assert "paused@example.com" in html
    assert "Ada Lovelace" not in html


def test_the_list_filters_by_program(admin_client, journey, home, user_factory, today):
    elsewhere = ProgramPageFactory(
        parent=home, title="Reverse mentoring pilot", admins=run_by_program_admins()
    )
    page = JourneyPageFactory(parent=elsewhere, title="Learning from each other")
    start_journey(
        elsewhere,
        [(user_factory(email="pilot@example.com"), MemberRole.MENTOR), (user_factory(), "mentee")],
        started_on=today,
        template=page,
    )

    html = admin_client.get(reverse(LIST_URL), {"program": elsewhere.pk}).content.decode()

    assert "pilot@example.com" in html
    assert "Ada Lovelace" not in html


@pytest.mark.parametrize("query", ["grace@example", "Hopper", "grace hopper"])
def test_the_list_finds_journeys_by_a_members_name_or_email(
    admin_client, journey, program, user_factory, today, query
):
    start_journey(
        program,
        [
            (user_factory(email="someone@example.com"), MemberRole.MENTOR),
            (user_factory(), "mentee"),
        ],
        started_on=today,
    )

    html = admin_client.get(reverse(LIST_URL), {"q": query}).content.decode()

    assert "Grace Hopper (Mentee)" in html
    assert "someone@example.com" not in html


@pytest.fixture
def pilot(home, user_factory, today):
    """A journey of another program the admin runs, and one of a program they do not, each
    with a program and a template named like the ``journey`` fixture's."""
    elsewhere = ProgramPageFactory(
        parent=home, title="Reverse mentoring pilot", admins=run_by_program_admins()
    )
    start_journey(
        elsewhere,
        [(user_factory(email="pilot@example.com"), MemberRole.MENTOR), (user_factory(), "mentee")],
        started_on=today,
        template=JourneyPageFactory(parent=elsewhere, title="Learning from each other"),
    )
    unrun = ProgramPageFactory(parent=home, title="Growing leaders abroad")
    start_journey(
        unrun,
        [
            (user_factory(email="abroad@example.com"), MemberRole.MENTOR),
            (user_factory(), "mentee"),
        ],
        started_on=today,
        template=JourneyPageFactory(parent=unrun, title="First year together"),
    )


@pytest.mark.parametrize(
    "query", ["Growing", "growing LEADERS", "year together", "FIRST", "hopper together"]
)
def test_the_list_finds_journeys_by_the_program_and_template_it_shows(
    admin_client, journey, pilot, query
):
    html = admin_client.get(reverse(LIST_URL), {"q": query}).content.decode()

    assert "Grace Hopper (Mentee)" in html
    assert "pilot@example.com" not in html
    assert "abroad@example.com" not in html


@pytest.mark.parametrize("query", ["Mentoring", "each other", "reverse learning"])
def test_the_list_finds_another_programs_journeys_by_its_titles(
    admin_client, journey, pilot, query
):
    html = admin_client.get(reverse(LIST_URL), {"q": query}).content.decode()

    assert "pilot@example.com" in html
    assert "Grace Hopper (Mentee)" not in html


def test_the_export_has_the_lists_columns(admin_client, journey):
    response = admin_client.get(reverse(LIST_URL), {"export": "csv"})
    rows = b"".join(response.streaming_content).decode().splitlines()

    assert rows[0] == (
        "Members,Program,Journey template,Started on,Status,Progress %,"
        "Follows the latest revision,Never signed in"
    )
    assert rows[1].startswith('"Ada Lovelace (Mentor), Grace Hopper (Mentee)",Growing leaders,')
    assert rows[1].endswith(',Active,0,Yes,"Ada Lovelace, Grace Hopper"')


# Privacy


def test_no_admin_page_shows_what_members_wrote(admin_client, journey):
    pages = [
        admin_client.get(reverse(LIST_URL)).content.decode(),
        admin_client.get(inspect_url(journey)).content.decode(),
        admin_client.get(edit_url(journey)).content.decode(),
        admin_client.get(upgrade_url(journey)).content.decode(),
        b"".join(
            admin_client.get(reverse(LIST_URL), {"export": "csv"}).streaming_content
        ).decode(),
    ]

    for html in pages:
        for words in (PRIVATE_WORDS, SHARED_WORDS, MEETING_NOTES, GOAL_WORDS):
            assert words not in html


def test_the_inspect_view_counts_reflections_and_shows_meetings_by_date(
    admin_client, journey, today
):
    html = admin_client.get(inspect_url(journey)).content.decode()

    assert "2 reflections, 1 shared" in html
    assert f"{today:%-d %b %Y}, 45 minutes" in html
    assert "1 goal, 0 achieved" in html


def test_the_inspect_view_shows_planned_meetings_by_state_and_time_never_their_words(
    admin_client, journey, people
):
    from django.utils import timezone

    from journeys.services import meetings

    now = timezone.now()
    when = (now + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    plan = meetings.propose(
        journey,
        people["mentor"],
        options=[when],
        duration_minutes=40,
        place="PLACE-WORDS the corner table",
        video_link="",
        agenda="AGENDA-WORDS the reorganisation",
        now=now,
    )
    meetings.accept(plan, people["mentee"], when, now)
    html = admin_client.get(inspect_url(journey)).content.decode()

    local = timezone.localtime(when)
    assert f"Accepted: {local:%-d %b %Y, %H:%M}, 40 minutes" in html
    assert "AGENDA-WORDS" not in html and "PLACE-WORDS" not in html


def test_the_inspect_view_shows_each_milestones_state_and_who_did_what(admin_client, journey):
    html = admin_client.get(inspect_url(journey)).content.decode()

    assert "1. Milestone 1" in html
    assert "3. Milestone 3" in html
    assert 'data-milestone-state="overdue"' in html  # the first milestone was due on day 14
    assert "Reflect: Ada Lovelace, Grace Hopper" not in html  # a saved draft is not done
    assert "Grace Hopper — Mentee" in html


def test_a_program_admin_can_pause_a_journey_from_its_edit_form(admin_client, journey):
    response = admin_client.post(edit_url(journey), {"status": JourneyStatus.PAUSED})

    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.PAUSED


# Starting journeys


# A day the start view accepts whenever the tests run: within a year of today.
START_DAY = timezone.localdate() - datetime.timedelta(days=30)


def start_form(program, mentor, mentee=None, **extra):
    return {
        "program": program.pk,
        "template": "",
        "started_on": START_DAY.isoformat(),
        "shape": "pair",
        "mentor": mentor.pk,
        "mentee": mentee.pk if mentee else "",
        **extra,
    }


def test_starting_a_pair_creates_the_journey_and_returns_to_the_list(
    admin_client, program, journey_page, people
):
    response = admin_client.post(
        reverse(START_URL), start_form(program, people["mentor"], people["mentee"])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(LIST_URL)
    journey = Journey.objects.get()
    assert journey.template == journey_page
    assert journey.started_on == START_DAY
    assert {(m.user, m.role) for m in journey.memberships.all()} == {
        (people["mentor"], MemberRole.MENTOR),
        (people["mentee"], MemberRole.MENTEE),
    }
    messages = [unescape(str(m)).strip() for m in get_messages(response.wsgi_request)]
    # The admin's own way with dates: no leading zero, the month's short name.
    started = f"Started “{journey_page.title}” on {date_format(START_DAY, 'j M Y')}."
    assert [m for m in messages if m.startswith(started)]


def test_starting_a_circle_makes_everyone_but_the_mentor_a_member(
    admin_client, program, journey_page, people, user_factory
):
    members = [user_factory(), user_factory(), user_factory()]
    for member in members:
        EnrollmentFactory(program=program, user=member)
    form = start_form(program, people["mentor"], shape="circle")
    form["members"] = [u.pk for u in members]

    response = admin_client.post(reverse(START_URL), form)

    assert response.status_code == 302
    roles = sorted(m.role for m in Journey.objects.get().memberships.all())
    assert roles == ["member", "member", "member", "mentor"]


def test_starting_with_tracks_and_a_chosen_template(
    admin_client, program, journey_page, people, user_factory
):
    from content.factories import TopicFactory

    topic = TopicFactory(name="Giving feedback")
    other = JourneyPageFactory(parent=program, title="Feedback sprint")
    form = start_form(program, people["mentor"], people["mentee"], template=other.pk)
    form["tracks"] = [topic.pk]

    admin_client.post(reverse(START_URL), form)

    journey = Journey.objects.get()
    assert journey.template == other
    assert list(journey.tracks.all()) == [topic]


def test_the_same_person_cannot_be_mentor_and_mentee(admin_client, program, journey_page, people):
    response = admin_client.post(
        reverse(START_URL), start_form(program, people["mentor"], people["mentor"])
    )

    assert response.status_code == 200
    assert "Each person can appear only once in a journey." in response.content.decode()
    assert not Journey.objects.exists()


def test_a_circle_needs_two_members(admin_client, program, journey_page, people):
    form = start_form(program, people["mentor"], shape="circle")
    form["members"] = [people["mentee"].pk]

    response = admin_client.post(reverse(START_URL), form)

    assert "A circle needs at least two members besides its mentor." in response.content.decode()
    assert not Journey.objects.exists()


def test_a_journey_from_another_program_is_refused(
    admin_client, program, journey_page, home, people
):
    elsewhere = ProgramPageFactory(parent=home, title="Elsewhere", admins=run_by_program_admins())
    foreign = JourneyPageFactory(parent=elsewhere, title="Not ours")

    response = admin_client.post(
        reverse(START_URL),
        start_form(program, people["mentor"], people["mentee"], template=foreign.pk),
    )

    assert "belongs to another program" in response.content.decode()
    assert not Journey.objects.exists()


def test_a_pair_already_walking_the_journey_is_not_started_again(
    admin_client, program, journey_page, people
):
    form = start_form(program, people["mentor"], people["mentee"])
    assert admin_client.post(reverse(START_URL), form).status_code == 302

    response = admin_client.post(reverse(START_URL), form)

    assert response.status_code == 200
    assert (
        "These people already walk “First year together” together, since "
        f"{date_format(START_DAY, 'j F Y')}" in unescape(response.content.decode())
    )
    assert Journey.objects.count() == 1


def test_someone_of_another_program_is_refused_even_to_an_admin_of_both(
    admin_client, program, journey_page, home, people, user_factory
):
    elsewhere = ProgramPageFactory(parent=home, title="Elsewhere", admins=run_by_program_admins())
    stranger = user_factory(email="elin@example.com", first_name="Elin", last_name="Sundberg")
    EnrollmentFactory(program=elsewhere, user=stranger)

    response = admin_client.post(
        reverse(START_URL), start_form(program, people["mentor"], stranger)
    )

    assert response.status_code == 200
    assert (
        "Elin Sundberg <elin@example.com> is not enrolled in “Growing leaders”: they enrol on "
        "its page first."
    ) in unescape(response.content.decode())
    assert not Journey.objects.exists()


@pytest.mark.parametrize("started_on", ["1900-01-01", "2999-01-01"])
def test_a_start_day_far_from_today_is_refused(
    admin_client, program, journey_page, people, started_on
):
    form = start_form(program, people["mentor"], people["mentee"], started_on=started_on)

    response = admin_client.post(reverse(START_URL), form)

    assert response.status_code == 200
    assert "Choose a day from " in response.content.decode()
    assert not Journey.objects.exists()


def test_a_program_without_a_default_journey_says_so(admin_client, home, people):
    bare = ProgramPageFactory(parent=home, title="Just started", admins=run_by_program_admins())
    for person in people.values():
        EnrollmentFactory(program=bare, user=person)

    response = admin_client.post(
        reverse(START_URL), start_form(bare, people["mentor"], people["mentee"])
    )

    assert "has no default journey for a pair yet" in response.content.decode()
    assert not Journey.objects.exists()


# Upgrading


def publish_new_revision(page):
    kept = page.milestones[0]
    page.milestones = [
        {"type": "milestone", "id": kept.id, "value": kept.block.get_prep_value(kept.value)},
        milestone("A fresh start", "fresh", [step("checklist")]),
    ]
    page.save_revision().publish()
    page.refresh_from_db()


def test_the_upgrade_view_shows_what_would_change_before_doing_it(
    admin_client, journey, journey_page
):
    publish_new_revision(journey_page)
    before = journey.template_revision_id

    response = admin_client.get(upgrade_url(journey))

    text = text_of(response)
    assert "Milestones added A fresh start Its steps: Checklist item: Book a room" in text
    assert "Milestones removed Milestone 2 Its steps:" in text
    assert "Milestone 3 Its steps:" in text
    assert f"{journey}: 0 completed steps kept, 0 dropped." in text
    assert "Upgrade 1 journey" in text
    journey.refresh_from_db()
    assert journey.template_revision_id == before


def test_the_upgrade_view_names_steps_changed_in_a_kept_milestone(
    admin_client, journey, journey_page
):
    first = journey_page.milestones[0]
    value = first.block.get_prep_value(first.value)
    value["title"] = "Hello again"
    value["due_after_days"] = 21
    reflect = next(s for s in value["steps"] if s["type"] == "reflect")
    reflect["value"]["prompt"] = "What would you like to be known for?"
    journey_page.milestones = [
        {"type": "milestone", "id": first.id, "value": value},
        *[
            {"type": "milestone", "id": m.id, "value": m.block.get_prep_value(m.value)}
            for m in list(journey_page.milestones)[1:]
        ],
    ]
    journey_page.save_revision().publish()

    text = text_of(admin_client.get(upgrade_url(journey)))

    assert "Milestones changed Hello again (was “Milestone 1”) Changed: timing." in text
    assert "Steps changed: Reflect: What would you like to be known for?" in text
    assert "Milestones added" not in text and "Milestones removed" not in text


def text_of(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def publish_form(page, title):
    """The page editor's form for ``page`` with its milestones as they are, published."""
    data = nested_form_data(
        {
            "title": title,
            "slug": page.slug,
            "summary": "",
            "intro": page.intro,
            "milestones": streamfield(
                [
                    (
                        "milestone",
                        {
                            **m.block.get_prep_value(m.value),
                            "intro": rich_text(""),
                            "track": "",
                            "steps": streamfield(
                                [
                                    (s.block_type, s.block.get_prep_value(s.value))
                                    for s in m.value["steps"]
                                ]
                            ),
                        },
                    )
                    for m in page.milestones
                ]
            ),
            "comments": inline_formset([]),
        }
    )
    data["action-publish"] = "1"
    return data


def test_publishing_a_template_says_how_many_journeys_follow_older_revisions(
    admin_client, journey, journey_page, program, people, today, user_factory
):
    closed = start_journey(
        program,
        [(people["mentor"], MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
        started_on=today,
    )
    Journey.objects.filter(pk=closed.pk).update(status=JourneyStatus.CLOSED)

    response = admin_client.post(
        page_edit_url(journey_page), publish_form(journey_page, "First year, revised")
    )

    assert response.status_code == 302
    journey_page.refresh_from_db()
    assert journey_page.title == "First year, revised"
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    (warning,) = warnings
    assert (
        "1 journey under way follows an older revision of “First year, revised” and keeps "
        "doing so until it is upgraded."
    ) in unescape(warning)
    bulk = reverse("wagtail_bulk_action", args=["journeys", "journey", "upgrade"])
    link = f"{bulk}?id=all&amp;template={journey_page.pk}"
    assert link in warning

    # The link leads to the preview of that journey's upgrade, and only that journey's.
    preview = admin_client.get(unescape(link))
    assert preview.status_code == 200
    assert "revised: Grace Hopper, Ada Lovelace: 0 completed steps kept" in text_of(preview)
    assert "Upgrade 1 journey" in text_of(preview)


def test_publishing_a_template_no_journey_follows_says_nothing_more(admin_client, journey_page):
    response = admin_client.post(
        page_edit_url(journey_page), publish_form(journey_page, "Nobody walks this yet")
    )

    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_someone_who_cannot_upgrade_is_told_who_can(client, user_factory, journey, journey_page):
    client.force_login(user_factory(groups=["Editors", "Moderators"]))

    response = client.post(
        page_edit_url(journey_page), publish_form(journey_page, "Edited by an editor")
    )

    assert response.status_code == 302
    (warning,) = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert "A program admin can upgrade them under Journeys." in warning
    assert "template=" not in warning


def test_confirming_the_upgrade_moves_the_journey_on(admin_client, journey, journey_page):
    publish_new_revision(journey_page)
    url = upgrade_url(journey) + f"&next={reverse(LIST_URL)}"
    shown = preview_form(admin_client.get(url))
    assert shown["moves"]

    response = admin_client.post(url, shown)

    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.template_revision_id == journey_page.live_revision_id
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("1 journey now follows its template" in m for m in messages), messages


def test_the_upgrade_is_refused_when_the_template_was_published_again_after_the_preview(
    admin_client, journey, journey_page, today
):
    """The preview said the ticked step would be kept; a revision published since drops
    it. Confirming that preview moves nothing and says why."""
    first = journey_state(journey, today).snapshot.milestones[0]
    complete_step(journey, journey.memberships.first().user, first.id, first.steps[0].id, today)
    publish_new_revision(journey_page)
    url = upgrade_url(journey) + f"&next={reverse(LIST_URL)}"
    preview = admin_client.get(url)
    assert f"{journey}: 1 completed step kept, 0 dropped." in text_of(preview)
    shown = journey_page.live_revision_id
    before = journey.template_revision_id
    journey_page.milestones = [milestone("Start over", "over", [step("checklist")])]
    journey_page.save_revision().publish()
    journey_page.refresh_from_db()
    assert journey_page.live_revision_id != shown

    response = admin_client.post(url, preview_form(preview))

    assert response.status_code == 302
    assert response["Location"] == url
    journey.refresh_from_db()
    assert journey.template_revision_id == before
    assert StepCompletion.objects.filter(journey=journey).count() == 1
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("changed after you looked" in m and "Nothing was upgraded" in m for m in messages)
    again = admin_client.get(url)
    assert f"{journey}: 0 completed steps kept, 1 dropped." in text_of(again)


def test_the_list_marks_journeys_behind_the_latest_revision(admin_client, journey, journey_page):
    publish_new_revision(journey_page)

    html = admin_client.get(reverse(LIST_URL)).content.decode()

    assert "No: an upgrade is available" in html
    assert "Upgrade to the latest revision" in html


# Programs and journey templates


def test_a_new_program_gives_program_admins_its_page_permissions(home):
    program = ProgramPageFactory(parent=home, title="New cohort", admins=run_by_program_admins())

    codenames = set(
        GroupPagePermission.objects.filter(group__name=PROGRAM_ADMINS, page=program).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"add_page", "change_page", "publish_page"}


def with_ids(stream):
    """Give each new block an id, as the page editor's script does in the browser."""
    for index in range(int(stream["count"])):
        stream[str(index)]["id"] = str(uuid.uuid4())
    return stream


def milestone_form(title, key, prerequisites=""):
    return (
        "milestone",
        {
            "title": title,
            "key": key,
            "intro": rich_text(""),
            "opens_after_days": "0",
            "due_after_days": "14",
            "audience": "everyone",
            "prerequisites": prerequisites,
            "track": "",
            "steps": with_ids(streamfield([("checklist", {"text": "Book a room"})])),
        },
    )


def journey_form(title, milestones):
    return nested_form_data(
        {
            "title": title,
            "slug": slugify(title),
            "summary": "",
            "intro": "Six months, one conversation at a time.",
            "milestones": with_ids(streamfield(milestones)),
            "comments": inline_formset([]),
        }
    )


def page_edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_a_journey_templates_title_says_where_its_name_is_read(admin_client, journey_page):
    html = admin_client.get(page_edit_url(journey_page)).content.decode()

    assert "on the pages and in the emails of everyone walking it" in html
    assert "seen by the public" not in html


def test_a_program_admin_can_save_a_journey_template(admin_client, journey_page):
    form = journey_form(
        "First year, revised",
        [milestone_form("Hello", "hello"), milestone_form("Next", "next", "hello")],
    )

    response = admin_client.post(page_edit_url(journey_page), form)

    assert response.status_code == 302
    journey_page.refresh_from_db()
    latest = journey_page.get_latest_revision_as_object()
    assert latest.title == "First year, revised"
    assert [m.value["key"] for m in latest.milestones] == ["hello", "next"]


def test_a_prerequisite_cycle_is_refused_with_a_clear_message(admin_client, journey_page):
    before = journey_page.get_latest_revision().pk
    form = journey_form(
        "Going in circles",
        [milestone_form("First", "a", prerequisites="b"), milestone_form("Second", "b", "a")],
    )

    response = admin_client.post(page_edit_url(journey_page), form)

    assert response.status_code == 200
    assert "wait for each other, so none of them could ever open" in response.content.decode()
    assert journey_page.get_latest_revision().pk == before


def test_an_unknown_prerequisite_is_refused(admin_client, journey_page):
    before = journey_page.get_latest_revision().pk
    form = journey_form("Typo", [milestone_form("First", "first", prerequisites="frist")])

    response = admin_client.post(page_edit_url(journey_page), form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "lists prerequisites that are not keys of this" in html
    assert "frist" in html
    assert journey_page.get_latest_revision().pk == before


@pytest.mark.parametrize("field", ["opens_after_days", "due_after_days"])
def test_a_milestone_timed_beyond_ten_years_is_refused_at_its_field(
    admin_client, journey_page, field
):
    before = journey_page.get_latest_revision().pk
    name, milestone = milestone_form("Far away", "far")
    milestone[field] = "99999999999"
    form = journey_form("Too far", [(name, milestone)])

    response = admin_client.post(page_edit_url(journey_page), form)

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 3650." in response.content.decode()
    assert journey_page.get_latest_revision().pk == before


def test_an_editor_can_preview_a_journey_as_a_timeline(admin_client, journey_page):
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[journey_page.pk])
    form = journey_form(
        "Preview me",
        [milestone_form("Hello", "hello"), milestone_form("Looking back", "back", "hello")],
    )

    assert admin_client.post(url, form).json()["is_valid"]
    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello" in html
    assert "Looking back" in html


def test_an_editor_can_preview_a_new_program_before_it_is_first_saved(superuser_client, home):
    url = reverse("wagtailadmin_pages:preview_on_add", args=["journeys", "programpage", home.pk])
    form = nested_form_data(
        {
            "title": "Growing together",
            "slug": "growing-together",
            "summary": "",
            "intro": "A year of conversations for new managers.",
            "objectives": streamfield([]),
            "remind_days_before_due": "3",
            "nudge_after_inactive_days": "21",
            "erased_shared_text": "replace",
            "questions": inline_formset([]),
            "opt_in_attributes": inline_formset([]),
            "comments": inline_formset([]),
        }
    )

    assert superuser_client.post(url, form).json()["is_valid"]
    response = superuser_client.get(url)

    assert response.status_code == 200
    assert "A year of conversations for new managers." in response.content.decode()


# Large templates


def long_milestone_form(number, steps_each):
    """A milestone waiting for the one before it, with two-field steps (the most fields)."""
    kinds = [
        ("reflect", {"prompt": f"What did milestone {number} teach you?", "guidance": ""}),
        ("meet", {"purpose": "Talk it through", "discussion_guide": ""}),
    ]
    return (
        "milestone",
        {
            "title": f"Milestone {number}",
            "key": f"m{number}",
            "intro": rich_text(f"<p>Part {number} of the year.</p>"),
            "opens_after_days": str(number * 7),
            "due_after_days": "14",
            "audience": "everyone",
            "prerequisites": f"m{number - 1}" if number > 1 else "",
            "track": "",
            "steps": with_ids(streamfield([kinds[i % 2] for i in range(steps_each)])),
        },
    )


def long_journey_form(milestones, steps_each):
    return journey_form(
        "A long year", [long_milestone_form(n, steps_each) for n in range(1, milestones + 1)]
    )


def test_a_template_of_60_milestones_saves_through_the_page_editor(admin_client, journey_page):
    form = long_journey_form(60, steps_each=4)
    assert len(form) > 1000  # more fields than Django allows by default

    response = admin_client.post(page_edit_url(journey_page), form)

    assert response.status_code == 302
    journey_page.refresh_from_db()
    latest = journey_page.get_latest_revision_as_object()
    assert len(latest.milestones) == 60
    assert [len(m.value["steps"]) for m in latest.milestones] == [4] * 60
    assert latest.milestones[59].value["prerequisites"] == "m59"


def test_the_largest_supported_template_fits_the_upload_limits_with_room_to_spare(settings):
    """100 milestones of 8 steps, as the settings and the README promise."""
    form = long_journey_form(100, steps_each=8)

    assert len(form) == 1 + 100 * (13 + 6 * 8) + 8  # the stream, the milestones, the page
    assert len(form) * 1.5 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert len(urlencode(form)) * 2 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# Deleting pages that journeys follow


@pytest.fixture
def superuser_client(client, admin_user):
    """Only a superuser (or a group given bulk deletion) may delete a page with children."""
    client.force_login(admin_user)
    return client


def test_deleting_a_page_above_a_program_with_journeys_is_refused_saying_why(
    superuser_client, home, program, journey
):
    url = reverse("wagtailadmin_pages:delete", args=[home.pk])

    for response in (superuser_client.get(url), superuser_client.post(url)):
        assert response.status_code == 302
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(
            "journeys follow pages under it" in m and program.title in m for m in messages
        ), messages

    assert Journey.objects.filter(pk=journey.pk).exists()
    home.refresh_from_db()
    program.refresh_from_db()


def test_deleting_such_a_page_in_bulk_is_refused_saying_why(
    superuser_client, home, journey, program
):
    url = (
        reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
        + f"?id={home.pk}&next=/admin/pages/"
    )

    response = superuser_client.post(url)

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("journeys follow pages under it" in m for m in messages), messages
    program.refresh_from_db()
    assert Journey.objects.filter(pk=journey.pk).exists()


def test_a_page_with_no_journeys_below_it_is_deleted_as_before(superuser_client, home, program):
    other = ProgramPageFactory(parent=home, title="Finished pilot")
    JourneyPageFactory(parent=other, title="Pilot journey")

    response = superuser_client.post(reverse("wagtailadmin_pages:delete", args=[other.pk]))

    assert response.status_code == 302
    assert not type(other).objects.filter(pk=other.pk).exists()
