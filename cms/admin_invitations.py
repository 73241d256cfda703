"""Resending invitations from the Journeys and Enrolments listings, to one or all shown.

Both listings mark who has never signed in; a bulk action on either invites
afresh the people of the chosen rows who still can only get in that way
(``cms.invitations.needs_invitation``), after a page that names them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.views.bulk_action import BulkAction

from . import invitations


class ResendInvitationsBulkAction(BulkAction):
    display_name = gettext_lazy("Resend invitations")
    action_type = "resend_invitations"
    aria_label = gettext_lazy("Invite again the people of the selected rows who never signed in")
    template_name = "cms/admin/confirm_invitations.html"
    action_priority = 20
    permission = ""  # "app_label.codename" the admin needs; set by each listing

    @classmethod
    def people_of(cls, obj) -> list:
        """The people a row stands for, with the program to invite them to."""
        raise NotImplementedError

    @classmethod
    def program_of(cls, obj):
        return obj.program

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return self.request.user.has_perm(self.permission)

    def object_context(self, obj):
        people = self.people_of(obj)
        return {
            "item": obj,
            "invited": [p for p in people if invitations.needs_invitation(p)],
            "can_sign_in": [p for p in people if not invitations.needs_invitation(p)],
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["to_invite"] = sum(len(entry["invited"]) for entry in context["items"])
        return context

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        sent = 0
        with transaction.atomic():
            seen = set()
            for obj in objects:
                people = [p for p in cls.people_of(obj) if p.pk not in seen]
                seen.update(p.pk for p in people)
                sent += len(
                    invitations.invite(people, invited_by=user, program=cls.program_of(obj))
                )
        return sent, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        if not num_parent_objects:
            return str(
                gettext_lazy(
                    "Nobody was invited: everyone chosen can already sign in, or their "
                    "account is deactivated."
                )
            )
        return ngettext(
            "%(count)d person was sent a fresh invitation.",
            "%(count)d people were sent a fresh invitation.",
            num_parent_objects,
        ) % {"count": num_parent_objects}
