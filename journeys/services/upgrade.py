"""Moving journeys on to the latest published revision of their template.

A journey follows the template revision it started on, so publishing a change
never disturbs anyone mid-way. An admin moves chosen journeys on, and first
sees what that would change. Rules enforced here:

* The target is the template's live (latest published) revision; a draft is
  never a target. A template that is no longer published cannot be upgraded to.
* Progress is carried over by block id: a step completion is kept when the new
  revision still has that step in that milestone, and dropped otherwise.
* Reflections, meetings, goals and pulse responses are never deleted: they are
  what people wrote and did, whatever the template says now.
* ``plan_upgrade`` changes nothing; ``upgrade_journeys`` locks the journeys,
  re-plans against what is stored at that moment, and applies the plans in one
  transaction, so a plan is never applied to a journey that changed under it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from wagtail.models import Revision

from ..models import Journey, JourneyPage, StepCompletion
from .templates import TemplateSnapshot, snapshot_for_revision


@dataclass(frozen=True)
class UpgradePlan:
    """What moving one journey to its template's latest published revision changes.

    ``added`` and ``removed`` are milestone titles; ``renamed`` pairs the old and
    new titles of milestones kept under another name. ``kept`` and ``dropped``
    count step completions that survive the move and those that do not.
    """

    journey: Journey
    from_revision: Revision
    to_revision: Revision | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0
    dropped: int = 0
    dropped_completion_ids: tuple[int, ...] = field(default=(), repr=False)

    @property
    def up_to_date(self) -> bool:
        return self.to_revision is not None and self.to_revision.pk == self.from_revision.pk

    @property
    def can_upgrade(self) -> bool:
        """Whether there is a newer published revision to move to."""
        return self.to_revision is not None and not self.up_to_date


def _build_plan(journey, from_snapshot, to_revision, to_snapshot, completions) -> UpgradePlan:
    if to_snapshot is None or to_snapshot.revision_id == from_snapshot.revision_id:
        return UpgradePlan(
            journey=journey,
            from_revision=journey.template_revision,
            to_revision=to_revision,
            kept=len(completions),
        )
    old = from_snapshot.milestones_by_id
    new = to_snapshot.milestones_by_id
    dropped = [c.pk for c in completions if to_snapshot.step(c.milestone_id, c.step_id) is None]
    return UpgradePlan(
        journey=journey,
        from_revision=journey.template_revision,
        to_revision=to_revision,
        added=[m.title for m in to_snapshot.milestones if m.id not in old],
        removed=[m.title for m in from_snapshot.milestones if m.id not in new],
        renamed=[
            (old[m.id].title, m.title)
            for m in to_snapshot.milestones
            if m.id in old and old[m.id].title != m.title
        ],
        kept=len(completions) - len(dropped),
        dropped=len(dropped),
        dropped_completion_ids=tuple(dropped),
    )


def plan_upgrades(journeys) -> list[UpgradePlan]:
    """Plans for many journeys, in a fixed number of queries whatever their number."""
    journeys = list(journeys)
    if not journeys:
        return []
    live_revision_ids = dict(
        JourneyPage.objects.filter(pk__in={j.template_id for j in journeys}).values_list(
            "pk", "live_revision_id"
        )
    )
    wanted = {j.template_revision_id for j in journeys} | {
        pk for pk in live_revision_ids.values() if pk is not None
    }
    revisions = {r.pk: r for r in Revision.objects.filter(pk__in=wanted)}
    snapshots: dict[int, TemplateSnapshot] = {
        pk: snapshot_for_revision(revision) for pk, revision in revisions.items()
    }
    completions = defaultdict(list)
    for completion in StepCompletion.objects.filter(journey_id__in=[j.pk for j in journeys]).only(
        "pk", "journey_id", "milestone_id", "step_id"
    ):
        completions[completion.journey_id].append(completion)

    plans = []
    for journey in journeys:
        journey.template_revision = revisions[journey.template_revision_id]
        to_id = live_revision_ids.get(journey.template_id)
        plans.append(
            _build_plan(
                journey,
                snapshots[journey.template_revision_id],
                revisions.get(to_id),
                snapshots.get(to_id),
                completions[journey.pk],
            )
        )
    return plans


def plan_upgrade(journey: Journey) -> UpgradePlan:
    """What upgrading this journey would change; nothing is written."""
    return plan_upgrades([journey])[0]


@transaction.atomic
def upgrade_journeys(journeys) -> list[UpgradePlan]:
    """Move the journeys to their templates' latest published revisions.

    Returns the plans that were applied, including those with nothing to do
    (already up to date, or a template no longer published), so the caller can
    say what happened to each.
    """
    ids = [j.pk for j in journeys]
    locked = list(Journey.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    plans = plan_upgrades(locked)
    for plan in plans:
        if not plan.can_upgrade:
            continue
        if plan.dropped_completion_ids:
            StepCompletion.objects.filter(pk__in=plan.dropped_completion_ids).delete()
        plan.journey.template_revision = plan.to_revision
        plan.journey.changed_at = timezone.now()
        plan.journey.save(update_fields=["template_revision", "changed_at", "updated_at"])
    return plans
