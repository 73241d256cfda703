"""What insights do when journeys and matching announce something.

Every change that moves a program's figures marks its snapshot changed once
the change commits (``snapshots.mark_changed``); the sweep then works the
figures out within a minute. Announced: members' activity and upgrades
(``journeys_changed``), journeys saved or deleted (started, their status or
tracks edited, upgraded, re-matched: Django's ``post_save``), enrolments saved or deleted,
a program page published, and the first opening of a material or story,
which is recorded here. The figures also name things: publishing a journey
template (its title and milestones) marks its program, and publishing a material
or story (its title) marks the programs whose templates show it, as Wagtail's
reference index knows them; so does renaming or deleting a topic the programs'
objectives are measured by (its name, or that it is gone).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import ReferenceIndex
from wagtail.signals import page_published

from content.models import LeaderStoryPage, MaterialPage, Topic
from journeys.models import Journey, JourneyPage, ProgramPage
from journeys.signals import content_opened, journeys_changed
from matching.models import Enrollment

from . import snapshots
from .tracking import record_views


def _changed(program_ids) -> None:
    ids = frozenset(program_ids)
    transaction.on_commit(lambda: snapshots.mark_changed(ids))


@receiver(content_opened, dispatch_uid="insights.record_content_opened")
def record_content_opened(sender, journey_id, program_id, user_id, page_ids, **kwargs):
    """The materials a milestone page shows inline are counted as opened, once."""
    if record_views(journey_id, user_id, page_ids):
        _changed({program_id})


@receiver(journeys_changed, dispatch_uid="insights.journeys_changed")
def journeys_moved(sender, program_ids, **kwargs):
    _changed(program_ids)


@receiver(post_save, sender=Journey, dispatch_uid="insights.journey_saved")
@receiver(post_delete, sender=Journey, dispatch_uid="insights.journey_deleted")
@receiver(post_save, sender=Enrollment, dispatch_uid="insights.enrolment_saved")
@receiver(post_delete, sender=Enrollment, dispatch_uid="insights.enrolment_deleted")
def row_changed(sender, instance, **kwargs):
    _changed({instance.program_id})


@receiver(page_published, dispatch_uid="insights.page_published")
def published(sender, instance, **kwargs):
    if isinstance(instance, ProgramPage):
        _changed({instance.pk})
    elif isinstance(instance, JourneyPage):
        _changed(_programs_of([instance.path]))
    elif isinstance(instance, MaterialPage | LeaderStoryPage):
        templates = ReferenceIndex.get_references_to(instance).filter(
            content_type=ContentType.objects.get_for_model(JourneyPage)
        )
        paths = JourneyPage.objects.filter(
            pk__in=[int(pk) for pk in templates.values_list("object_id", flat=True)]
        ).values_list("path", flat=True)
        _changed(_programs_of(paths))


@receiver(post_save, sender=Topic, dispatch_uid="insights.topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="insights.topic_deleted")
def topic_changed(sender, instance, **kwargs):
    """Wagtail keeps the references to a deleted object, so they are still found."""
    programs = ReferenceIndex.get_references_to(instance).filter(
        content_type=ContentType.objects.get_for_model(ProgramPage)
    )
    _changed(int(pk) for pk in programs.values_list("object_id", flat=True))


def _programs_of(template_paths) -> list[int]:
    """The programs that hold the journey templates at ``template_paths``."""
    parents = {path[: -ProgramPage.steplen] for path in template_paths}
    if not parents:
        return []
    return list(ProgramPage.objects.filter(path__in=parents).values_list("pk", flat=True))
