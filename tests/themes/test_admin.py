"""Editors set a site's theme in the admin; an unreadable one is refused there."""

import pytest
from django.urls import reverse
from wagtail.models import Site

from themes.models import ThemeSettings


@pytest.fixture
def admin_client(client, user_factory, home):
    client.force_login(user_factory(is_superuser=True, is_staff=True))
    return client


def edit_url():
    site = Site.objects.get(is_default_site=True)
    return reverse("wagtailsettings:edit", args=["themes", "themesettings", site.pk])


def form(**changes):
    data = {
        "preset": "harbour",
        "brand_name": "",
        "logo": "",
        "primary": "",
        "accent": "",
        "background": "",
        "surface": "",
        "text": "",
        "font": "",
        "corner_radius": "",
        "email_header": "",
        "email_footer": "",
    }
    return {**data, **changes}


def test_the_theme_form_offers_both_presets_and_says_what_empty_means(admin_client):
    response = admin_client.get(edit_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Harbour" in text and "Lantern" in text
    assert "Empty: the preset’s." in text or "Empty: the preset&#x27;s." in text


def test_an_unreadable_theme_is_refused_with_the_ratio_and_a_colour_that_passes(admin_client):
    response = admin_client.post(edit_url(), form(text="#a0968c"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Text on background is 2.74:1; AA needs 4.5:1." in text
    assert "is the nearest text colour that passes." in text
    # The admin makes an empty theme for the site when it opens; the bad colour is not in it.
    assert ThemeSettings.objects.get().text == ""


def test_a_readable_theme_is_saved_and_restyles_the_site(admin_client):
    response = admin_client.post(
        edit_url(), form(preset="lantern", brand_name="Cold Chain", primary="#5B2A86")
    )
    assert response.status_code == 302
    settings = ThemeSettings.objects.get()
    assert (settings.preset, settings.primary) == ("lantern", "#5b2a86")
    page = admin_client.get("/").content.decode()
    assert "--color-primary:#5b2a86;" in page
    assert "Cold Chain" in page


@pytest.mark.parametrize("brand_name", ["Cold\nChain", "Cold\tChain"])
def test_a_brand_name_over_two_lines_is_refused_and_nothing_is_saved(admin_client, brand_name):
    """The brand name heads every page, the browser tab and emails: one line."""
    response = admin_client.post(edit_url(), form(brand_name=brand_name))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["brand_name"])
    assert "one line of text" in errors
    assert ThemeSettings.objects.get().brand_name == ""


def test_content_editors_may_brand_the_site(client, user_factory, home):
    editor = user_factory(groups=["Editors"])
    assert editor.has_perm("themes.change_themesettings")
    assert not editor.has_perm("themes.delete_themesettings")
    client.force_login(editor)
    assert client.get(edit_url()).status_code == 200


def test_a_link_colour_unreadable_on_the_alternate_surface_is_refused(admin_client):
    """The footer's links, "Clear filters" and links in the home page's intro are the
    primary colour on the alternate surface; #d81e68 passes on the background and the
    surface but is 4.19:1 there."""
    footer = admin_client.get("/").content.decode()
    assert 'class="site-footer__links">' in footer  # primary links on the alternate surface

    response = admin_client.post(edit_url(), form(primary="#d81e68"))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["primary"])
    assert "Links (primary) on the alternate surface is 4.19:1; AA needs 4.5:1." in errors
    assert "is the nearest primary colour that passes." in errors
    assert ThemeSettings.objects.get().primary == ""


@pytest.mark.parametrize("header", ["Mentoring at\nHarbourline", "Mentoring\r\nBcc: x@evil.test"])
def test_an_email_header_of_more_than_one_line_is_refused(admin_client, header):
    response = admin_client.post(edit_url(), form(email_header=header))

    assert response.status_code == 200
    assert "This must be one line of text, but it holds a line break" in response.text
    assert ThemeSettings.objects.get().email_header == ""


def test_a_one_line_email_header_is_saved(admin_client):
    response = admin_client.post(edit_url(), form(email_header="Mentoring at Harbourline"))

    assert response.status_code == 302
    assert ThemeSettings.objects.get().email_header == "Mentoring at Harbourline"
