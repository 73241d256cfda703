"""``manage.py seed_demo [--seed N]``: build the Harbourline demo and show how to sign in.

It prints the addresses, the logins, where the demo's emails go and what is
worth knowing, and nothing else: the page-by-page log Wagtail and the task
queue write while the demo is built is kept back unless it is a warning.
"""

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.demo.seed import DemoSeedRefused, seed_demo

DEFAULT_SEED = 2024
# Loggers that report every page created and task queued while seeding, at INFO.
CHATTY_LOGGERS = ("wagtail", "django-q")
FILE_BACKENDS = (
    "cms.demo.mail.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


def where_emails_go() -> str:
    """Where the demo's emails end up, as the email settings say."""
    backend = settings.EMAIL_BACKEND
    if backend in FILE_BACKENDS:
        folder = Path(settings.EMAIL_FILE_PATH).resolve()
        if backend == FILE_BACKENDS[0]:
            return (
                f"{folder}/, one .eml file per message, oldest first "
                "(open one in a mail program, or read it in a text editor)"
            )
        return f"{folder}/, in files of several messages each"
    if backend == "django.core.mail.backends.console.EmailBackend":
        return "the console, printed by the worker"
    if backend == "django.core.mail.backends.locmem.EmailBackend":
        return "nowhere: they stay in the memory of the process that sends them"
    return f"the email backend {backend}"


@contextmanager
def warnings_only(names):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Seed a demo organisation with people, a library, leader stories and a mentoring "
        "program with journeys under way. Runs only on an empty database or an existing "
        "demo; on an existing demo it changes nothing but the port its sites answer on "
        "(PORT, 8000 unless set)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed for the demo's random choices; the same seed gives the same "
            f"content (default {DEFAULT_SEED}).",
        )

    def handle(self, *args, seed, **options):
        port = int(os.environ.get("PORT") or "8000")
        try:
            with warnings_only(CHATTY_LOGGERS):
                result = seed_demo(seed, port=port)
        except DemoSeedRefused as error:
            raise CommandError(str(error)) from error

        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Seeded the demo organisation (seed {seed})."))
        elif result.moved:
            self.stdout.write(
                f"The demo is already seeded; its sites now answer on port {port}, "
                "and nothing else was changed."
            )
        else:
            self.stdout.write("The demo is already seeded; nothing was changed.")

        base_url = result.sites[0].url.rstrip("/")
        self.stdout.write(
            f"\n  Site:   {base_url}/\n  Admin:  {base_url}/admin/\n"
            f"  Emails: {where_emails_go()}\n"
        )
        for site in result.sites:
            self.stdout.write(f"  {site.name}: {site.url}")
        self.stdout.write("")
        rows = [("Role", "Email", "Password")] + [
            (login.role, login.email, login.password) for login in result.logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for number, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(f"  {line.rstrip()}")
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
        for note in result.notes:
            self.stdout.write("")
            for line in note.splitlines():
                self.stdout.write(f"  {line}")
