"""Seed the demo's enrolments and the matching runs its journeys came from.

The story: the pairs cohort enrolled before the program began and was matched in one
run, whose proposals the program admin approved as each pair was ready to start; the
circles enrolled later and were matched in a circles run; a new wave enrolled in the
last fortnight and waits for the next run, which the demo's program admin can start.

Why it works the way it does:

* Everything goes through the services the admin uses (``run_matching_now``,
  ``approve_proposals``), on the day it stands for; times the services stamp from the
  clock are then moved back to that day.
* Profiles are drawn from ``rng`` but shaped so the runs do what the journeys need:
  every pair mentor is at least a level above every pair mentee and all share English,
  so everyone is matched; the demo mentee seeks career mapping, which only the demo
  mentor offers, so the run pairs the two demo logins; the two circles' members fall
  into two groups of goals. ``match_cohort`` checks all of this and says so if not.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cms import invitations
from matching.models import (
    Enrollment,
    MatchingPolicy,
    MatchingRun,
    MatchProposal,
    ProgramAttribute,
    ProgramQuestion,
    QuestionKind,
)
from matching.services.approval import approve_proposals
from matching.services.criteria import apply_preset
from matching.services.runs import run_matching_now

LOCATIONS = {
    "Rotterdam": "Europe/Amsterdam",
    "Felixstowe": "Europe/London",
    "Hamburg": "Europe/Berlin",
    "Antwerp": "Europe/Brussels",
    "Singapore": "Asia/Singapore",
}
EUROPE = ("Rotterdam", "Felixstowe", "Hamburg", "Antwerp")
DEPARTMENTS = (
    "Operations",
    "Network planning",
    "Fleet",
    "Warehousing",
    "Customer service",
    "Finance",
    "People",
    "Technology",
    "Commercial",
)
SECOND_LANGUAGES = ("nl", "de", "fr", "pl")
MEET = ("In person", "Video call", "Walking meetings", "No preference")
DEMO_MENTOR_OFFERS = ("career-mapping", "moving-across-functions", "first-time-management")
DEMO_MENTEE_SEEKS = ("career-mapping", "moving-across-functions")
# Only the demo mentor offers this, and only the demo mentee seeks it.
DEMO_ONLY = "career-mapping"
CIRCLE_GOALS = (
    ("leading-through-change", "first-time-management"),
    ("workload-and-recovery", "difficult-conversations"),
)
GOAL_TEXTS = {
    "mentee": (
        "I want to understand how planning decisions are made before I apply for a role there.",
        "I'd like to get better at raising problems early instead of fixing them quietly.",
        "Help me prepare for leading a shift team for the first time.",
        "I want to present to the regional leadership team without freezing.",
        "I'd like a sounding board while I settle into a new site.",
    ),
    "mentor": (
        "I'd like to pass on what I learnt the hard way in my first management job.",
        "Mentoring keeps me close to what it is like on the floor today.",
        "I was mentored early on and want to give that back.",
    ),
}
WAITING = 22
ENROLLED_BEFORE_START = timedelta(days=12)
CIRCLES_ENROLLED_BEFORE = timedelta(days=10)


def create_questions(program):
    """The program's own questions and opt-in attributes, one of each question kind."""
    meet = ProgramQuestion.objects.create(
        program=program,
        sort_order=0,
        label="How do you like to meet?",
        kind=QuestionKind.SINGLE,
        choices="\n".join(MEET),
        help_text="Pairs who like the same kind of meeting find it easier to keep going.",
        shared_with_match=True,
    )
    structure = ProgramQuestion.objects.create(
        program=program,
        sort_order=1,
        label="How structured do you like your conversations?",
        kind=QuestionKind.SCALE,
        scale_min=1,
        scale_max=5,
        help_text="1: we see where it goes. 5: an agenda, sent the day before.",
    )
    ProgramQuestion.objects.create(
        program=program,
        sort_order=2,
        label="What would make this year a success for you?",
        kind=QuestionKind.TEXT,
        help_text="Your match reads this before you first meet.",
        shared_with_match=True,
    )
    talks = ProgramQuestion.objects.create(
        program=program,
        sort_order=3,
        label="Which topics could you talk about at a team session?",
        kind=QuestionKind.TOPICS,
        help_text="Optional. We sometimes invite mentors and mentees to share what they know.",
    )
    attributes = [
        ProgramAttribute.objects.create(program=program, sort_order=n, label=label, help_text=hint)
        for n, (label, hint) in enumerate(
            (
                ("Parent or carer", "Used by matching; counted in figures only in groups of 5."),
                ("First in my family at university", "Used by matching; never shown alone."),
                ("Returning from extended leave", "Used by matching; never shown alone."),
            )
        )
    ]
    return meet, structure, talks, attributes


