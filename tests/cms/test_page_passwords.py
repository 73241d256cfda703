"""A private page's password cannot be guessed without limit."""

import datetime
import time
from types import SimpleNamespace

import pytest
from django.core.cache.backends import locmem
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

pytestmark = pytest.mark.django_db

PASSWORD = "blue heron"


@pytest.fixture
def private_page(library, settings):
    settings.PAGE_PASSWORD_ATTEMPTS = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    restriction = PageViewRestriction.objects.create(
        page=library, restriction_type=PageViewRestriction.PASSWORD, password=PASSWORD
    )
    return library, restriction


def form_url(page, restriction):
    return reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])


def guess(client, page, restriction, password, **extra):
    return client.post(
        form_url(page, restriction), {"password": password, "return_url": page.url}, **extra
    )


def test_the_page_asks_for_its_password_through_the_limited_form(client, private_page):
    page, restriction = private_page

    response = client.get(page.url)

    assert response.status_code == 200
    assert f'action="{form_url(page, restriction)}"' in response.text


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused_with_when_to_retry(
    client, private_page
):
    page, restriction = private_page
    for _ in range(3):
        wrong = guess(client, page, restriction, "not it")
        assert wrong.status_code == 200
        assert "The password you have entered is not correct" in wrong.text

    refused = guess(client, page, restriction, PASSWORD)

    assert refused.status_code == 429
    assert "Too many wrong passwords have been tried for this page" in refused.text
    assert "Please try again in 15 minutes." in refused.text
    assert client.get(page.url).status_code == 200
    assert "Password required" in client.get(page.url).text


def test_the_right_password_opens_the_page_once_the_window_has_passed(
    client, private_page, monkeypatch
):
    page, restriction = private_page
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    for _ in range(3):
        guess(client, page, restriction, "not it")
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(minutes=10))
    assert "Please try again in 5 minutes." in guess(client, page, restriction, PASSWORD).text

    # The cache lets the count expire with the window.
    later = time.time() + 16 * 60
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))
    response = guess(client, page, restriction, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == page.url


def test_the_limit_is_per_address(client, private_page):
    page, restriction = private_page
    for _ in range(3):
        guess(client, page, restriction, "not it", REMOTE_ADDR="203.0.113.7")

    response = guess(client, page, restriction, PASSWORD, REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 302


def test_the_right_password_clears_the_count(client, private_page):
    page, restriction = private_page
    for _ in range(2):
        guess(client, page, restriction, "not it")
    assert guess(client, page, restriction, PASSWORD).status_code == 302

    for _ in range(2):
        guess(client, page, restriction, "not it")

    assert guess(client, page, restriction, PASSWORD).status_code == 302
