"""Planning meetings: times proposed and agreed, moved or cancelled, then held or not.

Rules enforced here:

* Meetings are planned (proposed, answered, moved) in active journeys only.
  Once a journey has ended (completed or closed) nothing planned in it
  changes any more, cancelling and saying whether it took place included
  (``JourneyEnded``, as for every member action: ``progress.check_not_ended``);
  in a paused one a meeting already agreed can still be cancelled, held or
  not held.
* Only current members of a journey plan its meetings (``NotAMember``). A
  planned meeting is for the members there when it was proposed: someone who
  joined the journey after that (a re-match) is not in it, is not emailed
  about it and cannot act on it (``_members``).
* A proposal offers one to three distinct times, each from now on and within
  a year (``MAX_AHEAD``), a length of 5 to 600 minutes as for a meeting
  logged (``MEETING_MINUTES_MIN`` and ``_MAX``), a place (one line, up to 200
  characters) or a video link (https, up to 500) or both, and an agenda
  (markdown, up to 2,000 characters, shown through the one sanitiser).
  Everything is checked before anything is written; a refusal is
  a ``ValidationError`` keyed by the field.
* While it is proposed, any other member accepts one of the times on offer,
  or any member suggests other times, which become the times on offer, for
  the others to accept (the proposer included). An accepted meeting can be
  moved to another time (or place) by any member, cancelled by any member,
  and once its time has come, marked as held (which logs a ``Meeting``
  through ``progress.log_meeting``, completing its meet step) or as not held
  (after which it can be moved to a new time, or marked held after all).
  Everything else is refused with ``MeetingPlanError`` saying why:
  cancelled and held meetings are finished.
* Every change locks the planned meeting's row (``select_for_update``) and
  checks its state again inside the transaction, so two members accepting
  at once make one meeting, and the second is told it was already settled.
* Agreeing a time sends every current member an email carrying an iCalendar
  invitation (METHOD:REQUEST, SEQUENCE 0) in their own time zone; each move
  sends another with SEQUENCE one higher, and cancelling an agreed meeting
  sends METHOD:CANCEL with a higher SEQUENCE still. The UID is the planned
  meeting's (``calendar.planned_meeting_uid``), as in the calendar feeds. The
  iCalendar text is written to the outbox with the email, in the transaction
  that made the change. A proposal and its suggestions are emailed to the
  others. These emails come from a person's action and carry the calendar
  entry, so they go whatever the recipient's choice of reminders, as requests
  do; the reminders the tick sends follow the choice.
* Times are typed and shown in each person's time zone
  (``people.time_zone_for``) and stored in UTC.
* Every action moves the journey's last activity on; an agreed or held
  meeting's day counts as activity too (``state.planned_activity``), so a
  pair with a meeting ahead is never nudged as inactive.
* The "did you meet?" link in an email is signed (``answer_token``) and
  lasts ``ANSWER_MAX_AGE``; it opens a page that asks before anything is
  changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from content.markdown import validate_markdown
from content.text import check_text

from ..exceptions import JourneyError, NotAMember, StepNotAvailable, UnknownStep
from ..models import (
    AGENDA_MAX_LENGTH,
    MAX_OPTIONS,
    PLACE_MAX_LENGTH,
    VIDEO_LINK_MAX_LENGTH,
    JourneyMember,
    JourneyStatus,
    Meeting,
    PlannedMeeting,
    PlannedMeetingStatus,
)
from ..validation import zone_label
from . import outbox, progress
from .calendar import (
    CANCEL,
    REQUEST,
    Attendee,
    Invitation,
    build_invitation,
    plan_location,
    planned_meeting_uid,
)
from .people import time_zone_for
from .state import journey_state

Status = PlannedMeetingStatus

PROPOSED_EMAIL = "journeys/emails/meeting_proposed"
INVITATION_EMAIL = "journeys/emails/meeting_invitation"
CANCELLED_EMAIL = "journeys/emails/meeting_cancelled"
# The latest a meeting may be planned for.
MAX_AHEAD = timedelta(days=366)
ANSWER_SALT = "journeys.meeting-answer"
ANSWER_MAX_AGE = timedelta(days=14)
HELD, NOT_HELD = "held", "not_held"
OPTION_FIELDS = tuple(f"option_{n}" for n in range(1, MAX_OPTIONS + 1))


class MeetingPlanError(JourneyError):
    """What was asked of a planned meeting cannot be done in its state; the message says why."""


# Checking what was typed ------------------------------------------------------------------


def check_times(options, now: datetime) -> list[datetime]:
    """The times on offer, checked: one to three, distinct, from now on, within a year.

    ``options`` holds one entry per option field (None for an empty one);
    errors are keyed by the field of the time they are about.
    """
    options = list(options)[:MAX_OPTIONS]
    errors = {}
    chosen = []
    for field, moment in zip(OPTION_FIELDS, options, strict=False):
        if moment is None:
            continue
        if timezone.is_naive(moment):
            raise ValueError("Times must be aware datetimes.")
        if moment <= now:
            errors[field] = _("This time has passed; choose one from now on.")
        elif moment > now + MAX_AHEAD:
            errors[field] = _("Choose a time within the next year.")
        elif moment in chosen:
            errors[field] = _("This time is offered twice; choose another, or leave it empty.")
        else:
            chosen.append(moment)
    if not chosen and not errors:
        errors[OPTION_FIELDS[0]] = _("Offer at least one time to meet.")
    if errors:
        raise ValidationError(errors)
    return chosen


@dataclass(frozen=True)
class Logistics:
    """How long, where, and what about: checked by ``check_logistics``."""

    duration_minutes: int
    place: str
    video_link: str
    agenda: str = ""


_VIDEO_LINK = URLValidator(schemes=["https"])


def check_logistics(
    duration_minutes, place: str, video_link: str, agenda: str | None = None
) -> Logistics:
    """Refuse a length, place, link or agenda out of bounds, each keyed by its field.

    ``agenda`` None means it is not being changed (a move keeps the agenda).
    """
    place = (place or "").strip()
    video_link = (video_link or "").strip()
    errors: dict[str, list] = {}

    def add(field, error):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, found in error.error_dict.items():
                errors.setdefault(name, []).extend(found)
        elif isinstance(error, ValidationError):
            errors.setdefault(field, []).extend(error.error_list)
        else:
            errors.setdefault(field, []).append(ValidationError(error))

    if error := progress.meeting_length_error(duration_minutes):
        add("duration_minutes", error)
    try:
        check_text(
            place, field="place", label=_("The place"), limit=PLACE_MAX_LENGTH, multiline=False
        )
    except ValidationError as error:
        add("place", error)
    if video_link:
        if len(video_link) > VIDEO_LINK_MAX_LENGTH:
            add(
                "video_link",
                _("The video link can be at most %(limit)s characters long.")
                % {"limit": VIDEO_LINK_MAX_LENGTH},
            )
        else:
            try:
                _VIDEO_LINK(video_link)
            except ValidationError:
                add("video_link", _("Give the video link as a web address starting https://."))
    if not place and not video_link:
        add("place", _("Say where you will meet, or give a video link (or both)."))
    if agenda is not None:
        try:
            check_text(
                agenda,
                field="agenda",
                label=_("The agenda"),
                limit=AGENDA_MAX_LENGTH,
                multiline=True,
            )
            validate_markdown(agenda)
        except ValidationError as error:
            add("agenda", error)
    if errors:
        raise ValidationError(errors)
    return Logistics(duration_minutes, place, video_link, agenda or "")


# Who is in it ------------------------------------------------------------------------------


def _members(journey, plan=None) -> list[JourneyMember]:
    """The journey's current members; with ``plan``, those it was planned with: someone
    who joined after it was proposed is not in it (nor told about it)."""
    members = list(
        JourneyMember.objects.filter(journey=journey, left_on__isnull=True)
        .select_related("user")
        .order_by("role", "pk")
    )
    if plan is None:
        return members
    return [m for m in members if m.was_there(plan.created_at)]


def _actor(members, user) -> JourneyMember:
    for member in members:
        if member.user_id == user.pk:
            return member
    raise NotAMember(_("You are not a member of this journey."))


def _name(member) -> str:
    return str(member.user)


def _others_names(members, member) -> str:
    return ", ".join(_name(m) for m in members if m.pk != member.pk)


def when_text(moment: datetime, zone) -> str:
    """A moment as a person reads it: in their own time zone, which is named."""
    local = moment.astimezone(zone)
    return _("%(day)s at %(time)s (%(zone)s)") % {
        "day": date_format(local, "l j F Y"),
        "time": time_format(local, "H:i"),
        "zone": zone_label(zone.key),
    }


def _sender_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _journey_path(journey, plan) -> str:
    return reverse("journeys:journey", args=[journey.uuid]) + f"#plan-{plan.uuid}"


def _base_context(journey, plan) -> dict:
    return {
        "journey_uuid": str(journey.uuid),
        "journey_title": journey.template.title,
        "plan_uuid": str(plan.uuid),
    }


# Emails --------------------------------------------------------------------------------------


def _proposal_emails(journey, plan, members, actor, *, suggested: bool, now) -> list:
    emails = []
    for member in members:
        if member.pk == actor.pk:
            continue
        zone = time_zone_for(member.user)
        if suggested:
            subject = _("%(who)s suggests other times to meet") % {"who": _name(actor)}
        else:
            subject = _("%(who)s would like to meet: choose a time") % {"who": _name(actor)}
        emails.append(
            outbox.new_email(
                member.user_id,
                PROPOSED_EMAIL,
                subject,
                {
                    **_base_context(journey, plan),
                    "who": _name(actor),
                    "suggested": suggested,
                    "options": [when_text(moment, zone) for moment in plan.options],
                    "minutes": plan.duration_minutes,
                    "place": plan.place,
                    "video_link": plan.video_link,
                    "agenda": plan.agenda,
                },
                program_id=journey.program_id,
                journey_id=journey.pk,
                honours_choice=False,
                now=now,
            )
        )
    return emails


def _invitation(plan, members, actor, method: str, accepted_ids, summary_for, journey, site_root):
    """A function making each member's invitation: the same but for the summary."""
    # The proposer organises; if they have left, the member acting stands in.
    organizer = next((m for m in members if m.pk == plan.proposer_id), actor)
    return lambda member: Invitation(
        uid=planned_meeting_uid(plan.uuid),
        sequence=plan.sequence,
        method=method,
        summary=summary_for(member),
        start=plan.starts_at,
        end=plan.ends_at,
        organizer=Attendee(organizer.user.email, _name(organizer), True),
        attendees=tuple(Attendee(m.user.email, _name(m), m.pk in accepted_ids) for m in members),
        location=plan_location(plan),
        description=_("%(journey)s. The agenda and everything about this meeting: %(url)s")
        % {"journey": journey.template.title, "url": site_root + _journey_path(journey, plan)},
        url=site_root + _journey_path(journey, plan),
        sent_by=_sender_address(),
    )


