"""Erasing a person: their words and their name, while journeys and figures keep their counts.

Rules enforced here, all in one transaction, after the checks:

* Only a superuser, or someone with ``cms.erase_user``, may erase; nobody
  erases themselves, a superuser, or someone already erased. A refusal
  changes nothing (``ErasureRefused``).
* Erasing implies deactivating (``services.departure``): waiting enrolments
  and requests are withdrawn and each current partner is told, in the same
  transaction and *without the name* ("your mentee is no longer taking
  part"), because the email outlives the erasure.
* Their private reflections are deleted. What they shared follows each
  program's ``erased_shared_text``: shared reflections are deleted, or
  their text replaced by "Removed at the request of its author."; the notes
  of meetings they logged are emptied, or replaced likewise (the meeting, a
  date and a length, stays: insights count it). Goals they own keep their
  status for the same reason, their text always replaced. Their messages in
  conversations are shared words too: deleted outright (with any report of
  them), or their text replaced, and the words a report kept of them
  replaced likewise. What they wrote when reporting a message is emptied;
  the report stays for the program's admins. Meetings they
  proposed are treated like meetings they logged: the agenda is emptied or
  replaced, and the place and video link emptied, in the emails written
  about them too (the proposals, invitations and reminders in the outbox,
  sent or waiting, and the invitations' calendar locations); those still to
  come were cancelled by ``end_participation`` (the others get a CANCEL).
* Their enrolments keep role and status (counts) but lose their answers,
  goals, opt-in attributes, department, location and avoid list; messages
  they wrote with mentor requests are emptied, and so is the copy in the
  email that asked the mentor. Their profile is deleted, with
  its photo, and the note and shared answers the introductions to their
  partners (a pair's partner, or everyone in their circle) carried are emptied.
* Their account row stays, so journeys, matches and insights keep their
  counts: the name becomes "Former participant", the address a unique one
  that cannot receive mail (``erased-<id>@erased.invalid``), the password
  unusable, the account inactive and without groups, permissions or picture.
  Its links to single sign-on accounts (which hold the provider's copy of
  the name and address) and allauth's records of its addresses are deleted.
  Their calendar feed's address changes, so the old one stops answering.
* No email goes to them again: their pending outbox rows are cancelled (and
  the outbox refuses inactive accounts besides). Their old name and address
  are replaced by the placeholder in every outbox row and audit-log label
  that held them, so no listing shows them again, and in the calendar
  invitations written for their journeys' meetings (the name by the
  placeholder, the address by the erased one).
* Nothing keeps the old name past the commit: insights keep user ids, never
  names, and the programs' figures are marked changed (worked out again within
  a minute); the rendered markdown of removed words is dropped from the cache
  once the transaction commits.
* Wagtail's audit log records who erased whom (the account's id) and when,
  as ``trellis.erase_person``; never a name, an address or what was erased.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry
from wagtail.search import index
from wagtail.users.models import UserProfile

from content.markdown import cache_key
from insights import snapshots
from journeys.models import (
    ERASED_TEXT,
    EmailStatus,
    ErasedSharedText,
    Goal,
    JourneyMember,
    Meeting,
    Message,
    MessageReport,
    OutboxEmail,
    ParticipantPreferences,
    PlannedMeeting,
    ProgramLogEntry,
    Reflection,
)
from journeys.models.notifications import EmailChoice, new_token
from journeys.services import outbox
from journeys.services.calendar import replace_in_calendar, without_location
from journeys.services.profiles import erase_profile
from matching.models import Enrollment, MentorRequest
from matching.services.approval import CIRCLE_INTRODUCTION, INTRODUCTION
from matching.services.selfmatch import MENTOR_REQUEST

from ..exceptions import ErasureRefused
from ..models import ERASED_EMAIL_DOMAIN
from .departure import end_participation

ACTION = "trellis.erase_person"
# What emails about a planned meeting carry of its proposer's words.
PLAN_WORDS = ("agenda", "place", "video_link")
PERMISSION = "cms.erase_user"


def placeholder_name() -> str:
    """The name an erased person is shown by, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Former participant")


