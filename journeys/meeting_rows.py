"""Planned meetings as the participant pages show them: one presenter per meeting.

Everything a row prints (the times in the viewer's zone, who is waiting for
whom, which actions apply, the forms' addresses) is worked out here, once per
row, from the planned meetings read in one query and the journey's members
the page already loaded: a page costs no query per planned meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .forms import MoveMeetingForm, ProposeMeetingForm, SuggestTimesForm
from .models import AGENDA_MAX_LENGTH, PlannedMeeting, PlannedMeetingStatus
from .services.meetings import minutes_text, when_text

Status = PlannedMeetingStatus
# Stands in for a planned meeting's id in URLs reversed once for a whole list.
PLAN_ID = "00000000-0000-0000-0000-000000000000"
# How long a meeting that did not take place stays on the journey page, to be moved.
NOT_HELD_SHOWN_FOR = timedelta(days=30)
ACTIONS = ("accept_meeting", "suggest_times", "move_meeting", "cancel_meeting")
# The planned meeting's own page, where its "suggest" and "move" forms are.
PAGE = "planned_meeting"
ANSWERS = ("meeting_held", "meeting_not_held")
# What the pages read of a planned meeting.
PLAN_FIELDS = (
    "uuid",
    "journey_id",
    "proposer_id",
    "options_by_id",
    "milestone_id",
    "step_id",
    "option_1",
    "option_2",
    "option_3",
    "duration_minutes",
    "place",
    "video_link",
    "agenda",
    "status",
    "starts_at",
    "ends_at",
)


def open_plans(journey, member, now: datetime, **filters):
    """The journey's planned meetings ``member`` can still act on, in one query.

    A meeting proposed before they joined is not theirs: it was planned, and its
    agenda written, with the people there then.
    """
    return (
        PlannedMeeting.objects.filter(member.may_read(author="proposer"), journey=journey)
        .filter(**filters)
        .filter(
            Q(status__in=(Status.PROPOSED, Status.ACCEPTED))
            | Q(status=Status.NOT_HELD, starts_at__gte=now - NOT_HELD_SHOWN_FOR)
        )
        .only(*PLAN_FIELDS)
        .order_by("starts_at", "option_1", "pk")
    )


@dataclass
class PlanRow:
    """One planned meeting as one member sees it, with the actions open to them."""

    plan: PlannedMeeting
    anchor: str
    label: str
    summary: str
    when: str = ""
    minutes: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    can_accept: bool = False
    can_suggest: bool = False
    can_move: bool = False
    can_cancel: bool = False
    can_answer_held: bool = False
    can_answer_not_held: bool = False
    urls: dict[str, str] = field(default_factory=dict)
    suggest_form: object = None
    move_form: object = None
    accept_errors: list[str] = field(default_factory=list)

    @property
    def uuid(self):
        return self.plan.uuid


def _name(members, member_id) -> str:
    member = members.get(member_id)
    return str(member.user) if member is not None else _("a former member")


def plan_rows(
    plans, member, members, zone, now: datetime, journey, overrides=None, *, forms=False
):
    """Presenters for ``plans``, as ``member`` sees them; ``members`` by id, ``zone`` theirs.

    ``overrides`` holds forms sent back with errors, keyed by (kind, plan uuid).
    ``forms`` builds the "suggest" and "move" forms, which only the planned
    meeting's own page shows: the lists link there instead.
    """
    overrides = overrides or {}
    by_id = {m.pk: m for m in members}
    urls = {
        name: reverse(f"journeys:{name}", args=[journey.uuid, PLAN_ID])
        for name in (PAGE, *ACTIONS, *ANSWERS)
    }
    rows = []
    for plan in plans:
        uuid = str(plan.uuid)
        started = plan.starts_at is not None and plan.starts_at <= now
        row = PlanRow(
            plan=plan,
            anchor=f"plan-{uuid}",
            label="",
            summary="",
            minutes=minutes_text(plan.duration_minutes),
            urls={name: url.replace(PLAN_ID, uuid) for name, url in urls.items()},
        )
        if plan.starts_at is not None:
            row.when = when_text(plan.starts_at, zone)
        if plan.status == Status.PROPOSED:
            mine = plan.options_by_id == member.pk
            offered_by = _name(by_id, plan.options_by_id)
            row.label = _("Waiting for the others to choose") if mine else _("Choose a time")
            row.summary = (
                _("You offered these times.")
                if mine
                else _("%(who)s offered these times.") % {"who": offered_by}
            )
            row.options = [
                (moment.isoformat(), when_text(moment, zone))
                for moment in plan.options
                if moment > now
            ]
            if not row.options:
                row.summary += " " + _("They have all passed: suggest other times.")
            row.can_accept = not mine and bool(row.options)
            row.can_suggest = row.can_cancel = True
        elif plan.status == Status.ACCEPTED:
            row.label = _("Did you meet?") if started else _("Agreed")
            row.summary = _("Proposed by %(who)s.") % {"who": _name(by_id, plan.proposer_id)}
            row.can_move = True
            row.can_cancel = not started
            row.can_answer_held = row.can_answer_not_held = started
        else:  # not held
            row.label = _("Did not take place")
            row.summary = _("Move it to a new time, or say you met after all.")
            row.can_move = row.can_answer_held = True
        if journey.has_ended:  # read as it was left: nothing planned changes now
            row.can_accept = row.can_suggest = row.can_move = row.can_cancel = False
            row.can_answer_held = row.can_answer_not_held = False
        if row.can_suggest and forms:
            row.suggest_form = overrides.get(("suggest", plan.uuid)) or SuggestTimesForm(
                auto_id=f"plan-{uuid}-suggest-%s", zone=zone
            )
        if row.can_move and forms:
            row.move_form = overrides.get(("move", plan.uuid)) or MoveMeetingForm(
                initial={
                    "starts_at": plan.starts_at if not started else None,
                    "duration_minutes": plan.duration_minutes,
                    "place": plan.place,
                    "video_link": plan.video_link,
                },
                auto_id=f"plan-{uuid}-move-%s",
                zone=zone,
            )
        accepted = overrides.get(("accept", plan.uuid))
        if accepted is not None:
            row.accept_errors = [e for errors in accepted.errors.values() for e in errors]
        rows.append(row)
    return rows


def proposal_form(zone, overrides=None, key="plan", initial=None, auto_id="plan-%s"):
    """The form proposing a meeting: as sent back with errors, or fresh."""
    sent = (overrides or {}).get(key)
    if sent is not None:
        return sent
    return ProposeMeetingForm(initial=initial or {}, auto_id=auto_id, zone=zone)


def agenda_from_step(step_value, guide) -> str:
    """A meet step's agenda to start from: its purpose, then its discussion guide.

    The guide (a live page, or None) gives its title, its summary and the
    questions in its reflection prompts, as a markdown list.
    """
    lines = []
    purpose = (step_value.get("purpose") or "").strip()
    if purpose:
        lines.append(purpose)
    if guide is not None:
        if lines:
            lines.append("")
        lines.append(_("From the guide “%(title)s”:") % {"title": guide.title})
        summary = (getattr(guide, "summary", "") or "").strip()
        if summary:
            lines += ["", summary]
        prompts = [
            (block.value.get("prompt") or "").strip()
            for block in getattr(guide, "body", None) or []
            if block.block_type == "reflection_prompt"
        ]
        if any(prompts):
            lines.append("")
            lines += [f"- {prompt}" for prompt in prompts if prompt]
    agenda = ""
    for line in lines:  # whole lines only, within the limit
        longer = f"{agenda}\n{line}" if agenda else line
        if len(longer) > AGENDA_MAX_LENGTH:
            break
        agenda = longer
    return agenda