def _site_root(journey) -> str:
    return outbox.Sites().root(journey.program_id)


def _summary(members):
    return lambda member: (
        _("Mentoring meeting with %(people)s")
        % {"people": _others_names(members, member) or _("your journey")}
    )


def _invitation_emails(journey, plan, members, actor, accepted_ids, *, moved: bool, now) -> list:
    make = _invitation(
        plan,
        members,
        actor,
        REQUEST,
        accepted_ids,
        _summary(members),
        journey,
        _site_root(journey),
    )
    emails = []
    for member in members:
        zone = time_zone_for(member.user)
        when = when_text(plan.starts_at, zone)
        subject = (
            _("Meeting moved: %(when)s") % {"when": when}
            if moved
            else _("Meeting agreed: %(when)s") % {"when": when}
        )
        email = outbox.new_email(
            member.user_id,
            INVITATION_EMAIL,
            subject,
            {
                **_base_context(journey, plan),
                "who": _name(actor),
                "by_you": member.pk == actor.pk,
                "moved": moved,
                "when": when,
                "minutes": plan.duration_minutes,
                "with": _others_names(members, member),
                "place": plan.place,
                "video_link": plan.video_link,
                "agenda": plan.agenda,
            },
            program_id=journey.program_id,
            journey_id=journey.pk,
            honours_choice=False,
            now=now,
        )
        email.calendar = build_invitation(make(member), zone, now)
        email.calendar_method = REQUEST
        emails.append(email)
    return emails


