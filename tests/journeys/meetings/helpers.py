"""What the meeting tests share: moments, proposals, and reading invitations back."""

import datetime
from email import message_from_bytes

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from journeys.services import meetings, outbox

from ..test_calendar import parse

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
LONDON = "Europe/London"


def at(now, days, hour=10):
    """A whole hour ``days`` from now, in the site's time zone."""
    local = timezone.localtime(now) + days * DAY
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def url(name, journey, *args):
    return reverse(f"journeys:{name}", args=[journey.uuid, *args])


def local_input(moment, zone=None):
    """How a ``datetime-local`` input sends a moment: the person's wall time, no zone."""
    zone = zone or timezone.get_default_timezone()
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def propose(journey, user, now, *times, **overrides):
    details = {
        "duration_minutes": 45,
        "place": "The café on the third floor",
        "video_link": "",
        "agenda": "Getting to know each other",
    }
    details.update(overrides)
    return meetings.propose(
        journey,
        user,
        options=list(times) or [at(now, 3)],
        now=now,
        **details,
    )


def delivered():
    """Deliver what the outbox holds; return the messages, as mail clients get them."""
    mail.outbox.clear()
    outbox.deliver_due()
    return list(mail.outbox)


def calendar_parts(message):
    """The iCalendar text of a sent message: its text/calendar part and its attachment.

    The message is read as Django's SMTP backend sends it, with CRLF line ends.
    """
    parsed = message_from_bytes(message.message().as_bytes(linesep="\r\n"))
    found = {}
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            found["alternative"] = (part.get_param("method"), part.get_payload(decode=True))
        elif part.get_filename() == "invite.ics":
            found["attachment"] = part.get_payload(decode=True)
    return found


def invitation(message):
    """The message's calendar, parsed; the alternative and the attachment must agree."""
    parts = calendar_parts(message)
    method, body = parts["alternative"]
    assert parts["attachment"] == body
    calendar = parse(body)
    assert str(calendar["METHOD"]) == method
    return calendar


def event_of(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def addresses(values):
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:"): v.params for v in values}


def agreed(journey, mentor, mentee, now, days=2, **details):
    """A meeting proposed and accepted; the proposal's email is delivered, the invitations wait."""
    plan = propose(journey, mentor, now, at(now, days), **details)
    delivered()
    meetings.accept(plan, mentee, at(now, days), now)
    plan.refresh_from_db()
    return plan
