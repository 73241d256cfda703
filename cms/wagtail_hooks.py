"""Admin wiring for people: the "Erase" button on Wagtail's Users listing, its page,
and the audit-log action it records."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from .erasure_views import admin_urls
from .services.erasure import ACTION, can_erase


@hooks.register("register_log_actions")
def register_erasure_action(actions):
    actions.register_action(ACTION, _("Erase person's data"), _("Erased the person's data"))


hooks.register("register_admin_urls", admin_urls)


@hooks.register("register_user_listing_buttons")
def erase_button(user, request_user):
    if can_erase(request_user) and not user.is_erased and user.pk != request_user.pk:
        yield Button(
            _("Erase"),
            reverse("cms_erase_person", args=[user.pk]),
            icon_name="bin",
            priority=90,
        )