def _cancel_emails(
    journey,
    plan,
    members,
    actor,
    *,
    had_time: bool,
    now,
    left=False,
    leaver=None,
    ended=False,
    attendees=None,
) -> list:
    """Tell members a meeting is off; with a CANCEL for calendars once it had a time.

    ``left``: cancelled because ``actor`` (not among ``members``) stopped taking
    part; the email does not name them. ``leaver``: cancelled because that
    member is leaving the journey (their match ended or was re-matched); they
    are among ``members`` and are told so, the others that a member is no
    longer taking part. ``ended``: because the journey ended. ``attendees``:
    everyone the calendar entry names, when more than ``members`` are in it.
    """
    make = (
        _invitation(
            plan,
            attendees or (members if not left else [*members, actor]),
            actor,
            CANCEL,
            set(),
            _summary(attendees or members),
            journey,
            _site_root(journey),
        )
        if had_time
        else None
    )
    emails = []
    for member in members:
        if not had_time and member.pk == actor.pk:
            continue
        zone = time_zone_for(member.user)
        when = when_text(plan.starts_at, zone) if had_time else ""
        if had_time:
            subject = _("Meeting cancelled: %(when)s") % {"when": when}
        elif actor.pk != plan.proposer_id:
            subject = _("%(who)s declined the meeting proposal") % {"who": _name(actor)}
        else:
            subject = _("A meeting proposal was withdrawn")
        email = outbox.new_email(
            member.user_id,
            CANCELLED_EMAIL,
            subject,
            {
                **_base_context(journey, plan),
                "who": "" if left or leaver or ended else _name(actor),
                "left": left or (leaver is not None and member.pk != leaver.pk and not ended),
                "you_left": leaver is not None and member.pk == leaver.pk and not ended,
                "ended": ended,
                "declined": actor.pk != plan.proposer_id,
                "by_you": member.pk == actor.pk,
                "when": when,
                "with": _others_names(members, member),
            },
            program_id=journey.program_id,
            # The outbox sends nothing about a journey to someone who has left it;
            # this one is about their leaving, and must reach them.
            journey_id=None if leaver is not None and member.pk == leaver.pk else journey.pk,
            honours_choice=False,
            now=now,
        )
        if make is not None:
            email.calendar = build_invitation(make(member), zone, now)
            email.calendar_method = CANCEL
        emails.append(email)
    return emails


