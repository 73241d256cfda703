"""The dashboard's tables: one definition serves the page and its CSV export.

Each ``Table`` holds raw values; the page formats them (percentages, dashes
for "no figure yet") and the CSV writes them as they are, rounded. A viewer
who may not see names (a sponsor) gets no table that has any.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from content.exports import neutralise_cell
from journeys.models import GoalStatus, JourneyStatus, Measure, MemberRole

from .compute import MIN_GROUP, HealthRow, ProgramInsights, WeekNumbers
from .health import AT_RISK, BANDS, NEEDS_ATTENTION, ON_TRACK

BAND_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    NEEDS_ATTENTION: gettext_lazy("Needs attention"),
    AT_RISK: gettext_lazy("At risk"),
}
MEASURE_LABELS = dict(Measure.CHOICES)
KIND_LABELS = {"material": gettext_lazy("Material"), "story": gettext_lazy("Leader story")}


def fewer_than() -> str:
    return _("fewer than %(count)d") % {"count": MIN_GROUP}


def dash(value) -> str:
    return "–" if value is None else str(value)


def percent(value) -> str:
    return "–" if value is None else f"{round(value)}%"


def one_decimal(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def day(value) -> str:
    return "–" if value is None else date_format(value, "j M Y")


def figure(value) -> str:
    """A whole number as it is, anything else to one decimal place."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{value:.0f}"


def days(value) -> str:
    return "–" if value is None else f"{value:.0f}"


@dataclass(frozen=True)
class Column:
    heading: str
    show: Callable[[object], str] = dash
    numeric: bool = True


@dataclass
class Table:
    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    note: str = ""

    def display_rows(self):
        for row in self.rows:
            yield [
                (value if isinstance(value, str) else column.show(value), column.numeric)
                for column, value in zip(self.columns, row, strict=True)
            ]

    def csv_rows(self):
        yield [neutralise_cell(str(column.heading)) for column in self.columns]
        for row in self.rows:
            yield [csv_value(value) for value in row]


def csv_value(value) -> str:
    """A cell as a spreadsheet should read it, with no formula to run.

    Numbers are written as numbers (a negative one stays a number). Text that a
    spreadsheet would take for a formula is quoted by ``neutralise_cell``, the
    rule every export follows: names and titles are typed by people, and a CSV
    opened in a spreadsheet must not run what they typed.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    return neutralise_cell(str(value))


def csv_response(table: Table, program, today) -> HttpResponse:
    filename = f"insights-{slugify(program.title) or program.pk}-{table.key}-{today:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in table.csv_rows():
        writer.writerow(row)
    return response


def members_label(members) -> str:
    roles = dict(MemberRole.choices)
    return ", ".join(f"{name} ({roles.get(role, role)})" for name, role in members)


# The tables ------------------------------------------------------------------------------


def enrolment_table(insights: ProgramInsights, *, short: bool = False) -> Table | None:
    """Enrolments by week; ``short`` headings fit a phone's width."""
    enrolment = insights.enrolment
    if enrolment is None:
        return None
    return Table(
        key="enrolment",
        caption=_("People enrolled, by week") if short else _("Enrolments by week"),
        columns=(
            Column(_("Week starting"), day, numeric=False),
            Column(_("New") if short else _("New enrolments")),
            Column(_("To date") if short else _("Enrolled to date")),
        ),
        rows=[(week, new, to_date) for week, new, to_date in enrolment.weeks],
    )


def matching_table(insights: ProgramInsights) -> Table | None:
    e = insights.enrolment
    if e is None:
        return None
    return Table(
        key="matching",
        caption=_("Enrolment and matching"),
        columns=(Column(_("Figure"), numeric=False), Column(_("Value"), figure)),
        rows=[
            (_("People enrolled (including withdrawn)"), e.total),
            (_("Waiting to be matched"), e.waiting),
            (_("Matched"), e.matched),
            (_("Withdrawn"), e.withdrawn),
            (_("Matched share of those taking part (%)"), e.matched_share),
            (_("Median days from enrolling to a match"), e.median_days_to_match),
            (_("Average days from enrolling to a match"), e.mean_days_to_match),
            (_("Matches with a recorded date"), e.matched_with_dates),
        ],
    )


def journeys_table(insights: ProgramInsights) -> Table:
    labels = dict(JourneyStatus.choices)
    return Table(
        key="journeys",
        caption=_("Journeys by status"),
        columns=(Column(_("Status"), numeric=False), Column(_("Journeys"))),
        rows=[
            *((labels[status], n) for status, n in insights.status_counts.items()),
            (_("All journeys"), insights.journeys_total),
            (_("Every milestone done"), insights.complete_journeys),
        ],
    )


