"""Every change shows on the next page view.

Each test views the member's pages first, twice (the first view sets the CSRF
cookie, so anything that could be kept from the second is kept), makes a
change the way it is really made (the admin's own views, the partner's own
actions), and views the pages again: the journey page, the milestone page and
"My mentoring" must show the new truth, on the very next request.
"""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    MaterialPageFactory,
    TopicFactory,
    markdown_body,
)
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import Goal, JourneyStatus, MemberRole
from journeys.services.starting import start_journey
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchProposal, ProposalStatus
from tests.journeys.upgrades import preview_form, upgrade_url

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
MY_MENTORING = "journeys:my_mentoring"


# The scene ------------------------------------------------------------------------------


@pytest.fixture
def topic(db):
    return TopicFactory(name="Negotiation", slug="negotiation")


@pytest.fixture
def material(library):
    return MaterialPageFactory(
        parent=library,
        title="Listening well",
        summary="How to listen so the other person feels heard.",
        body=markdown_body("The art of **listening deeply** to a colleague."),
    )


@pytest.fixture
def guide(library):
    return MaterialPageFactory(
        parent=library,
        title="First conversation guide",
        body=markdown_body("Ask each other: what brought you here?"),
    )


@pytest.fixture
def leader(db):
    return LeaderProfileFactory(name="Amara Okafor")


@pytest.fixture
def story(stories, leader):
    return LeaderStoryPageFactory(
        parent=stories,
        title="The mentor who believed in me",
        leader=leader,
        body=[("paragraph", "<p>Amara tells how a mentor changed her path.</p>")],
    )


@pytest.fixture
def template(program, topic, material, guide, story):
    """A template whose first milestone is on a track the journey does not take (yet)."""
    page = JourneyPageFactory(
        parent=program,
        title="Growing together",
        milestones=[
            milestone(
                "Negotiating well",
                "negotiation",
                [step("checklist", {"text": "Practise a pitch"}, block_id="s-pitch")],
                track=topic.pk,
                block_id="m-neg",
            ),
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("read", {"page": material.pk, "note": ""}, block_id="s-read"),
                    step("reflect", {"prompt": "What do you hope for?", "guidance": ""}, "s-ref"),
                    step(
                        "meet",
                        {"purpose": "Meet for coffee", "discussion_guide": guide.pk},
                        "s-meet",
                    ),
                    step("set_goals", block_id="s-goals"),
                    step("checklist", {"text": "Book a recurring slot"}, block_id="s-slot"),
                ],
                block_id="m-start",
            ),
            milestone(
                "A story to share",
                "story",
                [step("read", {"page": story.pk, "note": ""}, block_id="s-story")],
                block_id="m-story",
            ),
            milestone(
                "Looking back",
                "back",
                [step("review_goals", block_id="s-review"), step("checklist", block_id="s-done")],
                opens=30,
                prerequisites="start",
                block_id="m-back",
            ),
        ],
    )
    program.default_pair_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def mentor(user_factory):
    return user_factory(email="olu@example.com", first_name="Olu", last_name="Oldmentor")


@pytest.fixture
def mentee(user_factory):
    return user_factory(email="mia@example.com", first_name="Mia", last_name="Mentee")


@pytest.fixture
def journey(program, template, mentor, mentee):
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=TODAY() - datetime.timedelta(days=2),
        template=template,
    )


@pytest.fixture
def admin(user_factory):
    return user_factory(email="admin@example.com", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client_factory, admin):
    return client_factory(admin)


