"""The one way Trellis puts work on the django-q2 queue.

Work is enqueued only when the transaction that asked for it commits, so a
worker never starts on rows it cannot see yet, and a rolled-back request
leaves no task behind.
"""

from django.db import transaction
from django_q.tasks import async_task


def enqueue(func: str, *args, group: str | None = None, **kwargs) -> None:
    """Queue ``func`` (a dotted path) with plain, picklable arguments."""
    options = {"group": group} if group else {}
    transaction.on_commit(lambda: async_task(func, *args, **options, **kwargs))
