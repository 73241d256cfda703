"""Self-match: a mentee sees their best-suited mentors, asks one, and the mentor answers.

The rules it enforces:

* Only in a program whose matching policy has ``self_match`` on. Turning it off stops
  new requests and suggestions; requests already made can still be answered.
* Suggestions are the enrolments that can mentor (role mentor or either, a capacity
  above 0), are not withdrawn, are not the mentee, have a place left, are allowed by
  every hard constraint of the policy and have not already declined this mentee;
  best score first, scored exactly as a run scores them (``candidates``).
* A mentor's places are their capacity less their approved matches still running and
  their pending requests: a pending request holds a place, so a mentor is never asked
  by more people than they have room for. Asking locks the mentor's enrolment row
  while the places are counted, so requests made at the same moment queue up and the
  ones that find no place left are refused.
* A mentee asks while waiting to be matched, one request at a time; the database's
  ``one_pending_request_per_mentee`` constraint is the backstop.
* Only the mentor who was asked accepts or declines, and only the mentee who asked
  withdraws; each only while the request is pending, and a request is accepted only
  while the mentor still offers to mentor and the mentee still asks to be mentored
  (the enrolment forms and the import refuse a role that would leave one waiting;
  ``forms.requests_a_role_leaves``). Accepting makes a proposal (no
  run) and approves it through ``approve_proposals`` in the same transaction, so the
  journey starts and the introductions are emailed, or nothing changes.
* Rows are locked in ``locking.LOCK_ORDER``: accepting locks both enrolments before
  the request, as withdrawing from the program does, so a mentor accepting while the
  mentee withdraws waits for the withdrawal and then finds the request withdrawn.
* The mentor is emailed when asked, the mentee when declined: the email is written
  to the outbox in the transaction that asks or declines. A request withdrawn before
  its email went out is not announced.
* Withdrawing from the program, on the site or in the admin, ends the person's
  pending requests either way (``end_requests_of``). A mentee matched another way
  (a run's proposal approved, a journey started by hand) has their own withdrawn
  (``withdrawing.withdraw_requests_of``).
* The mentee's note is at most ``REQUEST_MESSAGE_MAX_LENGTH`` characters with no
  control characters; anything else is refused (a ``ValidationError`` on
  ``message``) before anything is locked or written.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from content.text import check_text
from journeys.services import outbox

from ..exceptions import MatchingError
from ..models import (
    REQUEST_MESSAGE_MAX_LENGTH,
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchProposal,
    MentorRequest,
    ProposalStatus,
    RequestStatus,
    RoleWanted,
)
from .approval import approve_proposals, reasons_in_words
from .candidates import Candidate, current_snapshot, score_candidates
from .locking import lock_enrolments
from .runs import commitments
from .withdrawing import MENTOR_REQUEST, cancel_request_email, withdraw_requests_of

SUGGESTIONS = 5
MENTOR_ROLES = (RoleWanted.MENTOR, RoleWanted.EITHER)


def self_match_on(program) -> bool:
    """Whether the program lets mentees choose their mentor."""
    return MatchingPolicy.objects.filter(program=program, self_match=True).exists()


def places_taken(mentor_ids) -> dict[int, int]:
    """Places each mentor has given (``runs.commitments``): pairs, circles, requests."""
    return commitments(mentors=mentor_ids)


def places_left(mentor: Enrollment) -> int:
    return mentor.capacity - places_taken([mentor.pk]).get(mentor.pk, 0)


def possible_mentors(mentee: Enrollment):
    """Enrolments of the mentee's program that could mentor them, places aside."""
    return (
        Enrollment.objects.filter(
            program_id=mentee.program_id,
            role__in=MENTOR_ROLES,
            capacity__gt=0,
            user__is_active=True,
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exclude(Q(pk=mentee.pk) | Q(user_id=mentee.user_id))
        .select_related("user")
    )


def declined_by(mentee: Enrollment) -> set[int]:
    """The mentors who already declined this mentee: they are not suggested again."""
    return set(
        MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.DECLINED).values_list(
            "mentor_id", flat=True
        )
    )


def suggestions(
    mentee_enrollment: Enrollment, limit: int = SUGGESTIONS, today: date | None = None
) -> list[Candidate]:
    """The mentee's best-suited mentors with a place left, best first.

    Empty when the program does not offer self-match.
    """
    mentee = mentee_enrollment
    if not self_match_on(mentee.program_id):
        return []
    snapshot = current_snapshot(mentee.program_id)
    mentors = list(possible_mentors(mentee).exclude(pk__in=declined_by(mentee)))
    taken = places_taken([m.pk for m in mentors])
    with_room = [m for m in mentors if m.capacity - taken.get(m.pk, 0) > 0]
    scored = score_candidates(snapshot, mentee, with_room, today)
    return [c for c in scored if c.allowed][:limit]


