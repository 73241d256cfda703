"""The markdown sanitiser, judged by parsing what it emits.

Every hostile input is rendered and the output is parsed twice: by the
WHATWG-conformant parser that bleach vendors (it builds the tree a browser
would, foreign svg/math content included) and by the standard library's
``html.parser`` (a second opinion that does not share bleach's code). The
checks are structural: every element is on the allowlist, no attribute is an
event handler or ``style``, and every URL, decoded as a browser would (and
then once more, for safety), is relative or http, https or mailto; an image's
source is on the site (relative, and not ``//`` or a backslash first), so an
email carrying rendered text loads nothing from elsewhere.
"""

from __future__ import annotations

import html
import re
import sys
from html.parser import HTMLParser

import pytest
from bleach._vendor import html5lib
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from content import markdown as content_markdown
from content.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    cache_key,
    image_src_is_allowed,
    is_pathological,
    max_chars,
    render_markdown,
    url_is_allowed,
    validate_markdown,
)

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcset", "xlink:href"}
# The sanitiser adds rel to every link it keeps; authors cannot set it.
EMITTED_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "a": [*ALLOWED_ATTRIBUTES["a"], "rel"]}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")


def _decoded(value: str) -> str:
    return _URL_NOISE.sub("", html.unescape(html.unescape(value))).lower()


def _scheme_is_safe(value: str) -> bool:
    match = _SCHEME.match(_decoded(value))
    return match is None or match.group(1) in SAFE_SCHEMES


def _image_is_on_the_site(value: str) -> bool:
    """Only relative sources may remain: the test settings' MEDIA_URL is relative."""
    decoded = _decoded(value)
    return not (_SCHEME.match(decoded) or decoded.startswith(("//", "\\", "/\\")))


def _attribute_problems(tag: str, name: str, value: str) -> list[str]:
    problems = []
    if name.startswith("on") or name == "style":
        problems.append(f"<{tag}> has a {name} attribute")
    if name not in EMITTED_ATTRIBUTES.get(tag, ()):
        problems.append(f"<{tag}> has an attribute {name} outside the allowlist")
    if name in URL_ATTRIBUTES and not _scheme_is_safe(value):
        problems.append(f"<{tag} {name}={value!r}> has an unsafe scheme")
    if tag == "img" and name == "src" and not _image_is_on_the_site(value):
        problems.append(f"<img src={value!r}> loads an image from another site")
    return problems


