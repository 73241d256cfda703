"""Everything Trellis holds about one person, as a zip they download from ``/my/data/``.

``write_export(user, file, now)`` writes the zip: one pretty-printed UTF-8 JSON
file per kind of record (dates in ISO 8601) and ``index.html``, a readable
summary of the same that needs nothing from elsewhere to open. Rules it keeps:

* The person's own records, from every site and every journey they are or
  were in: profile (and their photo, as it is stored, in a file of its own
  beside the JSON), settings, journeys, step completions, reflections,
  meetings, goals, pulse ratings, messages, the reports of messages they
  made, notifications and emails. Other apps add theirs (matching: enrolments
  and mentor requests; insights: materials opened, digests) through the
  ``personal_data`` Wagtail hook, as functions of ``user`` returning
  ``Section`` objects; journeys never imports them.
* Nobody else's words. Another member's private reflections are not
  mentioned at all. A reflection a partner shared appears only as the fact
  that it exists and is shared (journey, step, when), never its text; a
  meeting someone else logged gives its date, length and who logged it, and
  whether notes were written, never the notes or actions; goals and pulse
  ratings are the person's own only. A message someone else wrote in their
  conversation appears, like a shared reflection, only as the fact that it
  exists (journey, who, when), and only while the person is still in that
  journey. Reports others made of the person's messages are left out: they
  are the reporters', kept for safeguarding. A meeting someone else
  proposed gives its times, length and state, and whether an agenda, place
  or link was given, never them. The people in a journey with them are
  named, as on the journey page. Someone who joined a journey under way (a
  re-match) finds none of what others wrote, logged or proposed there before
  they joined.
* Nothing secret. No password hash, no calendar link (only whether one
  exists; it is a key), no email bodies or their context (only subject,
  state and dates).
* A fixed number of queries whatever the number of rows: every kind is read
  with one query (two for journeys, with their members), plus the template
  revisions not yet parsed in this process.
* ``index.html`` is rendered by Django's template engine, which escapes every
  value; no stored text is marked safe.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from content.models import LeaderProfile

from ..models import (
    EmailChoice,
    Goal,
    JourneyMember,
    Meeting,
    Message,
    MessageReport,
    Notification,
    OutboxEmail,
    ParticipantPreferences,
    PlannedMeeting,
    Profile,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from ..templatetags.journeys_tags import step_title
from .templates import snapshots_for_revision_ids

HOOK = "personal_data"
INDEX_TEMPLATE = "journeys/my_data/index.html"
PHOTO_NAME = "profile-photo"


@dataclass
class Section:
    """One kind of record: ``<name>.json`` in the zip and a section of ``index.html``.

    ``data`` is a list of records (dicts) or a single record; values are plain
    JSON values, dates, datetimes or UUIDs.
    """

    name: str
    title: str
    description: str
    data: list | dict
    notes: list[str] = field(default_factory=list)
    # Files that go into the zip beside the JSON, by name (the person's photo).
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.json"

    @property
    def records(self) -> list[dict]:
        return [self.data] if isinstance(self.data, dict) else list(self.data)


def file_name(today: date) -> str:
    return f"trellis-my-data-{today.isoformat()}.zip"


# Reading the person's records ---------------------------------------------------------


class _Journeys:
    """The person's memberships, and what names a journey, milestone or step in the others."""

    def __init__(self, user):
        others = JourneyMember.objects.select_related("user").order_by("role", "pk")
        self.memberships = list(
            JourneyMember.objects.filter(user=user)
            .select_related("journey__program", "journey__template")
            .prefetch_related(Prefetch("journey__memberships", queryset=others))
            .order_by("journey__started_on", "pk")
        )
        self.member_ids = {m.pk for m in self.memberships}
        self.by_journey = {m.journey_id: m for m in self.memberships}
        self.current_journey_ids = {m.journey_id for m in self.memberships if m.left_on is None}
        self.snapshots = snapshots_for_revision_ids(
            {m.journey.template_revision_id for m in self.memberships}
        )

    def journey(self, journey_id) -> dict:
        membership = self.by_journey.get(journey_id)
        if membership is None:
            return {"journey_id": None, "journey": ""}
        journey = membership.journey
        return {"journey_id": journey.uuid, "journey": journey.template.title}

    def saw(self, journey_id, moment) -> bool:
        """Whether the person was in the journey at ``moment``: what others wrote before
        they joined was written to someone else."""
        membership = self.by_journey.get(journey_id)
        return membership is not None and membership.was_there(moment)

    def place(self, journey_id, milestone_id, step_id=None) -> dict:
        """The journey, and the milestone's title and step's wording in its template."""
        membership = self.by_journey.get(journey_id)
        snapshot = (
            self.snapshots.get(membership.journey.template_revision_id) if membership else None
        )
        milestone = snapshot.milestones_by_id.get(milestone_id) if snapshot else None
        place = {**self.journey(journey_id), "milestone": milestone.title if milestone else ""}
        if step_id is not None:
            step = snapshot.step(milestone_id, step_id) if snapshot else None
            place["step"] = str(step_title(step)) if step else ""
        return place


