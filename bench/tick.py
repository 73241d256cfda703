"""Time the journeys tick over 50,000 active journeys on PostgreSQL.

Run as ``.venv/bin/python bench/tick.py`` (``make bench`` runs it). It creates
a scratch database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/trellis_bench``), migrates it, builds a
program whose journey has 10 milestones, starts 50,000 pairs on dates spread
over the last 200 days with progress that fits their age, then runs the tick
twice for the same day and drops the database.

Printed, as JSON lines: the first run in one process (``advance_journeys``, as
the ``advance_journeys`` command runs it: each batch computed, logged, then
delivered, every email built and serialised as an SMTP backend would) against
30 s, and how its time splits between the two phases; the second run's time
(target 10 s) and what it sent (target 0); and queries per batch for two batch
sizes, which shows queries grow with batches, not journeys.

Then the first run again as production runs it with Redis (``--workers``, 2 by
default; 0 skips it): ``manage.py qcluster`` with that many workers on the
production settings, PostgreSQL and Redis (``BENCH_REDIS_URL``, default
``redis://127.0.0.1:6379/14``, which is flushed), the tick fanned out one task
per batch, the workers' email backend serialising every message. Timed from
the moment the tick starts queueing until the last notification is marked sent.
Without Redis this part is skipped with a note on stderr.

Times carry a ratio to a reference measured in the same run: reading every
journey, member and completion row the tick reads, without computing anything.
The first-run lines also say how much CPU the tick took, which other work on the
machine does not change much: ``cpu_s`` for the tick's own processes and
``postgres_cpu_s`` for their database connections (read from /proc, so only
when PostgreSQL runs on this machine).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trellis_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
# The workers add what they serialised here, once per connection.
EMAIL_COUNTER = "bench:tick:emails"


def emit(metric, value, unit, target, **extra):
    print(json.dumps({"metric": metric, "value": value, "unit": unit, "target": target, **extra}))
    sys.stdout.flush()


class SerialisingBackend:
    """Does what an SMTP backend does to each message, short of the network.

    In the workers (``BENCH_EMAIL_COUNTER`` set to a Redis URL) each connection
    adds its count to Redis when it closes.
    """

    sent = 0

    def __init__(self, *args, **kwargs):
        self.count = 0

    def open(self):
        return True

    def close(self):
        counter = os.environ.get("BENCH_EMAIL_COUNTER")
        if counter and self.count:
            import redis

            redis.Redis.from_url(counter).incrby(EMAIL_COUNTER, self.count)
        self.count = 0

    def send_messages(self, messages):
        for message in messages:
            message.message().as_bytes(linesep="\r\n")
        SerialisingBackend.sent += len(messages)
        self.count += len(messages)
        return len(messages)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float | None:
    """User and system CPU seconds of one process, from /proc; None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and every process below it that is still running."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(process_cpu(pid) or 0.0 for pid in tree)


