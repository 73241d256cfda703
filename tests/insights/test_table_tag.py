"""The insights table tag: every heading and cell escaped, numbers marked, an empty table said."""

import pytest
from django.template import Context, Template

from insights.tables import Column, Table
from tests.hostile import HOSTILE_LINE, SCRIPT

TAG = Template('{% load insights_tags %}{% insights_table table "listing" "number" %}')


def render(table) -> str:
    return TAG.render(Context({"table": table}))


def test_people_s_text_is_escaped_everywhere_in_a_table():
    table = Table(
        key="hostile",
        caption=SCRIPT,
        columns=(Column(HOSTILE_LINE, numeric=False), Column("People")),
        rows=[(HOSTILE_LINE, 3)],
    )

    html = render(table)

    assert "<script>" not in html and "<img" not in html and "<a " not in html
    assert "&lt;script&gt;" in html


def test_rows_are_headed_by_their_first_cell_and_numbers_are_marked():
    table = Table(
        key="t",
        caption="Journeys by status",
        columns=(Column("Status", numeric=False), Column("Journeys")),
        rows=[("Active", 12), ("Paused", 0)],
    )

    html = render(table)

    assert html.startswith('<table class="listing"><caption>Journeys by status</caption>')
    assert '<th scope="col">Status</th><th scope="col" class="number">Journeys</th>' in html
    assert '<tr><th scope="row">Active</th><td class="number">12</td></tr>' in html
    assert '<tr><th scope="row">Paused</th><td class="number">0</td></tr>' in html


def test_an_empty_table_says_there_is_nothing_yet():
    table = Table(key="t", caption="C", columns=(Column("A", numeric=False), Column("B")))

    assert '<tr><td colspan="2">Nothing to show yet.</td></tr>' in render(table)


LINKED = Template(
    "{% load insights_tags %}"
    '{% insights_table table "listing" "number" labelledby="band-heading" links=links '
    'explained_column=1 explanation=explanation explanation_id="formula" %}'
)


def test_a_labelled_table_links_its_row_headings_and_explains_a_column():
    table = Table(
        key="t",
        caption="At risk",
        columns=(Column("Members", numeric=False), Column("Score")),
        rows=[(HOSTILE_LINE, 31), ("Ada Okafor", 12)],
    )

    html = LINKED.render(
        Context({"table": table, "links": ["/admin/j/7/", ""], "explanation": SCRIPT})
    )

    assert html.startswith('<table class="listing" aria-labelledby="band-heading"><thead>')
    assert "<caption>" not in html
    assert "<script>" not in html and "<img" not in html
    assert '<tr><th scope="row"><a href="/admin/j/7/">&lt;' in html
    assert '<tr><th scope="row">Ada Okafor</th><td class="number">12</td></tr>' in html
    assert '<th scope="col" class="number"><span title="&lt;script&gt;' in html
    assert 'aria-describedby="formula">Score</span></th>' in html
    assert html.count("title=") == 1


def test_links_must_match_the_rows_one_for_one():
    table = Table(
        key="t", caption="C", columns=(Column("A", numeric=False),), rows=[("x",), ("y",)]
    )

    with pytest.raises(ValueError):
        LINKED.render(Context({"table": table, "links": ["/one/"], "explanation": ""}))
