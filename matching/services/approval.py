"""Approving matches: journeys start, and both sides hear why they were matched.

``approve_proposals`` is the one way a proposal becomes a journey, whether an admin
approved it from a run or a mentor accepted a self-match request.

The rules it enforces:

* Only proposed or locked proposals can be approved, and only while both people are
  still enrolled (not withdrawn) and the mentee is not matched elsewhere. A self-match
  request either of them made that still waits for an answer is withdrawn: they are
  matched now.
* Each side must still be enrolled for it, as their enrolment says when approving,
  not when the run proposed them (a person may change their role until matched): the
  mentor offers to mentor (mentor or either) and the mentee, a circle member too, asks
  to be mentored (mentee or either). Both enrolments are locked while they are read,
  so a role the enrolment page saves at the same time is either seen here or, once
  they are matched, refused there.
* A mentor never takes on more than their capacity, counting commitments made earlier
  (``runs.commitments``: each pair, each circle led, each open request): the mentor's
  enrolment row is locked while its places are counted.
* Pairs start the program's pair journey. In a circles run, the approved members of a
  mentor's circle start one circle journey together; members approved later join that
  journey, from the moment they are approved, and take no further place of the mentor's.
* Everything happens in one transaction: if one journey cannot start (the program has
  no default journey), nothing is approved and the error says why. The introductions
  are written to the outbox in that same transaction and emailed by a worker, so an
  approval never waits for, or fails with, the mail server.
* In that transaction both people's profiles are filled from their enrolments
  (``profiles.fill_from_enrollments``), and each introduction carries the partner's
  note for their match and shared answers (``profiles.notes_for``). A circle's people
  get one introduction each, to the whole circle (``queue_introductions``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms import invitations
from journeys.exceptions import InvalidJourney
from journeys.models import JourneyMember, JourneyStatus, MemberRole
from journeys.services import outbox
from journeys.services.starting import start_journey

from ..exceptions import MatchingError
from ..models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchProposal,
    ProposalStatus,
    RoleWanted,
    Strategy,
)
from .criteria import CRITERIA, criterion_label
from .loader import snapshot_policy
from .profiles import fill_from_enrollments, notes_for
from .runs import commitments
from .withdrawing import withdraw_requests_of

APPROVABLE = (ProposalStatus.PROPOSED, ProposalStatus.LOCKED)


def approve_proposals(
    proposals, by=None, today: date | None = None, *, introduce: bool = True
) -> list:
    """Approve ``proposals``, start their journeys and queue the introductions.

    ``introduce=False`` skips the emails, for matches recorded after the fact (the demo).
    """
    today = today or timezone.localdate()
    ids = [p.pk for p in proposals]
    with transaction.atomic():
        rows = list(
            MatchProposal.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("program", "run", "mentee__user", "mentor__user")
            .order_by("pk")
        )
        if len(rows) != len(set(ids)):
            raise MatchingError(_("Some of these proposals no longer exist; reload the page."))
        _lock_enrolments(rows)
        for proposal in rows:
            _check_approvable(proposal)
        under_way = circles_under_way(rows)
        _check_places(rows, under_way)
        journeys = []
        # Who is new to their journey: everyone in one that starts, but only the
        # members themselves in a circle already under way.
        joining = set()
        for group in _groups(rows):
            joined = under_way.get(_circle_key(group[0]))
            if joined is None:
                journeys.append(_start(group, today))
                joining.add(group[0].mentor.user_id)
            else:
                _join(joined.journey, group, today)
            joining.update(p.mentee.user_id for p in group)
        now = timezone.now()
        for proposal in rows:
            proposal.status = ProposalStatus.APPROVED
            proposal.decided_by = by
            proposal.decided_at = now
        MatchProposal.objects.bulk_update(rows, ["status", "decided_by", "decided_at", "journey"])
        matched = {p.mentee_id for p in rows} | {p.mentor_id for p in rows}
        Enrollment.objects.filter(pk__in=matched).update(status=EnrollmentStatus.MATCHED)
        # Someone matched here no longer waits for a mentor they asked themselves.
        withdraw_requests_of(matched)
        # Partners see each other's profiles from now on: fill them from the enrolments.
        fill_from_enrollments(Enrollment.objects.filter(pk__in=matched).order_by("updated_at"))
        if introduce:
            queue_introductions(rows, invited_by=by, joining=joining)
    return journeys


def record_started_by_hand(journey, by=None) -> list[MatchProposal]:
    """Record a journey an admin started by hand as the match it is.

    Called inside the transaction that starts the journey. Its members' enrolments
    in the journey's program count as matched from now on, so a later run does not
    propose them again, and the mentor's places are taken as approval takes them:
    one approved proposal per mentee or circle member, with the mentor, linked to
    the journey (a circle takes one place whatever its size). People without an
    active enrolment in the program are left alone, and a peer circle, having no
    mentor, records no proposal. Refuses, with ``InvalidJourney``, a mentor whose
    enrolment has no place left: raise their capacity first.
    """
    members = list(journey.memberships.filter(left_on__isnull=True).order_by("pk"))
    enrolments = {
        enrolment.user_id: enrolment
        for enrolment in Enrollment.objects.select_for_update()
        .filter(program_id=journey.program_id, user_id__in=[m.user_id for m in members])
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("user")
        .order_by("pk")
    }
    if not enrolments:
        return []
    mentor = next(
        (enrolments.get(m.user_id) for m in members if m.role == MemberRole.MENTOR), None
    )
    walking_with = [
        enrolments[m.user_id]
        for m in members
        if m.role != MemberRole.MENTOR and m.user_id in enrolments
    ]
    created = []
    if mentor is not None and walking_with:
        already = commitments(journey.program_id, mentors=[mentor.pk]).get(mentor.pk, 0)
        # Only an offer to mentor has places to count; someone enrolled to be mentored
        # and asked to mentor by hand (reverse mentoring) has none to run out of.
        offers = mentor.role in (RoleWanted.MENTOR, RoleWanted.EITHER)
        if offers and already >= mentor.capacity:
            raise InvalidJourney(
                _(
                    "%(places)s. Raise their capacity on their enrolment before starting "
                    "another journey they lead."
                )
                % {"places": places_taken_in_words(mentor, already)}
            )
        now = timezone.now()
        created = MatchProposal.objects.bulk_create(
            MatchProposal(
                run=None,
                program_id=journey.program_id,
                mentee=enrolment,
                mentor=mentor,
                status=ProposalStatus.APPROVED,
                journey=journey,
                decided_by=by,
                decided_at=now,
            )
            for enrolment in walking_with
        )
    ids = [enrolment.pk for enrolment in enrolments.values()]
    Enrollment.objects.filter(pk__in=ids, status=EnrollmentStatus.ENROLLED).update(
        status=EnrollmentStatus.MATCHED
    )
    withdraw_requests_of(ids)
    fill_from_enrollments(Enrollment.objects.filter(pk__in=ids).order_by("updated_at"))
    return created


@dataclass(frozen=True)
class ApprovalPreview:
    """What approving some proposals would do, before it is done.

    ``people`` is how many different people would be emailed an introduction (one
    per pair they are in, one per circle); ``invited`` how many of them have never signed in and
    would be invited to choose a password as well.
    """

    proposals: int
    journeys: int
    people: int
    invited: int


def preview_approval(proposals) -> ApprovalPreview:
    """Count what ``approve_proposals(proposals)`` would start and whom it would email.

    Two queries whatever the number of proposals. Nothing is checked or written:
    approving checks everything again.
    """
    rows = list(
        MatchProposal.objects.filter(pk__in=[p.pk for p in proposals]).select_related(
            "run", "mentee__user", "mentor__user"
        )
    )
    people = {p.mentee.user for p in rows} | {p.mentor.user for p in rows}
    under_way = circles_under_way(rows)
    return ApprovalPreview(
        proposals=len(rows),
        journeys=sum(1 for group in _groups(rows) if _circle_key(group[0]) not in under_way),
        people=len(people),
        invited=sum(1 for person in people if invitations.needs_invitation(person)),
    )


def circles_of(journey_ids) -> dict[int, list[str]]:
    """The circles among these journeys, each with the names of everyone in it now.

    A circle is a journey with circle members, as ``queue_introductions`` tells
    them apart (a circle of one is introduced as a pair). The mentor comes first,
    then the members by name.
    """
    members = defaultdict(list)
    for membership in JourneyMember.objects.filter(
        journey_id__in=set(journey_ids) - {None}, left_on__isnull=True
    ).select_related("user"):
        members[membership.journey_id].append(membership)
    return {
        journey_id: [
            str(m.user)
            for m in sorted(
                current, key=lambda m: (m.role != MemberRole.MENTOR, str(m.user).casefold())
            )
        ]
        for journey_id, current in members.items()
        if any(m.role == MemberRole.MEMBER for m in current)
    }


def _lock_enrolments(rows) -> None:
    """Lock both sides' enrolments, in one order, and read them as they are now."""
    ids = {p.mentee_id for p in rows} | {p.mentor_id for p in rows}
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in Enrollment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("user")
        .order_by("pk")
    }
    for proposal in rows:
        proposal.mentee = enrolments[proposal.mentee_id]
        proposal.mentor = enrolments[proposal.mentor_id]


