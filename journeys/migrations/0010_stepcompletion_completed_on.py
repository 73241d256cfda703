"""Store the day each step completion counts for, so no page converts timestamps.

Existing rows take the day of ``completed_at`` in the site's time zone, which is
what the engine worked out from it on every request until now.
"""

from django.db import migrations, models
from django.db.models.functions import TruncDate


def fill_days(apps, schema_editor):
    StepCompletion = apps.get_model("journeys", "StepCompletion")
    StepCompletion.objects.using(schema_editor.connection.alias).update(
        completed_on=TruncDate("completed_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0009_program_erased_shared_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepcompletion",
            name="completed_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill_days, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="stepcompletion",
            name="completed_on",
            field=models.DateField(),
        ),
    ]
