"""Plain text that people type: how long it may be, and which characters it may hold.

Rules this module enforces, for every app that takes text from a person
(participants' forms, the enrolment import):

* Control characters have no place in what a person types: C0 (U+0000 to
  U+001F), DEL (U+007F) and C1 (U+0080 to U+009F). They are invisible, they
  break emails, exports and other systems that read the text, and NUL cannot
  be stored by PostgreSQL at all. Text that may run over several lines keeps
  tab, line feed and carriage return; a single line (a name, a department)
  keeps none of them. Nothing is removed silently: the text is refused, with
  the character named, so the person can see what to fix.
* Every field a participant fills in has a limit in characters, listed in
  docs/architecture.md ("Text limits"). Forms enforce it (``max_length``),
  and so do the models (``max_length``, with ``MaxLengthValidator`` on text
  columns, which the database does not bound). Services that take text
  directly check it again with ``check_text``, which raises a
  ``ValidationError`` keyed by the field and naming the limit, before
  anything is written. Markdown fields are capped by
  ``TRELLIS_MARKDOWN_MAX_CHARS`` instead (``content.markdown``).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` a person cannot have meant to type, or None."""
    found = (_CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL).search(text or "")
    return found.group(0) if found else None


def control_character_error(char: str, *, multiline: bool) -> ValidationError:
    if char in "\t\n\r" and not multiline:
        message = _("This must be one line of text, but it holds a %(name)s; remove it.") % {
            "name": {"\t": _("tab"), "\n": _("line break"), "\r": _("line break")}[char]
        }
    else:
        message = _(
            "This holds a control character (U+%(code)04X), which has no place in text; remove it."
        ) % {"code": ord(char)}
    return ValidationError(message, code="control_character")


# The largest id a database's big integer column holds.
MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """``value`` (a query or form value) as a row's id, or None when it cannot be one.

    An id is ASCII digits within a big integer's range: ``str.isdigit`` also
    takes "²" and other digits ``int`` refuses, and a number past the range
    fails in the database (SQLite raises an error) rather than finding nothing.
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def without_control_characters(text: str) -> str:
    """``text`` with each control character (line breaks too) made a space.

    For text that is read and never kept, such as a search query: refusing it
    would help nobody, and a NUL must not reach the database.
    """
    return _CONTROL.sub(" ", text)


def validate_line(value: str) -> None:
    """Refuse a single line of text holding a control character, tab or line break."""
    char = control_character(value)
    if char is not None:
        raise control_character_error(char, multiline=False)


def validate_lines(value: str) -> None:
    """Refuse text holding a control character other than tab and line breaks."""
    char = control_character(value, multiline=True)
    if char is not None:
        raise control_character_error(char, multiline=True)


def length_error(value: str, limit: int, label: str) -> ValidationError:
    over = len(value) - limit
    return ValidationError(
        ngettext(
            "%(label)s can be at most %(limit)s characters long; this is %(length)s. "
            "Shorten it by %(over)s character.",
            "%(label)s can be at most %(limit)s characters long; this is %(length)s. "
            "Shorten it by %(over)s characters.",
            over,
        )
        % {
            "label": label,
            "length": f"{len(value):,}",
            "limit": f"{limit:,}",
            "over": f"{over:,}",
        },
        code="max_length",
    )


def check_text(value: str, *, field: str, label: str, limit: int, multiline: bool) -> None:
    """Refuse ``value`` for ``field`` if it is longer than ``limit`` or holds a control character.

    For services that take text directly: the error is keyed by ``field``, so
    a view puts it next to that field, and its words name ``label`` and the
    limit, so a caller without a form can show it as it is.
    """
    value = value or ""
    errors = []
    if len(value) > limit:
        errors.append(length_error(value, limit, label))
    char = control_character(value, multiline=multiline)
    if char is not None:
        errors.append(control_character_error(char, multiline=multiline))
    if errors:
        raise ValidationError({field: errors})


class PlainTextField(forms.CharField):
    """A form field for text a person types: control characters are refused.

    It replaces Django's own refusal of NUL, so a NUL gets one message, the
    same as any other control character.
    """

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]
        self.validators.append(validate_lines if multiline else validate_line)
