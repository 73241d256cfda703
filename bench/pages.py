"""Queries and server time of the participant pages: journey, milestone and My mentoring.

Run as ``.venv/bin/python bench/pages.py`` (``make bench`` runs it). It builds a
scratch database (SQLite at ``/tmp/trellis_bench_pages.sqlite3`` by default, or
the PostgreSQL database ``BENCH_DATABASE_URL`` names, created and dropped like
``bench/tick.py`` does), migrates it and builds, with the project's factories
and services, two journey templates of 6 and 60 milestones (four steps each:
read a library material, reflect, tick a box, then a pulse, meeting, goal
setting or goal review in turn). One mentee starts a journey on each, long
enough ago that most milestones have opened; both members complete every step
of the first half of the milestones, and the pair reflects, meets and sets
goals. Two more mentees follow one and ten journeys, for My mentoring.

Every page is the path a real request takes: requested through
``django.test.Client`` as the signed-in mentee, with the full middleware
stack, the cached template loader and ``DEBUG`` off, as in production. No page
or fragment of a page is kept anywhere: each request reads the database and
renders the templates. What the cache may hold (rendered markdown keyed by
its text, a theme's tokens keyed by its version, Wagtail's site root paths)
is listed in each line's ``cache`` field as read after the run. The
``database`` field says how the database binds values: on PostgreSQL it
keeps the plan of a statement run a few times on a connection
(``DATABASE_PREPARE_THRESHOLD``, as in production), never its rows.

Printed, as JSON lines naming what they timed: queries per request for each
page and size, how many queries the bigger case adds (target 0: queries must
not grow with milestones, steps, completions or journeys), and each page's
median time with its ratio to ``/healthz`` requested in turn with it (targets:
the journey page 40x at 6 milestones and 60x at 60, the milestone page 40x,
My mentoring 40x). ``--profile [PAGE:SIZE]`` writes the top cProfile costs of
one page to stderr: the 60-milestone journey page unless another is named, as
in ``--profile my_mentoring:10``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_SQLITE = "/tmp/trellis_bench_pages.sqlite3"  # noqa: S108
QUERIES_TARGET = 25
RATIO_TARGETS = {
    ("journey_page", 6): 40,
    ("journey_page", 60): 60,
    ("milestone_page", 6): 40,
    ("milestone_page", 60): 40,
    ("my_mentoring", 1): 40,
    ("my_mentoring", 10): 40,
}
WHAT = {
    "journey_page": "GET the journey page (timeline, goals, meetings, forms) of a journey of {n} "
    "milestones",
    "milestone_page": "GET an open milestone page (its materials inline, each step's action) of a "
    "journey of {n} milestones",
    "my_mentoring": "GET My mentoring for a person in {n} journey(s) of 60 milestones",
}
DAYS_AGO = 200


def emit(metric, value, unit, target, **extra):
    print(json.dumps({"metric": metric, "value": value, "unit": unit, "target": target, **extra}))
    sys.stdout.flush()


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr)


# The scratch database ----------------------------------------------------------------------


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


def remove_sqlite(path: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


# The data ----------------------------------------------------------------------------------


def build_site():
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from content.factories import LibraryIndexPageFactory, MaterialPageFactory, markdown_body
    from journeys.factories import ProgramPageFactory

    root = Page.get_first_root_node()
    home = HomePage(title="Bench mentoring", slug="bench")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    library = LibraryIndexPageFactory(parent=home)
    materials = [
        MaterialPageFactory(
            parent=library,
            title=f"Guide {n}",
            body=markdown_body(
                f"## Guide {n}\n\nWhat good mentors do, with **examples** and a "
                "[checklist](https://example.com/checklist).\n\n* Listen\n* Ask\n* Agree"
            ),
        )
        for n in range(1, 13)
    ]
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    return program, materials


def template_blocks(count: int, materials) -> list[dict]:
    """``count`` milestones spread over a year, four steps each, some with prerequisites."""
    from journeys.factories import milestone, step

    spacing = max(360 // count, 1)
    blocks = []
    for n in range(1, count + 1):
        material = materials[n % len(materials)]
        guide = materials[(n + 5) % len(materials)]
        fourth = (
            step("pulse"),
            step("meet", {"purpose": "Talk it through", "discussion_guide": guide.pk}),
            step("set_goals"),
            step("review_goals"),
        )[n % 4]
        blocks.append(
            milestone(
                f"Milestone {n}",
                f"m{n}",
                [
                    step("read", {"page": material.pk, "note": "Read this before you meet."}),
                    step(
                        "reflect", {"prompt": f"What did milestone {n} show you?", "guidance": ""}
                    ),
                    step("checklist", {"text": f"Tick off milestone {n}"}),
                    fourth,
                ],
                opens=(n - 1) * spacing,
                due=14,
                prerequisites=f"m{n - 1}" if n % 3 == 0 else "",
                intro=f"<p>Milestone {n}: a few warm sentences on what it is about.</p>",
            )
        )
    return blocks


def make_user(email: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(email=email)  # signed in with force_login


def progress(journey, mentor, mentee, today: datetime.date, reflect: bool = True) -> int:
    """Both members complete every step of the first half of the milestones.

    Each action is dated a few days after its milestone opened, through the
    services a participant's requests use; returns the completions made.
    """
    from journeys.models import StepCompletion
    from journeys.services import progress as services
    from journeys.services.state import journey_state

    snapshot = journey_state(journey, today).snapshot
    half = snapshot.prepared.milestones[: len(snapshot.prepared.milestones) // 2]
    for number, spec in enumerate(half, start=1):
        day = min(journey.started_on + datetime.timedelta(days=spec.opens_after_days + 3), today)
        for step in snapshot.milestones_by_id[spec.id].steps:
            for user in (mentee, mentor):
                if step.kind == "reflect" and reflect:
                    services.save_reflection(
                        journey,
                        user,
                        spec.id,
                        step.id,
                        f"Milestone {number}: we *listened* more than we talked.",
                        shared=user is mentee and number % 2 == 1,
                        base_version=None,
                        today=day,
                        complete=True,
                    )
                elif step.kind == "pulse":
                    services.record_pulse(journey, user, spec.id, step.id, 4, day)
                elif step.kind == "meet" and user is mentee:
                    services.log_meeting(
                        journey,
                        user,
                        day,
                        45,
                        "We talked about **feedback**.",
                        "Book the next one",
                        day,
                        milestone_id=spec.id,
                        step_id=step.id,
                    )
                else:
                    services.complete_step(journey, user, spec.id, step.id, day)
    return StepCompletion.objects.filter(journey=journey).count()


def extras(journey, mentor, mentee, today: datetime.date) -> None:
    """A few goals and meetings that are not tied to a step, and meetings being planned."""
    from django.utils import timezone

    from journeys.models import GoalStatus
    from journeys.services import meetings
    from journeys.services import progress as services

    for n, user in enumerate((mentee, mentee, mentor), start=1):
        goal = services.set_goal(
            journey, user, f"Goal {n}: lead a meeting", today + datetime.timedelta(days=30), today
        )
        if n == 1:
            services.update_goal(goal, user, GoalStatus.ACHIEVED, today)
    for n in range(1, 4):
        services.log_meeting(
            journey, mentor, today - datetime.timedelta(days=7 * n), 30, "Catch-up.", "", today
        )
    # One proposal waiting for an answer and one meeting agreed: the page shows both.
    now = timezone.now()
    for n in range(2):
        times = [now + datetime.timedelta(days=7 * (n + 1), hours=h) for h in (1, 26)]
        plan = meetings.propose(
            journey,
            mentor,
            options=times,
            duration_minutes=45,
            place="The café on the third floor",
            video_link="https://meet.example.com/bench",
            agenda="**Feedback**: what went well, what to try next.",
            now=now,
        )
        if n:
            meetings.accept(plan, mentee, times[0], now)


def build(today: datetime.date):
    from journeys.factories import JourneyPageFactory
    from journeys.models import MemberRole
    from journeys.services.starting import start_journey

    program, materials = build_site()
    templates = {
        size: JourneyPageFactory(
            parent=program, title=f"Journey of {size}", milestones=template_blocks(size, materials)
        )
        for size in (6, 60)
    }
    started_on = today - datetime.timedelta(days=DAYS_AGO)

    def start(template, mentor, mentee):
        return start_journey(
            program,
            [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
            started_on=started_on,
            template=template,
        )

    mentee = make_user("mentee@bench.example")
    journeys, completions = {}, {}
    for size, template in templates.items():
        mentor = make_user(f"mentor{size}@bench.example")
        journeys[size] = start(template, mentor, mentee)
        completions[size] = progress(journeys[size], mentor, mentee, today)
        extras(journeys[size], mentor, mentee, today)

    # The dashboard: one person in one journey, another in ten, all on the big template.
    dashboard = {}
    for count in (1, 10):
        person = make_user(f"dashboard{count}@bench.example")
        for n in range(count):
            mentor = make_user(f"dashboard{count}-mentor{n}@bench.example")
            journey = start(templates[60], mentor, person)
            progress(journey, mentor, person, today, reflect=n % 2 == 0)
        dashboard[count] = person
    return mentee, journeys, completions, dashboard


def open_milestone(journey, today: datetime.date) -> str:
    """The first milestone the mentee can act on and has not finished."""
    from journeys import engine
    from journeys.services.state import journey_state

    state = journey_state(journey, today).state
    return next(m.id for m in state.milestones if m.state in engine.ACTIONABLE)


# Measuring ---------------------------------------------------------------------------------


class Meter:
    def __init__(self, client, warmup: int, requests: int):
        self.client = client
        self.warmup = warmup
        self.requests = requests

    def get(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    def queries(self, url: str, fresh: bool = False) -> int:
        """Queries of a warm request; ``fresh`` empties the cache before it."""
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.get(url)
        if fresh:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        return len(captured)

    def median_ms(self, url: str, requests: int | None = None) -> float:
        """Median time of ``url`` requested on its own, after the warm-ups."""
        for _ in range(self.warmup):
            self.get(url)
        return statistics.median(self.timed(url) for _ in range(requests or self.requests))

    def timed(self, url: str) -> float:
        start = time.perf_counter()
        self.get(url)
        return (time.perf_counter() - start) * 1000

    def paired(self, url: str, reference: str) -> tuple[float, float]:
        """Medians of ``url`` and ``reference``, requested in turn.

        Taking them in alternation puts both under the same conditions (other
        work on the machine, the database's own background work), so their
        ratio holds still even when the times themselves drift.
        """
        for _ in range(self.warmup):
            self.get(reference)
            self.get(url)
        timed_pages, references = [], []
        for _ in range(self.requests):
            references.append(self.timed(reference))
            timed_pages.append(self.timed(url))
        return statistics.median(timed_pages), statistics.median(references)


def database_in_words() -> str:
    """The database the pages read, and how it binds and prepares statements."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"{connection.display_name} {connection.Database.sqlite_version}"
    version = connection.pg_version // 10000
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    if threshold is None:
        return f"PostgreSQL {version}, values bound on the client, nothing prepared"
    return (
        f"PostgreSQL {version}, values bound on the server, each statement prepared "
        f"after {threshold} runs on the connection (its plan, never its rows)"
    )


def cache_kinds() -> list[str]:
    """The kinds of entry the (local-memory) cache holds: each key up to its first number."""
    import re

    from django.core.cache import cache

    keys = getattr(cache, "_cache", {}).keys()
    return sorted({re.split(r":\d", key.split(":", 2)[-1], maxsplit=1)[0] for key in keys})


def profile(meter: Meter, url: str, top: int = 30) -> str:
    meter.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(meter.requests):
        meter.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def check_cached_templates() -> None:
    from django.template import engines
    from django.template.loaders.cached import Loader

    loaders = engines["django"].engine.template_loaders
    if not all(isinstance(loader, Loader) for loader in loaders):
        raise SystemExit("Templates are not cached: run with DEBUG off, as in production.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="Timed requests per page.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed requests first.")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="journey_page:60",
        metavar="PAGE:SIZE",
        help="The page to profile: journey_page:60 unless named (my_mentoring:10 …).",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    if postgres:
        recreate_database(postgres)
        os.environ["DATABASE_URL"] = postgres
    else:
        remove_sqlite(DEFAULT_SQLITE)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_SQLITE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    for name in [name for name in os.environ if name.startswith("REDIS")]:
        os.environ.pop(name)

    import django

    django.setup()
    logging.getLogger("wagtail").setLevel(logging.WARNING)  # one line per page built
    # The test settings run tasks in the process: building the data queues email
    # deliveries, and the task runner logs each one.
    logging.getLogger("django-q").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    try:
        call_command("migrate", verbosity=0)
        check_cached_templates()
        today = timezone.localdate()
        started = time.perf_counter()
        mentee, journeys, completions, dashboard = build(today)
        note(
            f"built in {time.perf_counter() - started:.1f} s; completions per journey: "
            + ", ".join(f"{size} milestones: {n}" for size, n in completions.items())
        )
        if postgres:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        client = Client(raise_request_exception=True)
        meter = Meter(client, args.warmup, args.requests)
        healthz = reverse("healthz")
        pages = []  # (page, size, person, url)
        for size, journey in journeys.items():
            pages.append(
                ("journey_page", size, mentee, reverse("journeys:journey", args=[journey.uuid]))
            )
            milestone = open_milestone(journey, today)
            pages.append(
                (
                    "milestone_page",
                    size,
                    mentee,
                    reverse("journeys:milestone", args=[journey.uuid, milestone]),
                )
            )
        for count, person in dashboard.items():
            pages.append(("my_mentoring", count, person, reverse("journeys:my_mentoring")))

        results = {}
        for page, size, person, url in pages:
            client.force_login(person)
            queries = meter.queries(url)
            page_ms, healthz_ms = meter.paired(url, healthz)
            results[(page, size)] = (queries, page_ms, healthz_ms)
        cached = cache_kinds()
        database = database_in_words()

        for page in ("journey_page", "milestone_page", "my_mentoring"):
            sizes = sorted(size for p, size in results if p == page)
            unit = "journeys" if page == "my_mentoring" else "milestones"
            for size in sizes:
                queries, page_ms, healthz_ms = results[(page, size)]
                what = WHAT[page].format(n=size)
                suffix = f"{size}_{unit}" if size != 1 else "1_journey"
                emit(f"{page}_queries_{suffix}", queries, "queries", QUERIES_TARGET, what=what)
                emit(
                    f"{page}_time_ratio_{suffix}",
                    round(page_ms / healthz_ms, 1),
                    "x healthz",
                    RATIO_TARGETS[(page, size)],
                    what=what + ", as a ratio to /healthz requested in turn with it",
                    ms=round(page_ms, 2),
                    healthz_ms=round(healthz_ms, 3),
                    cache=cached,
                    database=database,
                )
            small, large = sizes[0], sizes[-1]
            emit(
                f"{page}_query_growth",
                results[(page, large)][0] - results[(page, small)][0],
                "queries",
                0,
                what=f"queries the page adds from {small} to {large} {unit}",
            )

        if args.profile:
            name, _, size = args.profile.partition(":")
            person, url = next((who, u) for p, n, who, u in pages if (p, str(n)) == (name, size))
            client.force_login(person)
            note(f"{name} at {size}, {args.requests} requests under cProfile:")
            print(profile(meter, url), file=sys.stderr)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            if postgres:
                drop_database(postgres)
            else:
                remove_sqlite(DEFAULT_SQLITE)


if __name__ == "__main__":
    main()
