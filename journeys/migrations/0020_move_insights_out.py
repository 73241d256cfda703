"""Content views and insights digests now belong to the ``insights`` app.

Only Django's record of the models moves: the tables stay as they are and
``insights.0001_initial`` takes them over under their existing names.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0019_say_program"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ContentView"),
                migrations.DeleteModel(name="InsightsDigest"),
            ],
            database_operations=[],
        ),
    ]
