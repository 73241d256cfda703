"""The re-match page's admin URL, as a hook function.

Not registered here: ``matching.wagtail_hooks`` registers it, e.g.
``hooks.register("register_admin_urls", register_rematch_urls)``, so the admin's
wiring stays in one place.
"""

from .rematch_views import admin_urls


def register_rematch_urls():
    return admin_urls()
