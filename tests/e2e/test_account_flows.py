"""Getting in, in a real browser: an invitation followed from its email, and signing out."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from cms import invitations
from journeys.services import outbox

from .conftest import PASSWORD, sign_in
from .world import build_world

NEW_PASSWORD = "a garden of patient questions"


def invitation_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_newcomer_follows_their_invitation_chooses_a_password_and_lands_on_their_journey(
    page, shots, home, person
):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    newcomer = get_user_model().objects.create_user(
        email="newcomer@example.com", first_name="Noor", last_name="Haddad"
    )
    world = build_world(home, people=(mentor, newcomer))
    invitations.invite([newcomer], invited_by=mentor, program=world.program)
    outbox.deliver_due()
    (message,) = [m for m in mail.outbox if m.to == ["newcomer@example.com"]]
    assert "Morgan Reid invited you to" in message.body

    page.goto(invitation_path(message))
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.get_by_text("Morgan Reid invited you to")).to_be_visible()
    shots(page, "invitation")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("confirmation", re.I)).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password and sign in").click()

    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    expect(page.get_by_text("First year together").first).to_be_visible()
    shots(page, "signed-in")

    # The link served once: opened again, it says so and offers a fresh one.
    page.goto(invitation_path(message))
    expect(page.get_by_role("heading", name="This invitation has been used")).to_be_visible()
    expect(page.get_by_role("button", name="Email me a fresh link")).to_be_visible()
    shots(page, "used-link")

    # Signed out, the password chosen signs them in again.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with(page, newcomer.email, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()


def sign_in_with(page, email, password):
    page.goto("/accounts/login/?next=/my/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def test_a_signed_out_person_following_a_journey_link_signs_in_and_arrives(page, home, person):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    journey_url = f"/my/journeys/{world.journey.uuid}/"

    page.goto(journey_url)
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    assert "/accounts/login/?next=" in page.url

    page.locator("#id_login").fill(mentee.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page.get_by_role("heading", name="First year together")).to_be_visible()
    assert page.url.endswith(journey_url)


def test_an_editor_must_set_up_two_factor_sign_in_and_then_signs_in_with_a_code(
    page, shots, home, person, settings
):
    from tests.cms.test_mfa import totp

    settings.MFA_REQUIRED_FOR_STAFF = True
    editor = person("editor@example.com", "Eda", "Stone", groups=["Editors"])
    sign_in(page, editor, next_url="/admin/")

    # The admin sends them to set up an app, after confirming their password.
    expect(page.get_by_text("needs two-factor sign-in")).to_be_visible()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    secret = page.locator("#authenticator_secret").input_value()
    shots(page, "activate-app")
    page.get_by_label(re.compile("authenticator code", re.I)).fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    shots(page, "recovery-codes")

    page.goto("/admin/")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()

    # Signed out, signing in again asks for a code from the app, even through the admin.
    page.context.clear_cookies()
    page.goto("/admin/")
    page.locator("#id_login").fill(editor.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page.get_by_role("heading", name=re.compile("Two-Factor", re.I))).to_be_visible()
    shots(page, "asked-for-code")
    page.get_by_label(re.compile("code", re.I)).fill(totp(secret))
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_an_admin_erases_a_mentee_and_their_partner_sees_neither_name_nor_words(
    new_page, shots, home, person
):
    from django.utils import timezone

    from journeys.services.progress import save_reflection

    from .conftest import sign_in_to_admin

    admin = person("root@example.com", "Ravi", "Root", is_staff=True, is_superuser=True)
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    save_reflection(
        world.journey,
        mentee,
        "m-start",
        "s-reflect",
        "I hope to lead my first team by summer.",
        True,
        None,
        timezone.localdate(),
    )
    milestone = f"/my/journeys/{world.journey.uuid}/milestones/m-start/"
    partner = new_page()
    sign_in(partner, mentor, next_url=milestone)
    expect(partner.get_by_text("I hope to lead my first team by summer.")).to_be_visible()
    expect(partner.get_by_text("Sam Patel").first).to_be_visible()

    page = new_page()
    sign_in_to_admin(page, admin)
    page.goto("/admin/users/")
    row = page.locator("tr").filter(has_text="mentee@example.com")
    row.get_by_role("button", name=re.compile("more options", re.I)).click()
    row.get_by_role("link", name="Erase").click()
    expect(page.get_by_role("button", name="Yes, erase their data")).to_be_visible()
    shots(page, "erase-confirm")
    page.get_by_role("button", name="Yes, erase their data").click()
    expect(page.get_by_text("Their data has been erased")).to_be_visible()
    shots(page, "erased")

    # The partner's next page view shows the result.
    partner.reload()
    expect(partner.get_by_text("I hope to lead my first team by summer.")).to_have_count(0)
    expect(partner.get_by_text("Sam Patel")).to_have_count(0)
    shots(partner, "partner-after-erasure")