# Changing a planned meeting -----------------------------------------------------------------


def _check_journey(journey) -> None:
    progress.check_not_ended(journey)
    if journey.status != JourneyStatus.ACTIVE:
        raise MeetingPlanError(
            _("This journey is not active, so no meetings can be planned in it.")
        )


def _locked(plan) -> PlannedMeeting:
    """The planned meeting's row, locked for this transaction, as it is now."""
    return (
        PlannedMeeting.objects.select_for_update(of=("self",))
        .select_related("journey__program", "journey__template")
        .get(pk=plan.pk)
    )


def _set_time(plan, starts_at: datetime, minutes: int) -> None:
    plan.starts_at = starts_at
    plan.duration_minutes = minutes
    plan.ends_at = starts_at + timedelta(minutes=minutes)


def _touch(journey, now) -> None:
    progress.record_activity(journey, timezone.localdate(now))


def propose(
    journey,
    user,
    *,
    options,
    duration_minutes: int,
    place: str,
    video_link: str,
    agenda: str,
    now: datetime,
    milestone_id: str = "",
    step_id: str = "",
) -> PlannedMeeting:
    """Propose a meeting at one of up to three times; the other members are emailed."""
    errors = {}
    times = []
    try:
        times = check_times(options, now)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        logistics = check_logistics(duration_minutes, place, video_link, agenda)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _check_journey(journey)
        members = _members(journey)
        member = _actor(members, user)
        if step_id:
            step = journey_state(journey, timezone.localdate(now)).snapshot.step(
                milestone_id, step_id
            )
            if step is None or step.kind != "meet":
                raise UnknownStep(_("That step is not part of this journey."))
        else:
            milestone_id = ""
        plan = PlannedMeeting(
            journey=journey,
            proposer=member,
            options_by=member,
            milestone_id=milestone_id,
            step_id=step_id,
            duration_minutes=logistics.duration_minutes,
            place=logistics.place,
            video_link=logistics.video_link,
            agenda=logistics.agenda,
        )
        plan.option_1, plan.option_2, plan.option_3 = [*times, None, None][:MAX_OPTIONS]
        plan.save()
        outbox.queue_emails(
            _proposal_emails(journey, plan, members, member, suggested=False, now=now)
        )
        _touch(journey, now)
    return plan


