"""The sponsor's page on the site (``site_views``); the admin's pages are in ``viewsets``."""

from django.urls import path

from . import site_views

app_name = "program_insights"

urlpatterns = [
    path("programs/<slug:slug>/insights/", site_views.program_insights_page, name="page"),
]
