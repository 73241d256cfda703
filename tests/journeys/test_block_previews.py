"""Every block an editor can pick in a program or journey template shows a preview."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail import blocks
from wagtail.fields import StreamField

from content.factories import LibraryIndexPageFactory, MaterialPageFactory
from journeys.models import JourneyPage, ProgramPage


def pickable(block, found):
    """The blocks a StreamBlock inside ``block`` offers in the block picker, by name."""
    if isinstance(block, blocks.StreamBlock):
        for child in block.child_blocks.values():
            found.setdefault(child.name, child)
    if isinstance(block, blocks.StructBlock | blocks.StreamBlock):
        for child in block.child_blocks.values():
            pickable(child, found)
    elif isinstance(block, blocks.ListBlock):
        pickable(block.child_block, found)
    return found


def template_blocks():
    found = {}
    for model in (ProgramPage, JourneyPage):
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                pickable(field.stream_block, found)
    return found


PICKABLE = template_blocks()


def test_the_walk_reaches_every_step_of_a_journey_template():
    assert {"objective", "milestone", "read", "reflect", "meet", "pulse"} <= set(PICKABLE)
    assert {"set_goals", "review_goals", "checklist"} <= set(PICKABLE)


@pytest.fixture
def material(home):
    library = LibraryIndexPageFactory(parent=home)
    return MaterialPageFactory(parent=library, title="Your first conversation")


@pytest.mark.parametrize("name", sorted(PICKABLE))
def test_every_template_block_has_a_description_and_a_preview_that_validates_and_renders(
    admin_client, material, name
):
    block = PICKABLE[name]
    assert block.get_description(), f"{name} has no description"
    assert block.is_previewable, f"{name} shows no preview in the block picker"

    value = block.get_preview_value()
    cleaned = block.clean(block.to_python(block.get_prep_value(value)))
    assert block.render(cleaned).strip()

    response = admin_client.get(
        reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview for" in html
    assert 'href="/static/cms/css/site.css"' in html
    assert 'href="/static/journeys/css/journeys.css"' in html
    assert '<div class="container container--medium">' in html
    first_words = next(v for v in cleaned.values() if isinstance(v, str) and v)
    assert escape(first_words) in html


def test_the_read_step_previews_the_librarys_first_material(admin_client, material):
    block = PICKABLE["read"]

    html = admin_client.get(
        reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
    ).content.decode()

    assert "Your first conversation" in html


def test_the_read_step_previews_its_note_while_the_library_is_empty(admin_client, home):
    block = PICKABLE["read"]

    response = admin_client.get(
        reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
    )

    assert response.status_code == 200
    assert "it sets the tone for the rest" in response.content.decode()
