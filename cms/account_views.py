"""The page an invitation link opens: choose a first password, or sign in with a code."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm
from allauth.account.utils import perform_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import invitations, sso
from .forms import NewPasswordForm
from .invitations import LinkState


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    found, state = invitations.find(token)
    if state is not LinkState.VALID:
        # Used, expired or unknown: say which, and offer a fresh link by email.
        return render(
            request,
            "cms/account/invitation_unusable.html",
            {"state": state.value, "form": ResetPasswordForm()},
        )
    if sso.requires_sso(found.user.email):
        # Their organisation signs them in; a password would go round that rule.
        return render(
            request,
            "cms/account/invitation.html",
            {
                "invitation": found,
                "email": found.user.email,
                "sso_message": sso.required_message(found.user.email),
            },
        )
    form = NewPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = invitations.accept(found, form.cleaned_data["new_password1"])
        if user is not None:
            return perform_login(request, user, redirect_url=reverse("journeys:my_mentoring"))
        return render(
            request,
            "cms/account/invitation_unusable.html",
            {"state": LinkState.USED.value, "form": ResetPasswordForm()},
        )
    return render(
        request,
        "cms/account/invitation.html",
        {"invitation": found, "form": form, "email": found.user.email},
    )


def email_addresses(request, *args, **kwargs):
    """allauth's page for adding addresses and choosing the primary one, closed.

    A person's address is the one their organisation gave them, and with no
    verification of addresses it is also how they sign in: an address added
    there would let them sign in by a mailbox nobody checked, step out of
    single sign-on by a domain it does not cover, or take the erased
    placeholder's domain. Admins change addresses under *Settings → Users*.
    """
    raise Http404
