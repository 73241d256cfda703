"""A participant's mentoring calendar as an iCalendar (RFC 5545) feed.

The ``icalendar`` package writes the text: line folding, CRLF endings and the
escaping of TEXT values are its job, not ours. The rules this module keeps:

* Every text value (titles, names, descriptions) is one line of plain text.
  Line breaks of any kind (CR, LF, vertical tab, form feed, U+0085, U+2028,
  U+2029 and the other separators ``str.splitlines`` knows) become a space and
  other control characters are removed, because calendar apps and the parsers
  in front of them split lines on more than CRLF, and a title that breaks a
  line can forge properties or whole events in someone's calendar.
* Each event's UID is derived from what it describes (a journey's milestone, a
  meeting), never from the time of the request, so a calendar app updates an
  event in place instead of duplicating it on every poll.
* All-day events carry dates (DTEND the day after, as RFC 5545 counts it);
  timed events are written in UTC, so no VTIMEZONE is needed.
* A member sees the due dates of milestones that are theirs: in the journey's
  track and with them in the audience. Meetings are all-day events on the day
  they were held, because only the day is recorded.
* Nothing a participant wrote (reflections, meeting notes) goes into the feed:
  calendar apps copy it to places the relationship's privacy does not reach.

``build_calendar`` is pure; ``participant_events`` loads what it needs in a
fixed number of queries, whatever the number of journeys.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar
from django.utils.translation import gettext as _

from .. import engine
from ..models import Journey, JourneyStatus, Meeting
from .state import journey_states

PRODUCT_ID = "-//Trellis//Mentoring journeys//EN"
UID_DOMAIN = "trellis.invalid"

# What str.splitlines() treats as a line boundary, plus tab: each run becomes one space.
_LINE_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# The remaining C0 and C1 controls and DEL are dropped; lone surrogates (which
# cannot be encoded as UTF-8) become the replacement character.
_STRAY = dict.fromkeys((*range(0x20), *range(0x7F, 0xA0))) | dict.fromkeys(
    range(0xD800, 0xE000), "\ufffd"
)


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


def plain_text(value: str) -> str:
    """``value`` as one line with no control characters, ready for a TEXT property."""
    return _LINE_BREAKS.sub(" ", str(value)).translate(_STRAY).strip()


def _moment(value: date | datetime) -> date | datetime:
    """A datetime in UTC (written with a ``Z``), a date as it is."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _event_component(event: CalendarEvent, stamp: datetime) -> icalendar.Event:
    """The one place an event's properties are written, each text value made plain first."""
    end = event.end
    if end is None:
        end = (
            event.start + timedelta(hours=1)
            if isinstance(event.start, datetime)
            else event.start + timedelta(days=1)
        )
    component = icalendar.Event()
    component.add("uid", plain_text(event.uid))
    component.add("dtstamp", _moment(stamp))
    component.add("dtstart", _moment(event.start))
    component.add("dtend", _moment(end))
    component.add("summary", plain_text(event.summary))
    if event.description:
        component.add("description", plain_text(event.description))
    if event.url:
        component.add("url", event.url)
    if event.transparent:
        component.add("transp", "TRANSPARENT")
    return component


def build_calendar(events: Iterable[CalendarEvent], name: str, stamp: datetime) -> bytes:
    """The feed as UTF-8 bytes, ready to serve as ``text/calendar``.

    ``stamp`` is when the feed was generated (DTSTAMP); it is passed in so the
    output depends on nothing but the arguments. The calendar's name goes in
    as ``vText`` explicitly: ``icalendar`` would otherwise write the
    X-WR-CALNAME extension property unescaped.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", icalendar.vText(plain_text(name)))
    for event in events:
        calendar.add_component(_event_component(event, stamp))
    return calendar.to_ical()


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
