"""Let content editors brand the site: the "Editors" group may view and change themes.

Wagtail creates the "Editors" group in its own migrations; the design notes
give editors the site's look. Adding or deleting a theme is left to
administrators: each site has exactly one, made when it is first edited.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
PERMISSIONS = ("change_themesettings", "view_themesettings")


def forwards(apps, schema_editor):
    # Permissions are otherwise created after all migrations; create them now.
    config = apps.get_app_config("themes")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="themes", codename__in=PERMISSIONS)
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="themes", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("themes", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
