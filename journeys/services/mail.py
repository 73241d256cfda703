"""Many similar emails, fast: framed rendering and direct MIME serialisation.

The hourly tick can send tens of thousands of emails that differ only in a few
strings. Two things made each one cost about a millisecond, and both are done
here without changing what is sent or how it is sent:

* **Rendering.** ``EmailFrames`` renders a template once per *shape* (the
  template, the language, the program, and the structure of the per-recipient
  context: how many items, which kinds) with marker strings standing in for the
  per-recipient text, then fills each email's text into that frame, escaping it
  exactly where Django escaped the marker. The markers are built so that filters
  which would change some strings (``|upper``, ``|linebreaksbr``,
  ``|truncatechars``...) visibly change them, and a frame is trusted only once
  it has also reproduced Django's own rendering of a real email character for
  character; a template that inspects the per-recipient strings rather than
  printing them fails those checks and is rendered by Django every time.
* **MIME.** ``FastEmailMessage`` is an ``EmailMultiAlternatives`` whose
  ``message()`` writes the bytes Django's would serialise to (same headers, same
  encodings, same folding; only the random boundary and Message-ID differ)
  without building and re-folding a tree of ``email`` objects. What it returns
  is a real ``email.message.Message``: ``as_bytes()`` is immediate, and
  anything else (reading a header, walking the parts, attaching it to another
  message) parses those bytes once and behaves as any message does.
  Attachments, non-UTF-8 charsets and lines too long for 8bit go through
  Django's own ``message()``.

Messages are still ``django.core.mail`` messages sent through the configured
backend's ``send_messages``: locmem in tests, SMTP in production.
"""

from __future__ import annotations

import html
import random
import re
import sys
import time
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    MIMEMixin,
    forbid_multi_line_headers,
)
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeData, mark_safe

# --- MIME ------------------------------------------------------------------

_COMPAT32 = email_policy.compat32
# Printable ASCII words separated by single spaces: a value the email package
# writes exactly as it is when it fits on the header's line.
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
# One printable ASCII word: with no space to fold at, the email package moves
# it, whole, to a continuation line of its own when it does not fit.
_ONE_WORD = re.compile(r"[!-~]+\Z")
# The width of the boundary token, as email.generator writes it.
_BOUNDARY_WIDTH = len(repr(sys.maxsize - 1))
_BOUNDARY_FORMAT = f"%0{_BOUNDARY_WIDTH}d"
# Headers that repeat from email to email; the others are folded each time.
_CACHED_HEADERS = frozenset({"Subject", "From", "Reply-To", "Cc"})
_header_cache: dict[tuple[str, str, str], str] = {}


def header_line(name: str, value, encoding: str = "utf-8") -> str:
    """The header line Django's ``message()`` and ``as_bytes()`` write, with "\\n".

    Django checks the value (no newlines; non-ASCII RFC 2047-encoded; a subject
    passed through ``Header``) and the generator folds it at 78 characters. A
    short plain value comes out as it went in, so it skips both; anything else
    takes the same two steps Django takes.
    """
    if type(value) is str:
        if len(name) + len(value) <= 76 and _PLAIN_HEADER.match(value):
            return f"{name}: {value}\n"
        if len(name) + len(value) > 76 and _ONE_WORD.match(value):
            return f"{name}: \n {value}\n"
    key = (name, value, encoding) if name in _CACHED_HEADERS and type(value) is str else None
    line = _header_cache.get(key) if key else None
    if line is None:
        checked_name, checked = forbid_multi_line_headers(name, value, encoding)
        line = _COMPAT32.fold(checked_name, checked)
        if key and len(_header_cache) < 1024:
            _header_cache[key] = line
    return line


_BOUNDARY_STAND_IN = "=" * 15 + "0" * _BOUNDARY_WIDTH + "=="
_content_type_lines: dict[str, str] = {}


