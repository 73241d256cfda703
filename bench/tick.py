"""Time the journeys tick over 50,000 active journeys on PostgreSQL.

Run as ``.venv/bin/python bench/tick.py`` (``make bench`` runs it). It creates
a scratch database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/trellis_bench``), migrates it, builds a
program whose journey has 10 milestones, starts 50,000 pairs on dates spread
over the last 200 days with progress that fits their age, then runs the tick
twice for the same day and drops the database.

Printed, as JSON lines: the first run in its two phases (computing every
journey's state and recording the notifications it calls for; then building
and serialising every email as an SMTP backend would) and in total, against
30 s; the second run's time (target 10 s) and what it sent (target 0); and
queries per batch for two batch sizes, which shows queries grow with batches,
not journeys. Times carry
a ratio to a reference measured in the same run: reading every journey, member
and completion row the tick reads, without computing anything.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trellis_bench"


def emit(metric, value, unit, target, **extra):
    print(json.dumps({"metric": metric, "value": value, "unit": unit, "target": target, **extra}))
    sys.stdout.flush()


class SerialisingBackend:
    """Does what an SMTP backend does to each message, short of the network."""

    sent = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            message.message().as_bytes()
        SerialisingBackend.sent += len(messages)
        return len(messages)


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


def build(journeys: int, today: datetime.date, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.utils import timezone
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
    from journeys.models import Journey, JourneyMember, MemberRole, StepCompletion

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
    Journey.objects.bulk_create(
        (
            Journey(program=program, template=page, template_revision=revision, started_on=s)
            for s in starts
        ),
        batch_size=5000,
    )
    journey_rows = list(Journey.objects.order_by("pk").values_list("pk", "started_on"))
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
    from journeys.services.notifications import deliver, journey_id_batches, record_batch

    Journey.objects.update(advanced_on=None)  # make every journey due again
    batches = list(journey_id_batches(today, batch_size))
    with CaptureQueriesContext(connection) as captured:
        for ids in batches:
            record_batch(ids, today)
            deliver(ids)
    return len(captured) / max(len(batches), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
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
    from journeys.services.notifications import (
        BATCH_SIZE,
        advance_journeys,
        deliver,
        journey_id_batches,
        record_batch,
    )

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

        start = time.perf_counter()
        recorded = 0
        for ids in journey_id_batches(today):
            recorded += record_batch(ids, today)
        first_time = time.perf_counter() - start
        start = time.perf_counter()
        deliver()
        delivery_time = time.perf_counter() - start
        emails_first = SerialisingBackend.sent

        start = time.perf_counter()
        second = advance_journeys(today)
        second_time = time.perf_counter() - start
        emails_second = SerialisingBackend.sent - emails_first

        emit(
            "tick_first_run_compute_and_record",
            round(first_time, 2),
            "s",
            30,
            journeys=args.journeys,
            notifications=recorded,
            reference_s=round(reference, 2),
            ratio=round(first_time / reference, 1),
        )
        emit(
            "tick_first_run_delivery",
            round(delivery_time, 2),
            "s",
            30,
            emails=emails_first,
            ms_per_email=round(1000 * delivery_time / max(emails_first, 1), 3),
            reference_s=round(reference, 2),
            ratio=round(delivery_time / reference, 1),
        )
        emit(
            "tick_first_run_total",
            round(first_time + delivery_time, 2),
            "s",
            30,
            reference_s=round(reference, 2),
            ratio=round((first_time + delivery_time) / reference, 1),
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
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
