"""A mentee fills in their profile with a photo, then reads their mentor's, at both widths.

Every page on the way passes axe-core (no serious or critical violation) and
fits the window.
"""

from __future__ import annotations

import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from playwright.sync_api import expect

from journeys.models import Profile
from journeys.services.profiles import save_profile

from .conftest import NARROW, WIDE, sign_in
from .world import build_world

BLOCKING = {"serious", "critical"}
ABOUT = "I plan the night routes out of Felixstowe and love a tidy timetable."


def png(colour, size=(400, 300)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def problems_on(page, axe, where, viewport) -> list[str]:
    """axe's serious and critical violations on the page as it is, and any overflow."""
    results = axe.run(page)
    found = [
        f"{where} @ {viewport['width']}px: [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{where} @ {viewport['width']}px: {overflow}px wider than the window")
    return found


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["375px", "1280px"])
def test_a_mentee_saves_their_profile_and_reads_their_mentors(
    new_page, shots, home, person, viewport
):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    save_profile(
        mentor,
        {"job_title": "Senior route planner", "about": ABOUT, "how_to_meet": "Walking meetings"},
        photo=ContentFile(png((22, 78, 99)), name="morgan.png"),
    )
    axe = Axe()
    page = new_page(viewport)
    problems = []
    width = viewport["width"]

    sign_in(page, mentee)
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", name="Your profile", level=1)).to_be_visible()
    problems += problems_on(page, axe, "/my/profile/", viewport)
    shots(page, f"{width}-profile-form")

    page.get_by_label("Your role").fill("Operations coordinator")
    page.get_by_label("Your time zone").select_option("Europe/London")
    page.get_by_label("Languages you speak at work").fill("en, pl")
    page.get_by_label("About you").fill("I keep the day shift running at the Avonmouth hub.")
    page.get_by_label("How you like to meet").fill("Early video calls")
    page.locator("fieldset").filter(has_text="What you can offer").get_by_label(
        "Giving feedback"
    ).check()
    page.get_by_label("Your photo").set_input_files(
        {"name": "sam.png", "mimeType": "image/png", "buffer": png((156, 74, 26))}
    )
    page.get_by_role("button", name="Save my profile").click()

    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    preview = page.locator(".profile").first
    expect(preview.get_by_text("Operations coordinator")).to_be_visible()
    expect(preview.locator("img.portrait")).to_have_count(1)
    expect(page.get_by_label("Remove my photo")).to_be_visible()
    problems += problems_on(page, axe, "/my/profile/ saved", viewport)
    shots(page, f"{width}-profile-saved")
    profile = Profile.objects.get(user=mentee)
    assert profile.languages == ["en", "pl"] and profile.photo is not None

    page.goto(f"/my/journeys/{world.journey.uuid}/")
    page.get_by_role("link", name="Morgan Reid").first.click()
    expect(page.get_by_role("heading", name="Morgan Reid", level=1)).to_be_visible()
    expect(page.get_by_text(ABOUT)).to_be_visible()
    expect(page.get_by_text("Mentor · Senior route planner")).to_be_visible()
    write = page.get_by_role("link", name="Write to Morgan Reid")
    expect(write).to_have_attribute("href", "mailto:mentor@example.com")
    assert re.search(r"/people/\d+/$", page.url)
    problems += problems_on(page, axe, "the mentor's profile", viewport)
    shots(page, f"{width}-mentors-profile")

    assert not problems, "\n".join(problems)
