"""Time the markdown sanitiser on hostile, long legitimate and ordinary input.

Run as ``.venv/bin/python bench/sanitiser.py`` (``make bench`` runs it).
Prints one JSON line per metric on stdout; ``--verbose`` adds a timing per
input on stderr.

The worst case is taken over shapes known to make Markdown parsers or HTML
sanitisers slow (deep nesting, long runs of one delimiter, many tiny blocks,
unclosed brackets and tags, tables and lists mixed in one block, long words
the linkifier must scan). Each shape is filled to the size cap; if the guard
(``is_pathological``) refuses it, the longest prefix it still accepts is
timed as well, since that is the most expensive input an attacker can get
through the guard. The long legitimate documents (``long_markdown_documents``:
lists, tables, links and guides at the size cap) are timed too, and any the
guard refuses is counted: the target is none.

Times are CPU time of ``render_markdown`` (guard included) from an empty
cache, the median of five renders (of nine runs of the guard alone, which is
cheap): on a shared machine, wall time mostly measures the neighbours, and the
worst of some sixty inputs is the largest of sixty medians, so each median
must hold still. Each carries its ratio to bare Python-Markdown on an
ordinary document, measured the same way in the same run.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django

django.setup()

from django.core.cache import cache  # noqa: E402

from content.factories import long_markdown_documents  # noqa: E402
from content.markdown import (  # noqa: E402
    is_pathological,
    max_chars,
    render_markdown,
    rendering_problem,
)

# Escaping refused input is what this benchmark provokes; its warnings are noise here.
logging.getLogger("content.markdown").setLevel(logging.ERROR)

WORST_CASE_TARGET_MS = 200
LONG_DOCUMENT_TARGET_MS = 200
TYPICAL_TARGET_MS = 20
GUARD_TARGET_MS = 20
REPEATS = 5
GUARD_REPEATS = 9

TYPICAL_SECTION = """## Preparing for your first conversation

