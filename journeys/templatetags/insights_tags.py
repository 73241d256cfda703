"""The insights pages' admin frame, with its two dearest parts kept.

Building the Wagtail sidebar asks every menu item and search area whether the
viewer may see it: half a dozen permission queries and most of the frame's
time. Its output depends only on the viewer, their language and the menu, so
the insights pages keep it per viewer for ``SIDEBAR_SECONDS``. A menu item that
a permission change has just hidden can linger that long; the page behind it
still checks the permission itself.

The keyboard shortcuts dialog depends on nothing but the language, whether the
browser runs on an Apple system (its key labels) and whether the viewer turned
shortcuts off, so it is rendered once for each.
"""

import re

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language
from wagtail.admin.templatetags.wagtailadmin_tags import keyboard_shortcuts_dialog, sidebar_props

register = template.Library()

SIDEBAR_SECONDS = 60
SHORTCUTS_SECONDS = 24 * 60 * 60
APPLE = re.compile(r"Mac|iPod|iPhone|iPad")


@register.simple_tag(takes_context=True)
def kept_sidebar_props(context):
    """What ``{% sidebar_props %}`` gives, kept per viewer and language."""
    user = context["request"].user
    key = f"insights:sidebar:{user.pk}:{get_language()}"
    props = cache.get(key)
    if props is None:
        props = sidebar_props(context)
        cache.set(key, props, SIDEBAR_SECONDS)
    return props


@register.simple_tag(takes_context=True)
def kept_keyboard_shortcuts_dialog(context):
    """What ``{% keyboard_shortcuts_dialog %}`` gives, rendered once per kind of viewer."""
    request = context["request"]
    profile = getattr(request.user, "wagtail_userprofile", None)
    enabled = bool(getattr(profile, "keyboard_shortcuts", True))
    apple = bool(APPLE.search(request.headers.get("User-Agent", "")))
    key = f"insights:shortcuts:{get_language()}:{apple}:{enabled}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "wagtailadmin/shared/keyboard_shortcuts_dialog.html",
            keyboard_shortcuts_dialog(context),
        )
        cache.set(key, html, SHORTCUTS_SECONDS)
    return html
