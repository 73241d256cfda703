"""Narrowing an admin listing to what a search names, word by word.

An admin types words they read in the listing's columns (a name, part of an
email, a title) and expects the rows that show them all. Wagtail's search
index cannot reach the columns that come from related rows on every
database, so listings that show such columns search their own table:
``words_in`` keeps the rows in which every word is found, in any case, in
one of the given fields at least.
"""

from functools import reduce
from operator import or_

from django.db.models import Q


def words_in(queryset, search: str, fields):
    """``queryset`` narrowed to the rows where each word of ``search`` is found in one of
    ``fields`` (lookup paths such as ``user__email``), ignoring case.

    One filter per word, so that through a relation that holds many rows each word
    may be found in a different one.
    """
    for word in search.split():
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
        )
    return queryset
