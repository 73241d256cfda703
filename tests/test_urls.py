"""No number in a URL breaks a page: an id past the database's range is simply not found.

Trellis's own routes take ids with the ``<id:...>`` converter; the admin's
routes Wagtail makes for Trellis's models take them with ``<int:...>`` and
look them up in ways that find nothing.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver

from cms.models import User

APPS = ("cms.", "content.", "journeys.", "matching.", "insights.", "themes.")
PAST_THE_RANGE = str(2**64)


def routes(patterns=None, prefix=""):
    """(route, view) for every URL the site serves."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            view = pattern.callback
            view = getattr(view, "view_class", view)
            yield prefix + str(pattern.pattern), view


def trellis_routes():
    return [(route, view) for route, view in routes() if view.__module__.startswith(APPS)]


def with_values(route: str) -> str:
    url = "/" + re.sub(r"<(?:id|int):[^>]+>", PAST_THE_RANGE, route)
    url = re.sub(r"<uuid:[^>]+>", "00000000-0000-4000-8000-000000000000", url)
    return re.sub(r"<(?:slug|str):[^>]+>", "x", url)


@pytest.mark.django_db
def test_an_id_past_the_range_answers_not_found(client):
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    found = trellis_routes()
    assert sum("<id:" in route for route, _view in found) >= 14  # the walk found them
    urls = [with_values(route) for route, _view in found if re.search("<(id|int):", route)]
    # Not found, or (where nobody may edit) sent away before any lookup; the export's
    # URL, unmatched, is first sent to the same with a slash.
    answers = {
        (url, method): getattr(client, method)(url).status_code
        for url in urls
        for method in ("get", "post")
    }
    assert {key: status for key, status in answers.items() if status not in (301, 302, 404)} == {}
    assert sum(status == 404 for status in answers.values()) > len(urls)


def test_the_id_converter_matches_ids_and_nothing_past_them():
    from django.urls import resolve

    match = resolve(f"/my/programs/{2**63 - 1}/enrol/")
    assert (match.url_name, match.kwargs) == ("enrol", {"program_id": 2**63 - 1})
    # Past the range, only the site's page tree (which has no such page) takes the URL.
    assert resolve(f"/my/programs/{2**63}/enrol/").url_name == "wagtail_serve"
    assert resolve("/my/programs/١٢/enrol/").url_name == "wagtail_serve"