def reasons(
    mentee: Enrollment, mentor: Enrollment, explanation: dict, snapshot: dict, reader: str
) -> list[str]:
    """Why this mentor suits this mentee, as sentences: the criteria that counted most first.

    The same sentences the introduction email gives, so what a mentee reads when
    choosing is what they read once matched; ``reader`` ("mentee" or "mentor")
    says whose side a reason with a direction is told from.
    """
    unsaved = MatchProposal(mentee=mentee, mentor=mentor, explanation=explanation or {})
    return reasons_in_words(unsaved, snapshot, reader)


def snapshot_for(program) -> dict:
    """The program's policy as a run would freeze it, or nothing when it has none that
    works: explanations then name the built-in criteria only."""
    try:
        return current_snapshot(program)
    except (MatchingError, MatchingPolicy.DoesNotExist):
        return {}


def open_request(mentee: Enrollment) -> MentorRequest | None:
    """The mentee's request waiting for an answer, if any."""
    return (
        MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.PENDING)
        .select_related("mentor__user", "program")
        .first()
    )


def request_mentor(
    mentee: Enrollment, mentor: Enrollment, message: str = "", today: date | None = None
) -> MentorRequest:
    """Ask ``mentor`` to mentor ``mentee``: check, hold one of the mentor's places, tell them."""
    today = today or timezone.localdate()
    message = (message or "").strip()
    check_text(
        message,
        field="message",
        label=_("The note to the mentor"),
        limit=REQUEST_MESSAGE_MAX_LENGTH,
        multiline=True,
    )
    with transaction.atomic():
        # Both rows are locked, in key order so that two people asking each other at
        # once cannot deadlock: one person's two tabs queue up behind each other, and
        # requests to the same mentor queue up while the mentor's places are counted.
        locked = lock_enrolments([mentee.pk, mentor.pk])
        if mentee.pk not in locked or mentor.pk not in locked:
            raise MatchingError(_("That enrolment no longer exists; reload the page."))
        mentee, mentor = locked[mentee.pk], locked[mentor.pk]
        _check_request(mentee, mentor)
        snapshot = current_snapshot(mentee.program_id)
        (candidate,) = score_candidates(snapshot, mentee, [mentor], today)
        if not candidate.allowed:
            # The constraint is not named: it may be the mentor's own list of people
            # they would rather not be matched with, which only matching reads.
            raise MatchingError(
                _("The program's matching rules do not pair you with %(mentor)s.")
                % {"mentor": mentor.user}
            )
        # Counted under the lock: each request sees the ones committed before it.
        if places_left(mentor) <= 0:
            raise MatchingError(_("%(mentor)s has no places left.") % {"mentor": mentor.user})
        try:
            with transaction.atomic():
                request = MentorRequest.objects.create(
                    program_id=mentee.program_id,
                    mentee=mentee,
                    mentor=mentor,
                    message=message,
                    score=candidate.score,
                    explanation=candidate.explanation,
                )
        except IntegrityError as error:
            raise MatchingError(
                _("You have already asked a mentor; wait for their answer or withdraw it first.")
            ) from error
        queue_request_email(request, "asked")
    return request


def _check_request(mentee: Enrollment, mentor: Enrollment) -> None:
    program = mentee.program
    if not self_match_on(program):
        raise MatchingError(
            _("%(program)s does not let mentees choose their mentor.") % {"program": program.title}
        )
    if mentor.program_id != mentee.program_id:
        raise MatchingError(_("You can only ask a mentor of the same program."))
    if mentor.pk == mentee.pk or mentor.user_id == mentee.user_id:
        raise MatchingError(_("You cannot ask yourself to be your mentor."))
    if mentee.role not in (RoleWanted.MENTEE, RoleWanted.EITHER):
        raise MatchingError(_("You enrolled as a mentor, so you cannot ask for one."))
    if mentee.status == EnrollmentStatus.WITHDRAWN:
        raise MatchingError(_("You have withdrawn from the program; enrol again first."))
    if mentee.status != EnrollmentStatus.ENROLLED:
        raise MatchingError(_("You have already been matched in this program."))
    asked = (
        MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.PENDING)
        .select_related("mentor__user")
        .first()
    )
    if asked is not None:
        raise MatchingError(
            _(
                "You have already asked %(mentor)s. Wait for their answer, or withdraw "
                "your request before asking someone else."
            )
            % {"mentor": asked.mentor.user}
        )
    if mentor.role not in MENTOR_ROLES or mentor.capacity <= 0:
        raise MatchingError(
            _("%(mentor)s does not mentor in this program.") % {"mentor": mentor.user}
        )
    if mentor.status == EnrollmentStatus.WITHDRAWN:
        raise MatchingError(
            _("%(mentor)s has withdrawn from the program.") % {"mentor": mentor.user}
        )
    if mentor.pk in declined_by(mentee):
        raise MatchingError(
            _("%(mentor)s has already declined your request; choose another mentor.")
            % {"mentor": mentor.user}
        )


def _locked_request(request: MentorRequest) -> MentorRequest:
    locked = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("mentee__user", "mentor__user", "program")
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise MatchingError(_("This request no longer exists; reload the page."))
    return locked


