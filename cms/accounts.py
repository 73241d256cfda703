"""How django-allauth fits Trellis: nobody signs up, invited people get invitations.

Accounts are made for people (by enrolment imports, matching and the admin),
so sign-up is closed, except through single sign-on for the addresses the
installation trusts its providers with (``cms.sso`` states the rules; the
forms below refuse passwords and codes where single sign-on is required).
Asking for a new password for an account that never had
one sends the person an invitation instead, and asking for an unknown address
looks exactly the same to the asker.

The emails allauth sends on a person's own request (a sign-in code, a
password reset link) are sent at once through Django's mail framework rather
than through the outbox: the person is waiting for them, they are worthless a
few minutes later, and the outbox would store a working secret in a row. If
the mail server cannot be reached the failure is logged and the page the
person sees is the same, so no account is revealed by it either.
"""

from __future__ import annotations

import logging
import smtplib

from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import messages
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Site

from . import invitations, sso

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def get_reauthentication_methods(self, user) -> list[dict]:
        """Someone with no password yet chooses one where a password would be asked for.

        People who sign in only with emailed codes have no password, and their
        address is no allauth ``EmailAddress`` it could send a code to, so
        allauth has no way to confirm it is them and refuses the page
        (setting up two-factor sign-in, which staff must do) with a bare
        "Forbidden". Choosing a password first opens the way; allauth brings
        them back to the page they asked for.
        """
        methods = super().get_reauthentication_methods(user)
        if methods or not user.is_authenticated or user.has_usable_password():
            return methods
        return [
            {
                "id": "set_password",
                "description": _("Choose a password"),
                "url": reverse("account_set_password"),
            }
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The emails wear the theme of the site the person asked on (``email_theme``).
        request = context.get("request") or getattr(self, "request", None)
        if request is not None:
            context.setdefault("site", Site.find_for_request(request))
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as error:
            logger.error(
                "Could not send %s to a person who asked for it: %s", template_prefix, error
            )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on within ``cms.sso``'s rules."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        """A new account only for an address the provider verified, on a listed domain."""
        email = sociallogin.user.email if sociallogin.user else ""
        verified = {
            address.email.lower() for address in sociallogin.email_addresses if address.verified
        }
        if email and email.lower() in verified and sso.vouches_for(email):
            return True
        logger.info(
            "Refused single sign-on through %s for an address it may not vouch for.",
            sociallogin.provider.id if sociallogin.provider else "?",
        )
        messages.error(request, sso.refused_message())
        raise ImmediateHttpResponse(redirect("account_login"))

    def can_authenticate_by_email(self, login, email: str) -> bool:
        """Link an existing account only for a verified address on a listed domain.

        allauth passes verified addresses only; the domain keeps a provider
        that is trusted for one organisation from speaking for another's people.
        """
        return sso.vouches_for(email) and super().can_authenticate_by_email(login, email)

    def pre_social_login(self, request, sociallogin) -> None:
        """Keep the password of an account found by its address.

        allauth wipes the password of an account it links by an address the
        site never verified, against someone who signed up with another's
        address beforehand. Nobody signs themselves up to Trellis: the
        address was given by the organisation and the provider has verified
        it, so it is recorded as verified instead.
        """
        user = sociallogin.user
        if sociallogin.account.pk or not user or not user.pk:
            return
        email = user.email.lower()
        if not any(
            address.verified and address.email.lower() == email
            for address in sociallogin.email_addresses
        ):
            return
        updated = EmailAddress.objects.filter(user=user, email__iexact=email).update(verified=True)
        if not updated:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)

    def on_authentication_error(self, request, provider, error=None, exception=None, **kwargs):
        logger.warning(
            "Single sign-on through %s failed: %s %s",
            getattr(provider, "id", provider),
            error,
            exception or "",
        )
        super().on_authentication_error(
            request, provider, error=error, exception=exception, **kwargs
        )


class RefusesSingleSignOnAddresses:
    """Refuses, by domain alone, addresses that may sign in only through single sign-on.

    The check runs before allauth looks the address up or counts the attempt,
    so every address on the domain gets the same answer, account or not.
    """

    def refuse_single_sign_on_addresses(self, value: str) -> str:
        if sso.requires_sso(value):
            raise forms.ValidationError(sso.required_message(value), code="sso_required")
        return value


class LoginForm(RefusesSingleSignOnAddresses, allauth_forms.LoginForm):
    def clean_login(self) -> str:
        return self.refuse_single_sign_on_addresses(super().clean_login())


class RequestLoginCodeForm(RefusesSingleSignOnAddresses, allauth_forms.RequestLoginCodeForm):
    def clean_email(self) -> str:
        self.refuse_single_sign_on_addresses(self.cleaned_data.get("email") or "")
        return super().clean_email()


class ResetPasswordForm(RefusesSingleSignOnAddresses, allauth_forms.ResetPasswordForm):
    """allauth's form, inviting the people who never had a password instead."""

    def clean_email(self) -> str:
        self.refuse_single_sign_on_addresses(self.cleaned_data.get("email") or "")
        return super().clean_email()

    def save(self, request, **kwargs) -> str:
        email = self.cleaned_data["email"]
        invited = [user for user in self.users if invitations.needs_invitation(user)]
        if invited:
            with transaction.atomic():
                invitations.invite(invited)
        self.users = [user for user in self.users if user not in invited]
        if self.users or not invited:
            # A reset link for the others; allauth's "no account" email if nobody matched.
            super().save(request, **kwargs)
        return email


@receiver(user_logged_in)
def use_up_invitations(sender, request, user, **kwargs):
    """Whoever signs in, by password, code or single sign-on, has used their invitation."""
    invitations.use_up(user)


@receiver(user_logged_out)
def end_other_sessions(sender, request, user, **kwargs):
    """Signing out anywhere signs the person out everywhere."""
    if user is None:
        return
    for session in UserSession.objects.filter(user=user):
        session.end()


class PasswordRulesAsSentences:
    """The password rules as plain sentences, not allauth's HTML list.

    Trellis prints every help text escaped (see ``cms.forms.NewPasswordForm``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(password_validators_help_texts())


class ChangePasswordForm(PasswordRulesAsSentences, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(PasswordRulesAsSentences, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordKeyForm(PasswordRulesAsSentences, allauth_forms.ResetPasswordKeyForm):
    pass