@pytest.fixture
def client_factory():
    """A separate browser for each person, signed in."""
    from django.test import Client

    def make(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return make


@pytest.fixture
def mentees_browser(client_factory, mentee):
    return client_factory(mentee)


@pytest.fixture
def mentors_browser(client_factory, mentor):
    return client_factory(mentor)


# Reading the pages ----------------------------------------------------------------------


def journey_url(journey):
    return reverse("journeys:journey", args=[journey.uuid])


def milestone_url(journey, milestone_id):
    return reverse("journeys:milestone", args=[journey.uuid, milestone_id])


def visible_text(html):
    """The page's words as a reader meets them (scripts, styles and hidden fields left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input type="hidden"[^>]*>', " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def view(browser, url):
    """A page as the member sees it now: (status, visible text)."""
    response = browser.get(url)
    return response.status_code, visible_text(response.content.decode())


def seen(browser, *urls):
    """View each page twice, as a member going back and forth would, and return the last texts."""
    texts = []
    for url in urls:
        browser.get(url)
        status, text = view(browser, url)
        assert status == 200, url
        texts.append(text)
    return texts


def pages(journey, milestone_id="m-start"):
    return journey_url(journey), milestone_url(journey, milestone_id), reverse(MY_MENTORING)


def chips(html):
    return re.findall(r'<p class="chip">\s*([^<]+?)\s*</p>', html) + re.findall(
        r'<span class="chip">\s*([^<]+?)\s*</span>', html
    )


# The admin changes a journey ------------------------------------------------------------


def edit_journey(admin_client, journey, status, tracks=()):
    response = admin_client.post(
        reverse("journeys_admin:edit", args=[journey.pk]),
        {"status": status, "tracks": [t.pk for t in tracks]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_journey_paused_in_the_admin_shows_as_paused_at_once(
    mentees_browser, admin_client, journey
):
    journey_page, _milestone, my_mentoring = pages(journey)
    before = [mentees_browser.get(u) for u in (journey_page, my_mentoring)]
    seen(mentees_browser, journey_page, my_mentoring)
    assert all("Paused" not in chips(r.content.decode()) for r in before)

    edit_journey(admin_client, journey, JourneyStatus.PAUSED)

    for url in (journey_page, my_mentoring):
        assert "Paused" in chips(mentees_browser.get(url).content.decode()), url


def test_a_journey_closed_in_the_admin_shows_as_closed_at_once(
    mentees_browser, admin_client, journey
):
    seen(mentees_browser, journey_url(journey), reverse(MY_MENTORING))

    edit_journey(admin_client, journey, JourneyStatus.CLOSED)

    for url in (journey_url(journey), reverse(MY_MENTORING)):
        assert "Closed" in chips(mentees_browser.get(url).content.decode()), url


def test_a_track_added_in_the_admin_brings_its_milestone_in_at_once(
    mentees_browser, admin_client, journey, topic
):
    journey_page, track_milestone, my_mentoring = pages(journey, "m-neg")
    before_journey, before_milestone, before_mine = seen(
        mentees_browser, journey_page, track_milestone, my_mentoring
    )
    assert "Negotiating well" not in before_journey
    assert "This milestone is not part of your journey" in before_milestone
    assert "Practise a pitch" not in before_mine

    edit_journey(admin_client, journey, JourneyStatus.ACTIVE, tracks=[topic])

    assert "Negotiating well" in view(mentees_browser, journey_page)[1]
    milestone_text = view(mentees_browser, track_milestone)[1]
    assert "This milestone is not part of your journey" not in milestone_text
    assert "Mark as done" in milestone_text
    mine = view(mentees_browser, my_mentoring)[1]
    assert "Practise a pitch" in mine and "In “Negotiating well”" in mine


def test_a_track_removed_in_the_admin_takes_its_milestone_out_at_once(
    mentees_browser, admin_client, journey, topic
):
    journey.tracks.add(topic)
    journey_page, track_milestone, my_mentoring = pages(journey, "m-neg")
    before_journey, _before_milestone, before_mine = seen(
        mentees_browser, journey_page, track_milestone, my_mentoring
    )
    assert "Negotiating well" in before_journey and "Practise a pitch" in before_mine

    edit_journey(admin_client, journey, JourneyStatus.ACTIVE, tracks=[])

    assert "Negotiating well" not in view(mentees_browser, journey_page)[1]
    assert (
        "This milestone is not part of your journey" in view(mentees_browser, track_milestone)[1]
    )
    assert "Practise a pitch" not in view(mentees_browser, my_mentoring)[1]


# People come and go ---------------------------------------------------------------------


def partner_has_shared_and_met(mentors_browser, journey):
    """The mentor shares a reflection and logs a meeting, through the pages."""
    response = mentors_browser.post(
        reverse("journeys:save_reflection", args=[journey.uuid, "m-start", "s-ref"]),
        {"text": "I hope we laugh a lot.", "shared": "on", "version": ""},
    )
    assert response.status_code == 302
    response = mentors_browser.post(
        reverse("journeys:log_meeting", args=[journey.uuid]),
        {
            "held_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "duration_minutes": "45",
            "notes": "",
            "agreed_actions": "",
        },
    )
    assert response.status_code == 302


def test_a_deactivated_member_loses_their_pages_at_once(
    mentees_browser, admin_client, journey, mentee
):
    seen(mentees_browser, *pages(journey))

    edit_form = admin_client.get(reverse("wagtailusers_users:edit", args=[mentee.pk]))
    assert edit_form.status_code == 200
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[mentee.pk]),
        {
            "email": mentee.email,
            "first_name": mentee.first_name,
            "last_name": mentee.last_name,
            "password1": "",
            "password2": "",
            "is_superuser": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    mentee.refresh_from_db()
    assert not mentee.is_active

    # Signed out at once: every page of theirs sends them to sign in, which refuses them.
    for url in pages(journey):
        response = mentees_browser.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_deleted_member_and_what_they_shared_are_gone_from_their_partners_pages(
    mentees_browser, mentors_browser, admin_client, journey, mentor
):
    partner_has_shared_and_met(mentors_browser, journey)
    journey_page, milestone_page, my_mentoring = pages(journey)
    before_journey, before_milestone, before_mine = seen(
        mentees_browser, journey_page, milestone_page, my_mentoring
    )
    assert "Olu Oldmentor" in before_journey and "45 minutes" in before_journey
    assert "I hope we laugh a lot." in before_milestone
    assert "Olu Oldmentor" in before_mine

    response = admin_client.post(reverse("wagtailusers_users:delete", args=[mentor.pk]))
    assert response.status_code == 302

    after_journey = view(mentees_browser, journey_page)[1]
    assert "Olu Oldmentor" not in after_journey and "45 minutes" not in after_journey
    after_milestone = view(mentees_browser, milestone_page)[1]
    assert "Olu Oldmentor" not in after_milestone
    assert "I hope we laugh a lot." not in after_milestone
    after_mine = view(mentees_browser, my_mentoring)[1]
    assert "Olu Oldmentor" not in after_mine and "nobody yet" in after_mine


@pytest.fixture
def match(program, journey, mentor, mentee):
    """The approved match the journey was started for."""
    policy_for(program, "knowledge")
    proposal = MatchProposal.objects.create(
        program=program,
        mentee=EnrollmentFactory(program=program, user=mentee, role="mentee", status="matched"),
        mentor=EnrollmentFactory(
            program=program, user=mentor, role="mentor", seniority=6, status="matched"
        ),
        score=1.0,
        status=ProposalStatus.APPROVED,
        journey=journey,
        decided_at=timezone.now(),
    )
    return proposal


def test_a_rematched_journey_shows_the_new_mentor_at_once(
    client_factory, mentees_browser, mentors_browser, admin_client, journey, match, user_factory
):
    newcomer = user_factory(email="nia@example.com", first_name="Nia", last_name="Newmentor")
    new_enrollment = EnrollmentFactory(
        program=journey.program, user=newcomer, role="mentor", seniority=6, capacity=2
    )
    journey_page, milestone_page, my_mentoring = pages(journey)
    before_journey, _milestone, before_mine = seen(
        mentees_browser, journey_page, milestone_page, my_mentoring
    )
    assert "Olu Oldmentor" in before_journey and "Olu Oldmentor" in before_mine
    seen(mentors_browser, journey_page, milestone_page, my_mentoring)

    response = admin_client.post(
        reverse("matching_rematch", args=[match.pk]),
        {"leaving": "mentor", "new_partner": new_enrollment.pk, "reason": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    for url in (journey_page, my_mentoring):
        text = view(mentees_browser, url)[1]
        assert "Nia Newmentor" in text and "Olu Oldmentor" not in text, url
    assert mentors_browser.get(journey_page).status_code == 404
    assert mentors_browser.get(milestone_page).status_code == 404
    assert "Growing together" not in view(mentors_browser, my_mentoring)[1]
    newcomers_browser = client_factory(newcomer)
    status, text = view(newcomers_browser, milestone_page)
    assert status == 200 and "Save reflection" in text


# The template moves on ------------------------------------------------------------------


def publish_new_revision(template):
    """Rename the first milestone everyone walks and add one at the end."""
    blocks = []
    for child in template.milestones:
        value = child.block.get_prep_value(child.value)
        if child.id == "m-start":
            value["title"] = "Meeting for the first time"
        blocks.append({"type": "milestone", "id": child.id, "value": value})
    blocks.append(
        milestone(
            "A fresh start",
            "fresh",
            [step("checklist", {"text": "Say hello"})],
            block_id="m-fresh",
        )
    )
    template.milestones = blocks
    template.save_revision().publish()


def test_an_upgraded_journey_shows_the_new_revision_at_once(
    mentees_browser, admin_client, journey, template
):
    journey_page, milestone_page, my_mentoring = pages(journey)
    before_journey, before_milestone, before_mine = seen(
        mentees_browser, journey_page, milestone_page, my_mentoring
    )
    assert "Getting to know each other" in before_journey + before_milestone + before_mine
    assert mentees_browser.get(milestone_url(journey, "m-fresh")).status_code == 404
    publish_new_revision(template)

    url = upgrade_url(journey)
    response = admin_client.post(url, preview_form(admin_client.get(url)))
    assert response.status_code == 302

    after_journey = view(mentees_browser, journey_page)[1]
    assert "Meeting for the first time" in after_journey and "A fresh start" in after_journey
    assert "Meeting for the first time" in view(mentees_browser, milestone_page)[1]
    assert "In “Meeting for the first time”" in view(mentees_browser, my_mentoring)[1]
    assert mentees_browser.get(milestone_url(journey, "m-fresh")).status_code == 200


def test_a_renamed_journey_template_shows_its_new_name_at_once(mentees_browser, journey, template):
    urls = pages(journey)
    assert all("Growing together" in text for text in seen(mentees_browser, *urls))

    template.title = "Growing side by side"
    template.save_revision().publish()

    for url in urls:
        text = view(mentees_browser, url)[1]
        assert "Growing side by side" in text and "Growing together" not in text, url


# The library changes --------------------------------------------------------------------


def page_edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def publish_material(admin_client, material, title, text):
    form = nested_form_data(
        {
            "title": title,
            "slug": slugify(material.title),
            "summary": material.summary,
            "kind": material.kind,
            "audience": material.audience,
            "estimated_minutes": str(material.estimated_minutes),
            "body": streamfield([("markdown", text)]),
            "comments": inline_formset([]),
        }
    )
    form["action-publish"] = "1"
    response = admin_client.post(page_edit_url(material), form)
    assert response.status_code == 302, response.content.decode()[:3000]


def publish_story(admin_client, story, text):
    form = nested_form_data(
        {
            "title": story.title,
            "slug": story.slug,
            "leader": story.leader_id,
            "pull_quote": story.pull_quote,
            "video": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))]),
            "comments": inline_formset([]),
        }
    )
    form["action-publish"] = "1"
    response = admin_client.post(page_edit_url(story), form)
    assert response.status_code == 302, response.content.decode()[:3000]


def unpublish(admin_client, page):
    response = admin_client.post(reverse("wagtailadmin_pages:unpublish", args=[page.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live


def test_a_material_republished_shows_its_new_words_at_once(
    mentees_browser, admin_client, journey, material
):
    _journey, milestone_page, my_mentoring = pages(journey)
    before_milestone, before_mine = seen(mentees_browser, milestone_page, my_mentoring)
    assert "listening deeply" in before_milestone and "Listening well" in before_mine

    publish_material(admin_client, material, "Listening, properly", "Freshly rewritten advice.")

    after = view(mentees_browser, milestone_page)[1]
    assert "Freshly rewritten advice." in after and "listening deeply" not in after
    assert "Listening, properly" in after
    mine = view(mentees_browser, my_mentoring)[1]
    assert "Listening, properly" in mine and "Listening well" not in mine


def test_an_unpublished_material_is_gone_at_once(mentees_browser, admin_client, journey, material):
    _journey, milestone_page, my_mentoring = pages(journey)
    seen(mentees_browser, milestone_page, my_mentoring)

    unpublish(admin_client, material)

    after = view(mentees_browser, milestone_page)[1]
    assert "listening deeply" not in after
    assert "This material is not available at the moment." in after
    assert "Listening well" not in view(mentees_browser, my_mentoring)[1]


def test_a_story_republished_shows_its_new_words_at_once(
    mentees_browser, admin_client, journey, story
):
    (milestone_page,) = (milestone_url(journey, "m-story"),)
    (before,) = seen(mentees_browser, milestone_page)
    assert "Amara tells how a mentor changed her path." in before

    publish_story(admin_client, story, "Amara tells it again, in her own words.")

    after = view(mentees_browser, milestone_page)[1]
    assert "Amara tells it again, in her own words." in after
    assert "Amara tells how a mentor changed her path." not in after


def test_an_unpublished_story_is_gone_at_once(mentees_browser, admin_client, journey, story):
    milestone_page = milestone_url(journey, "m-story")
    seen(mentees_browser, milestone_page)

    unpublish(admin_client, story)

    after = view(mentees_browser, milestone_page)[1]
    assert "Amara tells how a mentor changed her path." not in after
    assert "This material is not available at the moment." in after


# The look changes -----------------------------------------------------------------------


def theme_form(**changes):
    return {
        "preset": "harbour",
        "brand_name": "",
        "logo": "",
        "primary": "",
        "accent": "",
        "background": "",
        "surface": "",
        "text": "",
        "font": "",
        "corner_radius": "",
        "email_header": "",
        "email_footer": "",
        **changes,
    }


def primary_colour(html):
    style = re.search(r'<style id="theme-tokens"[^>]*>(.*?)</style>', html, re.S).group(1)
    return re.search(r"--color-primary:([^;]+);", style).group(1)


def test_a_saved_theme_restyles_every_page_at_once(mentees_browser, admin_client, journey):
    site = Site.objects.get(is_default_site=True)
    edit = reverse("wagtailsettings:edit", args=["themes", "themesettings", site.pk])
    response = admin_client.post(edit, theme_form(preset="lantern", primary="#5b2a86"))
    assert response.status_code == 302
    urls = pages(journey)
    seen(mentees_browser, *urls)
    assert {primary_colour(mentees_browser.get(u).content.decode()) for u in urls} == {"#5b2a86"}

    response = admin_client.post(edit, theme_form(preset="lantern", primary="#1f3f7a"))
    assert response.status_code == 302

    for url in urls:
        assert primary_colour(mentees_browser.get(url).content.decode()) == "#1f3f7a", url


def test_a_site_added_in_another_process_takes_its_host_at_once(
    mentees_browser, admin_client, journey, web_process
):
    """Without Redis each process has its own cache: which site a host is must not be kept."""
    from wagtail.models import Page

    from cms.models import HomePage

    elsewhere = HomePage(title="Cold Chain mentoring", slug="cold-chain")
    Page.get_first_root_node().add_child(instance=elsewhere)
    journey_page, milestone_page, my_mentoring = pages(journey)
    web_process("web-1")
    for url in (journey_page, milestone_page, my_mentoring):
        for _ in range(2):
            assert mentees_browser.get(url, HTTP_HOST="127.0.0.1").status_code == 200
    assert "Growing together" in view(mentees_browser, my_mentoring)[1]

    web_process("web-2")
    response = admin_client.post(
        reverse("wagtailsites:add"),
        {
            "hostname": "127.0.0.1",
            "port": "80",
            "site_name": "Cold Chain",
            "root_page": elsewhere.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors

    web_process("web-1")
    assert mentees_browser.get(journey_page, HTTP_HOST="127.0.0.1").status_code == 404
    assert mentees_browser.get(milestone_page, HTTP_HOST="127.0.0.1").status_code == 404
    response = mentees_browser.get(my_mentoring, HTTP_HOST="127.0.0.1")
    assert "Growing together" not in visible_text(response.content.decode())
    assert mentees_browser.get(journey_page).status_code == 200  # still there on its own site


# The partner acts -----------------------------------------------------------------------


def share(browser, journey, text, shared, version):
    response = browser.post(
        reverse("journeys:save_reflection", args=[journey.uuid, "m-start", "s-ref"]),
        {"text": text, "shared": "on" if shared else "", "version": version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["version"]


def test_a_reflection_the_partner_shares_and_unshares_shows_and_goes_at_once(
    mentees_browser, mentors_browser, journey
):
    milestone_page = milestone_url(journey, "m-start")
    version = share(mentors_browser, journey, "I hope we laugh a lot.", False, "")
    (before,) = seen(mentees_browser, milestone_page)
    assert "I hope we laugh a lot." not in before

    version = share(mentors_browser, journey, "I hope we laugh a lot.", True, version)
    shared = view(mentees_browser, milestone_page)[1]
    assert "Olu Oldmentor shared this" in shared and "I hope we laugh a lot." in shared

    share(mentors_browser, journey, "I hope we laugh a lot.", False, version)
    unshared = view(mentees_browser, milestone_page)[1]
    assert "I hope we laugh a lot." not in unshared


def goal_status_chosen(html, goal):
    """The status selected in a goal's form (the journey page) or on its chip (milestones)."""
    item = re.search(rf'<li class="goal goal--(\w+)" id="goal-{goal.uuid}">', html)
    return item.group(1) if item else None


def test_a_goal_the_partner_sets_and_updates_shows_at_once(
    mentees_browser, mentors_browser, journey
):
    journey_page, milestone_page, _mine = pages(journey)
    before_journey, before_milestone = seen(mentees_browser, journey_page, milestone_page)
    assert "Run the retrospective" not in before_journey + before_milestone

    response = mentors_browser.post(
        reverse("journeys:set_goal", args=[journey.uuid]), {"text": "Run the retrospective"}
    )
    assert response.status_code == 302
    goal = Goal.objects.get(text="Run the retrospective")
    for url in (journey_page, milestone_page):
        html = mentees_browser.get(url).content.decode()
        assert "Olu Oldmentor’s goal" in visible_text(html), url
        assert goal_status_chosen(html, goal) == "open", url

    response = mentors_browser.post(
        reverse("journeys:update_goal", args=[journey.uuid, goal.uuid]), {"status": "achieved"}
    )
    assert response.status_code == 302
    for url in (journey_page, milestone_page):
        assert goal_status_chosen(mentees_browser.get(url).content.decode(), goal) == "achieved"


def meet_step_done(html):
    classes = re.search(r'<li class="step step--meet([^"]*)" id="step-s-meet">', html).group(1)
    return "step--done" in classes


def test_a_meeting_the_partner_logs_shows_at_once(mentees_browser, mentors_browser, journey):
    journey_page, milestone_page, my_mentoring = pages(journey)
    before_journey, _milestone, before_mine = seen(
        mentees_browser, journey_page, milestone_page, my_mentoring
    )
    assert "No meetings logged yet." in before_journey
    assert not meet_step_done(mentees_browser.get(milestone_page).content.decode())

    response = mentors_browser.post(
        reverse("journeys:log_meeting", args=[journey.uuid]),
        {
            "held_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "duration_minutes": "50",
            "notes": "",
            "agreed_actions": "",
            "milestone_id": "m-start",
            "step_id": "s-meet",
        },
    )
    assert response.status_code == 302

    after_journey = view(mentees_browser, journey_page)[1]
    assert "No meetings logged yet." not in after_journey and "50 minutes" in after_journey
    assert "1 of 5 steps done by you" in after_journey
    assert meet_step_done(mentees_browser.get(milestone_page).content.decode())
    assert view(mentees_browser, my_mentoring)[1] != before_mine
