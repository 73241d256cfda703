"""The one path by which untrusted text becomes HTML.

Rules this module enforces:

* Markdown is converted by Python-Markdown with a fixed set of extensions
  (fenced code, tables, sane lists). Extensions that let the author set
  attributes (``attr_list``, ``md_in_html``) are never enabled. A top-level
  heading (``# Title``) becomes ``h2``: the page title is the only ``h1``.
* The result is cleaned by bleach against a short allowlist of tags and
  attributes. Anything else is escaped so the author sees what they typed;
  nothing executable survives: no script, style, iframe, object, embed, form,
  svg, math, base, meta or link element, no ``on*`` or ``style`` attribute.
* Every ``href`` and ``src`` that leaves this module either has no scheme
  (a relative or fragment link) or uses http, https or mailto. The scheme is
  judged after decoding character references until nothing changes and after
  removing whitespace, control and invisible formatting characters, so
  ``java&#9;script:``, ``&#106avascript:`` and ``javascript&amp;colon;`` all
  fail. Links get ``rel="nofollow noopener noreferrer"``.
* Bare ``http://``, ``https://`` and ``www.`` addresses and email addresses
  are made into links; nothing else is. The patterns that find them only start
  a match at the beginning of a word, so their cost is linear in the text.
* Input longer than ``TRELLIS_MARKDOWN_MAX_CHARS`` is refused by
  ``validate_markdown`` (forms call it) and rendered as escaped text here.
* Input whose structure would make rendering slow is rendered as escaped
  text, as is anything the renderer fails on: a participant's words never
  cause a server error. The guard (``is_pathological``) takes a few linear
  scans: it bounds nesting depth and estimates the rendering work, counting
  elements, delimiters and the rescanning behind the parser's quadratic
  steps, against one budget. Its limits keep a render at the size cap well
  under 200 ms; ``bench/markdown.py`` measures inputs tuned to sit just under
  them.
* Output is cached by a hash of the (normalised) input, so a page view
  renders each text once at most. The cache is an optimisation: if it is
  unavailable the text is rendered anyway.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import unicodedata
from functools import partial

import bleach
import markdown as python_markdown
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

logger = logging.getLogger(__name__)

# Part of every cache key: raise it whenever the output for a given input may
# change, so HTML rendered under older, looser rules is never served again.
RENDERER_VERSION = "2"

EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}

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
URL_ATTRIBUTES = frozenset({"href", "src"})
LINK_REL = "nofollow noopener noreferrer"

# Limits of ``is_pathological``. They were set by measuring Python-Markdown and
# bleach on hostile input at the size cap (see bench/markdown.py); ordinary
# guides and reflections, even at the size cap, stay inside them.
MAX_BRACKET_DEPTH = 12
MAX_LINE_NESTING = 16
# Rendering work is estimated in units of about one inline delimiter's cost.
# Linear work: each inline delimiter counts one; each block (paragraph, list
# item, heading, quote or table row), table cell and raw HTML tag counts
# ELEMENT_WEIGHT, as it costs the parser and bleach about that much more.
# Quadratic work counts the length rescanned, divided by QUADRATIC_SCALE: a
# heading or rule splits its block and the parser rescans the rest; a scanning
# delimiter such as ``[`` or ``*`` rescans the rest of its paragraph; a raw tag
# is searched for its ``>`` through the rest of the text. One budget covers
# both, so mixing kinds of markup cannot cost more than the worst kind alone.
MAX_WORK = 6000
ELEMENT_WEIGHT = 3
QUADRATIC_SCALE = 200

_INLINE_DELIMITERS = "*_`[]()<>&\\!~"
# The delimiters that make an inline pattern scan ahead for its closer, which
# is where the quadratic work lies; the others cost only their own element.
_SCANNING_DELIMITERS = "*_`[<\\"
# The markers that open a quote or list item at the start of a line, however
# many share it. A list marker must be followed by a space to count, so a row
# of dashes (a rule or a heading underline) is not nesting.
_LEADING_NESTING_RE = re.compile(
    r"^(?:[ \t]*(?:>|(?:[*+\-]|\d+[.)])(?=[ \t])))+[ \t]*", re.MULTILINE
)
_NESTING_MARKER_RE = re.compile(r">|[*+\-]|\d+[.)]")
# A horizontal rule as Python-Markdown reads it: three or more of one of - * _
# with at most two spaces between them.
_THEMATIC_BREAK_RE = re.compile(r"[ ]{0,3}([-*_])(?:[ ]{0,2}\1){2,}[ ]*(?:\n|$)")
_BLOCK_SEPARATOR_RE = re.compile(r"\n[ \t]*\n")
_TAG_BOUNDARY_RE = re.compile(r"<(?=[A-Za-z/!?])|>")
# A line that opens a block element: heading, quote, list item, table row.
_BLOCK_START_RE = re.compile(r"^[ \t]*(?:#|>|[-*+](?:[ \t]|$)|\d+[.)]|\|)", re.MULTILINE)
# A line after which Python-Markdown splits its block and parses the rest again:
# an ATX heading, a setext underline or a horizontal rule.
_BLOCK_SPLIT_RE = re.compile(r"^(?:#|[ ]{0,3}(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$)", re.MULTILINE)
# A line that starts a new paragraph for inline parsing (list item, table row,
# heading): inline patterns rescan only up to the end of the element they sit in.
_INLINE_BREAK_RE = re.compile(r"\n(?=[ \t]*(?:#|[-*+][ \t]|\d+[.)][ \t]|\|))")

# Bare addresses to linkify. Each match starts only where a word starts (the
# look-behinds), so a long run of letters or punctuation is scanned once rather
# than once per character, as bleach's default patterns do.
_URL_RE = re.compile(
    r"(?<![\w/@.:+-])(?:https?://[\w-]+(?:\.[\w-]+)*|www\.[\w-]+(?:\.[\w-]+)+)"
    r"(?::\d{1,5})?"
    r"(?:[/?#](?:[^\s<>\"'`{}|\\^]*[^\s<>\"'`{}|\\^.,;:!?)\]])?)?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)

_SCHEME_RE = re.compile(r"^([^/?#]*?):")
_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f-\xa0\s`\ufffd]+")
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


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
    for char in re.sub(r"[^\[\]()]+", "", text):
        if char in "[(":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def _line_nesting(text: str) -> tuple[int, int]:
    """The deepest nesting of quotes and list items on any line, and their total."""
    deepest = total = 0
    for match in _LEADING_NESTING_RE.finditer(text):
        if _THEMATIC_BREAK_RE.match(text, match.start()):
            continue
        prefix = match.group(0)
        markers = len(_NESTING_MARKER_RE.findall(prefix))
        indent = len(prefix.expandtabs(4)) // 4
        deepest = max(deepest, markers, indent)
        total += markers
    return deepest, total


def _delimiter_count(text: str, delimiters: str = _INLINE_DELIMITERS) -> int:
    return sum(text.count(char) for char in delimiters)


def _tag_search_cost(text: str) -> int:
    """Total distance from each tag opener to the next ``>`` (or the end)."""
    cost, pending, pending_sum = 0, 0, 0
    for match in _TAG_BOUNDARY_RE.finditer(text):
        if match.group() == ">":
            cost += pending * match.start() - pending_sum
            pending = pending_sum = 0
        else:
            pending += 1
            pending_sum += match.start()
    return cost + pending * len(text) - pending_sum


def _quadratic_cost(text: str) -> int:
    cost = _tag_search_cost(text)
    for block in _BLOCK_SEPARATOR_RE.split(text):
        splits = len(_BLOCK_SPLIT_RE.findall(block))
        cost += splits * len(block)
        for paragraph in _INLINE_BREAK_RE.split(block):
            cost += _delimiter_count(paragraph, _SCANNING_DELIMITERS) * len(paragraph)
    return cost


def estimated_work(text: str, nesting_markers: int | None = None) -> int:
    """Rendering work for ``text`` in the units of ``MAX_WORK``; linear time."""
    if nesting_markers is None:
        nesting_markers = _line_nesting(text)[1]
    elements = (
        len(_BLOCK_SEPARATOR_RE.findall(text))
        + len(_BLOCK_START_RE.findall(text))
        + nesting_markers
        + text.count("|")
        + text.count("<")
        # Candidates for the linkifier, each a link if it matches.
        + text.count("@")
        + text.count("://")
        + text.count("www.")
    )
    linear = _delimiter_count(text) + ELEMENT_WEIGHT * elements
    return linear + _quadratic_cost(text) // QUADRATIC_SCALE


def is_pathological(text: str) -> bool:
    """True when the text's structure would make rendering slow.

    Every check is a constant number of linear scans, so the guard costs far
    less than the work it prevents, whatever the input.
    """
    if _bracket_depth(text) > MAX_BRACKET_DEPTH:
        return True
    deepest, markers = _line_nesting(text)
    if deepest > MAX_LINE_NESTING:
        return True
    return estimated_work(text, markers) > MAX_WORK


def url_is_allowed(url: str) -> bool:
    """True when the URL is relative or uses an allowed scheme.

    Browsers decode character references in attributes, drop tabs and newlines
    inside URLs and ignore leading control characters; the URL is reduced the
    same way (and decoded repeatedly, in case the markup is decoded again
    downstream) before its scheme is read. Whatever precedes the first colon,
    unless a slash, ``?`` or ``#`` comes first, is treated as a scheme.
    """
    previous, decoded = None, url
    for _round in range(5):
        if decoded == previous:
            break
        previous, decoded = decoded, html.unescape(decoded)
    decoded = "".join(ch for ch in decoded if unicodedata.category(ch) != "Cf")
    decoded = _URL_NOISE_RE.sub("", decoded).lower()
    match = _SCHEME_RE.match(decoded)
    return match is None or match.group(1) in ALLOWED_PROTOCOLS


class _SafeUrlFilter(Filter):
    """Last pass over the cleaned tokens: judge every URL and mark every link.

    It runs after bleach's sanitiser and linkifier, so it sees links from the
    markdown, from raw HTML and from linkified text alike. A disallowed URL
    attribute is removed; its element stays, inert, so the text is not lost.
    """

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token.get("data"):
                attrs = token["data"]
                for key in [k for k in attrs if k[1] in URL_ATTRIBUTES]:
                    if not url_is_allowed(attrs[key]):
                        del attrs[key]
                if token["name"] == "a" and (None, "href") in attrs:
                    attrs[(None, "rel")] = LINK_REL
            yield token


class _DemoteTopHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _TrellisExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteTopHeadings(md), "trellis_demote_h1", 1)


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter,
            callbacks=[],
            url_re=_URL_RE,
            email_re=_EMAIL_RE,
            parse_email=True,
            skip_tags={"pre", "code"},
        ),
        _SafeUrlFilter,
    ],
)

# Building a Markdown instance loads its extensions; reuse one per thread
# (instances keep state while converting, so they cannot be shared).
_local = threading.local()


def _markdown_instance() -> python_markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = python_markdown.Markdown(
            extensions=[*EXTENSIONS, _TrellisExtension()],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
        _local.md = md
    return md


def normalise(text: str) -> str:
    """Unify line endings and drop characters no author means to type.

    Lone surrogates cannot be encoded in a response, and control characters
    have no place in prose; removing both first keeps them out of every later
    step, including the escaped fallback.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS_RE.sub("", text)


