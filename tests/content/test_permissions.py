"""What senior leaders and communications may do in the admin, proved through its views."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.models import (
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowState,
)

from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    MaterialPageFactory,
    StoriesIndexPageFactory,
    TopicFactory,
)
from content.models import LeaderProfile
from content.permissions import (
    COMMUNICATIONS,
    SENIOR_LEADERS,
    STORY_REVIEW_TASK,
    STORY_REVIEW_WORKFLOW,
    attach_story_review,
)

ADMIN_HOME = "/admin/"


def profile_edit_url(profile):
    return reverse("wagtailsnippets_content_leaderprofile:edit", args=[profile.pk])


def profile_form(profile, **changes):
    return {"name": profile.name, "title": profile.title, "bio": profile.bio, **changes}


def assert_refused(response):
    """Wagtail refuses admin areas with a redirect home and a message, or a 403."""
    if response.status_code == 403:
        return
    assert response.status_code == 302, response.status_code
    assert response["Location"] == ADMIN_HOME
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("permission" in m for m in messages), messages


def main_menu_labels(response):
    """The labels of the sidebar's main menu, including submenu entries."""
    props = re.search(
        r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', response.content.decode(), re.S
    )
    return set(re.findall(r'"label": "([^"]+)"', json.dumps(json.loads(props.group(1)))))


@pytest.fixture
def leader(user_factory):
    return user_factory(email="ada@example.com", groups=[SENIOR_LEADERS])


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


@pytest.fixture
def communications_client(client, user_factory):
    client.force_login(user_factory(email="comms@example.com", groups=[COMMUNICATIONS]))
    return client


# Leader profiles


