"""What insights add to a person's download of their data (``/my/data/``).

Journeys builds the download and hands the other apps the ``personal_data``
hook: insights add which materials and stories the person first opened, and
when, and the weekly digests they were sent. Two queries.

Registered in ``insights.wagtail_hooks``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from journeys.services.export import Section

from .models import ContentView, InsightsDigest


def _materials_opened(user) -> Section:
    rows = [
        {"journey_id": uuid, "journey": journey, "material": title, "first_opened_at": at}
        for uuid, journey, title, at in ContentView.objects.filter(user=user)
        .order_by("first_opened_at", "pk")
        .values_list("journey__uuid", "journey__template__title", "page__title", "first_opened_at")
    ]
    return Section(
        "materials_opened",
        _("Materials you opened"),
        _("Which materials and stories you first opened on a milestone's page, and when."),
        rows,
        notes=[_("Program insights count these, never by name.")],
    )


def _digests(user) -> list[Section]:
    digests = [
        {"program": program, "week": week}
        for program, week in InsightsDigest.objects.filter(recipient=user)
        .order_by("created_at", "pk")
        .values_list("program__title", "week")
    ]
    if not digests:
        return []
    return [
        Section(
            "insights_digests",
            _("Insights digests to you"),
            _("The weekly program insights digests you were sent."),
            digests,
        )
    ]


def personal_data(user) -> list[Section]:
    return [_materials_opened(user), *_digests(user)]
