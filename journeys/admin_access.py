"""The admin keeps each program to its admins (who they are: ``services.access``).

Rules enforced here, for every model whose objects belong to a program (journeys,
reported messages, and matching's enrolments, policies, runs and proposals):

* Django's model permissions say what *kind* of thing a person may do; the programs
  they administer say *which* objects. ``ProgramScopedPermissionPolicy`` answers
  both: a person who administers no program holds none of the model's permissions
  (so its menu items stay hidden and its listings refuse them), and an object's
  permissions hold only for the admins of its program.
* ``ProgramScopedViewSetMixin``: every view a ``ModelViewSet`` builds lists only
  the objects of the person's programs, and opens, edits, deletes and shows the
  history of nothing else; another program's object answers 404, exactly as one
  that does not exist. Views a viewset builds by hand narrow their own querysets
  with ``administered_by``.
* ``ProgramScopedBulkActionMixin``: a bulk action sees only the chosen objects of the
  person's programs; when none of them is, it answers 404.
* ``program_choices`` and ``template_choices``: a listing's program and journey
  template filters offer the person's programs only.
* ``ProgramScopedPagePermissionPolicy``: Wagtail page permissions given on a program
  page (or a page under it) count only for that program's admins. Permissions given
  higher up the tree (an editor's on the whole site) still reach every program, as
  Wagtail grants them.
* ``PageTypesUsageReportView``: Wagtail's page types report counts and names pages
  across the whole site, so it is for people whose page rights reach beyond the
  programs they run; someone whose rights are all given on programs is refused it,
  and not shown it in the Reports menu.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.http import Http404
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.reports.page_types_usage import (
    PageTypesUsageReportView as WagtailPageTypesUsageReportView,
)
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from .models import JourneyPage, ProgramPage
from .services.access import administered_program_ids, administered_programs, administers_any


class ProgramScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions for a model whose objects belong to a program."""

    def user_has_permission(self, user, action):
        return super().user_has_permission(user, action) and administers_any(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def is_administered(self, user, instance) -> bool:
        manager = type(instance)._default_manager
        return manager.administered_by(user).filter(pk=instance.pk).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.is_administered(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self.is_administered(user, instance)

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])

    def instances_user_has_any_permission_for(self, user, actions):
        objects = self.model._default_manager
        if not self.user_has_any_permission(user, actions):
            return objects.none()
        return objects.administered_by(user)


class AdministeredListingMixin:
    """For an index view: only the objects of the programs the person administers."""

    def get_base_queryset(self):
        return super().get_base_queryset().administered_by(self.request.user)


class AdministeredObjectMixin:
    """For a view of one object: 404 unless its program is one the person administers."""

    def get_object(self, *args, **kwargs):
        found = super().get_object(*args, **kwargs)
        manager = type(found)._default_manager
        if not manager.administered_by(self.request.user).filter(pk=found.pk).exists():
            raise Http404
        return found


class ProgramScopedViewSetMixin:
    """For a ``ModelViewSet`` of a program's objects: every view it builds is narrowed."""

    def construct_view(self, view_class, **kwargs):
        mixin = AdministeredListingMixin if issubclass(view_class, IndexView) else None
        mixin = mixin or AdministeredObjectMixin
        if not issubclass(view_class, mixin):
            view_class = type(view_class.__name__, (mixin, view_class), {})
        return super().construct_view(view_class, **kwargs)


class ProgramScopedBulkActionMixin:
    """For a bulk action on a program's objects: others' are as if they did not exist."""

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        chosen = [*objects, *extra.get("items_with_no_access", [])]
        allowed = set(
            self.model._default_manager.administered_by(self.request.user)
            .filter(pk__in=[obj.pk for obj in chosen])
            .values_list("pk", flat=True)
        )
        if chosen and not allowed:
            raise Http404
        return [obj for obj in objects if obj.pk in allowed], {
            **extra,
            "items_with_no_access": [
                obj for obj in extra.get("items_with_no_access", []) if obj.pk in allowed
            ],
        }


def program_choices(request):
    """A filter's program choices: the programs the person administers, by title."""
    return administered_programs(request.user).order_by("title")


def administered_templates(user):
    """The journey templates of the programs ``user`` administers."""
    templates = JourneyPage.objects.all()
    if administered_program_ids(user) is None:
        return templates
    paths = list(administered_programs(user).values_list("path", flat=True))
    if not paths:
        return templates.none()
    return templates.filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def template_choices(request):
    """A filter's journey template choices: those of the person's programs, by title."""
    return administered_templates(request.user).order_by("title")


class ProgramScopedPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page permissions, with those given on a program counting for its admins only.

    Wagtail reads a person's page permissions once per request through
    ``get_all_permissions_for_user``; leaving out the ones on programs the person
    does not administer keeps every check Wagtail makes (the explorer, the editor,
    publishing, choosers, reports) to their programs. The list it returns says
    besides whether every permission kept lies within a program
    (``within_programs``), which ``page_rights_within_programs`` reads.
    """

    def get_all_permissions_for_user(self, user):
        permissions = PagePermissions(super().get_all_permissions_for_user(user))
        if not permissions:
            return permissions
        programs = dict(ProgramPage.objects.values_list("path", "pk"))
        if not programs:
            permissions.within_programs = False
            return permissions
        allowed = administered_program_ids(user)
        step = ProgramPage.steplen
        kept = PagePermissions()
        for permission in permissions:
            path = permission.page.path
            program = next(
                (
                    programs[path[:end]]
                    for end in range(step, len(path) + 1, step)
                    if path[:end] in programs
                ),
                None,
            )
            if program is None:
                kept.within_programs = False
            if program is None or allowed is None or program in allowed:
                kept.append(permission)
        return kept


class PagePermissions(list):
    """A person's page permissions, and whether all of them were given on programs."""

    within_programs = True


def page_rights_within_programs(user) -> bool:
    """Whether every page permission ``user`` holds was given on a program page or a
    page under one: a program admin's rights, as against a site editor's (given higher
    up the tree) or a superuser's. False for someone with no page rights at all.

    Read from the permissions Wagtail keeps on the user for the request: no query
    beyond those Wagtail makes for its own menu."""
    if user.is_superuser:
        return False
    permissions = policy_registry.get_by_type(Page).get_cached_permissions_for_user(user)
    return bool(permissions) and getattr(permissions, "within_programs", False)


class PageTypesUsageReportView(WagtailPageTypesUsageReportView):
    """Wagtail's page types report, refused to those whose page rights stop at their
    programs: its counts and "last edited" pages span every program."""

    def dispatch(self, request, *args, **kwargs):
        if page_rights_within_programs(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)