def erased_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED_TEXT)


def can_erase(user) -> bool:
    """Whether ``user`` may erase people: superusers and holders of ``cms.erase_user``."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(PERMISSION))
    )


def check_erasable(person, by=None) -> None:
    """Raise ``ErasureRefused`` unless ``by`` (None: the command line) may erase ``person``."""
    if by is not None and not can_erase(by):
        raise ErasureRefused(_("Only superusers and people allowed to erase data may erase."))
    if by is not None and by.pk == person.pk:
        raise ErasureRefused(_("Nobody can erase themselves; ask another administrator."))
    if person.is_erased:
        raise ErasureRefused(_("This person's data has already been erased."))
    if person.is_superuser:
        raise ErasureRefused(
            _("This person is a superuser. Take away their superuser status first.")
        )


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure will touch, in counts: what the confirmation page says."""

    private_reflections: int
    shared_reflections: int
    meetings: int
    messages: int
    planned_meetings: int
    goals: int
    enrolments: int
    journeys: int
    pending_emails: int


def erasure_summary(person) -> ErasureSummary:
    own = Reflection.objects.filter(author__user=person)
    return ErasureSummary(
        private_reflections=own.filter(shared=False).count(),
        shared_reflections=own.filter(shared=True).count(),
        meetings=Meeting.objects.filter(logged_by__user=person).count(),
        messages=Message.objects.filter(author__user=person, deleted_at__isnull=True).count(),
        planned_meetings=PlannedMeeting.objects.filter(proposer__user=person).count(),
        goals=Goal.objects.filter(owner__user=person).count(),
        enrolments=Enrollment.objects.filter(user=person).count(),
        journeys=JourneyMember.objects.filter(user=person).values("journey").distinct().count(),
        pending_emails=OutboxEmail.objects.filter(
            recipient=person, status=EmailStatus.PENDING
        ).count(),
    )


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    partners_told: int
    emails_cancelled: int


def erase_person(person, *, by=None) -> ErasureResult:
    """Erase ``person``'s words and name (see the module docstring); ``by`` is who asked."""
    User = get_user_model()
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        check_erasable(person, by)
        old_name, old_email = person.get_full_name().strip(), person.email
        old = [w for w in (old_name, old_email) if len(w) >= 3]
        journey_ids = set(
            JourneyMember.objects.filter(user=person).values_list("journey_id", flat=True)
        )
        program_ids = set(
            JourneyMember.objects.filter(user=person).values_list("journey__program_id", flat=True)
        ) | set(Enrollment.objects.filter(user=person).values_list("program_id", flat=True))
        told = end_participation(person, named=False)
        removed_texts = _erase_words(person)
        _erase_enrolments(person)
        erase_profile(person)
        _erase_introduction_notes(person, program_ids)
        _anonymise(person)
        cancelled = outbox.cancel_pending(recipient=person)
        _scrub_records(old, placeholder_name())
        _scrub_calendars(
            journey_ids,
            person,
            {
                w: r
                for w, r in ((old_name, placeholder_name()), (old_email, person.email))
                if len(w) >= 3
            },
        )
        log(
            instance=person,
            action=ACTION,
            user=by,
            title=_("User %(id)s") % {"id": person.pk},
            data={"user_id": person.pk},
        )
        transaction.on_commit(lambda: _forget(program_ids, removed_texts))
    return ErasureResult(user_id=person.pk, partners_told=told, emails_cancelled=cancelled)


