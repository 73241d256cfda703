"""What the sponsor's page says: a program's figures as sentences, counts and a few charts.

``summarise_program(insights, now, names=…)`` turns the ``ProgramInsights`` the
page shows into plain values for ``insights/site/program.html``: no
query, no clock (``now`` is handed in), nothing but the figures it is given.

Rules it keeps:

* Objectives first, each in a sentence that says the figure, the target and
  whether it is met, under one line that counts those on target.
* Every figure says how fresh it is (``freshness``): "as of 10:42 today".
* Health as counts. Names (the people in journeys that need attention or are
  at risk) only when ``names`` is true: for program admins, never sponsors.
* No one's answers through a small group: without ``names``, a rating (of a
  material, or of a topic's milestones) that fewer than ``MIN_GROUP`` people gave,
  and the share of goals achieved when fewer than ``MIN_GROUP`` people set goals,
  are not shown, nor used to order the content. An average of one pair's ratings
  is still what each of them answered, and a sponsor may know who walks it.
  Nor is a rating that, taken with the others shown, would give theirs away by
  subtraction (a topic's less a material's on one of its milestones): such
  ratings are marked ``withheld`` when figures are worked out
  (``compute.withheld_ratings``).
* The milestone chart is a true funnel: it counts the journeys past each
  milestone and every one before it (``compute.journeys_past``), of all the
  journeys that follow the template, so no bar is longer than the one above.
* Every table has at most four columns, so it fits a phone without scrolling
  sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.models import JourneyStatus, Measure

from . import site_charts, tables
from .compute import MIN_GROUP, ProgramInsights
from .health import AT_RISK, BANDS, NEEDS_ATTENTION, ON_TRACK
from .tables import BAND_LABELS, KIND_LABELS, Column, Table, members_label, percent

NAMES_PER_BAND = 10
CONTENT_HIGHLIGHTS = 3

ON_TARGET = "on_target"
BELOW_TARGET = "below_target"
NO_FIGURE = "no_figure"
NO_TARGET = "no_target"
NOT_MEASURED = "not_measured"


def freshness(computed_at: datetime, now: datetime) -> str:
    """When figures were worked out, as a reader says it: "as of 10:42 today"."""
    then = timezone.localtime(computed_at)
    today = timezone.localtime(now).date()
    time = date_format(then, "H:i")
    if then.date() == today:
        return _("as of %(time)s today") % {"time": time}
    if then.date() == today - timedelta(days=1):
        return _("as of %(time)s yesterday") % {"time": time}
    shown = date_format(then, "j F" if then.year == today.year else "j F Y")
    return _("as of %(date)s, %(time)s") % {"date": shown, "time": time}


def _share(value: float) -> str:
    return f"{round(value)}%"


def _rating(value: float) -> str:
    return f"{value:.1f}"


# Objectives ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveLine:
    title: str
    sentence: str
    status: str
    status_label: str


def _objective_figure(row) -> str:
    """The objective's figure in words, with the target when there is one."""
    show = _rating if row.is_rating else _share
    figure = show(row.actual)
    if row.measure == Measure.MILESTONE:
        sentence = _("The “%(key)s” milestone is done in %(figure)s of the journeys it belongs to")
    elif row.measure == Measure.TOPIC_PULSE:
        sentence = _("Milestones on %(key)s are rated %(figure)s out of 5 on average")
    elif row.measure == Measure.GOALS:
        sentence = _("%(figure)s of the goals people set are achieved")
    elif row.measure == Measure.MATCHED:
        sentence = _("%(figure)s of the people taking part are matched")
    else:
        sentence = _("%(figure)s of journeys are complete")
    sentence = sentence % {"key": row.detail, "figure": figure}
    if row.target is None:
        return _("%(figure)s; no target is set.") % {"figure": sentence}
    return _("%(figure)s, against a target of %(target)s.") % {
        "figure": sentence,
        "target": show(row.target),
    }


def _basis(row) -> str:
    if row.measure == Measure.TOPIC_PULSE:
        text = ngettext("%(count)d rating", "%(count)d ratings", row.basis)
    elif row.measure == Measure.GOALS:
        text = ngettext("%(count)d goal", "%(count)d goals", row.basis)
    elif row.measure == Measure.MATCHED:
        text = ngettext("%(count)d person", "%(count)d people", row.basis)
    else:
        text = ngettext("%(count)d journey", "%(count)d journeys", row.basis)
    return _("Based on %(what)s.") % {"what": text % {"count": row.basis}}


def too_few_people(row, names: bool) -> bool:
    """Whether an objective's figure rests on the answers of too few people to show
    someone who may not see names."""
    return not names and row.people is not None and 0 < row.people < MIN_GROUP


