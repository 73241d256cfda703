"""The cache on Redis, for which an outage is a slower page, never a broken one.

Everything Trellis keeps in the cache can be worked out again, so when Redis
cannot be reached (stopped, restarting, out of memory, a read-only replica
after a failover) each operation is treated as a miss rather than raised:
``get`` answers the default, writes and deletes are dropped, ``add`` answers
that it stored the value. A request that would have read a kept page renders
it instead; sessions are in the database and never in the cache.

A write or delete that is dropped may leave an older entry behind in a Redis
that was only out of reach; it lasts until its timeout, which is one reason
every entry has one (``CACHES`` sets a finite default).

Only the errors that mean "Redis is unavailable" are forgiven. Anything else
(a wrong database number, a value that cannot be pickled) is a mistake and is
raised as Django's ``RedisCache`` raises it.

Failures are logged as warnings, at most once a minute per process, so an
outage under load leaves a readable log rather than a line per cache call.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Connection refused or lost, authentication or loading in progress (all
# ConnectionError), no answer in time, no memory left for a write, or a
# replica that became read-only.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError)
WARN_EVERY_SECONDS = 60.0

_last_warning = [float("-inf")]


def _unavailable(operation: str, error: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_SECONDS:
        _last_warning[0] = now
        logger.warning(
            "The cache is unavailable (%s failed: %s); serving without it.", operation, error
        )
    else:
        logger.debug("The cache is unavailable (%s failed: %s).", operation, error)


class TolerantRedisCache(RedisCache):
    """Django's ``RedisCache``, treating an unavailable Redis as an empty cache."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            _unavailable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            _unavailable("has_key", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("set", error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("set_many", error)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Answers True when Redis is unavailable, as for a key that was absent.

        Callers use ``add`` to do something once ("record this view unless it
        was recorded today"); without the cache they do it again, which is
        slower, rather than never, which would be wrong.
        """
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("add", error)
            return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("touch", error)
            return False

    def incr(self, key, delta=1, version=None):
        """Raises ``ValueError`` when Redis is unavailable, as for a missing key."""
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            _unavailable("incr", error)
            raise ValueError(f"Key '{key}' not found: the cache is unavailable.") from error

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            _unavailable("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as error:
            _unavailable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            _unavailable("clear", error)
            return False