def _erase_words(person) -> list[str]:
    """Delete or replace what the person wrote in journeys; return the texts removed."""
    replacement = erased_text()
    removed = []
    reflections = Reflection.objects.filter(author__user=person).select_related("journey__program")
    for reflection in reflections:
        removed.append(reflection.text)
        mode = reflection.journey.program.erased_shared_text
        if not reflection.shared or mode == ErasedSharedText.DELETE:
            reflection.delete()
        else:
            reflection.text = replacement
            reflection.version += 1
            reflection.save(update_fields=["text", "version", "updated_at"])
    meetings = Meeting.objects.filter(logged_by__user=person).select_related("journey__program")
    for meeting in meetings:
        removed.append(meeting.notes)
        replace = meeting.journey.program.erased_shared_text == ErasedSharedText.REPLACE
        meeting.notes = replacement if replace and meeting.notes else ""
        meeting.agreed_actions = ""
        meeting.save(update_fields=["notes", "agreed_actions"])
    plans = list(
        PlannedMeeting.objects.filter(proposer__user=person).select_related("journey__program")
    )
    for plan in plans:
        removed.append(plan.agenda)
        replace = plan.journey.program.erased_shared_text == ErasedSharedText.REPLACE
        plan.agenda = replacement if replace and plan.agenda else ""
        plan.place = ""
        plan.video_link = ""
        plan.save(update_fields=["agenda", "place", "video_link", "updated_at"])
    _erase_meeting_emails(plans)
    Goal.objects.filter(owner__user=person).update(text=replacement)
    removed.extend(_erase_messages(person, replacement))
    return [text for text in removed if text]


def _erase_meeting_emails(plans) -> None:
    """Give the emails written about ``plans`` the agenda, place and link the plans now have.

    Proposals, invitations and reminders carry them in their context (to be
    rendered when sent) and invitations in their calendar's LOCATION, whether
    sent already or still waiting to go to a partner.
    """
    erased = {str(plan.uuid): plan for plan in plans}
    if not erased:
        return
    for email in OutboxEmail.objects.filter(context__plan_uuid__in=list(erased)).only(
        "pk", "context", "calendar"
    ):
        plan = erased[email.context["plan_uuid"]]
        email.context = {
            **email.context,
            **{key: getattr(plan, key) for key in PLAN_WORDS if key in email.context},
        }
        email.calendar = without_location(email.calendar)
        email.save(update_fields=["context", "calendar"])


def _erase_messages(person, replacement) -> list[str]:
    """Delete or replace the person's messages (and a report's copy of them); empty
    what they wrote when reporting. Returns the texts removed."""
    removed = []
    messages = Message.objects.filter(author__user=person).select_related("journey__program")
    for message in messages:
        removed.append(message.text)
        reports = MessageReport.objects.filter(message=message)
        removed.extend(reports.values_list("text", flat=True))
        if message.journey.program.erased_shared_text == ErasedSharedText.DELETE:
            message.delete()  # its reports go with it
            continue
        if not message.is_deleted:
            message.text = replacement
            message.save(update_fields=["text"])
        reports.update(text=replacement)
    MessageReport.objects.filter(reporter__user=person).update(reason="")
    return removed


def _erase_enrolments(person) -> None:
    enrolments = list(Enrollment.objects.filter(user=person))
    for enrolment in enrolments:
        enrolment.answers = {}
        enrolment.goals = ""
        enrolment.attributes = []
        enrolment.department = ""
        enrolment.location = ""
        enrolment.save(
            update_fields=[
                "answers",
                "goals",
                "attributes",
                "department",
                "location",
                "updated_at",
            ]
        )
        enrolment.avoid.clear()
    requests = MentorRequest.objects.filter(mentee__user=person)
    requests.update(message="")
    # The email asking the mentor carried the note too.
    for email in OutboxEmail.objects.filter(
        template=MENTOR_REQUEST,
        context__request_id__in=list(requests.values_list("pk", flat=True)),
    ).only("pk", "context"):
        email.context = {**email.context, "message": ""}
        email.save(update_fields=["context"])


