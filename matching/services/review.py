"""Reviewing a run's proposals: filtering, moving a mentee, locking, rejecting, re-running.

The admin's run page calls these; approving goes through ``approval.approve_proposals``.

The rules they enforce:

* Only a run that is ready for review (finished without error) is reviewed, and
  not once it is closed by a later run of its program that is ready for review
  (``RunLifecycle``): that run matched the same waiting people again.
* Lock, unlock and reject act on proposed or locked proposals only. An approved,
  rejected or ended proposal is left as it is and the error names it: approved matches
  have journeys, which are closed in the journeys admin, never rejected here.
* A mentee is moved only while their proposal is proposed (a locked one is unlocked
  first), to an enrolment of the same program that offers to mentor, has not
  withdrawn, is not the mentee, is not a mentee in this run, and has a place left in
  this run. A hard constraint that rules the new pair out refuses the move and is
  named. The proposal takes the new score and explanation, stays proposed, and lists
  the better-scoring mentors a constraint rules out for the new pairing
  (``runs.passed_over_candidates``).
* A mentor's places in a run are their capacity less the places their matches
  approved elsewhere and still running fill (a pair or a whole circle takes one) and
  their pending self-match requests (``runs.commitments``); in a circles run,
  one place left leads a circle of the policy's size. This run's proposed, locked and
  approved proposals with them take from what is left.
* Re-running starts a new run of the program based on this one: its locked proposals
  are carried over and everyone else is matched again. Earlier runs are never changed.

Every write re-reads and locks the rows it changes, in one transaction, so two admins
reviewing the same run cannot overwrite each other unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from content.search import words_in

from ..exceptions import MatchingError
from ..models import (
    Enrollment,
    EnrollmentStatus,
    MatchingRun,
    MatchProposal,
    ProposalStatus,
    RoleWanted,
    RunStatus,
    Strategy,
)
from .approval import approve_proposals
from .candidates import Candidate, score_candidates
from .runs import commitments, passed_over_candidates, start_run

OPEN = (ProposalStatus.PROPOSED, ProposalStatus.LOCKED)
HOLDS_PLACE = (ProposalStatus.PROPOSED, ProposalStatus.LOCKED, ProposalStatus.APPROVED)
SETTABLE = (ProposalStatus.PROPOSED, ProposalStatus.LOCKED, ProposalStatus.REJECTED)

# The orderings the review table offers, by the name used in the page's address.
ORDERINGS = {
    "score": ("score", "pk"),
    "-score": ("-score", "pk"),
    "mentee": ("mentee__user__first_name", "mentee__user__last_name", "mentee__user__email"),
    "-mentee": ("-mentee__user__first_name", "-mentee__user__last_name", "-mentee__user__email"),
    "mentor": ("mentor__user__first_name", "mentor__user__last_name", "mentor__user__email"),
    "-mentor": ("-mentor__user__first_name", "-mentor__user__last_name", "-mentor__user__email"),
    "status": ("status", "-score", "pk"),
    "-status": ("-status", "-score", "pk"),
}
DEFAULT_ORDERING = "-score"


def check_reviewable(run: MatchingRun) -> None:
    if run.status != RunStatus.DONE:
        raise MatchingError(
            _("This run is %(status)s, so its proposals cannot be reviewed.")
            % {"status": run.get_status_display().lower()}
        )
    if MatchingRun.objects.superseding(run).exists():
        raise MatchingError(
            _(
                "This run is closed: a later run of the program matched the same people "
                "again. Review the latest run instead."
            )
        )


def proposals_for_review(
    run: MatchingRun,
    *,
    status: str = "",
    mentor: int | None = None,
    department: str = "",
    search: str = "",
    ordering: str = DEFAULT_ORDERING,
):
    """The run's proposals, filtered and sorted as the review table asks."""
    proposals = run.proposals.select_related("mentee__user", "mentor__user")
    if status:
        proposals = proposals.filter(status=status)
    if mentor:
        proposals = proposals.filter(mentor_id=mentor)
    if department:
        proposals = proposals.filter(
            Q(mentee__department__iexact=department) | Q(mentor__department__iexact=department)
        )
    proposals = words_in(
        proposals,
        search,
        [
            f"{side}__user__{field}"
            for side in ("mentee", "mentor")
            for field in ("first_name", "last_name", "email")
        ],
    )
    return proposals.order_by(*ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING]))


