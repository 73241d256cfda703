"""The pair talk in a real browser: with JavaScript a message goes and arrives without a
reload; without it the form posts and the page comes back with the message."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from journeys.models import Message

from .conftest import NARROW, WIDE, sign_in
from .test_accessibility import audit
from .world import build_world

HELLO = "Looking forward to **Thursday**, shall we meet by the river?"
REPLY = "Yes, by the river at ten."


def test_a_message_is_sent_and_received_without_a_reload(new_page, shots, home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    journey_url = f"/my/journeys/{world.journey.uuid}/"
    conversation_url = journey_url + "conversation/"

    # The mentor keeps the conversation open in a browser of their own, whose
    # clock the test moves on rather than waiting.
    mentor_page = new_page(NARROW)
    mentor_page.clock.install()
    sign_in(mentor_page, mentor, next_url=conversation_url)
    expect(mentor_page.get_by_role("heading", name="Your conversation")).to_be_visible()
    expect(mentor_page.get_by_text("No messages yet.")).to_be_visible()

    page = new_page(WIDE)
    sign_in(page, mentee, next_url=journey_url)
    panel = page.locator("#conversation")
    expect(panel.get_by_role("heading", name="Conversation")).to_be_visible()
    # A mark on the window survives only if the page is never loaded again.
    page.evaluate("window.notReloaded = true")
    panel.get_by_label("Your message").fill(HELLO)
    panel.get_by_role("button", name="Send message").click()

    sent = panel.locator(".message").filter(has_text="shall we meet by the river?")
    expect(sent).to_be_visible()
    expect(sent.locator("strong")).to_have_text("Thursday")
    expect(panel.get_by_label("Your message")).to_have_value("")
    expect(panel.locator("[data-message-status]")).to_have_text("Sent.")
    assert page.evaluate("window.notReloaded") is True
    shots(page, "sent-without-a-reload")

    # The mentor's open page asks for new messages every 15 seconds.
    arrived = mentor_page.locator(".message").filter(has_text="shall we meet by the river?")
    mentor_page.clock.fast_forward(15_000)
    expect(arrived).to_be_visible()
    expect(arrived.locator(".message__author")).to_have_text("Sam Patel")
    expect(mentor_page.get_by_text("No messages yet.")).to_be_hidden()
    shots(mentor_page, "received-without-a-reload")

    assert list(Message.objects.values_list("text", flat=True)) == [HELLO]
    axe = Axe()
    problems = audit(page, axe, conversation_url, WIDE)
    problems += audit(mentor_page, axe, conversation_url, NARROW)
    assert not problems, "\n".join(problems)


def test_without_javascript_the_form_posts_and_the_page_shows_the_message(
    browser, live_server, site, csp_violations, shots, home, person
):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    conversation_url = f"/my/journeys/{world.journey.uuid}/conversation/"
    axe = Axe()

    for viewport in (NARROW, WIDE):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=False
        )
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            sign_in(page, mentor, next_url=conversation_url)
            page.get_by_label("Your message").fill(f"{REPLY} ({viewport['width']}px)")
            page.get_by_role("button", name="Send message").click()
            page.wait_for_load_state()
            assert re.search(r"/conversation/#message-", page.url), page.url
            expect(page.get_by_text("Your message is sent.")).to_be_visible()
            expect(page.get_by_text(f"{REPLY} ({viewport['width']}px)")).to_be_visible()
            shots(page, f"posted-without-javascript-{viewport['width']}")
        finally:
            context.close()
        # axe needs scripts: the same page, read by a browser that runs them.
        checker = browser.new_context(base_url=live_server.url, viewport=viewport)
        try:
            checking = checker.new_page()
            sign_in(checking, mentor, next_url=conversation_url)
            problems = audit(checking, axe, conversation_url, viewport)
            assert not problems, "\n".join(problems)
        finally:
            checker.close()
    assert Message.objects.filter(author__user=mentor).count() == 2
