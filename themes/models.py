"""``ThemeSettings``: one site's brand, colours, type, corners and email frame.

What is cached, and why it cannot be stale: a page reads its site's theme row
from the database on every request (once per request), with the row's
``version``, which every save moves on. Only the tokens built from the row are
kept in the cache, under the theme's id and that version, for a day at most:
a saved theme has a new version, so every process, whatever cache it has,
builds its tokens afresh on its next request. A cache that fails costs the
few tenths of a millisecond of building them, never the page.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from . import contrast
from .presets import BASE_COLOURS, DEFAULT_PRESET, FONT_CHOICES, PRESET_CHOICES, PRESETS
from .tokens import Tokens, build_tokens, contrast_problems

logger = logging.getLogger(__name__)

hex_colour = RegexValidator(
    contrast.HEX_PATTERN,
    _("Enter a hex colour such as #1f5f5b: a # and three or six digits 0–9 or letters a–f."),
)

# The rule of ``content.text.validate_line``, which this app cannot import: a name
# shown in a header, a browser tab and the first line of emails is one line, and so is
# the email header beside it on that first line.
one_line = RegexValidator(
    r"[\x00-\x1f\x7f-\x9f]",
    _(
        "This must be one line of text, but it holds a line break, a tab or another "
        "control character; remove it."
    ),
    code="control_character",
    inverse_match=True,
)


def colour_field(verbose_name, help_text):
    return models.CharField(
        verbose_name,
        max_length=7,
        blank=True,
        validators=[hex_colour],
        help_text=help_text,
    )


def _preset_help() -> str:
    return " ".join(f"{preset.label}: {preset.description}" for preset in PRESETS.values())


@register_setting(icon="image")
class ThemeSettings(BaseSiteSetting):
    """How one site looks, in its pages and its emails.

    Empty colours, font and radius come from the chosen preset, so a site that
    never saved a theme looks like the Harbour preset: the site's original look.
    """

    preset = models.CharField(
        _("start from"),
        max_length=20,
        choices=PRESET_CHOICES,
        default=DEFAULT_PRESET,
        help_text=_(
            "The theme this one starts from. Any colour, font or corner left empty "
            "below is the preset's."
        ),
    )
    brand_name = models.CharField(
        _("brand name"),
        max_length=80,
        blank=True,
        validators=[one_line],
        help_text=_(
            "The name in the page header, the browser tab and emails. Empty: the site's name."
        ),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown beside the brand name in the page header, at most 40 pixels high. "
            "Its alt text is the brand name."
        ),
    )
    primary = colour_field(
        _("primary"),
        _("Links, buttons and the current page in the menu. Empty: the preset's."),
    )
    accent = colour_field(
        _("accent"),
        _("Quotes, labels and the keyboard focus outline. Empty: the preset's."),
    )
    background = colour_field(
        _("background"), _("The page behind everything. Empty: the preset's.")
    )
    surface = colour_field(
        _("surface"),
        _("Cards, panels, form fields and the header. Empty: the preset's."),
    )
    text = colour_field(_("text"), _("Body text and headings. Empty: the preset's."))
    font = models.CharField(
        _("typeface"),
        max_length=20,
        blank=True,
        choices=FONT_CHOICES,
        help_text=_(
            "Type for the whole site, from the fonts people's devices already have "
            "(nothing is downloaded). Empty: the preset's."
        ),
    )
    corner_radius = models.PositiveSmallIntegerField(
        _("corner radius (pixels)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(24)],
        help_text=_(
            "How round the corners of cards and panels are, from 0 (square) to 24. "
            "Buttons stay pill-shaped. Empty: the preset's."
        ),
    )
    email_header = models.CharField(
        _("email header"),
        max_length=200,
        blank=True,
        validators=[one_line],
        help_text=_(
            "A line under the brand name at the top of every email, such as "
            "“Mentoring at Harbourline”. Empty: no line."
        ),
    )
    email_footer = models.TextField(
        _("email footer"),
        blank=True,
        max_length=600,
        validators=[MaxLengthValidator(600)],
        help_text=_(
            "Words at the foot of every email, above the unsubscribe links: who sends "
            "it and who to ask. Plain text; line breaks are kept."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Moved on by every save, in the database (two saves at once get two
    # numbers): the cache key of what is built from the theme.
    version = models.PositiveIntegerField(default=1, editable=False)

    panels = [
        MultiFieldPanel(
            [
                HelpPanel(content=_preset_help()),
                FieldPanel("preset"),
            ],
            heading=_("Preset"),
        ),
        MultiFieldPanel(
            [FieldPanel("brand_name"), FieldPanel("logo")],
            heading=_("Brand"),
        ),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Colours are checked for WCAG 2.2 AA contrast when you save: "
                        "4.5:1 for text and links, 3:1 for the focus outline. A theme "
                        "that falls short is refused, with the nearest colour that passes."
                    )
                ),
                FieldRowPanel([FieldPanel("primary"), FieldPanel("accent")]),
                FieldRowPanel(
                    [FieldPanel("background"), FieldPanel("surface"), FieldPanel("text")]
                ),
            ],
            heading=_("Colours"),
        ),
        MultiFieldPanel(
            [FieldPanel("font"), FieldPanel("corner_radius")],
            heading=_("Type and shape"),
        ),
        MultiFieldPanel(
            [FieldPanel("email_header"), FieldPanel("email_footer")],
            heading=_("Emails"),
        ),
    ]

    class Meta:
        verbose_name = _("theme")

    def colour_overrides(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in BASE_COLOURS if getattr(self, name)}

    @property
    def tokens(self) -> Tokens:
        return build_tokens(
            self.preset if self.preset in PRESETS else DEFAULT_PRESET,
            self.colour_overrides(),
            self.font,
            self.corner_radius,
        )

    def clean(self):
        super().clean()
        errors = {}
        for name in BASE_COLOURS:
            value = getattr(self, name)
            if value:
                try:
                    setattr(self, name, contrast.normalise_hex(value))
                except ValueError:
                    errors[name] = hex_colour.message
        if self.preset not in PRESETS:
            errors["preset"] = _("Choose one of the presets.")
        if errors:
            raise ValidationError(errors)
        problems = contrast_problems(
            self.preset, self.colour_overrides(), self.font, self.corner_radius
        )
        if problems:
            raise ValidationError({problem.field: problem.message for problem in problems})

    def save(self, *args, **kwargs):
        """Save, moving ``version`` on: a saved theme is never mistaken for the one before.

        Always change a theme through ``save()``; a queryset ``update()`` would
        leave the version, and the tokens kept under it, as they were.
        """
        if self._state.adding:
            return super().save(*args, **kwargs)
        self.version = models.F("version") + 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)
        self.refresh_from_db(fields=["version"])


TOKENS_SECONDS = 24 * 60 * 60
# Part of every key: raise it whenever ``build_tokens`` may give other tokens
# for the same theme, so that tokens built by an older release are not used.
TOKENS_KEY_VERSION = 1


def theme_for_site(site) -> ThemeSettings:
    """The site's saved theme, as it is in the database now, or an unsaved default.

    The default is the Harbour preset. Unlike ``ThemeSettings.for_site`` this
    never writes: a page view or an email must not create rows.
    """
    if site is None:
        return ThemeSettings(preset=DEFAULT_PRESET)
    return ThemeSettings.base_queryset().filter(site=site).first() or ThemeSettings(
        site_id=site.pk, preset=DEFAULT_PRESET
    )


def theme_tokens(theme: ThemeSettings) -> Tokens:
    """The tokens of a theme as read by ``theme_for_site``, kept under its id and version.

    Only for a theme as it was read from the database: an edited, unsaved one
    would find the tokens of the version it was read at. The unsaved default
    is built from the preset alone, every time.
    """
    if theme.pk is None:
        return theme.tokens
    key = f"themes:tokens:{TOKENS_KEY_VERSION}:{theme.pk}:{theme.version}"
    try:
        tokens = cache.get(key)
    except Exception:  # an unavailable cache costs time, never the page
        logger.warning("Cache unavailable; building the theme's tokens without it.", exc_info=True)
        return theme.tokens
    if tokens is None:
        tokens = theme.tokens
        try:
            cache.set(key, tokens, TOKENS_SECONDS)
        except Exception:  # as above: the tokens stand without the cache
            logger.warning("Cache unavailable; the theme's tokens are not kept.", exc_info=True)
    return tokens


def theme_for_request(request) -> ThemeSettings:
    """The theme of the site the request came to, read once per request."""
    theme = getattr(request, "_trellis_theme", None)
    if theme is None:
        theme = theme_for_site(Site.find_for_request(request))
        request._trellis_theme = theme
    return theme
