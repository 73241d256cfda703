"""Seed the demo people's profiles: what they tell the people they walk with.

Why it works the way it does:

* Enrolments already filled each profile's department, location, time zone,
  languages and topics (``matching.services.profiles``, when the demo enrolled
  people and approved their matches). Here everyone who enrolled adds what only
  they can say (a role, a few sentences about themselves, how they like to
  meet) through ``save_profile``, the service the profile page uses, so those
  fields count as their own.
* How someone likes to meet follows their answer to the program's question
  "How do you like to meet?"; roles follow their department; the words come
  from pools, chosen by ``rng``.
* The demo mentor and mentee have profiles written for them and a portrait each:
  a plain drawn silhouette in the Harbour colours, made with Pillow, so the
  demo shows photos without shipping anyone's picture. Everyone else shows
  their initials. The two also answered "What would make this year a success
  for you?", which the program shares with the match, so each reads the
  other's answer on their first milestone.
"""

from __future__ import annotations

import io
import random

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from journeys.models import Profile
from journeys.services.profiles import save_profile
from matching.models import Enrollment

ROLES = {
    "Operations": ("Shift supervisor", "Operations coordinator", "Hub manager"),
    "Network planning": ("Network planner", "Route analyst", "Capacity planner"),
    "Fleet": ("Fleet coordinator", "Transport manager", "Maintenance planner"),
    "Warehousing": ("Warehouse team leader", "Inventory controller", "Site manager"),
    "Customer service": ("Customer service adviser", "Account manager", "Team lead"),
    "Finance": ("Management accountant", "Finance business partner", "Payroll specialist"),
    "People": ("HR adviser", "Learning partner", "Recruiter"),
    "Technology": ("Software engineer", "Data analyst", "Service desk lead"),
    "Commercial": ("Business development manager", "Pricing analyst", "Tender writer"),
}
ABOUT = (
    "I started on the warehouse floor and still like to know how things really get done.",
    "Ten years in logistics, two countries, one very patient family.",
    "I like untangling problems that touch three teams at once.",
    "Happiest with a whiteboard, a plan and someone to argue with about it.",
    "I moved across from another industry and learnt a lot by asking naive questions.",
    "Night shifts taught me most of what I know about leading people.",
    "I care about making the next person's job easier than mine was.",
)
HOW_TO_MEET = {
    "In person": "In person when we are on the same site; a coffee away from our desks.",
    "Video call": "Video calls, ideally first thing in the morning.",
    "Walking meetings": "A walk around the yard or the docks: talking is easier on the move.",
    "No preference": "Whatever suits the week: I am happy in person or on a call.",
}
MEET_QUESTION = "How do you like to meet?"
SUCCESS_QUESTION = "What would make this year a success for you?"
SUCCESS = {
    "mentor": "Seeing my mentee lead a planning conversation on their own.",
    "mentee": "Knowing which planning role I want, and what to learn before I apply.",
}

DEMO_MENTOR = {
    "job_title": "Senior network planner",
    "department": "Network planning",
    "about": (
        "I have planned routes out of Rotterdam for twelve years and still get excited "
        "about a good timetable.\nI moved into planning from the depot, so ask me anything "
        "about changing direction."
    ),
    "how_to_meet": "In person at the Rotterdam office, or a video call on Tuesdays.",
}
DEMO_MENTEE = {
    "job_title": "Operations coordinator",
    "department": "Operations",
    "about": (
        "I keep the Rotterdam hub's day shift running and I am curious about how planning "
        "decisions get made upstream."
    ),
    "how_to_meet": "Early video calls before the shift starts, or lunch on site.",
}
# Background and figure colours of the two drawn portraits (Harbour's palette).
PORTRAITS = {
    "mentor": ((214, 232, 240), (22, 78, 99)),
    "mentee": ((250, 231, 214), (156, 74, 26)),
}


def portrait(background, figure, size=480) -> ContentFile:
    """A plain head-and-shoulders silhouette: enough to show a photo, nobody's face."""
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    head = size * 0.2
    centre = size / 2
    draw.ellipse((centre - head, size * 0.18, centre + head, size * 0.18 + 2 * head), fill=figure)
    draw.ellipse((size * 0.16, size * 0.62, size * 0.84, size * 1.3), fill=figure)
    encoded = io.BytesIO()
    image.save(encoded, "PNG")
    return ContentFile(encoded.getvalue(), name="portrait.png")


def seed_profiles(users, *, rng: random.Random) -> int:
    """Add roles, words and how they like to meet to the profiles enrolments filled.

    Returns how many people have a profile.
    """
    meet_answers = _meet_answers()
    people = (
        Profile.objects.filter(user__email__in=_enrolled_emails())
        .select_related("user")
        .order_by("user__email")
    )
    count = 0
    for profile in people:
        user = profile.user
        if user.pk in (users["mentor"].pk, users["mentee"].pk):
            continue
        roles = ROLES.get(profile.department, ("Team member",))
        save_profile(
            user,
            {
                "job_title": rng.choice(roles),
                "about": rng.choice(ABOUT),
                "how_to_meet": HOW_TO_MEET.get(meet_answers.get(user.pk), ""),
            },
        )
        count += 1
    for key, words in (("mentor", DEMO_MENTOR), ("mentee", DEMO_MENTEE)):
        save_profile(users[key], words, photo=portrait(*PORTRAITS[key]))
        _answer(users[key], SUCCESS_QUESTION, SUCCESS[key])
        count += 1
    return count


def _answer(user, label: str, text: str) -> None:
    """Answer the question called ``label`` in each of ``user``'s enrolments that asks it."""
    for enrollment in Enrollment.objects.filter(user=user).prefetch_related("program__questions"):
        for question in enrollment.program.questions.all():
            if question.label == label:
                enrollment.answers = {**(enrollment.answers or {}), str(question.key): text}
                Enrollment.objects.filter(pk=enrollment.pk).update(answers=enrollment.answers)


def _enrolled_emails():
    return Enrollment.objects.values("user__email")


def _meet_answers() -> dict[int, str]:
    """Each person's answer to "How do you like to meet?" in any program, by user id."""
    answers = {}
    for enrollment in Enrollment.objects.select_related("program").prefetch_related(
        "program__questions"
    ):
        for question in enrollment.program.questions.all():
            if question.label == MEET_QUESTION:
                answer = (enrollment.answers or {}).get(str(question.key))
                if answer:
                    answers[enrollment.user_id] = answer
    return answers