def suggest(plan, user, options, now: datetime) -> PlannedMeeting:
    """Offer other times instead of those on offer; the others choose among them."""
    times = check_times(options, now)
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        _check_journey(journey)
        members = _members(journey, plan)
        member = _actor(members, user)
        if plan.status != Status.PROPOSED:
            raise MeetingPlanError(_settled_message(plan, _("suggest other times")))
        plan.option_1, plan.option_2, plan.option_3 = [*times, None, None][:MAX_OPTIONS]
        plan.options_by = member
        plan.save(update_fields=["option_1", "option_2", "option_3", "options_by", "updated_at"])
        outbox.queue_emails(
            _proposal_emails(journey, plan, members, member, suggested=True, now=now)
        )
        _touch(journey, now)
    return plan


def accept(plan, user, chosen: datetime, now: datetime) -> PlannedMeeting:
    """Agree to one of the times on offer; everyone gets the invitation."""
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        _check_journey(journey)
        members = _members(journey, plan)
        member = _actor(members, user)
        if plan.status != Status.PROPOSED:
            raise MeetingPlanError(_settled_message(plan, _("accept a time")))
        if member.pk == plan.options_by_id:
            raise MeetingPlanError(
                _("You offered these times; the others in your journey choose one of them.")
            )
        if chosen not in plan.options:
            raise MeetingPlanError(
                _("That time is no longer on offer: the times may have changed. Choose again.")
            )
        if chosen <= now:
            raise MeetingPlanError(
                _("That time has passed. Choose another, or suggest other times.")
            )
        _set_time(plan, chosen, plan.duration_minutes)
        plan.status = Status.ACCEPTED
        plan.accepted_by = member
        plan.sequence = 0
        plan.save()
        outbox.queue_emails(
            _invitation_emails(
                journey,
                plan,
                members,
                member,
                {plan.options_by_id, member.pk},
                moved=False,
                now=now,
            )
        )
        _touch(journey, now)
    return plan


def move(
    plan,
    user,
    *,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    video_link: str,
    now: datetime,
) -> PlannedMeeting:
    """Move an agreed meeting (or one that did not happen) to a new time or place.

    Everyone gets an updated invitation with the next SEQUENCE.
    """
    errors = {}
    try:
        (starts_at,) = check_times([starts_at], now)
    except ValidationError as error:
        errors["starts_at"] = error.error_dict[OPTION_FIELDS[0]]
    try:
        logistics = check_logistics(duration_minutes, place, video_link)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        _check_journey(journey)
        members = _members(journey, plan)
        member = _actor(members, user)
        if plan.status not in (Status.ACCEPTED, Status.NOT_HELD):
            raise MeetingPlanError(_settled_message(plan, _("move it")))
        unchanged = (
            plan.status == Status.ACCEPTED
            and plan.starts_at == starts_at
            and plan.duration_minutes == logistics.duration_minutes
            and plan.place == logistics.place
            and plan.video_link == logistics.video_link
        )
        if unchanged:
            raise MeetingPlanError(_("That is the time and place it already has."))
        _set_time(plan, starts_at, logistics.duration_minutes)
        plan.place = logistics.place
        plan.video_link = logistics.video_link
        plan.status = Status.ACCEPTED
        plan.sequence += 1
        plan.save()
        outbox.queue_emails(
            _invitation_emails(journey, plan, members, member, {member.pk}, moved=True, now=now)
        )
        _touch(journey, now)
    return plan


def cancel(plan, user, now: datetime) -> PlannedMeeting:
    """Call a meeting off: a proposal is withdrawn; an agreed meeting gets a CANCEL."""
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        progress.check_not_ended(journey)
        members = _members(journey, plan)
        member = _actor(members, user)
        if plan.status not in (Status.PROPOSED, Status.ACCEPTED):
            raise MeetingPlanError(_settled_message(plan, _("cancel it")))
        had_time = plan.status == Status.ACCEPTED
        if had_time and plan.starts_at <= now:
            raise MeetingPlanError(
                _("Its time has come; say whether you met instead of cancelling it.")
            )
        plan.status = Status.CANCELLED
        if had_time:
            plan.sequence += 1
        plan.save(update_fields=["status", "sequence", "updated_at"])
        outbox.queue_emails(
            _cancel_emails(journey, plan, members, member, had_time=had_time, now=now)
        )
        _touch(journey, now)
    return plan


