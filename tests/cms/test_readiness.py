"""``/readyz`` answers 200 when the database, the cache and the queue answer, else 503."""

import socket

import pytest
from django.db import OperationalError, connection
from django_q.conf import Conf

pytestmark = pytest.mark.django_db

ALL_UP = "database: ok\ncache: ok\nqueue: ok\n"


def closed_port_url(database=0) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/{database}"


@pytest.fixture
def redis_queue(monkeypatch):
    """Point django-q2's broker at a Redis URL, as REDIS_QUEUE_URL does."""

    def use(url):
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "REDIS", url)

    return use


def assert_never_cached(response):
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_with_everything_up_it_answers_ok_for_each(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == ALL_UP
    assert_never_cached(response)


def test_with_the_cache_and_the_queue_on_a_live_redis_it_answers_ok(
    client, redis_server, use_redis_cache, redis_queue
):
    use_redis_cache(redis_server.url.removesuffix("/0") + "/1")
    redis_queue(redis_server.url)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.content.decode() == ALL_UP
    assert redis_server.client.keys("*readyz*") == []  # the probe cleans up after itself


def test_with_the_cache_down_it_answers_503_naming_the_cache(client, use_redis_cache):
    use_redis_cache(closed_port_url())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content.decode() == "database: ok\ncache: down\nqueue: ok\n"
    assert_never_cached(response)


def test_with_the_queue_broker_down_it_answers_503_naming_the_queue(client, redis_queue):
    redis_queue(closed_port_url())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content.decode() == "database: ok\ncache: ok\nqueue: down\n"


def test_with_the_database_down_it_answers_503_naming_it_and_the_queue_it_holds(
    client, monkeypatch
):
    def refuse():
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content.decode() == "database: down\ncache: ok\nqueue: down\n"


def test_when_redis_stops_it_answers_503_naming_the_cache_and_the_queue(
    client, redis_server, use_redis_cache, redis_queue
):
    use_redis_cache(redis_server.url.removesuffix("/0") + "/1")
    redis_queue(redis_server.url)
    assert client.get("/readyz").status_code == 200

    redis_server.stop()
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content.decode() == "database: ok\ncache: down\nqueue: down\n"


def test_the_response_names_what_is_down_but_not_where_or_why(client, use_redis_cache):
    url = closed_port_url()
    use_redis_cache(url)

    body = client.get("/readyz").content.decode()

    assert url.split("//")[1].split("/")[0] not in body
    assert "refused" not in body.lower()