def set_policy(program, questions, strategy="knowledge", **overrides) -> MatchingPolicy:
    meet, structure, _talks, _attributes = questions
    policy = MatchingPolicy.objects.filter(program=program).first() or MatchingPolicy(
        program=program
    )
    apply_preset(policy, strategy)
    policy.question_rules = {
        str(meet.key): {"rule": "same", "weight": 0.5, "label": meet.label},
        str(structure.key): {"rule": "closeness", "weight": 0.5, "label": structure.label},
    }
    for name, value in overrides.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def enrol(
    program, user, role, *, rng, topics, questions, offers=(), seeks=(), on, **profile
) -> Enrollment:
    """One enrolment with a believable profile; ``on`` is the day it was made."""
    meet, structure, talks, attributes = questions
    location = profile.pop("location", None) or rng.choice(EUROPE)
    enrollment = Enrollment.objects.create(
        program=program,
        user=user,
        role=role,
        capacity=profile.pop("capacity", 1 if role != "mentee" else 0),
        department=profile.pop("department", None) or rng.choice(DEPARTMENTS),
        location=location,
        time_zone=LOCATIONS[location],
        seniority=profile.pop("seniority"),
        languages=["en", *rng.sample(SECOND_LANGUAGES, rng.choice((0, 0, 1, 1, 2)))],
        goals=rng.choice(GOAL_TEXTS["mentor" if role == "mentor" else "mentee"]),
        answers={
            str(meet.key): rng.choice(MEET),
            str(structure.key): rng.randint(1, 5),
            str(talks.key): [topics[t].slug for t in rng.sample(sorted(offers or seeks), 1)]
            if (offers or seeks)
            else [],
        },
        attributes=[str(a.key) for a in attributes if rng.random() < 0.2],
        **profile,
    )
    enrollment.topics_offered.set([topics[t] for t in offers])
    enrollment.topics_sought.set([topics[t] for t in seeks])
    Enrollment.objects.filter(pk=enrollment.pk).update(
        created_at=_at(on, 10), updated_at=_at(on, 10)
    )
    return enrollment


def match_cohort(
    program, topics, users, participants, plans, *, rng, today, circle_members, pair_mentors
):
    """Enrol everyone, run and approve the matches; return [(journey, plan)] in plan order.

    ``participants`` are drawn in order: pair mentors, pair mentees (one per pair plan,
    in plan order), the circle hosts and members, then the waiting wave.
    """
    questions = create_questions(program)
    people = iter(participants)
    pair_plans = [p for p in plans if not p.circle and not p.demo_pair]
    circle_plans = [p for p in plans if p.circle]
    oldest = today - timedelta(days=max(p.started_days_ago for p in plans))
    pool = sorted(set(topics) - {DEMO_ONLY})

    # The pairs cohort.
    enrolled_on = oldest - ENROLLED_BEFORE_START
    mentor_count = min(len(pair_plans), pair_mentors)
    mentors = [next(people) for _ in range(mentor_count)]
    seconds = len(pair_plans) - mentor_count
    for n, user in enumerate(mentors):
        enrol(
            program, user, "mentor", rng=rng, topics=topics, questions=questions,
            offers=rng.sample(pool, rng.randint(2, 4)), seniority=rng.randint(5, 8),
            capacity=2 if n < seconds else 1, on=enrolled_on,
        )  # fmt: skip
    enrol(
        program, users["mentor"], "mentor", rng=rng, topics=topics, questions=questions,
        offers=DEMO_MENTOR_OFFERS, seniority=7, capacity=1, location="Rotterdam",
        department="Network planning", on=enrolled_on,
    )  # fmt: skip
    demo_mentee = enrol(
        program, users["mentee"], "mentee", rng=rng, topics=topics, questions=questions,
        seeks=DEMO_MENTEE_SEEKS, seniority=3, location="Rotterdam", department="Operations",
        on=enrolled_on,
    )  # fmt: skip
    mentee_plans = {}
    for plan in pair_plans:
        sought = set(plan.tracks) | set(rng.sample(pool, rng.randint(1, 2)))
        mentee = enrol(
            program, next(people), "mentee", rng=rng, topics=topics, questions=questions,
            seeks=sorted(sought), seniority=rng.randint(1, 4), on=enrolled_on,
        )  # fmt: skip
        mentee_plans[mentee.pk] = plan
    mentee_plans[demo_mentee.pk] = next(p for p in plans if p.demo_pair)

    set_policy(program, questions, "knowledge")
    pairs_run = run_matching_now(program, users["programs"])
    _check_run(pairs_run, len(mentee_plans))
    _backdate_run(pairs_run, enrolled_on + timedelta(days=4))
    journeys = []
    for proposal in pairs_run.proposals.select_related("mentor").order_by("mentee_id"):
        plan = mentee_plans[proposal.mentee_id]
        if plan.demo_pair and proposal.mentor.user_id != users["mentor"].pk:
            raise RuntimeError("The demo's pairs run did not match the demo mentor and mentee.")
        # Each pair is approved on the day its journey starts.
        journeys.append((_approve([proposal], plan, users, today, topics), plan))

    # The circles: enrolled later, matched in a run of their own. The demo mentor
    # offered a second place, to lead one of them.
    Enrollment.objects.filter(program=program, user=users["mentor"]).update(capacity=2)
    circle_start = today - timedelta(days=max(p.started_days_ago for p in circle_plans))
    circles_on = circle_start - CIRCLES_ENROLLED_BEFORE
    hosts = [users["mentor"] if p.demo_mentor_hosts else next(people) for p in circle_plans]
    for host, goals in zip(hosts, CIRCLE_GOALS, strict=True):
        if host != users["mentor"]:
            enrol(
                program, host, "mentor", rng=rng, topics=topics, questions=questions,
                offers=goals, seniority=rng.randint(6, 8), capacity=1, on=circles_on,
            )  # fmt: skip
    for goals in CIRCLE_GOALS:
        for _ in range(circle_members):
            enrol(
                program, next(people), "mentee", rng=rng, topics=topics, questions=questions,
                seeks=goals, seniority=rng.randint(2, 4), on=circles_on,
            )  # fmt: skip
    set_policy(program, questions, "circles", circle_size=circle_members)
    circles_run = run_matching_now(program, users["programs"])
    _check_run(circles_run, circle_members * len(circle_plans))
    _backdate_run(circles_run, circles_on + timedelta(days=3))
    for host, plan in zip(hosts, circle_plans, strict=True):
        members = list(circles_run.proposals.filter(mentor__user=host))
        if len(members) != circle_members:
            raise RuntimeError("The demo's circles run did not fill both circles.")
        journeys.append((_approve(members, plan, users, today, topics), plan))
    journeys.sort(key=lambda item: plans.index(item[1]))

    # Back to pairs for the next intake, which enrolled in the last fortnight.
    policy = set_policy(program, questions, "knowledge")
    _enrol_waiting(
        program, people, users, rng=rng, topics=topics, questions=questions, today=today
    )
    MatchingPolicy.objects.filter(pk=policy.pk).update(updated_at=_at(today - timedelta(1), 9))
    return journeys


