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
* An image's ``src`` must also stay on the site: it is relative to the site
  (no scheme, and neither ``//`` nor a backslash first, as browsers read
  ``//host`` and ``\\host`` as another host), or, when ``MEDIA_URL`` is an
  absolute http(s) address, starts with ``MEDIA_URL``; it is judged reduced
  as above. Any other source is removed and the image stays, inert, with its
  alt text. Rendered text is also sent in emails (a planned meeting's
  agenda), where the site's Content-Security-Policy does not apply and an
  image from elsewhere would tell its host who read the email, and when.
  Links are not limited this way: nothing is loaded until someone follows
  one.
* Bare ``http://``, ``https://`` and ``www.`` addresses and email addresses
  are made into links; nothing else is. The patterns that find them only start
  a match at the beginning of a word, so their cost is linear in the text.
* The guard (``rendering_problem``; ``is_pathological`` says yes or no)
  reads the text in a few linear scans. It bounds nesting (brackets 12 deep,
  quotes and lists 16 levels) and estimates the rendering work in
  microseconds: per element (paragraph, heading, list item, table row and
  cell, link, tag, entity), plus the rescanning behind Python-Markdown's and
  bleach's quadratic steps (an unclosed bracket or tag, headings and rules
  without blank lines between them, many siblings with children), against
  one budget, ``MAX_WORK``. Legitimate long documents pass in full up to the
  size cap: lists of a thousand and more items, tables of hundreds of rows
  and ten columns, pages of links, guides of many sections
  (``content.factories.long_markdown_documents`` are the proof). What passes
  renders in well under 200 ms; ``bench/sanitiser.py`` measures the
  hostile shapes tuned to sit just under the limits, and the long documents.
* ``validate_markdown`` refuses, when the text is saved, what would not be
  rendered in full: text longer than ``TRELLIS_MARKDOWN_MAX_CHARS``, and text
  the guard refuses, naming the line and quoting its start. The markdown
  block in the page editor (``content.blocks.MarkdownBlock``), the reflection
  and meeting forms (``journeys.forms``) and the services behind them call
  it; ``import_markdown`` reports the file and line (``content.importer``).
* Here, what the guard refuses (text saved before it refused such text) and
  over-long text are rendered as escaped text, and logged without their
  words; so is anything the renderer fails on: a participant's words never
  cause a server error.
* Output is cached by a hash of the (normalised) input and ``MEDIA_URL``
  (which decides which images are kept) for a week (``CACHE_TIMEOUT``), so a
  page view renders each text once at most and texts nobody reads any more
  leave the cache. The cache is an optimisation: if it is unavailable the
  text is rendered anyway.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import partial
from itertools import accumulate

import bleach
import markdown as python_markdown
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

logger = logging.getLogger(__name__)

# Part of every cache key: raise it whenever the output for a given input may
# change, so HTML rendered under older, looser rules is never served again.
RENDERER_VERSION = "6"
# How long a rendering is kept. A text's rendering never goes stale (the key
# is its hash), but texts are edited and deleted: a week keeps the pages people
# read warm while what nobody reads any more leaves the cache.
CACHE_TIMEOUT = 7 * 24 * 60 * 60

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

