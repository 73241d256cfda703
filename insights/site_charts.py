"""Charts for the sponsor's page: fluid SVG whose text keeps the size the style sheet gives it.

The admin's charts (``charts``) draw in a fixed ``viewBox`` that scales with the
page, so on a phone their labels shrink below a readable size. These have no
``viewBox``: across, every position is a percentage of the chart's width;
down, a pixel of its fixed height. The SVG stretches to any width and its
text is drawn at the size ``sponsor-page.css`` sets (13 px), on a phone as on
a desk. The axes' titles, the legend and the heading are HTML around it.

Numbers in, positions out: the template
``insights/site/includes/trend.html`` draws them. Series are told apart
by dash pattern and marker as well as colour.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .charts import nice_max

HEIGHT = 180
TOP = 10
BOTTOM = 28  # room for the labels along the bottom
LEFT = 13.0  # % of the width kept for the value axis's labels
RIGHT = 97.0
X_LABELS = 4  # as many as fit across a phone
MARKERS_UP_TO = 13  # points per series; more would crowd a phone
DASHES = ("", "6 4", "2 3")
MARKERS = ("filled", "hollow", "filled")


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class AxisLabel:
    x: float  # % of the width
    label: str
    anchor: str  # start, middle or end: the first and last stay inside the chart


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    display: str


@dataclass(frozen=True)
class Line:
    name: str
    number: int
    dash: str
    marker: str
    segments: tuple[Segment, ...]
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Trend:
    """A line chart over time: a heading, axis titles, lines, and a legend when there are two."""

    id: str
    heading: str
    description: str
    y_title: str
    x_title: str
    ticks: tuple[Tick, ...]
    x_labels: tuple[AxisLabel, ...]
    lines: tuple[Line, ...]
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT
    label_y: float = HEIGHT - 8
    tick_x: float = LEFT - 3

    @property
    def has_legend(self) -> bool:
        return len(self.lines) > 1


def short_number(value: float) -> str:
    """An axis label short enough for a phone: 950, 1.5k, 12k."""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        thousands = value / 1000
        return f"{thousands:.0f}k" if thousands.is_integer() else f"{thousands:.1f}k"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _x_labels(xs, labels) -> tuple[AxisLabel, ...]:
    count = len(labels)
    if not count:
        return ()
    if count <= X_LABELS:
        chosen = list(range(count))
    else:
        chosen = sorted({round(n * (count - 1) / (X_LABELS - 1)) for n in range(X_LABELS)})
    found = []
    for n in chosen:
        anchor = "middle"
        if n == 0:
            anchor = "start"
        elif n == count - 1:
            anchor = "end"
        found.append(AxisLabel(round(xs[n], 2), labels[n], anchor))
    return tuple(found)


def trend(chart_id, heading, description, y_title, x_title, labels, series) -> Trend:
    """One line per (name, values) series over the same ``labels`` (weeks), from 0 up."""
    maximum = nice_max(max((v for _name, values in series for v in values), default=0))
    baseline = HEIGHT - BOTTOM
    count = max(len(labels), 1)
    # The first and last points sit on the plot's edges, so nothing is drawn past them.
    step = (RIGHT - LEFT) / max(count - 1, 1)
    xs = [LEFT + step * n for n in range(len(labels))]
    ticks = tuple(
        Tick(
            y=round(baseline - (baseline - TOP) * fraction, 1),
            label=short_number(maximum * fraction),
        )
        for fraction in (0, 0.5, 1)
    )
    lines = []
    for index, (name, values) in enumerate(series):
        points = [
            (round(x, 2), round(baseline - (baseline - TOP) * value / maximum, 1))
            for x, value in zip(xs, values, strict=True)
        ]
        markers = ()
        if len(points) <= MARKERS_UP_TO:
            markers = tuple(
                Marker(x, y, label, short_number(value) if value >= 1000 else _plain(value))
                for (x, y), label, value in zip(points, labels, values, strict=True)
            )
        lines.append(
            Line(
                name=name,
                number=index + 1,
                dash=DASHES[index % len(DASHES)],
                marker=MARKERS[index % len(MARKERS)],
                segments=tuple(
                    Segment(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(points)
                ),
                markers=markers,
            )
        )
    return Trend(
        id=chart_id,
        heading=heading,
        description=description,
        y_title=y_title,
        x_title=x_title,
        ticks=ticks,
        x_labels=_x_labels(xs, labels),
        lines=tuple(lines),
    )


def _plain(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
