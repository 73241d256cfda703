"""What an attacker would type into a field, and what a page must never let through.

Shared by the tests that feed hostile text through the real pages that show it.
"""

from html.parser import HTMLParser

SCRIPT = "<script>alert('typed')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
JAVASCRIPT_LINK = "[a link](javascript:alert(1))"
JAVASCRIPT_ANCHOR = '<a href="javascript:alert(2)">another link</a>'

HOSTILE_MARKDOWN = "\n\n".join([SCRIPT, IMAGE, JAVASCRIPT_LINK, JAVASCRIPT_ANCHOR])
HOSTILE_LINE = f"{SCRIPT} {IMAGE} {JAVASCRIPT_ANCHOR}"


class _Elements(HTMLParser):
    """Reads a page as a browser would: which elements and attributes it really has."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and "".join(
                (value or "").split()
            ).lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.problems.append(f"<script>{data}</script>")


def assert_neutralised(html: str) -> None:
    """Nothing typed runs: no script element, event handler or javascript: link survives."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert parser.problems == [], parser.problems
