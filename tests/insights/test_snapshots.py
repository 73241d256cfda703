"""Figures are worked out by tasks into a snapshot per program; pages only read it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from insights import snapshots, tasks
from insights.compute import HealthRow, ProgramInsights, compute_insights
from insights.models import ProgramSnapshot
from journeys.services import progress
from journeys.services.state import journey_state
from matching.models import Enrollment

pytestmark = pytest.mark.django_db


def page_url(program):
    return reverse("program_insights:page", args=[program.slug])


def kept(program):
    return ProgramSnapshot.objects.get(pk=program.pk)


def test_figures_survive_the_round_trip_through_json_unchanged(scene, program, today):
    computed = compute_insights(program, today)

    summary = snapshots.decode(ProgramInsights, snapshots.encode(computed.insights))
    rows = snapshots.decode(tuple[HealthRow, ...], snapshots.encode(computed.health_rows))

    assert summary == computed.insights
    assert rows == computed.health_rows
    assert rows, "the scene has journeys under way"


def test_a_snapshot_holds_user_ids_and_never_a_name_or_html(scene, program):
    snapshots.work_out(program.pk)

    text = str([kept(program).summary, kept(program).journeys])
    assert "Mentor" not in text and "Mentee" not in text and "<" not in text
    rows = snapshots.journeys(program)
    named = snapshots.named(rows)
    assert {role for row in rows for _uid, role in row.members} == {"mentor", "mentee"}
    assert all(isinstance(uid, int) for row in rows for uid, _role in row.members)
    assert any(name.startswith("Mentee ") for row in named for name, _role in row.members)


def test_a_page_view_reads_and_never_works_anything_out(plain_client, sponsor, scene, program):
    plain_client.force_login(sponsor)

    html = plain_client.get(page_url(program)).content.decode()

    assert "still being worked out" in html
    assert not ProgramSnapshot.objects.filter(computed_at__isnull=False).exists()
    snapshots.work_out(program.pk)
    html = plain_client.get(page_url(program)).content.decode()
    assert "still being worked out" not in html
    assert "Objectives" in html


def test_fresh_figures_are_not_worked_out_again(scene, program):
    assert snapshots.work_out(program.pk).startswith("worked out")
    first = kept(program).computed_at

    assert snapshots.work_out(program.pk) == "fresh or being worked out"
    assert kept(program).computed_at == first
    assert snapshots.work_out(program.pk, force=True).startswith("worked out")
    assert kept(program).computed_at > first


def test_a_second_worker_leaves_a_program_another_is_working_out(scene, program):
    snapshots.work_out(program.pk)
    later = timezone.now() + datetime.timedelta(minutes=1)
    ProgramSnapshot.objects.filter(pk=program.pk).update(
        lease_token="another-worker", lease_until=later, changed_at=timezone.now()
    )

    assert snapshots.work_out(program.pk) == "fresh or being worked out"
    assert snapshots.work_out(program.pk, force=True) == "fresh or being worked out"
    assert kept(program).lease_token == "another-worker"
    assert program.pk not in snapshots.due_programs()


def test_a_lease_that_ran_out_is_taken_over(scene, program):
    snapshots.work_out(program.pk)
    gone = timezone.now() - datetime.timedelta(seconds=1)
    ProgramSnapshot.objects.filter(pk=program.pk).update(
        lease_token="a-worker-that-died", lease_until=gone, changed_at=timezone.now()
    )

    assert program.pk in snapshots.due_programs()
    assert snapshots.work_out(program.pk).startswith("worked out")
    snapshot = kept(program)
    assert (snapshot.lease_token, snapshot.lease_until, snapshot.changed_at) == ("", None, None)


def test_a_change_announced_while_working_out_is_worked_out_next(scene, program, monkeypatch):
    real = snapshots.compute_insights

    def a_change_arrives_meanwhile(chosen, today):
        computed = real(chosen, today)
        later = timezone.now() + datetime.timedelta(seconds=5)
        ProgramSnapshot.objects.filter(pk=chosen.pk).update(changed_at=later)
        return computed

    monkeypatch.setattr(snapshots, "compute_insights", a_change_arrives_meanwhile)
    snapshots.work_out(program.pk)

    assert kept(program).changed_at is not None
    assert snapshots.read(program).newer_coming
    assert program.pk in snapshots.due_programs()


def test_a_members_step_marks_the_figures_changed_once_it_commits(
    start_pair, program, today, django_capture_on_commit_callbacks
):
    journey, (mentor, _mentee) = start_pair(days_ago=3, milestones=0)
    snapshots.work_out(program.pk)
    assert kept(program).changed_at is None
    content = journey_state(journey, today).snapshot.milestones[0]
    step = next(s for s in content.steps if s.kind == "read")

    with django_capture_on_commit_callbacks(execute=True):
        progress.complete_step(journey, mentor, content.id, step.id, today)

    assert kept(program).changed_at is not None
    assert snapshots.read(program).newer_coming
    assert snapshots.due_programs() == [program.pk]


def test_an_enrolment_marks_the_figures_changed(
    scene, program, user_factory, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)

    with django_capture_on_commit_callbacks(execute=True):
        Enrollment.objects.create(program=program, user=user_factory(), role="mentee")

    assert kept(program).changed_at is not None


def test_the_sweep_works_out_what_is_due_and_nothing_else(
    scene, program, other_program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_insights() == "2 programs queued"

    assert set(ProgramSnapshot.objects.values_list("pk", flat=True)) == {
        program.pk,
        other_program.pk,
    }
    assert snapshots.due_programs() == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_insights() == "0 programs queued"


def test_an_unpublished_programs_figures_are_worked_out_for_its_admins(
    plain_client, program_admin, scene, program, django_capture_on_commit_callbacks
):
    """A program taken off the site still has journeys under way and admins who follow
    them: its dashboard must not wait for figures that never come."""
    program.unpublish()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_insights()
    plain_client.force_login(program_admin)
    html = plain_client.get(reverse("insights:program", args=[program.pk])).content.decode()

    assert snapshots.read(program) is not None
    assert "still being worked out" not in html
    assert "Figures as of" in html


def test_a_member_whose_account_was_deleted_is_left_out_of_the_names(
    plain_client, program_admin, start_pair, program
):
    _journey, (mentor, _mentee) = start_pair(days_ago=90, milestones=0)
    snapshots.work_out(program.pk)
    mentor.delete()
    plain_client.force_login(program_admin)

    response = plain_client.get(reverse("insights:export", args=[program.pk, "health"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert [row[0] for row in rows[1:]] == ["Mentee 0 (Mentee)"]


def test_figures_from_yesterday_or_an_hour_ago_are_worked_out_again(scene, program):
    snapshots.work_out(program.pk)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    ProgramSnapshot.objects.filter(pk=program.pk).update(day=yesterday)
    assert snapshots.due_programs() == [program.pk]
    assert snapshots.read(program).newer_coming

    ProgramSnapshot.objects.filter(pk=program.pk).update(
        day=timezone.localdate(), computed_at=timezone.now() - snapshots.MAX_AGE
    )
    assert snapshots.due_programs() == [program.pk]
    assert not snapshots.read(program).newer_coming


def test_figures_of_another_shape_are_never_read(scene, program):
    snapshots.work_out(program.pk)
    ProgramSnapshot.objects.filter(pk=program.pk).update(shape=snapshots.SHAPE + 1)

    assert snapshots.read(program) is None
    assert snapshots.due_programs() == [program.pk]


def test_the_pages_say_newer_figures_are_coming(plain_client, sponsor, scene, program):
    snapshots.work_out(program.pk)
    ProgramSnapshot.objects.filter(pk=program.pk).update(changed_at=timezone.now())
    plain_client.force_login(sponsor)

    html = plain_client.get(page_url(program)).content.decode()

    assert "Newer figures are being worked out." in html


def test_the_count_at_risk_is_read_out_of_the_snapshot_in_one_query(
    scene, program, other_program, django_assert_num_queries
):
    snapshots.work_out(program.pk)
    expected = snapshots.read(program).insights.health_counts["at_risk"]
    assert expected, "the scene has journeys at risk"

    with django_assert_num_queries(1):
        counts = snapshots.at_risk_counts([program.pk, other_program.pk])

    assert counts == {program.pk: expected}


def test_a_journey_started_marks_the_figures_changed(
    start_pair, program, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)

    with django_capture_on_commit_callbacks(execute=True):
        start_pair(days_ago=1, milestones=0)

    assert kept(program).changed_at is not None


def test_renaming_a_material_marks_the_programs_whose_journeys_show_it(
    scene, program, other_program, content, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)
    snapshots.work_out(other_program.pk)
    material = content["listening"]
    material.title = "Listening, and hearing"

    with django_capture_on_commit_callbacks(execute=True):
        material.save_revision().publish()

    assert kept(program).changed_at is not None
    assert kept(other_program).changed_at is None
    snapshots.work_out(program.pk)
    titles = {row.title for row in snapshots.read(program).insights.content}
    assert "Listening, and hearing" in titles
    assert "Listening well" not in titles


def test_a_material_no_journey_shows_marks_nothing(
    scene, program, library, django_capture_on_commit_callbacks
):
    from content.factories import MaterialPageFactory

    unused = MaterialPageFactory(parent=library, title="Not in any journey")
    snapshots.work_out(program.pk)

    with django_capture_on_commit_callbacks(execute=True):
        unused.save_revision().publish()

    assert kept(program).changed_at is None


def test_publishing_a_journey_template_marks_its_program(
    scene, program, other_program, template, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)
    snapshots.work_out(other_program.pk)
    template.title = "Our first year"

    with django_capture_on_commit_callbacks(execute=True):
        template.save_revision().publish()

    assert kept(program).changed_at is not None
    assert kept(other_program).changed_at is None


def test_deleting_a_topic_marks_the_programs_whose_objectives_measure_it(
    scene, program, other_program, feedback, django_capture_on_commit_callbacks
):
    snapshots.work_out(program.pk)
    snapshots.work_out(other_program.pk)

    with django_capture_on_commit_callbacks(execute=True):
        feedback.delete()

    assert kept(program).changed_at is not None
    assert kept(other_program).changed_at is None
