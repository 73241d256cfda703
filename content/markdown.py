"""The one path by which untrusted text becomes HTML.

Rules this module enforces:

* Markdown is converted by Python-Markdown with a fixed set of extensions
  (fenced code, tables, sane lists). Extensions that let the author set
  attributes (``attr_list``) or mix raw HTML into blocks are never enabled.
* The result is cleaned by bleach against a short allowlist of tags and
  attributes. Anything else is escaped so the author sees what they typed;
  nothing executable survives: no script, style, iframe, object, embed, form,
  svg, math, base, meta or link element, no ``on*`` or ``style`` attribute.
* Links and image sources keep only http, https and mailto URLs, judged after
  entity decoding; bare URLs are linkified for those schemes only.
* Input longer than ``TRELLIS_MARKDOWN_MAX_CHARS`` is refused by
  ``validate_markdown`` (forms call it) and rendered as escaped text here.
* Input whose structure makes the parser slow (deep nesting of brackets,
  lists, quotes or emphasis) is rendered as escaped text, as is anything the
  parser fails on: a participant's words never cause a server error.
* Output is cached by a hash of the input, so a page view renders each text
  once at most.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import partial

import bleach
import markdown as python_markdown
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RENDERER_VERSION = "1"

EXTENSIONS = ["fenced_code", "tables", "sane_lists"]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong",
        "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title"],
    "ol": ["start"],
    "td": ["align"],
    "th": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Beyond these depths the parser's cost grows steeply; such text is shown
# escaped instead. No honest reflection nests this deeply.
MAX_BRACKET_DEPTH = 12
MAX_LINE_NESTING = 16
MAX_EMPHASIS_RUN = 64
MAX_DELIMITERS = 4000

_URL_RE = bleach.linkifier.build_url_re(protocols=sorted(ALLOWED_PROTOCOLS - {"mailto"}))
_EMAIL_RE = bleach.linkifier.build_email_re()
_LEADING_NESTING_RE = re.compile(r"^((?:[ \t]*[>*+\-]|[ \t]*\d+[.)])[ \t]*)+", re.MULTILINE)
_EMPHASIS_RUN_RE = re.compile(r"[*_~`]{" + str(MAX_EMPHASIS_RUN + 1) + ",}")


def max_chars() -> int:
    return settings.TRELLIS_MARKDOWN_MAX_CHARS


def validate_markdown(text: str) -> None:
    """Refuse text longer than the configured cap, saying by how much."""
    limit = max_chars()
    if text and len(text) > limit:
        raise ValidationError(
            _(
                "This text is %(length)s characters long; the most that can be saved is "
                "%(limit)s. Shorten it by %(over)s characters."
            ),
            code="markdown_too_long",
            params={
                "length": f"{len(text):,}",
                "limit": f"{limit:,}",
                "over": f"{len(text) - limit:,}",
            },
        )


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "])" and depth:
            depth -= 1
    return deepest


def is_pathological(text: str) -> bool:
    """True when the text's structure would make the parser slow."""
    if _bracket_depth(text) > MAX_BRACKET_DEPTH:
        return True
    if _EMPHASIS_RUN_RE.search(text):
        return True
    if sum(text.count(c) for c in "*_[]`<") > MAX_DELIMITERS:
        return True
    for match in _LEADING_NESTING_RE.finditer(text):
        prefix = match.group(0)
        markers = len(re.findall(r"[>*+\-]|\d+[.)]", prefix))
        indent = len(prefix.expandtabs(4)) // 4
        if max(markers, indent) > MAX_LINE_NESTING:
            return True
    return False


def _escaped(text: str) -> str:
    return linebreaks(escape(text))


def _set_link_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


def _only_allowed_schemes(attrs, new=False):
    """Linkifier callback: drop a new link whose scheme is not allowed."""
    href = attrs.get((None, "href"), "")
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme and scheme not in ALLOWED_PROTOCOLS:
        return None
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter,
            callbacks=[_only_allowed_schemes, _set_link_rel],
            url_re=_URL_RE,
            email_re=_EMAIL_RE,
            parse_email=True,
            skip_tags={"pre", "code"},
        )
    ],
)


def _convert(text: str) -> str:
    html = python_markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return _cleaner.clean(html)


def render_markdown(text: str | None) -> str:
    """Turn untrusted markdown into safe HTML. Never raises."""
    if not text:
        return ""
    if len(text) > max_chars():
        return _escaped(text[: max_chars()])
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"md:{RENDERER_VERSION}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    if is_pathological(text):
        html = _escaped(text)
    else:
        try:
            html = _convert(text)
        except Exception:  # a participant's words must never become a server error
            logger.warning("Markdown rendering failed; showing the text escaped.", exc_info=True)
            html = _escaped(text)
    cache.set(key, html, timeout=None)
    return html
