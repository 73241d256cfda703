"""The theme in templates: CSS custom properties for pages, inline values for emails.

``{% theme_css %}`` emits a ``<style>`` block that redefines the tokens of
``cms/css/site.css`` on ``:root`` for the site the request came to; it goes
after the stylesheet and carries the request's Content Security Policy nonce.
``{% get_theme as theme %}`` gives the theme itself (brand name, logo).
``{% email_theme as theme %}`` gives an email the values it must write inline,
for the site in the email's ``site`` context variable.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from wagtail.models import Site

from ..models import theme_for_request, theme_for_site, theme_tokens

register = template.Library()

# What a token's value may contain: hex colours, numbers with units, quoted
# font names. Never "<", so a value can never close the style element.
SAFE_VALUE = re.compile(r"^[#\w\s,.\"'()-]+$")


@register.simple_tag(takes_context=True)
def get_theme(context):
    request = context.get("request")
    if request is not None:
        return theme_for_request(request)
    return theme_for_site(context.get("site"))


@register.simple_tag(takes_context=True)
def theme_css(context):
    tokens = theme_tokens(get_theme(context))
    # A style element's text is not HTML-unescaped, so the values cannot be
    # escaped; they are validated hex colours, numbers and the fixed font
    # stacks, and are checked against SAFE_VALUE all the same.
    declarations = "".join(
        f"{name}:{value};"
        for name, value in tokens.css_declarations()
        if SAFE_VALUE.match(name) and SAFE_VALUE.match(value)
    )
    # The nonce is lazy: str() makes it, and puts it in the response's header.
    nonce = getattr(context.get("request"), "csp_nonce", None)
    nonce_attribute = f' nonce="{escape(str(nonce))}"' if nonce is not None else ""
    # Safe: every name and value matched SAFE_VALUE, which has no "<", so nothing
    # here can close the style element or start another; the nonce is escaped.
    return mark_safe(  # noqa: S308
        f'<style id="theme-tokens"{nonce_attribute}>:root{{{declarations}}}</style>'
    )


@register.simple_tag(takes_context=True)
def email_theme(context):
    """What an email's inline styles and frame need from the site's theme.

    Kept on the site object: a mailer reuses one per program for a whole run,
    so a thousand emails read the theme once.
    """
    site = context.get("site")
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    kept = getattr(site, "_trellis_email_theme", None)
    if kept is not None:
        return kept
    values = _email_values(site)
    if site is not None:
        site._trellis_email_theme = values
    return values


def _email_values(site) -> dict:
    theme = theme_for_site(site)
    tokens = theme_tokens(theme)
    c = tokens.colours
    return {
        "brand_name": theme.brand_name or (site.site_name if site else "") or "Trellis",
        "header": theme.email_header,
        "footer": theme.email_footer,
        "background": c["background"],
        "surface": c["surface"],
        "text": c["text"],
        "muted": c["muted"],
        "primary": c["primary"],
        "primary_contrast": c["primary-contrast"],
        "accent": c["accent"],
        "border": c["border"],
        "radius": f"{tokens.radius_px}px",
        "font": tokens.font_stack.replace('"', "'"),
    }
