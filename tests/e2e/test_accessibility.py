"""Every participant page and every public page passes axe-core, at phone and desktop widths.

axe-core comes bundled in the ``axe-playwright-python`` package (no CDN); each
page is checked after it loads, and any violation of impact "serious" or
"critical" fails the test, listed with the page and the elements. The pages
must also fit: nothing wider than the window at 375 px.
"""

from __future__ import annotations

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from cms import invitations
from journeys.services.conversation import post_message
from journeys.services.progress import log_meeting, save_reflection
from matching.factories import EnrollmentFactory, policy_for
from matching.services.selfmatch import request_mentor

from .conftest import NARROW, WIDE, sign_in
from .world import build_world

BLOCKING = {"serious", "critical"}


def participant_world(home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    newcomer = get_user_model().objects.create_user(email="newcomer@example.com")
    (invitation,) = invitations.invite([newcomer], program=world.program)
    world.invitation_url = invitations.link_path(invitation.pk)
    today = timezone.localdate()
    reflection = save_reflection(
        world.journey, mentee, "m-start", "s-reflect", "I hope to **lead**.", True, None, today
    )
    meeting = log_meeting(
        world.journey,
        mentee,
        held_on=today - datetime.timedelta(days=1),
        duration_minutes=40,
        notes="We met for coffee.",
        agreed_actions="Book the next one.",
        today=today,
    )
    # Self-match is on, and the mentee has asked a mentor in another program.
    policy_for(world.program, "knowledge", self_match=True)
    seeker = EnrollmentFactory(program=world.program, user=mentee, seeks=[world.topic])
    helpers = [
        EnrollmentFactory(
            program=world.program,
            user=person(f"helper{n}@example.com", name, "Mentor"),
            role="mentor",
            seniority=7,
            capacity=2,
            offers=[world.topic],
        )
        for n, name in enumerate(("Olu", "Priya", "Kit"))
    ]
    asked = request_mentor(seeker, helpers[0], "Could we talk about feedback?", today)
    # A conversation, in a program that lets members report a message.
    world.program.allow_message_reports = True
    world.program.save_revision().publish()
    world.mentors_message = post_message(world.journey, mentor, "How did the **meeting** go?")
    world.mentees_message = post_message(world.journey, mentee, "Better than I feared.")
    return world, reflection, meeting, asked


def public_pages(world):
    return [
        "/",
        "/library/",
        "/library/?topic=feedback",
        world.material.url,
        "/stories/",
        world.story.url,
        world.program.url,
        "/search/?q=listening",
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/password/reset/",
        world.invitation_url,
        "/accounts/invitation/not-a-real-link/",
    ]


def participant_pages(world, reflection, meeting, asked):
    journey = f"/my/journeys/{world.journey.uuid}/"
    return [
        "/my/",
        journey,
        journey + "milestones/m-start/",
        journey + "milestones/m-back/",
        journey + f"reflections/{reflection.uuid}/",
        journey + f"meetings/{meeting.uuid}/",
        journey + "conversation/",
        journey + "goals/",
        journey + "meetings/",
        journey + "planned-meetings/",
        journey + f"conversation/{world.mentees_message.uuid}/edit/",
        journey + f"conversation/{world.mentors_message.uuid}/report/",
        journey + f"people/{world.journey.memberships.get(user=world.mentor).pk}/",
        "/my/profile/",
        "/my/settings/",
        "/my/calendar/",
        f"/my/programs/{world.program.pk}/enrol/",
        f"/my/programs/{world.program.pk}/mentors/",
        "/my/mentoring-requests/",
        f"/my/mentoring-requests/{asked.uuid}/",
        "/my/data/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/accounts/reauthenticate/",
    ]


def audit(page, axe, url, viewport):
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    results = axe.run(page)
    problems = [
        f"{url} @ {viewport['width']}px: [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"{url} @ {viewport['width']}px: {overflow}px wider than the window")
    return problems


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["375px", "1280px"])
def test_every_public_and_participant_page_passes_axe(new_page, home, person, viewport):
    world, reflection, meeting, asked = participant_world(home, person)
    axe = Axe()
    page = new_page(viewport)
    problems = []
    for url in public_pages(world):
        problems += audit(page, axe, url, viewport)
    sign_in(page, world.mentee)
    for url in participant_pages(world, reflection, meeting, asked):
        problems += audit(page, axe, url, viewport)
    # The mentor's side of a request.
    page.context.clear_cookies()
    sign_in(page, asked.mentor.user, next_url="/my/mentoring-requests/")
    problems += audit(page, axe, f"/my/mentoring-requests/{asked.uuid}/", viewport)
    assert not problems, "\n".join(problems)


def focus_is_visible(page) -> bool:
    """Whether the focused element draws an outline or a ring (or its ::after does, for cards)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const shows = (style) =>
                (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) ||
                (style.boxShadow && style.boxShadow !== 'none');
            return shows(getComputedStyle(el)) || shows(getComputedStyle(el, '::after'));
        }"""
    )


def test_a_journey_can_be_walked_by_keyboard_with_a_visible_focus(new_page, home, person, shots):
    world, _reflection, _meeting, _asked = participant_world(home, person)
    page = new_page(WIDE)
    sign_in(page, world.mentee, next_url=f"/my/journeys/{world.journey.uuid}/")
    expect(page.get_by_role("heading", name="First year together")).to_be_visible()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert focus_is_visible(page)
    page.keyboard.press("Enter")

    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "(document.activeElement.innerText || document.activeElement.value || '').trim()"
        )
        assert focus_is_visible(page), f"no visible focus on {name!r}"
        reached.append(name)
        if "Looking back" in name:
            break
    assert any("Getting to know each other" in name for name in reached), reached
    shots(page, "focus-on-a-milestone", full_page=False)

    # The milestone's main action is reachable too, and works from the keyboard.
    page.goto(f"/my/journeys/{world.journey.uuid}/milestones/m-start/")
    for _ in range(80):
        page.keyboard.press("Tab")
        assert focus_is_visible(page)
        if page.evaluate("document.activeElement.textContent.trim()") == "Mark as done":
            break
    else:
        pytest.fail("“Mark as done” cannot be reached with the Tab key.")
    shots(page, "focus-on-mark-as-done", full_page=False)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Marked as done. Well done.")).to_be_visible()
    assert re.search(r"#step-", page.url)


def test_the_audit_fails_a_page_with_a_serious_violation(new_page, home):
    """The check can fail: an image without a text alternative is reported."""
    page = new_page(WIDE)
    page.goto("/")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/none.png';
            document.querySelector('main').append(img);
        }"""
    )
    results = Axe().run(page)
    found = {v["id"]: v["impact"] for v in results.response["violations"]}
    assert found.get("image-alt") == "critical"