def places_left(run: MatchingRun, mentors) -> dict[int, int]:
    """How many more mentees each of ``mentors`` (enrolments) can take in this run.

    Counted as the run counts them (``runs.candidate_pool``): a pair or a whole
    circle led elsewhere takes one place, and in a circles run one place free
    leads a circle of the policy's size.
    """
    mentors = list(mentors)
    ids = [m.pk for m in mentors]
    elsewhere = commitments(mentors=ids, outside_run=run)
    in_run = _count_by_mentor(run.proposals.filter(mentor_id__in=ids, status__in=HOLDS_PLACE))
    circles = run.policy_snapshot.get("strategy") == Strategy.CIRCLES
    circle_size = run.policy_snapshot.get("circle_size") or 0
    left = {}
    for mentor in mentors:
        free = mentor.capacity - elsewhere.get(mentor.pk, 0)
        if circles:
            free = circle_size if free > 0 else 0
        left[mentor.pk] = free - in_run.get(mentor.pk, 0)
    return left


def _count_by_mentor(queryset) -> dict[int, int]:
    return dict(queryset.order_by().values_list("mentor_id").annotate(n=Count("pk")))


@dataclass(frozen=True)
class MoveOption:
    """A mentor the mentee could move to: the new score, and the places they have left."""

    candidate: Candidate
    places_left: int

    @property
    def enrollment(self) -> Enrollment:
        return self.candidate.enrollment

    @property
    def allowed(self) -> bool:
        return self.candidate.allowed


