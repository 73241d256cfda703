"""Run the journeys tick now: the same work as the hourly schedule."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from ...services import notifications


class Command(BaseCommand):
    help = (
        "Compute every active journey's state in batches and record and send the "
        "notifications it calls for (milestone opened, due soon, overdue, inactive). "
        "Safe to run at any time and as often as you like: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="Compute as if it were this day (YYYY-MM-DD); defaults to today.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=notifications.BATCH_SIZE,
            help="Journeys per batch (default %(default)s).",
        )

    def handle(self, *args, today=None, batch_size, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(
                    f"--today must be a date like 2026-03-01, not {today!r}."
                ) from error
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = notifications.advance_journeys(day, batch_size=batch_size)
        self.stdout.write(str(result))
