"""Admin wiring for people, reviews and the home page: inviting the people an admin
adds, erasing a person, saying what a review decided, and each role's panel; and
the answer to a signed-in person outside the groups a page is kept for.

The "Erase" button on Wagtail's Users listing leads to its confirmation page,
and the audit log records the action it takes.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.models import PageViewRestriction, TaskState

from content.permissions import story_author_only

from . import invitations
from .dashboard import role_panels
from .erasure_views import admin_urls
from .review import say_what_the_review_did
from .services.erasure import ACTION, can_erase


@hooks.register("after_create_user")
def invite_the_person_added(request, user):
    """An admin who adds a person without a password has them invited to choose one."""
    with transaction.atomic():
        if not user.password:
            # Wagtail leaves the field empty when no password is given.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        sent = invitations.invite([user], invited_by=request.user)
    if sent:
        messages.info(
            request,
            _("%(email)s is invited by email to choose a password and sign in.")
            % {"email": user.email},
        )


@hooks.register("register_log_actions")
def register_erasure_action(actions):
    actions.register_action(
        ACTION, gettext_lazy("Erase person's data"), gettext_lazy("Erased the person's data")
    )


hooks.register("register_admin_urls", admin_urls)


@hooks.register("before_serve_page")
def not_found_outside_a_pages_groups(page, request, serve_args, serve_kwargs):
    """A signed-in person outside the groups a page is kept for is told it is not found.

    Wagtail answers everyone a group restriction refuses by sending them to sign
    in, and someone already signed in can do nothing there but sign in as
    themselves and be sent back, again and again. Visitors are still asked to
    sign in; password restrictions still ask for their password.
    """
    if not request.user.is_authenticated:
        return None
    for restriction in page.get_view_restrictions():
        if (
            restriction.restriction_type == PageViewRestriction.GROUPS
            and not restriction.accept_request(request)
        ):
            raise Http404
    return None


@hooks.register("register_user_listing_buttons")
def erase_button(user, request_user):
    if can_erase(request_user) and not user.is_erased and user.pk != request_user.pk:
        yield Button(
            gettext_lazy("Erase"),
            reverse("cms_erase_person", args=[user.pk]),
            icon_name="bin",
            priority=90,
        )


@hooks.register("after_edit_page")
def confirm_a_review_from_the_editor(request, page):
    """The approve and request-changes buttons at the foot of the editor say what they did."""
    if request.method != "POST" or not request.POST.get("action-workflow-action"):
        return
    decided = (
        TaskState.objects.filter(
            workflow_state__in=page.workflow_states.all(), finished_by=request.user
        )
        .order_by("-finished_at", "-pk")
        .first()
    )
    if decided is not None:
        say_what_the_review_did(request, decided.pk)


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    """Each role's panel on the admin home page (``cms.dashboard``).

    A senior leader's panel says where each of their stories stands; Wagtail's list
    of their pages in a workflow would only repeat it, with a link to edit a story
    its review locks them out of.
    """
    added = role_panels(request)
    if story_author_only(request.user):
        panels[:] = [p for p in panels if p.name != "user_objects_in_workflow_moderation"]
    panels.extend(added)
