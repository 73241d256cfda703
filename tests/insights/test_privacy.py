"""Insights never show anyone's words, hide small groups, and keep each program to its admins."""

import csv
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from content.factories import LeaderProfileFactory
from insights.digest import send_insights_digests as write_digests
from journeys.models import OutboxEmail, Reflection
from journeys.services.outbox import deliver_due
from matching.models import Enrollment

from .conftest import GOAL_TEXT, MEETING_NOTES, PRIVATE, PROGRAM_ADMINS, SPONSORS

MARKERS = (PRIVATE, MEETING_NOTES, GOAL_TEXT, "ENROLMENT-MARKER", "PRIVATE-MARKER", "7f3a")


def dashboard_url(program):
    return reverse("insights:program", args=[program.pk])


def export_urls(html):
    return sorted(set(re.findall(r'href="(/admin/insights/\d+/export/[\w-]+\.csv)"', html)))


def assert_no_private_words(text):
    for marker in MARKERS:
        assert marker not in text


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


@pytest.fixture
def sponsor_client(client, sponsor):
    client.force_login(sponsor)
    return client


# No private words --------------------------------------------------------------------------


def test_the_scene_really_holds_private_reflections(scene):
    assert Reflection.objects.filter(text=PRIVATE, shared=False).count() >= 10


@pytest.mark.parametrize("viewer", ["program_admin", "superuser"])
def test_no_private_words_appear_in_the_dashboard_or_any_csv(
    client, scene, program, viewer, request
):
    client.force_login(request.getfixturevalue(viewer))
    html = client.get(dashboard_url(program)).content.decode()
    assert "Listening well" in html  # the dashboard did render the scene
    assert_no_private_words(html)

    urls = export_urls(html)
    assert len(urls) >= 8
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_private_words(response.content.decode())


def send_insights_digests():
    written = write_digests()
    deliver_due()
    return written


def test_no_private_words_appear_in_the_digest_emails(scene, program, program_admin, sponsor):
    assert send_insights_digests() == 2
    for stored in OutboxEmail.objects.all():  # nor in what the outbox keeps
        assert_no_private_words(repr(stored.context))

    assert {m.to[0] for m in mail.outbox} == {program_admin.email, sponsor.email}
    for message in mail.outbox:
        assert_no_private_words(message.body)
        assert_no_private_words(message.alternatives[0][0])
        assert_no_private_words(message.subject)


# Small groups ------------------------------------------------------------------------------


def attribute_rows(csv_text):
    return {row[0]: row for row in csv.reader(io.StringIO(csv_text))}


def test_an_attribute_shared_by_fewer_than_5_people_is_shown_only_as_fewer_than_5(
    admin_client, scene, program
):
    html = admin_client.get(dashboard_url(program)).content.decode()
    rows = attribute_rows(
        admin_client.get(
            reverse("insights:export", args=[program.pk, "attributes"])
        ).content.decode()
    )

    graduates = rows["First-generation graduate"]
    assert graduates[1:] == ["fewer than 5"] * 7
    assert "First-generation graduate" in html
    parents = rows["Parent or carer"]
    assert parents[1] == "5"
    assert parents[2] == "100.0"  # matched share


def test_the_health_of_fewer_than_5_active_journeys_in_a_group_is_not_shown(
    admin_client, scene, program
):
    rows = attribute_rows(
        admin_client.get(
            reverse("insights:export", args=[program.pk, "attributes"])
        ).content.decode()
    )

    # The five parents are in three journeys: too few to say how they are going.
    parents = rows["Parent or carer"]
    assert parents[4] == "3"
    assert parents[5:] == ["fewer than 5 active journeys"] * 3


def test_a_group_that_grows_to_5_people_is_shown(admin_client, scene, program, attributes):
    graduate = str(attributes[1].key)
    others = [
        e for e in Enrollment.objects.filter(program=program) if graduate not in e.attributes
    ]
    for enrolment in others[:4]:
        enrolment.attributes = [*enrolment.attributes, graduate]
        enrolment.save()

    rows = attribute_rows(
        admin_client.get(
            reverse("insights:export", args=[program.pk, "attributes"])
        ).content.decode()
    )

    assert rows["First-generation graduate"][1] == "5"


def sponsor_page_text(client, program):
    html = client.get(reverse("program_insights:page", args=[program.slug])).content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html[html.index('id="main"') :], flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_sponsor_never_reads_the_ratings_or_goals_of_fewer_than_5_people(
    client, sponsor, program_admin, program, start_pair, feedback
):
    """One pair's ratings and goal, averaged, are still theirs: a sponsor who knows who
    walks the program's only journey would read what each of them answered."""
    start_pair(days_ago=40, milestones=3, tracks=[feedback], pulse=1)
    client.force_login(sponsor)

    text = sponsor_page_text(client, program)

    assert "Health of journeys under way" in text  # the page did render its figures
    assert "1.0" not in text
    assert "out of 5" not in text
    assert "of the goals people set are achieved" not in text
    assert (
        "Fewer than 5 people rated the milestones on Giving feedback, too few to show "
        "without pointing at someone." in text
    )
    assert "Fewer than 5 people set goals, too few to show without pointing at someone." in text
    assert "Ratings from fewer than 5 people are not shown." in text

    client.force_login(program_admin)  # who sees the names sees the figures too
    text = sponsor_page_text(client, program)
    assert "Milestones on Giving feedback are rated 1.0 out of 5 on average" in text
    assert "100% of the goals people set are achieved" in text


