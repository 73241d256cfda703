"""Wagtail's own spreadsheet exports, made to write what people typed as text,
and times as the admin reads them.

Trellis's listings quote any exported cell a spreadsheet would take for a
formula (``content.exports``). Wagtail's own exports do not: the admin reports
(locked pages, workflows, workflow tasks, site history, aging pages, page
types) and the redirects listing. Their cells hold page titles, people's
names and other typed text, so a page titled ``=HYPERLINK(...)`` would run in
the sheet of whoever opened the export. Their times are written in UTC, with
their microseconds, while the report's page shows them in the admin's own
time zone.

Wagtail builds these views itself, so Trellis cannot change their classes;
it takes over their addresses instead. ``neutralised_export_urlpatterns``
walks the admin's URL patterns (``wagtail.admin.urls``, which already holds
the ones apps add through the ``register_admin_urls`` hook) and, for every
view that exports (a ``SpreadsheetExportMixin`` given a ``list_export``) and
does not already neutralise its cells, yields a pattern for the same path
serving the same view with ``NeutralisedExportMixin`` and
``LocalTimeExportMixin`` in front, built with the arguments Wagtail gave it.
Listings that could export but export nothing (collections, documents,
images, users, Trellis's own outbox and runs) keep Wagtail's patterns
untouched; the walk runs as the URLs load, so one given a
``list_export`` is taken over from then on.

``cms.urls`` mounts these patterns before the admin's, so they answer first.
Wagtail's named patterns stay where they are, so ``reverse`` gives the same
addresses as before. Each view is behind the admin access check, never
cached, and answers a missing object with the admin's 404 page, as Wagtail's
are.

A view Trellis replaces outright (``REPLACEMENTS``: the page types report,
refused to admins whose page rights stop at their programs, see
``journeys.admin_access``) is swapped in before it is neutralised, so the
report is mounted here once, with both rules.

Only ``path()`` routes are taken over. Should Wagtail mount an exporting view
under a regular expression, building the URLs raises ``ImproperlyConfigured``
naming it, rather than leaving that export as it was.

Not covered: a form page's submissions (``wagtail.contrib.forms``), whose
admin URL serves whichever view class the page names. Trellis has no form
pages; one added must name a submissions view class with
``NeutralisedExportMixin`` (a test in ``tests/content/test_exports.py``
checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import update_wrapper

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, path
from django.urls.resolvers import RoutePattern
from django.views.decorators.cache import never_cache
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.views.reports.page_types_usage import (
    PageTypesUsageReportView as WagtailPageTypesUsageReportView,
)

from content.exports import LocalTimeExportMixin, NeutralisedExportMixin
from journeys.admin_access import PageTypesUsageReportView

# Wagtail's view class -> the Trellis one served in its place.
REPLACEMENTS = {WagtailPageTypesUsageReportView: PageTypesUsageReportView}

_neutralised: dict[type, type] = {}


def neutralised_view_class(view_class: type) -> type:
    """The class served in place of ``view_class``: its replacement, if Trellis has one,
    with ``NeutralisedExportMixin`` and ``LocalTimeExportMixin`` first. The same class
    each time for the same view."""
    view_class = REPLACEMENTS.get(view_class, view_class)
    if issubclass(view_class, NeutralisedExportMixin):
        return view_class
    if view_class not in _neutralised:
        _neutralised[view_class] = type(
            view_class.__name__,
            (NeutralisedExportMixin, LocalTimeExportMixin, view_class),
            {
                "__module__": __name__,
                "__doc__": f"{view_class.__module__}.{view_class.__qualname__}, "
                "exporting no cell as a formula and times in the admin's zone.",
            },
        )
    return _neutralised[view_class]


def exports(callback) -> bool:
    """Whether the view behind ``callback`` writes a spreadsheet: it can, and has columns."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None or not issubclass(view_class, SpreadsheetExportMixin):
        return False
    return bool(callback.view_initkwargs.get("list_export", view_class.list_export))


def _route(prefixes: Iterable, pattern: URLPattern, view_class: type) -> str:
    routes = []
    for part in (*prefixes, pattern.pattern):
        if not isinstance(part, RoutePattern):
            raise ImproperlyConfigured(
                f"Cannot neutralise the export of {view_class.__module__}."
                f"{view_class.__qualname__}: it is mounted under the regular expression "
                f"{part.describe()}, and only path() routes are supported "
                "(cms.admin_exports)."
            )
        routes.append(str(part))
    return "".join(routes)


def _exporting(patterns, prefixes=(), default_kwargs=None) -> Iterator[tuple]:
    """(route parts, pattern, default kwargs) for each pattern whose view exports."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _exporting(
                pattern.url_patterns,
                (*prefixes, pattern.pattern),
                {**(default_kwargs or {}), **pattern.default_kwargs},
            )
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if (
            isinstance(pattern, URLPattern)
            and (exports(pattern.callback) or view_class in REPLACEMENTS)
            and not issubclass(view_class, NeutralisedExportMixin)
        ):
            yield prefixes, pattern, {**(default_kwargs or {}), **pattern.default_args}


def neutralised_export_urlpatterns(patterns=None) -> Iterator[URLPattern]:
    """A pattern under ``admin/`` for each exporting view of the admin's ``patterns``
    (all of them by default) that does not neutralise its cells: the same path, the
    same view with ``NeutralisedExportMixin``, behind the admin access check."""
    if patterns is None:
        patterns = wagtailadmin_urls.urlpatterns
    for prefixes, pattern, kwargs in _exporting(patterns):
        callback = pattern.callback
        view_class = neutralised_view_class(callback.view_class)
        view = never_cache(view_class.as_view(**callback.view_initkwargs))
        yield path(
            "admin/" + _route(prefixes, pattern, callback.view_class),
            # Wagtail's access check keeps no trace of the view; this keeps its
            # view_class, as Wagtail's own patterns do.
            update_wrapper(display_custom_404(require_admin_access(view)), view),
            kwargs,
        )
