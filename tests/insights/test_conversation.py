"""Insights count the messages in conversations, per journey and week, and never read them."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.compute import compute_insights, week_start
from insights.digest import digest_context
from journeys.services import conversation

pytestmark = pytest.mark.django_db

WORDS = "MESSAGE-MARKER-88e1 I am thinking of quitting"


@pytest.fixture
def talking(scene, today):
    """Messages in two journeys: this week and three weeks ago; one of them deleted."""
    (journey, (mentor, mentee)) = scene["thriving"]
    (quiet_journey, (other_mentor, _other_mentee)) = scene["steady"]
    now = timezone.now()
    three_weeks_ago = now - datetime.timedelta(weeks=3)
    for n in range(3):
        conversation.post_message(
            journey, mentee, f"{WORDS} {n}", now=now - datetime.timedelta(days=1)
        )
    deleted = conversation.post_message(
        journey, mentor, WORDS, now=now - datetime.timedelta(days=1)
    )
    conversation.delete_message(journey, mentor, deleted.uuid, now=deleted.created_at)
    conversation.post_message(quiet_journey, other_mentor, WORDS, now=three_weeks_ago)
    return {"journey": journey, "three_weeks_ago": three_weeks_ago, "now": now}


def test_messages_are_counted_by_week_with_the_journeys_that_wrote(program, today, talking):
    insights = compute_insights(program, today).insights
    weeks = {w.start: w for w in insights.conversation}
    yesterday = week_start(timezone.localtime(talking["now"] - datetime.timedelta(days=1)).date())
    earlier = week_start(timezone.localtime(talking["three_weeks_ago"]).date())
    assert weeks[yesterday].messages == 4  # the deleted one was written, and counts
    assert weeks[yesterday].journeys_writing == 1
    assert weeks[earlier].messages == 1
    assert weeks[earlier].journeys_writing == 1
    assert sum(w.messages for w in insights.conversation) == 5
    started = weeks[yesterday].journeys_under_way
    assert started == 8
    assert weeks[yesterday].per_journey == pytest.approx(4 / 8)
    assert insights.week.messages == 4


def test_each_active_journey_shows_its_messages_of_the_last_week(program, today, talking):
    computed = compute_insights(program, today)
    by_journey = {row.journey_id: row.messages_last_7_days for row in computed.health_rows}
    assert by_journey[talking["journey"].pk] == 4
    assert sum(by_journey.values()) == 4


@pytest.mark.parametrize("viewer", ["program_admin", "superuser"])
def test_the_dashboard_and_its_csvs_count_messages_and_never_show_them(
    client, program, talking, viewer, request
):
    client.force_login(request.getfixturevalue(viewer))
    html = client.get(reverse("insights:program", args=[program.pk])).content.decode()
    assert "Messages in conversations, by week" in html
    assert "MESSAGE-MARKER" not in html
    export = reverse("insights:export", args=[program.pk, "conversation"])
    assert export in html
    body = client.get(export).content.decode()
    assert "MESSAGE-MARKER" not in body
    rows = [line for line in body.splitlines()[1:] if line]
    assert sum(int(re.split(",", line)[1]) for line in rows) == 5


def test_the_insights_digest_gives_the_weeks_messages_without_words(program, today, talking):
    computed = compute_insights(program, today)
    context = digest_context(program, computed.insights, computed.health_rows, for_admin=True)
    assert ("Messages in conversations", 4) in [(str(k), v) for k, v in context["week"]]
    assert "MESSAGE-MARKER" not in repr(context)


def test_the_dashboards_sentences_count_in_singular_and_plural(program, today, scene):
    import dataclasses

    from insights.views import dashboard_charts

    insights = compute_insights(program, today).insights
    one_message = [
        dataclasses.replace(week, messages=0, journeys_under_way=40)
        for week in insights.conversation
    ]
    one_message[-1] = dataclasses.replace(one_message[-1], messages=1)
    insights.conversation = tuple(one_message)
    insights.funnels = tuple(dataclasses.replace(f, journeys=1) for f in insights.funnels[:1])

    charts = dashboard_charts(insights)

    conversation = charts["conversation"].description
    assert "1 message in conversations, at most under 0.1 per journey in a week" in conversation
    assert "1 journey follows this template." in charts["funnels"][0].description
    assert "needing attention" in charts["health"].description
    assert "needs attention" not in charts["health"].description


def test_the_journey_list_names_the_last_day_its_messages_count_and_today_is_not_one(
    program, today, scene, talking
):
    from django.utils.formats import date_format

    from insights.tables import health_table

    (journey, (_mentor, mentee)) = scene["thriving"]
    conversation.post_message(journey, mentee, WORDS)
    computed = compute_insights(program, today)
    table = health_table(computed.health_rows, computed.insights.week)

    yesterday = today - datetime.timedelta(days=1)
    assert computed.insights.week.end == yesterday
    assert table.columns[-1].heading == (
        f"Messages in the 7 days to {date_format(yesterday, 'j M')}"
    )
    by_journey = {row.journey_id: row.messages_last_7_days for row in computed.health_rows}
    assert by_journey[journey.pk] == 4  # today's message waits for tomorrow's seven days
    assert computed.insights.week.messages == 4
    # The conversation's current week, so far, counts it already.
    this_week = {w.start: w.messages for w in computed.insights.conversation}[week_start(today)]
    assert this_week == 1 + (4 if week_start(yesterday) == week_start(today) else 0)


def test_the_journey_list_csv_heads_its_messages_with_their_last_day(
    client, program_admin, program, talking, today
):
    from django.utils.formats import date_format

    client.force_login(program_admin)
    body = client.get(reverse("insights:export", args=[program.pk, "health"])).content.decode()
    heading = body.splitlines()[0]

    yesterday = today - datetime.timedelta(days=1)
    assert heading.endswith(f"Messages in the 7 days to {date_format(yesterday, 'j M')}")
    assert "last 7 days" not in heading
    assert "MESSAGE-MARKER" not in body
