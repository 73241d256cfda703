"""Ending a match, and re-matching one person so that the journey carries on.

The rules it enforces:

* Only an approved match still running can be ended or re-matched, and re-matching
  needs the journey the match started.
* Ending a match on its own ends the journey for that pair: a pair's journey is
  closed; in a circle only the mentee leaves and the circle carries on.
* Re-matching ends the old match and puts the new partner in the leaving person's
  place in the same journey, with the same role, from ``today``: the leaving person's
  membership gets ``left_on``, and everything recorded on the journey (completions,
  reflections, meetings, goals) stays where it is. When a circle's mentor leaves,
  every member of the circle moves to the new mentor. The new partner's
  ``joined_at`` is the moment they joined: the others' words written before it
  (messages, shared reflections, meeting notes, planned meetings) were written to
  someone else, and the new partner does not read them; progress is shared.
* A new mentor must be able to mentor and have a place left (capacity less approved
  matches still running and pending self-match requests): the journey they take
  over takes one place, a pair's or a whole circle's; a new mentee must be
  waiting to be matched with no request pending. Nobody can join a journey they are
  already in, and the new pair must be allowed by the policy's hard constraints.
* Meetings still to come are settled as the person leaves
  (``journeys.services.meetings.cancel_for_leaving``): in a pair, or when the
  pair's journey closes, they are cancelled for everyone, each attendee sent the
  calendar cancellation; in a circle, those the leaver proposed are cancelled so,
  and the rest stay for the others, the leaver alone sent their cancellation.
* Enrolment statuses follow the matches: the new partner is matched; whoever has no
  match left is waiting again (unless they withdrew).
* The journey's ``changed_at`` moves, so the hourly tick looks at it again; the
  notifications waiting for the digest of the person who left are dropped.
* Everything is checked first and written in one transaction, the new pair's
  introductions to the outbox with it. A typed reason longer than the
  proposal keeps (``REASON_LENGTH``), or holding a control character, is refused
  with a ``ValidationError`` on ``reason``; the reason written when none is typed
  is cut to fit.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content.text import check_text
from journeys.models import (
    Delivery,
    Journey,
    JourneyMember,
    JourneyStatus,
    Notification,
)
from journeys.services import meetings

from ..exceptions import MatchingError
from ..models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    MentorRequest,
    ProposalStatus,
    RequestStatus,
    RoleWanted,
)
from .approval import queue_introductions
from .candidates import score_candidates
from .selfmatch import MENTOR_ROLES, places_left, snapshot_for

MENTOR = "mentor"
MENTEE = "mentee"
REASON_LENGTH = MatchProposal._meta.get_field("ended_reason").max_length


def running(queryset=None):
    """Approved matches that have not ended."""
    queryset = queryset if queryset is not None else MatchProposal.objects.all()
    return queryset.filter(status=ProposalStatus.APPROVED, ended_on__isnull=True)


def _lock(proposal: MatchProposal) -> MatchProposal:
    # ``of`` keeps the nullable joins (run, journey) out of the lock: PostgreSQL
    # cannot lock the nullable side of an outer join.
    return (
        MatchProposal.objects.select_for_update(of=("self",))
        .select_related("program", "run", "journey", "mentee__user", "mentor__user")
        .get(pk=proposal.pk)
    )


def _check_running(proposal: MatchProposal) -> None:
    if proposal.status != ProposalStatus.APPROVED or proposal.ended_on is not None:
        raise MatchingError(
            _("%(pair)s is not a running match (it is %(status)s), so it cannot be changed.")
            % {"pair": proposal, "status": proposal.get_status_display().lower()}
        )


def _end(proposal: MatchProposal, reason: str, today: date) -> None:
    proposal.status = ProposalStatus.ENDED
    proposal.ended_on = today
    proposal.ended_reason = reason[:REASON_LENGTH]
    proposal.save(update_fields=["status", "ended_on", "ended_reason"])


def _touch(journey: Journey, **changes) -> None:
    """Record that the journey changed (``changed_at``), so the hourly tick looks again."""
    for name, value in changes.items():
        setattr(journey, name, value)
    journey.changed_at = timezone.now()
    journey.save(update_fields=[*changes, "changed_at", "updated_at"])


def _leave(journey: Journey, user, today: date) -> JourneyMember | None:
    member = JourneyMember.objects.filter(journey=journey, user=user, left_on__isnull=True).first()
    if member is None:
        return None
    # While they are still a member: their meetings to come are called off or, in a
    # circle, kept for the rest and taken out of their calendar.
    meetings.cancel_for_leaving(journey, timezone.now(), leaver=member)
    member.left_on = today
    member.save(update_fields=["left_on"])
    # What waited for their weekly digest is no longer theirs to hear; emails about
    # this journey still in the outbox are not sent to someone who has left it.
    Notification.objects.filter(member=member, delivery=Delivery.DIGEST).update(
        delivery=Delivery.SUPPRESSED
    )
    return member


def _settle_statuses(enrollment_ids) -> None:
    """Matched while someone has a running match; waiting again otherwise."""
    ids = set(enrollment_ids)
    still = set(
        running(MatchProposal.objects.filter(mentee_id__in=ids)).values_list(
            "mentee_id", flat=True
        )
    ) | set(
        running(MatchProposal.objects.filter(mentor_id__in=ids)).values_list(
            "mentor_id", flat=True
        )
    )
    active = Enrollment.objects.filter(pk__in=ids).exclude(status=EnrollmentStatus.WITHDRAWN)
    active.filter(pk__in=still).update(status=EnrollmentStatus.MATCHED)
    active.exclude(pk__in=still).update(status=EnrollmentStatus.ENROLLED)


def _check_reason(reason: str) -> None:
    """Refuse a typed reason that is too long to keep or holds a control character."""
    check_text(reason, field="reason", label=_("The reason"), limit=REASON_LENGTH, multiline=False)


def end_match(
    proposal: MatchProposal, reason: str, by=None, today: date | None = None
) -> MatchProposal:
    """End a running match without a replacement: the pair's journey closes."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise MatchingError(_("Say why the match ends; the reason is kept with it."))
    _check_reason(reason)
    with transaction.atomic():
        proposal = _lock(proposal)
        _check_running(proposal)
        _end(proposal, reason, today)
        journey = proposal.journey
        if journey is not None:
            others = running(MatchProposal.objects.filter(journey=journey)).exclude(pk=proposal.pk)
            if others.exists():
                _leave(journey, proposal.mentee.user, today)
                _touch(journey)
            else:
                # The pair's journey ends: nothing planned in it happens now.
                meetings.cancel_for_leaving(journey, timezone.now())
                if not journey.has_ended:
                    _touch(journey, status=JourneyStatus.CLOSED)
        _settle_statuses([proposal.mentee_id, proposal.mentor_id])
    return proposal


