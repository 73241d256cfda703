"""The site's main navigation."""

from django import template
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from wagtail.models import Page, PageViewRestriction

register = template.Library()


@register.simple_tag
def public_sections(site):
    """The live children of ``site``'s root page that anyone may see, in one query.

    Wagtail's ``public()`` reads every view restriction and then filters by
    their paths, two queries on every page of the site; here the same rule (a
    page is private when it or an ancestor carries a restriction) is one
    ``NOT EXISTS`` on the restrictions whose page's path begins the section's.
    """
    if site is None:
        return []
    root = site.root_page
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return list(
        Page.objects.child_of(root)
        .live()
        .filter(~Exists(restricted))
        .only("id", "title", "path", "depth", "url_path", "locale_id", "content_type_id")
    )