def _problems_seen_by_html5lib(output: str) -> list[str]:
    fragment = html5lib.parseFragment(output, treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for element in fragment.iter():
        if element is fragment:
            continue
        if not isinstance(element.tag, str):
            problems.append("a comment or processing instruction survived")
            continue
        if element.tag not in ALLOWED_TAGS:
            problems.append(f"element {element.tag} is not allowed")
        for name, value in element.attrib.items():
            problems += _attribute_problems(element.tag, name.rpartition("}")[2].lower(), value)
    return problems


class _AuditingParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element {tag} is not allowed")
        for name, value in attrs:
            self.problems += _attribute_problems(tag, name, value or "")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.problems.append("a comment survived")

    def handle_decl(self, decl):
        self.problems.append("a declaration survived")

    def unknown_decl(self, data):
        self.problems.append("a CDATA section or unknown declaration survived")

    def handle_pi(self, data):
        self.problems.append("a processing instruction survived")


def _problems_seen_by_html_parser(output: str) -> list[str]:
    parser = _AuditingParser()
    parser.feed(output)
    parser.close()
    return parser.problems


def assert_safe(output: str) -> None:
    problems = _problems_seen_by_html5lib(output) + _problems_seen_by_html_parser(output)
    assert not problems, f"{problems} in {output!r}"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _numeric_references(text: str) -> str:
    return "".join(f"&#{ord(char):07d}" for char in text)


HOSTILE_INPUTS = [
    # Raw HTML elements that run code or change the page around them.
    pytest.param("<script>alert(1)</script>", id="script element"),
    pytest.param("<ScRiPt>alert(1)</sCrIpT>", id="script element in mixed case"),
    pytest.param("<script src=//evil.example/x.js></script>", id="script with remote source"),
    pytest.param("<scr\x00ipt>alert(1)</scr\x00ipt>", id="script name split by a null"),
    pytest.param("<<script>alert(1)//<</script>", id="doubled angle bracket before script"),
    pytest.param('<img src=x onerror="alert(1)">', id="image with onerror"),
    pytest.param('<img/src="x"/onerror="alert(1)">', id="attributes separated by slashes"),
    pytest.param("<img\nsrc=x\nonerror=alert(1)>", id="attributes separated by newlines"),
    pytest.param('<img src="x" onerror="alert(1)"', id="unclosed image tag"),
    pytest.param('<img srcset="javascript:alert(1)">', id="image srcset"),
    pytest.param("<svg onload=alert(1)>", id="svg with onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="script inside svg"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', id="svg xlink href"
    ),
    pytest.param('<math href="javascript:alert(1)">x</math>', id="math with href"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        id="math and style namespace confusion",
    ),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>">', id="iframe srcdoc"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param('<embed src="data:text/html,<script>alert(1)</script>">', id="embed"),
    pytest.param('<form action="javascript:alert(1)"><button>go</button></form>', id="form"),
    pytest.param('<button formaction="javascript:alert(1)">go</button>', id="formaction"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input with onfocus"),
    pytest.param('<base href="javascript:alert(1)//">', id="base element"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta refresh"
    ),
    pytest.param('<link rel=stylesheet href="javascript:alert(1)">', id="link element"),
    pytest.param('<style>body{background:url("javascript:alert(1)")}</style>', id="style element"),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style attribute"),
    pytest.param('<p style="width: expression(alert(1))">x</p>', id="css expression"),
    pytest.param('<a href="https://example.com" onclick="alert(1)">x</a>', id="link onclick"),
    pytest.param("<a onmouseover=alert(1)>x</a>", id="unquoted onmouseover"),
    pytest.param('<abbr title="x" onclick="alert(1)">x</abbr>', id="allowed tag, bad attribute"),
    pytest.param('<ol start="1" onclick="alert(1)"><li>x</li></ol>', id="list with onclick"),
    pytest.param(
        '<table><tr><td style="x" align="left" onclick="alert(1)">x</td></tr></table>',
        id="table cell with style and onclick",
    ),
    pytest.param("<body onload=alert(1)>", id="body onload"),
    pytest.param("<details open ontoggle=alert(1)>", id="details ontoggle"),
    pytest.param('<video><source onerror="alert(1)"></video>', id="video source onerror"),
    pytest.param("<textarea></textarea><script>alert(1)</script>", id="textarea breakout"),
    pytest.param("<title><img src=x onerror=alert(1)></title>", id="title breakout"),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        id="noscript mutation",
    ),
    pytest.param("<template><script>alert(1)</script></template>", id="template"),
    # Comments, CDATA and other markup declarations.
    pytest.param("<!--<script>alert(1)</script>-->", id="script in a comment"),
    pytest.param("<!-- --!><script>alert(1)</script> -->", id="comment closed by --!>"),
    pytest.param("<![CDATA[<script>alert(1)</script>]]>", id="cdata section"),
    pytest.param('<?xml version="1.0"?><script>alert(1)</script>', id="processing instruction"),
    pytest.param("<!DOCTYPE html><script>alert(1)</script>", id="doctype"),
    # Raw links whose scheme is hidden from a naive check.
    pytest.param('<a href="javascript:alert(1)">x</a>', id="raw javascript link"),
    pytest.param(
        '<a href="&#106avascript:alert(1)">x</a>', id="raw link, reference, no semicolon"
    ),
    pytest.param('<a href="&#x6A;avascript:alert(1)">x</a>', id="raw link, hex reference"),
    pytest.param('<a href="java&#9;script:alert(1)">x</a>', id="raw link, encoded tab"),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="raw link, literal newline"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="raw link, leading control"),
    pytest.param('<a href=" \tjavascript:alert(1)">x</a>', id="raw link, leading whitespace"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="raw link, named colon"),
    pytest.param(
        f'<a href="{_numeric_references("javascript:")}alert(1)">x</a>',
        id="raw link, zero-padded references",
    ),
    pytest.param("<a href=`javascript:alert(1)`>x</a>", id="raw link, backtick quotes"),
    # Markdown links and images.
    pytest.param("[x](javascript:alert(1))", id="markdown link"),
    pytest.param("[x](JAVASCRIPT:alert(1))", id="markdown link, upper case"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="markdown link, mixed case"),
    pytest.param("[x](  javascript:alert(1))", id="markdown link, leading spaces"),
    pytest.param("[x](<javascript:alert(1)>)", id="markdown link, angle brackets"),
    pytest.param("[x](java\tscript:alert(1))", id="markdown link, literal tab"),
    pytest.param("[x](java&#10;script:alert(1))", id="markdown link, encoded newline"),
    pytest.param("[x](java&#9;script:alert(1))", id="markdown link, encoded tab"),
    pytest.param("[x](&#106;avascript:alert(1))", id="markdown link, decimal reference"),
    pytest.param("[x](&#106avascript:alert(1))", id="markdown link, reference, no semicolon"),
    pytest.param("[x](&#x6A;avascript:alert(1))", id="markdown link, hex reference"),
    pytest.param("[x](&#x0000006A;avascript:alert(1))", id="markdown link, padded hex"),
    pytest.param("[x](javascript&colon;alert(1))", id="markdown link, named colon"),
    pytest.param("[x](javascript&#58;alert(1))", id="markdown link, numeric colon"),
    pytest.param("[x](javascript&amp;colon;alert(1))", id="markdown link, double encoded"),
    pytest.param("[x](java\u200bscript:alert(1))", id="markdown link, zero-width space"),
    pytest.param("[x](\u00a0javascript:alert(1))", id="markdown link, leading nbsp"),
    pytest.param(
        "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
        id="markdown link, fullwidth letters",
    ),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD4=)", id="markdown link, data"),
    pytest.param("[x](vbscript:msgbox(1))", id="markdown link, vbscript"),
    pytest.param("[x](file:///etc/passwd)", id="markdown link, file"),
    pytest.param("[x](//evil.example/)", id="markdown link, protocol relative"),
    pytest.param(
        '[x](https://example.com "t\\" onmouseover=\\"alert(1))', id="markdown link, title quote"
    ),
    pytest.param(
        '[x](https://example.com"onmouseover="alert(1))', id="markdown link, quote in url"
    ),
    pytest.param("![x](javascript:alert(1))", id="markdown image"),
    pytest.param("![x](data:image/svg+xml;base64,PHN2Zz4=)", id="markdown image, data svg"),
    pytest.param('![x" onerror="alert(1)](https://example.com/a.png)', id="image alt breakout"),
    pytest.param(
        '![x](https://example.com/a.png "x\\" onerror=\\"alert(1)")', id="image title breakout"
    ),
    pytest.param("[x][r]\n\n[r]: javascript:alert(1)", id="reference link"),
    pytest.param("![x][r]\n\n[r]: javascript:alert(1)", id="reference image"),
    pytest.param("[x][r]\n\n[r]: &#106;avascript:alert(1)", id="reference link, encoded"),
    pytest.param(
        '[x][r]\n\n[r]: https://example.com "t" onclick="alert(1)"', id="reference link, title"
    ),
    pytest.param("<javascript:alert(1)>", id="autolink, javascript"),
    pytest.param("<data:text/html,<script>alert(1)</script>>", id="autolink, data"),
    # Attribute lists, which are not enabled and must stay text.
    pytest.param('A paragraph.\n{: onclick="alert(1)" }', id="attribute list on paragraph"),
    pytest.param('## Title {: style="x" onclick="alert(1)" }', id="attribute list on heading"),
    pytest.param("[x](https://example.com){: onclick=alert(1)}", id="attribute list on link"),
    pytest.param("```{ onclick=alert(1) }\ncode\n```", id="attributes on fenced code"),
    pytest.param("```{ #x .y style=z }\ncode\n```", id="id, class, style on fenced code"),
    # Bare text the linkifier must not turn into a dangerous link.
    pytest.param("javascript:alert(1)", id="bare javascript"),
    pytest.param("javascript://example.com/%0aalert(1)", id="bare javascript, url-like"),
    pytest.param("JavaScript:alert(document.domain)", id="bare javascript, mixed case"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="bare data"),
    pytest.param("vbscript:msgbox(1)", id="bare vbscript"),
    pytest.param("file:///etc/passwd", id="bare file"),
    pytest.param('www.example.com/"onmouseover="alert(1)', id="bare www with quote"),
    pytest.param('http://example.com/"><script>alert(1)</script>', id="bare url with markup"),
    pytest.param('"<script>alert(1)</script>"@example.com', id="quoted email local part"),
    # Hostile markup inside markdown structures.
    pytest.param("*<img src=x onerror=alert(1)>*", id="html inside emphasis"),
    pytest.param("[<img src=x onerror=alert(1)>](https://example.com)", id="html in link text"),
    pytest.param("| a |\n|---|\n| <script>alert(1)</script> |", id="html in a table cell"),
    pytest.param("> <iframe src=javascript:alert(1)>", id="html in a quote"),
    pytest.param("- <svg/onload=alert(1)>", id="html in a list item"),
    pytest.param("`<script>alert(1)</script>`", id="script in a code span"),
    pytest.param("    <script>alert(1)</script>", id="script in an indented code block"),
    pytest.param("<div>\n<script>alert(1)</script>\n</div>", id="html block"),
    pytest.param("<p\n>x</p\n><img src=x onerror=alert(1)//", id="tags split across lines"),
    # Images from other sites, which would tell them who read an email, and when.
    pytest.param("![](https://tracker.example/p.png)", id="remote image, https"),
    pytest.param("![](http://tracker.example/p.png)", id="remote image, http"),
    pytest.param("![](//tracker.example/p.png)", id="remote image, protocol relative"),
    pytest.param("![x][r]\n\n[r]: https://tracker.example/p.png", id="remote reference image"),
    pytest.param('<img src="https://tracker.example/p.png">', id="remote image in html"),
    pytest.param('<img src="/\\tracker.example/p.png">', id="remote image, slash backslash"),
    pytest.param('<img src="\\\\tracker.example/p.png">', id="remote image, backslashes"),
    pytest.param('<img src="/&#9;/tracker.example/p.png">', id="remote image, hidden tab"),
    pytest.param('<img src="&#47;&#47;tracker.example/p.png">', id="remote image, encoded"),
    pytest.param('<img src=" https://tracker.example/p.png">', id="remote image, leading space"),
]