def _person(user) -> str:
    return str(user)


def _profile(user) -> Section:
    from wagtail.users.models import UserProfile

    profile = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "account_created": user.date_joined,
        "last_signed_in": user.last_login,
        "active": user.is_active,
        "admin_access": user.is_staff,
        "groups": list(user.groups.order_by("name").values_list("name", flat=True)),
    }
    admin_profile = UserProfile.objects.filter(user=user).first()
    if admin_profile is not None:
        profile["admin_language"] = admin_profile.preferred_language
        profile["admin_time_zone"] = admin_profile.current_time_zone
        profile["admin_profile_picture"] = bool(admin_profile.avatar)
    leader = LeaderProfile.objects.filter(user=user).values("name", "title", "bio").first()
    if leader is not None:
        profile["leader_profile"] = leader
    own = (
        Profile.objects.filter(user=user)
        .select_related("photo")
        .prefetch_related("offers", "seeks")
        .first()
    )
    files = {}
    if own is not None:
        photo_name, photo = _photo(own)
        if photo is not None:
            files[photo_name] = photo
        profile["participant_profile"] = {
            "photo": photo_name if photo is not None else "",
            "job_title": own.job_title,
            "department": own.department,
            "location": own.location,
            "time_zone": own.time_zone,
            "languages": list(own.languages or []),
            "about": own.about,
            "offers": sorted(topic.name for topic in own.offers.all()),
            "seeks": sorted(topic.name for topic in own.seeks.all()),
            "how_to_meet": own.how_to_meet,
            "changed_by_you": list(own.edited or []),
            "updated_at": own.updated_at,
        }
    return Section(
        "profile",
        _("Your profile"),
        _(
            "Your account: name, email address, when it was made and last used, and its "
            "groups; and the profile the people in your journeys see."
        ),
        profile,
        notes=[_("Your password is stored only as a one-way hash, and is not included.")],
        files=files,
    )


def _photo(profile) -> tuple[str, bytes | None]:
    """The person's photo as stored, and its name in the zip; no bytes without one, or
    when its file is gone."""
    if profile.photo is None:
        return "", None
    extension = os.path.splitext(profile.photo.file.name)[1].lower() or ".jpg"
    try:
        with profile.photo.file.open("rb") as stored:
            return f"{PHOTO_NAME}{extension}", stored.read()
    except OSError:
        return "", None


def _settings(user) -> Section:
    preferences = ParticipantPreferences.objects.filter(user=user).first()
    data = {
        "emails": str(
            preferences.get_emails_display() if preferences else EmailChoice.IMMEDIATE.label
        ),
        "last_weekly_digest": preferences.digest_sent_on if preferences else None,
        "calendar_link_exists": preferences is not None,
    }
    return Section(
        "settings",
        _("Your settings"),
        _("How often you want emails, and whether you have a private calendar link."),
        data,
        notes=[
            _(
                "The calendar link itself is not included: anyone who has it can read your "
                "dates. See it, or make a new one, under “Add the dates to your calendar”."
            )
        ],
    )


