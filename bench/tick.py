"""Time the journeys tick over 50,000 active journeys on PostgreSQL: record, then deliver.

Run as ``.venv/bin/python bench/tick.py`` (``make bench`` runs it). It creates
a scratch database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/trellis_bench``), migrates it, builds a
program whose journey has 10 milestones, starts 50,000 pairs on dates spread
over the last 200 days with progress that fits their age, and drops the
database at the end.

Printed, as JSON lines, each naming what it timed:

* **The record phase in one process** (target 30 s): every batch of journeys
  computed, its notifications logged and its emails written to the outbox,
  exactly as the tick's batch tasks do it (``record_batch``), one after the
  other in this process. Then the same again for the same day (target 10 s,
  and nothing recorded), and the queries a batch takes at two batch sizes
  (they must not grow with the batch).
* **Delivery per worker** (target 5 ms per email, that is at least 200 emails
  a second): ``--deliver`` emails (5,000 by default) taken from the outbox and
  sent by ``deliver_due`` through Django's SMTP backend to a real SMTP server
  (aiosmtpd, started here in a process of its own), each email rendered from
  its templates, sent, and marked sent on its own. The reference is the same
  number of small fixed messages sent with ``smtplib`` on one connection.
* **Raw SQL against the ORM**: the log's rows and the outbox's emails written
  with the ORM's ``bulk_create`` and with the tick's hand-written
  ``INSERT ... SELECT FROM unnest(...)`` (``write_log``, ``queue_many``), and
  the tick's reads through Django's ``values_list`` and straight from the
  driver. The tick keeps hand-written SQL only where it is at least twice as
  fast (``raw_sql_speedup``); the reads stay the ORM's.

Times carry a ratio to a reference measured in the same run: for the record
phase, reading every journey, member and completion row the tick reads,
without computing anything.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trellis_bench"
TODAY = datetime.date(2026, 11, 26)


def emit(metric, value, unit, target, **extra):
    print(json.dumps({"metric": metric, "value": value, "unit": unit, "target": target, **extra}))
    sys.stdout.flush()


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr)


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
                            completed_on=today,
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


def record_all(today, batch_size=None) -> tuple[int, int, int]:
    """Every batch of the day recorded, as the batch tasks do; (journeys, rows, emails)."""
    from journeys.services.notifications import journey_id_batches, record_batch

    journeys = recorded = emails = 0
    for ids in journey_id_batches(today, batch_size):
        result = record_batch(ids, today, request_delivery=False)
        journeys += result.journeys
        recorded += result.recorded
        emails += result.emails
    return journeys, recorded, emails


def queries_per_batch(today, batch_size: int) -> float:
    """Queries the record phase spends on each batch."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from journeys.models import Journey
    from journeys.services.notifications import journey_id_batches, record_batch

    with transaction.atomic():
        Journey.objects.update(advanced_on=None)  # make every journey due again
        batches = list(journey_id_batches(today, batch_size))[:4]
        with CaptureQueriesContext(connection) as captured:
            for ids in batches:
                record_batch(ids, today + datetime.timedelta(days=1), request_delivery=False)
        transaction.set_rollback(True)
    return len(captured) / max(len(batches), 1)


# Raw SQL against the ORM ---------------------------------------------------------------


def insert_comparison() -> dict[str, tuple[float, float, int]]:
    """Seconds to write the first run's log rows and emails again: ORM, then the tick's way.

    Each pair is timed inside a transaction that is rolled back, on the same
    rows: the log's with ``bulk_create`` against ``write_log``, the outbox's
    with ``bulk_create`` against ``queue_many``.
    """
    from django.db import transaction

    from journeys.models import Notification, OutboxEmail
    from journeys.services import outbox
    from journeys.services.notifications import write_log

    now = datetime.datetime.now(datetime.UTC)
    fields = ("journey_id", "member_id", "kind", "milestone_id", "period_key", "delivery")
    log_rows = list(Notification.objects.values_list(*fields))
    email_fields = ("recipient_id", "program_id", "journey_id", "subject", "context")
    email_rows = list(OutboxEmail.objects.values_list(*email_fields))
    template = OutboxEmail.objects.values_list("template", flat=True).first()

    def orm_log():
        Notification.objects.bulk_create(
            (Notification(**dict(zip(fields, row, strict=True))) for row in log_rows),
            batch_size=1000,
        )

    def orm_emails():
        OutboxEmail.objects.bulk_create(
            (
                OutboxEmail(
                    **dict(zip(email_fields, row, strict=True)),
                    template=template,
                    language="en-gb",
                    send_after=now,
                )
                for row in email_rows
            ),
            batch_size=500,
        )

    def timed(model, insert) -> float:
        with transaction.atomic():
            model.objects.all().delete()
            began = time.perf_counter()
            insert()
            seconds = time.perf_counter() - began
            transaction.set_rollback(True)
        return seconds

    return {
        "notification": (
            timed(Notification, orm_log),
            timed(Notification, lambda: write_log(log_rows, now)),
            len(log_rows),
        ),
        "outbox_email": (
            timed(OutboxEmail, orm_emails),
            timed(
                OutboxEmail,
                lambda: outbox.queue_many(template, email_rows, now=now, request_delivery=False),
            ),
            len(email_rows),
        ),
    }


def read_comparison() -> tuple[float, float, int]:
    """Seconds to read every completion row the tick reads: Django, then the driver."""
    from django.db import connection
    from django.db.models.functions import TruncDate

    from journeys.models import StepCompletion

    queryset = StepCompletion.objects.values_list(
        "journey_id", "milestone_id", "step_id", "member_id", TruncDate("completed_at")
    )
    began = time.perf_counter()
    count = len(list(queryset))
    through_django = time.perf_counter() - began
    sql, params = queryset.query.sql_with_params()
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
    from_driver = time.perf_counter() - began
    return through_django, from_driver, count


