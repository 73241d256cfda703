"""Which materials people opened is forgotten after TRELLIS_RETENTION_DAYS."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from insights import tasks
from insights.models import ContentView
from insights.schedules import SCHEDULES
from insights.tracking import forget_old_views
from journeys.models import MemberRole
from journeys.services.starting import start_journey

pytestmark = pytest.mark.django_db

DAYS = 400


@pytest.fixture
def journey(program, template, user_factory, today):
    return start_journey(
        program,
        [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
        started_on=today,
    )


def view(journey, user, page, days_ago):
    return ContentView.objects.create(
        journey=journey,
        user=user,
        page=page,
        first_opened_at=timezone.now() - datetime.timedelta(days=days_ago),
    ).pk


def test_old_views_are_forgotten_and_recent_ones_kept(journey, program):
    mentor, mentee = (m.user for m in journey.memberships.order_by("role"))
    old = view(journey, mentor, program, DAYS + 1)
    recent = view(journey, mentee, program, DAYS - 1)

    assert forget_old_views(timezone.now(), DAYS) == (1, True)
    assert set(ContentView.objects.values_list("pk", flat=True)) == {recent}
    assert old != recent
    assert forget_old_views(timezone.now(), DAYS) == (0, True)


def test_a_run_out_of_time_deletes_nothing_and_says_so(journey, program):
    old = view(journey, journey.memberships.first().user, program, DAYS + 1)

    assert forget_old_views(timezone.now(), DAYS, seconds=0) == (0, False)
    assert ContentView.objects.filter(pk=old).exists()


def test_the_daily_task_follows_the_setting(settings, journey, program):
    settings.TRELLIS_RETENTION_DAYS = 30
    user = journey.memberships.first().user
    view(journey, user, program, 31)
    kept = view(journey, journey.memberships.last().user, program, 14)

    assert tasks.forget_old_content_views() == "deleted 1 content views"
    assert list(ContentView.objects.values_list("pk", flat=True)) == [kept]


def test_the_insights_schedules_are_synced_by_name(db):
    declared = {s["name"]: s["func"] for s in SCHEDULES}
    assert declared == {
        "trellis.insights_sweep": "insights.tasks.sweep_insights",
        "trellis.insights_digests": "insights.tasks.send_insights_digests",
        "trellis.insights_retention": "insights.tasks.forget_old_content_views",
    }

    call_command("sync_schedules", verbosity=0)

    assert dict(Schedule.objects.filter(name__in=declared).values_list("name", "func")) == declared
    assert Schedule.objects.get(name="trellis.insights_retention").schedule_type == Schedule.DAILY
