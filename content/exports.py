"""Spreadsheet exports that never run what people typed, and say when as people read it.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some read one starting with a tab or a carriage return the same
way once the leading space is trimmed. Names, titles, departments and answers
are typed by people, so an export opened in a spreadsheet could run whatever
someone put in their name (``=HYPERLINK(...)`` sending the sheet's neighbours
elsewhere, or worse). Rules this module enforces:

* ``neutralise_cell`` puts a single quote before any text cell that starts
  with one of ``FORMULA_STARTS``, so the spreadsheet shows it as text. Text
  that starts otherwise, numbers, dates and empty cells are left as they are.
* ``NeutralisedExportMixin`` applies it to every value and heading that
  Wagtail's own export (``list_export``, as CSV or XLSX) writes, through the
  export machinery's own hooks (``preprocess_field_value``, ``get_heading``).
  Every admin listing in Trellis that exports uses ``ExportIndexView`` (model
  viewsets) or ``ExportSnippetIndexView`` (snippets), or a subclass; a test
  walks the registered viewsets to keep it so.
* The insights CSVs (``insights.tables``) call ``neutralise_cell``
  for each cell they write.
* ``LocalTimeExportMixin``, which both index views also carry, writes a
  moment in the time zone the admin shows the person (their own, or the
  site's), to the second, as the listing reads it. A CSV cell is ISO 8601
  with the offset (``2026-12-07T14:05:22+00:00``), never Python's ``str`` of
  a UTC datetime with its microseconds; an XLSX cell is that local time as a
  date-and-time cell, since a spreadsheet cell holds no time zone. Dates stay
  ISO dates.

This app depends on nothing else in Trellis, so every app can import it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from wagtail.admin.views.generic import IndexView
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """``value`` as a spreadsheet should hold it: text that looks like a formula, quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class NeutralisedExportMixin:
    """For a view with Wagtail's ``SpreadsheetExportMixin``: no exported cell is a formula."""

    def preprocess_field_value(self, field, value, export_format):
        return neutralise_cell(super().preprocess_field_value(field, value, export_format))

    def get_heading(self, queryset, field):
        return neutralise_cell(super().get_heading(queryset, field))


class LocalTimeExportMixin:
    """For a view with Wagtail's ``SpreadsheetExportMixin``: moments in the listing's
    time zone, to the second.

    The zone is read when the view is set up, inside the admin's time zone override:
    a CSV is written as its response streams, after the view (and the override) has
    returned.
    """

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.export_time_zone = timezone.get_current_timezone()

    def preprocess_field_value(self, field, value, export_format):
        if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
            return super().preprocess_field_value(field, value, export_format)
        moment = timezone.localtime(value, self.export_time_zone).replace(microsecond=0)
        if export_format == self.FORMAT_CSV:
            return moment.isoformat()
        return timezone.make_naive(moment, self.export_time_zone)


class ExportIndexView(NeutralisedExportMixin, LocalTimeExportMixin, IndexView):
    """The index view for a ``ModelViewSet`` whose listing can be exported."""


class ExportSnippetIndexView(NeutralisedExportMixin, LocalTimeExportMixin, SnippetIndexView):
    """The index view for a ``SnippetViewSet`` whose listing can be exported."""
