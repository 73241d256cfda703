import re
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import account_views, page_passwords, views
from .account import account_view
from .admin_exports import neutralised_export_urlpatterns
from .review import ReviewActionView

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Wagtail's account page with a profile picture check (see cms.account); before the admin.
    path("admin/account/", account_view, name="wagtailadmin_account"),
    # One way in for everyone: the admin's sign-in page hands over to the site's,
    # which throttles guessing and, for staff, asks for the second factor.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login",
    ),
    # Wagtail's own sign-in page for the site's private pages hands over the same way:
    # it asked for a password alone, never for the second factor, however often.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    # Wagtail's password form for a private page, limiting wrong guesses (cms.page_passwords).
    path(
        "_util/authenticate_with_password/<id:page_view_restriction_id>/<id:page_id>/",
        page_passwords.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    # Wagtail's review action on a page, ending with a message of what it did (cms.review).
    path(
        "admin/pages/workflow/action/<id:page_id>/<slug:action_name>/<id:task_state_id>/",
        ReviewActionView.as_view(),
    ),
    # Wagtail's exporting admin views (reports, redirects), at their own addresses but
    # writing no cell as a formula (cms.admin_exports). Among them the page types
    # report, refused to admins whose page rights stop at their programs
    # (journeys.admin_access): it names pages of every program.
    *neutralised_export_urlpatterns(),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/invitation/<str:token>/", account_views.invitation, name="invitation"),
    # Nobody changes their own address (cms.account_views.email_addresses).
    path("accounts/email/", account_views.email_addresses, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("search/", views.search, name="search"),
    path("csp-report/", views.csp_report, name="csp_report"),
    path("", include("journeys.urls")),
    path("", include("insights.urls")),
    path("", include("matching.urls")),
    path("", include("matching.selfmatch_urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# Uploaded media, where nothing in front of the site serves them: development
# and the demo (TRELLIS_SERVE_MEDIA), and only for a MEDIA_URL that is a path
# of this site (never "/", which would answer for every page).
media_on_this_site = not urlsplit(settings.MEDIA_URL).netloc and settings.MEDIA_URL.strip("/")
if (settings.DEBUG or settings.TRELLIS_SERVE_MEDIA) and media_on_this_site:
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]

handler500 = "cms.views.server_error"
