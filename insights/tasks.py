"""django-q2 entry points for insights: thin, idempotent, keyed by plain values."""

from django.utils import timezone

from journeys.queue import enqueue
from journeys.services import retention

from . import digest, snapshots, tracking


def send_insights_digests() -> str:
    """The weekly insights digest to program admins and sponsors; once a week each."""
    return f"{digest.send_insights_digests()} insights digests queued"


def forget_old_content_views() -> str:
    """Delete content views first opened before the retention cut-off, in batches.

    Insights then count openings within the retention period. Hands over to a
    successor when there is more than one task's time of deleting.
    """
    deleted, finished = tracking.forget_old_views(timezone.now(), seconds=retention.TASK_SECONDS)
    if not finished:
        enqueue("insights.tasks.forget_old_content_views", group="retention")
    return f"deleted {deleted} content views" + ("" if finished else "; more to delete")


def sweep_insights() -> str:
    """Every minute: queue the programs whose figures are missing, stale or old."""
    return f"{snapshots.sweep()} programs queued"


def work_out_program(program_id: int) -> str:
    """Work out one program's figures into its snapshot, under its lease."""
    return snapshots.work_out(program_id)
