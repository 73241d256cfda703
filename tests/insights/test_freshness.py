"""The insights pages show the viewer's rights and menu as they are now, not as they were.

The figures may be a few minutes old (the page says when they were worked
out); nothing else on the page is kept.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from .conftest import PROGRAM_ADMINS, SPONSORS
from .test_privacy import sidebar_items


@pytest.fixture
def superuser_browser(user_factory):
    browser = Client()
    browser.force_login(user_factory(email="root@example.com", is_superuser=True, is_staff=True))
    return browser


def set_groups(browser, user, *names):
    """Give ``user`` exactly these groups, through the admin's user form."""
    response = browser.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name or "Lee",  # the form asks for one
            "password1": "",
            "password2": "",
            "is_active": "on",
            "is_superuser": "",
            "groups": [Group.objects.get(name=name).pk for name in names],
        },
    )
    assert response.status_code == 302, response.context["form"].errors


def menu(browser, url):
    response = browser.get(url)
    assert response.status_code == 200
    return sidebar_items(response.content.decode())


@pytest.mark.parametrize("page", ["index", "program"])
def test_a_sponsor_made_a_program_admin_gets_the_admin_on_the_next_view(
    client, sponsor, superuser_browser, program, page
):
    url = (
        reverse("insights:index")
        if page == "index"
        else reverse("insights:program", args=[program.pk])
    )
    client.force_login(sponsor)
    for _ in range(3):  # anything that could be kept is kept
        response = client.get(url)
        assert response.status_code == 302  # sponsors have no admin access
        assert response["Location"].startswith(reverse("account_login"))

    set_groups(superuser_browser, sponsor, SPONSORS, PROGRAM_ADMINS)

    assert "journeys" in menu(client, url)


def test_a_program_admin_made_a_sponsor_only_loses_the_admin_on_the_next_view(
    client, program_admin, superuser_browser, program
):
    url = reverse("insights:index")
    client.force_login(program_admin)
    for _ in range(3):
        assert "journeys" in menu(client, url)

    set_groups(superuser_browser, program_admin, SPONSORS)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_admin_no_longer_chosen_on_the_program_loses_it_once_it_is_published(
    client, program_admin, program
):
    url = reverse("insights:program", args=[program.pk])
    client.force_login(program_admin)
    for _ in range(3):
        assert client.get(url).status_code == 200

    program.admin_groups.clear()
    program.save_revision()
    assert client.get(url).status_code == 200  # a draft changes nothing yet

    program.get_latest_revision().publish()

    # Their only program: no insights at all now, so Wagtail refuses the page.
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
