"""The admin's "Erase" page for one person: what will happen, then doing it.

Only people who may erase (``services.erasure.can_erase``: superusers and
holders of ``cms.erase_user``) reach it; anyone else gets 403. The GET says
plainly, in counts, what will be deleted, replaced and kept; the POST erases
and returns to the Users listing. A refusal (themselves, a superuser, someone
already erased) is shown on the page and changes nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from journeys.models import ProgramPage

from .exceptions import ErasureRefused
from .services.erasure import can_erase, check_erasable, erase_person, erasure_summary


class ErasePersonView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cms/admin/erase_person.html"
    page_title = gettext_lazy("Erase a person's data")
    header_icon = "bin"

    def dispatch(self, request, *args, **kwargs):
        if not can_erase(request.user):
            raise PermissionDenied
        self.person = get_object_or_404(get_user_model(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.person)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailusers_users:index"), "label": _("Users")},
            {"url": "", "label": self.get_header_title()},
        ]

    def get_context_data(self, refusal=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if refusal is None:
            try:
                check_erasable(self.person, self.request.user)
            except ErasureRefused as error:
                refusal = str(error)
        programs = (
            ProgramPage.objects.filter(journeys__memberships__user=self.person)
            .distinct()
            .order_by("title")
        )
        context.update(
            {
                "person": self.person,
                "summary": erasure_summary(self.person),
                "programs": programs,
                "refusal": refusal,
                "users_url": reverse("wagtailusers_users:index"),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            erase_person(self.person, by=request.user)
        except ErasureRefused as error:
            return self.render_to_response(self.get_context_data(refusal=str(error)))
        messages.success(
            request, _("Their data has been erased; they are now “Former participant”.")
        )
        return redirect("wagtailusers_users:index")


def admin_urls():
    """The erase page's URL, for a ``register_admin_urls`` hook."""
    return [path("people/<id:pk>/erase/", ErasePersonView.as_view(), name="cms_erase_person")]
