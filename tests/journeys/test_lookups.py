"""``any_of`` finds what ``in`` finds, with one parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.models import Journey, JourneyMember, MemberRole
from journeys.services.starting import start_journey


@pytest.fixture
def journeys(program, journey_page, user_factory, today):
    return [
        start_journey(
            program,
            [(user_factory(), MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
            started_on=today,
        )
        for _ in range(4)
    ]


def test_any_of_finds_what_in_finds(journeys):
    chosen = [journeys[0].pk, journeys[2].pk, 10**9]

    found = set(Journey.objects.filter(pk__any_of=chosen).values_list("pk", flat=True))

    assert found == set(Journey.objects.filter(pk__in=chosen).values_list("pk", flat=True))
    assert found == {journeys[0].pk, journeys[2].pk}


def test_any_of_follows_a_foreign_key(journeys):
    members = JourneyMember.objects.filter(journey__any_of=[journeys[1].pk])

    assert {m.journey_id for m in members} == {journeys[1].pk}
    by_id = JourneyMember.objects.filter(journey_id__any_of=[journeys[1].pk])
    assert by_id.count() == len(members)


def test_any_of_nothing_finds_nothing_without_asking(journeys):
    with CaptureQueriesContext(connection) as queries:
        assert list(Journey.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0


def test_any_of_refuses_what_is_not_an_id(journeys):
    with pytest.raises(ValueError):
        list(Journey.objects.filter(pk__any_of=["1; DROP TABLE x"]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_on_postgresql_the_ids_go_as_one_array(journeys):
    ids = [j.pk for j in journeys]
    with CaptureQueriesContext(connection) as queries:
        list(Journey.objects.filter(pk__any_of=ids))

    assert "= ANY(" in queries[0]["sql"]
    assert queries[0]["sql"].count(str(ids[-1])) == 1