def rematch(
    proposal: MatchProposal,
    leaving: str,
    new_partner: Enrollment,
    by=None,
    today: date | None = None,
    reason: str = "",
) -> MatchProposal:
    """End ``proposal`` and put ``new_partner`` where the ``leaving`` side was.

    Returns the new approved match that replaces ``proposal``.
    """
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    _check_reason(reason)
    if leaving not in (MENTOR, MENTEE):
        raise MatchingError(_("Choose who leaves the match: the mentor or the mentee."))
    with transaction.atomic():
        proposal = _lock(proposal)
        _check_running(proposal)
        journey = proposal.journey
        if journey is None:
            raise MatchingError(
                _("%(pair)s has no journey to continue, so nobody can take over.")
                % {"pair": proposal}
            )
        if journey.has_ended:
            raise MatchingError(
                _("The journey of %(pair)s is %(status)s, so nobody can take over.")
                % {"pair": proposal, "status": journey.get_status_display().lower()}
            )
        # The mentor's whole circle moves with them; a mentee leaves alone.
        moving = [proposal]
        if leaving == MENTOR:
            moving += list(
                running(
                    MatchProposal.objects.select_for_update(of=("self",)).filter(
                        journey=journey, mentor_id=proposal.mentor_id
                    )
                )
                .exclude(pk=proposal.pk)
                .select_related("mentee__user", "mentor__user")
                .order_by("pk")
            )
        locked = {
            e.pk: e
            for e in Enrollment.objects.select_for_update(of=("self",))
            .filter(pk__in={new_partner.pk, proposal.mentee_id, proposal.mentor_id})
            .select_related("user")
            .order_by("pk")
        }
        new_partner = locked.get(new_partner.pk)
        if new_partner is None:
            raise MatchingError(_("That enrolment no longer exists; reload the page."))
        leaver = proposal.mentor if leaving == MENTOR else proposal.mentee
        _check_new_partner(proposal, journey, leaving, new_partner)
        pairs = [
            (
                p,
                new_partner if leaving == MENTEE else p.mentee,
                new_partner if leaving == MENTOR else p.mentor,
            )
            for p in moving
        ]
        scored = _score_pairs(proposal, pairs, today)

        reason = reason or _("%(leaver)s left; %(partner)s took their place.") % {
            "leaver": leaver.user,
            "partner": new_partner.user,
        }
        left = _leave(journey, leaver.user, today)
        if left is None:
            raise MatchingError(
                _("%(person)s is no longer a member of the journey.") % {"person": leaver.user}
            )
        now = timezone.now()
        JourneyMember.objects.create(
            journey=journey, user=new_partner.user, role=left.role, joined_on=today, joined_at=now
        )
        created = []
        for (old, mentee, mentor), candidate in zip(pairs, scored, strict=True):
            _end(old, reason, today)
            created.append(
                MatchProposal.objects.create(
                    run=None,
                    program_id=old.program_id,
                    mentee=mentee,
                    mentor=mentor,
                    score=candidate.score if candidate else 0,
                    explanation=candidate.explanation if candidate else {},
                    status=ProposalStatus.APPROVED,
                    journey=journey,
                    decided_by=by,
                    decided_at=now,
                )
            )
        _touch(journey)
        _settle_statuses([leaver.pk, new_partner.pk])
        queue_introductions(created, invited_by=by, joining=[new_partner.user_id])
    return created[0]