def _check_approvable(proposal: MatchProposal) -> None:
    if proposal.status not in APPROVABLE:
        raise MatchingError(
            _("%(pair)s is %(status)s and cannot be approved.")
            % {"pair": proposal, "status": proposal.get_status_display().lower()}
        )
    for enrollment in (proposal.mentee, proposal.mentor):
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            raise MatchingError(
                _("%(person)s has withdrawn from the program, so %(pair)s cannot be approved.")
                % {"person": enrollment.user, "pair": proposal}
            )
        if not enrollment.user.is_active:
            raise MatchingError(
                _("%(person)s's account is deactivated, so %(pair)s cannot be approved.")
                % {"person": enrollment.user, "pair": proposal}
            )
    _check_sides(proposal)
    taken = (
        MatchProposal.objects.filter(
            mentee=proposal.mentee, status=ProposalStatus.APPROVED, ended_on__isnull=True
        )
        .exclude(pk=proposal.pk)
        .exists()
    )
    if taken:
        raise MatchingError(
            _("%(person)s already has an approved match.") % {"person": proposal.mentee.user}
        )


def _check_sides(proposal: MatchProposal) -> None:
    # A run proposed each person on the side their enrolment took then; they may
    # have changed it since, and a journey starts with them on the side it says now.
    # A re-run carries a locked proposal over as it is, so that one is unlocked first.
    locked = proposal.status == ProposalStatus.LOCKED
    words = {
        "mentor": proposal.mentor.user,
        "mentee": proposal.mentee.user,
        "program": proposal.program.title,
        "pair": proposal,
    }
    if proposal.mentor.role not in (RoleWanted.MENTOR, RoleWanted.EITHER):
        raise MatchingError(
            (
                _(
                    "%(mentor)s no longer offers to mentor in %(program)s, so %(pair)s "
                    "cannot be approved: unlock it, then re-run matching or move "
                    "%(mentee)s to another mentor."
                )
                if locked
                else _(
                    "%(mentor)s no longer offers to mentor in %(program)s, so %(pair)s "
                    "cannot be approved: re-run matching, or move %(mentee)s to another "
                    "mentor."
                )
            )
            % words
        )
    if proposal.mentee.role not in (RoleWanted.MENTEE, RoleWanted.EITHER):
        raise MatchingError(
            (
                _(
                    "%(mentee)s no longer asks to be mentored in %(program)s, so %(pair)s "
                    "cannot be approved: unlock it and re-run matching, or reject it."
                )
                if locked
                else _(
                    "%(mentee)s no longer asks to be mentored in %(program)s, so %(pair)s "
                    "cannot be approved: re-run matching, or reject this proposal."
                )
            )
            % words
        )


