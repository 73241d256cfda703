"""Serve the site and the background worker together until Ctrl-C, SIGTERM or SIGHUP."""

import contextlib
import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

# How long the worker has to finish its task and stop before it is killed.
GRACE_SECONDS = 10


def _exit(signum, frame):
    # Raised in the main thread, out of the server's loop, so ``handle`` stops the worker.
    raise SystemExit(128 + signum)


def stop_worker(worker: subprocess.Popen) -> None:
    """Ask the worker to stop, then kill whatever is left of its process group.

    The cluster runs several processes of its own; killing its main process alone
    would leave them working on.
    """
    worker.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):  # all of it stopped already
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


class Command(BaseCommand):
    help = (
        "Run the django-q2 worker (qcluster) and the development server on 127.0.0.1 "
        "together; stopping the server (Ctrl-C, SIGTERM or SIGHUP) stops the worker and "
        "every process it started. Used by `make demo`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")

    def handle(self, *args, port, **options):
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit)
        # A session of its own: the worker and its processes share a process group that
        # ``stop_worker`` can end whole, and a Ctrl-C reaches the server alone.
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], start_new_session=True
        )
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, skip_checks=True)
        except KeyboardInterrupt:
            pass
        finally:
            stop_worker(worker)
