"""``manage.py import_markdown DIR``: load a folder of markdown files into the library.

The work, and the rules it follows, live in ``content.importer``; this command
only turns arguments into a call and the result into a few lines of output.
"""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from content.exceptions import ContentError
from content.importer import import_materials
from content.models import Audience, MaterialKind

EPILOG = f"""\
Each file starts with YAML front matter between two "---" lines; the rest of
the file is the body, in markdown. For example:

  ---
  title: Giving feedback that lands
  slug: giving-feedback
  kind: guide
  audience: mentors
  topics: [feedback, listening]
  minutes: 15
  summary: One or two sentences for listings.
  ---
  ## Before the conversation
  ...

Keys:
  title     required
  slug      defaults to the file name; identifies the page on later imports
  kind      {", ".join(MaterialKind.values)}
  audience  {", ".join(Audience.values)}
  topics    a list of slugs of topics that already exist
  minutes   estimated minutes, a positive whole number
  summary   one or two sentences for listings
A key left out sets the field to the default a new page gets.

Only the .md files directly inside DIR are read, in name order; subfolders
and hidden files are ignored. A file whose slug matches a page under the
library page updates that page with a new revision; a file that already
matches the page's latest revision is left unchanged.

Every file is checked first. If any file has a problem, every problem is
listed with its file and line, nothing is written, and the command fails.
"""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the example's line breaks, which argparse would otherwise reflow."""


class Command(BaseCommand):
    help = "Import a folder's markdown files as library pages; drafts unless --publish."

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            metavar="DIR",
            type=Path,
            help="The folder holding the .md files. Subfolders are not read.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help=(
                "Publish what is imported. Without it, new pages are drafts and changed "
                "pages get a draft revision, leaving their live version as it is."
            ),
        )
        parser.add_argument(
            "--parent",
            metavar="SLUG",
            help=(
                "The slug of the library page to import into. Defaults to the first "
                "library page in the page tree."
            ),
        )

    def handle(self, *args, folder, publish, parent, verbosity, **options):
        try:
            result = import_materials(folder, parent_slug=parent, publish=publish)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc

        if verbosity >= 2:
            for label, slugs in (
                ("created", result.created),
                ("updated", result.updated),
                ("unchanged", result.unchanged),
            ):
                for slug in slugs:
                    self.stdout.write(f"  {label}: {slug}")
        state = "published" if publish else "saved as drafts"
        self.stdout.write(
            self.style.SUCCESS(
                f'Imported into "{result.library.title}" ({state}): '
                f"{len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged."
            )
        )
