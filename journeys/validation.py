"""What people say about themselves: languages and time zones, checked one way everywhere.

Profiles (``journeys``) and enrolments (``matching``, which imports these from
here) take the same values, so a person typing into either page, and an admin
importing a file, meet the same rules:

* Languages are ISO 639 codes (``en``, ``fr``, ``yue``), stored lower case, each
  once, in the order given; typed separated by commas, semicolons or spaces. A code
  must name a language (``xx`` does not), and a three-letter code of a language
  that has a two-letter one is stored as that (``eng`` as ``en``), so matching
  compares like with like.
* A time zone is a name from ``zoneinfo.available_timezones()`` (any letter case;
  stored as the database spells it), or blank. The server's own ``localtime`` and
  ``posixrules`` files are not time zones anyone lives in, so they are refused.
  Lists to choose from offer the region/city names and UTC (``offered_time_zones``),
  not the database's older aliases (``GB-Eire``, ``US/Pacific``) or fixed offsets
  (``Etc/GMT-8``), which are still accepted when typed or imported, and still
  offered to the person who has one.
* A refusal is a sentence that quotes what was typed and, where one is close, the
  value that was probably meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

import pycountry
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NOT_TIME_ZONES = frozenset({"localtime", "posixrules", "Factory"})
TIME_ZONE_REGIONS = frozenset(
    {
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
        "Europe", "Indian", "Pacific",
    }
)  # fmt: skip
LIST_SEPARATORS = re.compile(r"[,;\s]+")


def split_list(value: str | Iterable[str] | None, separators=LIST_SEPARATORS) -> list[str]:
    """The non-empty items of a typed list ("en, fr") or of an already split one."""
    if value is None:
        return []
    parts = separators.split(value) if isinstance(value, str) else [str(v) for v in value]
    return [part.strip() for part in parts if part and part.strip()]


def quoted_list(values: Iterable[object]) -> str:
    """'a', 'a' and 'b', 'a', 'b' and 'c': values as a sentence names them."""
    quoted = [f"'{value}'" for value in values]
    if len(quoted) < 2:
        return "".join(quoted)
    return _("%(items)s and %(last)s") % {"items": ", ".join(quoted[:-1]), "last": quoted[-1]}


def suggestion(value: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the option closest to ``value``, or '' when none is close."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.75)
    return _(" (did you mean '%(option)s'?)") % {"option": close[0]} if close else ""


@cache
def _language_codes() -> dict[str, str]:
    """Every ISO 639 code of a language, to the code stored for it: its two-letter
    code (ISO 639-1) where it has one, else its three-letter code (ISO 639-3)."""
    codes: dict[str, str] = {}
    for language in pycountry.languages:
        stored = getattr(language, "alpha_2", None) or language.alpha_3
        for code in (language.alpha_3, getattr(language, "bibliographic", None), stored):
            if code:
                codes[code] = stored
    return codes


def clean_languages(value: str | Iterable[str] | None) -> list[str]:
    """Language codes from "en, fr" (commas, semicolons or spaces), lower case, each once."""
    codes: list[str] = []
    bad: list[str] = []
    for item in split_list(value):
        code = _language_codes().get(item.lower())
        if code is None:
            bad.append(item)
        elif code not in codes:
            codes.append(code)
    if bad:
        message = (
            _("%(values)s is not a language code.")
            if len(bad) == 1
            else _("%(values)s are not language codes.")
        ) % {"values": quoted_list(bad)}
        raise ValidationError(
            message
            + " "
            + _(
                "Use two or three letters for each language, such as 'en' for English or 'fr' "
                "for French."
            ),
            code="language",
        )
    return codes


def language_name(code: str) -> str:
    """A language's English name ("fr": "French"), as Django names it where Django knows
    the language, else as ISO 639 does; the code itself for one neither knows."""
    info = LANG_INFO.get(code)
    if info and "name" in info:
        return info["name"]
    language = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
    return language.name if language is not None else code


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every time zone a person can choose, sorted by name."""
    return tuple(sorted(available_timezones() - NOT_TIME_ZONES))


@cache
def offered_time_zones() -> tuple[str, ...]:
    """The zones a list offers, sorted: every region/city name (``Europe/Paris``), and UTC."""
    return tuple(
        name
        for name in time_zone_names()
        if name == "UTC" or ("/" in name and name.split("/", 1)[0] in TIME_ZONE_REGIONS)
    )


@cache
def _time_zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in time_zone_names()}


def zone_label(name: str) -> str:
    """A time zone's name as people read it: ``America/New York``, not ``New_York``."""
    return name.replace("_", " ")


def time_zone_choices(empty_label: str, current: str | None = "") -> list[tuple[str, str]]:
    """The choices of a time zone select: ``empty_label`` first, then the offered zones
    by name, with ``current`` among them when it is a zone the list does not offer."""
    names = offered_time_zones()
    if current and current not in names and current in time_zone_names():
        names = tuple(sorted((*names, current)))
    return [("", empty_label), *((name, zone_label(name)) for name in names)]


def clean_time_zone(value: str | None) -> str:
    """A known time zone name in its usual spelling, or "" when none is given."""
    value = (value or "").strip()
    if not value:
        return ""
    name = _time_zones_by_folded_name().get(value.casefold())
    if name is None:
        raise ValidationError(
            _(
                "'%(value)s' is not a time zone we know%(suggestion)s. Use a name such as "
                "'Europe/London' or 'America/New_York'."
            )
            % {"value": value, "suggestion": suggestion(value, time_zone_names())},
            code="time_zone",
        )
    return name
