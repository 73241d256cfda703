"""Editors, leaders, communications and program admins at work in the Wagtail admin."""

import re

from playwright.sync_api import expect

from content.models import MaterialPage
from journeys.models import JourneyPage

from .conftest import sign_in_to_admin
from .world import build_world


def footer_action(page, name):
    """Press one of the page editor's footer actions (Publish, Submit…) from its menu."""
    page.locator("footer .w-dropdown__toggle").first.click()
    page.locator(f"footer button[name='{name}']").click()
    page.wait_for_load_state()


def test_an_editor_creates_a_material_and_adds_it_to_a_milestone(page, shots, home, person):
    editor = person("editor@example.com", "Eve", "Editor", groups=["Editors", "Moderators"])
    world = build_world(home)
    sign_in_to_admin(page, editor)
    shots(page, "dashboard")

    page.goto(f"/admin/pages/{world.library.pk}/")
    shots(page, "library")
    page.goto(f"/admin/pages/add/content/materialpage/{world.library.pk}/")
    shots(page, "new-material")
    page.get_by_label(re.compile("^Title")).fill("Saying thank you well")
    page.get_by_label(re.compile("^Summary")).fill("Why a specific thank-you lands.")
    page.locator("#panel-child-content-body-section").scroll_into_view_if_needed()
    page.locator("#panel-child-content-body-section button[title='Insert a block']").first.click()
    page.get_by_role("option", name="Markdown").click()
    page.locator("#panel-child-content-body-section textarea").first.fill(
        "Say **what** they did and **why** it mattered. Be specific, be quick."
    )
    shots(page, "material-written")
    footer_action(page, "action-publish")
    expect(
        page.get_by_text(re.compile("Page 'Saying thank you well' .*published"))
    ).to_be_visible()
    shots(page, "material-published")
    material = MaterialPage.objects.get(title="Saying thank you well")
    assert material.live and material.get_parent().pk == world.library.pk

    page.goto(f"/admin/pages/{world.template.pk}/edit/")
    expect(page.get_by_text("Getting to know each other").first).to_be_visible()
    steps = page.locator("[data-contentpath='steps']").first
    steps.locator("button[title='Insert a block']").last.click()
    page.get_by_role("option", name="Read or watch").click()
    new_step = page.locator("[id^='milestones-0-value-steps-'][id$='-value-page-chooser']").last
    new_step.get_by_role("button", name=re.compile("Choose a page", re.I)).click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("textbox", name=re.compile("Search", re.I)).fill("thank")
    modal.get_by_role("link", name="Saying thank you well").click()
    expect(new_step.get_by_text("Saying thank you well")).to_be_visible()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
    new_step.scroll_into_view_if_needed()
    shots(page, "step-added", full_page=False)
    footer_action(page, "action-publish")
    expect(page.get_by_text(re.compile("Page 'First year together' .*published"))).to_be_visible()
    shots(page, "journey-published")

    template = JourneyPage.objects.get(pk=world.template.pk)
    first = template.milestones[0]
    pages = [s.value["page"].pk for s in first.value["steps"] if s.block_type == "read"]
    assert pages[-1] == material.pk
    assert (
        template.live_revision.as_object().milestones[0].value["steps"][-1].value["page"].pk
        == material.pk
    )