Good mentoring starts with *curiosity*. Before you meet, read the **program
guide** and note two or three things you would like to learn. The
[guide](https://example.com/guide) answers most questions; write to
mentoring@example.com or see https://example.org/faq if anything is unclear.

* Share one thing you are proud of this year
* Note one skill you want to grow, e.g. `stakeholder mapping`
* Agree how often you will meet

1. Introduce yourselves
2. Agree the ground rules
3. Set a first goal

> The best mentors ask more than they tell. -- A mentee in Finance

| Week | Focus    | Owner  |
|:-----|:--------:|-------:|
| 1    | Goals    | Mentee |
| 2    | Feedback | Mentor |

```
Goal: present at the quarterly review
Why: build confidence with senior audiences
```

"""


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _lines(make_line, size: int) -> str:
    parts, length, i = [], 0, 0
    while length < size:
        line = make_line(i) + "\n"
        parts.append(line)
        length += len(line)
        i += 1
    return "".join(parts)[:size]


def hostile_inputs(size: int) -> dict[str, str]:
    units = {
        "open brackets": "[",
        "open parentheses": "(",
        "unclosed links": "[a",
        "image openers": "![",
        "link pairs": "[a](b) ",
        "reference pairs": "[a][b] ",
        "close brackets": "]",
        "emphasis openers": "*a ",
        "underscore openers": "_a ",
        "mixed emphasis": "**a *b _c __d ",
        "asterisks": "*",
        "underscores": "_",
        "backticks": "`",
        "code openers": "`a ",
        "uneven code spans": "``a` ",
        "angle brackets": "<",
        "tag openers": "<a ",
        "closing tag openers": "</",
        "comment openers": "<!--",
        "autolink openers": "<http://",
        "ampersands": "&",
        "character references": "&#",
        "backslashes": "\\",
        "pipes": "|",
        "mixed delimiters": "*[`_<",
        "dotted words": "a.",
        "www runs": "www.",
        "url runs": "http://a.com/",
        "email-ish runs": "a@",
        "attribute lists": "{: onclick=x} ",
        "quote markers": "> ",
        "quoted list markers": "> - ",
        "list markers": "- ",
        "setext headings": "a\n=\n",
        "setext subheadings": "a\n-\n",
        "atx headings": "# a\n",
        "headings and text": "# a\nb\n",
        "rules": "a\n---\n",
        "starred rules": "* * *\n",
        "list items": "- a\n",
        "ordered items": "1. a\n",
        "table rows": "|a|b|\n|-|-|\n",
        "fences": "```\na\n```\n",
        "tag openers in blocks": "\n\n<a ",
        "unclosed bold in blocks": "\n\n<b>",
        "unclosed bold": "<b>",
        "comment openers in blocks": "<!--\n\n",
        "closing tags in blocks": "\n\n</a",
        "tiny paragraphs": "a\n\n",
        "parenthesis paragraphs": ")\n\n",
        "spaces": " ",
        "newlines": "\n",
    }
    inputs = {name: _fill(unit, size) for name, unit in units.items()}
    inputs["one long word"] = "<a " + "b" * (size - 3)
    inputs["nested lists, 4 spaces"] = _lines(lambda i: "    " * i + "- x", size)
    inputs["nested lists, 2 spaces"] = _lines(lambda i: "  " * i + "- x", size)
    inputs["nested ordered lists"] = _lines(lambda i: "   " * i + "1. x", size)
    inputs["nested quotes"] = _fill("> ", size - 1) + "x"
    inputs["quote depth cycling"] = _lines(lambda i: "> " * (i % 16) + "x", size)
    inputs["growing backtick fences"] = _lines(lambda i: "`" * (i + 3), size)
    inputs["growing tilde fences"] = _lines(lambda i: "~" * (i + 3), size)
    inputs["varying backtick runs"] = _lines(lambda i: "`" * (i % 60 + 1) + "a", size)
    inputs["mixed shapes"] = _fill(
        "- a\n- b\n\na\n=\nb\n-\n\n|a|b|\n|-|-|\n\n[a](b) *c* `d`\n\n", size
    )
    inputs["deep list cycling"] = _lines(lambda i: "    " * (i % 16) + "- x", size)
    inputs["balanced deep brackets"] = _fill("[" * 12 + "a" + "]" * 12 + " ", size)
    # Shapes where one element costs more than it looks, or where Python-Markdown
    # reads a block differently from how a line-by-line reading would.
    mixed_units = {
        "unclosed links with parentheses": "[a) ",
        "links in list items": "- [a](b)\n",
        "emphasis in list items": "- *a*\n",
        "loose list items": "- a\n\n",
        "items with paragraphs": "- a\n\n  b\n\n",
        "emphasis paragraphs": "*a*\n\n",
        "link paragraphs": "[a](b)\n\n",
        "emphasis around links": "*[a](b)* ",
        "references and links in paragraphs": "a\n\n&amp; &amp; [a](b) ",
        "emphasis in quotes": "> *a*\n>\n",
        "headings in quotes": "> # a\n",
        "emphasised headings": "# *a*\n",
        "headings with blank lines": "# a\n\n",
        "headings and indented code": "# a\n# a\n# a\n            ",
        "alternating nested lists": "- x\n    - x\n",
        "list items with raw tags": "- a\n- a\n- a\n<div>a</div>  ",
        "paragraph swallowing list items": "[a) [a) [a) |a|b|\n- a\n- a\n- a\n",
        "rules between tables": "---\n|a|b|\n|-|-|\n",
        "tables and loose lists": "|a|b|\n|-|-|\n- a\n\n  b\n\n- ",
        "one-column table rows": "|a|\n|-|\n|a|\n",
        "emphasis in table rows": "|*a*|[b](c)|\n",
        "raw blocks": "<div>a</div>\n\n",
        "unclosed raw blocks": "<div>\n\n",
        "unclosed italics": "<i>a\n",
        "comments closed by >": "<!-- >\n\n",
        "autolinks": "<http://a.co> ",
        "bare addresses": "http://a.co ",
        "email addresses": "a@b.co ",
        "entities": "&amp; ",
        "line breaks": "<br> ",
        "closed raw tags": "<b>a</b> ",
        "images": "![a](b) ",
        "code spans": "`a` ",
        "strong emphasis": "**a** ",
        "fenced blocks": "```\na\n```\n\n",
        "links never closed": "]]]]]]]]]]]][a](b) [a](b- - - - - - 1. ",
        "titles never closed": '[a](b "t) ',
        "paragraph of 1) lines": "1) a\n1) a\n1)&#&#&#&#&#&#<br> <br> <b*[`_<*[`_<*[",
        "references and emphasis in paragraphs": "*a* a\n\n&amp; &am",
    }
    inputs.update({name: _fill(unit, size) for name, unit in mixed_units.items()})
    inputs["table of one-cell rows"] = ("|a|\n|-|\n" + "|a|\n" * size)[:size]
    inputs["nested lists of links"] = _lines(lambda i: "  " * (i % 16) + "- [x](y)", size)
    return inputs


def longest_accepted_prefix(text: str) -> str:
    """The longest prefix of ``text`` that the guard lets through to the parser."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if is_pathological(text[:middle]):
            high = middle - 1
        else:
            low = middle
    return text[:low]


def cpu_ms(function, repeats: int = REPEATS) -> float:
    """Median CPU time in milliseconds of ``function()``."""
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        function()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def time_render(text: str, repeats: int = REPEATS) -> float:
    """Median CPU ms of a render that misses the cache, the guard included."""

    def render():
        cache.clear()
        render_markdown(text)

    return cpu_ms(render, repeats)


def time_reference(text: str, repeats: int = REPEATS) -> float:
    """Median CPU ms of bare Python-Markdown on ``text``: the floor any renderer pays."""
    import markdown

    return cpu_ms(
        lambda: markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"]),
        repeats,
    )


def main() -> None:
    verbose = "--verbose" in sys.argv
    size = max_chars()
    worst_ms, worst_name = 0.0, ""
    guard_ms, guard_name = 0.0, ""
    for name, text in hostile_inputs(size).items():
        candidates = {name: text}
        if is_pathological(text):
            prefix = longest_accepted_prefix(text)
            if prefix:
                candidates[f"{name} (longest accepted prefix, {len(prefix)} chars)"] = prefix
        for label, candidate in candidates.items():
            elapsed = time_render(candidate)
            guard = cpu_ms(lambda candidate=candidate: rendering_problem(candidate), GUARD_REPEATS)
            if verbose:
                print(f"{elapsed:9.1f} ms  (guard {guard:5.1f} ms)  {label}", file=sys.stderr)
            if elapsed > worst_ms:
                worst_ms, worst_name = elapsed, label
            if guard > guard_ms:
                guard_ms, guard_name = guard, label

    long_ms, long_name, refused = 0.0, "", []
    for name, text in long_markdown_documents(size).items():
        if is_pathological(text):
            refused.append(name)
        elapsed = time_render(text)
        if verbose:
            print(f"{elapsed:9.1f} ms  long document: {name}", file=sys.stderr)
        if elapsed > long_ms:
            long_ms, long_name = elapsed, name

    typical = _fill(TYPICAL_SECTION, 5000)
    typical_ms = time_render(typical, repeats=9)
    # The reference: Python-Markdown alone on the same document, no cleaning.
    reference_ms = time_reference(typical, repeats=9)

    for line in (
        {
            "metric": "markdown_worst_case_render",
            "value": round(worst_ms, 1),
            "unit": "ms",
            "target": WORST_CASE_TARGET_MS,
            "input": worst_name,
            "reference_ms": round(reference_ms, 2),
            "ratio": round(worst_ms / reference_ms, 1),
        },
        {
            "metric": "markdown_long_document_render",
            "value": round(long_ms, 1),
            "unit": "ms",
            "target": LONG_DOCUMENT_TARGET_MS,
            "input": f"{long_name}, {size} chars",
            "reference_ms": round(reference_ms, 2),
            "ratio": round(long_ms / reference_ms, 1),
        },
        {
            "metric": "markdown_long_documents_refused",
            "value": len(refused),
            "unit": "documents",
            "target": 0,
            "input": ", ".join(refused),
        },
        {
            "metric": "markdown_typical_render",
            "value": round(typical_ms, 1),
            "unit": "ms",
            "target": TYPICAL_TARGET_MS,
            "input": f"realistic document, {len(typical)} chars",
            "reference_ms": round(reference_ms, 2),
            "ratio": round(typical_ms / reference_ms, 1),
        },
        {
            "metric": "markdown_guard_worst_case",
            "value": round(guard_ms, 1),
            "unit": "ms",
            "target": GUARD_TARGET_MS,
            "input": guard_name,
        },
    ):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
