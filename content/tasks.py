"""django-q2 entry points for the library: thin and safe to run twice."""

from django.core.management import call_command


def publish_scheduled() -> str:
    """Publish what editors scheduled to go live, and unpublish what has expired.

    Pages and snippets alike (leader profiles keep drafts and schedules too),
    by Wagtail's own ``publish_scheduled`` command: a revision whose time has
    come is published once and loses its schedule, so a second run finds
    nothing left to do.
    """
    call_command("publish_scheduled")
    return "published what was due"
