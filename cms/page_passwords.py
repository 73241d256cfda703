"""Wagtail's password form for a private page, refusing guesses after too many wrong ones.

Wagtail compares the password and lets the visitor try again, as often as they like.
Here, after ``PAGE_PASSWORD_ATTEMPTS`` wrong passwords from one network address for
one restriction (the page it protects and the pages below it) within
``LOGIN_LOCKOUT_MINUTES``, that address is refused, right password or wrong, until the
window has passed, and told when to try again. The right password clears the count.
The address is the one allauth counts sign-in attempts by.
"""

from datetime import timedelta
from http import HTTPStatus

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import views as wagtail_views
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import Page, PageViewRestriction

from journeys.ratelimit import Limit, try_again_in


def page_password_limit() -> Limit:
    return Limit(
        "page-password",
        settings.PAGE_PASSWORD_ATTEMPTS,
        timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
    )


class LimitedPasswordForm(PasswordViewRestrictionForm):
    """Wagtail's form, refusing every password while ``refusal`` is given."""

    def __init__(self, *args, refusal: str | None = None, **kwargs):
        self.refusal = refusal
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if self.refusal:
            return self.cleaned_data["password"]
        return super().clean_password()

    def clean(self):
        if self.refusal:
            raise forms.ValidationError(self.refusal, code="too_many_attempts")
        return super().clean()


def authenticate_with_password(request, page_view_restriction_id, page_id):
    if request.method != "POST":
        return wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)
    restriction = get_object_or_404(PageViewRestriction, id=page_view_restriction_id)
    page = get_object_or_404(Page, id=page_id).specific
    limit = page_password_limit()
    key = f"{get_adapter().get_client_ip(request)}:{restriction.pk}"
    now = timezone.now()
    until = limit.refused_until(key)
    refusal = None
    if until is not None:
        refusal = " ".join(
            [
                _("Too many wrong passwords have been tried for this page from your network."),
                try_again_in(until, now),
            ]
        )
    form = LimitedPasswordForm(request.POST, instance=restriction, refusal=refusal)
    if form.is_valid():
        limit.clear(key)
        return wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)
    if refusal is None:
        limit.record(key, now)
    action_url = reverse("wagtailcore_authenticate_with_password", args=[restriction.id, page.id])
    response = page.serve_password_required_response(request, form, action_url)
    if refusal is not None:
        response.status_code = HTTPStatus.TOO_MANY_REQUESTS
    return response
