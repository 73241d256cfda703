"""What Trellis knows about a person beyond their account: for now, their time zone.

Every time shown to a person, or typed by one, is in that person's own time
zone, and is stored in UTC. ``time_zone_for`` is the one place that zone is
read. A day a person types (a meeting held, a goal's target) is a day in that
zone too, so it is checked against their own today (``today_for``), not the
site's.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone


def time_zone_for(user) -> ZoneInfo:
    """The time zone ``user`` reads and types times in.

    The one on their profile, or the site's (``settings.TIME_ZONE``) when they
    have no profile, have not chosen one, or their choice is no longer a zone
    this machine knows. Pages pass a user loaded with their profile
    (``services.profiles.with_profiles``), so this reads no more rows.
    """
    try:
        name = user.profile.time_zone
    except ObjectDoesNotExist:
        name = ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(settings.TIME_ZONE)


def today_for(user) -> date:
    """The day it is now for ``user``, in the time zone they read and type times in.

    Far from the site's zone a person's day is often not the site's (in
    Kiritimati it is tomorrow for most of a UTC day). The journey engine keeps
    the site's day, the same for every member; the days a person types are
    offered from and checked against this one.
    """
    return timezone.localdate(timezone=time_zone_for(user))
