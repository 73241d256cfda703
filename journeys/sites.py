"""Which site a request came to, and what of the programs belongs to it.

Each business unit has its own Wagtail site (hostname), home page, theme and
programs. People see and act only on the programs of the site they are on;
the rest answer 404 there, as if they did not exist.

The site is Wagtail's own answer, ``Site.find_for_request``: one query, kept
on the request for the rest of it (Wagtail's tags reuse it), and never kept
beyond the request, so a site added or changed shows on the next request in
every process.
"""

from django.db.models import Q
from wagtail.models import Site

from .models import ProgramPage


def site_programs(request):
    """The live programs of the request's site (all live ones when no site matches)."""
    programs = ProgramPage.objects.live()
    site = Site.find_for_request(request)
    return programs.descendant_of(site.root_page, inclusive=True) if site else programs


def in_site(request, program_field: str = "program") -> Q:
    """A filter for rows whose ``program_field`` lies under the request's site."""
    site = Site.find_for_request(request)
    if site is None:
        return Q()
    return Q(**{f"{program_field}__path__startswith": site.root_page.path})
