"""Time a matching run of 5,000 mentees and 1,000 mentors on PostgreSQL.

Run as ``.venv/bin/python bench/matching.py`` (``make bench`` runs it). It creates a
scratch database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/trellis_bench_matching``), migrates it and enrols
6,000 people with varied profiles: 30 topics, 12 departments, 10 locations, 8 time
zones, seniority 1-10, 5 languages, 6 opt-in attributes and a single-choice question;
mentors take 1 to 5 mentees. The policy weighs 10 criteria and sets 3 hard constraints
(not the same department, a shared language, at most 6 hours between time zones).

Printed, as JSON lines:

* the run end to end (reading enrolments, scoring, solving, explaining, writing the
  proposals) in a fresh process, against 10 s, and that process's peak memory against
  1.5 GiB;
* each stage on its own, measured again in this process;
* the solve step against scipy's ``linear_sum_assignment`` on the same
  capacity-expanded matrix, measured in the same run (the ratio);
* the run's total score against the exact optimum (the same scipy solution), as the
  share of the optimum it falls short by: 0 means optimal. The stable method's total
  is printed beside it, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tick import drop_database, emit, recreate_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trellis_bench_matching"
TOPICS = 30
DEPARTMENTS = [
    "Operations", "Sales", "Finance", "People", "Engineering", "Customer care",
    "Legal", "Marketing", "Procurement", "Fleet", "Warehousing", "Strategy",
]  # fmt: skip
LOCATIONS = [
    "Rotterdam", "Hamburg", "Antwerp", "Singapore", "Dubai", "Felixstowe",
    "Gdansk", "Valencia", "Le Havre", "Genoa",
]  # fmt: skip
ZONES = [
    "Europe/Amsterdam", "Europe/London", "Asia/Singapore", "Asia/Dubai",
    "America/New_York", "America/Chicago", "Europe/Warsaw", "Asia/Kolkata",
]  # fmt: skip
LANGUAGES = ["en", "nl", "de", "fr", "es"]
WEIGHTS = {
    "topics_offered": 3.0,
    "complementary": 1.0,
    "shared_interests": 1.0,
    "cross_department": 0.5,
    "same_location": 0.5,
    "time_zone": 1.0,
    "seniority_fit": 1.0,
    "shared_language": 0.5,
    "shared_attributes": 0.5,
}


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def build(mentees: int, mentors: int, seed: int) -> int:
    """Enrol everyone and set the policy; returns the program's id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from content.models import Topic
    from journeys.factories import ProgramPageFactory
    from matching.factories import policy_for
    from matching.models import Enrollment, ProgramAttribute, ProgramQuestion

    rng = random.Random(seed)
    root = Page.get_first_root_node()
    home = HomePage(title="Bench", slug="bench")
    root.add_child(instance=home)
    Site.objects.update(root_page=home)
    program = ProgramPageFactory(parent=home, title="Bench program")
    question = ProgramQuestion.objects.create(
        program=program,
        label="How do you like to meet?",
        kind="single",
        choices="In person\nVideo call\nWalking\nNo preference",
    )
    attributes = [
        str(ProgramAttribute.objects.create(program=program, label=f"Attribute {n}").key)
        for n in range(6)
    ]
    topics = Topic.objects.bulk_create(
        Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(TOPICS)
    )
    topic_ids = [t.pk for t in Topic.objects.order_by("pk")]

    User = get_user_model()
    people = mentees + mentors
    User.objects.bulk_create(
        (
            User(email=f"p{n}@bench.example", password=UNUSABLE_PASSWORD_PREFIX)
            for n in range(people)
        ),
        batch_size=5000,
    )
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    choices = question.choice_list
    rows = []
    for n, user_id in enumerate(user_ids):
        mentor = n >= mentees
        rows.append(
            Enrollment(
                program=program,
                user_id=user_id,
                role="mentor" if mentor else "mentee",
                capacity=rng.randint(1, 5) if mentor else 1,
                department=rng.choice(DEPARTMENTS),
                location=rng.choice(LOCATIONS),
                time_zone=rng.choice(ZONES),
                seniority=rng.randint(4, 10) if mentor else rng.randint(1, 7),
                languages=["en", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))]
                if rng.random() < 0.9
                else rng.sample(LANGUAGES[1:], 1),
                attributes=rng.sample(attributes, rng.randint(0, 2)),
                answers={str(question.key): rng.choice(choices)},
            )
        )
    Enrollment.objects.bulk_create(rows, batch_size=5000)
    ids = list(Enrollment.objects.order_by("pk").values_list("pk", flat=True))
    offered = Enrollment.topics_offered.through
    sought = Enrollment.topics_sought.through
    offered.objects.bulk_create(
        (
            offered(enrollment_id=pk, topic_id=t)
            for pk in ids
            for t in rng.sample(topic_ids, rng.randint(1, 4))
        ),
        batch_size=10000,
    )
    sought.objects.bulk_create(
        (
            sought(enrollment_id=pk, topic_id=t)
            for pk in ids
            for t in rng.sample(topic_ids, rng.randint(1, 4))
        ),
        batch_size=10000,
    )
    policy_for(
        program,
        "knowledge",
        weights=WEIGHTS,
        question_rules={
            str(question.key): {"rule": "same", "weight": 0.5, "label": question.label}
        },
        not_same_department=True,
        not_same_reporting_line=False,
        require_shared_language=True,
        min_seniority_gap=None,
        max_seniority_gap=None,
        max_time_zone_gap=6,
    )
    del topics
    return program.pk


