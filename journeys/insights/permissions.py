"""Who sees which program's insights, and whether they see names.

* ``journeys.view_insights`` (the "Program admins" group; superusers have every
  permission): every program, with the names of the people in the journeys
  listed as on track, needing attention or at risk.
* ``journeys.view_sponsored_insights`` (the "Sponsors" group): the programs whose
  sponsor is the leader profile linked to the person's account. Counts, never
  names or individual journeys.
* Anyone else: nothing.

A person whose only rights in the admin are the sponsor's sees nothing else
there: ``is_sponsor_only`` lets the menu hook hide what Wagtail would show
everyone (the help menu), and ``middleware`` turn them away from any admin page
but their insights and their own account.
"""

from __future__ import annotations

from wagtail.models import GroupCollectionPermission, GroupPagePermission

from ..models import ProgramPage

VIEW_ALL = "journeys.view_insights"
VIEW_SPONSORED = "journeys.view_sponsored_insights"
SPONSOR_ONLY_PERMISSIONS = frozenset({"wagtailadmin.access_admin", VIEW_SPONSORED})


def sees_every_program(user) -> bool:
    return user.is_active and user.has_perm(VIEW_ALL)


def sees_names(user) -> bool:
    """Names of participants are for program admins, never for sponsors."""
    return sees_every_program(user)


def may_see_insights(user) -> bool:
    """Whether the person may have an Insights menu at all (cheap: permissions only)."""
    return user.is_active and (user.has_perm(VIEW_ALL) or user.has_perm(VIEW_SPONSORED))


def visible_programs(user):
    """The programs whose insights the person may see, by title."""
    programs = ProgramPage.objects.order_by("title", "pk")
    if not user.is_authenticated or not user.is_active:
        return programs.none()
    if user.has_perm(VIEW_ALL):
        return programs
    if user.has_perm(VIEW_SPONSORED):
        return programs.filter(sponsor__user=user)
    return programs.none()


def may_see_program(user, program_id: int) -> bool:
    """``visible_programs`` for one program: no query for program admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm(VIEW_ALL):
        return True
    return (
        user.has_perm(VIEW_SPONSORED)
        and ProgramPage.objects.filter(pk=program_id, sponsor__user=user).exists()
    )


def is_sponsor_only(user) -> bool:
    """Whether the sponsor's rights are all the person has in the admin."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return False
    permissions = user.get_all_permissions()
    if VIEW_SPONSORED not in permissions or not permissions <= SPONSOR_ONLY_PERMISSIONS:
        return False
    return not (
        GroupPagePermission.objects.filter(group__user=user).exists()
        or GroupCollectionPermission.objects.filter(group__user=user).exists()
    )