# The guard's limits. Nesting is bounded outright: the parser recurses once per
# level. Everything else is an estimate of the rendering work in microseconds,
# as Python-Markdown and bleach spent them on the machine the limits were
# measured on (bench/sanitiser.py measures them again), against one budget, so
# mixing kinds of markup cannot cost more than the worst kind alone. Guides,
# lists, tables and pages of links at the size cap come to well under MAX_WORK;
# the shapes that would take seconds come to far more.
MAX_BRACKET_DEPTH = 12
MAX_LINE_NESTING = 16
# 160 ms of estimated work, a fifth under the 200 ms that rendering may take,
# for a machine or a moment slower than the one the weights were measured on.
# The widest legitimate table at the size cap comes to about 153,000.
MAX_WORK = 160_000
# Linear work, per occurrence.
CHAR_WORK = 0.3  # every character is tokenised, cleaned and written out
ELEMENT_WORK = 58  # a paragraph, heading, rule, list item, table row or code block
QUOTE_WORK = 10  # a quote marker: one more element around the paragraphs inside
NESTING_WORK = 6  # each level a line is indented or quoted: the parser descends to it
CELL_WORK = 32  # a table cell (counted by its "|")
INLINE_WORK = 20  # a delimiter that may open an inline element: * _ ` [ ! \ ~
LINK_WORK = 60  # a link or image: "](" or "]["
LINKIFY_WORK = 20  # an address the linkifier may turn into a link: "://", "www.", "@"
TAG_WORK = 25  # a "<", kept as a tag or escaped
ENTITY_WORK = 25  # an "&" or ">", read as a character reference or escaped
# Quadratic work, per character scanned again.
RESCAN_WORK = 0.01  # * _ ` \ : the inline patterns search the rest of the element for a closer
BRACKET_SCAN_WORK = 0.3  # "[" to its "]", "](" to its ")": walked in Python, by three patterns
TAG_SCAN_WORK = 0.06  # "<" to the next ">"
OPEN_TAG_WORK = 0.035  # a raw tag never closed: the HTML parser reopens it in every block after it
# A heading inside a block splits it, and the parser reads the rest of the
# block again: per line, and per character, left in the block. An underline
# or a rule costs RULE_SPLITS times as much (the rest is split into lines).
SPLIT_LINE_WORK = 0.035
SPLIT_CHAR_WORK = 0.004
RULE_SPLITS = 2
FENCE_SCAN_WORK = 0.002  # a fence line: the fence pattern searches the whole text again
SIBLING_WORK = 0.04  # each pair of siblings, one with children: the cleaner's walk finds it

# The quote and list markers that open a line, however many share it, as
# Python-Markdown reads them: a list marker must be followed by a space, so a
# row of dashes is not nesting, and "1)" is not a marker.
_NESTING_PREFIX_RE = re.compile(r"(?:[ \t]*(?:>|(?:[*+\-]|\d+\.)(?=[ \t])))*[ \t]*")
# A horizontal rule as Python-Markdown reads it: three or more of one of - * _
# with at most two spaces between them.
_THEMATIC_BREAK_RE = re.compile(r"[ ]{0,3}([-*_])(?:[ ]{0,2}\1){2,}[ ]*$")
# A setext heading's underline.
_UNDERLINE_RE = re.compile(r"[ ]{0,3}(?:=+|-+)[ \t]*$")
_NESTING_MARKER_RE = re.compile(r">|[*+\-]|\d+\.")
_TABLE_SEPARATOR_RE = re.compile(
    r"[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$"
)
# Marks that make an element inside a block (so the block has children).
_MARKUP_RE = re.compile(r"[*_`\[<!~\\]|://|www\.|@")
_BRACKET_RE = re.compile(r"[\[\]()]")
_TITLE_END_RE = re.compile(r"[\"']\)")
_TAG_BOUNDARY_RE = re.compile(r"<(?=[A-Za-z/!?])|>")
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr"}
)  # fmt: skip
# Linear work per occurrence of each token, counted over the whole text.
_TOKEN_WORK = (
    *((char, INLINE_WORK) for char in "*_`[!\\~"),
    ("](", LINK_WORK),
    ("][", LINK_WORK),
    ("://", LINKIFY_WORK),
    ("www.", LINKIFY_WORK),
    ("@", LINKIFY_WORK),
    ("<", TAG_WORK),
    ("&", ENTITY_WORK),
    (">", ENTITY_WORK),
)
_TOKEN_RE = re.compile(r"\](?=[(\[])|://|www\.|[*_`\[!\\~@<&>]")
# The same weights, by what ``_TOKEN_RE`` matches ("](" and "][" as their "]").
_TOKEN_WEIGHTS = {token.rstrip("([") or token[0]: work for token, work in _TOKEN_WORK}
_RESCANNING_RE = re.compile(r"[*_`\\]")
_INLINE_OPENER_RE = re.compile(r"[*_`\[!\\~]")

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
# Control characters, lone surrogates, and the bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069): these last make a browser show the
# words after them in another order than they were written, which can disguise
# them (a link's text, a file name). Right-to-left scripts are laid out without them.
_CONTROL_CHARS_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def max_chars() -> int:
    return settings.TRELLIS_MARKDOWN_MAX_CHARS


