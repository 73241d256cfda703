"""``manage.py run_matching PROGRAM``: match a program's waiting enrolments now.

The same checks and the same run as the admin's "Run matching", executed in this
process instead of the queue; the proposals wait for review in the admin.
"""

from django.core.management.base import BaseCommand, CommandError

from matching.exceptions import MatchingError
from matching.importer import EnrolmentImportError, find_program
from matching.models import RunStatus
from matching.services.runs import run_matching_now


class Command(BaseCommand):
    help = "Match a program's waiting enrolments now; proposals wait for review in the admin."

    def add_arguments(self, parser):
        parser.add_argument("program", help="The program page's id or slug.")

    def handle(self, *args, program, **options):
        try:
            page = find_program(program)
            run = run_matching_now(page)
        except (EnrolmentImportError, MatchingError) as error:
            raise CommandError(str(error)) from error
        if run.status == RunStatus.FAILED:
            raise CommandError(run.error)
        unmatched = sum(1 for row in run.unmatched if row["side"] == "mentee")
        self.stdout.write(
            f"Proposed {run.matched_count} matches for {page.title} "
            f"(total score {run.total_score:.2f}); {unmatched} mentees left unmatched. "
            "Review them in the admin under Matching."
        )
