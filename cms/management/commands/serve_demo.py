"""Serve the site and the background worker together until Ctrl-C."""

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the django-q2 worker (qcluster) and the development server on 127.0.0.1 "
        "together; stopping the server stops the worker too. Used by `make demo`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")

    def handle(self, *args, port, **options):
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"])
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, skip_checks=True)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
