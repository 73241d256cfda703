"""Every text an editor or a participant types has a limit, and titles are one line.

The walkers below fail for a new field or block without a limit, so a limit is
chosen when the field is made rather than after someone stores a novel in it.
"""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from wagtail import blocks
from wagtail.fields import StreamField

from content.blocks import CalloutBlock, MarkdownBlock, ParagraphBlock, QuoteBlock
from content.factories import LeaderProfileFactory, LeaderStoryPageFactory, MaterialPageFactory
from content.markdown import validate_markdown
from content.models import SEARCH_DESCRIPTION_MAX_LENGTH, Topic
from journeys.blocks import MilestoneBlock

TRELLIS_APPS = ("cms", "content", "insights", "journeys", "matching", "themes")
# Text the system writes, never a person: each with where it comes from.
WRITTEN_BY_TRELLIS = {
    "url_path": "Wagtail's path of the page, from slugs",
    "journeys.OutboxEmail.calendar": "the invitation the outbox generates",
    "journeys.ProgramLogEntry.label": "Wagtail's log entry, a copy of the page title",
    "matching.MatchingRun.error": "what the matching task reports when it fails",
    # A Wagtail field: BasePage.clean limits it (tested below).
    "search_description": "Wagtail's promote tab; BasePage.clean limits it",
}


def trellis_models():
    return [model for model in apps.get_models() if model._meta.app_label in TRELLIS_APPS]


def test_every_text_column_has_a_limit_the_model_checks():
    unlimited = []
    for model in trellis_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.TextField):
                continue
            if {field.name, f"{model._meta.label}.{field.name}"} & WRITTEN_BY_TRELLIS.keys():
                continue
            limited = any(isinstance(v, MaxLengthValidator) for v in field.validators) or (
                validate_markdown in field.validators
            )
            # Wagtail's rich text field checks its max_length on the text, not the markup.
            if not limited and not (field.max_length and type(field).__name__ == "RichTextField"):
                unlimited.append(f"{model._meta.label}.{field.name}")
    assert unlimited == []


def stream_blocks(block, path=""):
    """Every block under ``block``, through structs, streams and lists, with its path."""
    yield path, block
    children = dict(getattr(block, "child_blocks", {}))
    if isinstance(block, blocks.ListBlock):
        children["item"] = block.child_block
    for name, child in children.items():
        yield from stream_blocks(child, f"{path}.{name}")


def text_blocks(block):
    """Every block under ``block`` that holds text a person types, with its path."""
    text_kinds = (blocks.CharBlock, blocks.TextBlock, blocks.RichTextBlock)
    return [(path, b) for path, b in stream_blocks(block) if isinstance(b, text_kinds)]


def test_every_text_block_in_every_stream_has_a_limit():
    unlimited = []
    found = 0
    for model in trellis_models():
        for field in model._meta.get_fields():
            if not isinstance(field, StreamField):
                continue
            for path, block in text_blocks(field.stream_block):
                found += 1
                if isinstance(block, MarkdownBlock):
                    continue  # validate_markdown caps it at TRELLIS_MARKDOWN_MAX_CHARS
                # Rich text counts its text, not its markup, in a validator of its own.
                if not (block.field.max_length or getattr(block, "max_length", None)):
                    unlimited.append(f"{model._meta.label}.{field.name}{path}")
    assert found > 40  # the walk reached into the structs and lists
    assert unlimited == []


def test_blocks_refuse_text_past_their_limit_and_say_so():
    quote = QuoteBlock()
    with pytest.raises(ValidationError) as refused:
        quote.clean(quote.to_python({"text": "x" * 601, "attribution": ""}))
    assert "at most 600 characters" in str(refused.value.block_errors)
    quote.clean(quote.to_python({"text": "x" * 600, "attribution": ""}))

    callout = CalloutBlock()
    long_body = "<p>" + "word " * 400 + "</p>"  # 2,000 characters of text
    with pytest.raises(ValidationError):
        callout.clean(callout.to_python({"tone": "tip", "title": "", "body": long_body}))

    paragraph = ParagraphBlock()
    with pytest.raises(ValidationError):
        paragraph.clean(paragraph.to_python("<p>" + "x" * 10_001 + "</p>"))

    milestone = MilestoneBlock()
    intro = milestone.child_blocks["intro"]
    with pytest.raises(ValidationError):
        intro.clean(intro.to_python("<p>" + "x" * 3_001 + "</p>"))


