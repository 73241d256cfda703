"""How django-allauth fits Trellis: nobody signs up, invited people get invitations.

Accounts are made for people (by enrolment imports, matching and the admin),
so sign-up is closed. Asking for a new password for an account that never had
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
from allauth.usersessions.models import UserSession
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from . import invitations

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as error:
            logger.error(
                "Could not send %s to a person who asked for it: %s", template_prefix, error
            )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """allauth's form, inviting the people who never had a password instead."""

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
