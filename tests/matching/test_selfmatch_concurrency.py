"""Self-match under concurrent transactions, on real PostgreSQL.

A mentor's places hold when many mentees ask at the same moment, and a mentor
accepting while the mentee withdraws from the program queue up rather than deadlock:
every path locks enrolments, requests, matches and journeys in one order
(``matching.services.locking``).

Each thread has its own database connection, so the requests really are concurrent
transactions. The count of places taken is slowed down a little so that, without the
lock on the mentor's row, every thread would count before any of them had written.
SQLite serialises every write, so there is nothing to prove there.
"""

import re
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from matching import views as enrolment_views
from matching.exceptions import MatchingError
from matching.factories import EnrollmentFactory, policy_for
from matching.models import (
    Enrollment,
    EnrollmentStatus,
    MatchProposal,
    MentorRequest,
    RequestStatus,
)
from matching.services import selfmatch
from matching.services.locking import LOCK_ORDER

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


@pytest.fixture
def program_with_journey(program):
    from journeys.factories import JourneyPageFactory

    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.save_revision().publish()
    return program


@pytest.fixture
def asked(program_with_journey, user_factory):
    """A mentee waiting for the answer of the mentor they asked."""
    program = program_with_journey
    mentor = EnrollmentFactory(
        program=program, user=user_factory(), role="mentor", capacity=2, seniority=6
    )
    mentee = EnrollmentFactory(program=program, user=user_factory(), role="mentee", seniority=3)
    return selfmatch.request_mentor(mentee, mentor)


def withdraw_from_program(enrollment) -> int:
    """The person withdraws on the program's withdraw page; returns the status code."""
    client = Client()
    client.force_login(enrollment.user)
    response = client.post(reverse("matching:withdraw", args=[enrollment.program_id]))
    return response.status_code


LOCKING = re.compile(r'^(?:SELECT\b.*?\bFROM "(\w+)".*\bFOR UPDATE\b|UPDATE "(\w+)")', re.S)


def first_locked(queries) -> list[str]:
    """The tables of ``LOCK_ORDER`` in the order the queries first lock a row of each:
    a ``SELECT ... FOR UPDATE`` or an ``UPDATE``."""
    ordered = [model._meta.db_table for model in LOCK_ORDER]
    seen = []
    for query in queries:
        found = LOCKING.match(query["sql"])
        table = found and (found.group(1) or found.group(2))
        if table in ordered and table not in seen:
            seen.append(table)
    return seen


def in_lock_order(tables) -> bool:
    ordered = [model._meta.db_table for model in LOCK_ORDER]
    return tables == sorted(tables, key=ordered.index)


def test_accepting_and_withdrawing_lock_enrolments_before_the_request(asked):
    request = MentorRequest.objects.get(pk=asked.pk)
    with CaptureQueriesContext(connection) as withdrawing:
        assert withdraw_from_program(request.mentee) == 302
    request.mentee.status = EnrollmentStatus.ENROLLED
    request.mentee.save(update_fields=["status"])
    MentorRequest.objects.filter(pk=request.pk).update(status=RequestStatus.PENDING)

    with CaptureQueriesContext(connection) as accepting:
        selfmatch.accept_request(request, request.mentor.user)

    enrolment, mentor_request = Enrollment._meta.db_table, MentorRequest._meta.db_table
    assert first_locked(withdrawing.captured_queries)[:2] == [enrolment, mentor_request]
    assert first_locked(accepting.captured_queries)[:2] == [enrolment, mentor_request]
    assert in_lock_order(first_locked(withdrawing.captured_queries))
    assert in_lock_order(first_locked(accepting.captured_queries))


def test_a_mentor_accepting_while_the_mentee_withdraws_waits_instead_of_deadlocking(
    asked, monkeypatch
):
    """The mentee's withdrawal holds their enrolment and pauses before it ends their
    request; the mentor accepts meanwhile. Locking the request first, then the
    enrolments, the two would each wait for the other until PostgreSQL broke the
    deadlock; in one order, the mentor waits and then finds the request withdrawn."""
    mentee_holds_enrolment = threading.Event()
    ending = enrolment_views.end_requests_of

    def end_requests_slowly(enrollment):
        mentee_holds_enrolment.set()
        time.sleep(1.5)  # long enough for the mentor to lock whatever they lock first
        ending(enrollment)

    monkeypatch.setattr(enrolment_views, "end_requests_of", end_requests_slowly)
    request = MentorRequest.objects.select_related("mentee__user", "mentor__user").get(pk=asked.pk)
    results = {}

    def withdraw():
        try:
            results["mentee"] = withdraw_from_program(request.mentee)
        except Exception as error:  # named in the assertion below
            results["mentee"] = repr(error)
        finally:
            connections.close_all()

    def accept():
        try:
            assert mentee_holds_enrolment.wait(timeout=30)
            selfmatch.accept_request(request, request.mentor.user)
            results["mentor"] = "accepted"
        except MatchingError as error:
            results["mentor"] = str(error)
        except Exception as error:  # named in the assertion below
            results["mentor"] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw), threading.Thread(target=accept)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert results == {
        "mentee": 302,
        "mentor": "This request has already been answered: it is withdrawn.",
    }
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert Enrollment.objects.get(pk=request.mentee_id).status == EnrollmentStatus.WITHDRAWN
    assert not MatchProposal.objects.exists()


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
