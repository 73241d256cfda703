"""The sponsor's page in Chromium at a phone's and a desk's width: the sponsor and a program
admin each open it, it passes axe-core (no serious or critical violation), nothing on it
scrolls sideways at 375 px, and no chart's text is drawn smaller than 12 px."""

from __future__ import annotations

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from content.factories import LeaderProfileFactory
from insights import snapshots
from insights.tracking import record_views
from journeys.models import Measure, MemberRole
from journeys.services import progress
from journeys.services.starting import start_journey
from journeys.services.state import journey_state
from matching.factories import EnrollmentFactory

from .conftest import NARROW, WIDE, sign_in
from .world import build_world

BLOCKING = {"serious", "critical"}

# The smallest text, in CSS pixels, of the charts: SVG text, axis titles, legends, scales.
SMALLEST_CHART_TEXT = """() => {
    const found = [];
    const selectors = [
        ".sponsor-chart text", ".sponsor-chart__axis", ".sponsor-legend__item",
        ".sponsor-funnel__label", ".sponsor-funnel__value", ".sponsor-funnel__scale span",
    ];
    for (const element of document.querySelectorAll(selectors.join(","))) {
        const box = element.getBoundingClientRect();
        if (!box.width && !box.height) continue;
        found.push([parseFloat(getComputedStyle(element).fontSize) * (
            element instanceof SVGElement
                ? element.ownerSVGElement.getScreenCTM().a : 1
        ), element.textContent.trim()]);
    }
    found.sort((a, b) => a[0] - b[0]);
    return found;
}"""


def walk_first_milestone(journey, people, today):
    """Both people do everything in the first milestone, a day after it opens."""
    loaded = journey_state(journey, today)
    content = loaded.snapshot.milestones[0]
    day = min(journey.started_on + datetime.timedelta(days=1), today)
    for user in people:
        pages = [s.value["page"].pk for s in content.steps if s.kind == "read"]
        record_views(journey.pk, user.pk, pages)
        for item in content.steps:
            if item.kind == "reflect":
                progress.save_reflection(
                    journey, user, content.id, item.id, "Mine.", False, None, day, complete=True
                )
            elif item.kind == "meet":
                if user is people[0]:
                    progress.log_meeting(journey, user, day, 45, "", "", day, content.id, item.id)
            else:
                progress.complete_step(journey, user, content.id, item.id, day)


def sponsor_world(home, person):
    world = build_world(home)
    today = timezone.localdate()
    sponsor = person("amara@example.com", "Amara", "Okafor", groups=["Sponsors"])
    world.program.sponsor = LeaderProfileFactory(name="Amara Okafor", user=sponsor)
    world.program.objectives = [
        {
            "type": "objective",
            "value": {"title": title, "description": "", **value},
        }
        for title, value in (
            (
                "Pairs get to know each other in their first month",
                {"measure": Measure.MILESTONE, "milestone_key": "start", "target": 60},
            ),
            ("Nobody waits long", {"measure": Measure.MATCHED, "target": 90}),
            ("Journeys finish", {"measure": Measure.COMPLETED, "target": 50}),
            ("People feel they belong", {}),
            # A word longer than a phone is wide must wrap, not widen the page.
            ("Kindergartenteacherapprenticeshipsupervisorsandmentors", {}),
        )
    ]
    world.program.save_revision().publish()
    for n, (days_ago, walked) in enumerate(
        ((5, True), (12, True), (25, True), (40, False), (70, True), (95, False))
    ):
        mentor = person(f"mentor{n}@example.com", "Morgan", f"Reid-{n}")
        mentee = person(f"mentee{n}@example.com", "Sam", f"Patel-{n}")
        journey = start_journey(
            world.program,
            [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
            started_on=today - datetime.timedelta(days=days_ago),
            template=world.template,
        )
        if walked:
            walk_first_milestone(journey, (mentor, mentee), today)
        for user, role in ((mentor, "mentor"), (mentee, "mentee")):
            EnrollmentFactory(program=world.program, user=user, role=role, status="matched")
    for n in range(2):
        EnrollmentFactory(
            program=world.program, user=person(f"waiting{n}@example.com", "Wai", f"Ting {n}")
        )
    admin = person("pat@example.com", "Pat", "Programs", groups=["Program admins"])
    snapshots.work_out(world.program.pk)  # as the sweep does within a minute
    return world, sponsor, admin


def check(page, axe, who, viewport) -> list[str]:
    width = viewport["width"]
    results = axe.run(page)
    problems = [
        f"{who} @ {width}px: [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{who} @ {width}px: {overflow}px wider than the window")
    smallest = page.evaluate(SMALLEST_CHART_TEXT)
    assert smallest, "no chart text found"
    problems += [
        f"{who} @ {width}px: chart text “{text}” is {size:.1f}px"
        for size, text in smallest
        if size < 12
    ]
    return problems


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["375px", "1280px"])
def test_the_sponsors_page_reads_well_on_a_phone_and_a_desk(
    new_page, shots, home, person, viewport
):
    world, sponsor, admin = sponsor_world(home, person)
    url = f"/programs/{world.program.slug}/insights/"
    axe = Axe()
    width = viewport["width"]
    problems = []

    page = new_page(viewport)
    sign_in(page, sponsor)
    # Signed in, a sponsor finds their program on My mentoring.
    page.get_by_role("navigation", name="How your programs are going").get_by_role(
        "link", name="Growing leaders"
    ).click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("heading", level=1, name="Growing leaders")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^\d of \d objectives? (is|are) on target"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="In the admin")).to_have_count(0)
    expect(page.get_by_text("Morgan Reid-5")).to_have_count(0)
    shots(page, f"sponsor-{width}")
    for details in page.locator("details").all():
        details.locator("summary").click()
    problems += check(page, axe, "sponsor", viewport)
    shots(page, f"sponsor-figures-open-{width}")

    page = new_page(viewport)
    sign_in(page, admin, next_url=url)
    expect(page.get_by_role("heading", name="In the admin")).to_be_visible()
    expect(page.get_by_role("link", name="The full dashboard")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Morgan Reid-5"))).to_be_visible()
    problems += check(page, axe, "program admin", viewport)
    shots(page, f"program-admin-{width}")

    assert problems == []


def test_the_admin_dashboard_opens_the_sponsors_page(new_page, home, person):
    world, _sponsor, admin = sponsor_world(home, person)
    page = new_page(WIDE)
    sign_in(page, admin, next_url=f"/admin/insights/{world.program.pk}/")

    page.get_by_role("link", name="Open the sponsor’s page").click()

    page.wait_for_url(re.compile(rf"/programs/{world.program.slug}/insights/$"))
    expect(page.get_by_role("heading", level=1, name="Growing leaders")).to_be_visible()