@pytest.mark.parametrize("text", HOSTILE_INPUTS)
def test_hostile_input_renders_to_nothing_executable(text):
    assert_safe(render_markdown(text))


def test_more_than_sixty_hostile_inputs_are_checked():
    assert len(HOSTILE_INPUTS) >= 60


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/a?b=c#d", True),
        ("HTTP://EXAMPLE.COM", True),
        ("mailto:someone@example.com", True),
        ("/library/guide", True),
        ("/path:with-colon", True),
        ("#section:2", True),
        ("?page=2", True),
        ("//example.com/a.png", True),
        ("javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("&#106avascript:alert(1)", False),
        ("&#x6A;avascript:alert(1)", False),
        ("javascript&colon;alert(1)", False),
        ("javascript&amp;colon;alert(1)", False),
        ("java\u200bscript:alert(1)", False),
        ("\x01 javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:msgbox(1)", False),
        ("file:///etc/passwd", False),
        ("relative:looking", False),
    ],
)
def test_url_check_allows_only_relative_and_safe_schemes(url, allowed):
    assert url_is_allowed(url) is allowed


def test_ordinary_markdown_renders_as_formatted_html():
    output = render_markdown(
        "# Title\n\n## Section\n\nSome *emphasis*, **strength** and `code`.\n\n"
        "* one\n* two\n\n1. first\n2. second\n\n> quoted\n\n"
        "```\nprint('hi')\n```\n\n---\n"
    )

    assert "<h2>Title</h2>" in output
    assert "<h2>Section</h2>" in output
    assert "<em>emphasis</em>" in output
    assert "<strong>strength</strong>" in output
    assert "<code>code</code>" in output
    assert "<ul><li>one</li><li>two</li></ul>" in output
    assert "<ol><li>first</li><li>second</li></ol>" in output
    assert "<blockquote>" in output
    assert "<pre><code>print('hi')\n</code></pre>" in output
    assert "<hr>" in output
    assert_safe(output)


