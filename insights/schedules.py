"""The insights app's recurring work, synced by name with ``manage.py sync_schedules``."""

from django_q.models import Schedule

SCHEDULES = [
    {
        # Programs' figures missing, stale (a change announced) or older than an hour.
        "name": "trellis.insights_sweep",
        "func": "insights.tasks.sweep_insights",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "trellis.insights_digests",
        "func": "insights.tasks.send_insights_digests",
        "schedule_type": Schedule.WEEKLY,
    },
    {
        # Forgets which materials people opened after TRELLIS_RETENTION_DAYS.
        "name": "trellis.insights_retention",
        "func": "insights.tasks.forget_old_content_views",
        "schedule_type": Schedule.DAILY,
    },
]
