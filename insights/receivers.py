"""What insights do when journeys and matching announce something."""

from __future__ import annotations

from django.dispatch import receiver

from journeys.signals import content_opened

from .tracking import record_views


@receiver(content_opened, dispatch_uid="insights.record_content_opened")
def record_content_opened(sender, journey_id, user_id, page_ids, **kwargs):
    """The materials a milestone page shows inline are counted as opened."""
    record_views(journey_id, user_id, page_ids)
