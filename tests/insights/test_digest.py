"""The weekly insights digest: who gets it, what it says, and only once a week."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django_q.models import Schedule

from journeys import tasks
from journeys.insights import digest
from journeys.insights.digest import iso_week, send_insights_digests
from journeys.models import EmailChoice, InsightsDigest, ParticipantPreferences
from journeys.schedules import SCHEDULES

from .conftest import PROGRAM_ADMINS


def test_program_admins_and_the_sponsor_each_get_one_digest(
    scene, program, program_admin, sponsor
):
    assert send_insights_digests() == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([program_admin.email, sponsor.email])
    assert all(m.subject == "This week in “Growing leaders”" for m in mail.outbox)


def test_the_digest_gives_the_weeks_numbers_and_links_to_the_dashboard(
    scene, program, program_admin
):
    send_insights_digests()
    text = next(m for m in mail.outbox if m.to == [program_admin.email]).body

    assert "Steps completed: 5" in text
    assert "Meetings held: 1" in text
    assert "Milestones completed: 1" in text
    assert "On track: 2" in text and "Needs attention: 4" in text and "At risk: 2" in text
    assert f"http://testserver/admin/insights/{program.pk}/" in text


def test_admins_read_the_names_of_journeys_at_risk_with_links(scene, program, program_admin):
    send_insights_digests()
    message = next(m for m in mail.outbox if m.to == [program_admin.email])
    stalled = scene["stalled"][0]

    assert "Mentee 2 (Mentee), Mentor 2 (Mentor)" in message.body
    assert f"http://testserver/admin/journeys/inspect/{stalled.pk}/" in message.body
    assert "Mentee 2 (Mentee), Mentor 2 (Mentor)" in message.alternatives[0][0]


def test_running_it_again_in_the_same_week_sends_nothing(scene, program, program_admin, today):
    assert send_insights_digests(today) == 2

    assert send_insights_digests(today) == 0
    assert send_insights_digests(today + datetime.timedelta(days=(6 - today.weekday()))) == 0
    assert len(mail.outbox) == 2


def test_next_week_it_goes_again(scene, program, program_admin, today):
    send_insights_digests(today)

    assert send_insights_digests(today + datetime.timedelta(days=7)) == 2
    assert set(InsightsDigest.objects.values_list("week", flat=True)) == {
        iso_week(today),
        iso_week(today + datetime.timedelta(days=7)),
    }


def test_people_who_stopped_emails_get_no_digest(scene, program, sponsor, program_admin):
    ParticipantPreferences.objects.create(user=sponsor, emails=EmailChoice.NONE)

    assert send_insights_digests() == 1
    assert mail.outbox[0].to == [program_admin.email]


def test_a_failed_send_is_given_back_and_retried(scene, program, program_admin):
    calls = []

    class FailingMailer(digest.Mailer):
        def send(self, *args, **kwargs):
            calls.append(args)
            raise ConnectionError("SMTP down")

    with pytest.raises(ConnectionError):
        send_insights_digests(mailer=FailingMailer())
    assert not InsightsDigest.objects.exists()

    assert send_insights_digests() == 2


def test_someone_who_is_both_admin_and_sponsor_gets_one_digest_with_names(scene, program, sponsor):
    from django.contrib.auth.models import Group

    sponsor.groups.add(Group.objects.get(name=PROGRAM_ADMINS))

    send_insights_digests()

    to_sponsor = [m for m in mail.outbox if m.to == [sponsor.email]]
    assert len(to_sponsor) == 1
    assert "Mentee 2 (Mentee)" in to_sponsor[0].body


def test_a_program_without_a_sponsor_goes_to_admins_only(home, program_admin):
    from journeys.factories import ProgramPageFactory

    ProgramPageFactory(parent=home, title="Unsponsored")

    assert send_insights_digests() == 1
    assert mail.outbox[0].to == [program_admin.email]


def test_the_task_sends_the_digests(scene, program, program_admin):
    assert tasks.send_insights_digests() == "2 insights digests sent"


def test_the_digest_is_a_weekly_schedule_synced_by_name(db):
    declared = {s["name"]: s for s in SCHEDULES}

    assert declared["trellis.insights_digests"]["func"] == "journeys.tasks.send_insights_digests"
    assert declared["trellis.insights_digests"]["schedule_type"] == Schedule.WEEKLY
    call_command("sync_schedules", verbosity=0)
    assert Schedule.objects.filter(
        name="trellis.insights_digests", schedule_type=Schedule.WEEKLY
    ).exists()