def _content_type_line(subtype: str, boundary: str) -> str:
    """The multipart Content-Type line: folded once per subtype, as every
    boundary of the usual length folds the same way."""
    if len(boundary) != len(_BOUNDARY_STAND_IN):
        return header_line("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
    line = _content_type_lines.get(subtype)
    if line is None:
        line = header_line("Content-Type", f'multipart/{subtype}; boundary="{_BOUNDARY_STAND_IN}"')
        _content_type_lines[subtype] = line
    return line.replace(_BOUNDARY_STAND_IN, boundary)


_date_cache: list = [None, ""]


def _date_header() -> str:
    """``formatdate()`` as Django calls it, computed once a second."""
    key = (int(time.time()), settings.EMAIL_USE_LOCALTIME)
    if _date_cache[0] != key:
        _date_cache[:] = [key, formatdate(key[0], localtime=key[1])]
    return _date_cache[1]


def _text_part(content: str, subtype: str) -> tuple[str, str] | None:
    """A text part as Django's ``SafeMIMEText`` serialises it, or None to fall back.

    Returns its headers and its body (line endings normalised to "\\n", as
    the generator writes them).
    """
    if "\r" in content:
        content = content.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: leave them to the email package
        return None
    if len(data) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and (
        max(map(len, data.split(b"\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
    ):
        return None  # Django switches to quoted-printable
    cte = "7bit" if data.isascii() else "8bit"
    headers = (
        header_line("Content-Type", f'text/{subtype}; charset="utf-8"')
        + f"MIME-Version: 1.0\nContent-Transfer-Encoding: {cte}\n"
    )
    return headers, content


class RenderedMessage(MIMEMixin, Message):
    """A MIME message written straight to bytes.

    ``as_bytes()`` returns them without further work. The ``Message`` state
    (headers, parts) is read from those bytes the first time anything asks for
    it; from then on the object is an ordinary message, and serialises as one.
    """

    _STATE = frozenset(
        {
            "policy",
            "_headers",
            "_unixfrom",
            "_payload",
            "_charset",
            "preamble",
            "epilogue",
            "defects",
            "_default_type",
        }
    )

    def __init__(self, data: bytes):  # no Message.__init__: the state comes later
        self._data = data

    def __getattr__(self, name):
        # Only called for attributes not set yet: the Message state.
        if name not in RenderedMessage._STATE or "_data" not in self.__dict__:
            raise AttributeError(name)
        self._materialise()
        return self.__dict__[name]

    def _materialise(self) -> None:
        parsed = BytesParser(policy=_COMPAT32).parsebytes(self._data)
        self.__dict__.update(parsed.__dict__)

    def as_bytes(self, unixfrom=False, linesep="\n"):
        if "_headers" in self.__dict__ or unixfrom:
            # Read (and perhaps changed) since: serialise the message as it is now.
            return super().as_bytes(unixfrom=unixfrom, linesep=linesep)
        if linesep == "\n":
            return self._data
        return self._data.replace(b"\n", linesep.encode("ascii"))

    def __bytes__(self):
        return self.as_bytes()

    def get_charset(self):
        # Asked by the file and console backends. A multipart message has no
        # charset of its own: no need to read the parts to say so.
        if "_headers" not in self.__dict__:
            return None
        return super().get_charset()


class FastEmailMessage(EmailMultiAlternatives):
    """``EmailMultiAlternatives`` with a ``message()`` that skips the email tree.

    For text alternatives without attachments in UTF-8, the message is written
    directly: the same headers in the same order, encoded and folded as the
    email package would, and the same parts and transfer encodings. Anything
    else is built by Django as usual.
    """

    def message(self):
        encoding = self.encoding or settings.DEFAULT_CHARSET
        if (
            encoding != "utf-8"
            or self.attachments
            or not self.alternatives
            or not all(
                isinstance(content, str) and mimetype.startswith("text/")
                for content, mimetype in self.alternatives
            )
        ):
            return super().message()
        parts = []
        if self.body:
            parts.append(_text_part(str(self.body), self.content_subtype))
        for content, mimetype in self.alternatives:
            parts.append(_text_part(content, mimetype.split("/", 1)[1]))
        if None in parts:
            return super().message()

        # As email.generator makes it: unique, not secret.
        boundary = "=" * 15 + _BOUNDARY_FORMAT % random.randrange(sys.maxsize) + "=="  # noqa: S311
        delimiter, counter = boundary, 0
        while any("--" + delimiter in body for _, body in parts):
            delimiter = f"{boundary}.{counter}"
            counter += 1

        lines = [
            _content_type_line(self.alternative_subtype, delimiter),
            "MIME-Version: 1.0\n",
            header_line("Subject", self.subject, encoding),
            header_line("From", self.extra_headers.get("From", self.from_email), encoding),
        ]
        for name, values in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            if name in self.extra_headers:
                lines.append(header_line(name, self.extra_headers[name], encoding))
            elif values:
                lines.append(header_line(name, ", ".join(str(v) for v in values), encoding))
        header_names = {key.lower() for key in self.extra_headers}
        if "date" not in header_names:
            lines.append(f"Date: {_date_header()}\n")
        if "message-id" not in header_names:
            lines.append(header_line("Message-ID", make_msgid(domain=DNS_NAME)))
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to"}:
                lines.append(header_line(name, value, encoding))
        lines.append("\n")
        for n, (headers, body) in enumerate(parts):
            lines.append(f"--{delimiter}\n" if n == 0 else f"\n--{delimiter}\n")
            lines.append(headers)
            lines.append("\n")
            lines.append(body)
        lines.append(f"\n--{delimiter}--\n")
        return RenderedMessage("".join(lines).encode("utf-8"))


# --- Rendering ---------------------------------------------------------------

_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
# What stands in for a per-recipient string in a frame. It is fragile on
# purpose: a filter that would change some strings (case, line breaks, tags,
# links, truncation, slugs) changes it too, and the frame is refused. It holds
# "<", "&" and quotes, so where Django escaped it the frame shows the escaped
# form, and the email's string is escaped there in turn.
_MARK_FIRST = "s"  # a lower-case first letter, for |capfirst
_MARK_BEFORE = "tand-in <"
_MARK_AFTER = "> for Text\n'that' \"varies\" & www.example.com/x" + " by recipient" * 8


def _marker(n: int) -> str:
    return f"{_MARK_FIRST}{_MARK_OPEN}{_MARK_BEFORE}{n}{_MARK_AFTER}{_MARK_CLOSE}"


_SLOT = re.compile(
    "{first}{open}(?:{raw}|{escaped}){close}".format(
        first=_MARK_FIRST,
        open=_MARK_OPEN,
        close=_MARK_CLOSE,
        raw=re.escape(_MARK_BEFORE) + r"(\d+)" + re.escape(_MARK_AFTER),
        escaped=re.escape(html.escape(_MARK_BEFORE))
        + r"(\d+)"
        + re.escape(html.escape(_MARK_AFTER)),
    )
)


class _Unframeable(Exception):
    pass


def _shape(value, real_keys, values: list):
    """What a rendering of ``value`` may depend on, besides its strings.

    Returns a hashable shape: the structure, numbers, the strings under
    ``real_keys``, and which strings are empty or already safe. The other
    strings go, in order, into ``values``. Raises ``_Unframeable`` for
    anything but plain data.
    """
    kind = type(value)
    if kind is str:
        if value:
            values.append(value)
            return "s"
        return ""
    if kind is dict:
        shapes = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Unframeable
            if key in real_keys and isinstance(item, str):
                shapes.append((key, "=", str(item)))
            else:
                shapes.append((key, _shape(item, real_keys, values)))
        return ("{", tuple(shapes))
    if kind is list or kind is tuple:
        return ("[", tuple([_shape(item, real_keys, values) for item in value]))
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if not value:
            return ""
        values.append(value)
        return "S" if isinstance(value, SafeData) else "s"
    if value is None or isinstance(value, (bool, int, float)):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return _shape(dict(value), real_keys, values)
    if isinstance(value, (list, tuple)):
        return _shape(list(value), real_keys, values)
    raise _Unframeable  # model instances and the like: render with Django


def _stand_in(value, real_keys, count: list[int]):
    """``value`` with markers for the strings ``_shape`` collects, in its order."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if not value:
            return value
        marker = _marker(count[0])
        count[0] += 1
        return mark_safe(marker) if isinstance(value, SafeData) else marker  # noqa: S308
    if isinstance(value, dict):
        return {
            key: item
            if key in real_keys and isinstance(item, str)
            else _stand_in(item, real_keys, count)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_stand_in(item, real_keys, count) for item in value]
    return value


class _Frame:
    """A rendered template with slots for the per-recipient strings."""

    __slots__ = ("literals", "slots")

    def __init__(self, literals: list[str], slots: list[tuple[int, bool]]):
        self.literals = literals
        self.slots = slots

    @classmethod
    def parse(cls, rendered: str, count: int) -> _Frame | None:
        literals, slots, last = [], [], 0
        for match in _SLOT.finditer(rendered):
            raw, escaped = match.groups()
            index = int(raw if raw is not None else escaped)
            if index >= count:
                return None
            literals.append(rendered[last : match.start()])
            slots.append((index, raw is None))
            last = match.end()
        literals.append(rendered[last:])
        if any(_MARK_OPEN in part or _MARK_CLOSE in part for part in literals):
            return None  # a filter changed a marker: the template inspects the text
        return cls(literals, slots)

    def fill(self, values: list[str]) -> str:
        out = [self.literals[0]]
        for (index, escape), literal in zip(self.slots, self.literals[1:], strict=True):
            value = values[index]
            out.append(html.escape(value) if escape else value)
            out.append(literal)
        return "".join(out)


class EmailFrames:
    """Renders templates for many recipients through verified frames.

    ``render(template, key, fixed, variable)`` returns what
    ``render_to_string(template, {**variable, **fixed})`` returns. ``fixed``
    must be the same whenever ``key`` is (the program's site and theme, the
    language's sentences); ``variable`` holds the per-recipient data, plain
    strings, numbers, lists and dicts (anything else is rendered by Django).
    Strings under ``real_keys`` (an item's kind) are treated as structure.
    """

    MAX_FRAMES = 512

    def __init__(self, real_keys=frozenset({"kind"})):
        self.real_keys = frozenset(real_keys)
        self._frames: dict[tuple, _Frame | None] = {}
        self._seen: set[tuple] = set()
        self.framed = self.rendered = 0

    def render(self, template_name: str, key, fixed: dict, variable: dict) -> str:
        """Render ``{**variable, **fixed}`` (``fixed`` wins a clash, as in Mailer)."""
        return self.render_all((template_name,), key, fixed, variable)[0]

    def render_all(self, template_names, key, fixed: dict, variable: dict) -> list[str]:
        """``render()`` for several templates of one email (its text and HTML)."""
        values: list[str] = []
        try:
            shape = _shape(variable, self.real_keys, values)
        except _Unframeable:
            return [self._render(name, {**variable, **fixed}) for name in template_names]
        return [
            self._render_framed(name, (name, key, shape), fixed, variable, values)
            for name in template_names
        ]

    def _render_framed(self, template_name, frame_key, fixed, variable, values):
        frame = self._frames.get(frame_key)
        if frame is not None:
            self.framed += 1
            return frame.fill(values)
        rendered = self._render(template_name, {**variable, **fixed})
        if frame_key in self._frames or len(self._frames) >= self.MAX_FRAMES:
            return rendered  # this shape cannot be framed, or there are enough frames
        if frame_key not in self._seen:
            # One email of a shape is rendered as usual; a second one makes a frame.
            if len(self._seen) < 4 * self.MAX_FRAMES:
                self._seen.add(frame_key)
            return rendered
        # Keep the frame only if it gives back exactly what Django just rendered.
        stand_in = _stand_in(variable, self.real_keys, [0])
        frame = _Frame.parse(render_to_string(template_name, {**stand_in, **fixed}), len(values))
        if frame is not None and frame.fill(values) != rendered:
            frame = None
        self._frames[frame_key] = frame
        return rendered

    def _render(self, template_name: str, context: dict) -> str:
        self.rendered += 1
        return render_to_string(template_name, context)
