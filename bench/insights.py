"""Queries and server time of the program dashboard (insights) for 20,000 journeys.

Run as ``.venv/bin/python bench/insights.py`` (``make bench`` runs it). It
creates a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/trellis_bench_insights``), migrates it,
and builds with bulk inserts two programs on the same 10-milestone journey
(each milestone: a material to read, a reflection, a pulse rating, and on
every other one a meeting with a discussion guide): one with ``--journeys``
pairs (20,000), one with a tenth as many. Journeys started over the last 200
days and progressed as their age allows; members opened the pages of the
milestones they reached, rated them and met; every person enrolled (some
sharing opt-in attributes) and every pair was matched. Objectives name
measures. The database is dropped at the end.

Then, as production runs it, with the cache in Redis (``BENCH_REDIS_URL``,
default ``redis://127.0.0.1:6379/13``, which is emptied; without Redis, in the
process, with a note on stderr):

* cold: the task working each program's figures out into its snapshot
  (``snapshots.work_out``), timed for the big program (target 10 s, with the
  CPU seconds beside it), and its queries for both (they must not grow);
* the pages, requested through ``django.test.Client`` with the full
  middleware stack and the cached template loader, each reading the
  program's snapshot and rendering for the request (nothing of a page is
  kept): the program's page on the site as a sponsor and as a program admin
  (who sees names), and in the admin the full dashboard and the index of
  programs. Each is timed in alternation with ``/healthz``, so that both see
  the same conditions, with its ratio to it as the value, and also
  ``ratio_to_healthz_alone``: the ratio to ``/healthz`` timed on its own,
  request after request, its best case and so the stricter ratio. The page on
  the site, the one every viewer reads, has the target (60); the admin's two
  pages are reported without one (most of the index's time is Wagtail's admin
  frame), the dashboard with its ratio to the index beside it. Queries for
  the small and big program must be the same.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages
from bench.tick import drop_database, emit, recreate_database, start_pairs

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trellis_bench_insights"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
MILESTONES = 10


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr)


# The data ----------------------------------------------------------------------------------


def build_site():
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from content.factories import LibraryIndexPageFactory, MaterialPageFactory, TopicFactory
    from journeys.factories import JourneyPageFactory, milestone, step

    root = Page.get_first_root_node()
    home = HomePage(title="Bench", slug="bench")
    root.add_child(instance=home)
    Site.objects.update(root_page=home)
    topic = TopicFactory(name="Giving feedback", slug="feedback")
    library = LibraryIndexPageFactory(parent=home)
    materials = [MaterialPageFactory(parent=library, title=f"Guide {n}") for n in range(12)]
    materials[0].topics.add(topic)
    materials[0].save_revision().publish()
    blocks = []
    for n in range(1, MILESTONES + 1):
        steps = [
            step("read", {"page": materials[n].pk, "note": ""}),
            step("reflect"),
            step("pulse"),
        ]
        if n % 2:
            steps.append(
                step("meet", {"purpose": "Talk it through", "discussion_guide": materials[0].pk})
            )
        blocks.append(
            milestone(
                f"Milestone {n}",
                f"m{n}",
                steps,
                opens=(n - 1) * 18,
                due=14,
                prerequisites=f"m{n - 1}" if n > 1 else "",
            )
        )
    return home, topic, blocks, JourneyPageFactory


def objectives(topic):
    from journeys.models import Measure

    def objective(title, **value):
        return {"type": "objective", "value": {"title": title, "description": "", **value}}

    return [
        objective("Pairs meet early", measure=Measure.MILESTONE, milestone_key="m2", target=80),
        objective("Feedback lands", measure=Measure.TOPIC_PULSE, topic=topic.pk, target=4),
        objective("Goals are reached", measure=Measure.GOALS, target=50),
        objective("Nobody waits", measure=Measure.MATCHED, target=90),
        objective("Journeys finish", measure=Measure.COMPLETED, target=30),
        objective("People feel they belong"),
    ]


def build_program(home, topic, blocks, template_factory, title, journeys, today, rng, prefix):
    """A program with ``journeys`` matched pairs and everything they did, in bulk."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from insights.models import ContentView
    from journeys.factories import ProgramPageFactory
    from journeys.models import (
        Goal,
        Journey,
        JourneyMember,
        Meeting,
        PulseResponse,
        StepCompletion,
    )
    from matching.models import (
        Enrollment,
        EnrollmentStatus,
        MatchProposal,
        ProgramAttribute,
        ProposalStatus,
    )

    # Run by the "Program admins" group, as the admin the bench signs in as is in it.
    program = ProgramPageFactory(
        parent=home,
        title=title,
        objectives=objectives(topic),
        admins=[Group.objects.get(name="Program admins")],
    )
    page = template_factory(parent=program, title=f"{title} journey", milestones=blocks)
    revision = page.live_revision
    specs = page.milestone_specs
    steps = {
        s["id"]: (s["type"], s["value"])
        for b in page.milestones.raw_data
        for s in b["value"]["steps"]
    }
    attributes = [
        ProgramAttribute.objects.create(program=program, sort_order=n, label=label)
        for n, label in enumerate(("Parent or carer", "First-generation graduate", "Night shift"))
    ]

    User = get_user_model()
    User.objects.bulk_create(
        (
            User(
                email=f"{prefix}{n}@bench.example",
                first_name="Person",
                last_name=str(n),
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            for n in range(journeys * 2 + journeys // 10)
        ),
        batch_size=5000,
    )
    user_ids = list(
        User.objects.filter(email__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )
    now = timezone.now()
    starts = [today - datetime.timedelta(days=rng.randrange(0, 200)) for _ in range(journeys)]
    journey_rows = start_pairs(program, page, revision, starts, user_ids, changed_at=now)
    members = {}
    for mid, jid, user_id in JourneyMember.objects.filter(journey__program=program).values_list(
        "pk", "journey_id", "user_id"
    ):
        members.setdefault(jid, []).append((mid, user_id))

    completions, pulses, meetings, views, goals, last_activity = [], [], [], [], [], {}

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    for jid, started in journey_rows:
        age = (today - started).days
        pair = members[jid]
        for spec in specs:
            opens = started + datetime.timedelta(days=spec.opens_after_days)
            if opens > today:
                break
            pages = [
                value.get("page") or value.get("discussion_guide")
                for kind, value in (steps[s.id] for s in spec.steps)
                if kind in ("read", "meet")
            ]
            finished = spec.opens_after_days + spec.due_after_days <= age and rng.random() < 0.85
            if not finished:
                if rng.random() < 0.5:
                    views.extend((jid, pair[1][1], pk) for pk in pages)
                break
            day = min(opens + datetime.timedelta(days=rng.randrange(0, 14)), today)
            last_activity[jid] = day
            for n, (member_id, user_id) in enumerate(pair):
                views.extend((jid, user_id, pk) for pk in pages)
                for step_spec in spec.steps:
                    kind = steps[step_spec.id][0]
                    if kind == "meet" and n:
                        continue
                    completions.append(
                        StepCompletion(
                            journey_id=jid,
                            milestone_id=spec.id,
                            step_id=step_spec.id,
                            member_id=member_id,
                            completed_at=at(day),
                            completed_on=day,
                        )
                    )
                    if kind == "pulse":
                        pulses.append(
                            PulseResponse(
                                journey_id=jid,
                                milestone_id=spec.id,
                                step_id=step_spec.id,
                                member_id=member_id,
                                score=rng.choice((2, 3, 4, 4, 5, 5)),
                            )
                        )
                    if kind == "meet":
                        meetings.append(
                            Meeting(
                                journey_id=jid,
                                milestone_id=spec.id,
                                step_id=step_spec.id,
                                held_on=day,
                                logged_by_id=member_id,
                            )
                        )
        for n in range(rng.randint(0, 2)):
            goals.append(
                Goal(
                    journey_id=jid,
                    owner_id=pair[1][0],
                    text=f"Goal {n}",
                    status=rng.choice(("open", "open", "achieved", "dropped")),
                )
            )
    StepCompletion.objects.bulk_create(completions, batch_size=10000)
    PulseResponse.objects.bulk_create(pulses, batch_size=10000)
    Meeting.objects.bulk_create(meetings, batch_size=10000)
    Goal.objects.bulk_create(goals, batch_size=10000)
    ContentView.objects.bulk_create(
        (
            ContentView(journey_id=j, user_id=u, page_id=p, first_opened_at=now)
            for j, u, p in set(views)
        ),
        batch_size=10000,
        ignore_conflicts=True,
    )
    Journey.objects.bulk_update(
        [Journey(pk=jid, last_activity_on=day) for jid, day in last_activity.items()],
        ["last_activity_on"],
        batch_size=5000,
    )

    # Everyone enrolled before their journey began, and every pair was matched.
    for model in (Enrollment, MatchProposal):
        model._meta.get_field("created_at").auto_now_add = False
    keys = [str(a.key) for a in attributes]
    enrolments = []
    for i, (_jid, started) in enumerate(journey_rows):
        enrolled = at(started - datetime.timedelta(days=rng.randrange(3, 40)))
        for r, role in ((1, "mentee"), (0, "mentor")):
            enrolments.append(
                Enrollment(
                    program=program,
                    user_id=user_ids[2 * i + r],
                    role=role,
                    status=EnrollmentStatus.MATCHED,
                    attributes=[k for k in keys if rng.random() < 0.1],
                    created_at=enrolled,
                )
            )
    for n in range(journeys // 10):
        enrolments.append(
            Enrollment(
                program=program,
                user_id=user_ids[2 * journeys + n],
                role="mentee",
                attributes=[k for k in keys if rng.random() < 0.1],
                created_at=at(today - datetime.timedelta(days=rng.randrange(0, 30))),
            )
        )
    Enrollment.objects.bulk_create(enrolments, batch_size=5000)
    enrolment_ids = dict(Enrollment.objects.filter(program=program).values_list("user_id", "pk"))
    MatchProposal.objects.bulk_create(
        (
            MatchProposal(
                program=program,
                mentee_id=enrolment_ids[user_ids[2 * i + 1]],
                mentor_id=enrolment_ids[user_ids[2 * i]],
                status=ProposalStatus.APPROVED,
                decided_at=at(started),
                created_at=at(started),
            )
            for i, (_jid, started) in enumerate(journey_rows)
        ),
        batch_size=5000,
    )
    for model in (Enrollment, MatchProposal):
        model._meta.get_field("created_at").auto_now_add = True
    return program, len(completions), len(set(views))


# Measuring ---------------------------------------------------------------------------------


Meter = pages.Meter


def use_redis(redis_url: str) -> str:
    """Keep the cache in Redis, as production does, when it answers.

    Must run before anything touches the cache. The Redis database is emptied.
    """
    from django.conf import settings

    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
        client.flushdb()
    except Exception as error:  # any failure means there is no Redis to use
        return f"this process (no Redis at {redis_url}: {error})"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "trellis",
        }
    }
    return f"Redis at {redis_url}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30, help="Timed warm requests.")
    parser.add_argument("--cold", type=int, default=3, help="Timed cold requests.")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument(
        "--profile", action="store_true", help="Profile the big program's pages to stderr."
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    logging.getLogger("wagtail").setLevel(logging.WARNING)
    cache_in = use_redis(os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    note(f"cache: {cache_in}")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from insights import snapshots

    try:
        call_command("migrate", verbosity=0)
        pages.check_cached_templates()
        today = timezone.localdate()
        rng = random.Random(args.seed)
        started = time.perf_counter()
        home, topic, blocks, template_factory = build_site()
        small, *_small = build_program(
            home, topic, blocks, template_factory, "Small", args.journeys // 10, today, rng, "s"
        )
        big, completions, views = build_program(
            home, topic, blocks, template_factory, "Big", args.journeys, today, rng, "b"
        )
        note(
            f"built in {time.perf_counter() - started:.1f} s: {args.journeys} journeys, "
            f"{completions} step completions, {views} content views in the big program"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        admin = get_user_model().objects.create_user(email="admin@bench.example")
        admin.groups.add(Group.objects.get(name="Program admins"))
        sponsor = get_user_model().objects.create_user(email="sponsor@bench.example")
        for program in (small, big):
            program.sponsor_users.add(sponsor)
            program.save()  # chosen people are kept with the page (a parental relation)

        # Cold: each program's figures worked out into its snapshot, as the task does.
        work_queries, work_seconds, work_cpu = {}, [], []
        for program in (small, big):
            with CaptureQueriesContext(connection) as captured:
                snapshots.work_out(program.pk, force=True)
            work_queries[program] = len(captured)
        for _ in range(args.cold):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            snapshots.work_out(big.pk, force=True)
            work_seconds.append(time.perf_counter() - wall)
            work_cpu.append(time.process_time() - cpu)
        emit(
            f"insights_work_out_seconds_{args.journeys}_journeys",
            round(statistics.median(work_seconds), 2),
            "s",
            10,
            cpu_seconds=round(statistics.median(work_cpu), 2),
            runs=args.cold,
            what="the task working one program's figures out into its snapshot, cold",
        )
        emit(
            "insights_work_out_query_growth",
            work_queries[big] - work_queries[small],
            "queries",
            0,
            queries=work_queries[big],
            compared=f"{args.journeys} vs {args.journeys // 10} journeys",
        )

        gc.collect()  # a web process does not hold what building the data left behind
        clients = {}
        for who, user in (("program_admin", admin), ("sponsor", sponsor)):
            client = Client(raise_request_exception=True)
            client.force_login(user)
            clients[who] = Meter(client, args.warmup, args.requests)
        healthz = reverse("healthz")
        clients["sponsor"].median_ms(healthz)  # warm the process before the reference
        # The program's page on the site is the one every viewer reads (sponsors, and
        # program admins with names): it carries the target. The full dashboard and
        # the index live in Wagtail's admin, whose own frame (menu, sidebar, shortcuts)
        # is most of the index's time: they are reported, with no target of their own.
        pages_timed = [
            (
                "insights_sponsor_page",
                who,
                {p: reverse("program_insights:page", args=[p.slug]) for p in (small, big)},
                "the program's page on the site, read from its snapshot",
                60,
            )
            for who in ("sponsor", "program_admin")
        ] + [
            (
                "insights_dashboard",
                "program_admin",
                {p: reverse("insights:program", args=[p.pk]) for p in (small, big)},
                "the program's full dashboard in the admin (every table, named health "
                "lists, CSV links), read from its snapshot",
                None,
            ),
            (
                "insights_index",
                "program_admin",
                {big: reverse("insights:index")},
                "the list of programs one may see, in the admin",
                None,
            ),
        ]
        rows = []
        for metric, who, urls, what, target in pages_timed:
            meter = clients[who]
            for page_url in urls.values():
                meter.get(page_url)  # parse templates, set the CSRF cookie
            queries = {p: meter.queries(u, fresh=True) for p, u in urls.items()}
            page_ms, healthz_ms = meter.paired(urls[big], healthz)
            rows.append((metric, who, what, target, queries, page_ms, healthz_ms))
            if args.profile:
                note(f"{metric} as {who}:\n{pages.profile(meter, urls[big])}")
        # /healthz on its own, request after request: every cache of the process
        # warm for it, so its best case. Printed beside each ratio as the stricter one.
        alone_ms = clients["sponsor"].median_ms(healthz, args.requests * 3)

        def ratio(ms, reference):
            return round(ms / reference, 1)

        index_ms = next(row[5] for row in rows if row[0] == "insights_index")
        for metric, who, what, target, queries, page_ms, healthz_ms in rows:
            name = f"{metric}_as_{who}"
            extra = {}
            if metric == "insights_dashboard":
                extra["ratio_to_admin_index"] = ratio(page_ms, index_ms)
            emit(
                f"{name}_time_ratio",
                ratio(page_ms, healthz_ms),
                "x healthz",
                target,
                ms=round(page_ms, 2),
                healthz_ms=round(healthz_ms, 3),
                ratio_to_healthz_alone=ratio(page_ms, alone_ms),
                healthz_alone_ms=round(alone_ms, 3),
                queries=queries[big],
                journeys=args.journeys,
                what=f"{what}, as a {who.replace('_', ' ')}; nothing of the page kept",
                **extra,
            )
            if small in queries:
                emit(
                    f"{name}_query_growth",
                    queries[big] - queries[small],
                    "queries",
                    0,
                    compared=f"{args.journeys} vs {args.journeys // 10} journeys",
                )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
