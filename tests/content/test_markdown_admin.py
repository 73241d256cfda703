"""Markdown the sanitiser would not render in full is refused in the page editor,
on the block that holds it; long legitimate markdown is saved and shown in full."""

import html
import json
import re

import pytest
from django.urls import reverse
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.factories import MaterialPageFactory, long_markdown_documents, markdown_body
from content.models import MaterialPage

HOSTILE = "## Our guide\n\nRead this first.\n" + "[a) " * 3000


@pytest.fixture(autouse=True)
def _size_cap(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000


def material_form(title, markdown, action=None):
    """The page editor's form for a material, as the browser posts it."""
    data = nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "summary": "",
            "kind": "guide",
            "audience": "everyone",
            "estimated_minutes": 10,
            "body": streamfield(
                [("paragraph", rich_text("<p>An introduction.</p>")), ("markdown", markdown)]
            ),
            "comments": inline_formset([]),
        }
    )
    if action:
        data[f"action-{action}"] = "1"
    return data


def body_block_errors(response):
    """The errors the page editor shows on each block of the body, by position."""
    content = response.content.decode()
    arguments = re.findall(r'data-w-block-arguments-value="([^"]*)"', content)
    assert len(arguments) == 1, "expected the body's one stream field widget"
    _value, errors = json.loads(html.unescape(arguments[0]))
    return {
        int(index): error["messages"]
        for index, error in (errors or {}).get("blockErrors", {}).items()
    }


def test_creating_a_page_with_markdown_too_slow_to_render_is_refused_on_its_block(
    admin_client, library
):
    url = reverse("wagtailadmin_pages:add", args=["content", "materialpage", library.pk])

    response = admin_client.post(url, material_form("Hostile guide", HOSTILE))

    assert response.status_code == 200
    errors = body_block_errors(response)
    assert list(errors) == [1]  # the markdown block, not the paragraph before it
    (message,) = errors[1]
    assert message.startswith("Line 4 (“[a) [a) [a)")
    assert "never closed" in message
    assert not MaterialPage.objects.filter(title="Hostile guide").exists()


def test_editing_a_page_to_hold_such_markdown_is_refused_and_nothing_is_saved(
    admin_client, library
):
    page = MaterialPageFactory(parent=library, title="Kind words", body=markdown_body("Hello."))
    revisions = Revision.objects.count()

    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        material_form("Kind words", HOSTILE, action="publish"),
    )

    assert response.status_code == 200
    assert 1 in body_block_errors(response)
    assert Revision.objects.count() == revisions
    page.refresh_from_db()
    assert page.body.raw_data[0]["value"] == "Hello."


@pytest.mark.parametrize("name", ["wide table", "list of short items", "guide"])
def test_a_long_legitimate_document_is_published_and_shown_in_full(
    admin_client, client, library, name
):
    page = MaterialPageFactory(parent=library, title="Long read", body=markdown_body("Hi."))
    text = long_markdown_documents(20_000)[name]

    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        material_form("Long read", text, action="publish"),
    )

    assert response.status_code == 302, body_block_errors(response)
    shown = client.get(page.url).content.decode()
    rows = [line for line in text.split("\n") if line.startswith("|") and "---" not in line]
    assert shown.count("<tr>") == len(rows)
    assert shown.count("<li>") >= len(re.findall(r"^- ", text, flags=re.MULTILINE))
    assert text.rsplit("\n\n", 1)[1] in shown