def move_options(proposal: MatchProposal) -> list[MoveOption]:
    """Every mentor of the program with a place left in the run, scored for this mentee.

    Best first; those a hard constraint rules out come last and say which.
    """
    run = proposal.run
    mentees_in_run = run.proposals.filter(status__in=HOLDS_PLACE).values("mentee_id")
    mentors = list(
        Enrollment.objects.filter(
            program_id=run.program_id,
            role__in=(RoleWanted.MENTOR, RoleWanted.EITHER),
            capacity__gt=0,
            user__is_active=True,
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exclude(pk__in=mentees_in_run)
        .exclude(pk=proposal.mentor_id)
        .exclude(user_id=proposal.mentee.user_id)
        .select_related("user")
    )
    places = places_left(run, mentors)
    mentors = [m for m in mentors if places[m.pk] > 0]
    return [
        MoveOption(candidate, places[candidate.enrollment.pk])
        for candidate in score_candidates(run.policy_snapshot, proposal.mentee, mentors)
    ]


def move_proposal(proposal: MatchProposal, mentor: Enrollment, by=None) -> MatchProposal:
    """Give the proposal's mentee ``mentor`` instead, with the score that pair earns."""
    with transaction.atomic():
        proposal = (
            MatchProposal.objects.select_for_update(of=("self",))
            .select_related("run", "mentee__user", "mentor__user")
            .get(pk=proposal.pk)
        )
        run = proposal.run
        if run is None:
            raise MatchingError(_("Only a proposal from a matching run can be moved."))
        check_reviewable(run)
        if proposal.status != ProposalStatus.PROPOSED:
            hint = _(" Unlock it first.") if proposal.status == ProposalStatus.LOCKED else ""
            raise MatchingError(
                _("%(pair)s is %(status)s, so it cannot be moved.%(hint)s")
                % {
                    "pair": proposal,
                    "status": proposal.get_status_display().lower(),
                    "hint": hint,
                }
            )
        mentor = Enrollment.objects.select_for_update().select_related("user").get(pk=mentor.pk)
        _check_new_mentor(proposal, mentor)
        (candidate,) = score_candidates(run.policy_snapshot, proposal.mentee, [mentor])
        if not candidate.allowed:
            raise MatchingError(
                _("%(mentor)s cannot mentor %(mentee)s: %(reasons)s.")
                % {
                    "mentor": mentor.user,
                    "mentee": proposal.mentee.user,
                    "reasons": ", ".join(candidate.ruled_out_by),
                }
            )
        proposal.mentor = mentor
        proposal.score = candidate.score
        proposal.explanation = candidate.explanation
        proposal.passed_over = passed_over_candidates(
            score_candidates(run.policy_snapshot, proposal.mentee, _program_mentors(proposal)),
            candidate.score,
        )
        proposal.save(update_fields=["mentor", "score", "explanation", "passed_over"])
    return proposal


def _program_mentors(proposal: MatchProposal):
    """Everyone in the proposal's program who offers to mentor, but its mentee."""
    return (
        Enrollment.objects.filter(
            program_id=proposal.program_id,
            role__in=(RoleWanted.MENTOR, RoleWanted.EITHER),
            capacity__gt=0,
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exclude(user_id=proposal.mentee.user_id)
        .select_related("user")
    )


def _check_new_mentor(proposal: MatchProposal, mentor: Enrollment) -> None:
    run = proposal.run
    who = {"mentor": mentor.user, "mentee": proposal.mentee.user}
    if mentor.pk == proposal.mentor_id:
        raise MatchingError(_("%(mentee)s is already proposed to %(mentor)s.") % who)
    if mentor.program_id != run.program_id:
        raise MatchingError(_("%(mentor)s is not enrolled in this program.") % who)
    if mentor.status == EnrollmentStatus.WITHDRAWN:
        raise MatchingError(_("%(mentor)s has withdrawn from the program.") % who)
    if not mentor.user.is_active:
        raise MatchingError(_("%(mentor)s's account is deactivated.") % who)
    if not mentor.can_mentor:
        raise MatchingError(_("%(mentor)s has not offered to mentor in this program.") % who)
    if mentor.user_id == proposal.mentee.user_id:
        raise MatchingError(_("Nobody can mentor themselves."))
    if run.proposals.filter(mentee=mentor, status__in=HOLDS_PLACE).exists():
        raise MatchingError(_("%(mentor)s is a mentee in this run.") % who)
    if places_left(run, [mentor])[mentor.pk] <= 0:
        raise MatchingError(_("%(mentor)s has no place left in this run.") % who)


def set_status(proposals, status: str, by=None) -> int:
    """Lock, unlock (``proposed``) or reject ``proposals``; returns how many changed."""
    if status not in SETTABLE:
        raise ValueError(f"Proposals cannot be set to {status!r} here.")
    ids = {p.pk for p in proposals}
    if not ids:
        raise MatchingError(_("Choose at least one proposal first."))
    with transaction.atomic():
        rows = list(
            MatchProposal.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("run", "mentee__user", "mentor__user")
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise MatchingError(_("Some of these proposals no longer exist; reload the page."))
        checked = set()
        for row in rows:
            if row.run is not None and row.run_id not in checked:
                check_reviewable(row.run)
                checked.add(row.run_id)
            if row.status not in OPEN:
                raise MatchingError(
                    _("%(pair)s is %(status)s, so it cannot be changed here.")
                    % {"pair": row, "status": row.get_status_display().lower()}
                )
        changed = [row for row in rows if row.status != status]
        now = timezone.now()
        for row in changed:
            row.status = status
            if status == ProposalStatus.REJECTED:
                row.decided_by = by
                row.decided_at = now
        MatchProposal.objects.bulk_update(changed, ["status", "decided_by", "decided_at"])
    return len(changed)


def approve(run: MatchingRun, proposals, by=None, today=None) -> list:
    """Approve some of the run's proposals; returns the journeys started."""
    check_reviewable(run)
    proposals = list(proposals)
    if not proposals:
        raise MatchingError(_("Choose at least one proposal first."))
    if any(p.run_id != run.pk for p in proposals):
        raise MatchingError(_("Only this run's proposals can be approved from this page."))
    return approve_proposals(proposals, by=by, today=today or timezone.localdate())


def rerun(run: MatchingRun, by=None) -> MatchingRun:
    """Start a new run of the program that keeps this run's locked proposals."""
    check_reviewable(run)
    return start_run(run.program, by, based_on=run)
