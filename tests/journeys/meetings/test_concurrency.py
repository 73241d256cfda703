"""Everyone in a circle accepting a time at the same moment makes one meeting, on PostgreSQL.

Each thread has its own database connection, so the acceptances really are
concurrent transactions. Reading the members is slowed down a little, so that
without the lock on the planned meeting's row every thread would find it still
proposed before any of them had written. SQLite serialises every write, so
there is nothing to prove there.
"""

import datetime
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from journeys.models import MemberRole, OutboxEmail, PlannedMeeting
from journeys.services import meetings
from journeys.services.starting import start_journey

MEMBERS = 5

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent transactions with row locks",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def wagtail_root(transactional_db):
    """The root page and default site Wagtail's migrations made, if a transactional
    test before this one flushed them away."""
    if Page.get_first_root_node() is not None:
        return
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    Site.objects.get_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": root}
    )


def test_a_circle_accepting_at_once_agrees_one_time_and_sends_one_set_of_invitations(
    wagtail_root, program, template, user_factory, monkeypatch
):
    people = [user_factory(email=f"member{n}@example.com") for n in range(MEMBERS)]
    journey = start_journey(
        program,
        [(people[0], MemberRole.MENTOR)] + [(p, MemberRole.MEMBER) for p in people[1:]],
        started_on=timezone.localdate(),
        template=template,
    )
    now = timezone.now().replace(microsecond=0)
    times = [now + datetime.timedelta(days=d) for d in (2, 3, 4)]
    plan = meetings.propose(
        journey,
        people[0],
        options=times,
        duration_minutes=30,
        place="Room 4",
        video_link="",
        agenda="",
        now=now,
    )
    read_members = meetings._members

    def slow_members(journey, plan=None):
        members = read_members(journey, plan)
        time.sleep(0.05)  # between finding it proposed and writing: where a race would slip in
        return members

    monkeypatch.setattr(meetings, "_members", slow_members)
    barrier = threading.Barrier(MEMBERS - 1)
    results = {}

    def accept(person, chosen):
        try:
            barrier.wait(timeout=30)
            meetings.accept(PlannedMeeting.objects.get(pk=plan.pk), person, chosen, now)
            results[person.pk] = "accepted"
        except meetings.MeetingPlanError as error:
            results[person.pk] = str(error)
        except Exception as error:  # anything else fails the test below, named
            results[person.pk] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(person, times[n % 3]))
        for n, person in enumerate(people[1:])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    outcomes = sorted(results.values())
    assert outcomes.count("accepted") == 1, outcomes
    assert all("already agreed" in o for o in outcomes if o != "accepted"), outcomes
    plan.refresh_from_db()
    winner = next(pk for pk, outcome in results.items() if outcome == "accepted")
    assert plan.accepted_by.user_id == winner
    assert OutboxEmail.objects.filter(calendar_method="REQUEST").count() == MEMBERS
