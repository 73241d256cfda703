"""The dashboard page: accessible charts with tables, CSV exports, constant queries."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from insights import snapshots
from insights.health import FORMULA
from journeys.factories import ProgramPageFactory
from journeys.services.templates import clear_cache
from tests.programs import run_by_program_admins

from .helpers import bulk_journeys


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


def dashboard(client, program):
    response = client.get(reverse("insights:program", args=[program.pk]))
    assert response.status_code == 200
    return response.content.decode()


def objective_statuses(client, program):
    """Each objective's status, by its title, from the objectives CSV."""
    response = client.get(reverse("insights:export", args=[program.pk, "objectives"]))
    return {row[0]: row[4] for row in list(csv.reader(io.StringIO(response.content.decode())))[1:]}


def test_every_chart_is_an_image_named_by_its_title_and_description(admin_client, scene, program):
    html = dashboard(admin_client, program)
    charts = re.findall(r"<svg class=\"insights-svg[^>]*>", html)

    assert len(charts) >= 4  # enrolment, health, funnel, engagement
    for tag in charts:
        assert 'role="img"' in tag
        chart_id = re.search(r'aria-labelledby="([\w-]+)-title \1-desc"', tag).group(1)
        assert f'<title id="{chart_id}-title">' in html
        assert f'<desc id="{chart_id}-desc">' in html


def test_every_chart_has_its_figures_as_a_table_too(admin_client, scene, program):
    html = dashboard(admin_client, program)
    figures = re.findall(r'<figure class="insights-chart">(.*?)</figure>', html, re.S)

    assert figures
    for figure in figures:
        assert "<details" in figure and "<table" in figure and "<caption>" in figure


def test_the_funnel_chart_describes_its_milestones_in_words(admin_client, scene, program):
    html = dashboard(admin_client, program)

    assert (
        "Each milestone done, as a share of the journeys it belongs to: First year together"
        in html
    )
    assert "“Getting started” is done in 88% of the journeys it belongs to" in html


def test_the_health_formula_is_on_hover_and_in_a_details_element(admin_client, scene, program):
    html = dashboard(admin_client, program)
    formula = str(FORMULA).replace("'", "&#x27;")

    assert "How is this worked out?" in html
    assert f'<p id="health-formula">{formula}</p>' in html
    assert f'title="{formula}" aria-describedby="health-formula"' in html


def test_an_objective_without_a_measure_says_so(admin_client, scene, program):
    html = dashboard(admin_client, program)

    assert "People feel they belong" in html
    assert "No measure set" in html


def test_an_objective_whose_milestone_key_no_milestone_has_says_so(
    admin_client, start_pair, program
):
    start_pair(days_ago=20, milestones=1)
    program.objectives.append(
        (
            "objective",
            {
                "title": "Pairs meet soon",
                "description": "",
                "measure": "milestone",
                "milestone_key": "first-meting",
                "target": 80,
            },
        )
    )
    program.save_revision().publish()

    status = objective_statuses(admin_client, program)
    sponsor_page = admin_client.get(
        reverse("program_insights:page", args=[program.slug])
    ).content.decode()

    assert status["Pairs meet soon"] == "No milestone has this key"
    assert status["Pairs meet early"] == "Met"
    assert (
        "No milestone of the journeys’ templates has the key “first-meting”: check the "
        "objective’s milestone key." in sponsor_page
    )