def funnel_tables(insights: ProgramInsights) -> list[Table]:
    return [
        Table(
            key=f"funnel_{funnel.template_id}",
            caption=_("Milestones done: %(template)s") % {"template": funnel.title},
            columns=(
                Column(_("Milestone"), numeric=False),
                Column(_("Journeys it belongs to")),
                Column(_("Done")),
                Column(_("Share done"), percent),
                Column(_("Journeys past it and every milestone before it")),
            ),
            rows=[(s.title, s.journeys, s.done, s.share, s.past) for s in funnel.steps],
        )
        for funnel in insights.funnels
    ]


def health_counts_table(insights: ProgramInsights) -> Table:
    active = insights.active_total
    return Table(
        key="health_counts",
        caption=_("Active journeys by health"),
        columns=(
            Column(_("Health"), numeric=False),
            Column(_("Journeys")),
            Column(_("Share of active journeys"), percent),
        ),
        rows=[
            (
                BAND_LABELS[band],
                insights.health_counts[band],
                100 * insights.health_counts[band] / active if active else None,
            )
            for band in BANDS
        ],
    )


def health_table(
    rows: tuple[HealthRow, ...], week: WeekNumbers, key="health", caption=None
) -> Table:
    """Journeys with their members' names: for program admins only.

    A journey that has not met yet has no days since its last meeting (a dash,
    an empty CSV cell), though its score counts them from its start. Its
    messages are those of ``week``, the seven whole days before the figures'
    day, and the heading names its last day: "the last 7 days" would leave
    today out unsaid.
    """
    return Table(
        key=key,
        caption=caption or _("Active journeys by health, lowest score first"),
        columns=(
            Column(_("Members"), numeric=False),
            Column(_("Health score")),
            Column(_("Health"), numeric=False),
            Column(_("Journey template"), numeric=False),
            Column(_("Started on"), day, numeric=False),
            Column(_("Days overdue")),
            Column(_("Days since last meeting")),
            Column(_("Days since anyone did something")),
            Column(_("Average pulse"), one_decimal),
            Column(_("Messages in the 7 days to %(end)s") % {"end": date_format(week.end, "j M")}),
        ),
        rows=[
            (
                members_label(r.members),
                r.score,
                str(BAND_LABELS[r.band]),
                r.template,
                r.started_on,
                r.overdue_days,
                r.days_since_meeting,
                r.days_since_activity,
                r.average_pulse,
                r.messages_last_7_days,
            )
            for r in rows
        ],
    )


def engagement_description(insights: ProgramInsights) -> str:
    """The engagement chart in words, for its description and its readers."""
    weeks = insights.engagement
    steps = [s for _w, s, _m in weeks]
    meetings = [m for _w, _s, m in weeks]
    return _(
        "Over the last %(weeks)d weeks: %(steps)s completed (at most %(most_steps)d "
        "in a week) and %(meetings)s held (at most %(most_meetings)d in a week). "
        "The last week is the current one, so far."
    ) % {
        "weeks": len(weeks),
        "steps": ngettext("%(count)d step", "%(count)d steps", sum(steps)) % {"count": sum(steps)},
        "most_steps": max(steps, default=0),
        "meetings": ngettext("%(count)d meeting", "%(count)d meetings", sum(meetings))
        % {"count": sum(meetings)},
        "most_meetings": max(meetings, default=0),
    }


def engagement_table(insights: ProgramInsights, *, short: bool = False) -> Table:
    """Steps and meetings by week; ``short`` headings fit a phone's width."""
    return Table(
        key="engagement",
        caption=_("Steps completed and meetings held, by week"),
        columns=(
            Column(_("Week starting"), day, numeric=False),
            Column(_("Steps") if short else _("Steps completed")),
            Column(_("Meetings") if short else _("Meetings held")),
        ),
        rows=list(insights.engagement),
    )


def conversation_table(insights: ProgramInsights) -> Table:
    return Table(
        key="conversation",
        caption=_("Messages in conversations, by week"),
        columns=(
            Column(_("Week starting"), day, numeric=False),
            Column(_("Messages")),
            Column(_("Journeys in which someone wrote")),
            Column(_("Journeys started by then")),
            Column(_("Messages per journey"), one_decimal),
        ),
        rows=[
            (w.start, w.messages, w.journeys_writing, w.journeys_under_way, w.per_journey)
            for w in insights.conversation
        ],
    )


