"""Only a journey's current members see it or act on it; private words stay private."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import Goal, Meeting, MemberRole, Reflection, StepCompletion
from journeys.services.progress import save_reflection
from journeys.services.starting import start_journey

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def journey(program, pair):
    page = JourneyPageFactory(
        parent=program,
        milestones=[
            milestone(
                "First weeks",
                "first",
                [
                    step("reflect", {"prompt": "What worries you?", "guidance": ""}, "private"),
                    step("reflect", {"prompt": "What excites you?", "guidance": ""}, "open"),
                    step("checklist", block_id="tick"),
                    step("pulse", block_id="rate"),
                    step("meet", block_id="meet"),
                ],
                block_id="first",
            )
        ],
    )
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY() - datetime.timedelta(days=1),
        template=page,
    )


@pytest.fixture
def records(journey, pair):
    """A private and a shared reflection by the mentee, a meeting and a goal."""
    mentee = pair[1]
    private = save_reflection(
        journey, mentee, "first", "private", "my secret worry", False, None, TODAY()
    )
    shared = save_reflection(
        journey, mentee, "first", "open", "what excites me", True, None, TODAY()
    )
    member = journey.memberships.get(user=mentee)
    meeting = Meeting.objects.create(journey=journey, held_on=TODAY(), logged_by=member)
    goal = Goal.objects.create(journey=journey, owner=member, text="Speak up")
    return {"private": private, "shared": shared, "meeting": meeting, "goal": goal}


def journey_urls(journey, records):
    """Every URL that belongs to the journey, with data a member could send to it."""
    today = TODAY().isoformat()

    def named(name, *args):
        return reverse(f"journeys:{name}", args=[journey.uuid, *args])

    return {
        "journey": (named("journey"), {}),
        "calendar": (named("journey_calendar"), {}),
        "milestone": (named("milestone", "first"), {}),
        "complete": (named("complete_step", "first", "tick"), {}),
        "undo": (named("undo_step", "first", "tick"), {}),
        "reflection save": (named("save_reflection", "first", "open"), {"text": "mine"}),
        "pulse": (named("record_pulse", "first", "rate"), {"score": "5"}),
        "meeting log": (named("log_meeting"), {"held_on": today, "duration_minutes": "30"}),
        "meeting": (named("meeting", records["meeting"].uuid), {}),
        "goal set": (named("set_goal"), {"text": "A goal"}),
        "goal update": (named("update_goal", records["goal"].uuid), {"status": "achieved"}),
        "reflection": (named("reflection", records["shared"].uuid), {}),
        "member": (named("member", records["goal"].owner_id), {}),
    }


URL_NAMES = [
    "journey",
    "calendar",
    "milestone",
    "complete",
    "undo",
    "reflection save",
    "pulse",
    "meeting log",
    "meeting",
    "goal set",
    "goal update",
    "reflection",
    "member",
]


@pytest.fixture
def outsiders(program, journey, user_factory):
    """Clients for everyone who is not a current member, by who they are."""
    from django.test import Client

    someone = user_factory()
    start_journey(
        program,
        [(user_factory(), MemberRole.MENTOR), (someone, MemberRole.MENTEE)],
        TODAY(),
        template=journey.template,
    )
    former = user_factory()
    journey.memberships.create(
        user=former, role=MemberRole.MEMBER, joined_on=TODAY(), left_on=TODAY()
    )
    people = {
        "anonymous": None,
        "another participant": someone,
        "superuser": user_factory(is_staff=True, is_superuser=True),
        "former member": former,
    }
    clients = {}
    for who, user in people.items():
        clients[who] = Client()
        if user is not None:
            clients[who].force_login(user)
    return clients


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", URL_NAMES)
def test_everyone_but_a_member_gets_404_for_every_url_of_a_journey(
    outsiders, journey, records, name, method
):
    """Signed in, outsiders are told nothing exists; signed out, people are asked to sign in.

    The sign-in redirect comes before any lookup, so it is the same for a journey
    that does not exist (``tests/cms/test_accounts.py``).
    """
    target, data = journey_urls(journey, records)[name]
    for who, client in outsiders.items():
        response = getattr(client, method)(target, data)
        if who == "anonymous":
            assert response.status_code == 302, who
            assert response["Location"].startswith(reverse("account_login") + "?next=")
        else:
            assert response.status_code == 404, who
    assert not StepCompletion.objects.exists()
    assert Reflection.objects.count() == 2
    assert Meeting.objects.count() == 1
    assert Goal.objects.get().status == "open"


@pytest.mark.parametrize("name", URL_NAMES)
def test_the_same_urls_answer_a_member(client, journey, records, pair, name):
    client.force_login(pair[0])
    target, data = journey_urls(journey, records)[name]
    assert client.get(target).status_code in {200, 405}
    assert client.post(target, data).status_code in {200, 302, 405}


def test_a_journey_uuid_that_does_not_exist_is_not_found(client, pair, journey):
    import uuid

    client.force_login(pair[0])
    assert client.get(reverse("journeys:journey", args=[uuid.uuid4()])).status_code == 404


def test_the_partner_sees_shared_words_and_never_private_ones(client, journey, records, pair):
    mentor, mentee = pair
    client.force_login(mentor)
    html = client.get(reverse("journeys:milestone", args=[journey.uuid, "first"])).content
    assert b"what excites me" in html
    assert b"my secret worry" not in html

    client.force_login(mentee)
    html = client.get(reverse("journeys:milestone", args=[journey.uuid, "first"])).content
    assert b"what excites me" in html
    assert b"my secret worry" in html


def test_a_private_reflection_page_is_not_found_for_the_partner(client, journey, records, pair):
    mentor, mentee = pair
    private = reverse("journeys:reflection", args=[journey.uuid, records["private"].uuid])
    shared = reverse("journeys:reflection", args=[journey.uuid, records["shared"].uuid])
    client.force_login(mentor)
    assert client.get(private).status_code == 404
    assert client.get(shared).status_code == 200
    client.force_login(mentee)
    assert b"my secret worry" in client.get(private).content


def test_a_partners_stale_save_never_reveals_the_authors_private_text(
    client, journey, records, pair
):
    mentor = pair[0]
    client.force_login(mentor)
    response = client.post(
        reverse("journeys:save_reflection", args=[journey.uuid, "first", "private"]),
        {"text": "the mentor's own", "version": 7},
        HTTP_ACCEPT="application/json",
    )
    assert b"my secret worry" not in response.content
    assert Reflection.objects.get(step_id="private", author__user=pair[1]).text == (
        "my secret worry"
    )


def test_an_object_of_another_journey_is_not_found_through_this_one(
    client, program, journey, records, pair, user_factory
):
    mentor = pair[0]
    other = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
        TODAY(),
        template=journey.template,
    )
    client.force_login(mentor)
    for name, uuid in (
        ("meeting", records["meeting"].uuid),
        ("reflection", records["shared"].uuid),
    ):
        assert client.get(reverse(f"journeys:{name}", args=[other.uuid, uuid])).status_code == 404
    goal_url = reverse("journeys:update_goal", args=[other.uuid, records["goal"].uuid])
    assert client.post(goal_url, {"status": "achieved"}).status_code == 404
