"""The sponsor's page on the site: how one program is going, read on a phone in two minutes.

``/programs/<slug>/insights/``, in the site's theme. Who sees it, and what:

* a program admin: the page, with the names of the people in journeys at risk
  or needing attention, and links into the admin (the full dashboard, the
  program's journeys, enrolments and matching runs, as far as their rights go);
* the program's sponsor: the same figures, as counts, with no names;
* anyone else who is signed in: 404, whether the program exists or not, as for
  a program of another site; someone not signed in is sent to sign in.

Two seams keep the page apart from where figures and rights come from:
``_figures(program)`` (the program's figures, or None while they are still to
be worked out) and ``_viewer(request, program)`` (whether the person may see
the page, and whether they see names). What the page says is
``sponsor.summarise_program``. Read-only, and rendered for every request: a
right given or taken away shows on the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.models import Site

from journeys.models import ProgramPage
from journeys.services.access import may_sponsor, sponsored_programs

from . import snapshots
from .permissions import may_see_program, sees_names
from .sponsor import summarise_program

PROGRAM_LINKS = 20  # programs listed on My mentoring


@dataclass(frozen=True)
class Viewer:
    may_see: bool
    sees_names: bool = False


def _viewer(request, program) -> Viewer:
    """Whether the person may see the program's page, and the names in it."""
    user = request.user
    if may_see_program(user, program.pk):
        return Viewer(may_see=True, sees_names=sees_names(user, program.pk))
    return Viewer(may_see=may_sponsor(user, program.pk))


def _site_programs(request, programs):
    site = Site.find_for_request(request)
    return programs.descendant_of(site.root_page, inclusive=True) if site else programs


def _program(request, slug):
    program = (
        _site_programs(request, ProgramPage.objects.filter(slug=slug))
        .order_by("pk")
        .only("pk", "title", "slug", "path", "depth")
        .first()
    )
    if program is None:
        raise Http404
    return program


def _reverse(name, *args, **query) -> str:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _admin_links(user, program) -> list[tuple[str, str]]:
    """Where a program admin goes next in the admin, as far as their rights reach."""
    wanted = [
        (_("The full dashboard"), "insights:program", (program.pk,), {}, True),
        (
            _("Its journeys"),
            "journeys_admin:index",
            (),
            {"program": program.pk},
            user.has_perm("journeys.view_journey"),
        ),
        (
            _("Its enrolments"),
            "matching_enrolments:index",
            (),
            {"program": program.pk},
            user.has_perm("matching.view_enrollment"),
        ),
        (
            _("Its matching runs"),
            "matching_runs:index",
            (),
            {"program": program.pk},
            user.has_perm("matching.view_matchingrun"),
        ),
    ]
    links = []
    for label, name, args, query, allowed in wanted:
        url = _reverse(name, *args, **query) if allowed else ""
        if url:
            links.append((label, url))
    return links


def _journey_url(user) -> str:
    """The admin page of a journey, less its id; empty when the person may not open it."""
    if not user.has_perm("journeys.view_journey"):
        return ""
    url = _reverse("journeys_admin:inspect", 0)
    return url[: -len("0/")] if url else ""


@login_required
@never_cache
def program_insights_page(request, slug):
    program = _program(request, slug)
    viewer = _viewer(request, program)
    if not viewer.may_see:
        raise Http404
    figures = snapshots.read(program)
    summary = None
    if figures is not None:
        insights = figures.insights
        summary = summarise_program(
            snapshots.with_names(insights) if viewer.sees_names else insights,
            timezone.now(),
            names=viewer.sees_names,
            journey_url=_journey_url(request.user) if viewer.sees_names else "",
        )
    return render(
        request,
        "insights/site/program.html",
        {
            "program": program,
            "summary": summary,
            "newer_coming": figures is not None and figures.newer_coming,
            "admin_links": _admin_links(request.user, program) if viewer.sees_names else [],
        },
    )


def sponsor_page_url(program, request=None) -> str:
    """The program's sponsor's page, on the program's own site (absolute when that is another).

    Empty for a program no site serves (under a home page that is no site's
    root yet): its page answers nowhere, and the path, read on this site, is
    another program's that shares its slug.
    """
    path = reverse("program_insights:page", args=[program.slug])
    if request is None:
        return path
    parts = program.get_url_parts(request)
    if parts is None:
        return ""
    site_id, root_url, _page_path = parts
    current = Site.find_for_request(request)
    if current is not None and current.pk == site_id:
        return path
    return f"{root_url}{path}"


def program_links(request) -> list[dict]:
    """For My mentoring: the programs of this site that the person sponsors and may read.

    One query for everyone (the programs whose sponsor is linked to them, none for
    most people); only a sponsor's rights are then read, through ``_viewer``.
    """
    user = request.user
    if not user.is_authenticated:
        return []
    sponsored = _site_programs(request, sponsored_programs(user))
    programs = sponsored.order_by("title", "pk").only("pk", "title", "slug")[:PROGRAM_LINKS]
    return [
        {"title": program.title, "url": reverse("program_insights:page", args=[program.slug])}
        for program in programs
    ]
