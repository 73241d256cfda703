"""The weekly insights digest: who gets it, what it says, and only once a week."""

import datetime
import re
from urllib.parse import urlsplit

from django.core import mail
from django.core.management import call_command
from django_q.models import Schedule

from insights import tasks
from insights.digest import iso_week
from insights.digest import send_insights_digests as write_digests
from insights.models import InsightsDigest
from insights.schedules import SCHEDULES
from journeys.models import (
    EmailChoice,
    EmailStatus,
    Journey,
    JourneyStatus,
    OutboxEmail,
    ParticipantPreferences,
    ProgramPage,
)
from journeys.services.outbox import deliver_due
from tests.mail import SERVER_DOWN
from tests.programs import run_by_program_admins

from .conftest import PROGRAM_ADMINS


def send_insights_digests(today=None):
    """Write the digests to the outbox, then deliver it as a worker would."""
    written = write_digests(today)
    deliver_due()
    return written


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


def test_a_mail_server_that_is_down_delays_the_digest_and_loses_nothing(
    scene, program, program_admin, settings
):
    settings.EMAIL_BACKEND = SERVER_DOWN
    assert send_insights_digests() == 2
    assert mail.outbox == []
    assert InsightsDigest.objects.count() == 2
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {EmailStatus.PENDING}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEmail.objects.update(send_after=OutboxEmail.objects.first().created_at)
    assert send_insights_digests() == 0  # claimed this week already: not written twice
    assert len(mail.outbox) == 2
    assert deliver_due().sent == 0


def test_a_program_whose_title_has_a_line_break_gets_a_one_line_subject(
    scene, program, program_admin
):
    # Stored before the editor refused such titles (BasePage.clean); emails still cope.
    ProgramPage.objects.filter(pk=program.pk).update(
        title="Growing\nleaders\r\nBcc: someone@example.com"
    )

    assert send_insights_digests() == 2

    assert {m.subject for m in mail.outbox} == {
        "This week in “Growing leaders Bcc: someone@example.com”"
    }
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_one_program_that_fails_never_stops_the_others(scene, program, program_admin, monkeypatch):
    from insights import digest
    from journeys.factories import ProgramPageFactory

    other = ProgramPageFactory(
        parent=program.get_parent(), title="Another program", admins=run_by_program_admins()
    )
    real = digest.snapshots.work_out

    def broken_for_the_first(program_id, **options):
        if program_id == program.pk:
            raise RuntimeError("These figures cannot be worked out.")
        return real(program_id, **options)

    monkeypatch.setattr(digest.snapshots, "work_out", broken_for_the_first)

    assert send_insights_digests() == 1
    assert [m.subject for m in mail.outbox] == ["This week in “Another program”"]
    assert InsightsDigest.objects.get().program_id == other.pk


def test_someone_who_is_both_admin_and_sponsor_gets_one_digest_with_names(scene, program, sponsor):
    from django.contrib.auth.models import Group

    sponsor.groups.add(Group.objects.get(name=PROGRAM_ADMINS))

    send_insights_digests()

    to_sponsor = [m for m in mail.outbox if m.to == [sponsor.email]]
    assert len(to_sponsor) == 1
    assert "Mentee 2 (Mentee)" in to_sponsor[0].body


def test_a_program_without_a_sponsor_goes_to_admins_only(home, program_admin):
    from journeys.factories import ProgramPageFactory

    ProgramPageFactory(parent=home, title="Unsponsored", admins=run_by_program_admins())

    assert send_insights_digests() == 1
    assert mail.outbox[0].to == [program_admin.email]


def test_the_task_sends_the_digests(scene, program, program_admin):
    assert tasks.send_insights_digests() == "2 insights digests queued"
    assert OutboxEmail.objects.filter(template="insights/emails/insights_digest").count() == 2


def test_the_digest_is_a_weekly_schedule_synced_by_name(db):
    declared = {s["name"]: s for s in SCHEDULES}

    assert declared["trellis.insights_digests"]["func"] == "insights.tasks.send_insights_digests"
    assert declared["trellis.insights_digests"]["schedule_type"] == Schedule.WEEKLY
    call_command("sync_schedules", verbosity=0)
    assert Schedule.objects.filter(
        name="trellis.insights_digests", schedule_type=Schedule.WEEKLY
    ).exists()


# Who hears about which program -----------------------------------------------------------


def test_each_program_is_told_to_its_own_admins_and_sponsors_only(home, user_factory):
    from django.contrib.auth.models import Group

    from journeys.factories import ProgramPageFactory

    alpha_admin = user_factory(email="alpha-admin@example.com", groups=[PROGRAM_ADMINS])
    beta_admin = user_factory(email="beta-admin@example.com", groups=[PROGRAM_ADMINS])
    idle_admin = user_factory(email="idle-admin@example.com", groups=[PROGRAM_ADMINS])
    alpha_sponsor = user_factory(email="alpha-sponsor@example.com")
    board = Group.objects.create(name="Board")
    board_member = user_factory(email="board@example.com", groups=["Board"])
    ProgramPageFactory(
        parent=home, title="Alpha", admins=[alpha_admin], sponsors=[alpha_sponsor, board]
    )
    ProgramPageFactory(parent=home, title="Beta", admins=[beta_admin])

    assert send_insights_digests() == 4

    by_program = {}
    for message in mail.outbox:
        by_program.setdefault(message.subject, set()).add(message.to[0])
    assert by_program == {
        "This week in “Alpha”": {alpha_admin.email, alpha_sponsor.email, board_member.email},
        "This week in “Beta”": {beta_admin.email},
    }
    assert idle_admin.email not in {m.to[0] for m in mail.outbox}