TOPIC_FIGURE = re.compile(
    r"Milestones on Giving feedback are rated (\d\.\d) out of 5 on average.*?"
    r"Based on (\d+) ratings"
)
LISTENING_FIGURE = re.compile(
    r"Listening well \(material\) .*?Its milestones are rated (\d\.\d) out of 5 \((\d+) ratings\)"
)


def test_a_sponsor_cannot_work_out_a_hidden_rating_by_subtraction(
    client, sponsor, program_admin, program, start_pair, feedback
):
    """The topic's rating covers two milestones ("Getting started", which shows
    "Listening well", and "Feedback practice", on the topic's track); the material's
    covers the first alone. Eight people rated the first, and one pair the second:
    shown both, the topic's less the material's is that pair's ratings."""
    for _pair in range(3):
        start_pair(days_ago=40, milestones=1, pulse=4)
    start_pair(days_ago=40, milestones=3, tracks=[feedback], pulse=1)

    client.force_login(program_admin)  # who sees names sees every figure: the leak is real
    text = sponsor_page_text(client, program)
    topic, listening = TOPIC_FIGURE.search(text), LISTENING_FIGURE.search(text)
    assert topic and listening
    # Ratings are whole numbers, so each figure's sum is its average times its count,
    # rounded: exact while the count is under 10.
    topic_sum = round(float(topic[1]) * int(topic[2]))
    listening_sum = round(float(listening[1]) * int(listening[2]))
    practice_ratings = int(topic[2]) - int(listening[2])
    assert practice_ratings == 2
    assert round((topic_sum - listening_sum) / practice_ratings, 1) == 1.0  # the pair's answer

    client.force_login(sponsor)
    text = sponsor_page_text(client, program)

    topic, listening = TOPIC_FIGURE.search(text), LISTENING_FIGURE.search(text)
    assert bool(topic) != bool(listening)  # one of them, and only one, is shown
    assert "Ratings from fewer than 5 people are not shown." in text
    assert (
        "Nor are those that, taken with the others on this page, would give theirs away." in text
    )
    if topic:
        assert "2.8" in text and "3.2" not in text
        assert (
            "Its rating is not shown: taken with the other ratings on this page, it would "
            "give away those of fewer than 5 people." in text
        )
    else:
        assert "3.2" in text and "2.8" not in text
        assert (
            "The rating of the milestones on Giving feedback is not shown: taken with the "
            "other ratings on this page, it would give away those of fewer than 5 people." in text
        )


# Names -------------------------------------------------------------------------------------


def test_program_admins_see_the_names_in_journeys_that_need_attention(
    admin_client, scene, program
):
    html = admin_client.get(dashboard_url(program)).content.decode()

    assert "Mentee 2 (Mentee)" in html  # the stalled pair, at risk
    assert reverse("journeys_admin:inspect", args=[scene["stalled"][0].pk]) in html


def test_sponsors_have_no_admin_and_so_no_dashboard_and_no_csv(sponsor_client, scene, program):
    for url in (
        dashboard_url(program),
        reverse("insights:index"),
        reverse("insights:export", args=[program.pk, "health"]),
        reverse("insights:export", args=[program.pk, "journeys"]),
    ):
        response = sponsor_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_sponsors_digest_has_counts_and_the_admins_digest_has_names(
    scene, program, program_admin, sponsor
):
    send_insights_digests()
    by_recipient = {m.to[0]: m for m in mail.outbox}

    admin_text = by_recipient[program_admin.email].body
    sponsor_text = by_recipient[sponsor.email].body
    assert "Mentee 2 (Mentee), Mentor 2 (Mentor)" in admin_text
    assert "At risk: 2" in sponsor_text
    assert "Mentee" not in sponsor_text and "Mentor" not in sponsor_text
    assert "/admin/" not in sponsor_text


# Who sees which program --------------------------------------------------------------------


@pytest.fixture
def unrun_program(home):
    """A program nobody but superusers administers."""
    from journeys.factories import ProgramPageFactory

    return ProgramPageFactory(parent=home, title="Someone else's program")


def test_program_admins_see_the_dashboards_of_the_programs_they_administer(
    admin_client, program, other_program
):
    for chosen in (program, other_program):
        assert admin_client.get(dashboard_url(chosen)).status_code == 200
    html = admin_client.get(reverse("insights:index")).content.decode()
    assert program.title in html and other_program.title in html


