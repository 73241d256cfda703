import logging
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from wagtail.models import Page, Revision, Site, WorkflowState

from cms import invitations
from cms.demo import second_site
from cms.demo.journeys import PLANS
from cms.demo.program import PROGRAM_SLUG
from cms.demo.seed import (
    ACCOUNTS,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    seed_demo,
)
from cms.models import HomePage, Invitation
from content.markdown import render_markdown
from content.models import (
    Audience,
    LeaderProfile,
    LeaderStoryPage,
    MaterialKind,
    MaterialPage,
    Topic,
)
from insights.compute import compute_insights
from insights.models import ContentView
from journeys.engine import MilestoneState
from journeys.models import (
    Goal,
    Journey,
    JourneyPage,
    JourneyStatus,
    Meeting,
    MemberRole,
    OutboxEmail,
    Profile,
    ProgramPage,
    Reflection,
    StepCompletion,
)
from journeys.services.outbox import Sites, deliver_due, render_email
from journeys.services.state import journey_states
from matching.models import Enrollment, MatchingRun, MatchProposal, ProgramQuestion
from matching.services.approval import approve_proposals
from matching.services.runs import run_matching_now

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SEED_DAY = timezone.localdate(NOW)
SEED = 11
PAIR_NOTE = "The mentor and mentee logins share a journey"


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
    return pages, users, journeys_digest()


def journeys_digest():
    """Who walks which journey since when, and everything they did, without ids."""
    journeys = []
    for journey in Journey.objects.prefetch_related("memberships__user", "tracks"):
        members = {m.pk: m.user.email for m in journey.memberships.all()}
        journeys.append(
            (
                journey.started_on,
                journey.template.slug,
                journey.status,
                journey.last_activity_on,
                sorted((m.user.email, m.role) for m in journey.memberships.all()),
                sorted(t.slug for t in journey.tracks.all()),
                sorted(
                    (members[c.member_id], c.completed_at)
                    for c in StepCompletion.objects.filter(journey=journey)
                ),
                sorted(
                    (members[r.author_id], r.text, r.shared, r.created_at)
                    for r in Reflection.objects.filter(journey=journey)
                ),
                sorted(
                    (m.held_on, m.duration_minutes, m.notes)
                    for m in Meeting.objects.filter(journey=journey)
                ),
                sorted(
                    (members[g.owner_id], g.text, g.status, g.target_date)
                    for g in Goal.objects.filter(journey=journey)
                ),
            )
        )
    return sorted(journeys)


def harbourline_program():
    return ProgramPage.objects.get(slug=PROGRAM_SLUG)


def harbourline_journeys():
    return Journey.objects.filter(program=harbourline_program())


def demo_pair_journey():
    return Journey.objects.filter(memberships__user=demo_user("mentor")).get(
        memberships__user=demo_user("mentee")
    )


def steps_of(page, kind):
    return [
        step.value
        for milestone in page.milestones
        for step in milestone.value["steps"]
        if step.block_type == kind
    ]


def reseed(seed):
    """Seed again on a database whose demo users were removed."""
    get_user_model().objects.all().delete()
    seed_demo(seed, now=NOW)


def word_count(page):
    return len(" ".join(page.body.stream_block.get_searchable_content(page.body)).split())


