"""The invitation link in an invitation email, signed as the email is rendered."""

import datetime

from django import template

from cms import invitations

register = template.Library()


@register.simple_tag
def invitation_path(invitation_id) -> str:
    return invitations.link_path(int(invitation_id))


@register.filter
def iso_date(value):
    """The date an email's stored context holds as text ("2026-12-20"), for ``|date``."""
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return value
