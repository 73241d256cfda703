"""Let the "Program admins" group read reported messages and mark them reviewed.

``view_messagereport`` and ``change_messagereport`` (which the admin's
permission policy reads as "review"): reports are never added, edited or
deleted by hand. Nobody else gets them; superusers have every permission.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAM_ADMINS = "Program admins"
CODENAMES = ("view_messagereport", "change_messagereport")


def forwards(apps, schema_editor):
    # Permissions are otherwise created after all migrations; create them now so
    # the group is complete the moment this migration finishes.
    journeys_config = apps.get_app_config("journeys")
    journeys_config.models_module = True
    create_permissions(journeys_config, apps=apps, verbosity=0)
    journeys_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name=PROGRAM_ADMINS)
    admins.permissions.add(
        *Permission.objects.filter(content_type__app_label="journeys", codename__in=CODENAMES)
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins = Group.objects.filter(name=PROGRAM_ADMINS).first()
    if admins is not None:
        admins.permissions.remove(
            *Permission.objects.filter(content_type__app_label="journeys", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("journeys", "0011_conversation")]

    operations = [migrations.RunPython(forwards, backwards)]
