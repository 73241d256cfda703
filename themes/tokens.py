"""A theme's effective tokens: the preset, the editor's choices, and what follows from them.

Rules this module keeps:

* A colour the editor leaves empty is the preset's. A derived token (hover,
  soft, muted, border…) is the preset's own unless one of the colours it is
  made from was changed; then it is computed from them, so a changed primary
  brings a matching hover colour and a readable button text with it.
* Muted text is made readable: it is pulled towards the text colour until it
  reaches 4.5:1 on the background, the surface and the alternate surface.
* The contrast checks (``contrast_problems``) name, for each colour an editor
  sets, every pair it must pass and the nearest colour that passes them all.

Pure functions over plain values; the model hands them its fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import contrast
from .presets import BASE_COLOURS, FONT_STACKS, PRESETS, Preset

DERIVED_FROM = {
    "primary-hover": {"primary"},
    "primary-contrast": {"primary"},
    "accent-soft": {"accent", "surface"},
    "surface-alt": {"background", "text"},
    "border": {"background", "text"},
    "muted": {"text", "background", "surface"},
    "focus": {"accent"},
    "focus-halo": {"surface"},
}


@dataclass(frozen=True)
class Tokens:
    colours: dict[str, str]
    font_stack: str
    radius_px: int

    def css_declarations(self) -> list[tuple[str, str]]:
        """(custom property, value) pairs for ``:root``, colours first."""
        declarations = [(f"--color-{name}", value) for name, value in self.colours.items()]
        declarations += [
            ("--radius", f"{self.radius_px / 16:g}rem"),
            ("--font-body", self.font_stack),
        ]
        return declarations


def _derive(name: str, c: dict[str, str]) -> str:
    if name == "primary-hover":
        step = -0.07 if contrast.lightness(c["primary"]) > 0.3 else 0.07
        return contrast.shift_lightness(c["primary"], step)
    if name == "primary-contrast":
        return contrast.best_on(c["primary"])
    if name == "accent-soft":
        return contrast.mix(c["accent"], c["surface"], 0.88)
    if name == "surface-alt":
        return contrast.mix(c["background"], c["text"], 0.05)
    if name == "border":
        return contrast.mix(c["background"], c["text"], 0.17)
    if name == "muted":
        candidate = contrast.mix(c["text"], c["background"], 0.3)
        partners = [(c[k], contrast.AA_TEXT) for k in ("background", "surface", "surface-alt")]
        return contrast.nearest_passing(candidate, partners) or c["text"]
    if name == "focus":
        return c["accent"]
    if name == "focus-halo":
        return c["surface"]
    raise KeyError(name)


def build_tokens(
    preset: Preset | str,
    overrides: dict[str, str] | None = None,
    font: str = "",
    radius_px: int | None = None,
) -> Tokens:
    """The tokens of ``preset`` with the editor's ``overrides`` (base colour → hex)."""
    preset = PRESETS[preset] if isinstance(preset, str) else preset
    changed = {
        name: contrast.normalise_hex(value)
        for name, value in (overrides or {}).items()
        if value and name in BASE_COLOURS
    }
    changed = {n: v for n, v in changed.items() if v != preset.colours[n]}
    colours = {**preset.colours, **changed}
    # Order matters: muted reads surface-alt, which may itself be derived.
    for name in ("primary-hover", "primary-contrast", "surface-alt", "border", "accent-soft"):
        if DERIVED_FROM[name] & changed.keys():
            colours[name] = _derive(name, colours)
    for name in ("muted", "focus", "focus-halo"):
        if DERIVED_FROM[name] & changed.keys():
            colours[name] = _derive(name, colours)
    stack = FONT_STACKS.get(font or preset.font, FONT_STACKS[preset.font])[1]
    return Tokens(
        colours=colours,
        font_stack=stack,
        radius_px=preset.radius_px if radius_px is None else radius_px,
    )


@dataclass(frozen=True)
class Check:
    """One pair a colour must pass: ``field`` on ``partner`` at ``minimum``."""

    field: str
    partner: str
    minimum: float
    label: str