def _journeys(journeys: _Journeys) -> Section:
    rows = []
    for membership in journeys.memberships:
        journey = membership.journey
        rows.append(
            {
                "journey_id": journey.uuid,
                "program": journey.program.title,
                "journey": journey.template.title,
                "your_role": membership.get_role_display(),
                "you_joined_on": membership.joined_on,
                "you_left_on": membership.left_on,
                "started_on": journey.started_on,
                "status": journey.get_status_display(),
                "with": [
                    {"name": _person(other.user), "role": other.get_role_display()}
                    for other in journey.memberships.all()
                    if other.pk != membership.pk and other.left_on is None
                ],
            }
        )
    return Section(
        "journeys",
        _("Your journeys"),
        _("Every journey you are or were in: its program, your role, its dates and state."),
        rows,
    )


def _completions(journeys: _Journeys) -> Section:
    rows = [
        {**journeys.place(journey_id, milestone_id, step_id), "completed_at": completed_at}
        for journey_id, milestone_id, step_id, completed_at in StepCompletion.objects.filter(
            member_id__in=journeys.member_ids
        )
        .order_by("completed_at", "pk")
        .values_list("journey_id", "milestone_id", "step_id", "completed_at")
    ]
    return Section(
        "step_completions",
        _("Steps you marked as done"),
        _("Each step you completed, and when."),
        rows,
    )


def _reflections(journeys: _Journeys) -> list[Section]:
    own = []
    shared_with_you = []
    # Others' private reflections are never even read.
    for reflection in (
        Reflection.objects.filter(
            Q(author_id__in=journeys.member_ids)
            | Q(shared=True, journey_id__in=journeys.current_journey_ids)
        )
        .select_related("author__user")
        .order_by("created_at", "pk")
    ):
        place = journeys.place(reflection.journey_id, reflection.milestone_id, reflection.step_id)
        if reflection.author_id in journeys.member_ids:
            own.append(
                {
                    **place,
                    "text": reflection.text,
                    "shared_with_your_partners": reflection.shared,
                    "written_at": reflection.created_at,
                    "last_changed_at": reflection.updated_at,
                }
            )
        elif reflection.shared and journeys.saw(reflection.journey_id, reflection.updated_at):
            shared_with_you.append(
                {
                    **place,
                    "shared_by": _person(reflection.author.user),
                    "last_changed_at": reflection.updated_at,
                }
            )
    return [
        Section(
            "reflections",
            _("Your reflections"),
            _("What you wrote on reflection steps, as you typed it, private or shared."),
            own,
        ),
        Section(
            "reflections_shared_with_you",
            _("Reflections shared with you"),
            _("Reflections other members of your journeys shared with you: that they exist."),
            shared_with_you,
            notes=[
                _(
                    "Their words belong to the people who wrote them, so they are not "
                    "included; read them on the journey's pages. Reflections others kept "
                    "private are not mentioned."
                )
            ],
        ),
    ]


def _meetings(journeys: _Journeys) -> Section:
    rows = []
    for meeting in (
        Meeting.objects.filter(journey_id__in=journeys.by_journey)
        .select_related("logged_by__user")
        .order_by("held_on", "pk")
    ):
        membership = journeys.by_journey[meeting.journey_id]
        yours = meeting.logged_by_id in journeys.member_ids
        if not yours and membership.left_on and meeting.held_on > membership.left_on:
            continue  # after they left: not theirs to know
        if not yours and not membership.was_there(meeting.created_at):
            continue  # before they joined: the others' meeting
        place = (
            journeys.place(meeting.journey_id, meeting.milestone_id)
            if meeting.milestone_id
            else journeys.journey(meeting.journey_id)
        )
        row = {
            **place,
            "held_on": meeting.held_on,
            "minutes": meeting.duration_minutes,
            "logged_by": _("you") if yours else _person(meeting.logged_by.user),
            "logged_at": meeting.created_at,
        }
        if yours:
            row["notes"] = meeting.notes
            row["agreed_actions"] = meeting.agreed_actions
        else:
            row["notes_written"] = bool(meeting.notes.strip())
            row["agreed_actions_written"] = bool(meeting.agreed_actions.strip())
        rows.append(row)
    return Section(
        "meetings",
        _("Meetings"),
        _("Meetings logged in your journeys: by you, with your notes, or by others."),
        rows,
        notes=[
            _(
                "Notes and actions of a meeting someone else logged are theirs: only whether "
                "they wrote any is included."
            )
        ],
    )


