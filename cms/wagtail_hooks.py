"""Admin hooks of the project itself: inviting the people an admin adds."""

from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail import hooks

from . import invitations


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