class SecondBusinessUnitChecks:
    """The demo's second site: another business unit, its own theme and programs.

    Mixed into ``SeededDemoTests`` so that the demo is seeded once for both.
    """

    @property
    def site(self):
        return Site.objects.get(hostname=second_site.HOSTNAME)

    @property
    def program(self):
        return ProgramPage.objects.get(slug="cold-chain-mentoring")

    def login_as(self, local_part):
        self.client.force_login(demo_user(local_part))

    def test_the_second_site_answers_on_localhost_with_its_own_home_page(self):
        assert not self.site.is_default_site
        assert self.site.root_page.slug == second_site.HOME_SLUG
        assert self.program.get_parent().pk == self.site.root_page.pk
        assert self.program.get_site().pk == self.site.pk

    def test_each_site_has_its_own_theme(self):
        from themes.models import theme_for_site

        main = theme_for_site(Site.objects.get(is_default_site=True))
        cold = theme_for_site(self.site)
        assert (main.preset, cold.preset) == ("harbour", "lantern")
        assert cold.brand_name == second_site.BRAND
        assert main.tokens.colours["primary"] != cold.tokens.colours["primary"]

    def test_the_pages_of_each_host_carry_that_sites_theme(self):
        main = self.client.get("/", headers={"host": "127.0.0.1:8000"})
        cold = self.client.get("/", headers={"host": "localhost:8000"})
        assert "--color-primary:#1f5f5b;" in main.text
        assert "--color-primary:#3b3a8f;" in cold.text
        assert second_site.BRAND in cold.text
        assert second_site.BRAND not in main.text

    def test_three_pairs_walk_the_cold_chain_journey_from_an_approved_run(self):
        journeys = Journey.objects.filter(program=self.program)
        assert journeys.count() == 3
        assert set(
            MatchProposal.objects.filter(program=self.program, status="approved").values_list(
                "journey_id", flat=True
            )
        ) == set(journeys.values_list("pk", flat=True))
        assert Enrollment.objects.filter(program=self.program, status="enrolled").count() == 1

    def test_the_mentor_sees_only_the_journeys_of_the_site_they_are_on(self):
        self.login_as("mentor")
        mentor = demo_user("mentor")
        cold = Journey.objects.filter(program=self.program, memberships__user=mentor).get()
        main = list(harbourline_journeys().filter(memberships__user=mentor))
        assert main
        on_main = self.client.get("/my/", headers={"host": "127.0.0.1:8000"}).text
        on_cold = self.client.get("/my/", headers={"host": "localhost:8000"}).text
        assert str(cold.uuid) in on_cold and str(cold.uuid) not in on_main
        assert all(str(j.uuid) in on_main and str(j.uuid) not in on_cold for j in main)

    def test_another_sites_journey_is_not_found(self):
        self.login_as("mentor")
        cold = Journey.objects.filter(
            program=self.program, memberships__user=demo_user("mentor")
        ).get()
        url = f"/my/journeys/{cold.uuid}/"
        assert self.client.get(url, headers={"host": "localhost:8000"}).status_code == 200
        assert self.client.get(url, headers={"host": "127.0.0.1:8000"}).status_code == 404

    def test_search_finds_only_the_pages_of_the_site_it_is_asked_on(self):
        query = "/search/?q=first+meeting+checklist"
        main = self.client.get(query, headers={"host": "127.0.0.1:8000"}).text
        cold = self.client.get(query, headers={"host": "localhost:8000"}).text
        assert "/library/first-meeting-checklist/" in main
        assert "/library/first-meeting-checklist/" in cold
        assert "/harbourline-cold-chain/" not in main
        assert "localhost" not in main
        assert "127.0.0.1" not in cold

    def test_the_cold_chain_admin_runs_cold_chain_alone_and_the_program_admin_both(self):
        harbourline = harbourline_program()
        self.login_as("coldchain")
        runs = self.client.get("/admin/matching/runs/").content.decode()
        assert self.program.title in runs
        assert harbourline.title not in runs
        assert (
            self.client.get(f"/admin/insights/{harbourline.pk}/").status_code == 404
        )  # as if it did not exist
        self.login_as("programs")
        for program in (self.program, harbourline):
            assert self.client.get(f"/admin/insights/{program.pk}/").status_code == 200

    def test_the_sponsor_leader_sponsors_the_harbourline_program(self):
        from journeys.services.access import may_sponsor

        leader = demo_user("leader")
        assert may_sponsor(leader, harbourline_program())
        assert not may_sponsor(leader, self.program)

    def test_enrolment_in_another_sites_program_is_not_found(self):
        self.login_as("mentee")
        url = f"/my/programs/{self.program.pk}/enrol/"
        assert self.client.get(url, headers={"host": "localhost:8000"}).status_code == 200
        assert self.client.get(url, headers={"host": "127.0.0.1:8000"}).status_code == 404