def _approve(proposals, plan, users, today, topics):
    started_on = today - timedelta(days=plan.started_days_ago)
    (journey,) = approve_proposals(
        proposals, by=users["programs"], today=started_on, introduce=False
    )
    if plan.tracks:
        journey.tracks.set([topics[t] for t in plan.tracks])
    MatchProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        decided_at=_at(started_on, 9)
    )
    return journey


def _enrol_waiting(program, people, users, *, rng, topics, questions, today):
    """The next intake: mentors, mentees and a few happy to do either, some in Singapore."""
    pool = sorted(topics)
    waiting = [next(people) for _ in range(WAITING)]
    roles = ["mentor"] * 6 + ["either"] * 2 + ["mentee"] * (WAITING - 8)
    manager = None
    for n, (user, role) in enumerate(zip(waiting, roles, strict=True)):
        on = today - timedelta(days=rng.randint(1, 14))
        location = "Singapore" if n % 7 == 3 else rng.choice(EUROPE)
        enrollment = enrol(
            program, user, role, rng=rng, topics=topics, questions=questions,
            offers=rng.sample(pool, rng.randint(2, 3)) if role != "mentee" else (),
            seeks=rng.sample(pool, rng.randint(1, 3)) if role != "mentor" else (),
            seniority=rng.randint(5, 9) if role == "mentor" else rng.randint(3, 6)
            if role == "either" else rng.randint(1, 4),
            capacity=rng.choice((1, 2)) if role != "mentee" else 0,
            location=location, on=on,
            reports_to=manager if role == "mentee" and n % 5 == 0 else None,
        )  # fmt: skip
        if role == "mentor" and manager is None:
            # The first mentor manages a few of the new mentees: a reporting line to respect.
            manager = user
        if n == WAITING - 1:
            enrollment.avoid.set([waiting[0]])
    # Their accounts were made for them: each is invited to sign in the first time.
    invitations.invite(waiting, invited_by=users["programs"], program=program)


def _check_run(run, expected: int) -> None:
    if run.status != "done" or run.matched_count != expected:
        raise RuntimeError(
            f"The demo's matching run matched {run.matched_count} of {expected}: "
            f"{run.error or run.unmatched}"
        )


def _backdate_run(run: MatchingRun, day: date) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(
        created_at=_at(day, 11), finished_at=_at(day, 11, 1)
    )
    MatchProposal.objects.filter(run=run).update(created_at=_at(day, 11, 1))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
