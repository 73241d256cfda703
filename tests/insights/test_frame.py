"""The insights pages keep parts of Wagtail's admin frame; they must stay Wagtail's own."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from .test_privacy import sidebar_items


def sidebar_script(html):
    return re.search(r'<script id="wagtail-sidebar-props"[^>]*>.*?</script>', html, re.S).group(0)


def shortcuts_dialog(html):
    """What the frame puts between the sidebar and the page: the shortcuts dialog."""
    return re.search(r"</aside>(.*?)<main", html, re.S).group(1).strip()


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("mac", [False, True])
def test_the_insights_frame_is_the_one_wagtail_renders(admin_client, program, mac):
    headers = {"HTTP_USER_AGENT": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)"} if mac else {}
    wagtails = admin_client.get(reverse("wagtailadmin_account"), **headers).content.decode()

    for _ in range(2):  # rendered, then kept
        ours = admin_client.get(reverse("insights:index"), **headers).content.decode()
        assert sidebar_script(ours) == sidebar_script(wagtails)
        assert shortcuts_dialog(ours) == shortcuts_dialog(wagtails)
    assert ("⌘" in shortcuts_dialog(ours)) is mac


def test_each_viewer_gets_their_own_sidebar(program_admin, sponsor, program):
    admins, sponsors = Client(), Client()
    admins.force_login(program_admin)
    sponsors.force_login(sponsor)
    assert "journeys" in sidebar_items(admins.get(reverse("insights:index")).content.decode())

    names = sidebar_items(sponsors.get(reverse("insights:index")).content.decode())

    assert names - {sponsor.first_name} == {"insights", "account", "logout"}


def test_a_viewer_who_turned_shortcuts_off_is_told_so(admin_client, program_admin, program):
    from wagtail.users.models import UserProfile

    admin_client.get(reverse("insights:index"))  # the dialog with shortcuts on is kept
    profile = UserProfile.get_for_user(program_admin)
    profile.keyboard_shortcuts = False
    profile.save()

    html = admin_client.get(reverse("insights:index")).content.decode()

    assert "Keyboard shortcuts are currently disabled" in shortcuts_dialog(html)