def _check_pending(request: MentorRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise MatchingError(
            _("This request has already been answered: it is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )


def _check_mentor(request: MentorRequest, user) -> None:
    if request.mentor.user_id != getattr(user, "pk", None):
        raise MatchingError(_("Only the mentor who was asked can answer this request."))


def _check_sides(request: MentorRequest) -> None:
    # The enrolment forms keep a role while a request waits on it; this stops one
    # left from before, so no journey starts with someone on the side they left.
    if request.mentor.role not in MENTOR_ROLES:
        raise MatchingError(
            _(
                "You enrolled to be mentored in %(program)s, so you cannot accept "
                "%(mentee)s’s request. Decline it, or enrol to mentor again first."
            )
            % {"program": request.program.title, "mentee": request.mentee.user}
        )
    if request.mentee.role not in (RoleWanted.MENTEE, RoleWanted.EITHER):
        raise MatchingError(
            _(
                "%(mentee)s now offers to mentor in %(program)s rather than be mentored, "
                "so their request cannot be accepted. Decline it instead."
            )
            % {"program": request.program.title, "mentee": request.mentee.user}
        )


def accept_request(request: MentorRequest, by_user, today: date | None = None) -> MatchProposal:
    """The mentor says yes: the match is approved and the journey starts, or nothing changes."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # Enrolments before the request (``locking.LOCK_ORDER``), as withdrawing from
        # the program locks them: a request's two sides never change, so the ones it
        # was read with are the ones to lock.
        lock_enrolments([request.mentee_id, request.mentor_id])
        request = _locked_request(request)
        _check_mentor(request, by_user)
        _check_pending(request)
        _check_sides(request)
        proposal = MatchProposal.objects.create(
            run=None,
            program_id=request.program_id,
            mentee=request.mentee,
            mentor=request.mentor,
            score=request.score,
            explanation=request.explanation,
            status=ProposalStatus.PROPOSED,
        )
        request.status = RequestStatus.ACCEPTED
        request.decided_at = timezone.now()
        request.proposal = proposal
        request.save(update_fields=["status", "decided_at", "proposal"])
        approve_proposals([proposal], by=by_user, today=today)
        proposal.refresh_from_db()
    return proposal


def decline_request(request: MentorRequest, by_user) -> MentorRequest:
    """The mentor says no: the place is free again and the mentee hears it kindly."""
    with transaction.atomic():
        request = _locked_request(request)
        _check_mentor(request, by_user)
        _check_pending(request)
        request.status = RequestStatus.DECLINED
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        queue_request_email(request, "declined")
    return request


def withdraw_request(request: MentorRequest, by_user) -> MentorRequest:
    """The mentee takes their request back, so they can ask someone else."""
    with transaction.atomic():
        request = _locked_request(request)
        if request.mentee.user_id != getattr(by_user, "pk", None):
            raise MatchingError(_("Only the person who asked can withdraw this request."))
        _check_pending(request)
        request.status = RequestStatus.WITHDRAWN
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        cancel_request_email(request)
    return request


def end_requests_of(enrollment: Enrollment) -> None:
    """End the pending requests of someone who withdraws from the program.

    Their own requests are withdrawn (and not announced if the email has not gone
    yet), and those made to them as a mentor are declined, which frees the people
    who asked to ask someone else or be matched by a run. Call it in the
    transaction that withdraws them, however they are withdrawn.
    """
    withdraw_requests_of([enrollment.pk])
    MentorRequest.objects.filter(mentor=enrollment, status=RequestStatus.PENDING).update(
        status=RequestStatus.DECLINED, decided_at=timezone.now()
    )


REQUEST_DECLINED = "matching/emails/request_declined"


def queue_request_email(request: MentorRequest, event: str) -> None:
    """Write to the outbox: the mentor that they were asked (``asked``), or the
    mentee that they were declined (``declined``). Call it in the transaction
    that asks or declines."""
    request = MentorRequest.objects.select_related("mentee__user", "mentor__user", "program").get(
        pk=request.pk
    )
    program = request.program
    if event == "asked":
        email = outbox.new_email(
            request.mentor.user_id,
            MENTOR_REQUEST,
            _("%(mentee)s would like you as their mentor") % {"mentee": request.mentee.user},
            {
                "request_id": request.pk,
                "mentee_name": str(request.mentee.user),
                "program_title": program.title,
                "message": request.message,
                "reasons": reasons(
                    request.mentee,
                    request.mentor,
                    request.explanation,
                    snapshot_for(program),
                    "mentor",
                ),
            },
            program_id=request.program_id,
            honours_choice=False,
        )
    else:
        email = outbox.new_email(
            request.mentee.user_id,
            REQUEST_DECLINED,
            _("About your request in %(program)s") % {"program": program.title},
            {
                "request_id": request.pk,
                "mentor_name": str(request.mentor.user),
                "program_title": program.title,
                "program_id": request.program_id,
            },
            program_id=request.program_id,
            honours_choice=False,
        )
    outbox.queue_emails([email])
