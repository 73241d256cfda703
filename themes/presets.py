"""The themes a site starts from, and the type and corner choices editors pick among.

``HARBOUR`` is the look the site had before themes existed: its tokens are the
ones ``cms/static/cms/css/site.css`` declares on ``:root``, so a site with no
theme saved looks exactly as it always did.

Only system font stacks are offered: nothing is fetched from a font service,
and every stack ends in a generic family that every device has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

FONT_STACKS = {
    "system": (
        _("System sans-serif (the device’s own interface font)"),
        'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
        '"Noto Sans", sans-serif',
    ),
    "humanist": (
        _("Humanist sans-serif (warm, open letters)"),
        'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif',
    ),
    "rounded": (
        _("Rounded sans-serif (soft, friendly)"),
        'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, '
        '"Arial Rounded MT", "Arial Rounded MT Bold", Calibri, source-sans-pro, sans-serif',
    ),
    "serif": (
        _("Transitional serif (bookish, calm)"),
        'Charter, "Bitstream Charter", "Sitka Text", Cambria, "Noto Serif", serif',
    ),
}
FONT_CHOICES = [
    ("", _("The preset’s typeface")),
    *((key, label) for key, (label, _stack) in FONT_STACKS.items()),
]

# Every colour token the stylesheets use. Base colours are the ones an editor
# sets; the others are derived from them unless the preset names them.
BASE_COLOURS = ("primary", "accent", "background", "surface", "text")


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    description: str
    colours: dict[str, str]
    font: str
    radius_px: int
    tones: dict[str, str] = field(default_factory=dict)


HARBOUR = Preset(
    key="harbour",
    label=_("Harbour"),
    description=_("Deep sea green with a rust accent on warm paper; rounded corners."),
    colours={
        "primary": "#1f5f5b",
        "primary-hover": "#174845",
        "primary-contrast": "#ffffff",
        "accent": "#a6461f",
        "accent-soft": "#f6e6dc",
        "background": "#fbf8f3",
        "surface": "#ffffff",
        "surface-alt": "#f3ede4",
        "text": "#2b2622",
        "muted": "#5b524b",
        "border": "#ddd3c6",
        "focus": "#a6461f",
        "focus-halo": "#ffffff",
    },
    font="system",
    radius_px=12,
)

LANTERN = Preset(
    key="lantern",
    label=_("Lantern"),
    description=_("Indigo with an amber accent on cool white; humanist type, crisp corners."),
    colours={
        "primary": "#3b3a8f",
        "primary-hover": "#2c2b72",
        "primary-contrast": "#ffffff",
        "accent": "#8a4d00",
        "accent-soft": "#fbeedb",
        "background": "#f5f6fa",
        "surface": "#ffffff",
        "surface-alt": "#e9ebf4",
        "text": "#1c1f33",
        "muted": "#4d5270",
        "border": "#cfd3e3",
        "focus": "#8a4d00",
        "focus-halo": "#ffffff",
    },
    font="humanist",
    radius_px=4,
)

PRESETS = {preset.key: preset for preset in (HARBOUR, LANTERN)}
PRESET_CHOICES = [(preset.key, preset.label) for preset in PRESETS.values()]
DEFAULT_PRESET = HARBOUR.key
