"""The participant pages, under /my/, and the secret calendar feed."""

from django.urls import path

from . import conversation_views, meeting_views, notification_views, views

app_name = "journeys"

journey = "my/journeys/<uuid:journey_uuid>/"
milestone = journey + "milestones/<str:milestone_id>/"
step = milestone + "steps/<str:step_id>/"
conversation = journey + "conversation/"
message = conversation + "<uuid:message_uuid>/"
plan = journey + "planned-meetings/<uuid:plan_uuid>/"

urlpatterns = [
    path("my/", views.my_mentoring, name="my_mentoring"),
    path("my/settings/", views.email_settings, name="email_settings"),
    path("my/calendar/", views.calendar_settings, name="calendar_settings"),
    path("my/calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("my/data/", views.my_data, name="my_data"),
    path("my/profile/", views.my_profile, name="my_profile"),
    path("my/unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(journey, views.journey_detail, name="journey"),
    path(journey + "calendar.ics", views.journey_calendar, name="journey_calendar"),
    path(journey + "people/<id:member_id>/", views.member_profile, name="member"),
    path(journey + "meetings/", views.log_meeting, name="log_meeting"),
    path(journey + "meetings/<uuid:meeting_uuid>/", meeting_views.meeting_detail, name="meeting"),
    path(
        journey + "meetings/<uuid:meeting_uuid>/notes/",
        meeting_views.write_meeting_notes,
        name="meeting_notes",
    ),
    path(journey + "planned-meetings/", meeting_views.propose_meeting, name="propose_meeting"),
    path(plan, meeting_views.planned_meeting_detail, name="planned_meeting"),
    path(plan + "accept/", meeting_views.accept_meeting, name="accept_meeting"),
    path(plan + "suggest/", meeting_views.suggest_times, name="suggest_times"),
    path(plan + "move/", meeting_views.move_meeting, name="move_meeting"),
    path(plan + "cancel/", meeting_views.cancel_meeting, name="cancel_meeting"),
    path(plan + "held/", meeting_views.meeting_held, name="meeting_held"),
    path(plan + "not-held/", meeting_views.meeting_not_held, name="meeting_not_held"),
    path("my/meeting-answers/<str:token>/", meeting_views.meeting_answer, name="meeting_answer"),
    path(journey + "goals/", views.set_goal, name="set_goal"),
    path(journey + "goals/<uuid:goal_uuid>/", views.update_goal, name="update_goal"),
    path(
        journey + "reflections/<uuid:reflection_uuid>/",
        views.reflection_detail,
        name="reflection",
    ),
    path(conversation, conversation_views.conversation_page, name="conversation"),
    path(
        conversation + "messages/",
        conversation_views.conversation_messages,
        name="conversation_messages",
    ),
    path(message + "edit/", conversation_views.edit_message, name="edit_message"),
    path(message + "delete/", conversation_views.delete_message, name="delete_message"),
    path(message + "report/", conversation_views.report_message, name="report_message"),
    path(milestone, views.milestone_detail, name="milestone"),
    path(step + "done/", views.complete_step, name="complete_step"),
    path(step + "undo/", views.undo_step, name="undo_step"),
    path(step + "reflection/", views.save_reflection, name="save_reflection"),
    path(step + "pulse/", views.record_pulse, name="record_pulse"),
]
