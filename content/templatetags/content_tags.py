"""Template helpers for the library: showing what people wrote in markdown.

A participant's words are stored as they typed them and turned into HTML only
when a page shows them, always through ``content.markdown.render_markdown``.
Nothing keeps rendered HTML in the database, so a page can never show HTML
made under older, looser rules, and a template has no stored HTML to print
with ``|safe``.
"""

from django import template
from django.utils.safestring import mark_safe

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Markdown a person typed, as sanitised HTML: ``{{ reflection.text|markdown }}``.

    The output is marked safe because ``render_markdown`` is the sanitiser: it
    escapes every tag outside its allowlist, drops event-handler and style
    attributes and keeps only http, https and mailto links, so what it returns
    is HTML fit to print as it is. Rendering is cached by a hash of the text.
    """
    # Safe: render_markdown's output is sanitised HTML (see content.markdown).
    return mark_safe(render_markdown(text))  # noqa: S308