@dataclass(frozen=True)
class MarkdownProblem:
    """Why a text would not be shown formatted in full, and where.

    ``line`` counts from 1 in the text with its line endings unified, as the
    author sees it in a text box; ``excerpt`` is the start of that line, so
    the author can find it. ``reason`` says what is wrong there and how to
    put it right, in the active language.
    """

    code: str
    line: int
    excerpt: str
    reason: str

    @property
    def params(self) -> dict:
        return {"line": self.line, "excerpt": self.excerpt, "reason": self.reason}


_LOCATED_PROBLEM = gettext_noop("Line %(line)s (“%(excerpt)s”): %(reason)s")
_EXCERPT_CHARS = 40
_QUADRATIC_KINDS = ("brackets", "tags", "marks", "splits")


def _reason(kind: str) -> str:
    """What to tell the author when ``kind`` of markup is what costs too much."""
    reasons = {
        "brackets": _(
            "a “[” or “(” here is never closed, or closed very far away, and finding its "
            "end would make this text too slow to show formatted. Close it, or write \\[ "
            "or \\( to show the bracket itself."
        ),
        "tags": _(
            "a “<” here starts an HTML tag that is never closed, which would make this "
            "text too slow to show formatted. Close the tag, or write &lt; to show “<” itself."
        ),
        "marks": _(
            "this paragraph has so many “*”, “_”, “`” or “\\” marks that pairing them up "
            "would make it too slow to show formatted. Put blank lines between paragraphs, "
            "or write \\* to show a mark itself."
        ),
        "splits": _(
            "headings or horizontal rules follow one another here without blank lines "
            "between them, which would make this text too slow to show formatted. Put a "
            "blank line before and after each heading and rule."
        ),
    }
    return reasons.get(
        kind,
        _(
            "by this line the text has more formatting than can be shown in one piece: "
            "every list item, table row, link and mark takes time to show. Split the text "
            "into two or more parts, or use less formatting."
        ),
    )


def _excerpt(line: str) -> str:
    line = " ".join(line.split())
    if len(line) > _EXCERPT_CHARS:
        return line[: _EXCERPT_CHARS - 1] + "…"
    return line


def _problem(code: str, lines: list[str], index: int, reason: str) -> MarkdownProblem:
    return MarkdownProblem(code, index + 1, _excerpt(lines[index]), reason)


def _too_deep_bracket(text: str) -> int | None:
    """Where brackets and parentheses first nest more than ``MAX_BRACKET_DEPTH`` deep."""
    depth = 0
    for match in _BRACKET_RE.finditer(text):
        if match.group() in "[(":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                return match.start()
        elif depth:
            depth -= 1
    return None


