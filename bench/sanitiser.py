"""Time the markdown sanitiser on hostile and on ordinary input.

Run as ``.venv/bin/python bench/sanitiser.py``. Prints one JSON line per
metric on stdout; ``--verbose`` adds a timing per input on stderr.

The worst case is taken over shapes known to make Markdown parsers or HTML
sanitisers slow (deep nesting, long runs of one delimiter, many tiny blocks,
long words the linkifier must scan). Each shape is filled to the size cap; if
``is_pathological`` refuses it, the longest prefix it still accepts is timed
as well, since that is the most expensive input an attacker can get through
the guard. Every render starts from an empty cache.
"""

from __future__ import annotations

import json
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

from content.markdown import is_pathological, max_chars, render_markdown  # noqa: E402

WORST_CASE_TARGET_MS = 200
TYPICAL_TARGET_MS = 20
REPEATS = 3

TYPICAL_SECTION = """## Preparing for your first conversation

Good mentoring starts with *curiosity*. Before you meet, read the **programme
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


def time_render(text: str, repeats: int = REPEATS) -> float:
    """Median wall time in milliseconds of a render that misses the cache."""
    samples = []
    for _ in range(repeats):
        cache.clear()
        start = time.perf_counter()
        render_markdown(text)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def time_reference(text: str, repeats: int = REPEATS) -> float:
    """Median ms of bare Python-Markdown on ``text``: the floor any renderer pays."""
    import markdown

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    verbose = "--verbose" in sys.argv
    size = max_chars()
    worst_ms, worst_name = 0.0, ""
    for name, text in hostile_inputs(size).items():
        candidates = {name: text}
        if is_pathological(text):
            prefix = longest_accepted_prefix(text)
            if prefix:
                candidates[f"{name} (longest accepted prefix, {len(prefix)} chars)"] = prefix
        for label, candidate in candidates.items():
            elapsed = time_render(candidate)
            if verbose:
                print(f"{elapsed:9.1f} ms  {label}", file=sys.stderr)
            if elapsed > worst_ms:
                worst_ms, worst_name = elapsed, label

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
            "metric": "markdown_typical_render",
            "value": round(typical_ms, 1),
            "unit": "ms",
            "target": TYPICAL_TARGET_MS,
            "input": f"realistic document, {len(typical)} chars",
            "reference_ms": round(reference_ms, 2),
            "ratio": round(typical_ms / reference_ms, 1),
        },
    ):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
