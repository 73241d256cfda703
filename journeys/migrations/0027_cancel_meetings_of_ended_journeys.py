"""Cancel the meetings still to come of journeys that ended before ending a journey
cancelled them (``journeys.services.ending``), without emailing anyone."""

from django.db import migrations
from django.utils import timezone


def cancel_left_over_meetings(apps, schema_editor):
    from journeys.services.ending import cancel_left_over_meetings

    cancel_left_over_meetings(apps.get_model("journeys", "PlannedMeeting"), timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0026_journey_status_ended_help"),
    ]

    operations = [
        # Nothing to undo: a meeting of an ended journey is not planned again.
        migrations.RunPython(cancel_left_over_meetings, migrations.RunPython.noop),
    ]
