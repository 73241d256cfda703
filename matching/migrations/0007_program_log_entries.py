"""Move matching's audit-log entries to the program log, each with its program.

Enrolments, policies, runs and proposals now log to ``journeys.ProgramLogEntry``
(see journeys' migration 0018), so the site history shows each program's entries
to its admins alone; the entries so far move there. A thing that is gone leaves its
entries without a program, for superusers alone.
"""

from django.db import migrations

FIELDS = (
    "content_type_id",
    "label",
    "action",
    "data",
    "timestamp",
    "uuid",
    "user_id",
    "revision_id",
    "content_changed",
    "deleted",
    "object_id",
)
MODELS = ("enrollment", "matchingpolicy", "matchingrun", "matchproposal")


def move_entries(apps, model_name, forwards=True):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    ProgramLogEntry = apps.get_model("journeys", "ProgramLogEntry")
    content_type = ContentType.objects.filter(app_label="matching", model=model_name).first()
    if content_type is None:
        return
    source, target = (
        (ModelLogEntry, ProgramLogEntry) if forwards else (ProgramLogEntry, ModelLogEntry)
    )
    entries = source.objects.filter(content_type=content_type)
    programs = {}
    if forwards:
        Model = apps.get_model("matching", model_name)
        programs = {str(pk): program for pk, program in Model.objects.values_list("pk", "program_id")}
    target.objects.bulk_create(
        [
            target(**row, **({"program_id": programs.get(row["object_id"])} if forwards else {}))
            for row in entries.values(*FIELDS).iterator()
        ],
        batch_size=500,
    )
    entries.delete()


def forwards(apps, schema_editor):
    for model_name in MODELS:
        move_entries(apps, model_name)


def backwards(apps, schema_editor):
    for model_name in MODELS:
        move_entries(apps, model_name, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0006_fill_profiles"),
        ("journeys", "0018_program_log_entries"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
