"""A mentee walks their journey in a real browser; the mentor sees only what was shared."""

import re

from playwright.sync_api import expect

from journeys.models import Meeting, Reflection, StepCompletion

from .conftest import sign_in
from .world import build_world

SHARED = "I hope to lead my first team with confidence by the summer."
PRIVATE = "Honestly, I worry that I am not ready and everyone will notice."


def test_a_mentee_walks_the_first_milestone(page, shots, home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))

    sign_in(page, mentee)
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    expect(page.get_by_text("First year together").first).to_be_visible()
    shots(page, "dashboard")

    page.get_by_role("link", name=re.compile("whole journey", re.I)).first.click()
    expect(page.get_by_role("heading", name="First year together")).to_be_visible()
    shots(page, "journey")

    page.get_by_role("link", name="Getting to know each other").first.click()
    expect(page.get_by_role("heading", name="Getting to know each other")).to_be_visible()
    # The material is read inline, on the milestone itself.
    expect(page.get_by_text("listening deeply")).to_be_visible()
    shots(page, "milestone")

    read_step = page.locator(".step").filter(has_text="Listening well").first
    read_step.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Marked as done. Well done.")).to_be_visible()
    shots(page, "read-step-done")

    # A shared reflection that saves itself while typing…
    shared = page.locator("#step-s-reflect form[data-autosave]")
    shared.get_by_role("checkbox").check()
    shared.get_by_role("textbox").fill(SHARED)
    expect(shared.locator("[data-autosave-status]")).to_have_text("Saved", timeout=10_000)
    # …and a private one.
    private = page.locator("#step-s-private form[data-autosave]")
    private.get_by_role("textbox").fill(PRIVATE)
    expect(private.locator("[data-autosave-status]")).to_have_text("Saved", timeout=10_000)
    shots(page, "reflections-autosaved")

    page.reload()
    expect(page.locator("#step-s-reflect textarea")).to_have_value(SHARED)
    expect(page.locator("#step-s-reflect input[type=checkbox]")).to_be_checked()
    expect(page.locator("#step-s-private textarea")).to_have_value(PRIVATE)
    shots(page, "reflections-after-reload")

    meet = page.locator(".step").filter(has_text="Meet for coffee").first
    meet.get_by_label(re.compile("How long", re.I)).fill("45")
    meet.get_by_label(re.compile("notes", re.I)).fill("We talked about **first teams**.")
    meet.get_by_role("button", name=re.compile("Log our meeting", re.I)).click()
    expect(page.get_by_text("Your meeting is logged. Thank you for making time.")).to_be_visible()
    shots(page, "meeting-logged")

    journey = world.journey
    assert Meeting.objects.filter(journey=journey, duration_minutes=45).exists()
    assert StepCompletion.objects.filter(journey=journey, member__user=mentee).count() >= 2
    assert set(Reflection.objects.filter(journey=journey).values_list("text", "shared")) == {
        (SHARED, True),
        (PRIVATE, False),
    }


def test_the_mentor_sees_the_shared_reflection_and_not_the_private_one(page, shots, home, person):
    from django.utils import timezone

    from journeys.services.progress import save_reflection

    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    today = timezone.localdate()
    save_reflection(world.journey, mentee, "m-start", "s-reflect", SHARED, True, None, today)
    save_reflection(world.journey, mentee, "m-start", "s-private", PRIVATE, False, None, today)

    sign_in(page, mentor, next_url=f"/my/journeys/{world.journey.uuid}/milestones/m-start/")
    expect(page.get_by_role("heading", name="Getting to know each other")).to_be_visible()
    expect(page.get_by_text(SHARED)).to_be_visible()
    expect(page.get_by_text(PRIVATE)).to_have_count(0)
    shots(page, "mentor-milestone")
    assert PRIVATE not in page.content()
