"""Lookups that find nothing, rather than fail, for a number past an integer column's range.

Django answers ``pk=2**64`` on an integer field with no rows, but not
``pk__in=[2**64]``, nor ``program=2**64`` through a foreign or one-to-one key
(a program page's id is one): on SQLite those queries raise OverflowError, so a
tampered form post answered 500 instead of "Select a valid choice". These
versions of ``in`` and of a key's ``exact`` leave out such numbers first: a
number no row can have matches no row, on every database.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _bounds(field, connection):
    """The range of the integer column ``field`` stores into, or None if not an integer.

    A key stores what it points at: a key to a program page, that page's id.
    """
    while getattr(field, "target_field", None) not in (None, field):
        field = field.target_field
    if not isinstance(field, IntegerField):
        return None
    return connection.ops.integer_field_range(field.get_internal_type())


def _outside(value, bounds) -> bool:
    if bounds is None or not isinstance(value, int) or isinstance(value, bool):
        return False
    low, high = bounds
    return (low is not None and value < low) or (high is not None and value > high)


class _InRangeMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            bounds = _bounds(self.lhs.output_field, connection)
            self.rhs = [value for value in self.rhs if not _outside(value, bounds)]
        return super().process_rhs(compiler, connection)


class IntegerIn(_InRangeMixin, In):
    pass


class KeyIn(_InRangeMixin, RelatedIn):
    pass


class KeyExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and _outside(
            self.rhs, _bounds(self.lhs.output_field, connection)
        ):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerIn)  # and so the auto fields, which are integers
    ForeignObject.register_lookup(KeyIn)  # and so foreign and one-to-one keys
    ForeignObject.register_lookup(KeyExact)