def _messages(journeys: _Journeys) -> list[Section]:
    own = []
    others = []
    # Others' messages only in the journeys the person is still in: as with shared
    # reflections, what was said after they left is not theirs to know.
    for message in (
        Message.objects.filter(
            Q(author_id__in=journeys.member_ids) | Q(journey_id__in=journeys.current_journey_ids)
        )
        .select_related("author__user")
        .order_by("created_at", "pk")
    ):
        place = journeys.journey(message.journey_id)
        if message.author_id in journeys.member_ids:
            own.append(
                {
                    **place,
                    "text": message.text,
                    "sent_at": message.created_at,
                    "edited_at": message.edited_at,
                    "deleted_at": message.deleted_at,
                }
            )
        elif journeys.saw(message.journey_id, message.created_at):
            others.append(
                {
                    **place,
                    "written_by": _person(message.author.user),
                    "sent_at": message.created_at,
                    "deleted": message.deleted_at is not None,
                }
            )
    reports = [
        {
            **journeys.journey(report.message.journey_id),
            "message_written_by": _person(report.message.author.user),
            "message_sent_at": report.message.created_at,
            "your_reason": report.reason,
            "reported_at": report.created_at,
            "reviewed_at": report.reviewed_at,
        }
        for report in MessageReport.objects.filter(reporter_id__in=journeys.member_ids)
        .select_related("message__author__user")
        .order_by("created_at", "pk")
    ]
    return [
        Section(
            "messages",
            _("Your messages"),
            _("What you wrote in your journeys' conversations, as you typed it."),
            own,
            notes=[_("A message you deleted is listed with when, and without its words.")],
        ),
        Section(
            "messages_to_you",
            _("Messages others wrote"),
            _("Messages others wrote in the conversations of your journeys: that they exist."),
            others,
            notes=[
                _(
                    "Their words belong to the people who wrote them, so they are not "
                    "included; read them in the conversation."
                )
            ],
        ),
        Section(
            "message_reports",
            _("Messages you reported"),
            _("The messages you reported to your program's admins, and what you wrote."),
            reports,
        ),
    ]


def _planned_meetings(journeys: _Journeys) -> Section:
    rows = []
    for plan in (
        PlannedMeeting.objects.filter(journey_id__in=journeys.by_journey)
        .select_related("proposer__user")
        .order_by("created_at", "pk")
    ):
        membership = journeys.by_journey[plan.journey_id]
        yours = plan.proposer_id in journeys.member_ids
        if not yours and membership.left_on and plan.created_at.date() > membership.left_on:
            continue  # after they left: not theirs to know
        if not yours and not membership.was_there(plan.created_at):
            continue  # before they joined: planned with the others
        place = (
            journeys.place(plan.journey_id, plan.milestone_id)
            if plan.milestone_id
            else journeys.journey(plan.journey_id)
        )
        row = {
            **place,
            "proposed_by": _("you") if yours else _person(plan.proposer.user),
            "proposed_at": plan.created_at,
            "state": plan.get_status_display(),
            "times_offered": plan.options,
            "starts_at": plan.starts_at,
            "minutes": plan.duration_minutes,
        }
        if yours:
            row.update(place=plan.place, video_link=plan.video_link, agenda=plan.agenda)
        else:
            row.update(
                place_given=bool(plan.place),
                video_link_given=bool(plan.video_link),
                agenda_written=bool(plan.agenda.strip()),
            )
        rows.append(row)
    return Section(
        "planned_meetings",
        _("Planned meetings"),
        _("Meetings planned in your journeys: the times offered and agreed, and their state."),
        rows,
        notes=[
            _(
                "The agenda, place and link of a meeting someone else proposed are theirs: "
                "only whether they gave any is included."
            )
        ],
    )


