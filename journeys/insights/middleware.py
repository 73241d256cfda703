"""Keep a sponsor to their insights: the rest of the admin is not theirs to see.

Wagtail opens some admin pages to anyone who may use the admin at all (the
site history report, the search box on the admin's home page). For a person
whose only rights there are the sponsor's, this middleware lets through the
insights pages and what signing in and out and managing one's own account
need; the admin's home page leads to their insights; anything else answers as
Wagtail answers a page one may not see.
"""

from __future__ import annotations

from django.shortcuts import redirect
from wagtail.admin.auth import permission_denied

from .permissions import is_sponsor_only

ALLOWED_NAMESPACES = frozenset({"insights"})
ALLOWED_NAMES = frozenset(
    {
        "wagtailadmin_account",
        "wagtailadmin_dismissibles",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_password_reset",
        "wagtailadmin_password_reset_complete",
        "wagtailadmin_password_reset_confirm",
        "wagtailadmin_password_reset_done",
        "wagtailadmin_sprite",
    }
)
ADMIN_ROUTE = "admin/"  # where cms/urls.py mounts the admin


class SponsorsSeeInsightsOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not match.route.startswith(ADMIN_ROUTE):
            return None
        if match.namespace in ALLOWED_NAMESPACES or match.url_name in ALLOWED_NAMES:
            return None
        user = getattr(request, "user", None)
        if user is None or not is_sponsor_only(user):
            return None
        if match.view_name == "wagtailadmin_home":
            return redirect("insights:index")
        return permission_denied(request)
