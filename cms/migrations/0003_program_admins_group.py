"""Create the "Program admins" group.

Program admins set objectives, enrolment questions and matching policy in the
Wagtail admin, so the group starts with the right to sign in to it. The apps
that own programmes and matching add their own permissions to the group.
"""

from django.db import migrations

PROGRAM_ADMINS = "Program admins"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    group, _ = Group.objects.get_or_create(name=PROGRAM_ADMINS)
    # wagtailadmin.0001 creates this permission; get_or_create keeps the
    # migration whole on a database where it was removed by hand.
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    group.permissions.add(permission)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=PROGRAM_ADMINS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_homepage"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
