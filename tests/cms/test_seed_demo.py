from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import TestCase
from wagtail.models import Page, Revision, Site, WorkflowState

from cms.demo.seed import (
    ACCOUNTS,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    seed_demo,
)
from cms.models import HomePage
from content.models import (
    Audience,
    LeaderProfile,
    LeaderStoryPage,
    MaterialKind,
    MaterialPage,
    Topic,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SEED = 11


def demo_user(local_part):
    return get_user_model().objects.get(email=f"{local_part}@{DEMO_EMAIL_DOMAIN}")


def digest():
    """Everything the seed decides, in a form two databases can be compared by."""
    pages = [
        (
            page.depth,
            type(page).__name__,
            page.title,
            page.slug,
            page.live,
            page.first_published_at,
            sorted(t.slug for t in getattr(page, "topics", Topic.objects.none()).all()),
        )
        for page in Page.objects.order_by("path").specific()
    ]
    users = list(
        get_user_model()
        .objects.order_by("email")
        .values_list("email", "first_name", "last_name", "is_superuser")
    )
    return pages, users


def reseed(seed):
    """Seed again on a database whose demo users were removed."""
    get_user_model().objects.all().delete()
    seed_demo(seed, now=NOW)


def word_count(page):
    return len(" ".join(page.body.stream_block.get_searchable_content(page.body)).split())


class SeededDemoTests(TestCase):
    """Seeds once for the whole class: seeding is slow enough to matter."""

    @classmethod
    def setUpTestData(cls):
        cls.result = seed_demo(SEED, now=NOW)
        cls.first_digest = digest()

    def test_seeding_an_empty_database_reports_that_it_created_the_demo(self):
        assert self.result.created

    def test_every_demo_login_exists_with_the_shared_password_and_its_groups(self):
        for account in ACCOUNTS:
            user = demo_user(account.local_part)
            assert user.check_password(DEMO_PASSWORD)
            assert set(user.groups.values_list("name", flat=True)) == set(account.groups)
            assert user.is_superuser == account.superuser

    def test_the_mentor_and_mentee_are_plain_participants(self):
        for local_part in ("mentor", "mentee"):
            user = demo_user(local_part)
            assert not user.groups.exists()
            assert not user.is_staff
            assert not user.has_perm("wagtailadmin.access_admin")

    def test_every_role_but_the_participants_can_reach_the_admin(self):
        for local_part in ("admin", "editor", "communications", "leader", "programs"):
            assert demo_user(local_part).has_perm("wagtailadmin.access_admin"), local_part

    def test_the_editor_may_manage_topics_and_leader_profiles_without_being_a_superuser(self):
        editor = demo_user("editor")
        assert not editor.is_superuser
        for codename in ("add_topic", "change_topic", "change_leaderprofile"):
            assert editor.has_perm(f"content.{codename}"), codename

    def test_the_senior_leader_is_linked_to_their_leader_profile(self):
        leader = demo_user("leader")
        assert leader.leader_profile.name == leader.get_full_name()

    def test_the_home_page_replaces_the_welcome_page_as_the_site_root(self):
        site = Site.objects.get(is_default_site=True)
        assert isinstance(site.root_page.specific, HomePage)
        assert site.root_page.live
        assert Page.objects.filter(depth=2).count() == 1
        assert not Page.objects.filter(title__icontains="Welcome to your new Wagtail").exists()

    def test_the_library_covers_every_kind_and_audience_with_live_materials(self):
        materials = MaterialPage.objects.live()
        assert materials.count() >= 12
        assert set(materials.values_list("kind", flat=True)) == set(MaterialKind.values)
        assert set(materials.values_list("audience", flat=True)) == set(Audience.values)
        assert Topic.objects.filter(materials__isnull=False).distinct().count() >= 8

    def test_eight_to_twelve_topics_span_at_least_four_kinds(self):
        assert 8 <= Topic.objects.count() <= 12
        assert Topic.objects.values("kind").distinct().count() >= 4

    def test_every_material_is_real_prose_of_a_readable_length(self):
        for page in MaterialPage.objects.all():
            assert 150 <= word_count(page) <= 500, page.title
            assert "lorem" not in str(page.body).lower()

    def test_materials_mix_markdown_with_the_other_blocks(self):
        used = {block.block_type for page in MaterialPage.objects.all() for block in page.body}
        assert {
            "markdown",
            "paragraph",
            "heading",
            "callout",
            "reflection_prompt",
            "checklist",
            "quote",
            "call_to_action",
        } <= used

    def test_calls_to_action_point_to_live_materials(self):
        targets = [
            block.value["page"]
            for page in MaterialPage.objects.all()
            for block in page.body
            if block.block_type == "call_to_action"
        ]
        assert targets
        assert all(target.live for target in targets)

    def test_there_are_four_stories_from_three_leaders_three_of_them_live(self):
        stories = LeaderStoryPage.objects.all()
        assert stories.count() == 4
        assert stories.live().count() == 3
        assert LeaderProfile.objects.filter(stories__isnull=False).distinct().count() == 3

    def test_the_unpublished_story_waits_in_the_leader_story_review(self):
        story = LeaderStoryPage.objects.get(live=False)
        leader = demo_user("leader")
        state = story.current_workflow_state
        assert state.status == WorkflowState.STATUS_IN_PROGRESS
        assert state.workflow.name == "Leader story review"
        assert state.requested_by == leader
        assert story.owner == leader
        assert story.leader.user == leader

    def test_the_senior_leader_owns_all_their_stories(self):
        leader = demo_user("leader")
        stories = LeaderStoryPage.objects.filter(leader__user=leader)
        assert stories.count() == 2
        assert all(story.owner == leader for story in stories)

    def test_every_seeded_page_renders(self):
        for page in Page.objects.live().filter(depth__gt=1).specific():
            response = self.client.get(page.url)
            assert response.status_code == 200, page.url

    def test_seeding_again_changes_nothing(self):
        before = (Page.objects.count(), Revision.objects.count(), Topic.objects.count(), digest())
        result = seed_demo(SEED + 5, now=NOW)
        assert not result.created
        after = (Page.objects.count(), Revision.objects.count(), Topic.objects.count(), digest())
        assert after == before

    def test_the_command_says_the_demo_is_already_seeded_and_lists_the_logins_again(self):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        output = out.getvalue()
        assert "The demo is already seeded" in output
        for account in ACCOUNTS:
            assert account.email in output

    def test_the_same_seed_gives_the_same_content(self):
        reseed(SEED)
        assert digest() == self.first_digest

    def test_a_different_seed_changes_names_and_publication_dates_but_not_titles(self):
        first_pages, first_users = self.first_digest
        reseed(SEED + 1)
        second_pages, second_users = digest()
        assert [p[2] for p in second_pages] == [p[2] for p in first_pages]
        assert [p[5] for p in second_pages] != [p[5] for p in first_pages]
        assert second_users != first_users


class TestSafety:
    def test_a_database_with_a_non_demo_user_is_refused_and_left_untouched(self, user_factory):
        user_factory(email="real.person@example.com")
        pages_before = list(Page.objects.values_list("pk", "title"))
        with pytest.raises(CommandError, match=r"real\.person@example\.com"):
            call_command("seed_demo", stdout=StringIO())
        assert list(Page.objects.values_list("pk", "title")) == pages_before
        assert get_user_model().objects.count() == 1
        assert not HomePage.objects.exists()

    def test_a_database_with_a_non_demo_page_is_refused_and_left_untouched(self, home):
        pages_before = list(Page.objects.values_list("pk", "title"))
        with pytest.raises(CommandError, match="Acme mentoring"):
            call_command("seed_demo", stdout=StringIO())
        assert list(Page.objects.values_list("pk", "title")) == pages_before
        assert not get_user_model().objects.exists()

    def test_the_refusal_says_it_only_runs_on_an_empty_database_or_a_demo(self, user_factory):
        user_factory(email="someone@example.com")
        with pytest.raises(CommandError, match="only runs on an empty database or an existing"):
            call_command("seed_demo", stdout=StringIO())


class TestTheCommand:
    def test_lists_every_login_and_the_site_and_admin_addresses(self, db, monkeypatch):
        monkeypatch.setenv("PORT", "8123")
        out = StringIO()
        call_command("seed_demo", "--seed", "3", stdout=out)
        output = out.getvalue()
        assert "http://127.0.0.1:8123/" in output
        assert "http://127.0.0.1:8123/admin/" in output
        assert DEMO_PASSWORD in output
        for account in ACCOUNTS:
            assert account.role in output
            assert account.email in output


def test_program_admins_may_sign_in_to_the_admin(db, user_factory):
    admin = user_factory(groups=["Program admins"])
    assert Group.objects.filter(name="Program admins").exists()
    assert admin.has_perm("wagtailadmin.access_admin")