@dataclass(frozen=True)
class CircleUnderWay:
    """A circle of a run whose first members were approved: its journey and members."""

    journey: object
    members: int


def circles_under_way(rows) -> dict[tuple[int, int], CircleUnderWay]:
    """The circles of ``rows`` whose journey started with members approved earlier.

    Keyed by (run, mentor): the journey those members walk, still active or paused,
    and how many of them are still in it.
    """
    keys = {_circle_key(p) for p in rows if _is_circle(p)}
    if not keys:
        return {}
    members = defaultdict(int)
    journeys = {}
    for proposal in (
        MatchProposal.objects.filter(
            run_id__in={run_id for run_id, _mentor in keys},
            mentor_id__in={mentor_id for _run, mentor_id in keys},
            status=ProposalStatus.APPROVED,
            ended_on__isnull=True,
            journey__status__in=(JourneyStatus.ACTIVE, JourneyStatus.PAUSED),
        )
        .select_related("journey")
        .order_by("pk")
    ):
        key = _circle_key(proposal)
        if key in keys:
            journeys.setdefault(key, proposal.journey)
            members[key] += 1
    return {key: CircleUnderWay(journey, members[key]) for key, journey in journeys.items()}


def _circle_key(proposal: MatchProposal) -> tuple[int, int]:
    return (proposal.run_id, proposal.mentor_id)


