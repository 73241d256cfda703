"""The site's main navigation."""

from functools import lru_cache

from django import template
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from wagtail.models import Page, PageViewRestriction

register = template.Library()


@register.simple_tag
def public_sections(site):
    """The live children of ``site``'s root page that anyone may see and that their
    editor shows in menus (the Promote tab's "Show in menus"), in one query.

    Wagtail's ``public()`` reads every view restriction and then filters by
    their paths, two queries on every page of the site; here the same rule (a
    page is private when it or an ancestor carries a restriction) is one
    ``NOT EXISTS`` on the restrictions whose page's path begins the section's.
    """
    if site is None:
        return []
    root = site.root_page
    return list(_sections_query(root.path, root.depth).all())


@lru_cache(maxsize=64)
def _sections_query(path: str, depth: int):
    """The unevaluated query for the sections under the page at ``path``.

    Only the query is kept, never its rows: ``.all()`` clones it and every
    request reads the pages afresh. A page's path and depth say where it is in
    the tree; should the root move, its new path makes a new query.
    """
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return (
        Page.objects.filter(depth=depth + 1, path__startswith=path)
        .live()
        .filter(show_in_menus=True)
        .filter(~Exists(restricted))
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "locale_id", "content_type_id")
    )