def _goals(journeys: _Journeys) -> Section:
    rows = [
        {
            **journeys.journey(goal.journey_id),
            "goal": goal.text,
            "target_date": goal.target_date,
            "status": goal.get_status_display(),
            "set_at": goal.created_at,
            "last_changed_at": goal.updated_at,
        }
        for goal in Goal.objects.filter(owner_id__in=journeys.member_ids).order_by(
            "created_at", "pk"
        )
    ]
    return Section("goals", _("Your goals"), _("The goals you set, and how they stand."), rows)


def _pulses(journeys: _Journeys) -> Section:
    rows = [
        {**journeys.place(journey_id, milestone_id, step_id), "rating": score, "rated_at": at}
        for journey_id, milestone_id, step_id, score, at in PulseResponse.objects.filter(
            member_id__in=journeys.member_ids
        )
        .order_by("created_at", "pk")
        .values_list("journey_id", "milestone_id", "step_id", "score", "created_at")
    ]
    return Section(
        "pulse_ratings",
        _("Your ratings"),
        _("The ratings from 1 to 5 you gave on pulse steps."),
        rows,
    )


def _notifications(journeys: _Journeys) -> Section:
    rows = [
        {
            **journeys.place(n.journey_id, n.milestone_id),
            "about": n.get_kind_display(),
            "at": n.created_at,
            "delivery": n.get_delivery_display(),
        }
        for n in Notification.objects.filter(member_id__in=journeys.member_ids).order_by(
            "created_at", "pk"
        )
    ]
    return Section(
        "notifications",
        _("Notifications"),
        _("What Trellis told you about your journeys, and how: an email, a digest, or not."),
        rows,
    )


def _emails(user) -> list[Section]:
    emails = [
        {
            "subject": email.subject,
            "status": email.get_status_display(),
            "written_at": email.created_at,
            "sent_at": email.sent_at,
        }
        for email in OutboxEmail.objects.filter(recipient=user)
        .only("subject", "status", "created_at", "sent_at")
        .order_by("created_at", "pk")
    ]
    return [
        Section(
            "emails",
            _("Emails to you"),
            _("Every email Trellis wrote to you: its subject, whether it was sent, and when."),
            emails,
            notes=[
                _(
                    "Their bodies are not kept: each is written from its template when it "
                    "is sent. Sent emails are deleted after a while."
                )
            ],
        )
    ]


def collect(user) -> list[Section]:
    """Every section of the person's export: journeys' own, then the other apps'."""
    journeys = _Journeys(user)
    sections = [
        _profile(user),
        _settings(user),
        _journeys(journeys),
        _completions(journeys),
        *_reflections(journeys),
        _meetings(journeys),
        *_messages(journeys),
        _planned_meetings(journeys),
        _goals(journeys),
        _pulses(journeys),
        _notifications(journeys),
        *_emails(user),
    ]
    for provide in hooks.get_hooks(HOOK):
        sections.extend(provide(user))
    return sections


# Writing the zip ------------------------------------------------------------------------


def to_json(section: Section) -> bytes:
    return json.dumps(
        section.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=False
    ).encode("utf-8")


def _shown(value) -> str:
    """A value as the summary shows it; escaping is the template's."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_shown(item) for item in value)
    return str(value)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _summary(section: Section) -> dict:
    return {
        "name": section.name,
        "title": section.title,
        "description": section.description,
        "file_name": section.file_name,
        "notes": section.notes,
        "records": [
            [(_label(key), _shown(value)) for key, value in record.items()]
            for record in section.records
        ],
    }


def write_export(user, file, now: datetime) -> None:
    """Write the person's zip into ``file`` (a writable binary file object)."""
    sections = collect(user)
    index = render_to_string(
        INDEX_TEMPLATE,
        {
            "person": _person(user),
            "generated_at": now,
            "sections": [_summary(section) for section in sections],
        },
    )
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", index.encode("utf-8"))
        for section in sections:
            archive.writestr(section.file_name, to_json(section))
            for name, content in section.files.items():
                archive.writestr(name, content)


def export_bytes(user, now: datetime) -> bytes:
    """The person's zip, built in memory: it is one person's records, and small."""
    buffer = io.BytesIO()
    write_export(user, buffer, now)
    return buffer.getvalue()
