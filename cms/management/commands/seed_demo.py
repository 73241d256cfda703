"""``manage.py seed_demo [--seed N]``: build the Harbourline demo and show how to sign in."""

import os

from django.core.management.base import BaseCommand, CommandError

from cms.demo.seed import DemoSeedRefused, seed_demo

DEFAULT_SEED = 2024


class Command(BaseCommand):
    help = (
        "Seed a demo organisation with people, a library, leader stories and a mentoring "
        "programme with journeys under way. Runs only on an empty database or an existing "
        "demo; on an existing demo it changes nothing."
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
            result = seed_demo(seed, port=port)
        except DemoSeedRefused as error:
            raise CommandError(str(error)) from error

        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Seeded the demo organisation (seed {seed})."))
        else:
            self.stdout.write("The demo is already seeded; nothing was changed.")

        base_url = result.sites[0].url.rstrip("/")
        self.stdout.write(f"\n  Site:  {base_url}/\n  Admin: {base_url}/admin/\n")
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
            self.stdout.write(f"\n  {note}")
