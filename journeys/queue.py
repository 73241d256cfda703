"""The one way Trellis puts work on the django-q2 queue.

Work is enqueued only when the transaction that asked for it commits, so a
worker never starts on rows it cannot see yet, and a rolled-back request
leaves no task behind.

By then the request's work is committed, so a broker that cannot be reached
must not turn it into a server error: the failure is logged and the request
answers as usual. The tick's work is picked up again by the hourly schedule;
a matching run whose task was never queued stays "Waiting for a worker", and
an admin can start another.
"""

import logging

from django.db import DatabaseError, transaction
from django_q.tasks import async_task
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The Redis broker unreachable, or the database broker's table unwritable.
BROKER_ERRORS = (RedisError, DatabaseError)


def enqueue(func: str, *args, group: str | None = None, **kwargs) -> None:
    """Queue ``func`` (a dotted path) with plain, picklable arguments."""
    options = {"group": group} if group else {}

    def push():
        try:
            async_task(func, *args, **options, **kwargs)
        except BROKER_ERRORS:
            logger.exception(
                "Could not queue %s%r: the task queue's broker is unavailable.", func, args
            )

    transaction.on_commit(push)
