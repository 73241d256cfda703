"""Erase a person's data from the command line, as the admin's "Erase" button does."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.exceptions import ErasureRefused
from cms.services.erasure import erase_person, erasure_summary


class Command(BaseCommand):
    help = (
        "Erase a person: delete their private reflections and enrolment answers, delete or "
        "replace what they shared as each program says, make their name 'Former "
        "participant' everywhere, cancel emails to them and deactivate the account. The "
        "audit log records who erased whom, never what."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The email address of the person to erase.")
        parser.add_argument(
            "--by",
            metavar="ADMIN_EMAIL",
            help="The administrator asking for it, recorded in the audit log; they must be "
            "a superuser or hold the 'Can erase a person's data' permission.",
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Erase without asking for confirmation.",
        )

    def handle(self, *args, email, by=None, interactive=True, **options):
        users = get_user_model()._default_manager
        person = users.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"Nobody has the address {email}.")
        admin = None
        if by:
            admin = users.filter(email__iexact=by.strip()).first()
            if admin is None:
                raise CommandError(f"Nobody has the address {by}.")
        summary = erasure_summary(person)
        self.stdout.write(
            f"Erasing user {person.pk}: {summary.private_reflections} private and "
            f"{summary.shared_reflections} shared reflections, {summary.meetings} meetings' "
            f"notes, {summary.messages} messages, {summary.planned_meetings} planned meetings' "
            f"agendas, {summary.enrolments} enrolments, {summary.pending_emails} waiting emails."
        )
        if interactive:
            answer = input("This cannot be undone. Type 'erase' to go ahead: ")
            if answer.strip().lower() != "erase":
                raise CommandError("Nothing was erased.")
        try:
            result = erase_person(person, by=admin)
        except ErasureRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased user {result.user_id}; {result.partners_told} partners told, "
                f"{result.emails_cancelled} waiting emails cancelled."
            )
        )
