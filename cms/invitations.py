"""Invitations: how a person whose account was made for them signs in the first time.

Rules enforced here:

* Only an active account that has never been signed in to and has no usable
  password is invited (``needs_invitation``); everyone else signs in, or asks
  for a new password, in the ordinary way.
* An invitation is a row written in the caller's transaction, with its email
  in the outbox; the link is the row's id signed with the site's secret key
  when the email is sent (``token``), so no usable link is ever stored.
* A link serves once and for ``INVITATION_DAYS``: it is used up when its
  person first signs in, whichever way, and a fresh invitation replaces the
  person's earlier ones.
* A link serves only the address it was written for: once an admin corrects
  the person's address, a link that went to the old one does not work
  (whoever holds it may not be the person), and the new address asks for a
  fresh one.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.services import outbox
from journeys.services.people import time_zone_for

from .models import Invitation, User

SALT = "trellis.invitation"
TEMPLATE = "cms/emails/invitation"


class LinkState(enum.Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def needs_invitation(user: User) -> bool:
    """Whether ``user`` can only get in through an invitation."""
    return user.is_active and user.last_login is None and not user.has_usable_password()


def invite(users, *, invited_by: User | None = None, program=None) -> list[Invitation]:
    """Invite each of ``users`` who needs it; call inside the deciding transaction.

    Returns the invitations written (none for people who can already sign in).
    """
    users = [user for user in users if needs_invitation(user)]
    if not users:
        return []
    now = timezone.now()
    Invitation.objects.filter(user__in=users, used_at__isnull=True, replaced=False).update(
        replaced=True
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                user=user,
                email=user.email,
                invited_by=invited_by,
                program=program,
                created_at=now,
                expires_at=now + timedelta(days=settings.INVITATION_DAYS),
            )
            for user in users
        ]
    )
    # The link's last day as the person reads days: their profile's zone, or the site's.
    zones = {
        user.pk: time_zone_for(user)
        for user in User.objects.filter(pk__in=[user.pk for user in users]).select_related(
            "profile"
        )
    }
    inviter = str(invited_by) if invited_by is not None else ""
    program_title = program.title if program is not None else ""
    if program_title:
        subject = _("You are invited to %(program)s") % {"program": program_title}
    else:
        subject = _("You are invited to sign in to mentoring")
    outbox.queue_emails(
        [
            outbox.new_email(
                invitation.user_id,
                TEMPLATE,
                subject,
                {
                    "invitation_id": invitation.pk,
                    "inviter_name": inviter,
                    "program_title": program_title,
                    "expires_on": timezone.localdate(
                        invitation.expires_at, zones[invitation.user_id]
                    ).isoformat(),
                },
                program_id=program.pk if program is not None else None,
                honours_choice=False,
                now=now,
            )
            for invitation in invitations
        ]
    )
    return invitations


def token(invitation_id: int) -> str:
    return signing.dumps(invitation_id, salt=SALT)


def link_path(invitation_id: int) -> str:
    return reverse("invitation", args=[token(invitation_id)])


def find(link_token: str) -> tuple[Invitation | None, LinkState]:
    """The invitation a link names, and whether the link may still be used."""
    try:
        invitation_id = signing.loads(link_token, salt=SALT)
    except signing.BadSignature:
        return None, LinkState.UNKNOWN
    invitation = (
        Invitation.objects.filter(pk=invitation_id)
        .select_related("user", "invited_by", "program")
        .first()
    )
    if (
        invitation is None
        or not invitation.user.is_active
        or invitation.email != invitation.user.email
    ):
        return None, LinkState.UNKNOWN
    if (
        invitation.used_at is not None
        or invitation.replaced
        or not needs_invitation(invitation.user)
    ):
        return invitation, LinkState.USED
    if invitation.expires_at <= timezone.now():
        return invitation, LinkState.EXPIRED
    return invitation, LinkState.VALID


def accept(invitation: Invitation, password: str) -> User | None:
    """Set the invited person's first password and use the link up, once.

    Returns the person, as saved (sign them in with this instance: its password
    hash is the session's), or None when the link was used meanwhile (two tabs,
    two clicks).
    """
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if (
            locked.used_at is not None
            or locked.replaced
            or locked.email != user.email
            or not needs_invitation(user)
        ):
            return None
        user.set_password(password)
        user.save(update_fields=["password"])
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
    return user


def use_up(user: User) -> None:
    """Mark the person's open invitations used: they have signed in."""
    Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
