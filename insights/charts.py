"""Chart geometry for inline SVG: numbers in, coordinates out; no JavaScript.

The ``insights_chart`` template tag draws what these functions return, inside
``insights/includes/chart.html``. Every chart carries a title and a
description (the SVG's ``<title>`` and ``<desc>``, named by
``aria-labelledby``), and the page shows
the same figures as a table beside it, so nothing is conveyed by the picture
alone. Series are told apart by dash pattern and marker as well as colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 40
MAX_X_LABELS = 8
BAR_ROW = 30
BAR_LABEL_WIDTH = 220
BAR_LABEL_CHARS = 34
DASHES = ("", "6 4", "2 3")
MARKERS = ("filled", "hollow", "filled")


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str
    y: float = HEIGHT - BOTTOM + 18


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str
    display: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    display: str


@dataclass(frozen=True)
class Series:
    name: str
    number: int
    dash: str
    marker: str
    path: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    label: str
    full_label: str
    display: str
    text_y: float
    value_x: float
    rect_y: float
    rect_height: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    kind: str  # "columns", "lines" or "bars"
    width: int
    height: int
    left: float
    right: float
    baseline: float
    ticks: tuple[Tick, ...] = ()
    label_x: float = 0
    track_width: float = 0
    x_labels: tuple[XLabel, ...] = ()
    columns: tuple[Column, ...] = ()
    series: tuple[Series, ...] = ()
    bars: tuple[Bar, ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_max(value: float) -> float:
    """The smallest of 2, 4, 6, 10 × 10ⁿ at or above ``value``: its half is a round number."""
    if value <= 2:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for multiple in (1, 2, 4, 6, 10):
        if multiple * power >= value and (multiple * power / 2).is_integer():
            return multiple * power
    return 10 * power  # pragma: no cover - the loop always returns


def number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _ticks(top: float, baseline: float, maximum: float, unit: str) -> tuple[Tick, ...]:
    return tuple(
        Tick(
            y=round(baseline - (baseline - top) * fraction, 1),
            label=f"{number(maximum * fraction)}{unit}",
        )
        for fraction in (0, 0.5, 1)
    )


def _x_labels(xs, labels) -> tuple[XLabel, ...]:
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return tuple(
        XLabel(round(x, 1), label)
        for n, (x, label) in enumerate(zip(xs, labels, strict=True))
        if n % step == 0
    )


def _over_time(chart_id, title, description, maximum, unit, xs, labels, **marks) -> Chart:
    """A chart with a value axis from 0 to ``maximum`` and ``labels`` along the bottom."""
    baseline = HEIGHT - BOTTOM
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        ticks=_ticks(TOP, baseline, maximum, unit),
        label_x=LEFT - 6,
        x_labels=_x_labels(xs, labels),
        **marks,
    )


def column_chart(chart_id, title, description, points, unit="") -> Chart:
    """Vertical bars, one per (label, value) point, on a shared scale from 0."""
    maximum = nice_max(max((v for _label, v in points), default=0))
    baseline = HEIGHT - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(points), 1)
    columns = []
    xs = []
    for n, (label, value) in enumerate(points):
        height = (baseline - TOP) * value / maximum
        x = LEFT + slot * n + slot * 0.15
        xs.append(LEFT + slot * (n + 0.5))
        columns.append(
            Column(
                x=round(x, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label,
                display=f"{number(value)}{unit}",
                text_x=round(x + slot * 0.35, 1),
                text_y=round(baseline - height - 4, 1),
            )
        )
    return _over_time(
        chart_id,
        title,
        description,
        maximum,
        unit,
        xs,
        [label for label, _v in points],
        kind="columns",
        columns=tuple(columns),
    )


def line_chart(chart_id, title, description, labels, series, unit="") -> Chart:
    """One line per (name, values) series over the same ``labels``."""
    maximum = nice_max(max((v for _name, values in series for v in values), default=0))
    baseline = HEIGHT - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(labels), 1)
    xs = [LEFT + slot * (n + 0.5) for n in range(len(labels))]
    drawn = []
    for number_, (name, values) in enumerate(series):
        points = tuple(
            Point(
                x=round(x, 1),
                y=round(baseline - (baseline - TOP) * value / maximum, 1),
                label=label,
                display=f"{number(value)}{unit}",
            )
            for x, label, value in zip(xs, labels, values, strict=True)
        )
        path = " ".join(f"{'M' if n == 0 else 'L'}{p.x},{p.y}" for n, p in enumerate(points))
        drawn.append(
            Series(
                name=name,
                number=number_ + 1,
                dash=DASHES[number_ % len(DASHES)],
                marker=MARKERS[number_ % len(MARKERS)],
                path=path,
                points=points,
            )
        )
    return _over_time(
        chart_id, title, description, maximum, unit, xs, labels, kind="lines", series=tuple(drawn)
    )


def bar_chart(chart_id, title, description, items, maximum=100, unit="%") -> Chart:
    """Horizontal bars, one row per (label, value) item, e.g. a milestone funnel."""
    plot_left = BAR_LABEL_WIDTH
    plot_width = WIDTH - plot_left - RIGHT - 48
    bars = []
    for n, (label, value) in enumerate(items):
        short = label if len(label) <= BAR_LABEL_CHARS else label[: BAR_LABEL_CHARS - 1] + "…"
        width = plot_width * (value or 0) / maximum if maximum else 0
        y = TOP + BAR_ROW * n
        bars.append(
            Bar(
                y=y,
                width=round(width, 1),
                label=short,
                full_label=label,
                display="–" if value is None else f"{number(round(value))}{unit}",
                text_y=round(y + BAR_ROW * 0.6, 1),
                value_x=round(plot_left + width + 6, 1),
                rect_y=y + 6,
                rect_height=BAR_ROW - 12,
            )
        )
    height = TOP * 2 + BAR_ROW * max(len(items), 1)
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        kind="bars",
        width=WIDTH,
        height=height,
        left=plot_left,
        right=WIDTH - RIGHT,
        baseline=height - TOP,
        label_x=plot_left - 8,
        track_width=plot_width,
        bars=tuple(bars),
    )
