"""``manage.py serve_demo``: however it is stopped, it takes its worker with it.

Run as ``make demo`` runs it, in a process of its own, on a scratch SQLite
database that holds only the worker's tables. The database the suite runs on
plays no part, so these run once, in the SQLite run.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the demo runs on SQLite of its own; the SQLite run covers it",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        # The server's request threads come and go as this reads.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found += [int(n) for n in (task / "children").read_text().split()]
    return found


def wait_for(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting after {seconds} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local address
            return response.status == 200
    except (OSError, http.client.HTTPException):  # not serving yet
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that has exited but is not yet reaped by init is gone for this purpose.
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"


def default_interrupt():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def environment(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.demo",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    for name in [name for name in env if name.startswith("REDIS")]:
        env.pop(name)  # the worker's queue in the database, as in the demo
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "django_q", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_stopping_the_demo_stops_its_worker_and_every_process_the_worker_started(
    environment, stop
):
    port = free_port()
    demo = subprocess.Popen(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # As from a terminal: a test runner's worker may ignore Ctrl-C, and its
        # children would inherit that.
        preexec_fn=default_interrupt,
    )
    worker = None
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), seconds=60)
        (worker,) = wait_for(lambda: children(demo.pid))
        workers = wait_for(lambda: children(worker))  # the cluster's own processes
        started = [worker, *workers]

        demo.send_signal(stop)

        assert demo.wait(timeout=30) is not None
        wait_for(lambda: not any(alive(pid) for pid in started), seconds=15)
    finally:
        # Whatever failed, nothing of the demo outlives the test.
        if worker is None:
            with contextlib.suppress(OSError):
                worker = next(iter(children(demo.pid)), None)
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        if worker is not None:
            with contextlib.suppress(ProcessLookupError):  # nothing left of it
                os.killpg(worker, signal.SIGKILL)
