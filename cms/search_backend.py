"""Wagtail's search on SQLite, made to take any text a person types.

The SQLite backend puts each search term inside double quotes in an FTS5
MATCH expression without doubling a quote the term itself holds, so a
search for ``"`` or ``=HYPERLINK("http://x")`` ended the quoted string
early and the database refused the rest: the site search, the admin's
image listing and the page chooser answered with a server error. A quote
inside a term means nothing to the search (phrases come as ``Phrase``
objects, never as quotes in plain text), so here it becomes a space before
the backend reads the query; a query of quotes alone is an empty one, which
finds nothing. PostgreSQL, which production uses, binds terms as values and
needs none of this.

``cms.settings.base`` names this module as the search backend when the
database is SQLite.
"""

from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend
from modelsearch.query import Phrase, PlainText


def without_quotes(query):
    """``query`` (text, ``PlainText`` or ``Phrase``) with its double quotes made spaces;
    "" when nothing else is left."""
    text = query if isinstance(query, str) else getattr(query, "query_string", None)
    if text is None or '"' not in text:
        return query
    text = text.replace('"', " ")
    if not text.strip():
        return ""
    if isinstance(query, PlainText):
        return PlainText(text, operator=query.operator, boost=query.boost)
    if isinstance(query, Phrase):
        return Phrase(text)
    return text


class QuoteSafeSQLiteSearchBackend(SQLiteSearchBackend):
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        return super()._search(
            query_compiler_class, without_quotes(query), model_or_queryset, **kwargs
        )


SearchBackend = QuoteSafeSQLiteSearchBackend
