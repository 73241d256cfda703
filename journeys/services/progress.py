"""What members do on a journey: complete steps, reflect, meet, set goals, rate.

Rules enforced here:

* Only current members act on a journey (``NotAMember`` otherwise), and only
  while it has not ended: a completed or closed journey is kept as a record,
  and every action on it is refused with ``JourneyEnded`` before anything is
  written (``acting_member``). A paused journey is still worked on.
* A step can be completed only if it is in the journey's template revision,
  its milestone is open (open, due soon or overdue) and the member is in the
  milestone's audience. Completing twice is harmless.
* Reflections keep a version number; saving with an older version than the
  stored one raises ``StaleReflection`` carrying the stored text, so nothing
  is silently overwritten; the very words stored, sent again (a second press
  of the button), are already saved and raise nothing. Reflection and meeting
  notes are stored as typed and rendered when a page shows them (the
  ``markdown`` template filter).
* Logging a meeting completes the milestone's meet step for the whole pair.
  Its notes and agreed actions are the words of the member who logged it:
  only they may write them afterwards (``write_meeting_notes``).
* The days a person types are days in their own time zone: a meeting is
  logged for a day from the journey's start up to their today, and a goal's
  target lies from their today to ``GOAL_YEARS_AHEAD`` years on. Callers pass
  that day as ``person_today`` (``people.today_for``); ``today``, the site's
  day, stays what the engine opens milestones by and activity is recorded on.
* Text is checked before anything is written, whoever calls: reflections and
  meeting notes against ``TRELLIS_MARKDOWN_MAX_CHARS``, agreed actions and
  goals against their models' limits and for control characters
  (``content.text``). A refusal is a ``ValidationError`` keyed by the field.
* Every action updates the journey's last activity day in the same
  transaction.
"""

from __future__ import annotations

import datetime
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from content.markdown import validate_markdown
from content.text import check_text

from .. import engine
from ..exceptions import (
    JourneyEnded,
    JourneyError,
    NotAMember,
    StaleReflection,
    StepNotAvailable,
    UnknownStep,
)
from ..models import (
    AGREED_ACTIONS_MAX_LENGTH,
    GOAL_MAX_LENGTH,
    MEETING_MINUTES_MAX,
    MEETING_MINUTES_MIN,
    Goal,
    GoalStatus,
    Journey,
    JourneyMember,
    Meeting,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from ..signals import announce_changes
from .state import journey_state

# How far ahead a goal's target date may lie.
GOAL_YEARS_AHEAD = 5


def _check_markdown(text: str, field: str) -> None:
    """Refuse markdown over the size cap, keyed by the field it was typed into."""
    try:
        validate_markdown(text)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


def member_of(journey: Journey, user) -> JourneyMember:
    member = (
        JourneyMember.objects.filter(journey=journey, user_id=user.pk, left_on__isnull=True)
        .select_related("user")
        .first()
    )
    if member is None:
        raise NotAMember(_("You are not a member of this journey."))
    return member


def check_not_ended(journey: Journey) -> None:
    """Refuse any change to a journey that has ended: it is kept as a record."""
    if journey.has_ended:
        raise JourneyEnded(ended_message())


def ended_message() -> str:
    return _("This journey has ended: it is kept as a record and can no longer be changed.")


def acting_member(journey: Journey, user) -> JourneyMember:
    """The membership of ``user`` acting on ``journey``, which must not have ended."""
    check_not_ended(journey)
    return member_of(journey, user)


def record_activity(journey: Journey, today: date) -> None:
    """Record that members acted on ``today``: the tick looks at this journey again,
    and ``journeys_changed`` says so once the transaction commits."""
    Journey.objects.filter(pk=journey.pk).update(
        changed_at=timezone.now(),
        last_activity_on=Greatest(Coalesce("last_activity_on", Value(today)), Value(today)),
    )
    announce_changes({journey.program_id})


def _available_step(journey, member, milestone_id, step_id, today, kinds=None):
    loaded = journey_state(journey, today)
    step = loaded.snapshot.step(milestone_id, step_id)
    if step is None or (kinds and step.kind not in kinds):
        raise UnknownStep(_("That step is not part of this journey."))
    status = loaded.state.milestone(milestone_id)
    if status.state not in engine.ACTIONABLE and status.state != engine.MilestoneState.DONE:
        raise StepNotAvailable(_("This milestone has not opened yet."))
    if member.pk not in status.audience_member_ids:
        raise StepNotAvailable(_("This step is for the other members of your journey."))
    return step


def moment_on(today: date):
    """When an action taken on ``today`` happened: now, unless ``today`` is another day.

    Services are told the day rather than reading the clock; a completion
    recorded for another day (a back-filled record, a test) is dated that day.
    """
    now = timezone.now()
    if timezone.localdate(now) == today:
        return now
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))


