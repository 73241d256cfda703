"""Journey templates as journeys see them: one revision, parsed once.

A journey follows a fixed revision of its template page. Revisions never
change, so each is parsed into a ``TemplateSnapshot`` once per process and
shared by every journey (and every request) that follows it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from wagtail.models import Revision

from ..blocks import milestone_specs
from ..engine import PreparedTemplate, prepare

CACHE_SIZE = 256


@dataclass(frozen=True)
class StepContent:
    id: str
    milestone_id: str
    kind: str
    value: object
    number: int


@dataclass(frozen=True)
class MilestoneContent:
    id: str
    key: str
    title: str
    intro: object
    audience: str
    number: int
    steps: tuple[StepContent, ...]
    value: object = None  # the milestone block's value, for comparing revisions


@dataclass(frozen=True)
class TemplateSnapshot:
    revision_id: int
    page: object
    prepared: PreparedTemplate
    milestones: tuple[MilestoneContent, ...]
    milestones_by_id: dict
    steps_by_id: dict

    def step(self, milestone_id: str, step_id: str) -> StepContent | None:
        step = self.steps_by_id.get(step_id)
        if step is None or step.milestone_id != milestone_id:
            return None
        return step


# Keyed by revision id: a revision never changes once written.
_cache: OrderedDict[int, TemplateSnapshot] = OrderedDict()
_lock = Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def build_snapshot(revision_id: int, page) -> TemplateSnapshot:
    milestones = []
    steps_by_id = {}
    for number, child in enumerate(
        (c for c in page.milestones if c.block_type == "milestone"), start=1
    ):
        steps = tuple(
            StepContent(
                id=step.id,
                milestone_id=child.id,
                kind=step.block_type,
                value=step.value,
                number=step_number,
            )
            for step_number, step in enumerate(child.value.get("steps") or [], start=1)
        )
        for step in steps:
            steps_by_id[step.id] = step
        milestones.append(
            MilestoneContent(
                id=child.id,
                key=child.value.get("key") or "",
                title=child.value.get("title") or "",
                intro=child.value.get("intro"),
                audience=child.value.get("audience") or "everyone",
                number=number,
                steps=steps,
                value=child.value,
            )
        )
    return TemplateSnapshot(
        revision_id=revision_id,
        page=page,
        prepared=prepare(milestone_specs(page.milestones)),
        milestones=tuple(milestones),
        milestones_by_id={m.id: m for m in milestones},
        steps_by_id=steps_by_id,
    )


def _cached(revision_id: int) -> TemplateSnapshot | None:
    with _lock:
        snapshot = _cache.get(revision_id)
        if snapshot is not None:
            _cache.move_to_end(revision_id)
        return snapshot


def snapshot_for_revision_id(revision_id: int) -> TemplateSnapshot:
    """The parsed template of a revision, reading the revision only on a cache miss."""
    return _cached(revision_id) or snapshot_for_revision(Revision.objects.get(pk=revision_id))


def snapshot_for_revision(revision: Revision) -> TemplateSnapshot:
    """The parsed template of one revision, from the process cache when possible."""
    key = revision.pk
    with _lock:
        snapshot = _cache.get(key)
        if snapshot is not None:
            _cache.move_to_end(key)
            return snapshot
    snapshot = build_snapshot(revision.pk, revision.as_object())
    with _lock:
        _cache[key] = snapshot
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return snapshot


def snapshots_for_revision_ids(revision_ids) -> dict[int, TemplateSnapshot]:
    """Snapshots for many revisions, loading the uncached ones in one query."""
    snapshots = {}
    missing = set()
    for revision_id in set(revision_ids):
        snapshot = _cached(revision_id)
        if snapshot is None:
            missing.add(revision_id)
        else:
            snapshots[revision_id] = snapshot
    if missing:
        for revision in Revision.objects.filter(pk__in=missing):
            snapshots[revision.pk] = snapshot_for_revision(revision)
    return snapshots