class _Estimate:
    """Estimated rendering work of one text, per line and by what causes it.

    ``density`` holds the work of elements (linear, or quadratic only in how
    many there are); the other kinds are the rescanning an unclosed or
    unseparated construct causes, put on the line where it starts. The work of
    single characters (``_TOKEN_WORK``) is summed over the whole text, cheaply,
    and spread over its lines only when a problem must be located.
    """

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = list(accumulate((len(line) + 1 for line in self.lines), initial=0))
        self.kinds = {kind: [0.0] * len(self.lines) for kind in ("density", *_QUADRATIC_KINDS)}
        self.too_deep_line: int | None = None  # the first line nested too deep
        self.tokens = sum(text.count(token) * work for token, work in _TOKEN_WORK)
        self.chars = len(text) * CHAR_WORK

    def line_of(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def total(self) -> float:
        return self.tokens + self.chars + sum(sum(work) for work in self.kinds.values())

    def line_passing(self, budget: float) -> int:
        """The first line where the work so far passes ``budget`` (else the last line).

        Each line's share of the total (its elements, its characters and its
        single-character tokens), added line by line and stopped there: a text far
        over the budget passes it early, and its rest is never read.
        """
        kinds = list(self.kinds.values())
        weights, tokens = _TOKEN_WEIGHTS, _TOKEN_RE.findall
        last = len(self.lines) - 1
        running = 0.0
        for index, line in enumerate(self.lines):
            # Every line but the last ends in a line break.
            running += (len(line) + (index < last)) * CHAR_WORK
            for work in kinds:
                running += work[index]
            if line:
                running += sum(map(weights.__getitem__, tokens(line)))
            if running > budget:
                return index
        return last


class _Siblings:
    """Elements that share a parent. The cleaner's tree walk looks each element
    with children up among all its siblings, so the work grows with the
    product of how many there are and how many of them have children."""

    def __init__(self):
        self.size = self.with_children = 0

    def add(self, count: int = 1, *, children: bool) -> float:
        """Count ``count`` more elements; return the work they add."""
        before = self.size * self.with_children
        self.size += count
        if children:
            self.with_children += count
        return (self.size * self.with_children - before) * SIBLING_WORK

    def promote(self) -> float:
        """One element counted without children turns out to have some."""
        if self.with_children >= self.size:
            return 0.0
        self.with_children += 1
        return self.size * SIBLING_WORK


class _Destinations:
    """Where Python-Markdown stops reading a link's ``(...)`` in one element.

    Where the parentheses pair up, unless a quote (a title) comes first: then
    only at the same quote followed by ")", and at the element's end if there
    is none. The quote-and-parenthesis pairs are found once per element.
    """

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end = text, start, end
        self.closers: dict[str, list[int]] | None = None

    def stop(self, opened: int, closed: int) -> int:
        text = self.text
        double, single = text.find('"', opened, closed), text.find("'", opened, closed)
        if double < 0 and single < 0:
            return closed
        first = single if double < 0 or 0 <= single < double else double
        if self.closers is None:
            self.closers = {'"': [], "'": []}
            for match in _TITLE_END_RE.finditer(text, self.start, self.end):
                self.closers[match.group()[0]].append(match.start())
        closers = self.closers[text[first]]
        index = bisect_right(closers, first)
        return closers[index] if index < len(closers) else self.end


def _scan_brackets(estimate: _Estimate, line: int, start: int, end: int) -> None:
    """Charge each "[" the walk to its "]", and each "](" the walk to its ")"."""
    text, brackets, line_of = estimate.text, estimate.kinds["brackets"], estimate.line_of
    if text.find("\n", start, end) < 0:

        def line_of(_position: int) -> int:  # the element is one line long
            return line

    opened: list[int] = []  # "[" not yet closed
    parentheses: list[tuple[int, bool]] = []  # "(" not yet closed, and whether a link's
    destinations = _Destinations(text, start, end)
    for match in _BRACKET_RE.finditer(text, start, end):
        char, position = match.group(), match.start()
        if char == "[":
            opened.append(position)
        elif char == "]":
            if opened:
                first = opened.pop()
                brackets[line_of(first)] += (position - first) * BRACKET_SCAN_WORK
        elif char == "(":
            parentheses.append((position, text.startswith("]", position - 1)))
        elif parentheses:
            first, link = parentheses.pop()
            if link:
                stop = destinations.stop(first, position)
                brackets[line_of(first)] += (stop - first) * BRACKET_SCAN_WORK
    unclosed = opened + [first for first, link in parentheses if link]
    for first in unclosed:
        brackets[line_of(first)] += (end - first) * BRACKET_SCAN_WORK


def _end_unit(estimate: _Estimate, line: int, end: int) -> None:
    """Charge the inline patterns' work on one element's text, from ``line`` to ``end``.

    The element is a paragraph, a list item, a heading or a table row: the
    text the inline patterns read, and the furthest a scan for a closer goes.
    """
    text, start = estimate.text, estimate.starts[line]
    openers = len(_INLINE_OPENER_RE.findall(text, start, end))
    if not openers:
        return
    rescanning = len(_RESCANNING_RE.findall(text, start, end))
    estimate.kinds["marks"][line] += rescanning * (end - start) * RESCAN_WORK
    # Inline elements are siblings in their paragraph, as blocks are in the text.
    estimate.kinds["density"][line] += openers * openers * SIBLING_WORK
    if text.find("[", start, end) >= 0:
        _scan_brackets(estimate, line, start, end)


def _table_cells(row: str) -> int:
    """How many cells the tables extension finds in a row, if it has no code or escapes."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") else row
    return row.count("|") + 1


def _opens_table(header: str, separator: str) -> bool:
    """Whether a block starting with these two lines is a table.

    Stricter than the tables extension where they might disagree (code spans,
    escapes, one column): a table's rows are read one by one, so taking a
    paragraph for a table would underestimate its rescanning. (Lines that may
    be rows are charged as rows whatever this says.)
    """
    header = header.lstrip(" \t>")
    separator = separator.lstrip(" \t>")
    if "|" not in header or "`" in header or "\\" in header:
        return False
    if _TABLE_SEPARATOR_RE.match(separator) is None:
        return False
    cells = _table_cells(header)
    return cells > 1 and cells == _table_cells(separator)


class _BlockScan:
    """One walk over the lines: elements, nesting, block splits and siblings.

    A block is a run of lines between blank lines. Python-Markdown splits a
    block at a heading or a rule, and where a quote opens or a quoted
    paragraph ends, and reads what follows as a new segment: a list or a
    table only if the segment opens with one, else a paragraph that swallows
    item-like lines. A unit is the text the inline patterns read as one (a
    paragraph, a list item, a table row): as far as a scan for a closer goes.
    Where the walk cannot tell, it keeps units long and charges rows anyway,
    so that it errs towards more work, never less.
    """

    def __init__(self, estimate: _Estimate):
        self.estimate = estimate
        self.density = estimate.kinds["density"]
        self.root, self.items, self.rows = _Siblings(), _Siblings(), _Siblings()
        self.fence_work = len(estimate.text) * FENCE_SCAN_WORK
        self.block: int | None = None  # the block's first line; None between blocks
        self.unit = 0  # the unit's first line
        self.fresh = False  # the next line opens a new segment of the block
        self.splits: list[tuple[int, int]] = []  # (line, times the rest is read again)
        self.block_children = self.table = self.rowish = self.list_mode = False
        self.quote_depth = 0  # the deepest quote opened in the block so far
        self.list_depth = 0  # how deep the last list item was
        self.item_children = True  # whether the last list item has children

    def run(self) -> None:
        estimate = self.estimate
        for index, line in enumerate(estimate.lines):
            if line.strip():
                self.line(index, line)
            elif self.block is not None:
                self.end_block(index)
        if self.block is not None:
            self.end_block(len(estimate.lines))

    def end_block(self, end_line: int) -> None:
        estimate = self.estimate
        end = estimate.starts[end_line] - 1  # where the block's last line ends
        _end_unit(estimate, self.unit, end)
        for line, times in self.splits:
            rest = (end_line - line) * SPLIT_LINE_WORK
            rest += (end - estimate.starts[line]) * SPLIT_CHAR_WORK
            estimate.kinds["splits"][line] += times * rest
        # The block's elements in the text: itself, and a heading (or rule)
        # and a paragraph for each split.
        count = 1 + 2 * len(self.splits)
        self.density[self.block] += self.root.add(count, children=self.block_children)
        self.splits.clear()
        self.block = None

    def start_block(self, index: int) -> None:
        self.block = self.unit = index
        self.block_children = self.table = self.rowish = False
        self.quote_depth = self.list_depth = 0
        self.item_children = True
        self.density[index] += ELEMENT_WORK

    def line(self, index: int, line: str) -> None:
        lines, density = self.estimate.lines, self.density
        opens_block = self.block is None
        if opens_block:
            self.start_block(index)
        fresh, self.fresh = opens_block or self.fresh, False
        if fresh and index + 1 < len(lines):
            self.table = _opens_table(line, lines[index + 1])
        markup = _MARKUP_RE.search(line) is not None
        self.block_children = self.block_children or markup
        if self.table or self.rowish or "|" in line:
            # Every line of a table is a row of cells. Lines that may be rows
            # of a table this walk does not recognise (in a list item, say)
            # are charged as rows too, as is every line holding a "|".
            cells = max(1, line.count("|"))
            density[index] += ELEMENT_WORK + cells * CELL_WORK + self.rows.add(children=True)
            self.block_children = True
            if self.table:
                self.new_unit(index)
                return
            if "|" in line and _TABLE_SEPARATOR_RE.match(line):
                self.rowish = True
        # A heading or rule that opens a block is that block's element.
        own_element = 0 if opens_block else ELEMENT_WORK
        stripped = line.lstrip()
        if stripped[0] in "-*_" and _THEMATIC_BREAK_RE.match(line):
            self.split(index, RULE_SPLITS, own_element)
            return
        prefix = ""
        if stripped[0] in ">*+-0123456789" or line[0] in " \t":
            prefix = _NESTING_PREFIX_RE.match(line).group()
        item = self.nesting(index, prefix, markup) if prefix else False
        rest = line[len(prefix) :]
        quotes = prefix.count(">")
        if quotes > self.quote_depth:
            # A quote opens here, or one inside it: it takes the rest of the block.
            self.quote_depth = quotes
            fresh = True
        elif quotes and not rest.strip():
            # A blank line inside a quote: the next line starts a new paragraph.
            self.fresh = True
            return
        if fresh:
            self.new_unit(index)
            if prefix and not prefix.strip() and len(prefix.expandtabs(4)) >= 4:
                # Indented code opens this segment, and the rest is read again.
                self.split(index, 1, 2 * ELEMENT_WORK)
                return
            self.list_mode = item
        if rest[:1] == "#":
            self.split(index, 1, own_element)
        elif index == self.unit + 1 and rest[:1] in "=-" and _UNDERLINE_RE.match(rest):
            # An underline makes a heading of the line above it, if that line
            # opened its segment.
            self.split(index, RULE_SPLITS, own_element)
        elif rest.lstrip(" ")[:3] in ("```", "~~~"):
            # Fenced code: the fence pattern searches the whole text again.
            # What surrounds it stays one unit, to err towards more work.
            density[index] += ELEMENT_WORK + self.fence_work
            self.block_children = True
        elif item:
            if self.list_mode:
                self.new_unit(index)
        elif fresh and not opens_block:
            density[index] += ELEMENT_WORK  # a new paragraph
        elif markup and not self.item_children:
            # A continuation line gives the list item it continues children.
            density[index] += self.items.promote()
            self.item_children = True

    def nesting(self, index: int, prefix: str, markup: bool) -> bool:
        """Charge a line's quote and list markers; return whether it opens a list item."""
        markers = len(_NESTING_MARKER_RE.findall(prefix))
        quotes = prefix.count(">")
        indent = len(prefix) - len(prefix.lstrip(" \t"))
        depth = max(markers + indent // 4, len(prefix.expandtabs(4)) // 4)
        if depth > MAX_LINE_NESTING and self.estimate.too_deep_line is None:
            self.estimate.too_deep_line = index
        work = quotes * QUOTE_WORK + (markers - quotes) * ELEMENT_WORK + depth * NESTING_WORK
        if markers:
            self.block_children = True
        if markers > quotes:
            # Each level deeper than the item before opens one more list.
            work += max(0, depth - max(self.list_depth, 1)) * ELEMENT_WORK
            self.list_depth = depth
            # An item has children when it holds markup, a paragraph (a
            # loose list's item opens its block) or, nested, when its parent does.
            self.item_children = markup or index == self.block or depth > 1
            work += self.items.add(children=self.item_children)
        self.density[index] += work
        return markers > quotes

    def split(self, index: int, times: int, own_element: float) -> None:
        """A heading or a rule: the rest of the block is read again, as a new segment."""
        self.splits.append((index, times))
        self.density[index] += own_element
        self.new_unit(index)
        self.fresh = True

    def new_unit(self, index: int) -> None:
        if self.unit != index:
            _end_unit(self.estimate, self.unit, self.estimate.starts[index] - 1)
            self.unit = index


def _scan_tags(estimate: _Estimate) -> None:
    """Charge each "<" the search for the next ">", and each tag never closed the
    HTML parser's work of reopening it in everything that follows."""
    text, tags, line_of = estimate.text, estimate.kinds["tags"], estimate.line_of
    waiting: list[int] = []
    for match in _TAG_BOUNDARY_RE.finditer(text):
        if match.group() == ">":
            for first in waiting:
                tags[line_of(first)] += (match.start() - first) * TAG_SCAN_WORK
            waiting.clear()
        else:
            waiting.append(match.start())
    for first in waiting:
        tags[line_of(first)] += (len(text) - first) * TAG_SCAN_WORK
    still_open: dict[str, list[int]] = {}
    for match in _TAG_RE.finditer(text):
        name = match.group(2).lower()
        if name in _VOID_TAGS:
            continue
        if not match.group(1):
            still_open.setdefault(name, []).append(match.start())
        elif still_open.get(name):
            still_open[name].pop()
    for positions in still_open.values():
        for first in positions:
            tags[line_of(first)] += (len(text) - first) * OPEN_TAG_WORK


def _estimate(text: str) -> _Estimate:
    estimate = _Estimate(text)
    _BlockScan(estimate).run()
    if "<" in text:
        _scan_tags(estimate)
    return estimate


def estimated_work(text: str) -> float:
    """Rendering work for ``text`` in the units of ``MAX_WORK``; linear time."""
    return _estimate(text).total()


def _costly_line(estimate: _Estimate) -> tuple[int, str]:
    """The line to show the author, and the kind of markup to blame there.

    Rescanning is charged where the construct that causes it starts (an
    unclosed bracket or tag, the first heading of a run without blank
    lines), so when it is what costs most, or when one construct costs a
    quarter of the budget alone, the line that holds most of it is named.
    Otherwise the work is spread over many elements, and the line is where
    it passes the budget.
    """
    totals = {kind: sum(work) for kind, work in estimate.kinds.items()}
    totals["density"] += estimate.tokens + estimate.chars
    # The first line holding each kind's most (what max with a key would find, in C).
    costliest = {
        kind: estimate.kinds[kind].index(max(estimate.kinds[kind])) for kind in _QUADRATIC_KINDS
    }
    kind = max(totals, key=totals.__getitem__)
    if kind == "density":
        single = max(_QUADRATIC_KINDS, key=lambda k: estimate.kinds[k][costliest[k]])
        if estimate.kinds[single][costliest[single]] < MAX_WORK / 4:
            return estimate.line_passing(MAX_WORK), kind
        kind = single
    return costliest[kind], kind


def rendering_problem(text: str) -> MarkdownProblem | None:
    """Why ``text`` would be shown as escaped text rather than formatted, or None.

    The guard against input that would make rendering slow. Every check is a
    constant number of linear scans, so it costs far less than the work it
    prevents, whatever the input. ``text`` is normalised first, so lines are
    counted as the author sees them.
    """
    return _rendering_problem(normalise(text or ""))


def _rendering_problem(text: str) -> MarkdownProblem | None:
    too_deep = _too_deep_bracket(text)
    if too_deep is not None:
        return _problem(
            "markdown_brackets_too_deep",
            text.split("\n"),
            text.count("\n", 0, too_deep),
            _(
                "brackets and parentheses are nested more than %(limit)s deep here. "
                "Close some of them, or write \\[ or \\( to show a bracket itself."
            )
            % {"limit": MAX_BRACKET_DEPTH},
        )
    estimate = _estimate(text)
    if estimate.too_deep_line is not None:
        return _problem(
            "markdown_nesting_too_deep",
            estimate.lines,
            estimate.too_deep_line,
            _("lists or quotes are nested more than %(limit)s levels deep here. Use fewer levels.")
            % {"limit": MAX_LINE_NESTING},
        )
    if estimate.total() <= MAX_WORK:
        return None
    line, kind = _costly_line(estimate)
    return _problem("markdown_too_slow", estimate.lines, line, _reason(kind))


def is_pathological(text: str) -> bool:
    """True when the guard would show ``text`` escaped rather than formatted."""
    return rendering_problem(text) is not None


def validate_markdown(text: str) -> None:
    """Refuse text that is longer than the cap, or that would not be shown formatted.

    The message names the line and quotes its start, so the author can find
    what to change.
    """
    if not text:
        return
    limit = max_chars()
    if len(text) > limit:
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
    problem = rendering_problem(text)
    if problem is not None:
        raise ValidationError(_(_LOCATED_PROBLEM), code=problem.code, params=problem.params)


def _reduced_url(url: str) -> str:
    """``url`` as a browser reads it, for judging: decoded, without noise, lower case."""
    previous, decoded = None, url
    for _round in range(5):
        if decoded == previous:
            break
        previous, decoded = decoded, html.unescape(decoded)
    decoded = "".join(ch for ch in decoded if unicodedata.category(ch) != "Cf")
    return _URL_NOISE_RE.sub("", decoded).lower()


def url_is_allowed(url: str) -> bool:
    """True when the URL is relative or uses an allowed scheme.

    Browsers decode character references in attributes, drop tabs and newlines
    inside URLs and ignore leading control characters; the URL is reduced the
    same way (and decoded repeatedly, in case the markup is decoded again
    downstream) before its scheme is read. Whatever precedes the first colon,
    unless a slash, ``?`` or ``#`` comes first, is treated as a scheme.
    """
    match = _SCHEME_RE.match(_reduced_url(url))
    return match is None or match.group(1) in ALLOWED_PROTOCOLS


def _media_prefix() -> str | None:
    """``MEDIA_URL`` when it is an absolute http(s) address (a media host), else None."""
    media_url = _reduced_url(settings.MEDIA_URL or "")
    if not media_url.startswith(("http://", "https://")):
        return None
    # Django requires the slash; without it "https://media.example" would
    # also be the start of "https://media.example.tracker.example/".
    return media_url if media_url.endswith("/") else media_url + "/"


def image_src_is_allowed(src: str) -> bool:
    """True when an image from ``src`` comes from the site, so no one else learns it was shown.

    Allowed: a URL relative to the site, or one that starts with ``MEDIA_URL``
    when that is an absolute http(s) address. Relative means no scheme, and
    neither ``//`` nor a backslash first: browsers read ``//host`` as another
    host, and a backslash as a slash. The URL is judged reduced as
    ``url_is_allowed`` reduces it, so tabs and character references hide
    nothing.
    """
    reduced = _reduced_url(src)
    if _SCHEME_RE.match(reduced) is None:
        return not reduced.startswith(("//", "/\\", "\\"))
    media = _media_prefix()
    return media is not None and reduced.startswith(media)


class _SafeUrlFilter(Filter):
    """Last pass over the cleaned tokens: judge every URL and mark every link.

    It runs after bleach's sanitiser and linkifier, so it sees links from the
    markdown, from raw HTML and from linkified text alike. A disallowed URL
    attribute is removed, as is an image source from outside the site; its
    element stays, inert, so the text (an image's alt) is not lost.
    """

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token.get("data"):
                attrs = token["data"]
                for key in [k for k in attrs if k[1] in URL_ATTRIBUTES]:
                    if not url_is_allowed(attrs[key]):
                        del attrs[key]
                src = (None, "src")
                if (
                    token["name"] == "img"
                    and src in attrs
                    and not image_src_is_allowed(attrs[src])
                ):
                    del attrs[src]
                if token["name"] == "a" and (None, "href") in attrs:
                    attrs[(None, "rel")] = LINK_REL
            yield token


class _DemoteTopHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _CompactBlocks(Treeprocessor):
    """Python-Markdown's last tidying, without its line breaks between blocks.

    The stock step (``prettify``) writes a line break after every paragraph,
    list item, table row and cell. A reader never sees them, but in a long
    table or list they are a third of what the cleaner parses and writes out
    again. What a reader does see is kept: a code block ends with exactly one
    line break, however many blank lines the author left at its end.
    """

    def run(self, root):
        for pre in root.iter("pre"):
            if len(pre) and pre[0].tag == "code":
                code = pre[0]
                if not len(code) and code.text is not None:
                    code.text = AtomicString(code.text.rstrip() + "\n")


class _TrellisExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteTopHeadings(md), "trellis_demote_h1", 1)
        # Registered under the stock step's name, so it takes that step's place.
        md.treeprocessors.register(_CompactBlocks(md), "prettify", 10)


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
    problem = _rendering_problem(text)
    if problem is not None:
        # Such text is refused when it is saved; this is text saved before
        # that, or by a path that skipped validation. Its words stay out of
        # the log: they may be a private reflection.
        logger.warning(
            "Markdown shown escaped, as rendering it would be too slow (%s at line %s).",
            problem.code,
            problem.line,
        )
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
    # MEDIA_URL decides which images are kept (``image_src_is_allowed``).
    keyed = f"{settings.MEDIA_URL}\x00{normalise(text)}"
    digest = hashlib.sha256(keyed.encode("utf-8")).hexdigest()
    return f"md:{RENDERER_VERSION}:{digest}"


def render_markdown(text: str | None) -> str:
    """Turn untrusted markdown into safe HTML. Never raises."""
    if not text:
        return ""
    text = normalise(text)
    if len(text) > max_chars():
        logger.warning(
            "Markdown shown escaped, as it is longer than TRELLIS_MARKDOWN_MAX_CHARS "
            "(%s characters).",
            len(text),
        )
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
        cache.set(key, html_text, timeout=CACHE_TIMEOUT)
    except Exception:  # as above: the render stands without the cache
        logger.warning("Markdown cache unavailable; result not stored.", exc_info=True)
    return html_text