def _record_completion(journey, member, milestone_id, step_id, today: date):
    try:
        with transaction.atomic():
            StepCompletion.objects.get_or_create(
                journey=journey,
                milestone_id=milestone_id,
                step_id=step_id,
                member=member,
                defaults={"completed_at": moment_on(today), "completed_on": today},
            )
    except IntegrityError:  # a concurrent request recorded it first
        pass


@transaction.atomic
def complete_step(journey, user, milestone_id, step_id, today: date) -> None:
    """Mark a step as done for the member who did it."""
    member = acting_member(journey, user)
    _available_step(journey, member, milestone_id, step_id, today)
    _record_completion(journey, member, milestone_id, step_id, today)
    record_activity(journey, today)


@transaction.atomic
def undo_step(journey, user, milestone_id, step_id, today: date) -> None:
    """Take back a completion, e.g. a box ticked by mistake."""
    member = acting_member(journey, user)
    _available_step(journey, member, milestone_id, step_id, today)
    StepCompletion.objects.filter(
        journey=journey, milestone_id=milestone_id, step_id=step_id, member=member
    ).delete()
    record_activity(journey, today)


def save_reflection(
    journey,
    user,
    milestone_id,
    step_id,
    text: str,
    shared: bool,
    base_version: int | None,
    today: date,
    complete: bool = False,
) -> Reflection:
    """Save a member's reflection, refusing to overwrite a newer version.

    ``base_version`` is the version the author started editing from (None for
    a new reflection). The text is validated before anything is written;
    ``complete`` also marks the reflect step as done.
    """
    _check_markdown(text, "text")
    with transaction.atomic():
        member = acting_member(journey, user)
        _available_step(journey, member, milestone_id, step_id, today, kinds={"reflect"})
        reflection = (
            Reflection.objects.select_for_update()
            .filter(journey=journey, step_id=step_id, author=member)
            .first()
        )
        if reflection is None:
            try:
                with transaction.atomic():
                    reflection = Reflection.objects.create(
                        journey=journey,
                        milestone_id=milestone_id,
                        step_id=step_id,
                        author=member,
                        text=text,
                        shared=shared,
                    )
            except IntegrityError:
                reflection = Reflection.objects.get(
                    journey=journey, step_id=step_id, author=member
                )
                raise StaleReflection(
                    _("This reflection was saved elsewhere while you were writing."), reflection
                ) from None
        elif reflection.text == text and reflection.shared == shared:
            pass  # the same words sent again (a second press, a page resent): already saved
        else:
            if base_version is None or base_version != reflection.version:
                raise StaleReflection(
                    _(
                        "This reflection was changed in another window after you opened it. "
                        "Choose which version to keep."
                    ),
                    reflection,
                )
            reflection.text = text
            reflection.shared = shared
            reflection.version += 1
            reflection.save(update_fields=["text", "shared", "version", "updated_at"])
        if complete and text.strip():
            _record_completion(journey, member, milestone_id, step_id, today)
        record_activity(journey, today)
        return reflection


def visible_reflections(journey, user, member: JourneyMember | None = None):
    """Reflections this member may read: their own, and what others shared since they
    joined (saved since: a reflection shared again after they joined is shared with them).

    ``member`` is the user's current membership, when the caller has it already.
    """
    member = member if member is not None else member_of(journey, user)
    return Reflection.objects.filter(
        Q(author=member) | Q(member.may_read(at="updated_at"), shared=True), journey=journey
    ).select_related("author__user")


def meeting_length_error(minutes) -> str | None:
    """Why ``minutes`` cannot be a meeting's length, logged or planned; None if it can."""
    if isinstance(minutes, int) and MEETING_MINUTES_MIN <= minutes <= MEETING_MINUTES_MAX:
        return None
    return _("Give the meeting's length in minutes, from %(min)s to %(max)s.") % {
        "min": MEETING_MINUTES_MIN,
        "max": MEETING_MINUTES_MAX,
    }


