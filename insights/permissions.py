"""Who sees which program's insights in the admin, and whether they see names.

* ``journeys.view_insights`` (the "Program admins" group; superusers have every
  permission) lets a person see the insights of the programs they administer
  (``services.access``), with the names of the people in the journeys listed as on
  track, needing attention or at risk. Superusers administer every program.
* Sponsors do not use the admin: they read their programs' figures elsewhere
  (counts, never names), and their digest says so.
* Anyone else: nothing.
"""

from __future__ import annotations

from journeys.services.access import administered_programs, administers_any, may_administer

VIEW_ALL = "journeys.view_insights"
VIEW_SPONSORED = "journeys.view_sponsored_insights"


def _may_view(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(VIEW_ALL)


def sees_every_program(user) -> bool:
    return _may_view(user) and user.is_superuser


def sees_names(user, program) -> bool:
    """Names of participants are for the program's admins, never for sponsors.

    ``program`` is a ``ProgramPage`` or its id.
    """
    return _may_view(user) and may_administer(user, program)


def may_see_insights(user) -> bool:
    """Whether the person may have an Insights menu at all."""
    return _may_view(user) and administers_any(user)


def visible_programs(user):
    """The programs whose insights the person may see, by title."""
    if not _may_view(user):
        return administered_programs(user).none()
    return administered_programs(user).order_by("title", "pk")


def may_see_program(user, program_id: int) -> bool:
    """``visible_programs`` for one program: no query once the person's programs are read."""
    return _may_view(user) and may_administer(user, program_id)