def test_a_leader_drafts_a_story_and_communications_approves_it(new_page, shots, home, person):
    from content.factories import LeaderProfileFactory
    from content.models import LeaderStoryPage

    leader = person("dev@example.com", "Dev", "Mistry", groups=["Senior leaders"])
    comms = person("comms@example.com", "Cai", "Comms", groups=["Communications"])
    world = build_world(home)
    profile = LeaderProfileFactory(user=leader, name="Dev Mistry", title="Director of Operations")

    page = new_page()
    sign_in_to_admin(page, leader)
    shots(page, "leader-dashboard")
    page.goto(f"/admin/pages/add/content/leaderstorypage/{world.stories.pk}/")
    title = "The night shift that taught me to listen"
    page.get_by_label(re.compile("^Title")).fill(title)
    # A leader's stories are theirs: their own profile is the only one offered, chosen.
    expect(page.locator("select#id_leader")).to_have_value(str(profile.pk))
    expect(page.locator("select#id_leader option[value]:not([value=''])")).to_have_count(1)
    page.get_by_label(re.compile("^Pull quote")).fill("Listening is most of leading.")
    page.locator("#panel-child-content-body-section button[title='Insert a block']").first.click()
    page.get_by_role("option", name="Markdown").click()
    page.locator("#panel-child-content-body-section textarea").first.fill(
        "My first supervisor asked me **one question** a night, and waited."
    )
    shots(page, "story-drafted")
    footer_action(page, "action-submit")
    row = page.get_by_role("row").filter(has_text=title)
    expect(row.get_by_text(re.compile("in moderation", re.I))).to_be_visible()
    shots(page, "story-submitted")
    story = LeaderStoryPage.objects.get(title=title)
    assert not story.live
    assert story.current_workflow_state.status == "in_progress"

    page = new_page()
    sign_in_to_admin(page, comms)
    expect(page.get_by_text(title).first).to_be_visible()
    shots(page, "communications-dashboard")
    page.goto(f"/admin/pages/{story.pk}/edit/")
    shots(page, "story-under-review")
    page.locator("footer .w-dropdown__toggle").first.click()
    page.locator(
        "footer button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    ).click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"You approved “{title}” and it is published.")).to_be_visible()
    shots(page, "story-approved")
    story.refresh_from_db()
    assert story.live
    assert story.current_workflow_state is None

    page.goto(story.url)
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Listening is most of leading.")).to_be_visible()
    shots(page, "story-published")


def test_a_program_admin_runs_matching_and_approves_the_proposals(
    page, shots, home, person, mailoutbox
):
    from content.factories import TopicFactory
    from journeys.models import Journey
    from matching.factories import EnrollmentFactory, policy_for
    from matching.models import MatchProposal

    admin = person("programs@example.com", "Pat", "Programs", groups=["Program admins"])
    world = build_world(home)
    negotiation = TopicFactory(name="Negotiation", slug="negotiation")
    policy_for(world.program, "knowledge")
    cast = [
        ("Ada Lovelace", "mentor", 6, world.topic),
        ("Alan Turing", "mentor", 6, negotiation),
        ("Grace Hopper", "mentee", 2, world.topic),
        ("Katherine Johnson", "mentee", 2, negotiation),
    ]
    for name, role, seniority, topic in cast:
        first, last = name.split()
        EnrollmentFactory(
            program=world.program,
            user=person(f"{first.lower()}@example.com", first, last),
            role=role,
            seniority=seniority,
            **({"offers": [topic]} if role == "mentor" else {"seeks": [topic]}),
        )

    sign_in_to_admin(page, admin)
    page.get_by_role("button", name="Matching").click()
    page.get_by_role("link", name="Matching runs").click()
    shots(page, "runs")
    page.get_by_role("link", name=re.compile("Run matching")).first.click()
    expect(page.get_by_role("rowheader", name="Growing leaders")).to_be_visible()
    shots(page, "start-run")
    row = page.get_by_role("row").filter(has_text="Growing leaders")
    row.get_by_role("button", name=re.compile("Run matching")).click()
    expect(page.get_by_text("Grace Hopper").first).to_be_visible()
    page.reload()  # the run finished in the background; its page now shows the proposals
    expect(page.get_by_role("checkbox", name=re.compile("Choose Grace Hopper"))).to_be_visible()
    shots(page, "proposals")

    page.get_by_role("checkbox", name=re.compile("Choose Grace Hopper with Ada")).check()
    page.get_by_role("checkbox", name=re.compile("Choose Katherine Johnson with Alan")).check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text(re.compile("approved", re.I)).first).to_be_visible()
    shots(page, "approved")

    approved = MatchProposal.objects.filter(program=world.program, status="approved")
    assert approved.count() == 2
    assert Journey.objects.filter(program=world.program).count() == 2
    # Both sides of each pair are introduced, in the site's colours.
    assert len(mailoutbox) == 4
    assert all("#1f5f5b" in m.alternatives[0][0] for m in mailoutbox)


def test_a_program_admin_sees_only_their_programs_runs_and_enrolments(page, shots, home, person):
    from journeys.factories import ProgramPageFactory, choose_people
    from matching.factories import EnrollmentFactory, policy_for
    from matching.services.runs import execute_run, start_run

    pat = person("pat@example.com", "Pat", "Programs", groups=["Program admins"])
    sam = person("sam@example.com", "Sam", "Scoped", groups=["Program admins"])
    world = build_world(home)
    world.program.admin_groups.clear()
    choose_people(world.program, "admin", [pat])
    pilot = ProgramPageFactory(parent=home, title="Reverse mentoring pilot", admins=[sam])
    runs = {}
    for program, names in (
        (world.program, [("Ada", "Lovelace", "mentor"), ("Grace", "Hopper", "mentee")]),
        (pilot, [("Alan", "Turing", "mentor"), ("Mary", "Jackson", "mentee")]),
    ):
        for first, last, role in names:
            EnrollmentFactory(
                program=program,
                user=person(f"{first.lower()}@example.com", first, last),
                role=role,
                seniority=6 if role == "mentor" else 2,
            )
        policy_for(program, "knowledge")
        runs[program.pk] = start_run(program, pat if program == world.program else sam)
        execute_run(runs[program.pk].pk)

    sign_in_to_admin(page, sam)
    page.get_by_role("button", name="Matching").click()
    page.get_by_role("link", name="Enrolments", exact=True).click()
    expect(page.get_by_role("link", name="Mary Jackson")).to_be_visible()
    expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
    expect(page.get_by_text("Grace Hopper")).to_have_count(0)
    expect(page.get_by_text("Growing leaders")).to_have_count(0)
    shots(page, "enrolments")

    page.get_by_role("button", name="Matching").click()
    page.get_by_role("link", name="Matching runs").click()
    expect(page.get_by_role("link", name=re.compile("Reverse mentoring pilot, "))).to_be_visible()
    expect(page.get_by_text("Growing leaders")).to_have_count(0)
    shots(page, "runs")

    response = page.goto(f"/admin/matching/runs/{runs[world.program.pk].pk}/")
    assert response.status == 404
    shots(page, "another-programs-run")
