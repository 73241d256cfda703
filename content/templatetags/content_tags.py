"""Template helpers for the library's pages: damaged images, and what people wrote.

* ``{% image_if_readable %}`` takes exactly the arguments of Wagtail's
  ``{% image %}`` and renders the same, except when making the rendition fails
  because the stored file is damaged: then it renders nothing (or sets the
  ``as`` variable to None) and logs which image it was, so one bad picture
  never fails a whole page. Any other failure is raised as it was.
* ``|markdown``: a participant's words are stored as they typed them and
  turned into HTML only when a page shows them, always through
  ``content.markdown.render_markdown``. Nothing keeps rendered HTML in the
  database, so a page can never show HTML made under older, looser rules,
  and a template has no stored HTML to print with ``|safe``.
"""

import logging

from django import template
from django.template.base import Token
from django.utils.safestring import mark_safe
from wagtail.images.templatetags.wagtailimages_tags import image as wagtail_image_tag

from content.images import stored_image_is_damaged

from ..markdown import render_markdown

logger = logging.getLogger(__name__)
register = template.Library()


class ImageIfReadableNode(template.Node):
    def __init__(self, node):
        self.node = node

    def render(self, context):
        try:
            return self.node.render(context)
        except Exception as error:
            image = self.node.validate_image(context)
            if image is None or not stored_image_is_damaged(image):
                raise
            logger.warning(
                "Image %s (%s) is damaged and was left out of the page: %s",
                image.pk,
                image.file.name,
                error,
            )
            if self.node.output_var_name:
                context[self.node.output_var_name] = None
            return ""


@register.tag
def image_if_readable(parser, token):
    """Parse as Wagtail's ``{% image %}`` does, then guard the node it makes."""
    _name, _space, arguments = token.contents.partition(" ")
    as_image = Token(token.token_type, f"image {arguments}", token.position, token.lineno)
    return ImageIfReadableNode(wagtail_image_tag(parser, as_image))


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