def _erase_introduction_notes(person, program_ids) -> None:
    """Empty the person's note and shared answers in the introductions sent to partners.

    A pair's introduction names one partner (``partner_user_id``); a circle's names
    several (``people``), and is looked for among the person's programs' circle
    introductions.
    """
    for email in OutboxEmail.objects.filter(
        template=INTRODUCTION, context__partner_user_id=person.pk
    ).only("pk", "context"):
        email.context = {**email.context, "partner_note": "", "partner_answers": []}
        email.save(update_fields=["context"])
    for email in OutboxEmail.objects.filter(
        template=CIRCLE_INTRODUCTION, program_id__in=program_ids
    ).only("pk", "context"):
        people = email.context.get("people") or []
        if not any(entry.get("user_id") == person.pk for entry in people):
            continue
        email.context = {
            **email.context,
            "people": [
                {**entry, "note": "", "answers": []}
                if entry.get("user_id") == person.pk
                else entry
                for entry in people
            ],
        }
        email.save(update_fields=["context"])


def _anonymise(person) -> None:
    person.first_name = placeholder_name()
    person.last_name = ""
    person.email = f"erased-{person.pk}{ERASED_EMAIL_DOMAIN}"
    person.set_unusable_password()
    person.is_active = False
    person.is_staff = False
    person._erasing = True  # partners were told without the name: see receivers
    person.save()
    person.groups.clear()
    person.user_permissions.clear()
    SocialAccount.objects.filter(user=person).delete()
    EmailAddress.objects.filter(user=person).delete()
    for profile in UserProfile.objects.filter(user=person).exclude(avatar=""):
        profile.avatar.delete(save=False)
        profile.avatar = ""
        profile.save(update_fields=["avatar"])
    ParticipantPreferences.objects.filter(user=person).update(
        calendar_token=new_token(), emails=EmailChoice.NONE
    )
    # The search index holds enrolments with their person's name.
    for enrolment in Enrollment.objects.filter(user=person).select_related("user"):
        index.insert_or_update_object(enrolment)


def _patterns(words) -> list[str]:
    """Each word as stored, and as JSON escapes it (SQLite keeps JSON in ASCII)."""
    forms = set()
    for word in words:
        forms.add(word)
        forms.add(json.dumps(word)[1:-1])
    return sorted(forms)


def _replace(value, pattern, placeholder):
    if isinstance(value, str):
        return pattern.sub(placeholder, value)
    if isinstance(value, list):
        return [_replace(item, pattern, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, pattern, placeholder) for key, item in value.items()}
    return value


def _scrub_records(words, placeholder) -> None:
    """Put ``placeholder`` for ``words`` in outbox rows and audit-log entries that hold them."""
    if not words:
        return
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    forms = _patterns(words)
    emails = Q()
    entries = Q()
    for form in forms:
        emails |= Q(subject__icontains=form) | Q(context__icontains=form)
        entries |= Q(label__icontains=form) | Q(data__icontains=form)
    for email in OutboxEmail.objects.filter(emails).only("pk", "subject", "context"):
        email.subject = _replace(email.subject, pattern, placeholder)
        email.context = _replace(email.context, pattern, placeholder)
        email.save(update_fields=["subject", "context"])
    for log_model in (ModelLogEntry, ProgramLogEntry):
        for entry in log_model.objects.filter(entries).only("pk", "label", "data"):
            entry.label = _replace(entry.label, pattern, placeholder)
            entry.data = _replace(entry.data, pattern, placeholder)
            entry.save(update_fields=["label", "data"])


def _scrub_calendars(journey_ids, person, replacements) -> None:
    """Rewrite the calendar invitations of the person's journeys without their name and address.

    The iCalendar text is folded at 75 octets, so a name may be split across
    lines: each invitation is parsed and written again (``replace_in_calendar``)
    rather than searched as stored.
    """
    if not replacements:
        return
    rows = (
        OutboxEmail.objects.exclude(calendar="")
        .filter(Q(journey_id__in=journey_ids) | Q(recipient=person))
        .only("pk", "calendar")
    )
    for email in rows:
        rewritten = replace_in_calendar(email.calendar, replacements)
        if rewritten != email.calendar:
            email.calendar = rewritten
            email.save(update_fields=["calendar"])


def _forget(program_ids, texts) -> None:
    snapshots.mark_changed(program_ids)
    # An unavailable cache holds nothing to forget.
    with contextlib.suppress(Exception):
        cache.delete_many([cache_key(text) for text in texts])