def _escaped(text: str) -> str:
    return linebreaks(escape(text))


def _convert(text: str) -> str:
    md = _markdown_instance()
    try:
        return _cleaner.clean(md.convert(text))
    finally:
        md.reset()


def render_uncached(text: str) -> str:
    """Render normalised text without consulting the cache. Never raises."""
    if is_pathological(text):
        return _escaped(text)
    try:
        return _convert(text)
    except RecursionError:
        # Its traceback is thousands of frames long; the fact is enough.
        logger.warning("Markdown rendering ran out of recursion; showing the text escaped.")
        _local.md = None
        return _escaped(text)
    except Exception:  # a participant's words must never become a server error
        logger.warning("Markdown rendering failed; showing the text escaped.", exc_info=True)
        # A failure part-way through may leave the converter in a bad state.
        _local.md = None
        return _escaped(text)


def cache_key(text: str) -> str:
    """The cache key under which the rendering of ``text`` is stored."""
    digest = hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
    return f"md:{RENDERER_VERSION}:{digest}"


def render_markdown(text: str | None) -> str:
    """Turn untrusted markdown into safe HTML. Never raises."""
    if not text:
        return ""
    text = normalise(text)
    if len(text) > max_chars():
        return _escaped(text[: max_chars()])
    key = cache_key(text)
    try:
        cached = cache.get(key)
    except Exception:  # an unavailable cache costs time, never the page
        logger.warning("Markdown cache unavailable; rendering without it.", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    html_text = render_uncached(text)
    try:
        cache.set(key, html_text, timeout=None)
    except Exception:  # as above: the render stands without the cache
        logger.warning("Markdown cache unavailable; result not stored.", exc_info=True)
    return html_text
