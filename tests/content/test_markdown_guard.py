"""The sanitiser's guard: long legitimate documents pass in full, hostile ones are
refused when saved with the line to fix, and the escaped fallback stays the
last defence for what was saved before."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError

from content import markdown as content_markdown
from content.factories import long_markdown_documents
from content.markdown import (
    CACHE_TIMEOUT,
    MAX_WORK,
    cache_key,
    estimated_work,
    is_pathological,
    max_chars,
    render_markdown,
    rendering_problem,
    validate_markdown,
)

DOCUMENTS = long_markdown_documents(20_000)
ITEM_LINE = re.compile(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]", re.MULTILINE)
ROW_LINE = re.compile(r"^\|(?![-:| ]+\|$).*\|$", re.MULTILINE)
HEADING_LINE = re.compile(r"^#{1,6} ", re.MULTILINE)


@pytest.fixture(autouse=True)
def _size_cap(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000
    cache.clear()
    yield
    cache.clear()


def _visible_markup(html: str) -> list[str]:
    """Markdown syntax a reader would see as text: what an escaped fallback shows."""
    text = re.sub(r"<(pre|code)>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return re.findall(r"\]\(|^\s*[-*] |^#+ |^\|", text, flags=re.MULTILINE)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_long_legitimate_document_at_the_size_cap_renders_in_full(name):
    text = DOCUMENTS[name]
    assert len(text) == max_chars()

    validate_markdown(text)
    output = render_markdown(text)

    assert not is_pathological(text)
    assert output.count("<li>") == len(ITEM_LINE.findall(text))
    assert output.count("<tr>") == len(ROW_LINE.findall(text))
    assert len(re.findall(r"<h[2-6]>", output)) == len(HEADING_LINE.findall(text))
    assert len(re.findall(r'<a href="[^"]+"', output)) >= text.count("](")
    assert not _visible_markup(output)
    # Rendered to the end: the closing paragraph is there, as a paragraph.
    closing = text.rsplit("\n\n", 1)[1].strip()
    assert closing.startswith("That is all for now.")
    assert output.endswith(f"<p>{closing}</p>")


def test_the_long_documents_cover_lists_tables_links_and_guides():
    rendered = {name: render_markdown(text) for name, text in DOCUMENTS.items()}

    assert rendered["list of short items"].count("<li>") > 1500
    assert rendered["nested list"].count("<ul>") > 100
    assert rendered["wide table"].count("<td>") > 3000
    assert rendered["long table"].count("<tr>") > 300
    assert rendered["list of links"].count("<a href=") > 300
    assert rendered["guide"].count("<h2>") > 50
    assert rendered["guide without blank lines"].count("<h3>") > 150


def _refusal(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_markdown(text)
    return caught.value


def test_unclosed_brackets_are_refused_naming_their_line_and_start():
    text = "# Notes\n\nA first paragraph.\n" + "[a) " * 3000 + "\n\nThe end."

    error = _refusal(text)

    assert error.code == "markdown_too_slow"
    message = error.messages[0]
    assert message.startswith("Line 4 (“[a) [a) [a)")
    assert "“[” or “(” here is never closed" in message
    assert "write \\[" in message


def test_headings_without_blank_lines_are_refused_at_the_first_of_them():
    text = "Intro.\n\n" + "# a\nb\n" * 3000

    error = _refusal(text)

    assert error.messages[0].startswith("Line 3 (“# a”): headings or horizontal rules follow")
    assert "Put a blank line before and after each heading" in error.messages[0]


def test_tags_never_closed_are_refused():
    text = "Fine so far.\n\n" + "<b>" * 5000

    error = _refusal(text)

    assert error.messages[0].startswith("Line 3 (“<b><b><b>")
    assert "starts an HTML tag that is never closed" in error.messages[0]


def test_too_much_formatting_is_refused_where_the_limit_is_reached():
    text = "- a\n" * 5000

    error = _refusal(text.rstrip("\n"))
    line = int(re.match(r"Line (\d+) ", error.messages[0]).group(1))

    assert 1 < line < 5000
    # The part up to that line is within the limit; one more line is not.
    lines = text.split("\n")
    assert estimated_work("\n".join(lines[: line - 1])) <= MAX_WORK
    assert estimated_work("\n".join(lines[:line])) > MAX_WORK
    assert "(“- a”): by this line the text has more formatting than" in error.messages[0]
    assert "Split the text" in error.messages[0]


def test_quotes_nested_too_deep_are_refused_at_the_line():
    text = "A quote:\n\n> > fine\n\n" + "> " * 20 + "too deep"

    error = _refusal(text)

    assert error.code == "markdown_nesting_too_deep"
    assert error.messages[0].startswith("Line 5 (“> > > >")
    assert "nested more than 16 levels deep" in error.messages[0]


def test_brackets_nested_too_deep_are_refused_at_the_line():
    error = _refusal("Fine.\n" + "[" * 13 + "x")

    assert error.code == "markdown_brackets_too_deep"
    assert error.messages[0].startswith("Line 2 (“[[[[[[[[[[[[[x”)")


def test_the_excerpt_is_short_and_on_one_line():
    problem = rendering_problem("x\n\n" + "[a)\t" * 4000)

    assert problem.line == 3
    assert problem.excerpt.startswith("[a) [a) [a) [a)")
    assert problem.excerpt.endswith("…")
    assert len(problem.excerpt) == 40
    assert "\t" not in problem.excerpt


def test_lines_are_counted_as_the_author_sees_them_with_windows_line_endings():
    problem = rendering_problem("one\r\ntwo\r\n\r\n" + "[a) " * 3000)

    assert problem.line == 4


def test_text_saved_before_the_guard_still_renders_escaped_and_is_logged(caplog):
    text = "My private words. " + "[a) " * 3000

    with caplog.at_level(logging.WARNING, logger="content.markdown"):
        output = render_markdown(text)

    assert output.startswith("<p>My private words. [a) [a)")
    assert "<a" not in output
    assert "Markdown shown escaped" in caplog.text
    assert "markdown_too_slow at line 1" in caplog.text
    # A reflection's words stay out of the log.
    assert "private" not in caplog.text


class RecordingCache(LocMemCache):
    """A local-memory cache that remembers the timeout of everything stored."""

    timeouts: dict[str, object] = {}

    def set(self, key, value, timeout=None, version=None):
        RecordingCache.timeouts[key] = timeout
        super().set(key, value, timeout, version)


def test_renderings_are_cached_for_a_week_not_forever(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.RecordingCache"}}
    RecordingCache.timeouts.clear()
    text = "Some *markdown* to keep for a while."

    render_markdown(text)

    assert RecordingCache.timeouts == {cache_key(text): CACHE_TIMEOUT}
    assert CACHE_TIMEOUT == 7 * 24 * 60 * 60


def test_output_rendered_under_the_old_guard_is_not_served_again():
    # Version 2 showed long lists as escaped text, version 3 kept images from
    # other sites, version 4 kept bidirectional overrides, and version 5 let
    # through text the smaller budget now refuses; their entries must not be read.
    assert cache_key("x").startswith("md:6:")
    assert content_markdown.RENDERER_VERSION == "6"