# Delivery ------------------------------------------------------------------------------

SMTP_SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller

class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 Message accepted"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
print(Sink.count, flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd in a process of its own, accepting and counting every message."""

    def __enter__(self):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - fixed interpreter and script
            [sys.executable, "-c", SMTP_SERVER, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP server did not start")
        return self

    def received(self) -> int:
        self.process.stdin.close()
        return int(self.process.stdout.readline())

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def smtp_reference(port: int, count: int) -> float:
    """Seconds to send ``count`` small fixed messages with smtplib on one connection."""
    import smtplib

    message = "From: bench@example.com\r\nTo: p@bench.example\r\nSubject: Hello\r\n\r\nHello.\r\n"
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for _ in range(count):
            client.sendmail("bench@example.com", ["p@bench.example"], message)
    return time.perf_counter() - began


def deliver_sample(count: int) -> dict:
    """Deliver ``count`` outbox emails through Django's SMTP backend to aiosmtpd."""
    from django.conf import settings

    from journeys.models import EmailStatus, OutboxEmail
    from journeys.services import outbox

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        reference = smtp_reference(server.port, count)
        cpu = time.process_time()
        began = time.perf_counter()
        result = outbox.deliver_due(limit=count)
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu
        received = server.received() - count  # less the reference's messages
    sent = OutboxEmail.objects.filter(status=EmailStatus.SENT).count()
    return {
        "result": result,
        "seconds": seconds,
        "cpu": cpu,
        "reference": reference,
        "received": received,
        "marked_sent": sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=50_000)
    parser.add_argument("--deliver", type=int, default=5_000, help="Emails to deliver.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    for name in [name for name in os.environ if name.startswith("REDIS")]:
        os.environ.pop(name)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from journeys.services.notifications import BATCH_SIZE

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build(args.journeys, TODAY, args.seed)
        note(f"built {args.journeys} journeys in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        reference = reference_read(BATCH_SIZE)

        postgres_before = backends_cpu(mine=True)
        cpu_before = time.process_time()
        began = time.perf_counter()
        journeys, recorded, emails = record_all(TODAY)
        first = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        postgres_after = backends_cpu(mine=True)
        postgres = (
            postgres_after - postgres_before
            if postgres_before is not None and postgres_after is not None
            else None
        )
        emit(
            "tick_record_phase_50k_journeys",
            round(first, 2),
            "s",
            30,
            what="record_batch for every batch of the day in one process: states computed, "
            "notifications logged, their emails written to the outbox",
            journeys=journeys,
            notifications=recorded,
            emails_queued=emails,
            **cpu_fields(cpu, postgres),
            reference_s=round(reference, 2),
            ratio=round(first / reference, 1),
        )

        began = time.perf_counter()
        again = record_all(TODAY)
        second = time.perf_counter() - began
        emit(
            "tick_record_phase_again_same_day",
            round(second, 2),
            "s",
            10,
            what="the record phase run a second time for the same day",
            reference_s=round(reference, 2),
            ratio=round(second / reference, 1),
        )
        emit(
            "tick_record_phase_again_recorded",
            again[1] + again[2],
            "rows",
            0,
            what="notifications and emails the second run wrote",
        )
        per_batch = {size: queries_per_batch(TODAY, size) for size in (250, 1000)}
        for size, queries in per_batch.items():
            emit(
                f"tick_queries_per_batch_{size}",
                round(queries, 1),
                "queries",
                None,
                what=f"queries record_batch takes for a batch of {size} journeys",
            )
        emit(
            "tick_query_growth",
            round(per_batch[1000] - per_batch[250], 1),
            "queries",
            0,
            what="queries a batch of 1000 journeys takes beyond one of 250",
        )
        for table, (orm, raw, rows) in insert_comparison().items():
            emit(
                f"{table}_insert_raw_sql",
                round(raw, 2),
                "s",
                None,
                what=f"{rows} {table} rows written the tick's way, one INSERT ... SELECT "
                "FROM unnest(...) per chunk; reference: the ORM's bulk_create",
                reference_s=round(orm, 2),
                ratio=round(raw / orm, 2),
                raw_sql_speedup=round(orm / raw, 2),
            )
        through_django, from_driver, completions = read_comparison()
        emit(
            "completion_read_django",
            round(through_django, 2),
            "s",
            None,
            what=f"{completions} completion rows read through values_list (the tick's way); "
            "reference: the same SQL read straight from the driver",
            reference_s=round(from_driver, 2),
            ratio=round(through_django / from_driver, 2),
            raw_sql_speedup=round(through_django / from_driver, 2),
        )

        delivery = deliver_sample(args.deliver)
        result = delivery["result"]
        ms = 1000 * delivery["seconds"] / max(result.sent, 1)
        emit(
            "outbox_delivery_ms_per_email",
            round(ms, 3),
            "ms",
            5,
            what="deliver_due in one process: render both templates, send through Django's "
            "SMTP backend to aiosmtpd, mark sent, one email at a time",
            emails_per_second=round(1000 / ms, 1),
            sent=result.sent,
            failed=result.failed + result.deferred,
            received_by_server=delivery["received"],
            cpu_s=round(delivery["cpu"], 2),
            reference_ms=round(1000 * delivery["reference"] / args.deliver, 3),
            ratio=round(delivery["seconds"] / delivery["reference"], 1),
        )
        if result.sent != args.deliver or delivery["received"] != args.deliver:
            raise SystemExit(
                f"delivery sent {result.sent} and the server received {delivery['received']}, "
                f"not {args.deliver}"
            )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
