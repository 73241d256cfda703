"""Template tags for the insights pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def insights_table(
    table,
    table_class: str,
    number_class: str,
    *,
    labelledby: str = "",
    links=None,
    explained_column: int | None = None,
    explanation: str = "",
    explanation_id: str = "",
):
    """One insights table: a caption, a heading row, a row heading on each row.

    Built with ``format_html``, which escapes every heading and cell (titles and
    names are typed by people), in one pass rather than a template node per
    cell: the dashboard shows thousands of cells.

    ``labelledby`` names the heading that labels the table, in place of a
    caption. ``links`` gives each row's heading a link (an empty one, none).
    ``explained_column`` is the index of a column whose heading carries
    ``explanation`` on hover and points at the element ``explanation_id``
    that says it in full.
    """

    def number(numeric: bool) -> str:
        return format_html(' class="{}"', number_class) if numeric else ""

    def heading(n: int, column) -> str:
        if n == explained_column:
            return format_html(
                '<span title="{}" aria-describedby="{}">{}</span>',
                explanation,
                explanation_id,
                column.heading,
            )
        return column.heading

    head = format_html_join(
        "",
        '<th scope="col"{}>{}</th>',
        (
            (number(column.numeric and n > 0), heading(n, column))
            for n, column in enumerate(table.columns)
        ),
    )
    # One format string for every row, made of the columns' classes alone: a
    # row is then one ``format_html`` call, which escapes each value.
    cells = "".join(
        "<td{}>{{}}</td>".format(number(column.numeric).replace("{", "{{").replace("}", "}}"))
        for column in table.columns[1:]
    )
    values = ([value for value, _numeric in row] for row in table.display_rows())
    if links is None:
        rows = format_html_join("", f'<tr><th scope="row">{{}}</th>{cells}</tr>', values)
    else:
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (
                    format_html(f'<th scope="row"><a href="{{}}">{{}}</a></th>{cells}', url, *row)
                    if url
                    else format_html(f'<th scope="row">{{}}</th>{cells}', *row),
                )
                for row, url in zip(values, links, strict=True)
            ),
        )
    if not rows:
        rows = format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.columns), _("Nothing to show yet.")
        )
    if labelledby:
        opening = format_html('<table class="{}" aria-labelledby="{}">', table_class, labelledby)
    else:
        opening = format_html(
            '<table class="{}"><caption>{}</caption>', table_class, table.caption
        )
    return format_html(
        "{}<thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        opening,
        head,
        rows,
    )


def _marker_fill(series) -> str:
    return "#ffffff" if series.marker == "hollow" else "#1d5c63"


def _dash(series) -> str:
    return format_html(' stroke-dasharray="{}"', series.dash) if series.dash else ""


def _bars(chart) -> str:
    return format_html_join(
        "",
        "<g><title>{}: {}</title>"
        '<text class="insights-svg__label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="insights-svg__track" x="{}" y="{}" width="{}" height="{}" fill="#e6e6e6">'
        "</rect>"
        '<rect class="insights-svg__bar" x="{}" y="{}" width="{}" height="{}" fill="#1d5c63">'
        "</rect>"
        '<text class="insights-svg__value" x="{}" y="{}">{}</text></g>',
        (
            (
                bar.full_label,
                bar.display,
                chart.label_x,
                bar.text_y,
                bar.label,
                chart.left,
                bar.rect_y,
                chart.track_width,
                bar.rect_height,
                chart.left,
                bar.rect_y,
                bar.width,
                bar.rect_height,
                bar.value_x,
                bar.text_y,
                bar.display,
            )
            for bar in chart.bars
        ),
    )


def _axes_and_marks(chart) -> str:
    ticks = format_html_join(
        "",
        '<line class="insights-svg__grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d0d0">'
        "</line>"
        '<text class="insights-svg__label" x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        (
            (chart.left, chart.right, tick.y, tick.y, chart.label_x, tick.y, tick.label)
            for tick in chart.ticks
        ),
    )
    x_labels = format_html_join(
        "",
        '<text class="insights-svg__label" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((label.x, label.y, label.label) for label in chart.x_labels),
    )
    columns = format_html_join(
        "",
        "<g><title>{}: {}</title>"
        '<rect class="insights-svg__bar" x="{}" y="{}" width="{}" height="{}" fill="#1d5c63">'
        "</rect>"
        '<text class="insights-svg__value" x="{}" y="{}" text-anchor="middle">{}</text></g>',
        (
            (c.label, c.display, c.x, c.y, c.width, c.height, c.text_x, c.text_y, c.display)
            for c in chart.columns
        ),
    )
    series = format_html_join(
        "",
        '<g class="insights-svg__series insights-svg__series--{}"><title>{}</title>'
        '<path d="{}" fill="none" stroke="#1d5c63" stroke-width="2"{}></path>{}</g>',
        (
            (
                line.number,
                line.name,
                line.path,
                _dash(line),
                format_html_join(
                    "",
                    '<circle class="insights-svg__marker insights-svg__marker--{}" cx="{}" '
                    'cy="{}" r="3.5" stroke="#1d5c63" stroke-width="2" fill="{}">'
                    "<title>{}, {}: {}</title></circle>",
                    (
                        (
                            line.marker,
                            point.x,
                            point.y,
                            _marker_fill(line),
                            line.name,
                            point.label,
                            point.display,
                        )
                        for point in line.points
                    ),
                ),
            )
            for line in chart.series
        ),
    )
    return ticks + x_labels + columns + series


@register.simple_tag
def insights_chart(chart):
    """One chart as inline SVG, named by its title and description.

    Built with ``format_html`` (labels are titles people typed), like the
    tables: a chart has hundreds of marks, one template node each otherwise.
    Coordinates are written as Python writes numbers, never localised.
    """
    marks = _bars(chart) if chart.kind == "bars" else _axes_and_marks(chart)
    return format_html(
        '<svg class="insights-svg insights-svg--{kind}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="{view_box}" '
        'preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{marks}</svg>",
        kind=chart.kind,
        id=chart.id,
        view_box=chart.view_box,
        title=chart.title,
        description=chart.description,
        marks=marks,
    )


@register.simple_tag
def legend_swatch(series):
    """The small line and marker that stands for a series in a chart's legend."""
    return format_html(
        '<svg class="insights-legend__swatch insights-svg__series--{}" viewBox="0 0 36 12" '
        'width="36" height="12" aria-hidden="true" focusable="false">'
        '<line x1="2" x2="34" y1="6" y2="6" stroke="#1d5c63" stroke-width="2"{}></line>'
        '<circle cx="18" cy="6" r="3.5" stroke="#1d5c63" stroke-width="2" fill="{}"></circle>'
        "</svg>",
        series.number,
        _dash(series),
        _marker_fill(series),
    )


