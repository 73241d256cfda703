"""The sponsor's page on the site: who may open it, what each sees, and how its charts read."""

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from wagtail.models import Page, Site

from cms.models import HomePage
from content.factories import LeaderProfileFactory
from insights import snapshots
from journeys.factories import ProgramPageFactory
from journeys.models import Journey, JourneyStatus, ProgramPage
from journeys.services.templates import clear_cache
from tests.programs import run_by_program_admins

from .conftest import PROGRAM_ADMINS, SPONSORS
from .helpers import bulk_journeys


def page_url(program):
    return reverse("program_insights:page", args=[program.slug])


@pytest.fixture
def sponsor_client(client, sponsor):
    client.force_login(sponsor)
    return client


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


def names_in(scene):
    return {
        f"{person.first_name} {person.last_name}"
        for _journey, people in scene.values()
        for person in people
    }


def test_the_page_lives_at_programs_slug_insights(program):
    assert page_url(program) == f"/programs/{program.slug}/insights/"


def test_someone_not_signed_in_is_sent_to_sign_in(client, program):
    response = client.get(page_url(program))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={page_url(program)}" in response["Location"].replace("%2F", "/")


def test_a_sponsor_sees_their_program(sponsor_client, scene, program):
    response = sponsor_client.get(page_url(program))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Growing leaders" in response.content.decode()


def test_a_sponsor_gets_404_for_a_program_they_do_not_sponsor(
    sponsor_client, program, other_program
):
    assert sponsor_client.get(page_url(other_program)).status_code == 404


def test_a_program_that_does_not_exist_answers_404_as_well(sponsor_client, program):
    response = sponsor_client.get(reverse("program_insights:page", args=["no-such-program"]))

    assert response.status_code == 404


def test_the_sponsor_of_another_program_gets_404(client, user_factory, home, program):
    other = user_factory(email="other-sponsor@example.com", groups=[SPONSORS])
    ProgramPageFactory(
        parent=home, title="Reverse mentoring", sponsor=LeaderProfileFactory(user=other)
    )
    client.force_login(other)

    assert client.get(page_url(program)).status_code == 404


def test_a_participant_gets_404(client, scene, program):
    _journey, (mentor, _mentee) = scene["thriving"]
    client.force_login(mentor)

    assert client.get(page_url(program)).status_code == 404


def test_a_sponsor_sees_counts_and_never_a_name(sponsor_client, scene, program):
    html = sponsor_client.get(page_url(program)).content.decode()

    assert "Of 8 active journeys: 2 on track, 4 needing attention, 2 at risk." in html
    assert not [name for name in names_in(scene) if name in html]
    assert "/admin/" not in html.split('class="site-footer"')[0]


def test_a_program_whose_journeys_have_all_ended_does_not_say_none_has_started_yet(
    sponsor_client, program, start_pair
):
    finished, _people = start_pair(days_ago=60, milestones=2)
    closed, _people = start_pair(days_ago=60, milestones=0)
    paused, _people = start_pair(days_ago=30, milestones=1)
    Journey.objects.filter(pk=finished.pk).update(status=JourneyStatus.COMPLETED)
    Journey.objects.filter(pk=closed.pk).update(status=JourneyStatus.CLOSED)
    Journey.objects.filter(pk=paused.pk).update(status=JourneyStatus.PAUSED)

    html = sponsor_client.get(page_url(program)).content.decode()

    assert "No journey is under way yet." not in html
    assert "No journey is under way: of the 3 journeys, 2 have ended and 1 is paused." in html


def test_a_program_admin_sees_names_in_journeys_at_risk_with_links_into_the_admin(
    admin_client, scene, program
):
    html = admin_client.get(page_url(program)).content.decode()
    stalled = scene["stalled"][0]

    assert "Mentee 2 (Mentee), Mentor 2 (Mentor)" in html
    assert f'href="/admin/journeys/inspect/{stalled.pk}/"' in html
    assert f'href="{reverse("insights:program", args=[program.pk])}"' in html
    assert f'href="{reverse("journeys_admin:index")}?program={program.pk}"' in html
    assert f'href="{reverse("matching_enrolments:index")}?program={program.pk}"' in html
    assert f'href="{reverse("matching_runs:index")}?program={program.pk}"' in html


