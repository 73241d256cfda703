"""The invitation link in an invitation email, signed as the email is rendered."""

from django import template

from cms import invitations

register = template.Library()


@register.simple_tag
def invitation_path(invitation_id) -> str:
    return invitations.link_path(int(invitation_id))