def withheld(row, names: bool) -> bool:
    """Whether an objective's rating is not shown to someone who may not see names,
    though enough people gave it: with the other ratings shown, it would give away
    the ratings of fewer than ``MIN_GROUP`` (``compute.withheld_ratings``)."""
    return not names and row.withheld and not too_few_people(row, names)


def objective_line(row, names: bool = False) -> ObjectiveLine:
    if not row.measure:
        return ObjectiveLine(
            row.title, _("No measure is set for this objective."), NOT_MEASURED, _("Not measured")
        )
    if not row.key_found:
        return ObjectiveLine(
            row.title,
            _(
                "No milestone of the journeys’ templates has the key “%(key)s”: check the "
                "objective’s milestone key."
            )
            % {"key": row.detail},
            NO_FIGURE,
            _("No figure yet"),
        )
    if not row.topic_found:
        return ObjectiveLine(
            row.title,
            _(
                "The topic this objective is measured by no longer exists, so its figure "
                "cannot be worked out: check the objective’s topic."
            ),
            NO_FIGURE,
            _("No figure yet"),
        )
    if row.actual is not None and too_few_people(row, names):
        if row.measure == Measure.TOPIC_PULSE:
            sentence = _(
                "Fewer than %(count)d people rated the milestones on %(topic)s, too few to "
                "show without pointing at someone."
            ) % {"count": MIN_GROUP, "topic": row.detail}
        else:
            sentence = _(
                "Fewer than %(count)d people set goals, too few to show without pointing "
                "at someone."
            ) % {"count": MIN_GROUP}
        return ObjectiveLine(row.title, sentence, NO_FIGURE, _("No figure yet"))
    if row.actual is not None and withheld(row, names):
        sentence = _(
            "The rating of the milestones on %(topic)s is not shown: taken with the other "
            "ratings on this page, it would give away those of fewer than %(count)d people."
        ) % {"count": MIN_GROUP, "topic": row.detail}
        return ObjectiveLine(row.title, sentence, NO_FIGURE, _("No figure yet"))
    if row.actual is None:
        return ObjectiveLine(
            row.title,
            _("There is nothing to measure yet."),
            NO_FIGURE,
            _("No figure yet"),
        )
    sentence = f"{_objective_figure(row)} {_basis(row)}"
    if row.met is None:
        return ObjectiveLine(row.title, sentence, NO_TARGET, _("No target"))
    if row.met:
        return ObjectiveLine(row.title, sentence, ON_TARGET, _("On target"))
    return ObjectiveLine(row.title, sentence, BELOW_TARGET, _("Below target"))


def objectives_headline(lines: list[ObjectiveLine]) -> str:
    if not lines:
        return _("No objectives are written for this program yet.")
    judged = [line for line in lines if line.status in (ON_TARGET, BELOW_TARGET)]
    others = len(lines) - len(judged)
    if not judged:
        return ngettext(
            "Its objective cannot be judged yet: it needs a measure, a target and a figure.",
            "None of its %(count)d objectives can be judged yet: each needs a measure, a "
            "target and a figure.",
            len(lines),
        ) % {"count": len(lines)}
    met = sum(1 for line in judged if line.status == ON_TARGET)
    headline = ngettext(
        "%(met)d of %(judged)d objective is on target.",
        "%(met)d of %(judged)d objectives are on target.",
        len(judged),
    ) % {"met": met, "judged": len(judged)}
    if others:
        headline += " " + ngettext(
            "%(count)d more cannot be judged yet.",
            "%(count)d more cannot be judged yet.",
            others,
        ) % {"count": others}
    return headline


def objectives_table(
    lines: list[ObjectiveLine], insights: ProgramInsights, names: bool = False
) -> Table:
    rows = []
    for line, row in zip(lines, insights.objectives, strict=True):
        show = _rating if row.is_rating else _share
        shown = (
            row.actual is not None and not too_few_people(row, names) and not withheld(row, names)
        )
        rows.append(
            (
                line.title,
                show(row.actual) if shown else "–",
                show(row.target) if row.target is not None else "–",
                str(line.status_label),
            )
        )
    return Table(
        key="objectives",
        caption=_("Objectives against their targets"),
        columns=(
            Column(_("Objective"), numeric=False),
            Column(_("Now")),
            Column(_("Target")),
            Column(_("Status"), numeric=False),
        ),
        rows=rows,
    )


# Health ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandCount:
    band: str
    label: str
    count: int


@dataclass(frozen=True)
class NamedJourney:
    members: str
    score: int
    url: str
    score_text: str


