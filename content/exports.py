"""Spreadsheet exports that never run what people typed.

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

This app depends on nothing else in Trellis, so every app can import it.
"""

from __future__ import annotations

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


class ExportIndexView(NeutralisedExportMixin, IndexView):
    """The index view for a ``ModelViewSet`` whose listing can be exported."""


class ExportSnippetIndexView(NeutralisedExportMixin, SnippetIndexView):
    """The index view for a ``SnippetViewSet`` whose listing can be exported."""
