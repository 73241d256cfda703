"""What Trellis knows about a person beyond their account: for now, their time zone.

Every time shown to a person, or typed by one, is in that person's own time
zone, and is stored in UTC. ``time_zone_for`` is the one place that zone is
read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings


def time_zone_for(user) -> ZoneInfo:
    """The time zone ``user`` reads and types times in.

    This is where a person's own time zone is read. Until people can choose
    one on their profile, everyone has the site's (``settings.TIME_ZONE``).
    """
    return ZoneInfo(settings.TIME_ZONE)
