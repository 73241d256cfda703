"""Two-factor sign-in for the people who can publish to the whole company.

With ``MFA_REQUIRED_FOR_STAFF`` on, whoever may reach the Wagtail admin and has
no authenticator app set up is sent to set one up, with a message saying
why, whenever they ask for an admin page. Signing in then asks them for a
code from the app (django-allauth's MFA stage), on the site's sign-in page
that the admin's own hands over to.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

ADMIN_PREFIX = "/admin/"


def can_reach_admin(user) -> bool:
    return user.is_authenticated and user.has_perm("wagtailadmin.access_admin")


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffSetUpTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and request.path.startswith(ADMIN_PREFIX)
            and can_reach_admin(request.user)
            and not has_authenticator_app(request.user)
        ):
            messages.warning(
                request,
                _(
                    "The editor's area needs two-factor sign-in. Set up an authenticator "
                    "app here; from then on, signing in asks for a code from it."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
