"""Themes are refused when they are unreadable, and say which colour would do."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Site

from themes import contrast
from themes.models import ThemeSettings, theme_for_site
from themes.presets import HARBOUR, LANTERN, PRESETS
from themes.tokens import build_tokens, contrast_problems


def site_css_root_tokens() -> dict[str, str]:
    """The colour tokens cms/css/site.css declares on :root."""
    import re
    from pathlib import Path

    css = Path("cms/static/cms/css/site.css").read_text()
    root = css[css.index(":root {") : css.index("}", css.index(":root {"))]
    return dict(re.findall(r"--color-([a-z-]+):\s*(#[0-9a-f]{6});", root))


def test_the_harbour_preset_is_the_look_the_stylesheet_already_has():
    declared = site_css_root_tokens()
    assert {name: declared[name] for name in HARBOUR.colours} == HARBOUR.colours


@pytest.mark.parametrize("preset", list(PRESETS))
def test_both_presets_pass_every_contrast_check(preset):
    assert contrast_problems(preset) == []


def test_the_two_presets_look_different():
    assert HARBOUR.colours["primary"] != LANTERN.colours["primary"]
    assert HARBOUR.font != LANTERN.font
    assert HARBOUR.radius_px != LANTERN.radius_px


def test_changing_the_primary_brings_a_hover_colour_and_readable_button_text():
    tokens = build_tokens("harbour", {"primary": "#5b2a86"})
    assert tokens.colours["primary"] == "#5b2a86"
    assert tokens.colours["primary-hover"] not in ("#5b2a86", HARBOUR.colours["primary-hover"])
    assert contrast.contrast_ratio(tokens.colours["primary-contrast"], "#5b2a86") >= 4.5


def test_derived_muted_text_stays_readable_on_every_surface():
    tokens = build_tokens("harbour", {"text": "#3a3a3a", "background": "#eeeeee"})
    for surface in ("background", "surface", "surface-alt"):
        assert contrast.contrast_ratio(tokens.colours["muted"], tokens.colours[surface]) >= 4.5


def test_unchanged_colours_keep_the_presets_own_derived_tokens():
    tokens = build_tokens("harbour", {"primary": HARBOUR.colours["primary"]})
    assert tokens.colours == HARBOUR.colours


def theme(**fields):
    site = Site.objects.get(is_default_site=True)
    return ThemeSettings(site=site, **fields)


def errors_of(settings) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        settings.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
def test_low_contrast_text_is_refused_with_the_ratio_and_the_nearest_passing_colour():
    errors = errors_of(theme(text="#a0968c"))
    (message,) = errors["text"]
    assert message.startswith("Text on background is 2.74:1; AA needs 4.5:1.")
    suggested = message.split(". ")[1].split(" ")[0]
    assert message.endswith(f"{suggested} is the nearest text colour that passes.")
    # The suggestion really passes, once the theme is rebuilt with it.
    assert contrast_problems("harbour", {"text": suggested}) == []


@pytest.mark.django_db
def test_a_link_colour_too_pale_for_the_background_is_refused():
    errors = errors_of(theme(primary="#5fb0a8"))
    assert errors["primary"][0].startswith("Links (primary) on background is 2.4:1;")
    assert "#217871 is the nearest primary colour that passes." in errors["primary"][0]


@pytest.mark.django_db
def test_an_accent_too_pale_for_a_focus_outline_or_labels_is_refused():
    errors = errors_of(theme(accent="#f6c88f"))
    assert "AA needs 4.5:1" in errors["accent"][0]


@pytest.mark.django_db
def test_a_background_that_leaves_no_readable_text_says_so():
    errors = errors_of(theme(background="#2b2622"))
    assert "No text colour passes everywhere it is used" in errors["text"][0]


@pytest.mark.django_db
def test_a_readable_theme_is_saved_with_its_colours_normalised():
    settings = theme(primary="#5B2A86", accent="#A6461F", text="#222")
    settings.full_clean()
    settings.save()
    assert (settings.primary, settings.text) == ("#5b2a86", "#222222")


@pytest.mark.django_db
def test_a_colour_that_is_not_hex_is_refused_in_a_full_sentence():
    errors = errors_of(theme(primary="teal"))
    assert errors["primary"][0].startswith("Enter a hex colour such as #1f5f5b")


@pytest.mark.django_db
def test_a_site_without_a_saved_theme_gets_the_harbour_preset_without_writing_a_row():
    site = Site.objects.get(is_default_site=True)
    settings = theme_for_site(site)
    assert settings.pk is None
    assert settings.tokens.colours == HARBOUR.colours
    assert not ThemeSettings.objects.exists()


def test_every_editor_facing_field_has_help_text():
    for field in ThemeSettings._meta.get_fields():
        if getattr(field, "editable", False) and field.name not in ("id", "site", "updated_at"):
            assert field.help_text, field.name
