"""Insights never show anyone's words, hide small groups, and keep sponsors to their program."""

import csv
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from content.factories import LeaderProfileFactory
from journeys.insights.digest import send_insights_digests as write_digests
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


@pytest.mark.parametrize("viewer", ["program_admin", "sponsor"])
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


# Names -------------------------------------------------------------------------------------


def test_program_admins_see_the_names_in_journeys_that_need_attention(
    admin_client, scene, program
):
    html = admin_client.get(dashboard_url(program)).content.decode()

    assert "Mentee 2 (Mentee)" in html  # the stalled pair, at risk
    assert reverse("journeys_admin:inspect", args=[scene["stalled"][0].pk]) in html


def test_sponsors_see_counts_but_no_names_and_no_journey(sponsor_client, scene, program):
    html = sponsor_client.get(dashboard_url(program)).content.decode()

    assert "At risk" in html
    for _journey, people in scene.values():
        for person in people:
            assert person.email not in html
            assert person.get_full_name() not in html
    assert "/admin/journeys/" not in html


def test_sponsors_cannot_download_the_list_of_journeys(sponsor_client, scene, program):
    response = sponsor_client.get(reverse("insights:export", args=[program.pk, "health"]))

    assert response.status_code == 404


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


# Who sees which program --------------------------------------------------------------------


def test_a_sponsor_sees_their_own_programs_dashboard(sponsor_client, scene, program):
    assert sponsor_client.get(dashboard_url(program)).status_code == 200


def test_a_sponsor_cannot_see_another_programs_dashboard(sponsor_client, program, other_program):
    assert sponsor_client.get(dashboard_url(other_program)).status_code == 404
    csv_url = reverse("insights:export", args=[other_program.pk, "journeys"])
    assert sponsor_client.get(csv_url).status_code == 404


def test_a_sponsor_of_another_program_cannot_see_this_one(client, user_factory, program):
    other = user_factory(email="other-sponsor@example.com", groups=[SPONSORS])
    LeaderProfileFactory(name="Someone else", user=other)
    client.force_login(other)

    assert client.get(dashboard_url(program)).status_code == 404
    assert program.title not in client.get(reverse("insights:index")).content.decode()


def test_a_linked_sponsor_outside_the_sponsors_group_sees_no_insights(client, user_factory, home):
    from journeys.factories import ProgramPageFactory

    person = user_factory(email="leader@example.com")
    program = ProgramPageFactory(
        parent=home, sponsor=LeaderProfileFactory(name="Leader", user=person)
    )
    client.force_login(person)

    response = client.get(dashboard_url(program))

    # Not in the group, so no admin at all: Wagtail sends them to sign in.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_index_lists_only_the_sponsors_own_programs(sponsor_client, program, other_program):
    html = sponsor_client.get(reverse("insights:index")).content.decode()

    assert program.title in html
    assert other_program.title not in html


def sidebar_items(html):
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1)
    return set(re.findall(r'"name": "([^"]+)"', props))


def test_a_sponsors_menu_holds_insights_and_nothing_else(sponsor_client, program):
    names = sidebar_items(sponsor_client.get(reverse("insights:index")).content.decode())

    assert "insights" in names
    for hidden in (
        "explorer",
        "journeys",
        "matching",
        "snippets",
        "images",
        "documents",
        "reports",
        "settings",
        "help",
    ):
        assert hidden not in names


@pytest.mark.parametrize(
    "url_name",
    [
        "wagtailadmin_explore_root",
        "journeys_admin:index",
        "wagtailsnippets:index",
        "wagtailimages:index",
        "wagtaildocs:index",
        "wagtailusers_users:index",
        "wagtailusers_groups:index",
        "wagtailadmin_reports:locked_pages",
        "wagtailadmin_reports:aging_pages",
        "wagtailadmin_reports:site_history",
        "wagtailadmin_reports:page_types_usage",
        "wagtailadmin_pages:search",
        "wagtailadmin_choose_page",
        "wagtailadmin_tag_autocomplete",
        "wagtailforms:index",
        "wagtailadmin_workflows:index",
        "wagtailsites:index",
    ],
)
def test_a_sponsor_is_refused_the_rest_of_the_admin(sponsor_client, program, url_name):
    response = sponsor_client.get(reverse(url_name))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def test_a_sponsors_admin_home_is_their_insights(sponsor_client, program):
    response = sponsor_client.get(reverse("wagtailadmin_home"), follow=True)

    assert response.redirect_chain == [(reverse("insights:index"), 302)]
    html = response.content.decode()
    assert program.title in html
    assert 'role="search"' not in html  # Wagtail's page search on its home page


def test_a_refused_sponsor_is_told_so_on_their_insights(sponsor_client, program):
    response = sponsor_client.get(reverse("wagtailadmin_reports:site_history"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("insights:index")
    assert "You do not have permission" in response.content.decode().replace("Sorry, you", "You")


@pytest.mark.parametrize("url_name", ["wagtailadmin_account", "insights:index"])
def test_a_sponsor_keeps_their_own_account_and_insights(sponsor_client, program, url_name):
    assert sponsor_client.get(reverse(url_name)).status_code == 200


def test_a_sponsor_who_also_edits_keeps_the_rest_of_the_admin(client, user_factory, program):
    from content.permissions import SENIOR_LEADERS

    leader = user_factory(groups=[SENIOR_LEADERS, SPONSORS])
    program.sponsor.user = leader
    program.sponsor.save()
    client.force_login(leader)

    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(reverse("wagtailadmin_reports:site_history")).status_code == 200


def test_the_admin_shows_no_avatar_from_elsewhere(sponsor_client, admin_client, program):
    for browser in (sponsor_client, admin_client):
        html = browser.get(reverse("insights:index")).content.decode()
        assert "gravatar" not in html


@pytest.mark.parametrize(
    "url_name", ["matching_enrolments:index", "matching_policies:index", "matching_runs:index"]
)
def test_a_sponsor_is_refused_matching(sponsor_client, program, url_name):
    response = sponsor_client.get(reverse(url_name))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def test_program_admins_see_every_programs_dashboard(admin_client, program, other_program):
    for chosen in (program, other_program):
        assert admin_client.get(dashboard_url(chosen)).status_code == 200
    html = admin_client.get(reverse("insights:index")).content.decode()
    assert program.title in html and other_program.title in html


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


def test_the_sponsors_group_and_program_admins_carry_the_insights_permissions(db):
    from django.contrib.auth.models import Group

    sponsors = Group.objects.get(name=SPONSORS)
    admins = Group.objects.get(name=PROGRAM_ADMINS)

    assert set(sponsors.permissions.values_list("codename", flat=True)) == {
        "access_admin",
        "view_sponsored_insights",
    }
    assert "view_insights" in admins.permissions.values_list("codename", flat=True)


def test_a_page_seen_by_an_admin_is_never_served_to_a_sponsor(
    client, scene, program, program_admin, sponsor
):
    client.force_login(program_admin)
    for _ in range(3):  # anything that could be kept from these views is kept
        assert "Mentee 2 (Mentee)" in client.get(dashboard_url(program)).content.decode()

    client.force_login(sponsor)
    html = client.get(dashboard_url(program)).content.decode()

    assert "At risk" in html
    assert "Mentee 2" not in html


def test_a_sponsor_who_is_no_longer_the_sponsor_loses_the_page_at_once(
    sponsor_client, scene, program
):
    for _ in range(3):  # anything that could be kept from these views is kept
        assert sponsor_client.get(dashboard_url(program)).status_code == 200
    program.sponsor = None
    program.save_revision().publish()

    assert sponsor_client.get(dashboard_url(program)).status_code == 404
