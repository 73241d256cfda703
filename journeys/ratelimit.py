"""Refusing an action repeated too often: a count of attempts kept in the cache.

A ``Limit`` allows ``attempts`` of an action within ``window``, counted from the
first attempt of the window, for one key (an address and a page, a person). Once
they are used up the action is refused until the window closes; the entries carry
the window as their timeout, so they expire by themselves and nothing has to
clean up after them.

The cache is what every web process shares in production (Redis), so a limit
holds across processes. A cache outage lets attempts through rather than refusing
everyone (``cms.cache``): a weaker guard for a while, never a broken page. Keys are
hashed, so no address or name is stored in the cache as it was given.

Used by the password form of private pages (``cms.page_passwords``) and by a
person's data download (``journeys.views.my_data``).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` of the action ``scope`` per key within ``window``."""

    scope: str
    attempts: int
    window: timedelta

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        base = f"ratelimit:{self.scope}:{digest}"
        return f"{base}:count", f"{base}:since"

    def _timeout(self) -> int:
        return max(1, math.ceil(self.window.total_seconds()))

    def refused_until(self, key: str) -> datetime | None:
        """When ``key`` may try again, or None when it may now."""
        count_key, since_key = self._keys(key)
        found = cache.get_many([count_key, since_key])
        since = found.get(since_key)
        if since is None or found.get(count_key, 0) < self.attempts:
            return None
        return since + self.window

    def record(self, key: str, now: datetime) -> None:
        """Count one attempt by ``key``; the first of a window opens it at ``now``."""
        count_key, since_key = self._keys(key)
        cache.add(since_key, now, self._timeout())
        cache.add(count_key, 0, self._timeout())
        # ValueError: the window closed in between, or the cache is out of reach.
        with contextlib.suppress(ValueError):
            cache.incr(count_key)

    def clear(self, key: str) -> None:
        """Forget ``key``'s attempts (it has shown it needs no more)."""
        cache.delete_many(list(self._keys(key)))


def try_again_in(until: datetime, now: datetime) -> str:
    """A sentence telling when to try again, in whole minutes (at least one)."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return ngettext(
        "Please try again in %(minutes)s minute.",
        "Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