def test_blocks_follow_one_another_without_line_breaks_but_code_keeps_its_own():
    output = render_markdown(
        "Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    first line\n\n    second\n\n\n\nEnd"
    )

    assert output == (
        "<p>Intro</p><table><thead><tr><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
        "<pre><code>first line\n\nsecond\n</code></pre><p>End</p>"
    )


def test_a_top_level_heading_becomes_a_section_heading():
    assert render_markdown("# Title") == "<h2>Title</h2>"


def test_tables_render_with_column_alignment():
    output = render_markdown("| Week | Focus |\n|:-----|------:|\n| 1 | Goals |")

    assert '<th align="left">Week</th>' in output
    assert '<td align="right">Goals</td>' in output
    assert "style" not in output


def test_links_keep_their_address_and_are_marked_nofollow():
    output = render_markdown('[guide](https://example.com/guide "The guide")')

    assert output == (
        '<p><a href="https://example.com/guide" title="The guide" '
        'rel="nofollow noopener noreferrer">guide</a></p>'
    )


def test_relative_links_survive():
    output = render_markdown("[a](/library/guide) [b](#notes) [c](/path:with-colon)")

    assert 'href="/library/guide"' in output
    assert 'href="#notes"' in output
    assert 'href="/path:with-colon"' in output


def test_links_with_forbidden_schemes_keep_their_text_but_lose_the_address():
    assert render_markdown("[read me](javascript:alert(1))") == "<p><a>read me</a></p>"


