"""Whether the services this process depends on answer: the readiness check.

Each check does the smallest real thing with its service (a query, a cache
write read back, a look at the queue's length) and raises if it cannot.
Failures are logged with their cause; the response only names what is down,
so a public probe reveals no host names or errors.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django_q.brokers import get_broker

logger = logging.getLogger(__name__)

PROBE_SECONDS = 10


class NotReady(Exception):
    pass


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Write a value and read it back: the cache may swallow its own errors.

    The key is new every time, so processes checking at once never read each
    other's value; it expires on its own if the delete does not arrive.
    """
    key = f"readyz:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    cache.set(key, token, PROBE_SECONDS)
    try:
        if cache.get(key) != token:
            raise NotReady("A value written to the cache could not be read back.")
    finally:
        cache.delete(key)


def check_queue() -> None:
    """Ask the configured broker (the database or Redis) how long the queue is."""
    get_broker().queue_size()


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


def readiness() -> dict[str, bool]:
    """Each service's name, and whether it answered."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.warning("Readiness check: the %s is unavailable.", name, exc_info=True)
            results[name] = False
        else:
            results[name] = True
    return results
