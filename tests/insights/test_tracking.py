"""Recording which materials and stories people open, from the milestone page."""

import pytest
from django.urls import reverse

from insights.models import ContentView
from insights.tracking import record_views
from journeys.services.state import journey_state


@pytest.fixture
def pair(start_pair):
    return start_pair(days_ago=20, milestones=0, open_pages=False)


def milestone_url(journey, number, today):
    milestone = journey_state(journey, today).snapshot.milestones[number]
    return reverse("journeys:milestone", args=[journey.uuid, milestone.id])


def test_opening_a_milestone_page_records_the_pages_it_shows(client, pair, today, content):
    journey, (mentor, _mentee) = pair
    client.force_login(mentor)

    assert client.get(milestone_url(journey, 1, today)).status_code == 200

    assert set(ContentView.objects.values_list("journey_id", "user_id", "page_id")) == {
        (journey.pk, mentor.pk, content["story"].pk),
        (journey.pk, mentor.pk, content["guide"].pk),
    }


def test_a_guide_published_since_the_last_visit_counts_on_the_next(client, pair, today, content):
    journey, (mentor, _mentee) = pair
    client.force_login(mentor)
    url = milestone_url(journey, 1, today)  # a story to read and a guide to meet with
    content["guide"].unpublish()
    client.get(url)
    assert set(ContentView.objects.values_list("page_id", flat=True)) == {content["story"].pk}

    content["guide"].save_revision().publish()
    client.get(url)

    assert ContentView.objects.filter(page=content["guide"], user=mentor).count() == 1


def test_each_person_and_page_is_recorded_once_with_the_first_opening(pair, content):
    journey, (mentor, mentee) = pair
    pages = [content["listening"].pk]

    record_views(journey.pk, mentor.pk, pages)
    first = ContentView.objects.get().first_opened_at
    record_views(journey.pk, mentor.pk, pages)
    record_views(journey.pk, mentee.pk, pages)

    assert ContentView.objects.count() == 2
    assert ContentView.objects.get(user=mentor).first_opened_at == first


def test_coming_back_to_a_milestone_page_writes_nothing(
    plain_client, pair, today, django_assert_max_num_queries
):
    client = plain_client
    journey, (mentor, _mentee) = pair
    client.force_login(mentor)
    url = milestone_url(journey, 0, today)
    client.get(url)

    with django_assert_max_num_queries(20) as captured:
        client.get(url)

    assert not [q for q in captured.captured_queries if "INSERT" in q["sql"]]


def test_strangers_opening_a_milestone_url_record_nothing(client, pair, today, user_factory):
    journey, _people = pair
    client.force_login(user_factory())

    assert client.get(milestone_url(journey, 0, today)).status_code == 404
    assert not ContentView.objects.exists()
