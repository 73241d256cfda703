"""``manage.py import_enrolments PROGRAM FILE``: enrol people in a program from a CSV file.

The work, and the rules it follows, live in ``matching.importer``; this command
only turns arguments into a call and the result into a few lines of output.
"""

import argparse
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from matching.forms import MAX_CAPACITY
from matching.importer import (
    EnrolmentImportAborted,
    EnrolmentImportError,
    find_program,
    import_enrolments,
)

EPILOG = f"""\
The first row names the columns, in any order and letter case. For example:

  email,first_name,last_name,role,capacity,topics_sought,languages,q:Preferred format
  ana@example.com,Ana,Silva,mentee,,feedback;negotiation,en;pt,In person
  raj@example.com,Raj,Patel,mentor,2,,en,Video call

Columns:
  email           required; one row per person. An address with no account
                  gets one, named from first_name and last_name
  first_name      used only when the account is created
  last_name       used only when the account is created
  role            mentor, mentee or either (new enrolments default to mentee)
  capacity        for mentors: how many people, 1 to {MAX_CAPACITY}
  topics_offered  topic slugs or names, separated by ";"
  topics_sought   topic slugs or names, separated by ";"
  department      text
  location        text
  time_zone       a name such as Europe/London
  seniority       1 (first role) to 10 (executive)
  languages       two- or three-letter codes separated by ";", e.g. en;fr
  reports_to      the line manager's email
  avoid           emails of people not to match with, separated by ";"
  goals           text
  attributes      labels of the program's opt-in attributes, separated by ";"
  q:<label>       an answer to the program's question with that label: the
                  choice's text; choices separated by ";"; a whole number for a
                  scale; topic slugs separated by ";"; or free text

A row for someone already enrolled updates their enrolment (not once they are
matched). On an update, a column the file leaves out leaves that field alone
and a blank cell clears it.

Every row is checked first. If any row has a problem, every problem is listed
with its row and column, nothing is written, and the command fails, unless
--skip-invalid is given. No cell may hold a control character (NUL included);
only goals and free-text answers may hold tabs and line breaks. A value that
holds a comma, a quote or a line break goes in quotes, each quote inside it
doubled; a quote never closed stops the import.
"""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the example's line breaks, which argparse would otherwise reflow."""


class Command(BaseCommand):
    help = "Enrol people in a program from a CSV file; nothing is written if a row has a problem."

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("program", metavar="PROGRAM", help="The program page's id or slug.")
        parser.add_argument("file", metavar="FILE", type=Path, help="The CSV file, in UTF-8.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the rows without problems and report the others.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, without writing anything.",
        )
        parser.add_argument(
            "--no-invitations",
            action="store_true",
            help="Do not email the people whose accounts the import creates an invitation.",
        )
        parser.add_argument(
            "--invited-by",
            metavar="EMAIL",
            help="The admin the invitations name as inviting people (an account's email).",
        )

    def handle(self, *args, program, file, skip_invalid, dry_run, verbosity, **options):
        inviter = None
        if options["invited_by"]:
            inviter = get_user_model().objects.filter(email__iexact=options["invited_by"]).first()
            if inviter is None:
                raise CommandError(
                    f"--invited-by: no account has the email {options['invited_by']}."
                )
        try:
            page = find_program(program)
            with file.open("rb") as handle:
                result = import_enrolments(
                    page,
                    handle,
                    skip_invalid=skip_invalid,
                    dry_run=dry_run,
                    invite=not options["no_invitations"],
                    invited_by=inviter,
                )
        except OSError as exc:
            raise CommandError(f"The file {file} could not be read ({exc.strerror}).") from exc
        except EnrolmentImportAborted as exc:
            prefix = "Dry run. " if dry_run else ""
            raise CommandError(prefix + str(exc)) from exc
        except EnrolmentImportError as exc:
            raise CommandError(str(exc)) from exc

        for error in result.errors:
            self.stderr.write(str(error))
        if verbosity >= 2:
            for label, emails in (("new", result.created), ("updated", result.updated)):
                for email in emails:
                    self.stdout.write(f"  {label}: {email}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.accounts_created:
            verb = "Would create" if dry_run else "Created"
            count = len(result.accounts_created)
            self.stdout.write(f"{verb} {count} new account{'' if count == 1 else 's'}.")
        if result.invited:
            self.stdout.write(
                f"Invited {result.invited} of them by email to sign in for the first time."
            )
        if result.still_withdrawn:
            self.stdout.write(
                f"{len(result.still_withdrawn)} of the updated enrolments had withdrawn and "
                "stay withdrawn; only the person can enrol again: "
                + ", ".join(result.still_withdrawn)
            )