def test_each_table_downloads_as_csv_with_a_named_file(admin_client, scene, program):
    response = admin_client.get(reverse("insights:export", args=[program.pk, "content"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = scene["thriving"][0].started_on + datetime.timedelta(days=20)
    assert response["Content-Disposition"] == (
        f'attachment; filename="insights-growing-leaders-content-{today:%Y-%m-%d}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Material or story"
    assert {row[0] for row in rows[1:]} == {
        "Listening well",
        "First meeting guide",
        "The supervisor who listened",
    }


def test_every_table_on_the_page_has_a_csv_link_that_works(admin_client, scene, program):
    html = dashboard(admin_client, program)
    links = set(re.findall(r'href="(/admin/insights/\d+/export/([\w-]+)\.csv)"', html))
    keys = {key for _url, key in links}

    assert {
        "enrolment",
        "matching",
        "journeys",
        "goals",
        "health_counts",
        "health",
        "engagement",
        "content",
        "objectives",
        "attributes",
    } <= keys
    for url, _key in links:
        assert admin_client.get(url).status_code == 200


def test_the_full_journey_list_has_a_row_for_every_active_journey(admin_client, scene, program):
    response = admin_client.get(reverse("insights:export", args=[program.pk, "health"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert rows[0][:3] == ["Members", "Health score", "Health"]
    assert len(rows) == 1 + 8
    scores = [int(row[1]) for row in rows[1:]]
    assert scores == sorted(scores)


def test_an_unknown_table_is_not_found(admin_client, program):
    response = admin_client.get(reverse("insights:export", args=[program.pk, "nothing"]))

    assert response.status_code == 404


def test_text_that_a_spreadsheet_would_run_is_defused_in_csv(admin_client, program, template):
    program.title = '=HYPERLINK("http://x")'
    program.save_revision().publish()

    response = admin_client.get(reverse("insights:export", args=[program.pk, "content"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert rows  # headings at least
    response = admin_client.get(
        reverse("insights:export", args=[program.pk, "funnel_" + str(template.pk)])
    )
    first_cell = next(csv.reader(io.StringIO(response.content.decode())))[0]
    assert not first_cell.startswith("=")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_names_a_spreadsheet_would_run_are_quoted_in_the_journey_list(
    admin_client, scene, program
):
    hostile = ['=HYPERLINK("http://x.example","y")', "+1", "-2", "@SUM(1)"]
    for (_journey, pair), name in zip(scene.values(), hostile, strict=False):
        for person in pair:  # both members, so the name starts the members' cell
            person.first_name, person.last_name = name, ""
            person.save()

    response = admin_client.get(reverse("insights:export", args=[program.pk, "health"]))
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]

    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    for name in hostile:
        assert f"'{name} (Mentee), {name} (Mentor)" in cells, name
    assert "Mentee 4 (Mentee), Mentor 4 (Mentor)" in cells


def test_the_dashboard_costs_the_same_queries_for_3_or_30_journeys(
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
        dashboard(plain_admin_client, chosen)  # parse templates once
        clear_cache()
        cache.clear()
        with django_assert_max_num_queries(40) as captured:
            html = dashboard(plain_admin_client, chosen)
        counts.append(len(captured.captured_queries))
        assert chosen.title in html

    assert counts[0] == counts[1]


def test_the_index_lists_programs_with_their_sponsor_and_cohort(admin_client, scene, program):
    html = admin_client.get(reverse("insights:index")).content.decode()

    assert reverse("insights:program", args=[program.pk]) in html
    assert "Amara Osei" in html
    assert "12 Jan 2026 – 18 Dec 2026" in html


def test_the_admin_home_page_links_to_insights(admin_client, program):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Program insights" in html
    assert reverse("insights:program", args=[program.pk]) in html


def test_the_dashboard_shows_planned_meetings_held_and_not_held(admin_client, scene, program):
    text = dashboard(admin_client, program)
    assert "Planned meetings held" in text
    assert "Planned meetings not held" in text
    assert "Meetings planned on the site" in text
    response = admin_client.get(reverse("insights:export", args=[program.pk, "planned_meetings"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["State", "Meetings"]
    assert [row[0] for row in rows[1:]][:2] == ["Time agreed, still to come", "Held"]


def test_the_journey_list_leaves_days_since_a_meeting_empty_for_journeys_that_have_not_met(
    admin_client, scene, program
):
    response = admin_client.get(reverse("insights:export", args=[program.pk, "health"]))
    heading, *rows = csv.reader(io.StringIO(response.content.decode()))
    column = heading.index("Days since last meeting")

    def days_since_meeting(mentor):
        (row,) = [row for row in rows if f"{mentor} (Mentor)" in row[0]]
        return row[column]

    # Pairs are numbered as the scene starts them: 0 thriving, 1 steady, 2 stalled, 3 slow.
    assert days_since_meeting("Mentor 0") == "4"
    assert days_since_meeting("Mentor 2") == ""
    assert days_since_meeting("Mentor 3") == ""


def test_the_dashboard_shows_a_dash_for_a_journey_that_has_not_met(admin_client, scene, program):
    from insights.tables import health_table

    html = dashboard(admin_client, program)
    insights = snapshots.read(program).insights
    table = health_table(insights.health_samples["at_risk"], insights.week)
    column = [c.heading for c in table.columns].index("Days since last meeting")

    cells = [row[column][0] for row in table.display_rows()]

    assert cells == ["–", "–"]  # "stalled" and "slow" are at risk and never met
    assert "A dash means nothing to count yet: no meeting held" in html


def test_an_objective_whose_topic_was_deleted_says_so(
    admin_client, scene, program, feedback, superuser
):
    root = admin_client.__class__()
    root.force_login(superuser)
    deleted = root.post(reverse("wagtailsnippets_content_topic:delete", args=[feedback.pk]))
    assert deleted.status_code == 302

    status = objective_statuses(admin_client, program)
    sponsor_page = admin_client.get(
        reverse("program_insights:page", args=[program.slug])
    ).content.decode()

    assert status["Feedback lands"] == "The topic was deleted: choose another one"
    assert "The topic was deleted: choose another one" in dashboard(admin_client, program)
    assert status["Pairs meet early"] == "Met"
    assert (
        "The topic this objective is measured by no longer exists, so its figure cannot be "
        "worked out: check the objective’s topic." in sponsor_page
    )