def test_an_admin_cannot_see_the_dashboard_or_csvs_of_a_program_they_do_not_run(
    admin_client, program, unrun_program
):
    assert admin_client.get(dashboard_url(unrun_program)).status_code == 404
    for table in ("journeys", "health", "enrolment"):
        csv_url = reverse("insights:export", args=[unrun_program.pk, table])
        assert admin_client.get(csv_url).status_code == 404
    html = admin_client.get(reverse("insights:index")).content.decode()
    assert program.title in html
    assert unrun_program.title not in html


def test_a_program_admin_who_runs_no_program_has_no_insights(client, user_factory, program):
    client.force_login(user_factory(groups=[PROGRAM_ADMINS]))
    program.admin_groups.clear()
    program.save_revision().publish()

    for url in (dashboard_url(program), reverse("insights:index")):
        response = client.get(url)
        assert response.status_code in (302, 404)
        assert program.title not in response.content.decode()
    names = sidebar_items(client.get(reverse("wagtailadmin_home")).content.decode())
    assert "insights" not in names


def test_a_superuser_sees_every_dashboard_with_names(client, user_factory, scene, unrun_program):
    program = scene["stalled"][0].program
    client.force_login(user_factory(is_superuser=True, is_staff=True))

    assert client.get(dashboard_url(unrun_program)).status_code == 200
    assert "Mentee 2 (Mentee)" in client.get(dashboard_url(program)).content.decode()


def test_a_linked_sponsor_outside_the_sponsors_group_sees_no_insights(client, user_factory, home):
    from journeys.factories import ProgramPageFactory

    person = user_factory(email="leader@example.com")
    program = ProgramPageFactory(
        parent=home, sponsor=LeaderProfileFactory(name="Leader", user=person)
    )
    client.force_login(person)

    response = client.get(dashboard_url(program))

    # No admin at all: Wagtail sends them to sign in.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def sidebar_items(html):
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1)
    return set(re.findall(r'"name": "([^"]+)"', props))


@pytest.mark.parametrize(
    "url_name",
    [
        "wagtailadmin_home",
        "insights:index",
        "wagtailadmin_account",
        "wagtailadmin_explore_root",
        "journeys_admin:index",
        "matching_enrolments:index",
        "matching_policies:index",
        "matching_runs:index",
        "wagtailsnippets:index",
        "wagtailimages:index",
        "wagtailadmin_reports:site_history",
        "wagtailadmin_pages:search",
        "wagtailadmin_choose_page",
    ],
)
def test_a_sponsor_is_sent_to_sign_in_from_anywhere_in_the_admin(
    sponsor_client, program, url_name
):
    """Sponsors do not use the admin: the "Sponsors" group gives no access to it."""
    response = sponsor_client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_sponsor_who_also_edits_keeps_the_rest_of_the_admin(client, user_factory, program):
    from content.permissions import SENIOR_LEADERS

    leader = user_factory(groups=[SENIOR_LEADERS, SPONSORS])
    program.sponsor.user = leader
    program.sponsor.save()
    client.force_login(leader)

    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(reverse("wagtailadmin_reports:site_history")).status_code == 200
    names = sidebar_items(client.get(reverse("wagtailadmin_home")).content.decode())
    assert "insights" not in names


def test_the_admin_shows_no_avatar_from_elsewhere(admin_client, program):
    html = admin_client.get(reverse("insights:index")).content.decode()
    assert "gravatar" not in html


def test_program_admins_have_the_insights_menu(admin_client, program):
    names = sidebar_items(admin_client.get(reverse("wagtailadmin_home")).content.decode())

    assert {"insights", "journeys"} <= names


def test_people_without_insights_rights_are_refused(client, user_factory, program):
    from content.permissions import SENIOR_LEADERS

    client.force_login(user_factory(groups=[SENIOR_LEADERS]))

    for url in (dashboard_url(program), reverse("insights:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    names = sidebar_items(client.get(reverse("wagtailadmin_home")).content.decode())
    assert "insights" not in names


def test_the_sponsors_group_has_no_admin_and_program_admins_see_insights(db):
    from django.contrib.auth.models import Group

    sponsors = Group.objects.get(name=SPONSORS)
    admins = Group.objects.get(name=PROGRAM_ADMINS)

    assert set(sponsors.permissions.values_list("codename", flat=True)) == {
        "view_sponsored_insights",
    }
    assert "view_insights" in admins.permissions.values_list("codename", flat=True)


def test_a_dashboard_seen_by_an_admin_is_never_served_to_someone_else(
    client, scene, program, program_admin, user_factory
):
    client.force_login(program_admin)
    for _ in range(3):  # anything that could be kept from these views is kept
        assert "Mentee 2 (Mentee)" in client.get(dashboard_url(program)).content.decode()

    client.force_login(user_factory(groups=[PROGRAM_ADMINS]))
    program.admin_groups.clear()
    program.save_revision().publish()
    client.force_login(user_factory(groups=[PROGRAM_ADMINS]))

    response = client.get(dashboard_url(program))
    assert response.status_code in (302, 404)
    assert "Mentee 2" not in response.content.decode()
