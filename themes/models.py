"""``ThemeSettings``: one site's brand, colours, type, corners and email frame."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from . import contrast
from .presets import BASE_COLOURS, DEFAULT_PRESET, FONT_CHOICES, PRESET_CHOICES, PRESETS
from .tokens import Tokens, build_tokens, contrast_problems

hex_colour = RegexValidator(
    contrast.HEX_PATTERN,
    _("Enter a hex colour such as #1f5f5b: a # and three or six digits 0–9 or letters a–f."),
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
        help_text=_(
            "A line under the brand name at the top of every email, such as "
            "“Mentoring at Harbourline”. Empty: no line."
        ),
    )
    email_footer = models.TextField(
        _("email footer"),
        blank=True,
        max_length=600,
        help_text=_(
            "Words at the foot of every email, above the unsubscribe links: who sends "
            "it and who to ask. Plain text; line breaks are kept."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

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


THEME_CACHE_SECONDS = 5 * 60


def _cache_key(site_id) -> str:
    return f"themes:site:{site_id}"


def theme_for_site(site) -> ThemeSettings:
    """The site's saved theme, or an unsaved default one (the Harbour preset).

    Unlike ``ThemeSettings.for_site`` this never writes: a page view or an
    email must not create rows. The answer is kept in the cache, and forgotten
    when the theme is saved or deleted, so a page costs no query for it.
    """
    if site is None:
        return ThemeSettings(preset=DEFAULT_PRESET)
    theme = cache.get(_cache_key(site.pk))
    if theme is None:
        theme = ThemeSettings.base_queryset().filter(site=site).first() or ThemeSettings(
            site_id=site.pk, preset=DEFAULT_PRESET
        )
        cache.set(_cache_key(site.pk), theme, THEME_CACHE_SECONDS)
    return theme


@receiver(post_save, sender=ThemeSettings)
@receiver(post_delete, sender=ThemeSettings)
def _forget_theme(sender, instance, **kwargs):
    cache.delete(_cache_key(instance.site_id))


def theme_for_request(request) -> ThemeSettings:
    """The theme of the site the request came to, looked up once per request."""
    cached = getattr(request, "_trellis_theme", None)
    if cached is None:
        cached = theme_for_site(Site.find_for_request(request))
        request._trellis_theme = cached
    return cached