class SeededDemoTests(SecondBusinessUnitChecks, TestCase):
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
        for local_part in ("admin", "editor", "communications", "leader", "programs", "coldchain"):
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
        assert (site.hostname, site.port) == ("127.0.0.1", 8000)
        # One home page per business unit, each the root of its own site.
        assert Page.objects.filter(depth=2).count() == 2
        assert set(Site.objects.values_list("root_page__depth", flat=True)) == {2}
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

    def test_every_seeded_page_renders_on_its_own_sites_host(self):
        for page in Page.objects.live().filter(depth__gt=1).specific():
            _site, root_url, path = page.get_url_parts()
            host = root_url.split("://", 1)[1]
            response = self.client.get(path, headers={"host": host})
            assert response.status_code == 200, page.full_url

    def test_the_program_is_live_under_the_home_page_with_a_leader_as_sponsor(self):
        program = harbourline_program()
        assert program.live
        assert isinstance(program.get_parent().specific, HomePage)
        assert program.sponsor.stories.live().exists()
        assert 3 <= len(program.objectives) <= 4
        assert program.enrolment_open
        assert program.cohort_start < SEED_DAY < program.cohort_end
        assert program.remind_days_before_due and program.nudge_after_inactive_days

    def test_the_program_has_live_default_journeys_for_pairs_and_circles(self):
        program = harbourline_program()
        pair, circle = program.default_pair_journey, program.default_circle_journey
        assert pair != circle
        for journey_page in (pair, circle):
            assert journey_page.live
            assert journey_page.get_parent().pk == program.pk

    def test_the_pair_journey_has_six_to_eight_milestones_over_about_six_months(self):
        page = harbourline_program().default_pair_journey
        specs = page.milestone_specs
        assert 6 <= len(specs) <= 8
        assert 150 <= max(s.opens_after_days + s.due_after_days for s in specs) <= 200
        assert {s.audience for s in specs} == {"everyone", "mentors", "mentees"}
        assert any(s.prerequisites for s in specs)
        assert any(s.track for s in specs)
        assert {step.kind for s in specs for step in s.steps} == {
            "read",
            "reflect",
            "meet",
            "set_goals",
            "review_goals",
            "checklist",
            "pulse",
        }

    def test_the_journey_templates_pass_the_editors_own_validation(self):
        for page in JourneyPage.objects.all():
            page.milestones.stream_block.clean(page.milestones)

    def test_goals_are_set_early_and_reviewed_midway_and_at_the_end(self):
        specs = harbourline_program().default_pair_journey.milestone_specs
        opening_days = {
            kind: [s.opens_after_days for s in specs if any(t.kind == kind for t in s.steps)]
            for kind in ("set_goals", "review_goals")
        }
        assert max(opening_days["set_goals"]) <= 30
        assert len(opening_days["review_goals"]) >= 2
        assert min(opening_days["review_goals"]) > max(opening_days["set_goals"])

    def test_the_journeys_read_live_library_pages_and_at_least_one_leader_story(self):
        for page in JourneyPage.objects.descendant_of(harbourline_program()):
            targets = [value["page"].specific for value in steps_of(page, "read")]
            assert all(target.live for target in targets), page.title
            assert any(isinstance(t, LeaderStoryPage) for t in targets), page.title
            assert any(isinstance(t, MaterialPage) for t in targets), page.title

    def test_every_meeting_step_comes_with_a_discussion_guide_from_the_library(self):
        for page in JourneyPage.objects.all():
            guides = [value["discussion_guide"] for value in steps_of(page, "meet")]
            assert guides, page.title
            assert all(guide is not None and guide.live for guide in guides), page.title

    def test_more_than_twenty_journeys_are_under_way_including_two_circles(self):
        journeys = harbourline_journeys().prefetch_related("memberships")
        assert journeys.count() == len(PLANS) >= 20
        shapes = Counter(
            tuple(sorted(m.role for m in journey.memberships.all())) for journey in journeys
        )
        assert shapes[(MemberRole.MEMBER,) * 3 + (MemberRole.MENTOR,)] == 2
        assert shapes[(MemberRole.MENTEE, MemberRole.MENTOR)] == len(PLANS) - 2

    def test_the_journeys_started_on_many_different_days(self):
        started = set(harbourline_journeys().values_list("started_on", flat=True))
        assert len(started) == len(PLANS)
        assert max(started) < SEED_DAY

    def test_every_milestone_state_shows_in_some_journey_on_the_seed_day(self):
        states = {
            milestone.state
            for loaded in journey_states(Journey.objects.all(), SEED_DAY)
            for milestone in loaded.state.milestones
        }
        assert {
            MilestoneState.LOCKED,
            MilestoneState.OPEN,
            MilestoneState.DUE_SOON,
            MilestoneState.OVERDUE,
            MilestoneState.DONE,
            MilestoneState.NOT_IN_TRACK,
        } <= states

    def test_progress_varies_from_just_started_to_finished(self):
        loaded = journey_states(Journey.objects.all(), SEED_DAY)
        progress = {item.state.progress_percent for item in loaded}
        assert 0 in progress
        assert 100 in progress
        assert len(progress) >= 10
        finished = [item.journey for item in loaded if item.state.is_complete]
        assert finished
        assert all(journey.status == JourneyStatus.COMPLETED for journey in finished)

    def test_some_journeys_have_fallen_behind(self):
        behind = [
            item
            for item in journey_states(Journey.objects.all(), SEED_DAY)
            if any(m.state == MilestoneState.OVERDUE for m in item.state.milestones)
        ]
        assert len(behind) >= 2

    def test_the_demo_mentor_and_mentee_are_a_pair_halfway_through_a_journey(self):
        journey = demo_pair_journey()
        roles = {m.user.email: m.role for m in journey.memberships.select_related("user")}
        assert roles == {
            demo_user("mentor").email: MemberRole.MENTOR,
            demo_user("mentee").email: MemberRole.MENTEE,
        }
        (loaded,) = journey_states([journey], SEED_DAY)
        states = Counter(m.state for m in loaded.state.milestones)
        assert states[MilestoneState.DONE] >= 3
        assert states[MilestoneState.LOCKED] >= 1
        assert 25 <= loaded.state.progress_percent <= 75
        assert all(step is not None for step in loaded.state.next_steps.values())

    def test_sixty_people_enrolled_with_varied_profiles(self):
        enrolments = Enrollment.objects.filter(program=harbourline_program())
        assert enrolments.count() >= 60
        assert {e.role for e in enrolments} == {"mentor", "mentee", "either"}
        assert len({e.department for e in enrolments}) >= 6
        assert len({e.time_zone for e in enrolments}) >= 3
        assert len({e.seniority for e in enrolments}) >= 6
        questions = ProgramQuestion.objects.filter(program=harbourline_program())
        assert {q.kind for q in questions} >= {"single", "scale", "text", "topics"}
        answered = [e for e in enrolments if e.answers.get(str(questions[0].key))]
        assert len(answered) == enrolments.count()

    def test_every_enrolled_person_has_a_profile_and_the_demo_pair_have_photos(self):
        enrolled = set(Enrollment.objects.values_list("user_id", flat=True))
        profiles = {p.user_id: p for p in Profile.objects.select_related("photo")}
        assert enrolled <= set(profiles)
        assert all(profiles[pk].job_title and profiles[pk].about for pk in enrolled)
        assert all(profiles[pk].department for pk in enrolled)
        assert len({profiles[pk].how_to_meet for pk in enrolled}) >= 3
        for local_part in ("mentor", "mentee"):
            profile = profiles[demo_user(local_part).pk]
            assert profile.photo is not None and profile.time_zone == "Europe/Amsterdam"
        assert sum(1 for p in profiles.values() if p.photo_id) == 2

    def test_the_demo_mentor_sees_the_mentees_profile_and_note_for_the_match(self):
        journey = demo_pair_journey()
        mentee = journey.memberships.get(user=demo_user("mentee"))
        self.login_as("mentor")
        host = {"host": "127.0.0.1:8000"}
        profile = self.client.get(f"/my/journeys/{journey.uuid}/people/{mentee.pk}/", headers=host)
        assert profile.status_code == 200
        assert "Operations coordinator" in profile.content.decode()
        assert f"mailto:{demo_user('mentee').email}" in profile.content.decode()
        first = journey.template_revision.as_object().milestones.raw_data[0]["id"]
        page = self.client.get(f"/my/journeys/{journey.uuid}/milestones/{first}/", headers=host)
        html = page.content.decode()
        assert "Before you first meet" in html
        assert "What would make this year a success for you?" in html
        assert "How do you like to meet?" in html

    def test_every_journey_comes_from_an_approved_matching_run(self):
        journeys = Journey.objects.all()
        approved = MatchProposal.objects.filter(status="approved", run__isnull=False)
        assert set(approved.values_list("journey_id", flat=True)) == set(
            journeys.values_list("pk", flat=True)
        )
        for proposal in approved.select_related("journey", "mentee", "mentor"):
            members = set(proposal.journey.memberships.values_list("user_id", flat=True))
            assert {proposal.mentee.user_id, proposal.mentor.user_id} <= members
            assert proposal.explanation and proposal.score > 0
        strategies = {run.policy_snapshot["strategy"] for run in MatchingRun.objects.all()}
        assert strategies == {"knowledge", "circles"}

    def test_a_new_intake_waits_for_the_next_run(self):
        waiting = Enrollment.objects.filter(status="enrolled", program=harbourline_program())
        assert waiting.filter(role="mentee").count() >= 10
        assert waiting.filter(role__in=["mentor", "either"]).count() >= 5
        run = run_matching_now(harbourline_program())
        assert run.status == "done", run.error
        assert run.matched_count >= 5

    def test_the_demo_pair_wrote_private_and_shared_reflections(self):
        journey = demo_pair_journey()
        reflections = set(
            Reflection.objects.filter(journey=journey).values_list("author__role", "shared")
        )
        assert (MemberRole.MENTEE, False) in reflections
        assert (MemberRole.MENTEE, True) in reflections
        assert (MemberRole.MENTOR, True) in reflections

    def test_the_demo_pair_logged_two_meetings_with_notes_and_set_goals(self):
        journey = demo_pair_journey()
        meetings = Meeting.objects.filter(journey=journey)
        assert meetings.count() >= 2
        assert all(m.notes and m.agreed_actions for m in meetings)
        assert Goal.objects.filter(journey=journey).count() >= 2

    def test_the_demo_pair_has_their_next_meeting_agreed_with_invitations_waiting(self):
        from journeys.models import OutboxEmail, PlannedMeeting

        journey = demo_pair_journey()
        plan = PlannedMeeting.objects.get(journey=journey)
        assert plan.status == "accepted"
        assert timezone.localtime(plan.starts_at).weekday() == 1  # a Tuesday
        assert timezone.localdate(plan.starts_at) > SEED_DAY
        invitations = OutboxEmail.objects.filter(journey=journey, calendar_method="REQUEST")
        assert sorted(e.recipient.email for e in invitations) == sorted(
            [demo_user("mentor").email, demo_user("mentee").email]
        )

    def test_everything_done_is_dated_between_the_journeys_start_and_the_seed_day(self):
        for journey in Journey.objects.all():
            assert journey.last_activity_on is None or journey.last_activity_on <= SEED_DAY
            for completed_at in StepCompletion.objects.filter(journey=journey).values_list(
                "completed_at", flat=True
            ):
                assert journey.started_on <= timezone.localdate(completed_at) <= SEED_DAY
            for held_on in Meeting.objects.filter(journey=journey).values_list(
                "held_on", flat=True
            ):
                assert journey.started_on <= held_on <= SEED_DAY

    def test_content_use_shows_what_people_opened_on_every_program(self):
        for program in ProgramPage.objects.all():
            rows = compute_insights(program, SEED_DAY).insights.content
            opened = [row for row in rows if row.opened]
            assert opened, program.title
            assert all(row.opened >= row.completed for row in rows), program.title
            assert any(row.completed for row in opened), program.title
        for journey_id, started_on, opened_at in ContentView.objects.values_list(
            "journey_id", "journey__started_on", "first_opened_at"
        ):
            assert started_on <= timezone.localdate(opened_at) <= SEED_DAY, journey_id

    def test_some_people_opened_materials_they_have_not_finished(self):
        """Opened but not read: the content table's "done when opened" needs both kinds."""
        read_steps = defaultdict(set)
        for page in JourneyPage.objects.descendant_of(harbourline_program()):
            for milestone in page.milestones:
                for step in milestone.value["steps"]:
                    if step.block_type == "read":
                        read_steps[page.pk, step.value["page"].pk].add(step.id)
        done = set(StepCompletion.objects.values_list("journey_id", "member__user_id", "step_id"))
        unfinished = [
            view
            for view in ContentView.objects.filter(
                journey__program=harbourline_program()
            ).select_related("journey")
            if (view.journey.template_id, view.page_id) in read_steps
            and not any(
                (view.journey_id, view.user_id, step_id) in done
                for step_id in read_steps[view.journey.template_id, view.page_id]
            )
        ]
        assert len(unfinished) >= 5

    def test_every_objective_has_a_valid_measure_and_a_figure_against_its_target(self):
        measures = set()
        for program in ProgramPage.objects.all():
            program.objectives.stream_block.clean(program.objectives)
            rows = compute_insights(program, SEED_DAY).insights.objectives
            assert rows, program.title
            for row in rows:
                assert row.measure and row.target is not None, row.title
                assert row.actual is not None and row.basis > 0, row.title
                measures.add(row.measure)
        assert measures >= {"matched", "milestone", "topic_pulse"}

    def test_reflections_and_meeting_notes_are_rendered_through_markdown(self):
        reflection = Reflection.objects.filter(text__contains="**").first()
        assert reflection is not None
        assert "<strong>" in render_markdown(reflection.text)
        assert all(render_markdown(m.notes).startswith("<") for m in Meeting.objects.all())

    def test_only_the_demo_accounts_can_sign_in(self):
        participants = get_user_model().objects.exclude(
            email__in=[account.email for account in ACCOUNTS]
        )
        assert participants.count() >= 30
        assert all(
            p.email.endswith(f"@{DEMO_EMAIL_DOMAIN}") and not p.has_usable_password()
            for p in participants
        )

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
        assert PAIR_NOTE in output

    def banner(self, **env):
        """What ``make demo`` prints when it starts on this demo again."""
        out = StringIO()
        with mock.patch.dict(os.environ, {"PORT": "8000", **env}):
            call_command("seed_demo", stdout=out)
        return out.getvalue()

    def test_on_a_restart_the_banner_counts_who_waits_to_be_matched(self):
        banner = self.banner()

        assert (
            f"- {harbourline_program().title}: 22 people; the program admin can run matching "
            "for them." in banner
        )
        assert f"- {self.program.title}: 1 person; the program admin can run matching" in banner
        assert "22 people had an account made for them and have not yet accepted" in banner

    def test_after_a_run_the_banner_says_its_proposals_wait_for_review(self):
        run = run_matching_now(harbourline_program())
        proposed = run.proposals.filter(status="proposed").count()
        assert proposed > 1

        banner = self.banner()

        assert (
            f"- {harbourline_program().title}: 22 people; a matching run proposes {proposed} "
            "matches among them, for the program admin to review." in banner
        )

    def test_after_some_approvals_the_banner_counts_who_still_waits_and_what_is_left(self):
        run = run_matching_now(harbourline_program())
        approve_proposals(
            list(run.proposals.order_by("pk")[:2]),
            by=demo_user("programs"),
            today=SEED_DAY,
            introduce=False,
        )
        still_waiting = Enrollment.objects.filter(
            program=harbourline_program(), status="enrolled"
        ).count()
        left = run.proposals.filter(status="proposed").count()
        assert 0 < still_waiting < 22
        assert left > 0

        banner = self.banner()

        assert (
            f"- {harbourline_program().title}: {still_waiting} people; a matching run proposes "
            f"{left} matches among them, for the program admin to review." in banner
        )
        assert "22 people;" not in banner

    def test_once_every_proposal_is_decided_the_admin_may_run_matching_again(self):
        run = run_matching_now(harbourline_program())
        approve_proposals(
            list(run.proposals.order_by("pk")[:2]),
            by=demo_user("programs"),
            today=SEED_DAY,
            introduce=False,
        )
        run.proposals.filter(status="proposed").update(status="rejected")
        still_waiting = Enrollment.objects.filter(
            program=harbourline_program(), status="enrolled"
        ).count()

        banner = self.banner()

        assert (
            f"- {harbourline_program().title}: {still_waiting} people; the program admin can "
            "run matching for them." in banner
        )

    def test_when_nobody_waits_the_banner_says_so(self):
        Enrollment.objects.filter(status="enrolled").update(status="withdrawn")

        banner = self.banner()

        assert "nobody is waiting to be matched" in banner
        assert "Waiting to be matched" not in banner

    def test_accepted_invitations_leave_the_banners_count(self):
        invitations = Invitation.objects.filter(used_at__isnull=True).order_by("pk")
        Invitation.objects.filter(
            pk__in=list(invitations.values_list("pk", flat=True)[:21])
        ).update(used_at=timezone.now())
        assert "1 person had an account made for them and has not yet accepted" in self.banner()

        Invitation.objects.update(used_at=timezone.now())
        assert "not yet accepted" not in self.banner()

    def test_restarting_on_another_port_moves_both_sites_and_the_links_in_emails(self):
        banner = self.banner(PORT="8124")

        assert "its sites now answer on port 8124" in banner
        assert "http://127.0.0.1:8124/admin/" in banner
        assert set(Site.objects.values_list("port", flat=True)) == {8124}
        invitation = OutboxEmail.objects.filter(template=invitations.TEMPLATE).first()
        message = render_email(invitation, Sites())
        assert "http://127.0.0.1:8124/accounts/invitation/" in message.body
        assert ":8000" not in message.body
        assert "nothing was changed" in self.banner(PORT="8124")

    def test_the_same_seed_gives_the_same_content(self):
        reseed(SEED)
        assert digest() == self.first_digest

    def test_a_different_seed_changes_names_and_publication_dates_but_not_titles(self):
        first_pages, first_users, first_journeys = self.first_digest
        reseed(SEED + 1)
        second_pages, second_users, second_journeys = digest()
        assert [p[2] for p in second_pages] == [p[2] for p in first_pages]
        assert [p[5] for p in second_pages] != [p[5] for p in first_pages]
        assert second_users != first_users
        assert [j[0] for j in second_journeys] == [j[0] for j in first_journeys]
        assert second_journeys != first_journeys


