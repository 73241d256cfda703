"""Self-match pages, under /my/: choosing a mentor, and answering requests."""

from django.urls import path

from . import selfmatch_views as views

app_name = "selfmatch"

mentors = "my/programs/<id:program_id>/mentors/"
request = "my/mentoring-requests/<uuid:request_uuid>/"

urlpatterns = [
    path(mentors, views.mentors, name="mentors"),
    path(mentors + "<uuid:mentor_uuid>/ask/", views.ask, name="ask"),
    path("my/mentoring-requests/", views.requests, name="requests"),
    path(request, views.request_detail, name="request"),
    path(request + "withdraw/", views.withdraw, name="withdraw"),
    path(request + "accept/", views.accept, name="accept"),
    path(request + "decline/", views.decline, name="decline"),
]
