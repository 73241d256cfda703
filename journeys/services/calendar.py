"""A participant's mentoring calendar as an iCalendar (RFC 5545) feed.

Calendar apps poll a secret URL, so the feed must be valid without a library to
lean on. The rules it keeps:

* Lines end in CRLF and are folded so that none is longer than 75 octets, never
  splitting a UTF-8 character; continuation lines start with one space.
* Text values escape backslashes, semicolons, commas and newlines.
* Each event's UID is derived from what it describes (a journey's milestone, a
  meeting), never from the time of the request, so a calendar app updates an
  event in place instead of duplicating it on every poll.
* A member sees the due dates of milestones that are theirs: in the journey's
  track and with them in the audience. Meetings are all-day events on the day
  they were held, because only the day is recorded.
* Nothing a participant wrote (reflections, meeting notes) goes into the feed:
  calendar apps copy it to places the relationship's privacy does not reach.

``build_calendar`` is pure; ``participant_events`` loads what it needs in a
fixed number of queries, whatever the number of journeys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils.translation import gettext as _

from .. import engine
from ..models import Journey, JourneyStatus, Meeting
from .state import journey_states

PRODUCT_ID = "-//Trellis//Mentoring journeys//EN"
UID_DOMAIN = "trellis.invalid"
MAX_LINE_OCTETS = 75


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT. ``start`` is a date for an all-day event, an aware datetime otherwise."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime | None = None
    description: str = ""
    url: str = ""
    transparent: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into chunks of at most 75 octets (RFC 5545 §3.1)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _date_property(name: str, value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{name}:{_utc(value)}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def _event_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    end = event.end
    if end is None:
        end = (
            event.start + timedelta(hours=1)
            if isinstance(event.start, datetime)
            else event.start + timedelta(days=1)
        )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_utc(stamp)}",
        _date_property("DTSTART", event.start),
        _date_property("DTEND", end),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.transparent:
        lines.append("TRANSP:TRANSPARENT")
    lines.append("END:VEVENT")
    return lines


def build_calendar(events: Iterable[CalendarEvent], name: str, stamp: datetime) -> str:
    """The feed as text, ready to serve as ``text/calendar``.

    ``stamp`` is when the feed was generated (DTSTAMP); it is passed in so the
    output depends on nothing but the arguments.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _partners(loaded, member) -> str:
    return ", ".join(str(m.user) for m in loaded.members if m.pk != member.pk)


def participant_events(
    user,
    today: date,
    milestone_url: Callable[[Journey, str], str],
    meeting_url: Callable[[Journey, Meeting], str],
    journey: Journey | None = None,
) -> list[CalendarEvent]:
    """Milestone due dates and logged meetings from every journey ``user`` is in.

    ``milestone_url`` and ``meeting_url`` turn a journey and a milestone id or a
    meeting into an absolute link; the view knows the host, this module does not.
    Closed journeys are left out: nothing in them is still to come. With
    ``journey``, only that one (if the user is a member of it).
    """
    queryset = Journey.objects.for_user(user).exclude(status=JourneyStatus.CLOSED)
    if journey is not None:
        queryset = queryset.filter(pk=journey.pk)
    journeys = list(queryset.select_related("template", "program"))
    if not journeys:
        return []
    meetings = defaultdict(list)
    for meeting in Meeting.objects.filter(journey__in=journeys).only(
        "uuid", "journey_id", "held_on", "duration_minutes"
    ):
        meetings[meeting.journey_id].append(meeting)

    events: list[CalendarEvent] = []
    for loaded in journey_states(journeys, today):
        member = loaded.member_for(user)
        if member is None:
            continue
        current = loaded.journey
        with_whom = _partners(loaded, member)
        for status in loaded.state.milestones:
            if status.state in engine.EXCLUDED or member.pk not in status.audience_member_ids:
                continue
            events.append(
                CalendarEvent(
                    uid=f"milestone-{current.uuid}-{status.id}@{UID_DOMAIN}",
                    summary=_("Mentoring: “%(title)s” is due") % {"title": status.title},
                    start=status.due_on,
                    description=_("%(journey)s, with %(people)s.")
                    % {"journey": current.template.title, "people": with_whom},
                    url=milestone_url(current, status.id),
                    transparent=True,
                )
            )
        for meeting in meetings[current.pk]:
            events.append(
                CalendarEvent(
                    uid=f"meeting-{meeting.uuid}@{UID_DOMAIN}",
                    summary=_("Mentoring meeting with %(people)s") % {"people": with_whom},
                    start=meeting.held_on,
                    description=_("%(journey)s. About %(minutes)s minutes.")
                    % {"journey": current.template.title, "minutes": meeting.duration_minutes},
                    url=meeting_url(current, meeting),
                    transparent=True,
                )
            )
    events.sort(key=lambda e: (e.start.isoformat(), e.uid))
    return events