def _check_places(rows, under_way) -> None:
    by_mentor = defaultdict(int)
    for proposal in rows:
        by_mentor[proposal.mentor_id] += 1
    mentors = Enrollment.objects.select_for_update().filter(pk__in=by_mentor).order_by("pk")
    for mentor in mentors:
        circle = _circle_size(rows, mentor.pk)
        joined = next(
            (under_way[key] for key in under_way if key[1] == mentor.pk and circle), None
        )
        if joined is not None:
            # The circle's place was taken when its first members were approved.
            if joined.members + by_mentor[mentor.pk] > circle:
                raise MatchingError(
                    _(
                        "%(mentor)s's circle can have at most %(size)s members and "
                        "%(members)s are approved already, so %(count)s more cannot join."
                    )
                    % {
                        "mentor": mentor.user,
                        "size": circle,
                        "members": joined.members,
                        "count": by_mentor[mentor.pk],
                    }
                )
            continue
        already = commitments(mentor.program_id, mentors=[mentor.pk]).get(mentor.pk, 0)
        # A circle takes one place whatever its size; each pair takes one.
        wanted = 1 if circle else by_mentor[mentor.pk]
        if circle and by_mentor[mentor.pk] > circle:
            raise MatchingError(
                _("%(mentor)s's circle can have at most %(size)s members, not %(count)s.")
                % {"mentor": mentor.user, "size": circle, "count": by_mentor[mentor.pk]}
            )
        if already + wanted > mentor.capacity:
            raise MatchingError(
                _("%(places)s, so %(count)s more cannot be approved.")
                % {"places": places_taken_in_words(mentor, already), "count": wanted}
            )


def places_taken_in_words(mentor: Enrollment, already: int) -> str:
    """The words "Ada Lovelace has 2 places and 1 is taken", in singular and plural."""
    places = ngettext(
        "%(mentor)s has %(places)s place", "%(mentor)s has %(places)s places", mentor.capacity
    ) % {"mentor": mentor.user, "places": mentor.capacity}
    taken = ngettext("%(already)s is taken", "%(already)s are taken", already) % {
        "already": already
    }
    return _("%(places)s and %(taken)s") % {"places": places, "taken": taken}


def _circle_size(rows, mentor_id) -> int | None:
    for proposal in rows:
        if proposal.mentor_id == mentor_id and _is_circle(proposal):
            return proposal.run.policy_snapshot.get("circle_size")
    return None


def _is_circle(proposal: MatchProposal) -> bool:
    return bool(proposal.run and proposal.run.policy_snapshot.get("strategy") == Strategy.CIRCLES)


def _groups(rows):
    """Pairs alone; a circle run's proposals together, one group per mentor."""
    circles = defaultdict(list)
    for proposal in rows:
        if _is_circle(proposal):
            circles[(proposal.run_id, proposal.mentor_id)].append(proposal)
        else:
            yield [proposal]
    yield from circles.values()


def _start(group, today):
    first = group[0]
    circle = _is_circle(first)
    members = [(first.mentor.user, MemberRole.MENTOR)] + [
        (p.mentee.user, MemberRole.MEMBER if circle else MemberRole.MENTEE) for p in group
    ]
    if circle and len(members) == 2:
        members[1] = (first.mentee.user, MemberRole.MENTEE)
    try:
        journey = start_journey(first.program, members, today)
    except InvalidJourney as error:
        raise MatchingError(str(error)) from error
    for proposal in group:
        proposal.journey = journey
    return journey


def _join(journey, group, today) -> None:
    """Add a circle's newly approved members to the journey its first members walk.

    They join as circle members from now, and, as anyone joining a journey under way,
    read only what the others write from now on.
    """
    now = timezone.now()
    JourneyMember.objects.bulk_create(
        JourneyMember(
            journey=journey,
            user=p.mentee.user,
            role=MemberRole.MEMBER,
            joined_on=today,
            joined_at=now,
        )
        for p in group
    )
    journey.changed_at = now
    journey.save(update_fields=["changed_at", "updated_at"])
    for proposal in group:
        proposal.journey = journey


