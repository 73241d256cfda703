"""Searches that hold a double quote, on the embedded SQLite database."""

import pytest
from django.db import connection
from django.urls import reverse
from wagtail.images import get_image_model

from content.factories import MaterialPageFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL binds search terms as values"
)

QUERIES = ['"', '""', 'dawn"', '=HYPERLINK("http://x")', '"harbour at dawn"']


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "name",
    ["wagtailimages:index", "wagtailimages_chooser:choose", "wagtailadmin_choose_page_search"],
)
def test_the_admins_searches_take_a_double_quote(admin_client, library, name, query):
    get_image_model().objects.create(title="Harbour at dawn", width=1, height=1, file="x.png")
    MaterialPageFactory(parent=library, title="Harbour at dawn")

    response = admin_client.get(reverse(name), {"q": query})

    assert response.status_code == 200
    if "dawn" in query:
        assert "Harbour at dawn" in response.content.decode()