def run_once(program_id: int) -> None:
    """In a fresh process: one run end to end; prints its time and peak memory."""
    from journeys.models import ProgramPage
    from matching.models import MatchingRun, RunStatus
    from matching.services import runs

    program = ProgramPage.objects.get(pk=program_id)
    start = time.perf_counter()
    # The bench's settings run the queue inline (django-q2's sync mode): start_run
    # queues the task on commit, and it runs there and then, as a worker would.
    run_id = runs.start_run(program).pk
    elapsed = time.perf_counter() - start
    run = MatchingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.DONE, run.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_bytes": peak,
                "matched": run.matched_count,
                "total_score": run.total_score,
            }
        )
    )


def stages(program_id: int) -> dict:
    """Each stage of a run timed on its own, plus the scipy reference and the optimum."""
    import numpy as np
    from django.utils import timezone
    from scipy.optimize import linear_sum_assignment

    from journeys.models import ProgramPage
    from matching.algorithm import UNMATCHED, assign, assign_stable
    from matching.models import Enrollment, MatchingPolicy, MatchingRun, MatchProposal
    from matching.services.loader import (
        build_problem,
        load_side,
        snapshot_policy,
        split_sides,
    )
    from matching.services.runs import candidate_pool, explain

    program = ProgramPage.objects.get(pk=program_id)
    snapshot = snapshot_policy(MatchingPolicy.objects.get(program=program))
    times = {}

    start = time.perf_counter()
    pool = candidate_pool(program, snapshot)
    everyone = load_side(
        Enrollment.objects.filter(pk__in=pool.mentee_ids + pool.mentor_ids), timezone.localdate()
    )
    roles = ["mentor" if pk in pool.places else "mentee" for pk in everyone.ids.tolist()]
    room = np.array([pool.places.get(pk, 0) for pk in everyone.ids.tolist()])
    mentees, mentors = split_sides(everyone, roles, room)
    places = np.array([pool.places[pk] for pk in mentors.ids.tolist()])
    times["load"] = time.perf_counter() - start

    start = time.perf_counter()
    problem = build_problem(snapshot, mentees, mentors, places)
    times["score"] = time.perf_counter() - start

    start = time.perf_counter()
    matched = assign(problem.scores.total, places, problem.allowed)
    times["solve"] = time.perf_counter() - start

    run = MatchingRun.objects.create(program=program, policy_snapshot=snapshot)
    start = time.perf_counter()
    proposals = explain(problem, matched, run)
    times["explain"] = time.perf_counter() - start
    start = time.perf_counter()
    MatchProposal.objects.bulk_create(proposals, batch_size=1000)
    times["write"] = time.perf_counter() - start

    # The reference: scipy on the same capacity-expanded matrix, every slot a column.
    start = time.perf_counter()
    gain = np.where(problem.allowed & (problem.scores.total > 0), problem.scores.total, 0)
    slots = np.repeat(np.arange(len(mentors)), places)
    expanded = gain[:, slots]
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    times["scipy"] = time.perf_counter() - start
    optimum = float(expanded[rows, cols].sum())

    def total(result):
        chosen = np.flatnonzero(result != UNMATCHED)
        return float(problem.scores.total[chosen, result[chosen]].sum())

    stable = assign_stable(problem.scores.total, problem.scores.total, places, problem.allowed)
    return {
        "times": times,
        "optimum": optimum,
        "total": total(matched),
        "stable_total": total(stable),
        "shape": problem.shape,
        "slots": int(places.sum()),
        "criteria": len(problem.scores.names),
        "constraints": [name for name in problem.masks if name != "avoid"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument("--run-once", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    if args.run_once:
        setup_django(url)
        run_once(args.run_once)
        return

    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, connections

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        program_id = build(args.mentees, args.mentors, args.seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"# enrolled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        connections.close_all()

        # The same script with fixed arguments, so its peak memory is the run's alone.
        child = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--run-once", str(program_id)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "BENCH_DATABASE_URL": url},
        )
        end_to_end = json.loads(child.stdout.strip().splitlines()[-1])
        result = stages(program_id)
        t = result["times"]
        emit(
            "matching_run_end_to_end",
            round(end_to_end["seconds"], 2),
            "s",
            10,
            mentees=args.mentees,
            mentors=args.mentors,
            slots=result["slots"],
            criteria=result["criteria"],
            constraints=result["constraints"],
            matched=end_to_end["matched"],
            reference_s=round(t["scipy"], 2),
            ratio=round(end_to_end["seconds"] / t["scipy"], 1),
        )
        emit(
            "matching_run_peak_memory",
            round(end_to_end["peak_bytes"] / 2**30, 3),
            "GiB",
            1.5,
        )
        for stage in ("load", "score", "solve", "explain", "write"):
            emit(
                f"matching_stage_{stage}",
                round(t[stage], 3),
                "s",
                None,
                reference_s=round(t["scipy"], 3),
                ratio=round(t[stage] / t["scipy"], 2),
            )
        emit(
            "matching_solve_vs_scipy",
            round(t["solve"] / t["scipy"], 2),
            "ratio",
            1.5,
            solve_s=round(t["solve"], 3),
            scipy_s=round(t["scipy"], 3),
            note="scipy's linear_sum_assignment on the same capacity-expanded matrix",
        )
        gap = (result["optimum"] - result["total"]) / result["optimum"]
        emit(
            "matching_optimality_gap",
            round(gap, 6),
            "share of the optimum",
            0.0,
            total=round(result["total"], 2),
            optimum=round(result["optimum"], 2),
            ratio_to_optimum=round(result["total"] / result["optimum"], 6),
            stable_total=round(result["stable_total"], 2),
            note="0 is optimal: the run's total score equals scipy's exact optimum",
        )
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
