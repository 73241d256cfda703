"""Which site a request came to, and what of the programs belongs to it.

Each business unit has its own Wagtail site (hostname), home page, theme and
programs. People see and act only on the programs of the site they are on;
the rest answer 404 there, as if they did not exist.

The site is found once per host and kept in the cache for a few minutes (a
kept participant page is served in three queries, and finding the site must
not add one); saving or deleting a site forgets every kept answer at once.
"""

from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Site

from .models import ProgramPage

SITE_CACHE_SECONDS = 5 * 60
SITE_CACHE_VERSION_KEY = "journeys:site:version"


def _site_key(request) -> str:
    version = cache.get_or_set(SITE_CACHE_VERSION_KEY, 1, None)
    hostname = split_domain_port(request._get_raw_host())[0]
    return f"journeys:site:{version}:{hostname}:{request.get_port()}"


def current_site(request) -> Site | None:
    """``Site.find_for_request``, kept per host; Wagtail's tags then reuse it."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    key = _site_key(request)
    site = cache.get(key)
    if site is None:
        site = Site.find_for_request(request)
        if site is not None:
            cache.set(key, site, SITE_CACHE_SECONDS)
    request._wagtail_site = site
    return site


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def _forget_sites(sender, instance, **kwargs):
    """A changed site makes every kept answer stale."""
    try:
        cache.incr(SITE_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(SITE_CACHE_VERSION_KEY, 2, None)


def site_programs(request):
    """The live programs of the request's site (all live ones when no site matches)."""
    programs = ProgramPage.objects.live()
    site = current_site(request)
    return programs.descendant_of(site.root_page, inclusive=True) if site else programs


def in_site(request, program_field: str = "program") -> Q:
    """A filter for rows whose ``program_field`` lies under the request's site."""
    site = current_site(request)
    if site is None:
        return Q()
    return Q(**{f"{program_field}__path__startswith": site.root_page.path})
