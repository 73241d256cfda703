"""The admin's account page: a damaged profile picture is a form error, a sound one still saves."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.users.models import UserProfile

pytestmark = pytest.mark.django_db

DAMAGED = "This image file is incomplete or damaged; upload it again."


def encoded(image_format, size):
    picture = PILImage.effect_noise(size, 64).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, image_format)
    return buffer.getvalue()


LARGE_JPEG = encoded("JPEG", (640, 480))  # Wagtail shrinks anything over 400 px
SMALL_JPEG = encoded("JPEG", (200, 200))  # Wagtail stores this one as it is


@pytest.fixture(params=["superuser", "editor"])
def person(request, client, user_factory):
    user = user_factory(
        email="ada@example.com",
        is_superuser=request.param == "superuser",
        groups=[] if request.param == "superuser" else ["Editors"],
    )
    client.force_login(user)
    return user


def save_account(client, picture):
    return client.post(
        reverse("wagtailadmin_account"),
        {
            "name_email-first_name": "Ada",
            "name_email-last_name": "Lovelace",
            "name_email-email": "ada@example.com",
            "avatar-avatar": picture,
            "locale-preferred_language": "en",
            "locale-current_time_zone": "",
            "theme-theme": "system",
            "theme-contrast": "system",
            "theme-density": "default",
        },
    )


def test_the_account_page_is_still_wagtails(client, person):
    response = client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 200
    assert "Upload a profile picture" in response.content.decode()


def test_the_account_page_offers_only_time_zones_a_browser_knows(client, person):
    """Wagtail's own list held the server's "localtime", which the page's script refuses."""
    html = client.get(reverse("wagtailadmin_account")).content.decode()
    select = re.search(r'<select name="locale-current_time_zone".*?</select>', html, re.S)
    offered = set(re.findall(r'<option value="([^"]*)"', select.group(0)))
    assert {"Europe/London", "America/New_York", "UTC"} <= offered
    assert not offered & {"localtime", "posixrules", "Factory", "GB-Eire", "Etc/GMT-8"}


NOT_AN_IMAGE = "Upload a valid image."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.jpg", LARGE_JPEG[:300], NOT_AN_IMAGE),
        ("me.jpg", LARGE_JPEG[:3000], DAMAGED),
        ("me.jpg", LARGE_JPEG[: len(LARGE_JPEG) // 2], DAMAGED),
        ("me.jpg", SMALL_JPEG[:-200], DAMAGED),
        ("me.png", encoded("PNG", (64, 64))[:300], NOT_AN_IMAGE),
    ],
    ids=["large-300", "large-3000", "large-half", "small-cut", "png-300"],
)
def test_a_damaged_profile_picture_is_refused_with_a_form_error(
    client, person, name, content, message
):
    """Django's image field refuses what Pillow cannot even open; the rest gets our reason."""
    response = save_account(client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not UserProfile.get_for_user(person).avatar


@pytest.mark.parametrize("content", [LARGE_JPEG, SMALL_JPEG], ids=["large", "small"])
def test_a_sound_profile_picture_still_saves(client, person, content):
    response = save_account(client, SimpleUploadedFile("me.jpg", content))
    assert response.status_code == 302
    assert UserProfile.get_for_user(person).avatar


def test_the_account_page_still_needs_admin_access(client, user_factory):
    assert client.get(reverse("wagtailadmin_account")).status_code == 302
    client.force_login(user_factory(email="participant@example.com"))
    response = client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
