"""Template tags for the insights pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def insights_table(table, table_class: str, number_class: str):
    """One insights table: a caption, a heading row, a row heading on each row.

    Built with ``format_html``, which escapes every heading and cell (titles and
    names are typed by people), in one pass rather than a template node per
    cell: the dashboard shows thousands of cells.
    """

    def number(numeric: bool, first: bool) -> str:
        return format_html(' class="{}"', number_class) if numeric and not first else ""

    head = format_html_join(
        "",
        '<th scope="col"{}>{}</th>',
        (
            (number(column.numeric, n == 0), column.heading)
            for n, column in enumerate(table.columns)
        ),
    )
    rows = [
        format_html(
            "<tr>{}</tr>",
            format_html_join(
                "",
                "{}",
                (
                    (
                        format_html('<th scope="row">{}</th>', value)
                        if n == 0
                        else format_html("<td{}>{}</td>", number(numeric, False), value),
                    )
                    for n, (value, numeric) in enumerate(row)
                ),
            ),
        )
        for row in table.display_rows()
    ]
    if not rows:
        rows = [
            format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(table.columns), _("Nothing to show yet.")
            )
        ]
    return format_html(
        '<table class="{}"><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        table_class,
        table.caption,
        head,
        format_html_join("", "{}", ((row,) for row in rows)),
    )