def mark_held(plan, user, now: datetime) -> Meeting:
    """Say the meeting took place: it is logged as a meeting, with notes to add."""
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        progress.check_not_ended(journey)
        members = _members(journey, plan)
        _actor(members, user)
        if plan.status == Status.HELD:
            raise MeetingPlanError(_("This meeting is already logged as held."))
        if plan.status not in (Status.ACCEPTED, Status.NOT_HELD):
            raise MeetingPlanError(_settled_message(plan, _("log it as held")))
        if plan.starts_at > now:
            raise MeetingPlanError(_("This meeting has not started yet."))
        today = timezone.localdate(now)
        held_on = min(timezone.localdate(plan.starts_at), today)
        arguments = (journey, user, held_on, plan.duration_minutes, "", "", today)
        meeting = None
        if plan.step_id:
            try:
                meeting = progress.log_meeting(
                    *arguments, milestone_id=plan.milestone_id, step_id=plan.step_id
                )
            except (UnknownStep, StepNotAvailable):
                meeting = None  # the step is gone or closed: logged for the journey instead
        if meeting is None:
            meeting = progress.log_meeting(*arguments)
        plan.status = Status.HELD
        plan.meeting = meeting
        plan.save(update_fields=["status", "meeting", "updated_at"])
    return meeting


def mark_not_held(plan, user, now: datetime) -> PlannedMeeting:
    """Say the meeting did not take place; it can then be moved to a new time."""
    with transaction.atomic():
        plan = _locked(plan)
        journey = plan.journey
        progress.check_not_ended(journey)
        members = _members(journey, plan)
        _actor(members, user)
        if plan.status == Status.NOT_HELD:
            raise MeetingPlanError(_("This meeting is already marked as not held."))
        if plan.status != Status.ACCEPTED:
            raise MeetingPlanError(_settled_message(plan, _("mark it as not held")))
        if plan.starts_at > now:
            raise MeetingPlanError(
                _("This meeting has not started yet; cancel it if it will not take place.")
            )
        plan.status = Status.NOT_HELD
        plan.save(update_fields=["status", "updated_at"])
        _touch(journey, now)
    return plan


def _settled_message(plan, what: str) -> str:
    """Why ``what`` cannot be done to a planned meeting in its state, in a sentence."""
    if plan.status == Status.CANCELLED:
        return _("This meeting was cancelled, so you cannot %(what)s.") % {"what": what}
    if plan.status == Status.HELD:
        return _("This meeting took place and is logged, so you cannot %(what)s.") % {"what": what}
    if plan.status == Status.ACCEPTED:
        return _("A time is already agreed for this meeting, so you cannot %(what)s.") % {
            "what": what
        }
    if plan.status == Status.NOT_HELD:
        return _(
            "This meeting did not take place, so you cannot %(what)s; move it to a new time."
        ) % {"what": what}
    return _("No time is agreed for this meeting yet, so you cannot %(what)s.") % {"what": what}


def _call_off(plan) -> bool:
    """Mark ``plan`` cancelled; whether it had a time (and so a calendar entry) to cancel."""
    had_time = plan.status == Status.ACCEPTED
    plan.status = Status.CANCELLED
    if had_time:
        plan.sequence += 1
    plan.save(update_fields=["status", "sequence", "updated_at"])
    return had_time


