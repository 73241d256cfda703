"""The admin home page of a senior leader, Communications and a program admin, in
Chromium at both widths: each sees their own panel, and it passes axe-core (no serious
or critical violation) and fits the window."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from content.factories import LeaderProfileFactory, LeaderStoryPageFactory
from matching.factories import EnrollmentFactory

from .conftest import NARROW, WIDE, sign_in_to_admin
from .world import build_world

BLOCKING = {"serious", "critical"}


def panel_problems(page, axe, selector, who, viewport) -> list[str]:
    """axe's serious and critical violations in the panel, and any overflow of the page."""
    results = axe.run(page, context=selector)
    found = [
        f"{who} @ {viewport['width']}px: [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{who} @ {viewport['width']}px: {overflow}px wider than the window")
    return found


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["375px", "1280px"])
def test_each_role_finds_its_panel_on_the_admin_home(new_page, shots, home, person, viewport):
    world = build_world(home)
    leader = person("amara@example.com", "Amara", "Okafor", groups=["Senior leaders"])
    profile = LeaderProfileFactory(user=leader, name="Amara Okafor")
    story = LeaderStoryPageFactory(
        parent=world.stories, owner=leader, leader=profile, live=False, title="The night shift"
    )
    story.save_revision(user=leader)
    story.get_workflow().start(story, leader)
    LeaderStoryPageFactory(
        parent=world.stories, owner=leader, leader=profile, live=False, title="Leeds, again"
    )
    communications = person("jade@example.com", "Jade", "Thompson", groups=["Communications"])
    admin = person("pat@example.com", "Pat", "Programs", groups=["Program admins"])
    for first, last in (("Grace", "Hopper"), ("Mary", "Jackson")):
        EnrollmentFactory(
            program=world.program,
            role="mentee",
            user=person(f"{first.lower()}@example.com", first, last),
        )
    axe = Axe()
    problems = []
    width = viewport["width"]

    page = new_page(viewport)
    sign_in_to_admin(page, leader)
    panel = page.locator("#trellis-your-stories-section")
    expect(panel.get_by_role("heading", name="Your stories")).to_be_visible()
    expect(panel.get_by_role("link", name="Write a story")).to_be_visible()
    expect(panel.get_by_text("In review with Communications")).to_be_visible()
    expect(panel.get_by_role("link", name=re.compile("Edit .Leeds, again."))).to_be_visible()
    expect(panel.get_by_role("link", name=re.compile("Edit .The night shift."))).to_have_count(0)
    problems += panel_problems(page, axe, "#trellis-your-stories-section", "leader", viewport)
    shots(page, f"leader-{width}")

    page = new_page(viewport)
    sign_in_to_admin(page, communications)
    panel = page.locator("#trellis-stories-to-review-section")
    expect(panel.get_by_role("heading", name="Stories awaiting review (1)")).to_be_visible()
    expect(panel.get_by_role("link", name="The night shift")).to_be_visible()
    problems += panel_problems(
        page, axe, "#trellis-stories-to-review-section", "communications", viewport
    )
    shots(page, f"communications-{width}")

    page = new_page(viewport)
    sign_in_to_admin(page, admin)
    panel = page.locator("#trellis-programs-section")
    expect(panel.get_by_role("heading", name="Your programs")).to_be_visible()
    expect(panel.get_by_role("link", name="2 people waiting")).to_be_visible()
    expect(
        panel.get_by_text(re.compile(r"never signed in:\s+Grace Hopper, Mary Jackson"))
    ).to_be_visible()
    problems += panel_problems(page, axe, "#trellis-programs-section", "program admin", viewport)
    shots(page, f"program-admin-{width}")

    assert problems == []