@dataclass(frozen=True)
class NamedBand:
    band: str
    label: str
    count: int
    journeys: tuple[NamedJourney, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.journeys)


def health_sentence(insights: ProgramInsights) -> str:
    active = insights.active_total
    if not active:
        return _idle_sentence(insights)
    counts = insights.health_counts
    return ngettext(
        "Of %(active)d active journey: %(on_track)d on track, %(attention)d needing "
        "attention, %(at_risk)d at risk.",
        "Of %(active)d active journeys: %(on_track)d on track, %(attention)d needing "
        "attention, %(at_risk)d at risk.",
        active,
    ) % {
        "active": active,
        "on_track": counts[ON_TRACK],
        "attention": counts[NEEDS_ATTENTION],
        "at_risk": counts[AT_RISK],
    }


def _idle_sentence(insights: ProgramInsights) -> str:
    """No journey under way: none started yet, or every one ended or paused."""
    counts = insights.status_counts
    ended = counts.get(JourneyStatus.COMPLETED, 0) + counts.get(JourneyStatus.CLOSED, 0)
    paused = counts.get(JourneyStatus.PAUSED, 0)
    if not ended and not paused:
        return _("No journey is under way yet.")
    if not paused:
        return ngettext(
            "No journey is under way: the program's journey has ended.",
            "No journey is under way: all %(count)d of the program's journeys have ended.",
            ended,
        ) % {"count": ended}
    if not ended:
        return ngettext(
            "No journey is under way: the program's journey is paused.",
            "No journey is under way: all %(count)d of the program's journeys are paused.",
            paused,
        ) % {"count": paused}
    return _("No journey is under way: of the %(total)d journeys, %(ended)s and %(paused)s.") % {
        "total": ended + paused,
        "ended": ngettext("%(count)d has ended", "%(count)d have ended", ended) % {"count": ended},
        "paused": ngettext("%(count)d is paused", "%(count)d are paused", paused)
        % {"count": paused},
    }


def named_bands(insights: ProgramInsights, journey_url: str) -> tuple[NamedBand, ...]:
    """Who is in the journeys that need attention or are at risk, lowest score first."""
    found = []
    score_text = _("health score %(score)d")  # translated once for every journey listed
    for band in (AT_RISK, NEEDS_ATTENTION):
        samples = insights.health_samples.get(band, ())[:NAMES_PER_BAND]
        found.append(
            NamedBand(
                band=band,
                label=str(BAND_LABELS[band]),
                count=insights.health_counts[band],
                journeys=tuple(
                    NamedJourney(
                        members=members_label(row.members),
                        score=row.score,
                        url=f"{journey_url}{row.journey_id}/" if journey_url else "",
                        score_text=score_text % {"score": row.score},
                    )
                    for row in samples
                ),
            )
        )
    return tuple(found)


# Trends ----------------------------------------------------------------------------------


def _week(value) -> str:
    return date_format(value, "j M")


def matching_sentence(insights: ProgramInsights) -> str:
    enrolment = insights.enrolment
    if enrolment is None:
        return _("Enrolment is not recorded for this program.")
    if not enrolment.total:
        return _("Nobody has enrolled yet.")
    sentence = ngettext(
        "%(total)d person has enrolled.", "%(total)d people have enrolled.", enrolment.total
    ) % {"total": enrolment.total}
    taking_part = enrolment.waiting + enrolment.matched
    if taking_part:
        sentence += " " + ngettext(
            "%(matched)d of the %(taking_part)d taking part is matched (%(share)s).",
            "%(matched)d of the %(taking_part)d taking part are matched (%(share)s).",
            taking_part,
        ) % {
            "matched": enrolment.matched,
            "taking_part": taking_part,
            "share": _share(enrolment.matched_share),
        }
    if enrolment.median_days_to_match is not None:
        sentence += " " + _("Half were matched within %(days)s days of enrolling.") % {
            "days": f"{enrolment.median_days_to_match:.0f}"
        }
    if enrolment.waiting:
        sentence += " " + ngettext(
            "%(waiting)d is waiting to be matched.",
            "%(waiting)d are waiting to be matched.",
            enrolment.waiting,
        ) % {"waiting": enrolment.waiting}
    return sentence


def enrolment_trend(insights: ProgramInsights):
    enrolment = insights.enrolment
    if enrolment is None or not enrolment.total:
        return None
    weeks = enrolment.weeks
    return site_charts.trend(
        "sponsor-chart-enrolment",
        _("People enrolled to date, by week"),
        _(
            "%(start)d people had enrolled by the week of %(first)s and %(end)d by the "
            "week of %(last)s."
        )
        % {
            "start": weeks[0][2],
            "first": _week(weeks[0][0]),
            "end": weeks[-1][2],
            "last": _week(weeks[-1][0]),
        },
        _("People enrolled"),
        _("Week starting"),
        [_week(week) for week, _new, _total in weeks],
        [(_("Enrolled to date"), [total for _w, _new, total in weeks])],
    )


