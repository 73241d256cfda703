"""Make django-q2's schedules match the lists the apps declare."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule

from content.schedules import SCHEDULES as CONTENT_SCHEDULES
from insights.schedules import SCHEDULES as INSIGHTS_SCHEDULES
from journeys.schedules import SCHEDULES as JOURNEY_SCHEDULES

PREFIX = "trellis."


def declared_schedules():
    return [*CONTENT_SCHEDULES, *JOURNEY_SCHEDULES, *INSIGHTS_SCHEDULES]


class Command(BaseCommand):
    help = (
        "Create or update every schedule the apps declare (matched by name) and delete "
        "schedules named 'trellis.*' that are no longer declared."
    )

    @transaction.atomic
    def handle(self, *args, verbosity=1, **options):
        say = self.stdout.write if verbosity >= 1 else (lambda message: None)
        declared = declared_schedules()
        names = set()
        for entry in declared:
            entry = dict(entry)
            name = entry.pop("name")
            names.add(name)
            schedule, created = Schedule.objects.get_or_create(name=name, defaults=entry)
            if not created:
                changed = {k: v for k, v in entry.items() if getattr(schedule, k) != v}
                for key, value in changed.items():
                    setattr(schedule, key, value)
                if changed:
                    schedule.save()
            say(f"{'created' if created else 'kept'}: {name}")
        stale = Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=names)
        for name in stale.values_list("name", flat=True):
            say(f"removed: {name}")
        stale.delete()