def content_table(insights: ProgramInsights) -> Table:
    return Table(
        key="content",
        caption=_("Materials and stories"),
        columns=(
            Column(_("Material or story"), numeric=False),
            Column(_("Kind"), numeric=False),
            Column(_("Shown in"), numeric=False),
            Column(_("Journeys that reached it")),
            Column(_("Journeys that opened it")),
            Column(_("Opened (% of reached)"), percent),
            Column(_("People who opened it")),
            Column(_("Journeys that completed it")),
            Column(_("Completed (% of reached)"), percent),
            Column(_("Average pulse of its milestones"), one_decimal),
            Column(_("Ratings")),
            Column(_("Milestone done when opened (%)"), percent),
            Column(_("Milestone done when not opened (%)"), percent),
            Column(_("Difference (points)"), one_decimal),
        ),
        rows=[
            (
                r.title,
                str(KIND_LABELS.get(r.kind, r.kind)),
                ", ".join(r.shown_in),
                r.reached,
                r.opened,
                100 * r.opened / r.reached if r.reached else None,
                r.people,
                r.completed,
                100 * r.completed / r.reached if r.reached else None,
                r.pulse,
                r.pulse_count,
                r.done_when_opened,
                r.done_when_not_opened,
                r.difference,
            )
            for r in insights.content
        ],
    )


def objectives_table(insights: ProgramInsights) -> Table:
    rows = []
    for o in insights.objectives:
        if not o.measure:
            rows.append((o.title, _("No measure set"), None, None, "", None))
            continue
        measure = str(MEASURE_LABELS.get(o.measure, o.measure))
        if o.detail:
            measure = f"{measure}: {o.detail}"
        if not o.key_found:
            status = _("No milestone has this key")
        elif not o.topic_found:
            status = _("The topic was deleted: choose another one")
        elif o.met is None:
            status = _("No target set") if o.target is None else _("No figure yet")
        else:
            status = _("Met") if o.met else _("Not yet met")
        show = one_decimal if o.is_rating else percent
        rows.append(
            (
                o.title,
                measure,
                show(o.actual) if o.actual is not None else "–",
                show(o.target) if o.target is not None else "–",
                status,
                o.basis,
            )
        )
    return Table(
        key="objectives",
        caption=_("Progress against the program's objectives"),
        columns=(
            Column(_("Objective"), numeric=False),
            Column(_("Measure"), numeric=False),
            Column(_("Actual")),
            Column(_("Target")),
            Column(_("Status"), numeric=False),
            Column(_("Based on")),
        ),
        rows=rows,
    )


def attributes_table(insights: ProgramInsights) -> Table | None:
    if not insights.attributes:
        return None
    rows = []
    for a in insights.attributes:
        if a.hidden:
            rows.append((a.label, *([fewer_than()] * 7)))
            continue
        hidden = _("fewer than %(count)d active journeys") % {"count": MIN_GROUP}
        rows.append(
            (
                a.label,
                a.people,
                a.matched_share,
                a.median_days_to_match,
                a.journeys,
                a.active if not a.health_hidden else hidden,
                a.at_risk_share if not a.health_hidden else hidden,
                a.on_track_share if not a.health_hidden else hidden,
            )
        )
    return Table(
        key="attributes",
        caption=_("By opt-in attribute"),
        columns=(
            Column(_("Attribute"), numeric=False),
            Column(_("People who shared it")),
            Column(_("Matched (%)"), percent),
            Column(_("Median days to a match"), days),
            Column(_("Journeys they are in")),
            Column(_("Active journeys")),
            Column(_("At risk (% of active)"), percent),
            Column(_("On track (% of active)"), percent),
        ),
        rows=rows,
        note=_(
            "Groups of fewer than %(count)d people are not shown, and neither is the health "
            "of fewer than %(count)d active journeys."
        )
        % {"count": MIN_GROUP},
    )


def goals_table(insights: ProgramInsights) -> Table:
    labels = dict(GoalStatus.choices)
    return Table(
        key="goals",
        caption=_("Goals by status"),
        columns=(Column(_("Status"), numeric=False), Column(_("Goals"))),
        rows=[(labels[status], n) for status, n in insights.goals.items()],
    )


def planned_meetings_table(insights: ProgramInsights) -> Table:
    labels = {
        "to_come": _("Time agreed, still to come"),
        "held": _("Held"),
        "not_held": _("Not held (said so, or the day passed unanswered)"),
        "waiting": _("Proposed, waiting for a time to be chosen"),
        "cancelled": _("Cancelled"),
    }
    return Table(
        key="planned_meetings",
        caption=_("Meetings planned on the site"),
        columns=(Column(_("State"), numeric=False), Column(_("Meetings"))),
        rows=[(labels[kind], insights.planned_meetings.get(kind, 0)) for kind in labels],
    )


def all_tables(insights: ProgramInsights, journeys: tuple[HealthRow, ...] | None = None):
    """Every table for a viewer; ``journeys`` (names included) only for program admins."""
    tables = [
        enrolment_table(insights),
        matching_table(insights),
        journeys_table(insights),
        *funnel_tables(insights),
        health_counts_table(insights),
        engagement_table(insights),
        conversation_table(insights),
        content_table(insights),
        objectives_table(insights),
        attributes_table(insights),
        goals_table(insights),
        planned_meetings_table(insights),
    ]
    if journeys is not None:
        tables.append(health_table(journeys, insights.week))
    return {t.key: t for t in tables if t is not None}
