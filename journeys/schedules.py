"""The journeys app's recurring work, declared once and synced by name.

``manage.py sync_schedules`` makes django-q2's schedule table match this list
(and the other apps' lists); schedules are never created in migrations.
"""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "trellis.advance_journeys",
        "func": "journeys.tasks.advance_journeys",
        "schedule_type": Schedule.HOURLY,
    },
    {
        # Retries, and anything whose request to deliver was lost (a broker down).
        "name": "trellis.deliver_outbox",
        "func": "journeys.tasks.deliver_outbox",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "trellis.participant_digests",
        "func": "journeys.tasks.send_participant_digests",
        "schedule_type": Schedule.WEEKLY,
    },
    {
        # Forgets notification history and sent emails after TRELLIS_RETENTION_DAYS.
        "name": "trellis.retention",
        "func": "journeys.tasks.forget_old_records",
        "schedule_type": Schedule.DAILY,
    },
]
