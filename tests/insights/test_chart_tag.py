"""The insights chart tag: labels people typed are escaped, every mark is drawn."""

import re

from django.template import Context, Template

from insights import charts, site_charts
from tests.hostile import HOSTILE_LINE, SCRIPT

TAG = Template("{% load insights_tags %}{% insights_chart chart %}")


def render(chart) -> str:
    return TAG.render(Context({"chart": chart}))


def test_typed_titles_and_labels_are_escaped_in_bars_and_lines():
    bars = charts.bar_chart("c-bars", SCRIPT, HOSTILE_LINE, [(HOSTILE_LINE, 40), ("Plain", 80)])
    lines = charts.line_chart(
        "c-lines", SCRIPT, SCRIPT, [HOSTILE_LINE, "Week 2"], [(SCRIPT, [1, 3]), ("Other", [2, 2])]
    )

    for html in (render(bars), render(lines)):
        assert "<script>" not in html and "<img" not in html and "<a " not in html
        assert "&lt;script&gt;" in html


def test_a_chart_is_named_by_its_title_and_description():
    html = render(charts.column_chart("c-cols", "Journeys by health", "Of 3", [("On track", 3)]))

    assert html.startswith(
        '<svg class="insights-svg insights-svg--columns" role="img" '
        'aria-labelledby="c-cols-title c-cols-desc"'
    )
    assert '<title id="c-cols-title">Journeys by health</title>' in html
    assert '<desc id="c-cols-desc">Of 3</desc>' in html
    assert "<title>On track: 3</title>" in html


def test_each_series_has_its_line_and_a_marker_per_point():
    chart = charts.line_chart(
        "c", "T", "D", ["a", "b", "c"], [("Steps", [1, 2, 3]), ("Meetings", [0, 1, 0])]
    )

    html = render(chart)

    assert len(re.findall(r"<path d=", html)) == 2
    assert len(re.findall(r"<circle ", html)) == 6
    assert 'stroke-dasharray="6 4"' in html
    assert "<title>Meetings, b: 1</title>" in html


SPONSOR = Template("{% load insights_tags %}{% sponsor_trend chart %}")


def test_a_sponsor_trend_escapes_what_people_typed_and_marks_each_week():
    chart = site_charts.trend(
        "t", SCRIPT, HOSTILE_LINE, "Y", "X", [HOSTILE_LINE, "9 Mar"], [(SCRIPT, [2, 4])]
    )

    html = SPONSOR.render(Context({"chart": chart}))

    assert "<script>" not in html and "<img" not in html and "<a " not in html
    assert html.startswith('<svg class="sponsor-chart__plot" width="100%"')
    assert 'aria-labelledby="t-heading t-desc"' in html
    assert len(re.findall(r"<circle ", html)) == 2
    assert len(re.findall(r'<line x1="', html)) == 1
