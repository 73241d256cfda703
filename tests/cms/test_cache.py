"""The cache on a real Redis: every entry expires, and an outage is a slower site.

Each test starts a redis-server of its own on a free port (never the shared
one), points the cache at it as production does, and walks
the participant pages, the admin and sign-in through real URLs.
"""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from cms import cache as tolerant_cache
from content.factories import MaterialPageFactory, markdown_body
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step
from journeys.models import MemberRole, StepCompletion
from journeys.services.starting import start_journey

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the user_factory's default


@pytest.fixture
def world(home, library, user_factory):
    """A member's journey whose first milestone shows a markdown material, and an editor."""
    material = MaterialPageFactory(
        parent=library,
        title="Listening well",
        body=markdown_body("## Listen first\n\nThe art of **listening deeply**."),
    )
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    template = JourneyPageFactory(
        parent=program,
        milestones=[
            milestone(
                "Getting to know each other",
                "start",
                [
                    step("read", {"page": material.pk, "note": ""}, block_id="s-read"),
                    step("reflect"),
                ],
                block_id="m-start",
            ),
            milestone("Looking back", "back", [step("checklist")], prerequisites="start"),
        ],
    )
    mentor = user_factory(email="mentor@example.com", first_name="Ada")
    mentee = user_factory(email="mentee@example.com", first_name="Grace")
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        started_on=timezone.localdate() - datetime.timedelta(days=3),
        template=template,
    )
    editor = user_factory(email="editor@example.com", groups=["Editors"])
    return {
        "mentee": mentee,
        "editor": editor,
        "journey": journey,
        "material": material,
        "template": template,
    }


def sign_in(client, user, next_url):
    """Sign in through the login form, as a person does, and follow it to ``next_url``."""
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == next_url
    return response


def participant_urls(world):
    journey = world["journey"]
    return [
        reverse("journeys:my_mentoring"),
        reverse("journeys:journey", args=[journey.uuid]),
        reverse("journeys:milestone", args=[journey.uuid, "m-start"]),
    ]


def admin_urls(world):
    return [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[world["material"].get_parent().pk]),
        reverse("wagtailadmin_pages:edit", args=[world["material"].pk]),
        reverse("wagtailadmin_pages:edit", args=[world["template"].pk]),
    ]


def assert_pages_answer(client, user, urls):
    for url in urls:
        for _ in range(2):  # the second visit is the one a kept page would serve
            response = client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
            assert response.wsgi_request.user == user, f"{url} was served signed out"


def tour(client, world):
    """Sign in and use the participant pages; sign in as an editor and use the admin."""
    mentee = world["mentee"]
    assert client.get(reverse("account_login")).status_code == 200
    sign_in(client, mentee, reverse("journeys:my_mentoring"))
    assert_pages_answer(client, mentee, participant_urls(world))
    client.post(reverse("account_logout"))

    editor = world["editor"]
    sign_in(client, editor, reverse("wagtailadmin_home"))
    assert_pages_answer(client, editor, admin_urls(world))


# Every entry expires


def persistent_keys(client, prefix):
    """The keys under ``prefix`` that have no expiry (TTL -1)."""
    keys = [key.decode() for key in client.scan_iter(match=f"{prefix}:*")]
    assert keys, "the tour left nothing in the cache; it did not use this Redis"
    return sorted(key for key in keys if client.ttl(key) == -1)


def test_every_key_the_pages_admin_and_sign_in_leave_in_redis_expires(
    client, world, redis_server, use_redis_cache
):
    prefix = "trellis-ttl"
    use_redis_cache(redis_server.url, prefix=prefix)

    tour(client, world)

    assert persistent_keys(redis_server.client, prefix) == []


# An outage is a slower site, never a broken one


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Let the backend warn at once, whatever an earlier test logged."""
    monkeypatch.setattr(tolerant_cache, "_last_warning", [float("-inf")])


def test_people_signed_in_before_redis_stops_keep_their_session_and_their_pages(
    client, world, redis_server, use_redis_cache, fresh_warnings, caplog
):
    use_redis_cache(redis_server.url)
    mentee = world["mentee"]
    sign_in(client, mentee, reverse("journeys:my_mentoring"))
    assert_pages_answer(client, mentee, participant_urls(world))
    assert redis_server.client.dbsize() > 0  # the pages used the cache in Redis

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="cms.cache"):
        assert_pages_answer(client, mentee, participant_urls(world))
        done = client.post(
            reverse("journeys:complete_step", args=[world["journey"].uuid, "m-start", "s-read"]),
            follow=True,
        )

    assert "The cache is unavailable" in caplog.text
    assert done.status_code == 200
    assert "Marked as done" in done.content.decode()
    assert StepCompletion.objects.filter(member__user=mentee, step_id="s-read").exists()


def test_with_redis_stopped_people_sign_in_and_use_the_site_and_the_admin(
    client, world, redis_server, use_redis_cache
):
    use_redis_cache(redis_server.url)
    redis_server.stop()

    tour(client, world)