def test_sponsors_chosen_on_the_program_read_counts_and_no_admin_link(
    scene, program, user_factory
):
    from journeys.factories import choose_people

    chosen = user_factory(email="chosen-sponsor@example.com")
    choose_people(program, "sponsor", [chosen])

    send_insights_digests()
    text = next(m for m in mail.outbox if m.to == [chosen.email]).body

    assert "At risk: 2" in text
    assert "Mentee 2" not in text
    assert "/admin/" not in text


def test_an_admin_without_the_insights_permission_gets_no_digest(home, user_factory):
    from journeys.factories import ProgramPageFactory

    helper = user_factory(email="helper@example.com")  # chosen, but in no group
    ProgramPageFactory(parent=home, title="Helped", admins=[helper])

    assert send_insights_digests() == 0


def test_inactive_people_and_people_without_an_address_get_no_digest(home, user_factory):
    from journeys.factories import ProgramPageFactory

    gone = user_factory(email="gone@example.com", groups=[PROGRAM_ADMINS], is_active=False)
    nameless = user_factory(email="nameless@example.com", groups=[PROGRAM_ADMINS])
    type(nameless).objects.filter(pk=nameless.pk).update(email="")
    sponsor_gone = user_factory(email="sponsor-gone@example.com", is_active=False)
    ProgramPageFactory(
        parent=home, title="Quiet", admins=[gone, nameless], sponsors=[sponsor_gone]
    )

    assert send_insights_digests() == 0


# A program taken off the site ------------------------------------------------------------


def _links(text):
    return re.findall(r"https?://\S+", text)


def test_an_unpublished_program_with_journeys_under_way_is_still_told_to_its_people(
    scene, program, program_admin, sponsor, plain_client
):
    """Its journeys go on (docs/architecture.md), so its admins and sponsor keep hearing."""
    program.unpublish()
    ended = [scene[f"more{n}"][0].pk for n in range(4)]
    Journey.objects.filter(pk__in=ended).update(status=JourneyStatus.COMPLETED)
    Journey.objects.filter(pk=scene["slow"][0].pk).update(status=JourneyStatus.PAUSED)

    assert send_insights_digests() == 2

    to_admin = next(m for m in mail.outbox if m.to == [program_admin.email])
    to_sponsor = next(m for m in mail.outbox if m.to == [sponsor.email])
    for message in (to_admin, to_sponsor):
        assert message.subject == "This week in “Growing leaders”"
        assert "is not published" in message.body
        assert "is not published" in message.alternatives[0][0]
        assert f"/programs/{program.slug}/" not in message.body + message.alternatives[0][0]
    assert f"http://testserver/admin/insights/{program.pk}/" in to_admin.body
    assert "/admin/" not in to_sponsor.body
    # Every link in them opens, for the person it was written to.
    for user, message in ((program_admin, to_admin), (sponsor, to_sponsor)):
        plain_client.force_login(user)
        for url in _links(message.body):
            parts = urlsplit(url)
            response = plain_client.get(parts.path, HTTP_HOST=parts.netloc)
            assert response.status_code == 200, url


def test_an_unpublished_program_with_only_paused_journeys_is_still_told(
    program, start_pair, program_admin, sponsor
):
    journey, _people = start_pair(days_ago=30, milestones=1)
    Journey.objects.filter(pk=journey.pk).update(status=JourneyStatus.PAUSED)
    program.unpublish()

    assert send_insights_digests() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([program_admin.email, sponsor.email])


def test_an_unpublished_program_whose_journeys_have_all_ended_is_not_told(
    program, start_pair, program_admin, sponsor
):
    done, _people = start_pair(days_ago=60, milestones=1)
    closed, _people = start_pair(days_ago=50, milestones=0)
    Journey.objects.filter(pk=done.pk).update(status=JourneyStatus.COMPLETED)
    Journey.objects.filter(pk=closed.pk).update(status=JourneyStatus.CLOSED)
    program.unpublish()

    assert send_insights_digests() == 0
    assert mail.outbox == []


def test_an_unpublished_program_without_journeys_is_not_told(program, program_admin, sponsor):
    program.unpublish()

    assert send_insights_digests() == 0
    assert mail.outbox == []


def test_a_live_program_without_journeys_is_still_told(program, program_admin, sponsor):
    assert send_insights_digests() == 2
    assert all("is not published" not in m.body for m in mail.outbox)
