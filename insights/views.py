"""The insights pages in the admin: the programs one may see, each program's dashboard,
and its tables as CSV.

Read-only: nothing here changes anything. Who sees what is ``permissions``;
a program the viewer may not see answers 404, whether or not it exists.

The figures are read from the program's snapshot (``snapshots``), never worked
out here, and say when they were worked out; the page around them (the admin's
frame and menu, what the viewer may see) is rendered for each request, so a
right given or taken away shows on the next one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from journeys.models import Journey

from . import charts, snapshots, tables
from .health import BANDS, FORMULA
from .permissions import may_see_insights, sees_names, visible_programs
from .site_views import sponsor_page_url
from .sponsor import health_sentence


class InsightsMixin(WagtailAdminTemplateMixin):
    header_icon = "glasses"
    index_url_name = "insights:index"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_insights(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_program(self):
        return get_object_or_404(visible_programs(self.request.user), pk=self.kwargs["program_id"])


class InsightsIndexView(InsightsMixin, TemplateView):
    """The programs whose insights the person may see."""

    template_name = "insights/index.html"
    page_title = gettext_lazy("Insights")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = [
            (program, sponsor_page_url(program, self.request))
            for program in visible_programs(self.request.user).select_related("sponsor")
        ]
        return context


class ProgramInsightsView(InsightsMixin, TemplateView):
    """One program's dashboard: figures, charts, and tables with CSV links."""

    template_name = "insights/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.program = self.get_program()
        response = super().get(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def get_page_title(self):
        return _("Insights")

    def get_page_subtitle(self):
        return self.program.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Insights")},
            {"url": "", "label": self.program.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        names = sees_names(user, self.program)
        journey_url = None
        if names and policy_registry.get_by_type(Journey).user_has_permission(user, "view"):
            journey_url = reverse("journeys_admin:inspect", args=[0])[: -len("0/")]
        figures = snapshots.read(self.program)
        context["sponsor_page_url"] = sponsor_page_url(self.program, self.request)
        context["program"] = self.program
        if figures is None:
            return context
        insights = snapshots.with_names(figures.insights) if names else figures.insights
        context.update(self.body_context(insights, names, journey_url))
        context["newer_coming"] = figures.newer_coming
        return context

    def body_context(self, insights, names, journey_url) -> dict:
        table_map = tables.all_tables(insights)
        export = {
            key: reverse("insights:export", args=[self.program.pk, key]) for key in table_map
        }
        if names:
            export["health"] = reverse("insights:export", args=[self.program.pk, "health"])
        charts_found = dashboard_charts(insights)
        return {
            "program": self.program,
            "insights": insights,
            "tables": table_map,
            "export": export,
            "charts": charts_found,
            "funnels": [
                {
                    "chart": chart,
                    "table": table_map[f"funnel_{funnel.template_id}"],
                    "export_url": export[f"funnel_{funnel.template_id}"],
                }
                for funnel, chart in zip(insights.funnels, charts_found["funnels"], strict=True)
            ],
            "formula": FORMULA,
            "shows_names": names,
            "health_lists": health_lists(insights, journey_url) if names else [],
        }


class ExportView(InsightsMixin, View):
    """One of the dashboard's tables as CSV; the full journey list for program admins."""

    def get(self, request, program_id, table):
        program = self.get_program()
        figures = snapshots.read(program)
        if figures is None:
            raise Http404(_("The program's figures are still being worked out."))
        insights = figures.insights
        if table == "health":
            if not sees_names(request.user, program):
                raise Http404
            chosen = tables.health_table(
                snapshots.named(snapshots.journeys(program)), insights.week
            )
        else:
            chosen = tables.all_tables(insights).get(table)
            if chosen is None:
                raise Http404
        response = tables.csv_response(chosen, program, insights.today)
        add_never_cache_headers(response)
        return response


def health_lists(insights, journey_url) -> list[dict]:
    """Each band's lowest-scoring journeys, with members' names and a link to each."""
    lists = []
    for band in BANDS:
        samples = insights.health_samples[band]
        table = tables.health_table(
            samples, insights.week, key=f"health_{band}", caption=tables.BAND_LABELS[band]
        )
        lists.append(
            {
                "band": band,
                "heading_id": f"insights-health-{band}",
                "label": tables.BAND_LABELS[band],
                "count": insights.health_counts[band],
                "table": table,
                "shown": len(samples),
                "links": [
                    f"{journey_url}{row.journey_id}/" if journey_url else "" for row in samples
                ],
            }
        )
    return lists


# Charts ----------------------------------------------------------------------------------


def _week(day) -> str:
    return date_format(day, "j M")


def dashboard_charts(insights) -> dict:
    found = {}
    enrolment = insights.enrolment
    if enrolment is not None and enrolment.total:
        first, last = enrolment.weeks[0], enrolment.weeks[-1]
        found["enrolment"] = charts.line_chart(
            "chart-enrolment",
            _("People enrolled to date, by week"),
            _(
                "%(start)d people had enrolled by the week of %(first)s and %(end)d by the "
                "week of %(last)s."
            )
            % {
                "start": first[2],
                "first": _week(first[0]),
                "end": last[2],
                "last": _week(last[0]),
            },
            [_week(week) for week, _new, _total in enrolment.weeks],
            [(_("Enrolled to date"), [total for _week_, _new, total in enrolment.weeks])],
        )
    weeks = insights.engagement
    steps = [s for _w, s, _m in weeks]
    meetings = [m for _w, _s, m in weeks]
    found["engagement"] = charts.line_chart(
        "chart-engagement",
        _("Steps completed and meetings held, by week"),
        tables.engagement_description(insights),
        [_week(week) for week, _s, _m in weeks],
        [(_("Steps completed"), steps), (_("Meetings held"), meetings)],
    )
    conversation = insights.conversation
    per_journey = [round(w.per_journey or 0, 1) for w in conversation]
    most = max((w.per_journey or 0 for w in conversation), default=0)
    messages = sum(w.messages for w in conversation)
    found["conversation"] = charts.line_chart(
        "chart-conversation",
        _("Messages per journey, by week"),
        ngettext(
            "Over the last %(weeks)d weeks: %(messages)d message in conversations, at most "
            "%(most)s per journey in a week. Only the number of messages is counted, never "
            "what they say. The last week is the current one, so far.",
            "Over the last %(weeks)d weeks: %(messages)d messages in conversations, at most "
            "%(most)s per journey in a week. Only the number of messages is counted, never "
            "what they say. The last week is the current one, so far.",
            messages,
        )
        % {
            "weeks": len(conversation),
            "messages": messages,
            # A few messages among many journeys round to 0.0, which reads as none.
            "most": _("under 0.1") if 0 < most < 0.05 else f"{most:.1f}".removesuffix(".0"),
        },
        [_week(w.start) for w in conversation],
        [(_("Messages per journey"), per_journey)],
    )
    found["health"] = charts.column_chart(
        "chart-health",
        _("Active journeys by health"),
        health_sentence(insights),
        [(str(tables.BAND_LABELS[band]), insights.health_counts[band]) for band in BANDS],
    )
    found["funnels"] = [
        charts.bar_chart(
            f"chart-funnel-{funnel.template_id}",
            _("Each milestone done, as a share of the journeys it belongs to: %(template)s")
            % {"template": funnel.title},
            ngettext(
                "%(journeys)d journey follows this template. %(first)s; %(last)s.",
                "%(journeys)d journeys follow this template. %(first)s; %(last)s.",
                funnel.journeys,
            )
            % {
                "journeys": funnel.journeys,
                "first": _funnel_phrase(funnel.steps[0]) if funnel.steps else "",
                "last": _funnel_phrase(funnel.steps[-1]) if funnel.steps else "",
            },
            [(step.title, step.share) for step in funnel.steps],
        )
        for funnel in insights.funnels
    ]
    return found


def _funnel_phrase(step) -> str:
    if step.share is None:
        return _("“%(title)s” applies to none of them") % {"title": step.title}
    return _("“%(title)s” is done in %(share)d%% of the journeys it belongs to") % {
        "title": step.title,
        "share": round(step.share),
    }
