"""Starting journeys: one service for pairs, circles and reverse mentoring.

Rules enforced here:

* The template is a live JourneyPage of the same program; the journey follows
  its latest published revision from now on.
* A pair has exactly one mentor and one mentee; a circle has one mentor (or
  none, for a peer circle) and at least two members; nobody appears twice.
* Reverse mentoring is a pair in which the more junior person is the mentor:
  the same shape, so it needs nothing special here.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..exceptions import InvalidJourney
from ..models import (
    Journey,
    JourneyMember,
    JourneyPage,
    JourneyStatus,
    MemberRole,
    ProgramPage,
)


def _check_members(members):
    users = [user for user, _role in members]
    if len({u.pk for u in users}) != len(users):
        raise InvalidJourney(_("Each person can appear only once in a journey."))
    roles = [role for _user, role in members]
    unknown = set(roles) - set(MemberRole.values)
    if unknown:
        raise InvalidJourney(_("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))})
    mentors = roles.count(MemberRole.MENTOR)
    if len(members) < 2:
        raise InvalidJourney(_("A journey needs at least two people."))
    if mentors > 1:
        raise InvalidJourney(_("A journey has at most one mentor."))
    if len(members) == 2 and MemberRole.MEMBER not in roles and mentors != 1:
        raise InvalidJourney(_("A pair needs one mentor and one mentee."))


def _check_not_walking_already(program, template, members) -> None:
    """Refuse a second journey under way on the same template for the very same people."""
    user_ids = {user.pk for user, _role in members}
    under_way = (
        Journey.objects.filter(
            program=program,
            template=template,
            status__in=(JourneyStatus.ACTIVE, JourneyStatus.PAUSED),
            memberships__user_id=next(iter(user_ids)),
            memberships__left_on__isnull=True,
        )
        .order_by("started_on")
        .prefetch_related("memberships")
    )
    for journey in under_way:
        current = {m.user_id for m in journey.memberships.all() if m.left_on is None}
        if current == user_ids:
            raise InvalidJourney(
                _(
                    "These people already walk “%(journey)s” together, since %(date)s; "
                    "a second journey would only repeat it."
                )
                % {"journey": template.title, "date": date_format(journey.started_on, "j F Y")}
            )


@transaction.atomic
def start_journey(
    program: ProgramPage,
    members,
    started_on: date,
    template: JourneyPage | None = None,
    tracks=(),
) -> Journey:
    """Start a journey for ``members``: a list of (user, role) pairs.

    Without ``template``, the program's default journey for pairs (two
    people) or circles (more) is used.
    """
    members = list(members)
    _check_members(members)
    if template is None:
        template = (
            program.default_pair_journey if len(members) == 2 else program.default_circle_journey
        )
        if template is None:
            raise InvalidJourney(
                _("The program “%(program)s” has no default journey for a %(shape)s yet.")
                % {
                    "program": program.title,
                    "shape": _("pair") if len(members) == 2 else _("circle"),
                }
            )
    # Read the template afresh: the live revision is what the journey follows.
    template = JourneyPage.objects.filter(pk=template.pk).select_related("live_revision").first()
    if template is None or not template.live or not template.is_child_of(program):
        raise InvalidJourney(
            _("“%(journey)s” is not a published journey of the program “%(program)s”.")
            % {"journey": getattr(template, "title", "?"), "program": program.title}
        )
    revision = template.live_revision
    if revision is None:
        raise InvalidJourney(
            _("“%(journey)s” has never been published.") % {"journey": template.title}
        )
    _check_not_walking_already(program, template, members)
    journey = Journey.objects.create(
        program=program,
        template=template,
        template_revision=revision,
        started_on=started_on,
    )
    JourneyMember.objects.bulk_create(
        JourneyMember(journey=journey, user=user, role=role, joined_on=started_on)
        for user, role in members
    )
    if tracks:
        journey.tracks.set(tracks)
    return journey
