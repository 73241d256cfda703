"""A mentor's places hold when many mentees ask at the same moment, on real PostgreSQL.

Each thread has its own database connection, so the requests really are concurrent
transactions. The count of places taken is slowed down a little so that, without the
lock on the mentor's row, every thread would count before any of them had written.
SQLite serialises every write, so there is nothing to prove there.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import Enrollment, MentorRequest, RequestStatus
from matching.services import selfmatch

MENTEES = 8
CAPACITY = 2

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


@pytest.fixture
def program(wagtail_root, home):
    from journeys.factories import ProgramPageFactory

    program = ProgramPageFactory(parent=home, title="Growing leaders")
    policy_for(program, "knowledge", self_match=True)
    return program


def ask_all_at_once(mentee_ids, mentor_id):
    """Every mentee asks the mentor from their own thread; returns what each got."""
    barrier = threading.Barrier(len(mentee_ids))
    results = {}

    def ask(mentee_id):
        try:
            mentee = Enrollment.objects.get(pk=mentee_id)
            mentor = Enrollment.objects.get(pk=mentor_id)
            barrier.wait(timeout=30)
            selfmatch.request_mentor(mentee, mentor)
            results[mentee_id] = "asked"
        except MatchingError as error:
            results[mentee_id] = str(error)
        except Exception as error:  # anything else fails the test below, named
            results[mentee_id] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(pk,)) for pk in mentee_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_a_mentor_with_two_places_is_asked_by_exactly_two_of_eight_at_once(
    program, user_factory, monkeypatch, mailoutbox
):
    mentor = EnrollmentFactory(
        program=program,
        user=user_factory(first_name="Olu", last_name="Mentor"),
        role="mentor",
        capacity=CAPACITY,
        seniority=6,
    )
    mentees = [
        EnrollmentFactory(program=program, user=user_factory(), role="mentee", seniority=3)
        for _ in range(MENTEES)
    ]
    counted = selfmatch.places_left

    def slow_places_left(enrollment):
        left = counted(enrollment)
        time.sleep(0.05)  # between counting and writing: where a race would slip in
        return left

    monkeypatch.setattr(selfmatch, "places_left", slow_places_left)

    results = ask_all_at_once([m.pk for m in mentees], mentor.pk)

    outcomes = sorted(results.values())
    assert len(outcomes) == MENTEES
    assert outcomes.count("asked") == CAPACITY, outcomes
    assert outcomes.count("Olu Mentor has no places left.") == MENTEES - CAPACITY, outcomes
    pending = MentorRequest.objects.filter(mentor=mentor, status=RequestStatus.PENDING)
    assert pending.count() == CAPACITY
    assert set(pending.values_list("mentee_id", flat=True)) == {
        pk for pk, outcome in results.items() if outcome == "asked"
    }
    assert MentorRequest.objects.count() == CAPACITY
    assert selfmatch.places_left(mentor) == 0
    assert [m.to for m in mailoutbox] == [[mentor.user.email]] * CAPACITY


def test_one_mentee_asking_twice_at_once_gets_one_request(program, user_factory):
    mentors = [
        EnrollmentFactory(
            program=program, user=user_factory(), role="mentor", capacity=3, seniority=6
        )
        for _ in range(2)
    ]
    mentee = EnrollmentFactory(program=program, user=user_factory(), role="mentee", seniority=3)
    barrier = threading.Barrier(2)
    results = []

    def ask(mentor):
        try:
            barrier.wait(timeout=30)
            selfmatch.request_mentor(mentee, mentor)
            results.append("asked")
        except MatchingError as error:
            results.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(m,)) for m in mentors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 2
    assert results.count("asked") == 1
    assert "You have already asked" in next(r for r in results if r != "asked")
    assert MentorRequest.objects.filter(mentee=mentee).count() == 1