def test_bare_web_and_email_addresses_become_links():
    output = render_markdown(
        "See https://example.org/faq, www.example.com or write to mentoring@example.com."
    )

    assert (
        '<a href="https://example.org/faq" rel="nofollow noopener noreferrer">'
        "https://example.org/faq</a>," in output
    )
    assert '<a href="http://www.example.com" rel="nofollow noopener noreferrer">' in output
    assert '<a href="mailto:mentoring@example.com" rel="nofollow noopener noreferrer">' in output


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "javascript://example.com/%0aalert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,hello",
        "ftp://example.com/file",
    ],
)
def test_bare_addresses_with_other_schemes_stay_text(text):
    output = render_markdown(text)

    assert "<a" not in output
    assert text.split(":", 1)[0] in output


def test_addresses_inside_code_are_not_linkified():
    output = render_markdown("`https://example.com`\n\n```\nwww.example.com\n```")

    assert "<a" not in output


@pytest.mark.parametrize(
    "url",
    [
        "https://tracker.example/p.png",
        "http://tracker.example/p.png",
        "HTTPS://TRACKER.EXAMPLE/P.PNG",
        "//tracker.example/p.png",
        "/\\tracker.example/p.png",
        "\\\\tracker.example/p.png",
        "\\tracker.example/p.png",
        "/\t/tracker.example/p.png",
        "&#47;&#47;tracker.example/p.png",
        " //tracker.example/p.png",
        "mailto:someone@example.com",
        "javascript:alert(1)",
    ],
)
def test_images_from_other_sites_lose_their_source_but_keep_their_alt_text(url):
    output = render_markdown(f'<img src="{url}" alt="Team photo">')

    assert output == '<p><img alt="Team photo"></p>'
    assert not image_src_is_allowed(url)


