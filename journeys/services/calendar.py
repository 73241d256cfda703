"""A participant's mentoring calendar as an iCalendar (RFC 5545) feed, and meeting invitations.

The ``icalendar`` package writes the text: line folding, CRLF endings and the
escaping of TEXT values are its job, not ours. The rules this module keeps:

* Every text value (titles, names, descriptions, places) is one line of plain
  text. Line breaks of any kind (CR, LF, vertical tab, form feed, U+0085,
  U+2028, U+2029 and the other separators ``str.splitlines`` knows) become a
  space and other control characters are removed, because calendar apps and
  the parsers in front of them split lines on more than CRLF, and a title that
  breaks a line can forge properties or whole events in someone's calendar.
* Each event's UID is derived from what it describes (a journey's milestone, a
  meeting, a planned meeting), never from the time of the request, so a
  calendar app updates an event in place instead of duplicating it on every
  poll. A planned meeting has the same UID in the feeds and in the invitations
  sent by email (``planned_meeting_uid``), with its SEQUENCE.
* All-day events carry dates (DTEND the day after, as RFC 5545 counts it);
  timed events in the feeds are written in UTC, so no VTIMEZONE is needed.
  Invitations are written in the recipient's time zone (TZID), with the
  VTIMEZONE ``icalendar`` works out for the year around the meeting.
* A member sees the due dates of milestones that are theirs: in the journey's
  track and with them in the audience. Logged meetings are all-day events on
  the day they were held, because only the day is recorded; meetings planned
  with a time agreed are timed events, and a logged meeting that came from one
  appears once, as the planned one. Someone who joined a journey under way (a
  re-match) sees only the meetings proposed or logged since they joined.
* Nothing a participant wrote (reflections, meeting notes, a planned meeting's
  agenda) goes into a feed or an invitation: calendar apps copy it to places
  the relationship's privacy does not reach. A planned meeting's place or video
  link does, as its LOCATION: the event is no use without it.

``build_calendar`` and ``build_invitation`` are pure; ``participant_events``
loads what it needs in a fixed number of queries, whatever the number of
journeys.
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
from ..models import ENDED_STATUSES, Journey, Meeting, PlannedMeeting
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
    location: str = ""
    sequence: int | None = None


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
    if event.location:
        component.add("location", plain_text(event.location))
    if event.url:
        component.add("url", plain_text(event.url))
    if event.sequence is not None:
        component.add("sequence", event.sequence)
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


def planned_meeting_uid(plan_uuid) -> str:
    """The UID of a planned meeting: the same in every invitation and every feed."""
    return f"planned-meeting-{plan_uuid}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Attendee:
    """A person in an invitation: their address, their name, and whether they agreed."""

    email: str
    name: str
    accepted: bool = False

    def address(self, **params) -> icalendar.vCalAddress:
        address = icalendar.vCalAddress(f"mailto:{plain_text(self.email)}")
        address.params["CN"] = plain_text(self.name) or plain_text(self.email)
        for key, value in params.items():
            address.params[key.upper().replace("_", "-")] = value
        return address


@dataclass(frozen=True)
class Invitation:
    """A meeting request (METHOD:REQUEST) or its cancellation (METHOD:CANCEL).

    ``start`` and ``end`` are aware datetimes; ``sequence`` rises with every
    change after the first request, so calendar apps take the newest.
    ``sent_by`` is the address the email comes from, on the organiser's behalf.
    """

    uid: str
    sequence: int
    method: str
    summary: str
    start: datetime
    end: datetime
    organizer: Attendee
    attendees: tuple[Attendee, ...]
    location: str = ""
    description: str = ""
    url: str = ""
    sent_by: str = ""


REQUEST = "REQUEST"
CANCEL = "CANCEL"


def build_invitation(invitation: Invitation, zone, stamp: datetime) -> str:
    """The invitation as iCalendar text, its times in ``zone`` (a ``ZoneInfo``).

    A request is CONFIRMED and asks for a reply from those who have not
    agreed to the time yet; a cancellation is CANCELLED, with the same UID and
    a higher SEQUENCE than the request it cancels. Pure: ``stamp`` (DTSTAMP)
    is passed in.
    """
    if invitation.method not in (REQUEST, CANCEL):
        raise ValueError(f"Unknown iCalendar method {invitation.method!r}.")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    event = icalendar.Event()
    event.add("uid", plain_text(invitation.uid))
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", _moment(stamp))
    event.add("dtstart", invitation.start.astimezone(zone))
    event.add("dtend", invitation.end.astimezone(zone))
    event.add("summary", plain_text(invitation.summary))
    if invitation.description:
        event.add("description", plain_text(invitation.description))
    if invitation.location:
        event.add("location", plain_text(invitation.location))
    if invitation.url:
        event.add("url", plain_text(invitation.url))
    event.add("status", "CONFIRMED" if invitation.method == REQUEST else "CANCELLED")
    event.add("transp", "OPAQUE")
    organizer = (
        invitation.organizer.address(sent_by=f"mailto:{plain_text(invitation.sent_by)}")
        if invitation.sent_by
        else invitation.organizer.address()
    )
    event.add("organizer", organizer)
    for attendee in invitation.attendees:
        if invitation.method == CANCEL:  # nobody is asked to answer a cancellation
            answer = {}
        elif attendee.accepted:
            answer = {"partstat": "ACCEPTED", "rsvp": "FALSE"}
        else:
            answer = {"partstat": "NEEDS-ACTION", "rsvp": "TRUE"}
        event.add(
            "attendee", attendee.address(cutype="INDIVIDUAL", role="REQ-PARTICIPANT", **answer)
        )
    calendar.add_component(event)
    # A VTIMEZONE for the year either side of the meeting: enough for any
    # reader, and a few lines rather than every change since 1970.
    calendar.add_missing_timezones(
        invitation.start.date() - timedelta(days=366), invitation.end.date() + timedelta(days=366)
    )
    return calendar.to_ical().decode("utf-8")


def replace_in_calendar(text: str, replacements: dict[str, str]) -> str:
    """``text`` (iCalendar) with each key of ``replacements`` put as its value, case ignored.

    Every text value, address and parameter (a name in CN) is rewritten and
    the calendar written again, so a name split across folded lines is found
    too. Used when a person is erased, on invitations already written.
    """
    if not text or not replacements:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in replacements if k), re.IGNORECASE)
    lowered = {key.lower(): value for key, value in replacements.items()}

    def swap(value: str) -> str:
        return pattern.sub(lambda m: lowered[m[0].lower()], value)

    calendar = icalendar.Calendar.from_ical(text)
    for component in calendar.walk():
        for name in list(component.keys()):
            _swap_property(component, name, swap)
    return calendar.to_ical().decode("utf-8")


def _swap_property(component, name: str, swap) -> None:
    values = component[name]
    many = isinstance(values, list)
    changed = []
    for value in values if many else [values]:
        if isinstance(value, (icalendar.vCalAddress, icalendar.vText)):
            params = value.params
            value = type(value)(swap(str(value)))
            for key, param in params.items():
                value.params[key] = swap(str(param))
        changed.append(value)
    component[name] = changed if many else changed[0]


def without_location(text: str) -> str:
    """``text`` (iCalendar) with every event's LOCATION taken out.

    Used when a person is erased, on invitations already written: a planned
    meeting's place and video link are their words, and the meeting loses them.
    """
    if not text:
        return text
    calendar = icalendar.Calendar.from_ical(text)
    found = False
    for event in calendar.walk("VEVENT"):
        if "LOCATION" in event:
            del event["LOCATION"]
            found = True
    return calendar.to_ical().decode("utf-8") if found else text


def _partners(loaded, member) -> str:
    return ", ".join(str(m.user) for m in loaded.members if m.pk != member.pk)


def participant_events(
    user,
    today: date,
    milestone_url: Callable[[Journey, str], str],
    meeting_url: Callable[[Journey, Meeting], str],
    journey: Journey | None = None,
    plan_url: Callable[[Journey, PlannedMeeting], str] | None = None,
) -> list[CalendarEvent]:
    """Milestone due dates, planned meetings and logged ones from every journey ``user`` is in.

    ``milestone_url``, ``meeting_url`` and ``plan_url`` turn a journey and a
    milestone id, a meeting or a planned meeting into an absolute link; the
    view knows the host, this module does not. Ended journeys (completed or
    closed, ``ENDED_STATUSES``) are left out, their planned meetings with them:
    nothing in them is still to come. With ``journey``, only that one (if the
    user is a member of it). Planned meetings appear once a time is agreed
    (accepted, or held), at that time; a logged meeting that came from one is
    not repeated as an all-day event.
    """
    queryset = Journey.objects.for_user(user).exclude(status__in=ENDED_STATUSES)
    if journey is not None:
        queryset = queryset.filter(pk=journey.pk)
    journeys = list(queryset.select_related("template", "program"))
    if not journeys:
        return []
    plans = defaultdict(list)
    for plan in (
        PlannedMeeting.objects.in_calendar()
        .filter(journey__in=journeys)
        .only(
            "uuid",
            "journey_id",
            "starts_at",
            "ends_at",
            "place",
            "video_link",
            "sequence",
            "duration_minutes",
            "meeting_id",
            "created_at",
        )
    ):
        plans[plan.journey_id].append(plan)
    from_plans = {p.meeting_id for found in plans.values() for p in found if p.meeting_id}
    meetings = defaultdict(list)
    for meeting in Meeting.objects.filter(journey__in=journeys).only(
        "uuid", "journey_id", "held_on", "duration_minutes", "created_at"
    ):
        if meeting.pk not in from_plans:
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
            if not member.was_there(meeting.created_at):
                continue  # logged before they joined: not a meeting of theirs
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
        for plan in plans[current.pk]:
            if not member.was_there(plan.created_at):
                continue  # proposed before they joined: they are not in it
            events.append(
                CalendarEvent(
                    uid=planned_meeting_uid(plan.uuid),
                    summary=_("Mentoring meeting with %(people)s") % {"people": with_whom},
                    start=plan.starts_at,
                    end=plan.ends_at,
                    description=_("%(journey)s. %(minutes)s minutes.")
                    % {"journey": current.template.title, "minutes": plan.duration_minutes},
                    location=plan_location(plan),
                    url=plan_url(current, plan) if plan_url else "",
                    sequence=plan.sequence,
                )
            )
    events.sort(key=lambda e: (_sort_moment(e.start), e.uid))
    return events


def plan_location(plan) -> str:
    """Where a planned meeting happens: the place, the video link, or both."""
    return " · ".join(part for part in (plan.place, plan.video_link) if part)


def _sort_moment(start: date | datetime) -> str:
    """A sortable text for an all-day or a timed start (UTC), so both kinds sort together."""
    if isinstance(start, datetime):
        return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return start.isoformat()