def reasons_in_words(
    proposal: MatchProposal, snapshot: dict | None = None, reader: str | None = None
) -> list[str]:
    """Why the pair was matched, as sentences: the criteria that counted most first."""
    snapshot = snapshot if snapshot is not None else _snapshot(proposal)
    parts = sorted(
        ((value, key) for key, value in (proposal.explanation or {}).items() if value > 0),
        reverse=True,
    )
    # ``.all()`` so that topics prefetched for many proposals are read, not queried.
    offered = {topic.name for topic in proposal.mentor.topics_offered.all()}
    sought = [topic.name for topic in proposal.mentee.topics_sought.all() if topic.name in offered]
    sentences = []
    for _value, key in parts:
        if key in CRITERIA:
            sentence = str(CRITERIA[key].because_to(reader))
            if key == "topics_offered" and sought:
                sentence += " (" + ", ".join(sought) + ")"
        else:
            sentence = _("your answers to “%(question)s” fit together") % {
                "question": criterion_label(key, snapshot)
            }
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return sentences


def _snapshot(proposal: MatchProposal) -> dict:
    """The run's policy, or for a self-match or re-match the program's current one."""
    if proposal.run_id:
        return proposal.run.policy_snapshot
    policy = MatchingPolicy.objects.filter(program_id=proposal.program_id).first()
    return snapshot_policy(policy) if policy else {}


INTRODUCTION = "matching/emails/introduction"
CIRCLE_INTRODUCTION = "matching/emails/circle_introduction"


def queue_introductions(proposals, invited_by=None, joining=None) -> int:
    """Write the introductions of ``proposals`` to the outbox; returns how many emails.

    Call it in the transaction that approves the proposals. The proposals'
    journeys must have started. Whoever has never signed in and has no
    password is also sent an invitation to sign in (``cms.invitations``), and
    their introduction says so.

    A pair's two people each get an introduction to the other, with the partner's
    note for their match and shared answers (``profiles.notes_for``) and a link to
    the partner's profile; ``partner_user_id`` lets an erasure find the note.

    A circle (a journey with circle members) is introduced once per person, never
    once per match: whoever joins it (``joining``, user ids; by default everyone in
    ``proposals``) gets one introduction naming everyone else in it, and whoever was
    already matched in it gets one naming the newcomers. Each person named comes with
    their note, shared answers and profile link, and, when the reader and they were
    matched with each other, the reasons; ``people`` lists them with their
    ``user_id`` so that an erasure finds the note.
    """
    proposals = list(
        MatchProposal.objects.filter(pk__in=[p.pk for p in proposals], journey__isnull=False)
        .select_related("mentee__user", "mentor__user", "program", "journey", "run")
        .prefetch_related("mentor__topics_offered", "mentee__topics_sought")
        .order_by("pk")
    )
    journey_ids = {p.journey_id for p in proposals}
    memberships = defaultdict(list)
    for membership in (
        JourneyMember.objects.filter(journey_id__in=journey_ids, left_on__isnull=True)
        .select_related("user")
        .order_by("pk")
    ):
        memberships[membership.journey_id].append(membership)
    circles = {
        journey_id
        for journey_id, current in memberships.items()
        if any(m.role == MemberRole.MEMBER for m in current)
    }
    # A circle's introductions name people matched in it by other proposals too.
    in_circles = list(
        MatchProposal.objects.filter(
            journey_id__in=circles, status=ProposalStatus.APPROVED, ended_on__isnull=True
        )
        .exclude(pk__in=[p.pk for p in proposals])
        .select_related("mentee__user", "mentor__user", "program", "journey", "run")
        .prefetch_related("mentor__topics_offered", "mentee__topics_sought")
        .order_by("pk")
    )
    notes = notes_for(
        {e.pk: e for p in proposals + in_circles for e in (p.mentee, p.mentor)}.values()
    )
    introductions = _Introductions(notes, memberships)
    for proposal in proposals:
        if proposal.journey_id not in circles:
            introductions.pair(proposal)
    for journey_id in sorted(circles):
        introductions.circle(
            [p for p in proposals if p.journey_id == journey_id],
            [p for p in in_circles if p.journey_id == journey_id],
            joining,
        )
    outbox.queue_emails(introductions.emails)
    by_program = defaultdict(list)
    for person, program in introductions.to_invite.values():
        by_program[program].append(person)
    for program, people in by_program.items():
        invitations.invite(people, invited_by=invited_by, program=program)
    return len(introductions.emails)


