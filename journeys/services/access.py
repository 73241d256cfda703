"""Who administers and who sponsors each program.

Rules this module enforces:

* A program's admins are the people chosen on it and everyone in the groups chosen
  on it (``ProgramPage.admin_users`` and ``admin_groups``); its sponsors likewise
  (``sponsor_users`` and ``sponsor_groups``), and the account linked to its sponsor
  leader profile (``ProgramPage.sponsor``). Changing which account a sponsor leader
  is linked to is choosing a sponsor, so it needs the same permission as choosing the
  program's people (``sponsor_account_change_refusal``, asked by the leader profile's
  form and again when a revision of it is published).
* Superusers administer and sponsor every program. Inactive and signed-out people
  administer and sponsor none, whatever was chosen.
* This decides *which* programs. *What* a person may do with a program's things is
  still their model and page permissions (the "Program admins" group's): every admin
  view asks both, and a person with no such permission does nothing, whichever
  programs are theirs.
* The choices are fields of the program page, kept in its revisions: they take
  effect when the page is published, as the rest of the page does.
* The programs a person administers are read once per request and kept on the user
  object (as Wagtail keeps page permissions), so a change shows from the next request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import ngettext

from ..models import ProgramPage
from ..models.programs import CHOOSE_PEOPLE

CACHE_ATTRIBUTE = "_trellis_administered_programs"


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def administered_program_ids(user) -> frozenset[int] | None:
    """The ids of the programs ``user`` administers; ``None`` means every program."""
    if not _signed_in(user):
        return frozenset()
    if user.is_superuser:
        return None
    known = getattr(user, CACHE_ATTRIBUTE, None)
    if known is None:
        known = frozenset(
            ProgramPage.objects.filter(
                Q(admin_users=user) | Q(admin_groups__in=user.groups.all())
            ).values_list("pk", flat=True)
        )
        setattr(user, CACHE_ATTRIBUTE, known)
    return known


def administered_programs(user):
    """The programs ``user`` administers, as a queryset of ``ProgramPage``."""
    ids = administered_program_ids(user)
    if ids is None:
        return ProgramPage.objects.all()
    return ProgramPage.objects.filter(pk__in=ids)


def administers_any(user) -> bool:
    """Whether ``user`` administers at least one program (superusers always do)."""
    ids = administered_program_ids(user)
    return ids is None or bool(ids)


def may_administer(user, program_or_id) -> bool:
    """Whether ``user`` administers the program (a ``ProgramPage`` or its id)."""
    ids = administered_program_ids(user)
    if ids is None:
        return True
    program_id = getattr(program_or_id, "pk", program_or_id)
    return program_id in ids


def only_administered(queryset, user, program_field: str = "program"):
    """``queryset`` narrowed to the objects of the programs ``user`` administers.

    ``program_field`` leads from the queryset's model to its program, e.g.
    ``"message__journey__program"``.
    """
    ids = administered_program_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{program_field}__in": ids})


def sponsored_programs(user):
    """The programs ``user`` sponsors, as a queryset of ``ProgramPage``."""
    if not _signed_in(user):
        return ProgramPage.objects.none()
    if user.is_superuser:
        return ProgramPage.objects.all()
    chosen = ProgramPage.objects.filter(
        Q(sponsor_users=user) | Q(sponsor_groups__in=user.groups.all()) | Q(sponsor__user=user)
    ).values("pk")
    return ProgramPage.objects.filter(pk__in=chosen)


def may_sponsor(user, program_or_id) -> bool:
    """Whether ``user`` sponsors the program (a ``ProgramPage`` or its id)."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    program_id = getattr(program_or_id, "pk", program_or_id)
    return sponsored_programs(user).filter(pk=program_id).exists()


def sponsor_account_change_refusal(profile, user) -> str | None:
    """Why ``user`` may not change the account linked to the leader ``profile`` (the
    stored one), or None when they may.

    The account linked to a program's sponsor leader is one of its sponsors, so moving
    that link to another account (or removing it) chooses who sponsors the program: it
    needs the permission that choosing the sponsor leader and the People tab need. A
    leader who sponsors no program may be linked by whoever edits the profile.
    """
    titles = list(
        ProgramPage.objects.filter(sponsor=profile)
        .order_by("title")
        .values_list("title", flat=True)
    )
    if not titles:
        return None
    if _signed_in(user) and user.has_perm(CHOOSE_PEOPLE):
        return None
    return ngettext(
        "%(leader)s sponsors the program %(programs)s, so the account linked to them is one "
        "of its sponsors and reads its insights. Only someone who may choose who administers "
        "and sponsors a program (a superuser, or whoever is given that permission) can "
        "change that account.",
        "%(leader)s sponsors the programs %(programs)s, so the account linked to them is one "
        "of their sponsors and reads their insights. Only someone who may choose who "
        "administers and sponsors a program (a superuser, or whoever is given that "
        "permission) can change that account.",
        len(titles),
    ) % {"leader": profile, "programs": ", ".join(f"“{title}”" for title in titles)}


def _chosen(program, role: str) -> Q:
    """People chosen for ``role`` ("admin" or "sponsor") on the stored program, or by group."""
    users = getattr(ProgramPage, f"{role}_users").through.objects.filter(programpage=program)
    groups = getattr(ProgramPage, f"{role}_groups").through.objects.filter(programpage=program)
    return Q(pk__in=users.values("user_id")) | Q(groups__in=groups.values("group_id"))


def administrators(program):
    """The active people chosen as the program's admins, directly or by group.

    Superusers are not among them unless chosen: this is who hears about the
    program (its digest, its reported messages), not who may open it.
    """
    return get_user_model().objects.filter(_chosen(program, "admin"), is_active=True).distinct()


def sponsors(program):
    """The active people who sponsor the program: chosen, by group, or its sponsor leader."""
    chosen = _chosen(program, "sponsor")
    if program.sponsor_id:
        chosen |= Q(leader_profile__pk=program.sponsor_id)
    return get_user_model().objects.filter(chosen, is_active=True).distinct()


def with_permission(users, permission: str):
    """Those of ``users`` who hold ``permission`` ("app_label.codename"), or are superusers."""
    app_label, codename = permission.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return users.filter(
        Q(is_superuser=True) | Q(user_permissions__in=granted) | Q(groups__permissions__in=granted)
    ).distinct()
