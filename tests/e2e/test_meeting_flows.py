"""The mentor proposes a meeting from the meet step; the mentee accepts a time on a phone.

Each page is checked with axe at the width it is used at, with the planning
forms open (suggesting and moving are on the planned meeting's own page), and
the invitations the acceptance wrote are read back.
"""

import datetime
import re

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from journeys.models import OutboxEmail, PlannedMeeting

from .conftest import NARROW, WIDE, sign_in
from .test_accessibility import BLOCKING
from .world import build_world


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def check(page, axe):
    """Serious or critical axe violations on the page as it is now (forms open), and overflow."""
    width = page.viewport_size["width"]
    problems = [
        f"{page.url} @ {width}px: [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"{page.url} @ {width}px: {overflow}px wider than the window")
    return problems


def test_a_meeting_is_proposed_on_the_meet_step_and_accepted_on_a_phone(
    new_page, shots, home, person
):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    journey_path = f"/my/journeys/{world.journey.uuid}/"
    base = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    first = base + datetime.timedelta(days=3)
    second = base + datetime.timedelta(days=4, hours=2)
    axe = Axe()

    page = new_page(WIDE)
    sign_in(page, mentor, next_url=journey_path + "milestones/m-start/")
    meet = page.locator(".step").filter(has_text="Meet for coffee").first
    meet.get_by_text("Plan our meeting").click()
    agenda = meet.get_by_label("Agenda")
    expect(agenda).to_have_value(re.compile("First conversation guide"))
    meet.get_by_label("First choice of time").fill(local(first))
    meet.get_by_label("Another time (optional)").fill(local(second))
    meet.get_by_label("Length of the meeting, in minutes").fill("45")
    meet.get_by_label("Where").fill("The café on the third floor")
    shots(page, "proposal-form")
    problems = check(page, axe)
    assert not problems, "\n".join(problems)
    meet.get_by_role("button", name="Propose this meeting").click()
    expect(page.get_by_text("Your proposal is on its way.")).to_be_visible()
    expect(page.get_by_text("Planned for this step")).to_be_visible()
    shots(page, "proposed")

    phone = new_page(NARROW)
    sign_in(phone, mentee, next_url=journey_path)
    plan = PlannedMeeting.objects.get()
    row = phone.locator(f"#plan-{plan.uuid}")
    expect(row.get_by_text("Choose a time")).to_be_visible()
    # The forms suggesting other times and moving it are on the meeting's own page.
    row.get_by_role("link", name="Suggest other times").click()
    row = phone.locator(f"#plan-{plan.uuid}")
    expect(row.get_by_role("button", name="Send these times")).to_be_visible()
    problems = check(phone, axe)
    assert not problems, "\n".join(problems)
    row.get_by_label(re.compile(r"\(")).nth(1).check()
    shots(phone, "choosing-a-time")
    row.get_by_role("button", name="Accept this time").click()
    expect(phone.get_by_text("The time is agreed.")).to_be_visible()
    row = phone.locator(f"#plan-{plan.uuid}")
    expect(row.get_by_text("Agreed", exact=True)).to_be_visible()
    row.get_by_role("link", name="Move this meeting").click()
    expect(phone.get_by_role("button", name="Move the meeting")).to_be_visible()
    shots(phone, "agreed")
    problems = check(phone, axe)
    assert not problems, "\n".join(problems)

    plan.refresh_from_db()
    assert (plan.status, plan.starts_at) == ("accepted", second)
    invitations = OutboxEmail.objects.filter(calendar_method="REQUEST")
    assert sorted(e.recipient.email for e in invitations) == [
        "mentee@example.com",
        "mentor@example.com",
    ]
    for email in invitations:
        [event] = Calendar.from_ical(email.calendar).walk("VEVENT")
        assert event.start == second
        assert str(event["ORGANIZER"]) == "mailto:mentor@example.com"

    # The mentor's journey page shows it agreed, and passes at desktop width too.
    page.goto(journey_path)
    expect(page.locator(f"#plan-{plan.uuid}").get_by_text("Agreed", exact=True)).to_be_visible()
    # Cancelling is a button, and reads as a link like "Move this meeting" beside it.
    row = page.locator(f"#plan-{plan.uuid}")
    cancel = row.get_by_role("button", name="Cancel this meeting")
    move = row.get_by_role("link", name="Move this meeting")
    looks = "el => [getComputedStyle(el).color, getComputedStyle(el).textDecorationLine]"
    assert cancel.evaluate(looks) == move.evaluate(looks) == [move.evaluate(looks)[0], "underline"]
    problems = check(page, axe)
    assert not problems, "\n".join(problems)
    page.locator(f"#plan-{plan.uuid}").get_by_role("link", name="Move this meeting").click()
    expect(page.get_by_role("button", name="Move the meeting")).to_be_visible()
    problems = check(page, axe)
    assert not problems, "\n".join(problems)
