"""Keep who may see each program as it was, now that programs choose their people.

Before programs had admins and sponsors of their own, every member of "Program
admins" ran every program, and a program's sponsor was the account linked to its
sponsor leader profile. Each program that exists now gets the "Program admins"
group as an admin group and that account as a sponsor, so nobody gains or loses a
program. Programs made later start with nobody but superusers: whoever creates one
chooses its people.

Sponsors no longer use the admin (their figures come to them by email, and on the
site), so the "Sponsors" group loses ``wagtailadmin.access_admin``.
"""

from django.db import migrations

PROGRAM_ADMINS = "Program admins"
SPONSORS = "Sponsors"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ProgramPage = apps.get_model("journeys", "ProgramPage")
    AdminGroups = ProgramPage.admin_groups.through
    SponsorUsers = ProgramPage.sponsor_users.through

    admins = Group.objects.filter(name=PROGRAM_ADMINS).first()
    programs = list(ProgramPage.objects.values_list("pk", "sponsor__user_id"))
    if admins is not None:
        AdminGroups.objects.bulk_create(
            [AdminGroups(programpage_id=pk, group_id=admins.pk) for pk, _user in programs],
            ignore_conflicts=True,
        )
    SponsorUsers.objects.bulk_create(
        [SponsorUsers(programpage_id=pk, user_id=user) for pk, user in programs if user],
        ignore_conflicts=True,
    )
    sponsors = Group.objects.filter(name=SPONSORS).first()
    if sponsors is not None:
        sponsors.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="wagtailadmin", codename="access_admin"
            )
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    sponsors = Group.objects.filter(name=SPONSORS).first()
    if sponsors is not None:
        sponsors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="wagtailadmin", codename="access_admin"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0016_program_people"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