def test_a_leader_can_edit_their_own_profile(leader_client, leader):
    profile = LeaderProfileFactory(user=leader)

    assert leader_client.get(profile_edit_url(profile)).status_code == 200
    response = leader_client.post(
        profile_edit_url(profile), profile_form(profile, bio="I mentor new managers.")
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.latest_revision.as_object().bio == "I mentor new managers."


def test_a_leader_cannot_open_another_leaders_profile(leader_client, leader):
    LeaderProfileFactory(user=leader)
    other = LeaderProfileFactory(bio="Untouched.")

    assert_refused(leader_client.get(profile_edit_url(other)))


def test_a_leader_cannot_save_over_another_leaders_profile(leader_client, leader):
    LeaderProfileFactory(user=leader)
    other = LeaderProfileFactory(bio="Untouched.")

    response = leader_client.post(profile_edit_url(other), profile_form(other, bio="Hijacked."))

    assert_refused(response)
    other.refresh_from_db()
    assert other.bio == "Untouched."
    assert other.latest_revision is None or other.latest_revision.as_object().bio != "Hijacked."


def test_a_leader_cannot_read_another_leaders_profile_history(leader_client, leader):
    other = LeaderProfileFactory()
    url = reverse("wagtailsnippets_content_leaderprofile:history", args=[other.pk])

    assert_refused(leader_client.get(url))


def test_the_profile_listing_shows_a_leader_only_their_own_profile(leader_client, leader):
    LeaderProfileFactory(user=leader, name="Ada Lovelace")
    LeaderProfileFactory(name="Grace Hopper")

    response = leader_client.get(reverse("wagtailsnippets_content_leaderprofile:list"))

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert "Grace Hopper" not in response.content.decode()


def listing_statuses(response):
    """Each row's title and the text of its last cell, the status."""
    html = response.content.decode()
    statuses = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        title = re.search(r'id="snippet_\d+_title">\s*([^<]*?)\s*<', row)
        if title is None:
            continue  # not a profile's row
        last_cell = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]
        statuses[title.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", last_cell).split())
    return statuses


def test_the_profile_listing_says_which_profiles_wait_with_changes(communications_client):
    LeaderProfileFactory(name="Ada Lovelace")
    changed = LeaderProfileFactory(name="Grace Hopper")
    changed.bio = "A draft nobody has published."
    changed.save_revision()

    response = communications_client.get(reverse("wagtailsnippets_content_leaderprofile:list"))

    assert listing_statuses(response) == {"Ada Lovelace": "live", "Grace Hopper": "live + draft"}


def test_searching_the_profiles_finds_only_ones_own(leader_client, leader):
    LeaderProfileFactory(user=leader, name="Ada Lovelace", title="Chief Engineer")
    LeaderProfileFactory(name="Grace Hopper", title="Chief Engineer")

    for name in ("list", "list_results"):
        response = leader_client.get(
            reverse(f"wagtailsnippets_content_leaderprofile:{name}"), {"q": "engineer"}
        )
        assert response.status_code == 200, name
        assert "Ada Lovelace" in response.content.decode()
        assert "Grace Hopper" not in response.content.decode()


def test_searching_the_topics_finds_them_by_name_or_description(admin_client):
    TopicFactory(name="Giving feedback", description="Kind and clear.")
    TopicFactory(name="Negotiation", description="Getting to yes.")

    for query, shown, hidden in (
        ("feedback", "Giving feedback", "Negotiation"),
        ("yes", "Negotiation", "Giving feedback"),
    ):
        response = admin_client.get(reverse("wagtailsnippets_content_topic:list"), {"q": query})
        assert response.status_code == 200, query
        assert shown in response.content.decode() and hidden not in response.content.decode()


def test_searching_the_topics_finds_them_by_the_slug_the_listing_shows(admin_client):
    TopicFactory(name="Giving feedback", slug="feedback-skills")
    TopicFactory(name="Negotiation", slug="negotiation")

    response = admin_client.get(
        reverse("wagtailsnippets_content_topic:list"), {"q": "feedback-skills"}
    )

    assert "Giving feedback" in response.content.decode()
    assert "Negotiation" not in response.content.decode()


def test_searching_the_profiles_finds_them_by_the_account_the_listing_shows(
    communications_client, user_factory
):
    account = user_factory(email="a.okafor@example.com", first_name="Amara", last_name="Okafor")
    LeaderProfileFactory(name="Dr A. Okafor", user=account)
    LeaderProfileFactory(name="Grace Hopper")

    for query in ("a.okafor@example", "Amara Okafor"):
        response = communications_client.get(
            reverse("wagtailsnippets_content_leaderprofile:list"), {"q": query}
        )
        assert "Dr A. Okafor" in response.content.decode(), query
        assert "Grace Hopper" not in response.content.decode(), query


def test_a_leader_cannot_move_their_profile_to_another_account(leader_client, leader):
    profile = LeaderProfileFactory(user=leader)

    response = leader_client.get(profile_edit_url(profile))

    assert 'name="user"' not in response.content.decode()


def test_a_leader_cannot_add_or_delete_profiles(leader_client, leader):
    profile = LeaderProfileFactory(user=leader)

    assert_refused(leader_client.get(reverse("wagtailsnippets_content_leaderprofile:add")))
    assert_refused(
        leader_client.post(
            reverse("wagtailsnippets_content_leaderprofile:delete", args=[profile.pk])
        )
    )
    assert LeaderProfile.objects.filter(pk=profile.pk).exists()


def test_communications_can_edit_any_leader_profile(communications_client, user_factory):
    profile = LeaderProfileFactory(user=user_factory(groups=[SENIOR_LEADERS]))

    assert communications_client.get(profile_edit_url(profile)).status_code == 200
    response = communications_client.post(
        profile_edit_url(profile),
        {**profile_form(profile, title="Chief People Officer"), "action-publish": "1"},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.title == "Chief People Officer"


def test_a_leader_submits_their_profile_and_communications_is_emailed(
    client, leader, user_factory
):
    communications = user_factory(email="comms@example.com", groups=[COMMUNICATIONS])
    profile = LeaderProfileFactory(user=leader, bio="Before.")
    client.force_login(leader)

    response = client.post(
        profile_edit_url(profile),
        {**profile_form(profile, bio="I mentor new managers."), "action-submit": "1"},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    state = profile.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == STORY_REVIEW_TASK
    assert profile.bio == "Before."  # nothing shows until Communications approves
    assert [m.to for m in mail.outbox] == [[communications.email]]
    assert profile.name in mail.outbox[0].subject


def test_communications_approving_a_leaders_profile_publishes_it(client, leader, user_factory):
    communications = user_factory(email="comms@example.com", groups=[COMMUNICATIONS])
    profile = LeaderProfileFactory(user=leader, bio="Before.")
    client.force_login(leader)
    client.post(
        profile_edit_url(profile),
        {**profile_form(profile, bio="I mentor new managers."), "action-submit": "1"},
    )
    profile.refresh_from_db()
    mail.outbox.clear()
    client.force_login(communications)

    response = client.post(
        reverse(
            "wagtailsnippets_content_leaderprofile:workflow_action",
            args=[profile.pk, "approve", profile.current_workflow_task_state.pk],
        ),
        {"comment": ""},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.bio == "I mentor new managers."
    assert profile.current_workflow_state is None
    assert [m.to for m in mail.outbox] == [[leader.email]]


def test_a_leaders_profile_is_locked_to_them_while_in_review(client, leader, user_factory):
    user_factory(email="comms@example.com", groups=[COMMUNICATIONS])
    profile = LeaderProfileFactory(user=leader, bio="Before.")
    client.force_login(leader)
    client.post(
        profile_edit_url(profile),
        {**profile_form(profile, bio="In review."), "action-submit": "1"},
    )

    client.post(profile_edit_url(profile), profile_form(profile, bio="Slipped in."))

    profile.refresh_from_db()
    assert profile.latest_revision.as_object().bio == "In review."


# The rest of the admin


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/",
        "/admin/groups/",
        "/admin/snippets/content/topic/",
        "/admin/workflows/list/",
        "/admin/workflows/tasks/index/",
        "/admin/sites/",
        "/admin/collections/",
        "/admin/redirects/",
    ],
)
def test_a_leader_is_refused_other_admin_areas(leader_client, home, url):
    assert_refused(leader_client.get(url))


def test_a_leader_cannot_edit_library_materials(leader_client, library):
    material = MaterialPageFactory(parent=library)

    assert_refused(leader_client.get(f"/admin/pages/{material.pk}/edit/"))


def test_a_leader_cannot_add_pages_to_the_library(leader_client, library):
    assert_refused(leader_client.get(f"/admin/pages/add/content/materialpage/{library.pk}/"))


def test_a_leaders_menu_offers_pages_images_documents_and_snippets_only(leader_client, stories):
    labels = main_menu_labels(leader_client.get(ADMIN_HOME))

    assert {"Pages", "Images", "Documents", "Snippets"} <= labels
    assert not labels & {"Users", "Groups", "Settings", "Reports", "Workflows"}


def test_a_leaders_document_listing_shows_only_the_documents_they_uploaded(
    leader_client, leader, home
):
    Document.objects.create(title="My worksheet", uploaded_by_user=leader)
    Document.objects.create(title="Someone else's agreement")

    html = leader_client.get(reverse("wagtaildocs:index")).content.decode()

    assert "My worksheet" in html
    assert "Someone else" not in html


def test_communications_sees_the_reports(communications_client, stories):
    assert "Reports" in main_menu_labels(communications_client.get(ADMIN_HOME))


def test_communications_can_edit_any_leaders_story(communications_client, stories, user_factory):
    author = user_factory(groups=[SENIOR_LEADERS])
    story = LeaderStoryPageFactory(parent=stories, owner=author, live=False)

    assert communications_client.get(f"/admin/pages/{story.pk}/edit/").status_code == 200


# Groups, workflow and their attachment to stories indexes


def test_the_migration_creates_both_groups_with_their_rights(db):
    leaders = Group.objects.get(name=SENIOR_LEADERS)
    communications = Group.objects.get(name=COMMUNICATIONS)

    assert set(leaders.permissions.values_list("codename", flat=True)) == {
        "access_admin",
        "change_own_leaderprofile",
    }
    assert {
        "access_admin",
        "add_leaderprofile",
        "change_leaderprofile",
        "publish_leaderprofile",
    } <= set(communications.permissions.values_list("codename", flat=True))

    def root_collection_rights(group):
        return set(
            GroupCollectionPermission.objects.filter(group=group, collection__depth=1).values_list(
                "permission__codename", flat=True
            )
        )

    assert root_collection_rights(leaders) == {
        "add_image",
        "choose_image",
        "add_document",
        "choose_document",
    }
    assert root_collection_rights(communications) == {
        "add_image",
        "change_image",
        "choose_image",
        "add_document",
        "change_document",
        "choose_document",
    }


def test_the_migration_creates_the_story_review_workflow(db):
    workflow = Workflow.objects.get(name=STORY_REVIEW_WORKFLOW)
    task = GroupApprovalTask.objects.get(name=STORY_REVIEW_TASK)

    assert workflow.active
    assert list(workflow.tasks.specific()) == [task]
    assert list(task.groups.values_list("name", flat=True)) == [COMMUNICATIONS]


def page_rights(page):
    return set(
        GroupPagePermission.objects.filter(page=page).values_list(
            "group__name", "permission__codename"
        )
    )


EXPECTED_INDEX_RIGHTS = {
    (SENIOR_LEADERS, "add_page"),
    (COMMUNICATIONS, "add_page"),
    (COMMUNICATIONS, "change_page"),
    (COMMUNICATIONS, "publish_page"),
}


def test_a_new_stories_index_gets_the_review_and_the_groups_rights(home):
    index = StoriesIndexPageFactory(parent=home, title="More stories", slug="more-stories")

    assert WorkflowPage.objects.get(page=index).workflow.name == STORY_REVIEW_WORKFLOW
    assert index.get_workflow().name == STORY_REVIEW_WORKFLOW
    assert page_rights(index) == EXPECTED_INDEX_RIGHTS


def test_attaching_the_story_review_twice_adds_nothing(stories):
    attach_story_review(stories)
    attach_story_review(stories)

    assert WorkflowPage.objects.filter(page=stories).count() == 1
    assert GroupPagePermission.objects.filter(page=stories).count() == len(EXPECTED_INDEX_RIGHTS)


def test_the_migration_attaches_the_review_to_stories_indexes_that_already_exist(stories):
    GroupPagePermission.objects.filter(page=stories).delete()
    WorkflowPage.objects.filter(page=stories).delete()
    migration = MigrationExecutor(connection).loader.get_migration(
        "content", "0002_groups_and_story_review"
    )
    state_apps = (
        MigrationExecutor(connection)
        .loader.project_state(("content", "0002_groups_and_story_review"))
        .apps
    )

    migration.operations[0].code(state_apps, connection.schema_editor())
    migration.operations[0].code(state_apps, connection.schema_editor())

    assert page_rights(stories) == EXPECTED_INDEX_RIGHTS
    assert WorkflowPage.objects.get(page=stories).workflow.name == STORY_REVIEW_WORKFLOW
    assert Workflow.objects.filter(name=STORY_REVIEW_WORKFLOW).count() == 1
    assert GroupApprovalTask.objects.filter(name=STORY_REVIEW_TASK).count() == 1