def backends_cpu(mine: bool) -> float | None:
    """CPU seconds of this process's database connection, or of all the others."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND (pid = pg_backend_pid()) = %s",
            [mine],
        )
        readings = [process_cpu(pid) for (pid,) in cursor.fetchall()]
    if not readings or None in readings:
        return None
    return sum(readings)


def cpu_fields(python: float, postgres: float | None) -> dict:
    fields = {"cpu_s": round(python, 2)}
    if postgres is not None:
        fields["postgres_cpu_s"] = round(postgres, 2)
    return fields


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def start_pairs(program, page, revision, starts, user_ids, changed_at=None):
    """A journey of ``program`` per start day, its mentor and mentee the users
    of ``user_ids`` taken two by two; the (pk, started_on) rows, by pk."""
    from journeys.models import Journey, JourneyMember, MemberRole

    Journey.objects.bulk_create(
        (
            Journey(
                program=program,
                template=page,
                template_revision=revision,
                started_on=s,
                changed_at=changed_at,
            )
            for s in starts
        ),
        batch_size=5000,
    )
    journey_rows = list(
        Journey.objects.filter(program=program).order_by("pk").values_list("pk", "started_on")
    )
    JourneyMember.objects.bulk_create(
        (
            JourneyMember(
                journey_id=jid,
                user_id=user_ids[2 * i + r],
                role=(MemberRole.MENTOR, MemberRole.MENTEE)[r],
                joined_on=started,
            )
            for i, (jid, started) in enumerate(journey_rows)
            for r in (0, 1)
        ),
        batch_size=5000,
    )
    return journey_rows


def build(journeys: int, today: datetime.date, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.utils import timezone
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
    from journeys.models import JourneyMember, StepCompletion

    rng = random.Random(seed)
    root = Page.get_first_root_node()
    home = HomePage(title="Bench", slug="bench")
    root.add_child(instance=home)
    Site.objects.update(root_page=home)
    program = ProgramPageFactory(parent=home, title="Bench program")
    blocks = [
        milestone(
            f"Milestone {n}",
            f"m{n}",
            [step("checklist"), step("reflect"), step("pulse")],
            opens=(n - 1) * 18,
            due=14,
            prerequisites=f"m{n - 1}" if n > 1 else "",
        )
        for n in range(1, 11)
    ]
    page = JourneyPageFactory(parent=program, title="Bench journey", milestones=blocks)
    revision = page.live_revision
    specs = page.milestone_specs

    User = get_user_model()
    User.objects.bulk_create(
        (
            User(email=f"p{n}@bench.example", password=UNUSABLE_PASSWORD_PREFIX)
            for n in range(journeys * 2)
        ),
        batch_size=5000,
    )
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    starts = [today - datetime.timedelta(days=rng.randrange(0, 200)) for _ in range(journeys)]
    journey_rows = start_pairs(program, page, revision, starts, user_ids)
    members = {}
    for mid, jid in JourneyMember.objects.values_list("pk", "journey_id"):
        members.setdefault(jid, []).append(mid)

    def completions():
        now = timezone.now()
        for jid, started in journey_rows:
            age = (today - started).days
            # Pairs finish most milestones whose due day has passed.
            for spec in specs:
                if spec.opens_after_days + spec.due_after_days > age or rng.random() < 0.2:
                    break
                for member_id in members[jid]:
                    for step_spec in spec.steps:
                        yield StepCompletion(
                            journey_id=jid,
                            milestone_id=spec.id,
                            step_id=step_spec.id,
                            member_id=member_id,
                            completed_at=now,
                        )

    StepCompletion.objects.bulk_create(completions(), batch_size=10000)


def reference_read(batch_size: int) -> float:
    """Read what the tick reads, batch by batch, computing nothing."""
    from journeys.models import Journey, JourneyMember, StepCompletion
    from journeys.services.notifications import journey_id_batches

    start = time.perf_counter()
    for ids in journey_id_batches(datetime.date(2026, 11, 26), batch_size):
        list(Journey.objects.filter(pk__in=ids).values_list("pk", "started_on"))
        list(JourneyMember.objects.filter(journey_id__in=ids).values_list("pk", "user_id"))
        list(
            StepCompletion.objects.filter(journey_id__in=ids).values_list(
                "milestone_id", "step_id", "member_id"
            )
        )
    return time.perf_counter() - start


def queries_per_batch(today, batch_size: int) -> float:
    """Queries the tick spends on each batch (computing, recording, delivering)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journeys.models import Journey
    from journeys.services.notifications import (
        deliver,
        journey_id_batches,
        new_claim,
        record_batch,
    )

    Journey.objects.update(advanced_on=None)  # make every journey due again
    batches = list(journey_id_batches(today, batch_size))
    with CaptureQueriesContext(connection) as captured:
        for ids in batches:
            claim = new_claim()
            record_batch(ids, today, claim)
            deliver(ids, claim=claim)
    return len(captured) / max(len(batches), 1)


