"""A double click, or a second press while the first is on its way, saves once."""

import re

from playwright.sync_api import expect

from journeys.models import Meeting, Message

from .conftest import sign_in
from .world import build_world


def test_a_second_press_while_the_first_is_unanswered_sends_nothing_more(page, home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    sign_in(page, mentee, next_url=f"/my/journeys/{world.journey.uuid}/milestones/m-start/")
    # A connection so slow that no answer comes back while the person presses again:
    # each form the browser sends is counted, and answered with nothing to show.
    sent = []

    def count(route):
        sent.append(route.request.post_data)
        route.fulfill(status=204)

    page.route("**/meetings/", count)
    meet = page.locator(".step").filter(has_text="Meet for coffee").first
    meet.get_by_label(re.compile("How long", re.I)).fill("45")
    button = meet.get_by_role("button", name=re.compile("Log our meeting", re.I))

    button.click()
    button.click()
    button.click()

    assert len(sent) == 1
    assert meet.locator("form[aria-busy=true]").count() == 1
    assert not Meeting.objects.exists()


def test_a_message_sent_with_a_double_click_is_sent_once(page, home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    conversation = f"/my/journeys/{world.journey.uuid}/conversation/"
    sign_in(page, mentee, next_url=conversation)
    # The first message is held on its way until the person has pressed again.
    held = []

    def hold(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route(f"**{conversation}", hold)
    page.get_by_label("Your message").fill("See you on Thursday.")
    send = page.get_by_role("button", name="Send message")

    send.dblclick()
    send.click()
    page.wait_for_timeout(300)
    for route in held:
        route.continue_()

    assert len(held) == 1
    expect(page.locator("[data-message-status]")).to_have_text("Sent.")
    expect(page.locator(".message").filter(has_text="See you on Thursday.")).to_have_count(1)
    assert Message.objects.filter(journey=world.journey).count() == 1
