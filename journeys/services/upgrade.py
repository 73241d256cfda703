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
* What changed between two revisions (``compare_revisions``) is told by block id:
  a milestone or step whose id is only in the newer revision was added, one only
  in the older was removed, and one in both whose words or settings differ was
  changed (a step moved to another milestone counts as removed there and added
  here, as its progress does).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Revision

from ..models import Journey, JourneyPage, StepCompletion
from .templates import MilestoneContent, StepContent, TemplateSnapshot, snapshot_for_revision

# What a milestone is, besides its title and steps, named as the preview says it.
MILESTONE_FIELDS = {
    "key": _("key"),
    "intro": _("introduction"),
    "opens_after_days": _("timing"),
    "due_after_days": _("timing"),
    "audience": _("audience"),
    "prerequisites": _("prerequisites"),
    "track": _("track"),
}

# The words that say what a step is, by kind; a read step is its page's title.
STEP_WORDS = ("prompt", "purpose", "text", "question")


@dataclass(frozen=True)
class StepLine:
    """A step as the preview names it: its kind and its words."""

    kind: str
    words: str

    def __str__(self):
        return f"{self.kind}: {self.words}" if self.words else self.kind


@dataclass(frozen=True)
class MilestoneChanges:
    """One milestone's part in a new revision.

    For an added or removed milestone, ``steps_added`` or ``steps_removed`` list
    all of its steps. ``old_title`` is set when the title changed, ``fields``
    names what else about it changed (timing, audience...).
    """

    title: str
    old_title: str = ""
    fields: tuple[str, ...] = ()
    steps_added: tuple[StepLine, ...] = ()
    steps_removed: tuple[StepLine, ...] = ()
    steps_changed: tuple[StepLine, ...] = ()


@dataclass(frozen=True)
class TemplateChanges:
    """Milestones added, removed and changed from one revision to another, in order."""

    added: tuple[MilestoneChanges, ...] = ()
    removed: tuple[MilestoneChanges, ...] = ()
    changed: tuple[MilestoneChanges, ...] = ()

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


def _step_line(step: StepContent) -> StepLine:
    value = step.value
    block = getattr(value, "block", None)
    kind = str(block.meta.label) if block is not None and block.meta.label else step.kind
    words = ""
    if step.kind == "read":
        page = value.get("page")
        words = page.title if page is not None else ""
    else:
        words = next((str(value.get(name)) for name in STEP_WORDS if value.get(name)), "")
    return StepLine(kind=kind, words=words)


def _prep(value):
    """A block value as stored (ids for chosen pages and snippets), for comparing."""
    block = getattr(value, "block", None)
    return block.get_prep_value(value) if block is not None else value


def _milestone_fields(old: MilestoneContent, new: MilestoneContent) -> tuple[str, ...]:
    if old.value is None or new.value is None:
        return ()
    old_prep, new_prep = _prep(old.value), _prep(new.value)
    names = []
    for name, label in MILESTONE_FIELDS.items():
        if old_prep.get(name) != new_prep.get(name) and str(label) not in names:
            names.append(str(label))
    return tuple(names)


def compare_revisions(old: TemplateSnapshot, new: TemplateSnapshot) -> TemplateChanges:
    """What moving from revision ``old`` to ``new`` adds, removes and changes, by block id."""
    if old.revision_id == new.revision_id:
        return TemplateChanges()
    before, after = old.milestones_by_id, new.milestones_by_id
    added = tuple(
        MilestoneChanges(title=m.title, steps_added=tuple(_step_line(s) for s in m.steps))
        for m in new.milestones
        if m.id not in before
    )
    removed = tuple(
        MilestoneChanges(title=m.title, steps_removed=tuple(_step_line(s) for s in m.steps))
        for m in old.milestones
        if m.id not in after
    )
    changed = []
    for milestone in new.milestones:
        previous = before.get(milestone.id)
        if previous is None:
            continue
        old_steps = {s.id: s for s in previous.steps}
        new_steps = {s.id: s for s in milestone.steps}
        entry = MilestoneChanges(
            title=milestone.title,
            old_title=previous.title if previous.title != milestone.title else "",
            fields=_milestone_fields(previous, milestone),
            steps_added=tuple(_step_line(s) for s in milestone.steps if s.id not in old_steps),
            steps_removed=tuple(_step_line(s) for s in previous.steps if s.id not in new_steps),
            steps_changed=tuple(
                _step_line(s)
                for s in milestone.steps
                if s.id in old_steps
                and (
                    s.kind != old_steps[s.id].kind
                    or _prep(s.value) != _prep(old_steps[s.id].value)
                )
            ),
        )
        if (
            entry.old_title
            or entry.fields
            or entry.steps_added
            or entry.steps_removed
            or entry.steps_changed
        ):
            changed.append(entry)
    return TemplateChanges(added=added, removed=removed, changed=tuple(changed))


@dataclass(frozen=True)
class UpgradePlan:
    """What moving one journey to its template's latest published revision changes.

    ``added`` and ``removed`` are milestone titles; ``renamed`` pairs the old and
    new titles of milestones kept under another name; ``changes`` tells every
    milestone and step added, removed and changed. ``kept`` and ``dropped``
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
    changes: TemplateChanges = field(default_factory=TemplateChanges, repr=False)

    @property
    def up_to_date(self) -> bool:
        return self.to_revision is not None and self.to_revision.pk == self.from_revision.pk

    @property
    def can_upgrade(self) -> bool:
        """Whether there is a newer published revision to move to."""
        return self.to_revision is not None and not self.up_to_date


def _build_plan(
    journey, from_snapshot, to_revision, to_snapshot, completions, changes=None
) -> UpgradePlan:
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
        changes=changes if changes is not None else compare_revisions(from_snapshot, to_snapshot),
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
    # Journeys on the same pair of revisions share one comparison.
    compared: dict[tuple[int, int], TemplateChanges] = {}
    for journey in journeys:
        journey.template_revision = revisions[journey.template_revision_id]
        to_id = live_revision_ids.get(journey.template_id)
        from_snapshot, to_snapshot = snapshots[journey.template_revision_id], snapshots.get(to_id)
        changes = None
        if to_snapshot is not None:
            key = (from_snapshot.revision_id, to_snapshot.revision_id)
            if key not in compared:
                compared[key] = compare_revisions(from_snapshot, to_snapshot)
            changes = compared[key]
        plans.append(
            _build_plan(
                journey,
                from_snapshot,
                revisions.get(to_id),
                to_snapshot,
                completions[journey.pk],
                changes,
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
