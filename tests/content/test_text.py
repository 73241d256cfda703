"""Plain text people type: control characters are refused, limits are named."""

import pytest
from django.core.exceptions import ValidationError

from content.text import PlainTextField, as_id, check_text, control_character


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_found_in_lines_and_in_longer_text(char):
    assert control_character(f"a{char}b") == char
    assert control_character(f"a{char}b", multiline=True) == char


def test_only_longer_text_may_hold_tabs_and_line_breaks():
    for char in "\t\n\r":
        assert control_character(f"a{char}b") == char
        assert control_character(f"a{char}b", multiline=True) is None
    assert control_character("Zoë O’Brien — naïve café 日本 😀") is None


def test_check_text_names_the_field_the_limit_and_the_character():
    with pytest.raises(ValidationError) as refused:
        check_text("x\x00" * 6, field="notes", label="The notes", limit=10, multiline=True)
    assert refused.value.message_dict == {
        "notes": [
            "The notes can be at most 10 characters long; this is 12. Shorten it by 2 characters.",
            "This holds a control character (U+0000), which has no place in text; remove it.",
        ]
    }
    check_text("x" * 10, field="notes", label="The notes", limit=10, multiline=False)


def test_the_form_field_gives_one_message_for_a_nul():
    field = PlainTextField(max_length=20)
    with pytest.raises(ValidationError) as refused:
        field.clean("a\x00b")
    assert refused.value.messages == [
        "This holds a control character (U+0000), which has no place in text; remove it."
    ]
    assert PlainTextField(multiline=True).clean(" a\n\tb ") == "a\n\tb"


@pytest.mark.parametrize(
    ("value", "found"),
    [("42", 42), (" 7 ", 7), (3, 3), ("0", 0), (str(2**63 - 1), 2**63 - 1)],
)
def test_an_id_is_ascii_digits_within_a_big_integers_range(value, found):
    assert as_id(value) == found


@pytest.mark.parametrize("value", ["²", "٣", "1.5", "-1", "", "abc", str(2**63), "9" * 30])
def test_what_cannot_be_an_id_is_none_not_an_error(value):
    assert as_id(value) is None