def reset_for_another_first_run() -> None:
    """Forget every notification and advance, as before the first run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE journeys_notification")
        cursor.execute("UPDATE journeys_journey SET advanced_on = NULL, advanced_at = NULL")
        cursor.execute("VACUUM ANALYZE journeys_journey")
        cursor.execute("VACUUM ANALYZE journeys_notification")


def worker_env(url: str, redis_url: str, workers: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "TRELLIS_TICK_FAN_OUT": "true",
        "Q_WORKERS": str(workers),
        "EMAIL_BACKEND": "bench.tick.SerialisingBackend",
        "BENCH_EMAIL_COUNTER": redis_url,
        "LOG_LEVEL": "INFO",
    }


def fan_out_first_run(url: str, redis_url: str, workers: int, today) -> dict | None:
    """The first run on a qcluster of ``workers`` workers; None without Redis."""
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
        client.ping()
    except Exception as error:  # any failure means there is no Redis to use
        print(
            f"# skipped the {workers}-worker run: no Redis at {redis_url} ({error})",
            file=sys.stderr,
        )
        return None
    from django.db.models import Max

    from journeys.models import Notification
    from journeys.services.notifications import due_for_advance

    client.flushdb()
    env = worker_env(url, redis_url, workers)
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-qcluster-", suffix=".log")  # noqa: SIM115
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "running." not in Path(log.name).read_text():
            if cluster.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("qcluster did not start:\n" + Path(log.name).read_text())
            time.sleep(0.2)
        # The tick as the schedule runs it: one task that queues one per batch.
        enqueued = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "import time; from journeys import tasks; print('started', time.time()); "
                f"print('queued', tasks.advance_journeys({today.isoformat()!r}))",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout
        said = dict(line.split(" ", 1) for line in enqueued.splitlines() if " " in line)
        started = float(said["started"])
        cpu_before = tree_cpu(cluster.pid)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if not Notification.objects.filter(sent_at__isnull=True).exists() and not (
                due_for_advance(today).exists()
            ):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the workers did not finish in 10 minutes")
        finished = Notification.objects.aggregate(last=Max("sent_at"))["last"].timestamp()
        cpu = tree_cpu(cluster.pid) - cpu_before
        postgres_cpu = backends_cpu(mine=False)  # the workers' connections, opened for the run
        time.sleep(1)  # the last connection closes after its last mark
        return {
            "cpu": cpu_fields(cpu, postgres_cpu),
            "seconds": finished - started,
            "queued": said["queued"],
            "emails": int(client.get(EMAIL_COUNTER) or 0),
            "notifications": Notification.objects.count(),
        }
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument(
        "--workers", type=int, default=2, help="Workers for the fanned-out run; 0 skips it."
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from journeys.models import Notification
    from journeys.services import notifications as tick
    from journeys.services.notifications import BATCH_SIZE, advance_journeys

    settings.EMAIL_BACKEND = f"{__name__}.SerialisingBackend"
    try:
        call_command("migrate", verbosity=0)
        today = datetime.date(2026, 11, 26)
        started = time.perf_counter()
        build(args.journeys, today, args.seed)
        print(
            f"# built {args.journeys} journeys in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        reference = reference_read(BATCH_SIZE)

        phases = {"record": [0.0, 0.0], "deliver": [0.0, 0.0]}  # wall, CPU
        originals = {
            name: getattr(tick, f"{name}_batch" if name == "record" else name) for name in phases
        }

        def timed(name, func):
            def run(*args, **kwargs):
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    return func(*args, **kwargs)
                finally:
                    phases[name][0] += time.perf_counter() - wall
                    phases[name][1] += time.process_time() - cpu

            return run

        tick.record_batch = timed("record", originals["record"])
        tick.deliver = timed("deliver", originals["deliver"])
        postgres_before = backends_cpu(mine=True)
        cpu_before = time.process_time()
        start = time.perf_counter()
        first = advance_journeys(today)
        first_time = time.perf_counter() - start
        cpu_after = time.process_time()
        postgres_after = backends_cpu(mine=True)
        tick.record_batch = originals["record"]
        tick.deliver = originals["deliver"]
        emails_first = SerialisingBackend.sent
        postgres = None
        if postgres_before is not None and postgres_after is not None:
            postgres = postgres_after - postgres_before

        start = time.perf_counter()
        second = advance_journeys(today)
        second_time = time.perf_counter() - start
        emails_second = SerialisingBackend.sent - emails_first

        emit(
            "tick_first_run_total",
            round(first_time, 2),
            "s",
            30,
            journeys=args.journeys,
            notifications=first.recorded,
            emails=emails_first,
            ms_per_email=round(1000 * phases["deliver"][0] / max(emails_first, 1), 3),
            **cpu_fields(cpu_after - cpu_before, postgres),
            reference_s=round(reference, 2),
            ratio=round(first_time / reference, 1),
            what="advance_journeys in one process, as the advance_journeys command runs it",
        )
        for name, (wall, cpu) in phases.items():
            emit(
                f"tick_first_run_{name}_phase",
                round(wall, 2),
                "s",
                None,
                cpu_s=round(cpu, 2),
                reference_s=round(reference, 2),
                ratio=round(wall / reference, 1),
                what=(
                    "computing every journey and logging its notifications"
                    if name == "record"
                    else "building and serialising every email, marking them sent"
                ),
            )
        emit(
            "tick_second_run",
            round(second_time, 2),
            "s",
            10,
            reference_s=round(reference, 2),
            ratio=round(second_time / reference, 1),
        )
        emit("tick_second_run_emails", emails_second + second.recorded, "messages", 0)
        small = queries_per_batch(today, 250)
        large = queries_per_batch(today, 1000)
        emit("tick_queries_per_batch_250", round(small, 1), "queries", 12)
        emit("tick_queries_per_batch_1000", round(large, 1), "queries", 12)
        print(f"# {Notification.objects.count()} notifications logged", file=sys.stderr)

        if args.workers:
            reset_for_another_first_run()
            redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
            run = fan_out_first_run(url, redis_url, args.workers, today)
            if run is not None:
                emit(
                    f"tick_first_run_total_{args.workers}_workers",
                    round(run["seconds"], 2),
                    "s",
                    30,
                    notifications=run["notifications"],
                    emails=run["emails"],
                    queued=run["queued"],
                    **run["cpu"],
                    reference_s=round(reference, 2),
                    ratio=round(run["seconds"] / reference, 1),
                )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
