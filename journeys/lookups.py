"""``any_of``: filter by a long list of ids with one parameter, not one per id.

``pk__in=ids`` writes ``IN (%s, %s, ...)`` with a placeholder per id; with
hundreds or thousands of ids, building that query and binding its parameters
costs more than the database takes to run it. On PostgreSQL ``any_of`` writes
``= ANY(%s::bigint[])`` with the ids as one array literal; elsewhere it is a
plain ``IN``. The tick filters every query of a batch by its journeys' ids, and
delivery marks sent notifications by theirs.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        # Integers only: the array literal is made of them.
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + ",".join(map(str, self.rhs)) + "}"]


def register() -> None:
    IntegerField.register_lookup(AnyOf)  # and so the auto fields, which are integers
    ForeignKey.register_lookup(AnyOf)