def enrolment_table(insights: ProgramInsights) -> Table | None:
    enrolment = insights.enrolment
    if enrolment is None or not enrolment.total:
        return None
    return tables.enrolment_table(insights, short=True)


def _count(singular: str, plural: str, count: int) -> str:
    return ngettext(singular, plural, count) % {"count": count}


def engagement_sentence(insights: ProgramInsights) -> str:
    steps = sum(s for _w, s, _m in insights.engagement)
    meetings = sum(m for _w, _s, m in insights.engagement)
    week = insights.week
    return _(
        "Over the last %(weeks)d weeks, people completed %(steps)s and held %(meetings)s. "
        "In the seven days to %(end)s: %(week_steps)s, %(week_meetings)s and %(messages)s "
        "between partners."
    ) % {
        "weeks": len(insights.engagement),
        "steps": _count("%(count)d step", "%(count)d steps", steps),
        "meetings": _count("%(count)d meeting", "%(count)d meetings", meetings),
        "end": date_format(week.end, "j F"),
        "week_steps": _count("%(count)d step", "%(count)d steps", week.steps_completed),
        "week_meetings": _count("%(count)d meeting", "%(count)d meetings", week.meetings),
        "messages": _count("%(count)d message", "%(count)d messages", week.messages),
    }


def engagement_trend(insights: ProgramInsights):
    weeks = insights.engagement
    steps = [s for _w, s, _m in weeks]
    meetings = [m for _w, _s, m in weeks]
    return site_charts.trend(
        "sponsor-chart-engagement",
        _("Steps completed and meetings held, by week"),
        tables.engagement_description(insights),
        _("Number in the week"),
        _("Week starting"),
        [_week(week) for week, _s, _m in weeks],
        [(_("Steps completed"), steps), (_("Meetings held"), meetings)],
    )


# How far journeys have come --------------------------------------------------------------


@dataclass(frozen=True)
class FunnelBar:
    title: str
    past: int
    share: float  # of the journeys that follow the template, 0–100

    @property
    def width(self) -> str:
        return f"{self.share:.1f}%"


@dataclass(frozen=True)
class FunnelView:
    id: str
    heading: str
    journeys: int
    sentence: str
    bars: tuple[FunnelBar, ...]
    table: Table


def funnel_views(insights: ProgramInsights) -> tuple[FunnelView, ...]:
    found = []
    for funnel in insights.funnels:
        total = funnel.journeys
        bars = tuple(
            FunnelBar(step.title, step.past, 100 * step.past / total if total else 0)
            for step in funnel.steps
        )
        if bars:
            sentence = ngettext(
                "Of the %(total)d journey that follows “%(template)s”, %(first)d is past "
                "“%(first_title)s” and %(last)d past the last milestone, “%(last_title)s”.",
                "Of the %(total)d journeys that follow “%(template)s”, %(first)d are past "
                "“%(first_title)s” and %(last)d past the last milestone, “%(last_title)s”.",
                total,
            ) % {
                "total": total,
                "template": funnel.title,
                "first": bars[0].past,
                "first_title": bars[0].title,
                "last": bars[-1].past,
                "last_title": bars[-1].title,
            }
        else:
            sentence = _("“%(template)s” has no milestones.") % {"template": funnel.title}
        found.append(
            FunnelView(
                id=f"sponsor-funnel-{funnel.template_id}",
                heading=_("How far journeys have come: %(template)s") % {"template": funnel.title},
                journeys=total,
                sentence=sentence,
                bars=bars,
                table=Table(
                    key=f"funnel_{funnel.template_id}",
                    caption=_("Journeys past each milestone: %(template)s")
                    % {"template": funnel.title},
                    columns=(
                        Column(_("Milestone"), numeric=False),
                        Column(_("Journeys past it")),
                        Column(_("Share"), percent),
                    ),
                    rows=[(bar.title, bar.past, bar.share if total else None) for bar in bars],
                ),
            )
        )
    return tuple(found)


# Content that works ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContentLine:
    title: str
    kind: str
    sentence: str


def _rating_shown(row, names: bool) -> float | None:
    """The content's rating, unless the reader may not see names and fewer than
    ``MIN_GROUP`` people gave it, or it is withheld so that no subtraction from the
    other ratings shown gives theirs away (``compute.withheld_ratings``)."""
    if row.pulse is None or (not names and (row.raters < MIN_GROUP or row.withheld)):
        return None
    return row.pulse