@transaction.atomic
def log_meeting(
    journey,
    user,
    held_on: date,
    duration_minutes: int,
    notes: str,
    agreed_actions: str,
    today: date,
    milestone_id: str = "",
    step_id: str = "",
    *,
    person_today: date | None = None,
) -> Meeting:
    """Record a meeting; on a meet step it completes the step for the pair.

    ``held_on`` may be no later than ``person_today``, the day it is for the
    person logging it (the site's ``today`` when not given), and no earlier
    than the journey's start in that person's calendar: for someone whose day
    is behind the site's, the journey began on an earlier day of theirs.
    """
    person_today = person_today or today
    if held_on > person_today:
        raise ValidationError(
            {"held_on": _("A meeting can be logged once it has happened; this date is ahead.")}
        )
    started_on = journey.started_on + min(person_today - today, datetime.timedelta(0))
    if held_on < started_on:
        raise ValidationError(
            {
                "held_on": _(
                    "The journey started on %(date)s: give the day of a meeting since then."
                )
                % {"date": date_format(started_on, "j F Y")}
            }
        )
    if error := meeting_length_error(duration_minutes):
        raise ValidationError({"duration_minutes": error})
    _check_markdown(notes, "notes")
    check_text(
        agreed_actions,
        field="agreed_actions",
        label=_("The agreed actions"),
        limit=AGREED_ACTIONS_MAX_LENGTH,
        multiline=True,
    )
    member = acting_member(journey, user)
    if step_id:
        _available_step(journey, member, milestone_id, step_id, today, kinds={"meet"})
    meeting = Meeting.objects.create(
        journey=journey,
        milestone_id=milestone_id,
        step_id=step_id,
        held_on=held_on,
        duration_minutes=duration_minutes,
        notes=notes,
        agreed_actions=agreed_actions,
        logged_by=member,
    )
    if step_id:
        _record_completion(journey, member, milestone_id, step_id, today)
    record_activity(journey, today)
    return meeting


def write_meeting_notes(meeting: Meeting, user, notes: str, agreed_actions: str, today: date):
    """Write (or rewrite) a logged meeting's notes: only the member who logged it may.

    A meeting logged from a planned one ("did you meet?" answered yes) starts
    without notes; this is where they are added.
    """
    _check_markdown(notes, "notes")
    check_text(
        agreed_actions,
        field="agreed_actions",
        label=_("The agreed actions"),
        limit=AGREED_ACTIONS_MAX_LENGTH,
        multiline=True,
    )
    with transaction.atomic():
        member = acting_member(meeting.journey, user)
        if meeting.logged_by_id != member.pk:
            raise JourneyError(_("Only the person who logged this meeting can write its notes."))
        meeting.notes = notes
        meeting.agreed_actions = agreed_actions
        meeting.save(update_fields=["notes", "agreed_actions"])
        record_activity(meeting.journey, today)
    return meeting


@transaction.atomic
def set_goal(
    journey,
    user,
    text: str,
    target_date: date | None,
    today: date,
    *,
    person_today: date | None = None,
) -> Goal:
    """Set a goal; its target date is checked against ``person_today``, the day it
    is for the person setting it (the site's ``today`` when not given)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the goal in a few words.")})
    check_text(text, field="text", label=_("The goal"), limit=GOAL_MAX_LENGTH, multiline=False)
    person_today = person_today or today
    if target_date is not None and target_date < person_today:
        raise ValidationError({"target_date": _("Choose a target date from today onwards.")})
    if target_date is not None and target_date > _years_after(person_today, GOAL_YEARS_AHEAD):
        raise ValidationError(
            {
                "target_date": _("Choose a target date within %(years)d years.")
                % {"years": GOAL_YEARS_AHEAD}
            }
        )
    member = acting_member(journey, user)
    goal = Goal.objects.create(journey=journey, owner=member, text=text, target_date=target_date)
    record_activity(journey, today)
    return goal


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def update_goal(goal: Goal, user, status: str, today: date) -> Goal:
    acting_member(goal.journey, user)
    if status not in GoalStatus.values:
        raise ValidationError({"status": _("Choose one of the goal's states.")})
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    record_activity(goal.journey, today)
    return goal


@transaction.atomic
def record_pulse(journey, user, milestone_id, step_id, score: int, today: date):
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")})
    member = acting_member(journey, user)
    _available_step(journey, member, milestone_id, step_id, today, kinds={"pulse"})
    PulseResponse.objects.update_or_create(
        journey=journey,
        step_id=step_id,
        member=member,
        defaults={"milestone_id": milestone_id, "score": score},
    )
    _record_completion(journey, member, milestone_id, step_id, today)
    record_activity(journey, today)
