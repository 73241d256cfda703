"""What every queryset of a program's things shares: narrowing to the programs one runs."""

from django.db import models


class ProgramScopedQuerySet(models.QuerySet):
    """A queryset of things that each belong to one program.

    ``program_field`` leads from the model to its program; ``administered_by``
    keeps the things of the programs a person administers (``services.access``).
    """

    program_field = "program"

    def administered_by(self, user):
        from ..services.access import only_administered

        return only_administered(self, user, self.program_field)
