"""A participant's markdown that would not be shown formatted is refused when saved,
next to the field, and nothing is stored; long legitimate text is kept in full."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from content.factories import long_markdown_documents
from journeys.models import Meeting, MemberRole, Reflection
from journeys.services.starting import start_journey
from journeys.services.state import journey_state

pytestmark = pytest.mark.django_db

HOSTILE = "What I learnt:\n\n" + "[a) " * 3000
REFUSAL_START = "Line 3 (“[a) [a) [a)"


@pytest.fixture(autouse=True)
def _size_cap(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000


@pytest.fixture
def journey(program, journey_page, pair):
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=timezone.localdate() - datetime.timedelta(days=2),
        template=journey_page,
    )


@pytest.fixture
def mentee(client, pair):
    client.force_login(pair[1])
    return pair[1]


def reflect_step(journey):
    """The first milestone and its reflect step."""
    snapshot = journey_state(journey, timezone.localdate()).snapshot
    first = snapshot.milestones[0]
    return first.id, next(step.id for step in first.steps if step.kind == "reflect")


def save_reflection_url(journey):
    milestone_id, step_id = reflect_step(journey)
    url = reverse("journeys:save_reflection", args=[journey.uuid, milestone_id, step_id])
    return url, step_id


def field_errors(response, field_id):
    """The error list the form shows next to one field, as text."""
    match = re.search(
        rf'<ul class="field__errors" id="{re.escape(field_id)}_errors">(.*?)</ul>',
        response.content.decode(),
        flags=re.S,
    )
    assert match, f"no errors shown next to {field_id}"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def test_a_reflection_too_slow_to_render_is_refused_next_to_the_text(client, journey, mentee):
    url, step_id = save_reflection_url(journey)

    response = client.post(url, {"text": HOSTILE})

    assert response.status_code == 400
    errors = field_errors(response, f"step-{step_id}-text")
    assert REFUSAL_START in errors
    assert "never closed" in errors
    # What was typed is kept in the box, and nothing is stored.
    assert "What I learnt:" in unescape(response.content.decode())
    assert not Reflection.objects.exists()


def test_an_autosaved_reflection_too_slow_to_render_gets_the_form_errors(client, journey, mentee):
    url, _step_id = save_reflection_url(journey)

    response = client.post(url, {"text": HOSTILE}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "invalid"
    assert data["message"].startswith(REFUSAL_START)
    (error,) = data["errors"]["text"]
    assert error["code"] == "markdown_too_slow"
    assert error["message"].startswith(REFUSAL_START)
    assert not Reflection.objects.exists()


def test_meeting_notes_too_slow_to_render_are_refused_next_to_the_notes(client, journey, mentee):
    response = client.post(
        reverse("journeys:log_meeting", args=[journey.uuid]),
        {
            "held_on": timezone.localdate().isoformat(),
            "duration_minutes": 45,
            "notes": HOSTILE,
            "agreed_actions": "Meet again",
        },
    )

    assert response.status_code == 400
    assert REFUSAL_START in field_errors(response, "meeting-notes")
    assert not Meeting.objects.exists()


def test_a_long_reflection_at_the_size_cap_is_kept_and_shown_in_full(client, journey, mentee):
    url, _step_id = save_reflection_url(journey)
    text = long_markdown_documents(20_000)["list of short items"]

    response = client.post(url, {"text": text, "shared": "on"})

    assert response.status_code == 302
    reflection = Reflection.objects.get()
    assert reflection.text == text
    page = client.get(
        reverse("journeys:reflection", args=[journey.uuid, reflection.uuid])
    ).content.decode()
    assert page.count("<li>Step ") == text.count("\n- ") + 1
    assert f"<p>{text.rsplit(chr(10), 1)[1]}</p>" in page


def test_long_meeting_notes_at_the_size_cap_are_kept_and_shown_in_full(client, journey, mentee):
    text = long_markdown_documents(20_000)["long table"]

    response = client.post(
        reverse("journeys:log_meeting", args=[journey.uuid]),
        {"held_on": timezone.localdate().isoformat(), "duration_minutes": 45, "notes": text},
    )

    assert response.status_code == 302
    meeting = Meeting.objects.get()
    rows = [line for line in text.split("\n") if line.startswith("|") and "---" not in line]
    page = client.get(reverse("journeys:meeting", args=[journey.uuid, meeting.uuid]))
    assert page.content.decode().count("<tr>") == len(rows)
