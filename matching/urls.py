"""The participant's enrolment pages, under /my/programs/."""

from django.urls import path

from . import views

app_name = "matching"

program = "my/programs/<id:program_id>/"

urlpatterns = [
    path(program + "enrol/", views.enrol, name="enrol"),
    path(program + "withdraw/", views.withdraw, name="withdraw"),
]