def test_the_objectives_come_first_in_plain_sentences(sponsor_client, scene, program):
    html = sponsor_client.get(page_url(program)).content.decode()
    main = html[html.index('id="main"') :]

    assert main.index('id="objectives"') < main.index('id="health"')
    # One person set the only goal: too few to show a sponsor (test_privacy).
    assert "1 of 3 objectives are on target. 3 more cannot be judged yet." in html
    assert (
        "The “start” milestone is done in 88% of the journeys it belongs to, against a "
        "target of 80%. Based on 8 journeys." in html
    )
    assert "No measure is set for this objective." in html


def test_each_section_says_how_fresh_its_figures_are(sponsor_client, scene, program):
    html = sponsor_client.get(page_url(program)).content.decode()
    sections = re.findall(r'<section class="sponsor__section".*?</section>', html, re.S)

    assert len(sections) == 6
    for section in sections:
        assert re.search(r'<time datetime="[^"]+">Figures as of \d\d:\d\d today</time>', section)


def test_the_milestone_chart_is_a_funnel_that_never_rises(sponsor_client, scene, program):
    html = sponsor_client.get(page_url(program)).content.decode()
    values = [int(n) for n in re.findall(r'<span class="sponsor-funnel__value">(\d+) \(', html)]

    assert values == [7, 2, 2]
    assert "How far journeys have come: First year together" in html


class ChartParser(HTMLParser):
    """Each chart's heading, axis titles, legend entries and its SVG's name."""

    def __init__(self):
        super().__init__()
        self.charts = []
        self.ids = {}
        self._text_target = None
        self._in_chart = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "figure" and "sponsor-chart" in classes:
            self.charts.append(
                {"labelledby": attrs.get("aria-labelledby"), "axes": [], "legend": []}
            )
            self._in_chart = True
        if attrs.get("id"):
            self.ids[attrs["id"]] = tag
        if not self._in_chart:
            return
        chart = self.charts[-1]
        if tag == "svg" and "sponsor-chart__plot" in classes:
            chart["svg"] = attrs
        if tag == "p" and "sponsor-chart__axis" in classes:
            self._text_target = chart["axes"]
        if tag == "li" and "sponsor-legend__item" in classes:
            self._text_target = chart["legend"]
        if tag == "h3":
            self._text_target = chart.setdefault("heading", [])

    def handle_endtag(self, tag):
        if tag == "figure":
            self._in_chart = False

    def handle_data(self, data):
        if self._text_target is not None and data.strip():
            self._text_target.append(data.strip())
            self._text_target = None


def test_every_chart_has_a_heading_axis_titles_and_a_legend_for_two_series(
    sponsor_client, scene, program
):
    parser = ChartParser()
    parser.feed(sponsor_client.get(page_url(program)).content.decode())
    charts = {chart["heading"][0]: chart for chart in parser.charts}

    assert set(charts) == {
        "People enrolled to date, by week",
        "Steps completed and meetings held, by week",
    }
    for chart in charts.values():
        heading_id, desc_id = chart["svg"]["aria-labelledby"].split()
        assert chart["svg"]["role"] == "img"
        assert parser.ids[heading_id] == "h3" and parser.ids[desc_id] == "desc"
        assert "viewbox" not in chart["svg"]  # nothing scales its text down
        assert len(chart["axes"]) == 2 and chart["axes"][1] == "Week starting"
    assert charts["Steps completed and meetings held, by week"]["legend"] == [
        "Steps completed",
        "Meetings held",
    ]
    assert charts["People enrolled to date, by week"]["legend"] == []


def test_the_figures_are_behind_show_the_figures_in_tables_of_at_most_four_columns(
    sponsor_client, scene, program
):
    html = sponsor_client.get(page_url(program)).content.decode()
    figures = re.findall(
        r"<details class=\"disclosure sponsor-figures\">(.*?)</details>", html, re.S
    )

    assert len(figures) == 5  # objectives, enrolment, engagement, the funnel, content
    for block in figures:
        assert "<summary>Show the figures</summary>" in block
        header = re.search(r"<thead>(.*?)</thead>", block, re.S).group(1)
        assert 2 <= header.count("<th ") <= 4


def test_my_mentoring_links_a_sponsor_to_their_programs_page(sponsor_client, program):
    html = sponsor_client.get(reverse("journeys:my_mentoring")).content.decode()

    assert "How your programs are going" in html
    assert f'href="{page_url(program)}">Growing leaders</a>' in html


def test_my_mentoring_lists_no_programs_for_a_participant(client, scene, program):
    client.force_login(scene["thriving"][1][0])

    html = client.get(reverse("journeys:my_mentoring")).content.decode()

    assert "How your programs are going" not in html


