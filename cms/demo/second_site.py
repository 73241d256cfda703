"""The demo's second business unit, Harbourline Cold Chain, on a site of its own.

Harbourline Logistics runs mentoring per business unit: each unit has its own
site (hostname), home page, theme, library and program. The main demo answers
on ``127.0.0.1``; Cold Chain answers on ``localhost``. Both names reach the
same server on any machine without editing ``/etc/hosts``.

Why it works the way it does:

* It is small on purpose: a home page, a library of three materials (written
  for the whole company, published again here), one program with one journey
  template and three pairs matched by a real run, approved by the program admin
  and through their first milestone, and one person waiting for the next run.
* The demo mentor mentors here too, so the demo shows what each site hides:
  on ``127.0.0.1`` the mentor sees only Harbourline's journeys, on
  ``localhost`` only Cold Chain's.
* Everything goes through the services the admin and participants use, on the
  day it stands for, like the main demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Site

from cms.models import HomePage
from content.factories import LibraryIndexPageFactory, MaterialPageFactory
from insights.tracking import record_views
from journeys.blocks import StepKind
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import Measure, Meeting, Reflection, StepCompletion
from journeys.services.progress import complete_step, log_meeting, save_reflection
from matching.services.approval import approve_proposals
from matching.services.runs import run_matching_now
from themes.models import ThemeSettings

from .library import MATERIALS
from .matching import create_questions, enrol, set_policy

HOME_SLUG = "harbourline-cold-chain"
SITE_NAME = "Cold Chain mentoring"
HOSTNAME = "localhost"
BRAND = "Harbourline Cold Chain"
MATERIAL_SLUGS = (
    "first-meeting-checklist",
    "setting-goals-you-will-keep",
    "discussion-guide-peak-season",
)
# (first name, last name, role, seniority); nobody here is in the main demo's pools.
PEOPLE = (
    ("Bronwen", "Pryce", "mentor", 7),
    ("Tomasz", "Lewandowski", "mentor", 8),
    ("Ife", "Okafor", "mentee", 2),
    ("Mairead", "Kelly", "mentee", 3),
    ("Sanjay", "Rao", "mentee", 2),
    ("Elin", "Sundberg", "mentee", 3),
)
# The pairs' journeys began this many days before the seed day.
STARTED_DAYS_AGO = (34, 19, 6)


@dataclass(frozen=True)
class SecondSite:
    site: Site
    home: HomePage
    program: object
    journeys: list


def previous_home():
    return HomePage.objects.filter(depth=2, slug=HOME_SLUG).first()


def seed_second_site(root, topics, users, *, port: int, now, backdate, site_age) -> SecondSite:
    """Create the Cold Chain site under ``root`` and everything on it."""
    home = HomePage(
        title=SITE_NAME,
        slug=HOME_SLUG,
        summary="Mentoring in Harbourline Cold Chain: temperature-controlled freight.",
        intro=(
            "<p>Welcome to mentoring in <b>Harbourline Cold Chain</b>, the business unit "
            "that keeps vaccines, flowers and fresh food cold from quay to shelf. Nights "
            "are long and the margins are thin; nobody here should learn the job alone.</p>"
            "<p>Your journey, the guides and your mentor are one click away.</p>"
        ),
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    backdate(home, now - site_age)
    site = Site.objects.create(
        hostname=HOSTNAME, port=port, root_page=home, site_name=SITE_NAME, is_default_site=False
    )
    ThemeSettings.objects.update_or_create(
        site=site,
        defaults={
            "preset": "lantern",
            "brand_name": BRAND,
            "email_header": "Mentoring in the Cold Chain business unit",
            "email_footer": (
                "Sent by the Cold Chain people team. Questions about your journey? "
                "Write to your program admin."
            ),
        },
    )

    pages = _library(home, topics, users, now=now, backdate=backdate, site_age=site_age)
    people = _people()
    program, template = _program(home, pages, users, now)
    for page in (program, template):
        backdate(page, now - timedelta(days=max(STARTED_DAYS_AGO) + 20))
    journeys = _match(program, topics, users, people, now)
    for journey in journeys:
        _walk(journey, template, now)
    return SecondSite(site=site, home=home, program=program, journeys=journeys)


def _library(home, topics, users, *, now, backdate, site_age) -> dict:
    library = LibraryIndexPageFactory(
        parent=home,
        owner=users["editor"],
        summary="The guides Cold Chain pairs use most.",
        intro="A short shelf: the company's guides that matter most on the night shift.",
    )
    backdate(library, now - site_age)
    pages = {}
    for material in (m for m in MATERIALS if m.slug in MATERIAL_SLUGS):
        page = MaterialPageFactory(
            parent=library,
            owner=users["editor"],
            title=material.title,
            slug=material.slug,
            kind=material.kind,
            audience=material.audience,
            estimated_minutes=material.minutes,
            summary=material.summary,
            topics=[topics[slug] for slug in material.topics],
            body=list(material.body),
        )
        backdate(page, now - site_age + timedelta(days=30))
        pages[material.slug] = page
    return pages


def _people() -> list:
    """The unit's participants; like the main demo's, they cannot sign in."""
    from .seed import DEMO_EMAIL_DOMAIN

    User = get_user_model()
    return [
        (
            User.objects.create_user(
                email=f"{slugify(first)}.{slugify(last)}@{DEMO_EMAIL_DOMAIN}",
                password=None,
                first_name=first,
                last_name=last,
            ),
            role,
            seniority,
        )
        for first, last, role, seniority in PEOPLE
    ]


def _program(home, pages, users, now):
    today = timezone.localdate(now)
    start = today - timedelta(days=max(STARTED_DAYS_AGO) + 10)
    program = ProgramPageFactory(
        parent=home,
        owner=users["programs"],
        title="Cold Chain mentoring",
        slug="cold-chain-mentoring",
        summary="Ninety days with someone who has run a reefer yard through peak season.",
        intro=(
            "New supervisors and planners in Cold Chain walk their first ninety days "
            "with an experienced mentor from another site."
        ),
        objectives=[
            {
                "type": "objective",
                "value": {
                    "title": "Nobody learns peak season alone",
                    "description": "Every new supervisor has a mentor before November.",
                    "measure": Measure.MATCHED,
                    "target": 100,
                },
            }
        ],
        cohort_start=start,
        cohort_end=start + timedelta(days=180),
        enrolment_open=True,
        remind_days_before_due=2,
        nudge_after_inactive_days=14,
    )
    guide = pages["discussion-guide-peak-season"].pk
    template = JourneyPageFactory(
        parent=program,
        owner=users["editor"],
        title="First ninety days in Cold Chain",
        slug="first-ninety-days",
        summary="Four milestones from the first conversation to looking back.",
        intro="Short, practical and built around the shifts you actually work.",
        milestones=[
            milestone(
                "Start well",
                "start",
                [
                    step(StepKind.READ, {"page": pages["first-meeting-checklist"].pk}),
                    step(
                        StepKind.MEET,
                        {"purpose": "Get to know each other", "discussion_guide": guide},
                    ),
                    step(
                        StepKind.REFLECT,
                        {
                            "prompt": "What do you hope to get from these ninety days?",
                            "guidance": "",
                        },
                    ),
                ],
                opens=0,
                due=14,
            ),
            milestone(
                "Goals for the season",
                "goals",
                [
                    step(StepKind.READ, {"page": pages["setting-goals-you-will-keep"].pk}),
                    step(
                        StepKind.SET_GOALS,
                        {"prompt": "What do you want to be able to do by peak season?"},
                    ),
                ],
                opens=10,
                due=14,
                prerequisites="start",
            ),
            milestone(
                "Peak season check-in",
                "peak",
                [
                    step(
                        StepKind.MEET,
                        {"purpose": "Plan for the busiest weeks", "discussion_guide": guide},
                    ),
                    step(
                        StepKind.CHECKLIST,
                        {"text": "Agree how you will reach each other on nights"},
                    ),
                    step(StepKind.PULSE, {"question": "How valuable was this?"}),
                ],
                opens=40,
                due=21,
            ),
            milestone(
                "Look back",
                "look-back",
                [
                    step(
                        StepKind.REVIEW_GOALS,
                        {"prompt": "What moved, and what will you keep doing?"},
                    ),
                    step(
                        StepKind.REFLECT,
                        {
                            "prompt": "What will you pass on to the next new supervisor?",
                            "guidance": "",
                        },
                    ),
                ],
                opens=80,
                due=10,
            ),
        ],
    )
    program.default_pair_journey = template
    program.default_circle_journey = template
    # Both demo program admins run this program; only one of them runs the other.
    program.admin_users.add(users["programs"], users["coldchain"])
    program.save_revision(user=users["programs"]).publish()
    return program, template


def _match(program, topics, users, people, now) -> list:
    """Enrol the unit, run matching, approve each pair on the day it started."""
    today = timezone.localdate(now)
    enrolled_on = today - timedelta(days=max(STARTED_DAYS_AGO) + 5)
    questions = create_questions(program)
    pool = sorted(topics)
    mentors = [(users["mentor"], "mentor", 7)] + [p for p in people if p[1] == "mentor"]
    mentees = [p for p in people if p[1] == "mentee"]
    rng = _Fixed()
    for user, role, seniority in mentors + mentees[:-1]:
        enrol(
            program, user, role, rng=rng, topics=topics, questions=questions,
            offers=pool[:3] if role == "mentor" else (),
            seeks=pool[:1] if role == "mentee" else (), seniority=seniority,
            capacity=1 if role == "mentor" else 0,
            location="Rotterdam", department="Cold chain", on=enrolled_on,
        )  # fmt: skip
    set_policy(program, questions, "knowledge")
    run = run_matching_now(program, users["programs"])
    if run.status != "done" or run.matched_count != len(mentees) - 1:
        raise RuntimeError(f"The Cold Chain matching run did not match everyone: {run.error}")
    journeys = []
    for proposal, days_ago in zip(
        run.proposals.order_by("mentee_id"), STARTED_DAYS_AGO, strict=True
    ):
        (journey,) = approve_proposals(
            [proposal], by=users["programs"], today=today - timedelta(days=days_ago),
            introduce=False,
        )  # fmt: skip
        journeys.append(journey)
    # One more mentee enrolled after the run and waits for the next.
    user, role, seniority = mentees[-1]
    enrol(
        program, user, role, rng=rng, topics=topics, questions=questions, seeks=pool[:1],
        seniority=seniority, capacity=0, location="Antwerp", department="Cold chain",
        on=today - timedelta(days=2),
    )  # fmt: skip
    return journeys


def _walk(journey, template, now) -> None:
    """The pair did its first milestone together five days in, having opened its page.

    Opening the page counts its material and its discussion guide as opened, as
    the participant view does, so the program's content use is not empty.
    """
    today = timezone.localdate(now)
    day = journey.started_on + timedelta(days=5)
    if day > today:
        return
    first = template.milestones[0]
    read, meet, reflect = first.value["steps"]
    for member in journey.memberships.select_related("user"):
        complete_step(journey, member.user, first.id, read.id, day)
        save_reflection(
            journey,
            member.user,
            first.id,
            reflect.id,
            "Glad we started before the rush. We agreed to meet at shift change.",
            True,
            None,
            day,
            complete=True,
        )
    mentor = journey.memberships.get(role="mentor").user
    meeting = log_meeting(
        journey,
        mentor,
        held_on=day,
        duration_minutes=45,
        notes="Walked the reefer yard together and talked about the night handover.",
        agreed_actions="Shadow one handover each before the next meeting.",
        today=day,
        milestone_id=first.id,
        step_id=meet.id,
    )
    # The services stamp the clock; the demo's record says it all happened that day.
    stamp = timezone.make_aware(datetime.combine(day, time(17, 30)))
    StepCompletion.objects.filter(journey=journey).update(completed_at=stamp)
    Reflection.objects.filter(journey=journey).update(created_at=stamp, updated_at=stamp)
    Meeting.objects.filter(pk=meeting.pk).update(created_at=stamp)
    shown = [read.value["page"].pk, meet.value["discussion_guide"].pk]
    for member in journey.memberships.all():
        record_views(journey.pk, member.user_id, shown, at=stamp)


class _Fixed:
    """A stand-in for ``random.Random`` that always takes the first choice.

    The second site is fixed content: the same on every seed.
    """

    def choice(self, items):
        return items[0]

    def sample(self, items, count):
        return list(items)[:count]

    def randint(self, low, high):
        return low

    def random(self):
        return 0.5
