"""The leader story review: a leader drafts and submits, communications decides."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils.text import slugify
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.factories import LeaderProfileFactory, LeaderStoryPageFactory
from content.models import LeaderStoryPage
from content.permissions import COMMUNICATIONS, SENIOR_LEADERS, STORY_REVIEW_TASK


def story_form(profile, title="How a mentor changed my path", action=None):
    """The page editor's form as the browser posts it, optionally with an action button."""
    data = nested_form_data(
        {
            "title": title,
            "slug": slugify(title),
            "leader": profile.pk,
            "pull_quote": "Someone believed in me before I did.",
            "body": streamfield([("paragraph", rich_text("<p>It started with a question.</p>"))]),
            "comments": inline_formset([]),
        }
    )
    if action:
        data[f"action-{action}"] = "1"
    return data


def assert_refused(response):
    """Wagtail refuses with a redirect to the admin home and a message, or a 403."""
    if response.status_code == 403:
        return
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("wagtailadmin_home")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("permission" in m for m in messages), messages


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def workflow_action_url(page, action):
    task_state = page.current_workflow_task_state
    return reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])


@pytest.fixture
def leader(user_factory):
    return user_factory(email="ada@example.com", groups=[SENIOR_LEADERS])


@pytest.fixture
def profile(leader):
    return LeaderProfileFactory(user=leader, name="Ada Lovelace")


@pytest.fixture
def communications(user_factory):
    return user_factory(email="comms@example.com", groups=[COMMUNICATIONS])


@pytest.fixture
def draft(stories, leader, profile):
    return LeaderStoryPageFactory(
        parent=stories, leader=profile, owner=leader, live=False, title="My first manager"
    )


@pytest.fixture
def submitted(client, leader, profile, draft):
    """The leader's draft, submitted for review through the page editor."""
    client.force_login(leader)
    response = client.post(edit_url(draft), story_form(profile, draft.title, action="submit"))
    assert response.status_code == 302
    draft.refresh_from_db()
    client.logout()
    mail.outbox.clear()
    return draft


# Writing


def test_a_leader_can_open_the_new_story_form_under_the_stories_index(client, leader, stories):
    client.force_login(leader)

    response = client.get(
        reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])
    )

    assert response.status_code == 200


def test_a_leader_creates_a_draft_story_that_they_own(client, leader, profile, stories):
    client.force_login(leader)
    url = reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])

    response = client.post(url, story_form(profile))

    story = LeaderStoryPage.objects.get(title="How a mentor changed my path")
    assert response.status_code == 302
    assert response["Location"] == edit_url(story)
    assert story.owner == leader
    assert story.leader == profile
    assert not story.live


def test_a_leader_cannot_credit_a_new_story_to_another_leader(client, leader, profile, stories):
    someone_else = LeaderProfileFactory(name="Grace Hopper")
    client.force_login(leader)
    url = reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])

    response = client.post(url, story_form(someone_else, "Not my story to tell"))

    assert response.status_code == 200
    assert "Choose your own leader profile" in response.content.decode()
    assert not LeaderStoryPage.objects.filter(title="Not my story to tell").exists()


def test_communications_can_credit_a_story_to_any_leader(client, communications, stories):
    someone = LeaderProfileFactory(name="Grace Hopper")
    client.force_login(communications)
    url = reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])

    response = client.post(url, story_form(someone, "Grace on mentoring"))

    assert response.status_code == 302
    assert LeaderStoryPage.objects.get(title="Grace on mentoring").leader == someone


def test_a_leader_can_edit_their_own_draft_story(client, leader, profile, draft):
    client.force_login(leader)

    assert client.get(edit_url(draft)).status_code == 200
    response = client.post(edit_url(draft), story_form(profile, "My first manager, revisited"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.get_latest_revision_as_object().title == "My first manager, revisited"


def test_a_leader_cannot_open_another_leaders_story(client, stories, user_factory, draft):
    intruder = user_factory(groups=[SENIOR_LEADERS])
    LeaderProfileFactory(user=intruder)
    client.force_login(intruder)

    assert_refused(client.get(edit_url(draft)))


def test_a_leader_cannot_save_over_another_leaders_story(
    client, stories, user_factory, profile, draft
):
    intruder = user_factory(groups=[SENIOR_LEADERS])
    client.force_login(intruder)

    response = client.post(edit_url(draft), story_form(profile, "Rewritten by someone else"))

    assert_refused(response)
    draft.refresh_from_db()
    assert draft.get_latest_revision_as_object().title == "My first manager"


def test_a_leader_is_offered_submit_for_review_but_not_publish(client, leader, draft):
    client.force_login(leader)

    html = client.get(edit_url(draft)).content.decode()

    assert 'name="action-submit"' in html
    assert 'name="action-publish"' not in html


def test_a_leaders_publish_attempt_leaves_the_story_a_draft(client, leader, profile, draft):
    client.force_login(leader)

    client.post(edit_url(draft), story_form(profile, draft.title, action="publish"))

    draft.refresh_from_db()
    assert not draft.live
    assert not LeaderStoryPage.objects.live().filter(pk=draft.pk).exists()


# Review


def test_submitting_puts_the_story_in_review_with_communications(
    client, leader, profile, communications, draft
):
    client.force_login(leader)

    client.post(edit_url(draft), story_form(profile, draft.title, action="submit"))

    draft.refresh_from_db()
    state = draft.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == STORY_REVIEW_TASK
    assert not draft.live
    assert [m.to for m in mail.outbox] == [[communications.email]]


def test_a_leader_cannot_approve_their_own_story(client, leader, submitted):
    client.force_login(leader)

    response = client.post(workflow_action_url(submitted, "approve"), {"comment": ""})

    assert_refused(response)
    submitted.refresh_from_db()
    assert not submitted.live
    assert submitted.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_communications_approval_publishes_the_story(client, communications, submitted):
    client.force_login(communications)

    response = client.post(workflow_action_url(submitted, "approve"), {"comment": "Lovely."})

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.live
    assert submitted.current_workflow_state is None
    assert submitted.workflow_states.get().status == WorkflowState.STATUS_APPROVED


def test_requesting_changes_keeps_the_story_a_draft_and_emails_the_leader(
    client, leader, communications, submitted
):
    client.force_login(communications)

    response = client.post(
        workflow_action_url(submitted, "reject"), {"comment": "Could you add a photo?"}
    )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert not submitted.live
    assert submitted.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert [m.to for m in mail.outbox] == [[leader.email]]
    assert submitted.title in mail.outbox[0].subject


def test_a_leader_can_resubmit_after_changes_were_requested(
    client, leader, profile, communications, submitted
):
    client.force_login(communications)
    client.post(workflow_action_url(submitted, "reject"), {"comment": "Shorter, please."})
    client.force_login(leader)

    client.post(
        edit_url(submitted), story_form(profile, "My first manager (short)", action="submit")
    )

    submitted.refresh_from_db()
    assert submitted.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert not submitted.live


def test_communications_can_edit_and_publish_any_leaders_story(
    client, communications, profile, draft
):
    client.force_login(communications)

    assert client.get(edit_url(draft)).status_code == 200
    client.post(edit_url(draft), story_form(profile, draft.title, action="publish"))

    draft.refresh_from_db()
    assert draft.live