def checks() -> list[Check]:
    """Every pair the site's pages put together, grouped by the colour an editor fixes."""
    return [
        Check("text", "background", contrast.AA_TEXT, _("Text on background")),
        Check("text", "surface", contrast.AA_TEXT, _("Text on surface")),
        Check("text", "surface-alt", contrast.AA_TEXT, _("Text on the alternate surface")),
        Check("text", "accent-soft", contrast.AA_TEXT, _("Text on the soft accent")),
        Check("primary", "primary-contrast", contrast.AA_TEXT, _("Button text on primary")),
        Check("primary", "background", contrast.AA_TEXT, _("Links (primary) on background")),
        Check("primary", "surface", contrast.AA_TEXT, _("Links (primary) on surface")),
        Check(
            "primary",
            "surface-alt",
            contrast.AA_TEXT,
            _("Links (primary) on the alternate surface"),
        ),
        Check("accent", "background", contrast.AA_TEXT, _("Accent text on background")),
        Check("accent", "accent-soft", contrast.AA_TEXT, _("Accent text on the soft accent")),
        Check("accent", "background", contrast.AA_UI, _("Focus outline (accent) on background")),
    ]


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    ratio: float
    minimum: float
    suggestion: str | None


def contrast_problems(
    preset: Preset | str,
    overrides: dict[str, str] | None = None,
    font: str = "",
    radius_px: int | None = None,
) -> list[Problem]:
    """The first failing pair of each colour, with the nearest colour that passes all its pairs.

    A suggestion is tried as the editor would try it: the theme is rebuilt with
    it (so the colours derived from it move too) and checked again.
    """
    overrides = dict(overrides or {})
    tokens = build_tokens(preset, overrides, font, radius_px)
    c = tokens.colours
    problems = []
    for name, field_checks in _checks_by_field().items():
        failing = _first_failing(c, field_checks)
        if failing is None:
            continue
        ratio = contrast.contrast_ratio(c[name], c[failing.partner])
        suggestion = _suggest(preset, overrides, font, radius_px, name)
        message = _("%(pair)s is %(ratio)s; AA needs %(minimum)s.") % {
            "pair": failing.label,
            "ratio": contrast.format_ratio(ratio),
            "minimum": f"{failing.minimum:g}:1",
        }
        if suggestion:
            message += " " + _("%(colour)s is the nearest %(name)s colour that passes.") % {
                "colour": suggestion,
                "name": _field_word(name),
            }
        else:
            message += " " + _(
                "No %(name)s colour passes everywhere it is used; change the colours it sits on."
            ) % {"name": _field_word(name)}
        problems.append(Problem(name, message, ratio, failing.minimum, suggestion))
    return problems


def _checks_by_field() -> dict[str, list[Check]]:
    by_field: dict[str, list[Check]] = {}
    for check in checks():
        by_field.setdefault(check.field, []).append(check)
    return by_field


def _first_failing(colours: dict[str, str], field_checks: list[Check]) -> Check | None:
    return next(
        (
            k
            for k in field_checks
            if not contrast.passes(colours[k.field], colours[k.partner], k.minimum)
        ),
        None,
    )


def _suggest(preset, overrides, font, radius_px, name, attempts: int = 4) -> str | None:
    field_checks = _checks_by_field()[name]
    colours = build_tokens(preset, overrides, font, radius_px).colours
    for attempt in range(attempts):
        # Partners derived from the colour itself (button text from primary)
        # are unknown until the theme is rebuilt: left out the first time, then
        # taken as the rebuilt theme has them.
        partners = [
            (colours[k.partner], k.minimum)
            for k in field_checks
            if attempt or name not in DERIVED_FROM.get(k.partner, ())
        ]
        candidate = contrast.nearest_passing(colours[name], partners)
        if candidate is None:
            return None
        colours = build_tokens(preset, {**overrides, name: candidate}, font, radius_px).colours
        if _first_failing(colours, field_checks) is None:
            return candidate
    return None


def _field_word(name: str) -> str:
    return {"text": _("text"), "primary": _("primary"), "accent": _("accent")}[name]
