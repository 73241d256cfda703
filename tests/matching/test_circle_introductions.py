"""A circle is introduced once per person: each hears of the whole circle, by name,
with what each of the others told the program, never once per match."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cms.services.erasure import erase_person
from journeys.models import Journey, OutboxEmail, ProgramPage
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchProposal, RunStatus
from matching.services import rematch as rematch_service
from matching.services.runs import execute_run, start_run
from tests.mail import SERVER_DOWN

PROGRAM_ADMINS = "Program admins"
CIRCLE = "matching/emails/circle_introduction"
NAMES = ("Ada Lovelace", "Grace Hopper", "Mary Jackson", "Katherine Johnson")


@pytest.fixture
def program(program_with_journey):
    return program_with_journey


@pytest.fixture
def program_admin(user_factory):
    return user_factory(email="programs@example.com", groups=[PROGRAM_ADMINS])


def enrol(program, user_factory, name, role, seniority=3, **extra):
    first, last = name.split()
    user = user_factory(email=f"{first.lower()}@example.com", first_name=first, last_name=last)
    return EnrollmentFactory(program=program, user=user, role=role, seniority=seniority, **extra)


@pytest.fixture
def circle(program, topics, user_factory):
    """A mentor and three members who all seek what she offers, each with a note."""
    people = {
        "ada": enrol(
            program, user_factory, NAMES[0], "mentor", offers=[topics["feedback"]], seniority=6
        )
    }
    for name in NAMES[1:]:
        people[name.split()[0].lower()] = enrol(
            program, user_factory, name, "mentee", seeks=[topics["feedback"]]
        )
    for key, enrolment in people.items():
        enrolment.goals = f"<b>{key.capitalize()}</b> likes walks & talks."
        enrolment.save()
    policy_for(program, "circles", circle_size=3)
    return people


def approve_circle(client, program, program_admin, capture):
    run = start_run(program, program_admin)
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.proposals.count() == 3
    client.force_login(program_admin)
    with capture(execute=True):
        response = client.post(reverse("matching_runs:approve_all", args=[run.pk]), {"count": 3})
    assert response.status_code == 302
    return run


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_circle_of_a_mentor_and_three_members_sends_one_introduction_each(
    client, program, circle, program_admin, django_capture_on_commit_callbacks
):
    # Stored before the editor refused such titles: the subject stays on one line.
    ProgramPage.objects.filter(pk=program.pk).update(title="Growing\nleaders")
    mail.outbox.clear()
    approve_circle(client, program, program_admin, django_capture_on_commit_callbacks)

    introductions = OutboxEmail.objects.filter(template__startswith="matching/emails/")
    assert introductions.count() == 4
    assert set(introductions.values_list("template", flat=True)) == {CIRCLE}
    journey = Journey.objects.get()
    members = {m.user.get_full_name(): m.pk for m in journey.memberships.select_related("user")}
    assert len(mail.outbox) == 4
    for name in NAMES:
        first = name.split()[0]
        (message,) = to(f"{first.lower()}@example.com")
        assert message.subject == "Meet your mentoring circle in Growing leaders"
        html = message.alternatives[0][0]
        for body in (message.body, html):
            assert "Meet your mentoring circle in Growing" in body
            assert f"Hello {first}" in body
            assert name not in body.replace(f"Hello {first}", "")  # never the reader
            for other in NAMES:
                if other == name:
                    continue
                member_url = reverse("journeys:member", args=[journey.uuid, members[other]])
                assert other in body
                assert member_url in body
            assert reverse("journeys:journey", args=[journey.uuid]) in body
        assert "Ada Lovelace, mentor" in message.body or first == "Ada"
        # The others' notes, escaped in HTML, never rendered as markup.
        for other in NAMES:
            if other == name:
                continue
            key = other.split()[0]
            assert f"<b>{key}</b> likes walks & talks." in message.body
            assert f"&lt;b&gt;{key}&lt;/b&gt; likes walks &amp; talks." in html
            assert f"<b>{key}</b>" not in html
        # Reasons only between the reader and whom they were matched with.
        if first == "Ada":
            assert message.body.count("Why we matched you:") == 3
        else:
            assert message.body.count("Why we matched you:") == 1


def test_a_circle_invites_whoever_never_signed_in_in_its_introduction(
    client, program, circle, program_admin, django_capture_on_commit_callbacks
):
    circle["mary"].user.set_unusable_password()
    circle["mary"].user.save()
    mail.outbox.clear()

    approve_circle(client, program, program_admin, django_capture_on_commit_callbacks)

    (introduction,) = [
        m for m in to("mary@example.com") if m.subject.startswith("Meet your mentoring circle")
    ]
    assert "a separate email invites you" in introduction.body
    assert len(to("mary@example.com")) == 2
    (other,) = to("grace@example.com")
    assert "a separate email invites you" not in other.body


def test_a_new_circle_member_meets_everyone_and_the_others_meet_only_them(
    client,
    program,
    circle,
    program_admin,
    user_factory,
    topics,
    django_capture_on_commit_callbacks,
):
    approve_circle(client, program, program_admin, django_capture_on_commit_callbacks)
    newcomer = enrol(program, user_factory, "Joy Buolamwini", "mentee", seeks=[topics["feedback"]])
    leaving = MatchProposal.objects.get(mentee=circle["grace"], status="approved")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rematch_service.rematch(leaving, "mentee", newcomer, today=timezone.localdate())

    (joined,) = to("joy@example.com")
    assert joined.subject == "Meet your mentoring circle in Growing leaders"
    for name in ("Ada Lovelace", "Mary Jackson", "Katherine Johnson"):
        assert name in joined.body
    assert "Grace Hopper" not in joined.body
    for first in ("ada", "mary", "katherine"):
        (message,) = to(f"{first}@example.com")
        assert message.subject == "Someone new in your mentoring circle in Growing leaders"
        assert "Joy Buolamwini" in message.body
        others = {"Ada Lovelace", "Mary Jackson", "Katherine Johnson"} - {
            n for n in NAMES if n.lower().startswith(first)
        }
        assert not any(f"{n}, " in message.body for n in others)
    assert not any("mentoring circle" in m.subject for m in to("grace@example.com"))


def test_erasing_a_circle_member_empties_their_note_in_the_others_introductions(
    client, program, circle, program_admin, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = SERVER_DOWN
    approve_circle(client, program, program_admin, django_capture_on_commit_callbacks)
    grace = circle["grace"].user
    waiting = OutboxEmail.objects.filter(template=CIRCLE, status="pending")
    assert waiting.count() == 4

    erase_person(grace)

    for email in waiting.exclude(recipient=grace):
        (entry,) = [p for p in email.context["people"] if p["user_id"] == grace.pk]
        assert (entry["note"], entry["answers"], entry["name"]) == ("", [], "Former participant")
        assert "Grace" not in str(email.context)
        others = [p for p in email.context["people"] if p["user_id"] != grace.pk]
        assert all(p["note"].endswith("likes walks & talks.") for p in others)


@pytest.mark.parametrize("said", [False, True])
def test_a_circle_introduction_keeps_one_blank_line_between_paragraphs(db, said):
    from django.template.loader import render_to_string

    person = {
        "user_id": 1,
        "name": "Ada Lovelace",
        "role": "mentor",
        "reasons": ["You share a language."] if said else [],
        "note": "Tea first." if said else "",
        "answers": [["How do you like to meet?", "Video call"]] if said else [],
        "url": "/journeys/x/members/1/",
    }
    context = {
        "recipient_name": "Grace",
        "program_title": "Growing leaders",
        "joined": True,
        "people": [person, {**person, "user_id": 2, "name": "Mary Jackson"}],
        "journey_uuid": "6f1c1f2e-8f4b-4f59-9c8e-0a4f3c1d2b3a",
        "site_root": "http://testserver",
    }
    body = render_to_string(f"{CIRCLE}.txt", context)
    assert "\n\n\n" not in body
    assert body.count("Why we matched you:") == (2 if said else 0)
    assert "Mary Jackson, mentor" in body
