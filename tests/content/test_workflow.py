"""The leader story review: a leader drafts and submits, communications decides."""

import re

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


def test_a_pages_history_is_offered_only_to_who_may_open_it(
    client, stories, user_factory, leader, draft
):
    history = reverse("wagtailadmin_pages:history", args=[draft.pk])
    listing = reverse("wagtailadmin_explore", args=[stories.pk])
    intruder = user_factory(groups=[SENIOR_LEADERS])
    LeaderProfileFactory(user=intruder)

    client.force_login(intruder)
    assert history not in client.get(listing).content.decode()
    assert_refused(client.get(history))

    client.force_login(leader)
    assert history in client.get(listing).content.decode()
    assert client.get(history).status_code == 200


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


# Crediting a story: a leader's own profile only


def add_url(stories):
    return reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk])


def test_a_leader_is_offered_only_their_own_profile_already_chosen(
    client, leader, profile, stories
):
    LeaderProfileFactory(name="Grace Hopper")
    client.force_login(leader)

    html = client.get(add_url(stories)).content.decode()

    select = re.search(r'<select name="leader".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(profile.pk)]
    assert f'<option value="{profile.pk}" selected>Ada Lovelace</option>' in select
    assert "Grace Hopper" not in select


def test_communications_choose_any_leader_with_the_chooser(client, communications, stories):
    client.force_login(communications)

    html = client.get(add_url(stories)).content.decode()

    assert '<select name="leader"' not in html
    assert "/admin/snippets/choose/content/leaderprofile/" in html


def test_a_leader_without_a_profile_is_told_to_ask_for_one(client, leader, stories):
    client.force_login(leader)

    html = client.get(add_url(stories)).content.decode()

    assert "No leader profile is linked to your account yet" in html


def test_a_leader_cannot_move_their_story_to_another_leader_when_editing(
    client, leader, profile, draft
):
    someone_else = LeaderProfileFactory(name="Grace Hopper")
    client.force_login(leader)

    response = client.post(edit_url(draft), story_form(someone_else, draft.title))

    assert response.status_code == 200
    assert "Choose your own leader profile" in response.content.decode()
    draft.refresh_from_db()
    assert draft.get_latest_revision_as_object().leader == profile


# "Edit" only where the leader can edit


def listing_url(stories):
    return reverse("wagtailadmin_explore", args=[stories.pk])


def test_a_story_in_review_offers_its_leader_no_edit_in_the_listing(
    client, leader, communications, submitted, stories
):
    edit_with_next = f'href="{edit_url(submitted)}?next='
    client.force_login(leader)
    assert edit_with_next not in client.get(listing_url(stories)).content.decode()

    client.force_login(communications)
    assert edit_with_next in client.get(listing_url(stories)).content.decode()


def test_a_leader_is_offered_edit_on_their_draft_again_once_changes_are_requested(
    client, leader, communications, submitted, stories
):
    client.force_login(communications)
    client.post(workflow_action_url(submitted, "reject"), {"comment": "Shorter, please."})
    client.force_login(leader)

    assert (
        f'href="{edit_url(submitted)}?next=' in client.get(listing_url(stories)).content.decode()
    )


# The reviewer's comment, the emails, and what each action says


def request_changes(client, communications, story, comment):
    client.force_login(communications)
    return client.post(workflow_action_url(story, "reject"), {"comment": comment})


def test_the_reviewers_comment_shows_at_the_top_of_the_story_editor(
    client, leader, communications, submitted
):
    request_changes(client, communications, submitted, "Could you add <b>a photo</b>?\nThanks!")
    client.force_login(leader)

    html = client.get(edit_url(submitted)).content.decode()

    comment = re.search(r"<blockquote[^>]*data-review-comment[^>]*>(.*?)</blockquote>", html, re.S)
    assert comment.group(1) == "Could you add &lt;b&gt;a photo&lt;/b&gt;?<br>Thanks!"
    assert "comms@example.com asked for changes on" in html
    assert "<b>a photo</b>" not in html


def test_no_comment_panel_shows_before_review_or_while_in_review(client, leader, draft, submitted):
    client.force_login(leader)

    assert "data-review-comment" not in client.get(edit_url(submitted)).content.decode()


def test_the_email_asking_for_changes_says_so_and_never_rejected(
    client, leader, communications, submitted
):
    request_changes(client, communications, submitted, "Could you add <b>Ada's</b> photo?")

    (email,) = mail.outbox
    assert email.to == [leader.email]
    assert email.subject == "Changes requested: “My first manager”"
    assert "rejected" not in (email.subject + email.body).lower()
    assert "asked for changes" in email.body
    # Plain text: the comment and title as typed, nothing escaped for HTML.
    assert "Could you add <b>Ada's</b> photo?" in email.body
    assert "&lt;" not in email.body and "&#x27;" not in email.body
    assert edit_url(submitted) in email.body


def test_requesting_changes_says_what_happened_and_who_is_told(
    client, leader, communications, submitted
):
    response = request_changes(client, communications, submitted, "Shorter, please.")

    assert [str(m).strip() for m in get_messages(response.wsgi_request)] == [
        "You asked for changes to “My first manager”: it stays a draft, back with its author "
        "to change and submit again. ada@example.com is emailed, with your comment."
    ]


def test_approving_says_the_story_is_published_and_who_is_told(client, communications, submitted):
    client.force_login(communications)

    response = client.post(workflow_action_url(submitted, "approve"), {"comment": ""})

    assert [str(m).strip() for m in get_messages(response.wsgi_request)] == [
        "You approved “My first manager” and it is published. ada@example.com is emailed."
    ]


def editor_approval(story, profile):
    """The page editor's form for ``story`` with its "Approve" button at the foot pressed."""
    data = story_form(profile, story.title)
    data.update(
        {
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
            "workflow-action-extra-data": "{}",
        }
    )
    return data


def test_approving_from_the_editor_says_what_happened_too(
    client, communications, profile, submitted, settings
):
    # The form re-posts the story's body, which Wagtail would count as a change.
    settings.WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = False
    client.force_login(communications)

    response = client.post(edit_url(submitted), editor_approval(submitted, profile))

    submitted.refresh_from_db()
    assert submitted.live
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "You approved “My first manager” and it is published. ada@example.com is emailed." in m
        for m in messages
    ), messages


def test_approving_a_story_one_also_changed_says_it_goes_round_again(
    client, communications, profile, submitted, user_factory
):
    user_factory(email="other.reviewer@example.com", groups=[COMMUNICATIONS])
    client.force_login(communications)

    response = client.post(edit_url(submitted), editor_approval(submitted, profile))

    submitted.refresh_from_db()
    assert not submitted.live
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "You approved “My first manager”; it now waits for “Communications approval”. "
        "other.reviewer@example.com is emailed to review it." in m
        for m in messages
    ), messages
