"""Programs as the tests build them: run by the "Program admins" group.

Before programs chose their admins, everyone in "Program admins" ran every program,
and the data migration gives each program that existed the group as its admins. Tests
of what an admin can do build their programs the same way; the tests of who may see
which program (``tests/journeys/test_admin_access.py``) choose admins one by one.
"""

from django.contrib.auth.models import Group

PROGRAM_ADMINS = "Program admins"


def run_by_program_admins() -> list:
    """The ``admins`` to give ``ProgramPageFactory``: the "Program admins" group."""
    return [Group.objects.get(name=PROGRAM_ADMINS)]