def cancel_for_leaving(journey, now: datetime, leaver: JourneyMember | None = None) -> int:
    """Settle the meetings still to come when ``leaver`` leaves ``journey`` because an
    admin ended or re-matched their match; ``leaver`` None: the journey ends for all
    (ending the match closed it, or an admin completed or closed it: ``ending``).

    Called in that transaction, while the leaver is still a member and before anyone
    takes their place. In a pair, or when the journey ends, each meeting still to
    come is cancelled for everyone. In a circle (three members or more), one the
    leaver proposed is cancelled for everyone; any other stays for the rest, and
    the leaver alone is sent its cancellation. A meeting with a time agreed sends
    each person it is cancelled for the email and METHOD:CANCEL that cancelling
    it sends (with a higher SEQUENCE); a proposal still waiting for a time is
    withdrawn without an email: it is in nobody's calendar. Returns how many
    meetings were cancelled for everyone.
    """
    plans = list(
        PlannedMeeting.objects.select_for_update(of=("self",))
        .filter(journey=journey, status__in=(Status.PROPOSED, Status.ACCEPTED))
        .exclude(status=Status.ACCEPTED, starts_at__lte=now)
        .select_related("journey__program", "journey__template")
        .order_by("pk")
    )
    current = _members(journey)
    in_circle = len(current) > 2
    emails = []
    cancelled = 0
    for plan in plans:
        members = [m for m in current if m.was_there(plan.created_at)]
        if leaver is not None and not any(m.pk == leaver.pk for m in members):
            continue  # proposed after they joined: not theirs
        # Whoever the calendar entry falls back on as organiser if the proposer has left.
        actor = leaver or next((m for m in members if m.pk == plan.proposer_id), None)
        actor = actor or (members[0] if members else None)
        if leaver is None or not in_circle or plan.proposer_id == leaver.pk:
            if _call_off(plan) and actor is not None:
                emails += _cancel_emails(
                    journey,
                    plan,
                    members,
                    actor,
                    had_time=True,
                    now=now,
                    leaver=leaver,
                    ended=leaver is None,
                )
            cancelled += 1
        elif plan.status == Status.ACCEPTED:
            # The others keep it; the leaver's calendar loses it. The SEQUENCE moves on
            # (not ``updated_at``, which times the others' reminder).
            plan.sequence += 1
            PlannedMeeting.objects.filter(pk=plan.pk).update(sequence=plan.sequence)
            emails += _cancel_emails(
                journey,
                plan,
                [leaver],
                leaver,
                had_time=True,
                now=now,
                leaver=leaver,
                attendees=members,
            )
    outbox.queue_emails(emails)
    return cancelled


def cancel_for_leaver(user, now: datetime) -> int:
    """Cancel the meetings still to come in the journeys ``user`` is leaving.

    Called when the account is deactivated (or erased), in that transaction.
    The others get a CANCEL for meetings with a time agreed, without the
    leaver's name; proposals are simply withdrawn (the partners are told
    that the person left by ``cms.services.departure``). Returns how many
    were cancelled.
    """
    plans = list(
        PlannedMeeting.objects.select_for_update(of=("self",))
        .filter(
            journey__memberships__user=user,
            journey__memberships__left_on__isnull=True,
            status__in=(Status.PROPOSED, Status.ACCEPTED),
        )
        .exclude(status=Status.ACCEPTED, starts_at__lte=now)
        .select_related("journey__program", "journey__template")
    )
    emails = []
    for plan in plans:
        journey = plan.journey
        everyone = _members(journey)
        leaver = next((m for m in everyone if m.user_id == user.pk), None)
        others = [m for m in everyone if m.user_id != user.pk and m.was_there(plan.created_at)]
        if _call_off(plan) and leaver is not None and others:
            emails += _cancel_emails(
                journey, plan, others, leaver, had_time=True, now=now, left=True
            )
    outbox.queue_emails(emails)
    return len(plans)


# The signed "did you meet?" link ---------------------------------------------------------


def answer_token(plan_uuid, user_id: int, answer: str) -> str:
    """The signed key of a one-click answer link; made when the email is sent."""
    if answer not in (HELD, NOT_HELD):
        raise ValueError(f"Unknown answer {answer!r}.")
    return signing.dumps({"p": str(plan_uuid), "u": int(user_id), "a": answer}, salt=ANSWER_SALT)


class ExpiredAnswer(Exception):
    """A genuine answer link older than ``ANSWER_MAX_AGE``."""


@dataclass(frozen=True)
class Answer:
    plan_uuid: str
    user_id: int
    answer: str


def read_answer_token(token: str) -> Answer | None:
    """What an answer link says; None for one that was never ours (or was changed).

    Raises ``ExpiredAnswer`` for a genuine link that is too old.
    """
    try:
        data = signing.loads(token, salt=ANSWER_SALT, max_age=ANSWER_MAX_AGE)
        answer = Answer(str(data["p"]), int(data["u"]), str(data["a"]))
    except signing.SignatureExpired as error:
        raise ExpiredAnswer from error
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return answer if answer.answer in (HELD, NOT_HELD) else None


def minutes_text(minutes: int) -> str:
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
