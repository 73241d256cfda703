"""Two real qcluster workers share the tick on PostgreSQL, on either broker.

Runs only where DATABASE_URL points at PostgreSQL (the workers must share the
test database); the Redis case also needs Redis on REDIS_URL (or
127.0.0.1:6379). CI's PostgreSQL run has both.
"""

import datetime
import os
import subprocess
import sys
import time
from email import message_from_string
from pathlib import Path

import pytest
from django.db import connection
from django_q.models import OrmQ

from journeys.models import EmailStatus, MemberRole, Notification, OutboxEmail
from journeys.services.starting import start_journey

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
JOURNEYS = 24


def redis_client():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: workers must share the test database",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def worker_env(tmp_path, broker):
    settings = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDIS")}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=(
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        ),
        TEST_Q_SYNC="false",
        TEST_EMAIL_FILE_PATH=str(tmp_path),
        Q_WORKERS="1",
    )
    if broker == "redis":
        env["REDIS_URL"] = REDIS_URL
    return env


def run(env, code):
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


def queued(client) -> int:
    """Tasks waiting on the broker."""
    if client is None:
        return OrmQ.objects.count()
    return client.llen("django_q:trellis:q")


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_two_workers_process_every_journey_and_send_each_notification_once(
    broker, program, journey_page, user_factory, tmp_path
):
    client = None
    if broker == "redis":
        client = redis_client()
        if client is None:
            pytest.skip("needs Redis")
        client.flushdb()
    today = datetime.date(2026, 3, 2)
    for n in range(JOURNEYS):
        start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=today - datetime.timedelta(days=n % 20),
        )
    env = worker_env(tmp_path, broker)
    # Two ticks queued on top of each other: every batch is offered twice.
    tick = (
        "from journeys.services import notifications as n; n.BATCH_SIZE = 5; "
        "from journeys import tasks; print(tasks.advance_journeys('2026-03-02'))"
    )
    assert "queued 5 batches" in run(env, tick).stdout
    assert "queued 5 batches" in run(env, tick).stdout

    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        unsent = OutboxEmail.objects.exclude(status=EmailStatus.SENT)
        while time.monotonic() < deadline:
            recorded = Notification.objects.count()
            if queued(client) == 0 and recorded and not unsent.exists():
                time.sleep(2)  # let any task still running finish
                if queued(client) == 0 and not unsent.exists():
                    break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()

    notified = set(Notification.objects.values_list("journey_id", flat=True))
    assert len(notified) == JOURNEYS
    assert not unsent.exists()
    assert OutboxEmail.objects.count() == len(
        set(Notification.objects.values_list("journey_id", "member_id"))
    )
    messages = []
    for path in tmp_path.iterdir():
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                messages.append(message_from_string(chunk.strip()))
    recipients = [m["To"] for m in messages]
    expected = set(Notification.objects.values_list("member__user__email", flat=True).distinct())
    assert sorted(recipients) == sorted(expected)
