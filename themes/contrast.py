"""WCAG 2.2 contrast arithmetic, and the nearest colour that passes.

Rules this module keeps:

* Colours are ``#rrggbb`` (or ``#rgb``) strings. Luminance and ratio follow
  WCAG 2.2 exactly (sRGB linearised with the 0.04045 threshold), so #777777
  on white is 4.48:1 and fails AA for text.
* A ratio is shown to two decimals, but never rounded up across a threshold:
  4.478 is "4.48:1", and 4.499 is "4.49:1", not "4.5:1".
* The nearest passing colour keeps the colour's hue and chroma where the sRGB
  gamut allows and moves only its perceptual lightness (OKLab L) towards black
  or white, by the smallest step that makes every given pair pass; the answer
  is checked again after rounding to whole sRGB values. Black or white always
  reaches 4.5:1 against any colour, so for the AA thresholds there is always
  an answer.

Pure functions: no Django, no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0
AA_UI = 3.0

HEX_PATTERN = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

RGB = tuple[float, float, float]


def normalise_hex(value: str) -> str:
    """``#ABC`` → ``#aabbcc``; raises ``ValueError`` for anything but a hex colour."""
    value = value.strip()
    if not HEX_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a hex colour such as #1f5f5b.")
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return f"#{digits}"


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    digits = normalise_hex(value)[1:]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def rgb_to_hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(value: str) -> float:
    """WCAG relative luminance, 0 for black to 1 for white."""
    r, g, b = (_linear(c) for c in hex_to_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


THRESHOLDS = (AA_UI, AA_TEXT, 7.0)


def format_ratio(ratio: float) -> str:
    """``4.478…`` → ``"4.48:1"``; never rounded up to a value that would pass."""
    shown = round(ratio, 2)
    if any(ratio < threshold <= shown for threshold in THRESHOLDS):
        shown = math.floor(ratio * 100) / 100
    return f"{shown:.2f}".rstrip("0").rstrip(".") + ":1"


def passes(first: str, second: str, minimum: float) -> bool:
    return contrast_ratio(first, second) >= minimum


# OKLab (Björn Ottosson, 2020): a perceptual space in which moving L alone
# changes lightness without visibly shifting hue.


def _to_oklab(value: str) -> RGB:
    r, g, b = (_linear(c) for c in hex_to_rgb(value))
    l_ = 0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b
    m_ = 0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b
    s_ = 0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b
    l_, m_, s_ = (math.copysign(abs(x) ** (1 / 3), x) for x in (l_, m_, s_))
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def _gamma(channel: float) -> float:
    channel = max(0.0, min(1.0, channel))
    if channel <= 0.0031308:
        return channel * 12.92 * 255
    return (1.055 * channel ** (1 / 2.4) - 0.055) * 255


def _from_oklab(lab: RGB) -> str:
    lightness, a, b = lab
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    r = 4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_
    g = -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_
    bl = -0.0040720468 * l_ - 0.7034186147 * m_ + 1.7076642 * s_
    return rgb_to_hex(_gamma(c) for c in (r, g, bl))


def with_lightness(value: str, lightness: float) -> str:
    """The colour with its OKLab lightness set to ``lightness`` (0–1), clipped to sRGB."""
    _l, a, b = _to_oklab(value)
    lightness = max(0.0, min(1.0, lightness))
    # Near black and white the gamut narrows; fade the chroma out with it.
    room = min(lightness, 1 - lightness) / 0.25
    fade = min(1.0, room)
    return _from_oklab((lightness, a * fade, b * fade))


def lightness(value: str) -> float:
    return _to_oklab(value)[0]


def shift_lightness(value: str, delta: float) -> str:
    return with_lightness(value, lightness(value) + delta)


def mix(first: str, second: str, amount: float) -> str:
    """``amount`` of ``second`` mixed into ``first``, in OKLab."""
    a, b = _to_oklab(first), _to_oklab(second)
    return _from_oklab(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))


def nearest_passing(colour: str, against: Iterable[tuple[str, float]], step: float = 0.002):
    """The colour closest to ``colour`` in lightness that reaches every (partner, ratio).

    Returns the colour itself when it already passes, and ``None`` only when
    neither darkening nor lightening can satisfy every pair at once.
    """
    colour = normalise_hex(colour)
    pairs = [(normalise_hex(partner), minimum) for partner, minimum in against]

    def ok(candidate: str) -> bool:
        return all(contrast_ratio(candidate, p) >= m for p, m in pairs)

    if ok(colour):
        return colour
    start = lightness(colour)
    best = None
    for direction in (-1, 1):
        distance = step
        while 0 <= start + direction * distance <= 1 + step:
            candidate = with_lightness(colour, start + direction * distance)
            if ok(candidate):
                if best is None or distance < best[0]:
                    best = (distance, candidate)
                break
            distance += step
    return best[1] if best else None


def best_on(background: str, choices: Iterable[str] = ("#ffffff", "#000000")) -> str:
    """Of ``choices``, the one with most contrast on ``background`` (button text)."""
    return max(choices, key=lambda choice: contrast_ratio(choice, background))
