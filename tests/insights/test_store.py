"""Keeping computed insights: fresh for five minutes, then kept while nothing changes."""

import datetime

import pytest
from django.utils import timezone

from insights import store
from insights.models import ContentView
from insights.store import FRESH_SECONDS, program_insights
from insights.tracking import forget_old_views
from journeys.models import Journey, JourneyStatus


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(store.time, "time", lambda: now[0])
    return now


def test_insights_are_worked_out_once_and_then_read_from_the_cache(
    scene, program, today, clock, django_assert_num_queries
):
    first = program_insights(program, today)

    with django_assert_num_queries(0):
        again = program_insights(program, today)

    assert again.computed_at == first.computed_at


def test_within_five_minutes_a_change_is_not_yet_shown(scene, program, today, clock):
    program_insights(program, today)
    Journey.objects.filter(pk=scene["stalled"][0].pk).update(status=JourneyStatus.CLOSED)
    clock[0] += FRESH_SECONDS - 1

    assert program_insights(program, today).status_counts["closed"] == 0


def test_after_five_minutes_a_change_is_worked_out_afresh(scene, program, today, clock):
    program_insights(program, today)
    Journey.objects.filter(pk=scene["stalled"][0].pk).update(status=JourneyStatus.CLOSED)
    clock[0] += FRESH_SECONDS

    assert program_insights(program, today).status_counts["closed"] == 1


def test_after_five_minutes_views_the_retention_task_forgot_are_worked_out_afresh(
    scene, program, today, clock
):
    first = program_insights(program, today)
    oldest = ContentView.objects.order_by("pk").first()
    assert ContentView.objects.filter(pk__gt=oldest.pk).exists()  # the latest view stays
    ContentView.objects.filter(pk=oldest.pk).update(
        first_opened_at=timezone.now() - datetime.timedelta(days=500)
    )
    assert forget_old_views(timezone.now(), 400) == (1, True)
    clock[0] += FRESH_SECONDS

    again = program_insights(program, today)

    assert again.computed_at != first.computed_at
    assert sum(row.people for row in again.content) == sum(row.people for row in first.content) - 1


def test_after_five_minutes_without_a_change_the_kept_figures_stay(
    scene, program, today, clock, django_assert_max_num_queries
):
    first = program_insights(program, today)
    clock[0] += FRESH_SECONDS + 60

    with django_assert_max_num_queries(6):  # the version: journeys, views, enrolments
        again = program_insights(program, today)

    assert again.computed_at == first.computed_at


def test_a_new_day_is_worked_out_afresh(scene, program, today, clock):
    first = program_insights(program, today)

    tomorrow = program_insights(program, today + datetime.timedelta(days=1))

    assert tomorrow.today != first.today
