"""The insights table tag: every heading and cell escaped, numbers marked, an empty table said."""

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