class _Introductions:
    """The introduction emails of one ``queue_introductions`` call, and whom to invite."""

    def __init__(self, notes, memberships):
        self.notes = notes
        self.memberships = memberships
        self.policies = {}
        self.emails = []
        self.to_invite = {}

    def reasons(self, proposal, reader) -> list[str]:
        key = proposal.run_id or f"program:{proposal.program_id}"
        if key not in self.policies:
            self.policies[key] = _snapshot(proposal)
        return reasons_in_words(proposal, self.policies[key], reader)

    def invited(self, person, program) -> bool:
        invited = invitations.needs_invitation(person)
        if invited and person.pk not in self.to_invite:
            self.to_invite[person.pk] = (person, program)
        return invited

    def member_url(self, journey, user_id) -> str:
        membership = next((m for m in self.memberships[journey.pk] if m.user_id == user_id), None)
        return reverse("journeys:member", args=[journey.uuid, membership.pk]) if membership else ""

    def pair(self, proposal) -> None:
        for person, partner_enrollment, role, reader in (
            (proposal.mentee.user, proposal.mentor, _("mentor"), "mentee"),
            (proposal.mentor.user, proposal.mentee, _("mentee"), "mentor"),
        ):
            partner = partner_enrollment.user
            note = self.notes[partner_enrollment.pk]
            self.emails.append(
                outbox.new_email(
                    person.pk,
                    INTRODUCTION,
                    _("Meet your %(role)s in %(program)s")
                    % {"role": role, "program": proposal.program.title},
                    {
                        "partner_name": str(partner),
                        "partner_role": str(role),
                        "program_title": proposal.program.title,
                        "reasons": self.reasons(proposal, reader),
                        "journey_uuid": str(proposal.journey.uuid),
                        "invited": self.invited(person, proposal.program),
                        "partner_user_id": partner.pk,
                        "partner_note": note.note,
                        "partner_answers": [list(answer) for answer in note.answers],
                        "partner_url": self.member_url(proposal.journey, partner.pk),
                    },
                    program_id=proposal.program_id,
                    journey_id=proposal.journey_id,
                    honours_choice=False,
                )
            )

    def circle(self, proposals, others, joining) -> None:
        """One introduction for each person joining the circle or already matched in it."""
        journey, program = proposals[0].journey, proposals[0].program
        matches = proposals + others
        enrolments = {}
        for proposal in matches:
            enrolments[proposal.mentor.user_id] = proposal.mentor
            enrolments[proposal.mentee.user_id] = proposal.mentee
        joining = (
            set(joining)
            if joining is not None
            else {p.mentor.user_id for p in proposals} | {p.mentee.user_id for p in proposals}
        )
        current = sorted(
            self.memberships[journey.pk], key=lambda m: (m.role != MemberRole.MENTOR, m.pk)
        )
        for reader in current:
            if reader.user_id in joining:
                named = [m for m in current if m.user_id != reader.user_id]
            elif reader.user_id in enrolments:
                named = [m for m in current if m.user_id in joining]
            else:
                continue
            if not named:
                continue
            people = [self.circle_person(journey, reader, m, matches, enrolments) for m in named]
            joined = reader.user_id in joining
            subject = (
                _("Meet your mentoring circle in %(program)s")
                if joined
                else _("Someone new in your mentoring circle in %(program)s")
            )
            self.emails.append(
                outbox.new_email(
                    reader.user_id,
                    CIRCLE_INTRODUCTION,
                    subject % {"program": program.title},
                    {
                        "program_title": program.title,
                        "joined": joined,
                        "people": people,
                        "journey_uuid": str(journey.uuid),
                        "invited": self.invited(reader.user, program),
                    },
                    program_id=program.pk,
                    journey_id=journey.pk,
                    honours_choice=False,
                )
            )

    def circle_person(self, journey, reader, member, matches, enrolments) -> dict:
        """What a circle introduction says of ``member`` to ``reader``."""
        match = next(
            (
                p
                for p in matches
                if {p.mentor.user_id, p.mentee.user_id} == {reader.user_id, member.user_id}
            ),
            None,
        )
        reasons = []
        if match is not None:
            reasons = self.reasons(
                match, "mentor" if match.mentor.user_id == reader.user_id else "mentee"
            )
        enrolment = enrolments.get(member.user_id)
        note = self.notes[enrolment.pk] if enrolment is not None else None
        return {
            "user_id": member.user_id,
            "name": str(member.user),
            "role": str(_("mentor") if member.role == MemberRole.MENTOR else _("circle member")),
            "reasons": reasons,
            "note": note.note if note else "",
            "answers": [list(answer) for answer in note.answers] if note else [],
            "url": self.member_url(journey, member.user_id),
        }
