"""Filters for the admin's notification emails (``cms/templates/wagtailadmin/notifications``)."""

from django import template

from journeys.services.outbox import one_line as _one_line

register = template.Library()


@register.filter
def one_line(value) -> str:
    """An email subject on one line, as the outbox makes its own (``outbox.one_line``)."""
    return _one_line(value)