def test_the_admin_dashboard_and_index_open_the_sponsors_page(admin_client, scene, program):
    dashboard = admin_client.get(reverse("insights:program", args=[program.pk])).content.decode()
    index = admin_client.get(reverse("insights:index")).content.decode()

    assert f'href="{page_url(program)}">Open the sponsor’s page</a>' in dashboard
    assert f'href="{page_url(program)}">Open the sponsor’s page' in index


def test_a_program_admin_who_is_also_in_sponsors_still_sees_names(
    client, user_factory, scene, program
):
    both = user_factory(email="both@example.com", groups=[PROGRAM_ADMINS, SPONSORS])
    client.force_login(both)

    html = client.get(page_url(program)).content.decode()

    assert "Mentee 2 (Mentee), Mentor 2 (Mentor)" in html


def test_the_page_costs_the_same_queries_for_3_or_30_journeys(
    plain_admin_client, program, template, today, home, django_assert_max_num_queries
):
    large = ProgramPageFactory(
        parent=home,
        title="Large",
        objectives=program.objectives.raw_data,
        admins=run_by_program_admins(),
    )
    bulk_journeys(program, template, 3, today, prefix="small")
    bulk_journeys(large, template, 30, today, prefix="large")
    counts = []
    for chosen in (program, large):
        snapshots.work_out(chosen.pk)
        plain_admin_client.get(page_url(chosen))  # parse templates once
        clear_cache()
        cache.clear()
        with django_assert_max_num_queries(20) as captured:
            response = plain_admin_client.get(page_url(chosen))
        assert response.status_code == 200
        assert "still being worked out" not in response.content.decode()
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]


def test_a_program_of_another_site_answers_404_on_this_one(sponsor_client, program):
    elsewhere = HomePage(title="Cold Chain mentoring", slug="cold-chain")
    Page.get_first_root_node().add_child(instance=elsewhere)
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=elsewhere)

    assert sponsor_client.get(page_url(program), HTTP_HOST="127.0.0.1").status_code == 404
    assert sponsor_client.get(page_url(program)).status_code == 200
    html = sponsor_client.get(reverse("journeys:my_mentoring"), HTTP_HOST="127.0.0.1")
    assert page_url(program) not in html.content.decode()


def test_my_mentoring_lists_nothing_once_the_person_no_longer_sponsors_the_program(
    client, sponsor, program
):
    ProgramPage.objects.filter(pk=program.pk).update(sponsor=None)
    client.force_login(sponsor)

    html = client.get(reverse("journeys:my_mentoring")).content.decode()

    assert "How your programs are going" not in html


def a_second_home(title, slug):
    home = HomePage(title=title, slug=slug)
    Page.get_first_root_node().add_child(instance=home)
    return home


def test_two_programs_of_one_slug_on_two_sites_each_open_on_their_own_site(
    client, user_factory, home, program
):
    other_home = a_second_home("Cold Chain", "cold-chain")
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_home)
    other_sponsor = user_factory(email="other-sponsor@example.com", groups=[SPONSORS])
    twin = ProgramPageFactory(
        parent=other_home,
        title="Growing leaders at Cold Chain",
        slug=program.slug,
        sponsor=LeaderProfileFactory(user=other_sponsor),
    )
    client.force_login(other_sponsor)

    there = client.get(page_url(twin), HTTP_HOST="127.0.0.1")
    mine = client.get(reverse("journeys:my_mentoring"), HTTP_HOST="127.0.0.1").content.decode()

    assert there.status_code == 200
    assert "Growing leaders at Cold Chain" in there.content.decode()
    assert client.get(page_url(twin)).status_code == 404
    assert f'href="{page_url(twin)}">Growing leaders at Cold Chain</a>' in mine


def test_the_dashboard_of_a_program_no_site_serves_links_to_no_other_programs_page(
    plain_admin_client, home, program
):
    draft_home = a_second_home("Cold Chain, in preparation", "cold-chain")
    twin = ProgramPageFactory(
        parent=draft_home, title="Growing leaders at Cold Chain", slug=program.slug
    )
    snapshots.work_out(twin.pk)

    dashboard = plain_admin_client.get(reverse("insights:program", args=[twin.pk]))
    index = plain_admin_client.get(reverse("insights:index")).content.decode()

    assert dashboard.status_code == 200
    assert "Open the sponsor’s page" not in dashboard.content.decode()
    assert index.count(f'href="{page_url(program)}"') == 1
    assert "On no site yet" in index
