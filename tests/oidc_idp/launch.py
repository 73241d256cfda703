"""Run the test OpenID Connect provider in a subprocess for as long as a ``with`` block lasts."""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class ProviderDidNotStart(RuntimeError):
    pass


@contextmanager
def running_provider(redirect_uris: list[str], *, port: int = 0, timeout: float = 90):
    """Start the provider, wait until its discovery document answers, yield its URL."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.oidc_idp.serve", *redirect_uris, "--port", str(port)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            url = _wait_until_ready(process, errors, time.monotonic() + timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process, errors, deadline: float) -> str:
    def fail(reason: str):
        errors.seek(0)
        raise ProviderDidNotStart(f"{reason}\n{errors.read()[-4000:]}")

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        line = ""
        while not line.startswith("ready "):
            if process.poll() is not None:
                fail(f"The test provider exited with {process.returncode}.")
            if time.monotonic() > deadline:
                fail("The test provider did not start in time.")
            if selector.select(timeout=0.5):
                line = process.stdout.readline()
    url = line.split()[1]
    while True:
        try:
            with urllib.request.urlopen(  # noqa: S310
                f"{url}/.well-known/openid-configuration", timeout=5
            ) as response:
                if response.status == 200:
                    return url
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            fail("The test provider's discovery document did not answer.")
        time.sleep(0.2)
