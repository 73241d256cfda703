"""Receivers that give program admins their rights on each new program.

Wagtail page permissions hang on pages, so a migration can only grant them on
programs that already exist; this receiver grants them on every program
created afterwards, and the data migration covers the ones before it.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.models import GroupPagePermission

from .models import ProgramPage

PROGRAM_ADMINS = "Program admins"
PROGRAM_ADMIN_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def grant_program_admins(program) -> None:
    """Let program admins edit and publish the program and the journeys under it.

    Idempotent; does nothing on a database without the "Program admins" group.
    """
    group = Group.objects.filter(name=PROGRAM_ADMINS).first()
    if group is None:
        return
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PROGRAM_ADMIN_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=program, permission=permission)


@receiver(post_save, sender=ProgramPage)
def grant_program_admins_on_new_program(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        grant_program_admins(instance)
