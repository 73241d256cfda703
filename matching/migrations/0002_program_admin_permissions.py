"""Give the "Program admins" group what it needs to run matching in the admin.

Model permissions:

* enrolments: view and change (correct someone's details, withdraw them). Adding and
  deleting are left out: people enrol and withdraw themselves, and a withdrawn
  enrolment is kept so that runs that named it still read.
* matching policies: add, change and view.
* matching runs: add (run matching, re-run the rest), change and view.
* match proposals: change (move, lock, reject, approve) and view.

Nothing here can be deleted by the group: a run or a proposal is the record of why a
match was made.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAM_ADMINS = "Program admins"
MODEL_PERMISSIONS = (
    "change_enrollment",
    "view_enrollment",
    "add_matchingpolicy",
    "change_matchingpolicy",
    "view_matchingpolicy",
    "add_matchingrun",
    "change_matchingrun",
    "view_matchingrun",
    "change_matchproposal",
    "view_matchproposal",
)


def forwards(apps, schema_editor):
    # Permissions are otherwise created after all migrations; create them now so
    # the group is complete the moment this migration finishes.
    matching_config = apps.get_app_config("matching")
    matching_config.models_module = True
    create_permissions(matching_config, apps=apps, verbosity=0)
    matching_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    group, _ = Group.objects.get_or_create(name=PROGRAM_ADMINS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="matching", codename__in=MODEL_PERMISSIONS
        )
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    group = Group.objects.filter(name=PROGRAM_ADMINS).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="matching", codename__in=MODEL_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("cms", "0003_program_admins_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
