"""Receivers that keep the library's review rules attached to new pages."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import StoriesIndexPage
from .permissions import attach_story_review


@receiver(post_save, sender=StoriesIndexPage)
def attach_story_review_to_new_index(sender, instance, created, raw=False, **kwargs):
    """A new stories index gets the leader story review and its group permissions."""
    if created and not raw:
        attach_story_review(instance)