def _trend_line(line) -> str:
    dash = _dash(line)
    segments = format_html_join(
        "",
        '<line x1="{}%" y1="{}" x2="{}%" y2="{}"{}></line>',
        ((s.x1, s.y1, s.x2, s.y2, dash) for s in line.segments),
    )
    markers = format_html_join(
        "",
        '<circle class="sponsor-chart__marker sponsor-chart__marker--{}" cx="{}%" cy="{}" r="4">'
        "<title>{}, {}: {}</title></circle>",
        ((line.marker, m.x, m.y, line.name, m.label, m.display) for m in line.markers),
    )
    return format_html(
        '<g class="sponsor-chart__line sponsor-chart__line--{}">{}{}</g>',
        line.number,
        segments,
        markers,
    )


@register.simple_tag
def sponsor_trend(chart):
    """A trend on the sponsor's page as fluid SVG (``site_charts``), named by its heading.

    Positions across are percentages of the width, down pixels of the fixed
    height; labels are escaped, numbers written as Python writes them.
    """
    ticks = format_html_join(
        "",
        '<line class="sponsor-chart__grid" x1="{}%" x2="{}%" y1="{}" y2="{}"></line>'
        '<text class="sponsor-chart__tick" x="{}%" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        (
            (chart.left, chart.right, tick.y, tick.y, chart.tick_x, tick.y, tick.label)
            for tick in chart.ticks
        ),
    )
    x_labels = format_html_join(
        "",
        '<text class="sponsor-chart__tick" x="{}%" y="{}" text-anchor="{}">{}</text>',
        ((label.x, chart.label_y, label.anchor, label.label) for label in chart.x_labels),
    )
    lines = format_html_join("", "{}", ((_trend_line(line),) for line in chart.lines))
    return format_html(
        '<svg class="sponsor-chart__plot" width="100%" height="{height}" role="img" '
        'aria-labelledby="{id}-heading {id}-desc" focusable="false">'
        '<desc id="{id}-desc">{description}</desc>{ticks}{x_labels}{lines}</svg>',
        height=chart.height,
        id=chart.id,
        description=chart.description,
        ticks=ticks,
        x_labels=x_labels,
        lines=lines,
    )
