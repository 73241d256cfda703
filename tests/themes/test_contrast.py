"""The WCAG arithmetic, checked against published values."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from themes import contrast

hex_colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#777777", "#ffffff", 4.478),
        ("#767676", "#ffffff", 4.542),
        ("#595959", "#ffffff", 7.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#0000ff", "#ffffff", 8.592),
    ],
)
def test_contrast_ratios_match_the_published_wcag_values(first, second, expected):
    assert contrast.contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)


def test_the_ratio_is_the_same_whichever_colour_is_in_front():
    assert contrast.contrast_ratio("#1f5f5b", "#fbf8f3") == contrast.contrast_ratio(
        "#fbf8f3", "#1f5f5b"
    )


def test_relative_luminance_runs_from_black_to_white():
    assert contrast.relative_luminance("#000") == 0
    assert contrast.relative_luminance("#fff") == pytest.approx(1)


def test_grey_777_on_white_reads_4_48_and_fails_aa_text():
    ratio = contrast.contrast_ratio("#777", "#fff")
    assert contrast.format_ratio(ratio) == "4.48:1"
    assert not contrast.passes("#777", "#fff", contrast.AA_TEXT)
    assert contrast.passes("#777", "#fff", contrast.AA_LARGE_TEXT)


def test_a_ratio_just_below_a_threshold_is_never_shown_as_passing():
    assert contrast.format_ratio(4.4999) == "4.49:1"
    assert contrast.format_ratio(2.996) == "2.99:1"
    assert contrast.format_ratio(3.1) == "3.1:1"
    assert contrast.format_ratio(21) == "21:1"


def test_short_hex_colours_are_expanded_and_nonsense_is_refused():
    assert contrast.normalise_hex("#AbC") == "#aabbcc"
    with pytest.raises(ValueError, match="not a hex colour"):
        contrast.normalise_hex("teal")
    with pytest.raises(ValueError):
        contrast.normalise_hex("#12345")


def test_the_nearest_passing_grey_to_777_on_white_is_767676():
    assert contrast.nearest_passing("#777777", [("#ffffff", 4.5)]) == "#767676"


def test_a_colour_that_already_passes_is_its_own_nearest():
    assert contrast.nearest_passing("#1f5f5b", [("#ffffff", 4.5)]) == "#1f5f5b"


def test_the_nearest_colour_keeps_the_hue_and_moves_only_as_far_as_needed():
    found = contrast.nearest_passing("#f0a000", [("#ffffff", 4.5)])
    r, g, b = contrast.hex_to_rgb(found)
    assert r > g > b  # still an orange
    assert contrast.contrast_ratio(found, "#ffffff") < 4.8  # not much further than needed


def test_the_nearest_colour_satisfies_every_pair_at_once():
    pairs = [("#fbf8f3", 4.5), ("#ffffff", 4.5), ("#f3ede4", 4.5)]
    found = contrast.nearest_passing("#a0968c", pairs)
    assert all(contrast.contrast_ratio(found, p) >= m for p, m in pairs)


@given(hex_colours, hex_colours)
def test_any_colour_can_be_made_readable_on_any_background(colour, background):
    found = contrast.nearest_passing(colour, [(background, contrast.AA_TEXT)])
    assert found is not None
    assert contrast.contrast_ratio(found, background) >= contrast.AA_TEXT


@given(hex_colours)
def test_button_text_is_always_readable(background):
    assert contrast.contrast_ratio(contrast.best_on(background), background) >= 4.5