def _works(names: bool):
    def key(row) -> tuple:
        """Best first: the best rated, then the most opened of those that reached it."""
        opened = row.opened / row.reached if row.reached else 0
        return (-(_rating_shown(row, names) or 0), -opened, -row.reached, row.title.lower())

    return key


def content_lines(insights: ProgramInsights, names: bool = False) -> tuple[ContentLine, ...]:
    """The best rated or most opened materials and stories; none that nobody opened or rated."""
    used = sorted(
        (row for row in insights.content if row.opened or row.pulse is not None),
        key=_works(names),
    )
    lines = []
    for row in used[:CONTENT_HIGHLIGHTS]:
        sentence = ngettext(
            "Opened in %(opened)d of the %(reached)d journey that reached it.",
            "Opened in %(opened)d of the %(reached)d journeys that reached it.",
            row.reached,
        ) % {"opened": row.opened, "reached": row.reached}
        if row.pulse is not None and row.raters < MIN_GROUP and not names:
            sentence += " " + _(
                "Fewer than %(count)d people rated its milestones, too few to show."
            ) % {"count": MIN_GROUP}
        elif row.pulse is not None and _rating_shown(row, names) is None:
            sentence += " " + _(
                "Its rating is not shown: taken with the other ratings on this page, it would "
                "give away those of fewer than %(count)d people."
            ) % {"count": MIN_GROUP}
        elif row.pulse is not None:
            sentence += " " + ngettext(
                "Its milestones are rated %(rating)s out of 5 (%(count)d rating).",
                "Its milestones are rated %(rating)s out of 5 (%(count)d ratings).",
                row.pulse_count,
            ) % {"rating": _rating(row.pulse), "count": row.pulse_count}
        lines.append(ContentLine(row.title, str(KIND_LABELS.get(row.kind, row.kind)), sentence))
    return tuple(lines)


def content_table(insights: ProgramInsights, names: bool = False) -> Table:
    rows = sorted((row for row in insights.content if row.reached), key=_works(names))
    return Table(
        key="content",
        caption=_("Materials and stories, best rated first"),
        columns=(
            Column(_("Material or story"), numeric=False),
            Column(_("Opened"), numeric=False),
            Column(_("Rating"), lambda v: "–" if v is None else _rating(v)),
        ),
        rows=[
            (
                row.title,
                _("%(opened)d of %(reached)d") % {"opened": row.opened, "reached": row.reached},
                _rating_shown(row, names),
            )
            for row in rows
        ],
        note=""
        if names
        else _(
            "Ratings from fewer than %(count)d people are not shown. Nor are those that, "
            "taken with the others on this page, would give theirs away."
        )
        % {"count": MIN_GROUP},
    )


# The page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SponsorPage:
    fresh: str
    computed_at: datetime
    objectives_headline: str
    objectives: tuple[ObjectiveLine, ...]
    objectives_table: Table
    health_sentence: str
    health: tuple[BandCount, ...]
    named: tuple[NamedBand, ...]
    matching_sentence: str
    enrolment_trend: site_charts.Trend | None
    enrolment_table: Table | None
    engagement_sentence: str
    engagement_trend: site_charts.Trend
    engagement_table: Table
    funnels: tuple[FunnelView, ...]
    content: tuple[ContentLine, ...]
    content_table: Table
    names: bool = False


def summarise_program(
    insights: ProgramInsights, now: datetime, *, names: bool = False, journey_url: str = ""
) -> SponsorPage:
    """The sponsor's page for ``insights`` as seen at ``now``; names only when ``names``."""
    lines = [objective_line(row, names) for row in insights.objectives]
    return SponsorPage(
        fresh=freshness(insights.computed_at, now),
        computed_at=insights.computed_at,
        objectives_headline=objectives_headline(lines),
        objectives=tuple(lines),
        objectives_table=objectives_table(lines, insights, names),
        health_sentence=health_sentence(insights),
        health=tuple(
            BandCount(band, str(BAND_LABELS[band]), insights.health_counts[band]) for band in BANDS
        ),
        named=named_bands(insights, journey_url) if names else (),
        matching_sentence=matching_sentence(insights),
        enrolment_trend=enrolment_trend(insights),
        enrolment_table=enrolment_table(insights),
        engagement_sentence=engagement_sentence(insights),
        engagement_trend=engagement_trend(insights),
        engagement_table=tables.engagement_table(insights, short=True),
        funnels=funnel_views(insights),
        content=content_lines(insights, names),
        content_table=content_table(insights, names),
        names=names,
    )
