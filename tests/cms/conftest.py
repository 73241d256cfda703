import os
import shutil
import socket
import subprocess
import time

import pytest
import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throwaway redis-server of this test's own, which the test may stop."""

    def __init__(self, directory):
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail("redis-server is not installed; the cache outage tests need it.")
            pytest.skip("needs redis-server (Debian's redis-server package)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"redis-server did not start on port {self.port}.")
                time.sleep(0.02)

    def stop(self):
        """Stop the server and wait until its port refuses connections."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.client.close()

    @property
    def running(self) -> bool:
        return self.process.poll() is None


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def use_redis_cache(settings):
    """Point the cache at a Redis as production does, under its own prefix."""
    from cms.settings.base import redis_cache

    def use(url, prefix="trellis-test"):
        settings.CACHES = {"default": {**redis_cache(url), "KEY_PREFIX": prefix}}

    return use


# People, a program and a journey under way, for the erasure and deactivation tests.


@pytest.fixture
def program(home):
    from journeys.factories import ProgramPageFactory

    return ProgramPageFactory(parent=home, title="Growing leaders")


@pytest.fixture
def template(program):
    from journeys.factories import JourneyPageFactory, milestone, step

    page = JourneyPageFactory(
        parent=program,
        title="First year together",
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("reflect", block_id="s-private"),
                    step("reflect", block_id="s-shared"),
                    step("meet", {"purpose": "Meet for coffee"}, block_id="s-meet"),
                ],
                block_id="m-start",
            )
        ],
    )
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def mentor(user_factory):
    return user_factory(email="mira@example.com", first_name="Mira", last_name="Okafor")


@pytest.fixture
def mentee(user_factory):
    return user_factory(email="ezra.quill@example.com", first_name="Ezra", last_name="Quill")


@pytest.fixture
def journey(program, template, mentor, mentee):
    import datetime

    from django.utils import timezone

    from journeys.models import MemberRole
    from journeys.services.starting import start_journey

    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        timezone.localdate() - datetime.timedelta(days=120),
        template=template,
    )


@pytest.fixture
def superuser(user_factory):
    return user_factory(email="root@example.com", is_staff=True, is_superuser=True)
