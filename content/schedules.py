"""The content app's recurring work, synced by name with ``manage.py sync_schedules``."""

from django_q.models import Schedule

SCHEDULES = [
    {
        # What editors scheduled (a go-live or an expiry time) happens within a minute.
        "name": "trellis.publish_scheduled",
        "func": "content.tasks.publish_scheduled",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]