def test_markdown_images_from_other_sites_lose_their_source():
    output = render_markdown(
        "![Pixel](https://tracker.example/p.png) ![Plain](http://tracker.example/p.png) "
        "![Relative](//tracker.example/p.png)"
    )

    assert output == '<p><img alt="Pixel"> <img alt="Plain"> <img alt="Relative"></p>'


@pytest.mark.parametrize(
    "url", ["/media/x.png", "/media/images/team.2e16d0ba.fill-800x600.png", "x.png", "?v=2"]
)
def test_images_on_the_site_keep_their_source(url):
    output = render_markdown(f"![Team]({url})")

    assert output == f'<p><img alt="Team" src="{html.escape(url)}"></p>'


@override_settings(MEDIA_URL="https://media.trellis.example/uploads/")
def test_images_from_an_absolute_media_url_keep_their_source():
    output = render_markdown(
        "![Kept](https://media.trellis.example/uploads/x.png) "
        "![Relative](/media/x.png) "
        "![Other path](https://media.trellis.example/other/x.png) "
        "![Look-alike](https://media.trellis.example.tracker.example/uploads/x.png) "
        "![User info](https://media.trellis.example@tracker.example/uploads/x.png) "
        "![Plain http](http://media.trellis.example/uploads/x.png) "
        "![Elsewhere](https://tracker.example/p.png)"
    )

    assert output == (
        '<p><img alt="Kept" src="https://media.trellis.example/uploads/x.png"> '
        '<img alt="Relative" src="/media/x.png"> <img alt="Other path"> '
        '<img alt="Look-alike"> <img alt="User info"> <img alt="Plain http"> '
        '<img alt="Elsewhere"></p>'
    )


@override_settings(MEDIA_URL="//media.trellis.example/uploads/")
def test_a_protocol_relative_media_url_allows_no_remote_images():
    assert render_markdown("![x](//media.trellis.example/uploads/x.png)") == '<p><img alt="x"></p>'


def test_links_to_other_sites_are_not_limited_like_images():
    output = render_markdown(
        "[photo](https://tracker.example/p.png) [other](//example.com/a) "
        "[![Badge](/media/badge.png)](https://example.org/)"
    )

    assert '<a href="https://tracker.example/p.png" rel="nofollow noopener noreferrer">' in output
    assert '<a href="//example.com/a" rel="nofollow noopener noreferrer">' in output
    assert (
        '<a href="https://example.org/" rel="nofollow noopener noreferrer">'
        '<img alt="Badge" src="/media/badge.png"></a>'
    ) in output


def test_the_cache_keeps_renderings_under_different_media_urls_apart():
    text = "![x](https://media.trellis.example/x.png)"

    relative = render_markdown(text)
    with override_settings(MEDIA_URL="https://media.trellis.example/"):
        absolute = render_markdown(text)
        absolute_key = cache_key(text)

    assert relative == '<p><img alt="x"></p>'
    assert absolute == '<p><img alt="x" src="https://media.trellis.example/x.png"></p>'
    assert absolute_key != cache_key(text)


def test_a_rendering_is_stored_in_the_cache():
    text = "Some *markdown* to remember."

    output = render_markdown(text)

    assert cache.get(cache_key(text)) == output