def test_every_field_in_every_stream_tells_the_editor_what_it_is_for():
    silent = [
        f"{model._meta.label}.{field.name}{path}"
        for model in trellis_models()
        for field in model._meta.get_fields()
        if isinstance(field, StreamField)
        for path, block in stream_blocks(field.stream_block)
        if isinstance(block, blocks.FieldBlock)
        and not (block.field.help_text or getattr(block.meta, "help_text", None))
        and not path.endswith(".item")  # a list's items share the list's help
    ]
    assert silent == []


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["Line one\nline two", "Tab\there", "Bell\x07"])
def test_a_page_title_is_one_line(home, title):
    page = MaterialPageFactory.build(title=title, slug="one-line")
    with pytest.raises(ValidationError) as refused:
        home.add_child(instance=page)
    assert set(refused.value.message_dict) == {"title"}


@pytest.mark.django_db
def test_a_search_description_past_its_limit_is_refused(home):
    page = MaterialPageFactory.build(
        title="Fine", slug="fine", search_description="x" * (SEARCH_DESCRIPTION_MAX_LENGTH + 1)
    )
    with pytest.raises(ValidationError) as refused:
        home.add_child(instance=page)
    assert set(refused.value.message_dict) == {"search_description"}


@pytest.mark.django_db
def test_a_leaders_name_and_role_are_one_line_and_the_bio_is_limited():
    profile = LeaderProfileFactory.build(name="Ada\nBcc: x", title="COO\r", bio="x" * 1201)
    with pytest.raises(ValidationError) as refused:
        profile.full_clean(exclude=["portrait", "user"])
    assert {"name", "title", "bio"} <= set(refused.value.message_dict)


@pytest.mark.django_db
def test_the_editor_refuses_a_title_with_a_line_break_and_keeps_the_page(
    admin_client, home, stories
):
    """Through the page editor: the title is refused next to the field, nothing is saved."""
    from tests.content.test_workflow import story_form

    profile = LeaderProfileFactory(name="Ada Lovelace")
    story = LeaderStoryPageFactory(parent=stories, leader=profile, title="My first manager")
    revisions = story.revisions.count()

    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[story.pk]),
        story_form(profile, "My first manager\nBcc: someone@example.com"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "line break" in " ".join(errors["title"])
    story.refresh_from_db()
    assert story.title == "My first manager"
    assert story.revisions.count() == revisions


@pytest.mark.django_db
def test_the_editor_refuses_a_pull_quote_with_a_line_break_and_keeps_the_story(
    admin_client, home, stories
):
    """The pull quote is shown large as one line at the top of the story and in cards."""
    from tests.content.test_workflow import story_form

    profile = LeaderProfileFactory(name="Ada Lovelace")
    story = LeaderStoryPageFactory(parent=stories, leader=profile, title="My first manager")
    revisions = story.revisions.count()
    data = {**story_form(profile, "My first manager"), "pull_quote": "She asked.\nI listened."}

    response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[story.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "line break" in " ".join(errors["pull_quote"])
    assert story.revisions.count() == revisions


@pytest.mark.django_db
def test_the_editor_refuses_a_topic_name_with_a_line_break(admin_client):
    """A topic's name is a heading, a filter choice and a tag: one line."""
    response = admin_client.post(
        reverse("wagtailsnippets_content_topic:add"),
        {"name": "Giving\nfeedback", "slug": "giving-feedback", "kind": "soft", "description": ""},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "line break" in " ".join(errors["name"])
    assert not Topic.objects.exists()