def _check_new_partner(proposal, journey, leaving, new_partner) -> None:
    if new_partner.program_id != proposal.program_id:
        raise MatchingError(
            _("%(person)s is not enrolled in %(program)s.")
            % {"person": new_partner.user, "program": proposal.program.title}
        )
    if new_partner.status == EnrollmentStatus.WITHDRAWN:
        raise MatchingError(
            _("%(person)s has withdrawn from the program.") % {"person": new_partner.user}
        )
    if not new_partner.user.is_active:
        raise MatchingError(
            _("%(person)s's account is deactivated.") % {"person": new_partner.user}
        )
    if (
        new_partner.pk in (proposal.mentee_id, proposal.mentor_id)
        or JourneyMember.objects.filter(
            journey=journey, user_id=new_partner.user_id, left_on__isnull=True
        ).exists()
    ):
        raise MatchingError(
            _("%(person)s is already in this journey.") % {"person": new_partner.user}
        )
    if leaving == MENTOR:
        if new_partner.role not in MENTOR_ROLES or new_partner.capacity <= 0:
            raise MatchingError(
                _("%(person)s did not offer to mentor in this program.")
                % {"person": new_partner.user}
            )
        # The journey they take over is one place, a pair's or a whole circle's.
        if places_left(new_partner) <= 0:
            raise MatchingError(_("%(person)s has no places left.") % {"person": new_partner.user})
    else:
        if new_partner.role not in (RoleWanted.MENTEE, RoleWanted.EITHER):
            raise MatchingError(
                _("%(person)s did not ask to be mentored in this program.")
                % {"person": new_partner.user}
            )
        if new_partner.status != EnrollmentStatus.ENROLLED:
            raise MatchingError(
                _("%(person)s is not waiting to be matched.") % {"person": new_partner.user}
            )
        if MentorRequest.objects.filter(mentee=new_partner, status=RequestStatus.PENDING).exists():
            raise MatchingError(
                _(
                    "%(person)s has asked a mentor and is waiting for their answer; that "
                    "request must be answered or withdrawn first."
                )
                % {"person": new_partner.user}
            )


def _score_pairs(proposal, pairs, today):
    """Each new pair's score and explanation; refuses a pair the policy rules out."""
    snapshot = snapshot_for(proposal.program)
    if not snapshot:
        return [None] * len(pairs)
    result = []
    for _old, mentee, mentor in pairs:
        (candidate,) = score_candidates(snapshot, mentee, [mentor], today)
        if not candidate.allowed:
            raise MatchingError(
                _("%(mentee)s and %(mentor)s cannot be matched: %(why)s.")
                % {
                    "mentee": mentee.user,
                    "mentor": mentor.user,
                    "why": ", ".join(candidate.ruled_out_by),
                }
            )
        result.append(candidate)
    return result
