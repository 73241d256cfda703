"""Give the "Program admins" group what it needs to run programs.

Model permissions: view and change journeys (progress, status, tracks,
upgrades) and add them (the "Start a journey" view). Deleting a journey is
left out on purpose: it would destroy what participants wrote; a journey is
closed instead.

Page permissions: add, change and publish on every program page, which covers
the journeys under it. Wagtail page permissions hang on pages, so this grants
them on the programs that exist now, and ``journeys.signals_receivers``
grants them on each program created later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAM_ADMINS = "Program admins"
MODEL_PERMISSIONS = ("add_journey", "change_journey", "view_journey")
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def forwards(apps, schema_editor):
    # Permissions are otherwise created after all migrations; create them now so
    # the group is complete the moment this migration finishes.
    journeys_config = apps.get_app_config("journeys")
    journeys_config.models_module = True
    create_permissions(journeys_config, apps=apps, verbosity=0)
    journeys_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    ProgramPage = apps.get_model("journeys", "ProgramPage")

    group, _ = Group.objects.get_or_create(name=PROGRAM_ADMINS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="journeys", codename__in=MODEL_PERMISSIONS
        )
    )
    page_permissions = list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
        )
    )
    for program_id in ProgramPage.objects.values_list("pk", flat=True):
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=group, page_id=program_id, permission=permission
            )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    ProgramPage = apps.get_model("journeys", "ProgramPage")

    group = Group.objects.filter(name=PROGRAM_ADMINS).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="journeys", codename__in=MODEL_PERMISSIONS
        )
    )
    GroupPagePermission.objects.filter(
        group=group,
        page_id__in=ProgramPage.objects.values_list("pk", flat=True),
        permission__codename__in=PAGE_PERMISSIONS,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0001_initial"),
        ("cms", "0003_program_admins_group"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