class RecordedLogs(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class TestTheFirstStart(TestCase):
    """What a newcomer's first ``make demo`` prints, and where its emails go.

    The command runs once for the whole class, on port 8123.
    """

    @classmethod
    def setUpClass(cls):
        folder = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, folder, ignore_errors=True)
        cls.mail = Path(folder) / "demo-mail"
        cls.enterClassContext(mock.patch.dict(os.environ, {"PORT": "8123"}))
        cls.enterClassContext(
            override_settings(EMAIL_BACKEND="cms.demo.mail.EmailBackend", EMAIL_FILE_PATH=cls.mail)
        )
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        root = logging.getLogger()
        logs, level = RecordedLogs(), root.level
        root.addHandler(logs)
        root.setLevel(logging.INFO)
        try:
            out = StringIO()
            call_command("seed_demo", "--seed", "3", stdout=out)
        finally:
            root.removeHandler(logs)
            root.setLevel(level)
        cls.output, cls.records = out.getvalue(), logs.records

    def test_prints_the_logins_and_where_emails_go(self):
        assert f"Emails: {self.mail.resolve()}/, one .eml file per message" in self.output
        for account in ACCOUNTS:
            assert f"{account.email}  " in self.output
        assert DEMO_PASSWORD in self.output

    def test_lists_every_login_and_the_site_and_admin_addresses(self):
        assert "http://127.0.0.1:8123/" in self.output
        assert "http://127.0.0.1:8123/admin/" in self.output
        assert f"{second_site.BRAND}: http://localhost:8123/" in self.output
        assert Site.objects.get(hostname="localhost").port == 8123
        for account in ACCOUNTS:
            assert account.role in self.output
            assert account.email in self.output
        assert PAIR_NOTE in self.output

    def test_prints_no_email_and_no_log_of_every_page_it_made(self):
        assert "Content-Type" not in self.output
        assert "You are invited" not in self.output
        assert "/accounts/invitation/" not in self.output
        chatty = [r for r in self.records if r.name.startswith(("wagtail", "django-q"))]
        assert [r.getMessage() for r in chatty if r.levelno < logging.WARNING] == []
        assert len(self.output.splitlines()) < 50

    def test_the_worker_delivers_the_invitations_to_the_mail_folder_with_links_to_port(self):
        result = deliver_due()

        assert result.sent == result.sent + result.failed > 0
        files = sorted(self.mail.iterdir())
        assert len(files) == result.sent
        invitation_links = 0
        for path in files:
            text = path.read_text()
            links = re.findall(r"https?://[^\s\"'<>]+", text)
            assert links, path.name
            for link in links:
                assert link.startswith(("http://127.0.0.1:8123/", "http://localhost:8123/")), link
            invitation_links += "http://127.0.0.1:8123/accounts/invitation/" in text
        assert invitation_links == 22


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


def test_program_admins_may_sign_in_to_the_admin(db, user_factory):
    admin = user_factory(groups=["Program admins"])
    assert Group.objects.filter(name="Program admins").exists()
    assert admin.has_perm("wagtailadmin.access_admin")
