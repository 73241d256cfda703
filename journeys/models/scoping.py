"""What a program's things share: narrowing to the programs one runs, and their audit log."""

from django.contrib.auth.models import Permission
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import BaseLogEntry
from wagtail.models.audit_log import ModelLogEntryManager


class ProgramScopedQuerySet(models.QuerySet):
    """A queryset of things that each belong to one program.

    ``program_field`` leads from the model to its program; ``administered_by``
    keeps the things of the programs a person administers (``services.access``).
    """

    program_field = "program"

    def administered_by(self, user):
        from ..services.access import only_administered

        return only_administered(self, user, self.program_field)


def program_id_of(instance) -> int | None:
    """The id of the program ``instance`` belongs to, following its ``program_field``."""
    *path, last = type(instance)._default_manager.get_queryset().program_field.split("__")
    for name in path:
        instance = getattr(instance, name, None)
        if instance is None:
            return None
    return getattr(instance, f"{last}_id", None)


class ProgramLogEntryManager(ModelLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        kwargs.setdefault("program_id", program_id_of(instance))
        return super().log_action(instance, action, **kwargs)

    def viewable_by_user(self, user):
        """Wagtail's rule (any permission on the thing's model), for the person's programs.

        An entry whose program is gone is for superusers alone. Wagtail keeps the
        content types a person may see on the user object for its own log; this log
        keeps its own, under another name, since the two hold different types.
        """
        from ..services.access import only_administered

        if user.is_superuser:
            return self.all()
        allowed = getattr(user, "_trellis_program_log_types", None)
        if allowed is None:
            used = self.order_by().values_list("content_type_id", flat=True).distinct()
            allowed = {
                permission.content_type_id
                for permission in Permission.objects.filter(
                    content_type_id__in=used
                ).select_related("content_type")
                if user.has_perm(f"{permission.content_type.app_label}.{permission.codename}")
            }
            user._trellis_program_log_types = allowed
        return only_administered(self.filter(content_type_id__in=allowed), user)


class ProgramLogEntry(BaseLogEntry):
    """Wagtail's audit log for a program's things, each entry with its program.

    Journeys, reported messages, enrolments, policies, runs and proposals log here
    (the ``register_log_actions`` hooks of journeys and matching): their entries
    name participants, so the site history shows each program's entries to its
    admins alone, as everything else of a program in the admin.
    """

    object_id = models.CharField(max_length=255, db_index=True)
    program = models.ForeignKey(
        "journeys.ProgramPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The program the logged thing belongs to."),
    )

    objects = ProgramLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("program log entry")
        verbose_name_plural = _("program log entries")

    def __str__(self):
        return (
            f"ProgramLogEntry {self.pk}: '{self.action}' on "
            f"{self.object_verbose_name} {self.object_id}"
        )