def test_a_cached_rendering_is_served_without_rendering_again():
    text = "Some *markdown* to remember."
    cache.set(cache_key(text), "<p>stored earlier</p>")

    assert render_markdown(text) == "<p>stored earlier</p>"


class UnavailableCache(BaseCache):
    """A cache whose every call fails, like a Redis server that has gone away."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, *args, **kwargs):
        raise ConnectionError("cache is down")

    def set(self, *args, **kwargs):
        raise ConnectionError("cache is down")

    def clear(self):
        pass


def test_an_unavailable_cache_does_not_stop_rendering(settings):
    settings.CACHES = {
        "default": {"BACKEND": f"{__name__}.UnavailableCache"},
    }

    assert render_markdown("Still *works*.") == "<p>Still <em>works</em>.</p>"


def test_text_at_the_limit_is_accepted(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 50

    validate_markdown("x" * 50)


def test_text_over_the_limit_is_refused_with_its_length_and_the_limit(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000

    with pytest.raises(ValidationError) as excinfo:
        validate_markdown("x" * 20_345)

    message = excinfo.value.messages[0]
    assert "20,345" in message
    assert "20,000" in message
    assert "345" in message
    assert excinfo.value.code == "markdown_too_long"


def test_text_over_the_limit_renders_as_escaped_text(settings):
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 40
    text = "<script>alert(1)</script> **not bold** " + "y" * 40

    output = render_markdown(text)

    assert output.startswith("<p>&lt;script&gt;alert(1)&lt;/script&gt; **not bold**")
    assert "y" * (40 - len("<script>alert(1)</script> **not bold** ")) + "</p>" in output
    assert "<strong>" not in output
    assert_safe(output)


def test_empty_text_renders_as_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_control_characters_and_lone_surrogates_are_dropped():
    output = render_markdown("a\x00b\x1bc\ud800d\r\ne")

    assert output == "<p>abcd\ne</p>"
    output.encode("utf-8")


def test_bidirectional_overrides_are_dropped_and_right_to_left_words_kept():
    # U+202E would show "gpj.exe" as "exe.jpg"; the isolates and embeddings likewise.
    output = render_markdown(
        "[invoice\u202egpj.exe](https://files.example/x) \u2066a\u2069 \u202ab\u202c"
        " שלום مرحبا \u200fmark"
    )
    assert "\u202e" not in output and "\u2066" not in output and "\u202a" not in output
    assert ">invoicegpj.exe</a>" in output
    # Right-to-left words, and the marks people do type, stay.
    assert "שלום مرحبا \u200fmark" in output


def _nested_list(depth: int) -> str:
    return "".join("    " * level + "- item\n" for level in range(depth))


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


PATHOLOGICAL_INPUTS = [
    pytest.param("[" * 5000, id="open brackets"),
    pytest.param("(" * 5000, id="open parentheses"),
    pytest.param("((((" + "[a](" * 3000, id="parentheses then unclosed links"),
    pytest.param("![" * 5000, id="image openers"),
    pytest.param("> " * 2000 + "x", id="nested quotes"),
    pytest.param("*a " * 5000, id="emphasis openers"),
    pytest.param("_a " * 5000, id="underscore emphasis openers"),
    pytest.param("*" * 200 + "a" + "*" * 200, id="long emphasis runs"),
    pytest.param("**a *b _c __d " * 1000, id="mixed emphasis"),
    pytest.param(_nested_list(500), id="lists 500 deep"),
    pytest.param("".join("  " * i + "1. x\n" for i in range(500)), id="ordered lists 500 deep"),
    pytest.param("`" * 5000, id="backticks"),
    pytest.param("`a " * 5000, id="unclosed code spans"),
    pytest.param("<" * 5000, id="angle brackets"),
    pytest.param("<http://" * 2500, id="unclosed autolinks"),
    pytest.param("<a " + "b" * 19_997, id="one very long word"),
    pytest.param("|" * 20_000, id="pipes"),
    pytest.param("&" * 20_000, id="ampersands"),
    pytest.param("&#" * 10_000, id="character reference openers"),
    pytest.param("www." * 5000, id="repeated www"),
    pytest.param("a." * 10_000, id="dotted words"),
    pytest.param("a\n=\n" * 5000, id="setext headings"),
    pytest.param("# a\n" * 5000, id="headings without blank lines"),
    pytest.param("a\n---\n" * 3000, id="horizontal rules"),
    pytest.param("- a\n" * 5000, id="a very long list"),
    pytest.param("|a|b|\n|-|-|\n" * 1500, id="table rows"),
    pytest.param("\\" * 20_000, id="backslashes"),
]


@pytest.mark.parametrize("text", PATHOLOGICAL_INPUTS)
def test_pathological_input_renders_safely(text, settings):
    # How long it takes is bench/sanitiser.py's to measure, not a test's.
    settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000

    assert_safe(render_markdown(text[:20_000]))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5000, id="open brackets"),
        pytest.param("> " * 2000 + "x", id="nested quotes"),
        pytest.param("*a " * 5000, id="emphasis openers"),
        pytest.param(_nested_list(500), id="lists 500 deep"),
        pytest.param("a\n=\n" * 5000, id="setext headings"),
        pytest.param("[a) " * 5000, id="unclosed links"),
        pytest.param("<b>" * 6000, id="unclosed tags"),
    ],
)
def test_pathological_input_falls_back_to_escaped_text(text):
    assert is_pathological(text)
    output = render_markdown(text)

    assert output.startswith("<p>")
    assert "<a" not in output
    assert "<li>" not in output


def test_the_guard_accepts_a_realistic_document_at_the_size_cap():
    section = (
        "## Preparing\n\nGood mentoring starts with *curiosity*. Read the **guide** at "
        "[the library](https://example.com/guide) (or ask) & note two goals. Most pairs "
        "meet every two weeks for an hour; agree early how you will keep in touch between "
        "meetings, and what either of you should do if a meeting has to move.\n\n"
        "* Share one thing you are proud of\n* Note one skill, e.g. `mapping`\n\n"
        "| Week | Focus |\n|:-----|------:|\n| 1 | Goals |\n\n> Ask more than you tell.\n\n"
    )
    text = _fill(section, max_chars())

    assert not is_pathological(text)
    assert "<table>" in render_markdown(text)


@pytest.mark.parametrize("error", [RecursionError, ValueError, UnicodeEncodeError])
def test_a_renderer_failure_yields_escaped_text(error, monkeypatch, caplog):
    def fail(text):
        if error is UnicodeEncodeError:
            raise UnicodeEncodeError("utf-8", text, 0, 1, "forced")
        raise error("forced")

    monkeypatch.setattr(content_markdown, "_convert", fail)

    output = render_markdown("<b>bold</b> and *emphasis*\n\nsecond paragraph")

    assert output == ("<p>&lt;b&gt;bold&lt;/b&gt; and *emphasis*</p>\n\n<p>second paragraph</p>")
    assert "showing the text escaped" in caplog.text


def test_the_parser_degrades_safely_when_recursion_runs_short():
    text = "> " * 12 + "<b>deep</b> *quote*"
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)
    try:
        output = render_markdown(text)
    finally:
        sys.setrecursionlimit(limit)

    assert_safe(output)
    assert "deep" in output


MARKUP_ALPHABET = st.sampled_from(
    [
        *"[]()<>!*_`#-=|&;:/\\\"' \n\t.@~{}",
        *("javascript:", "&#106;", "&#x6A;", "data:", "http://", "www.", "<script>", "<a href="),
        "x",
    ]
)


@hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text())
def test_any_text_renders_safely_without_raising(text):
    assert_safe(render_markdown(text))


@hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(MARKUP_ALPHABET, max_size=80).map("".join))
def test_any_markup_heavy_text_renders_safely_without_raising(text):
    assert_safe(render_markdown(text))
