"""Single sign-on in a real browser, against a real OpenID Connect provider.

The provider is django-allauth's own (``allauth.idp.oidc``), run as a separate
Django project in a subprocess (``tests/oidc_idp``), with its own database,
signing key and people. The browser goes to it and back exactly as it would
to an organisation's Entra ID or Okta; Trellis fetches its discovery
document, exchanges the code and checks the signed ID token over HTTP.
"""

import copy
import json
import re

import pytest
from allauth.socialaccount.models import SocialAccount
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cms import sso
from tests.oidc_idp import people
from tests.oidc_idp.launch import running_provider

from .conftest import NARROW, PASSWORD, WIDE
from .test_accessibility import audit

SIGN_IN_BUTTON = f"Sign in with {people.PROVIDER_NAME}"


@pytest.fixture(scope="module")
def provider_url(live_server):
    callback = f"{live_server.url}/accounts/oidc/{people.PROVIDER_ID}/login/callback/"
    with running_provider([callback]) as url:
        yield url


@pytest.fixture
def single_sign_on(settings, provider_url):
    """Trellis configured as the README says, with the test provider as its one provider."""
    apps = sso.oidc_providers(
        json.dumps(
            [
                {
                    "id": people.PROVIDER_ID,
                    "name": people.PROVIDER_NAME,
                    "server_url": provider_url,
                    "client_id": people.CLIENT_ID,
                    "secret": people.CLIENT_SECRET,
                }
            ]
        )
    )
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": apps}}
    settings.SSO_DOMAINS = [people.LISTED_DOMAIN, people.REQUIRED_DOMAIN]
    settings.SSO_REQUIRED_DOMAINS = [people.REQUIRED_DOMAIN]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [
        *policy["DIRECTIVES"]["form-action"],
        *sso.origins(apps),
    ]
    settings.CONTENT_SECURITY_POLICY = policy
    return provider_url


def through_the_provider(page, provider_url, person, shots=None):
    """From Trellis's sign-in page, through the provider's, and back."""
    page.goto("/accounts/login/?next=/my/")
    if shots:
        shots(page, "sign-in-page")
    page.get_by_role("button", name=SIGN_IN_BUTTON).click()
    page.wait_for_url(re.compile(re.escape(provider_url) + r"/accounts/login/"))
    page.locator("#id_login").fill(person.email)
    page.locator("#id_password").fill(people.PASSWORD)
    if shots:
        shots(page, "provider-sign-in")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/"))
    page.wait_for_load_state()


def test_a_newcomer_on_a_listed_domain_gets_an_account_and_lands_on_my_mentoring(
    page, shots, single_sign_on
):
    through_the_provider(page, single_sign_on, people.NEWCOMER, shots)

    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    shots(page, "signed-in")
    user = get_user_model().objects.get(email=people.NEWCOMER.email)
    assert (user.first_name, user.last_name) == ("Jo", "Newcomer")
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == people.PROVIDER_ID


def test_an_existing_account_with_the_same_verified_address_is_linked_not_duplicated(
    page, shots, single_sign_on, person
):
    existing = person(people.EXISTING.email, "Samira", "Existing")

    through_the_provider(page, single_sign_on, people.EXISTING)

    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    shots(page, "signed-in")
    assert list(get_user_model().objects.filter(email=people.EXISTING.email)) == [existing]
    assert SocialAccount.objects.get(provider=people.PROVIDER_ID).user == existing
    existing.refresh_from_db()
    assert existing.first_name == "Samira"
    assert existing.check_password(PASSWORD), "linking kept the person's password"


@pytest.mark.parametrize(
    "who", [people.OUTSIDER, people.UNVERIFIED], ids=["unlisted-domain", "unverified"]
)
def test_an_address_the_provider_may_not_vouch_for_is_refused_with_a_clear_message(
    page, shots, single_sign_on, who
):
    through_the_provider(page, single_sign_on, who)

    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    expect(page.get_by_text(sso.refused_message())).to_be_visible()
    shots(page, "refused")
    assert not get_user_model().objects.filter(email=who.email).exists()
    assert not SocialAccount.objects.exists()


def test_where_single_sign_on_is_required_a_password_is_refused_and_the_button_works(
    page, shots, single_sign_on, person
):
    person(people.REQUIRED.email, "Ola", "Secure")

    page.goto("/accounts/login/?next=/my/")
    page.locator("#id_login").fill(people.REQUIRED.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_text(sso.required_message(people.REQUIRED.email))).to_be_visible()
    expect(page.get_by_role("button", name=SIGN_IN_BUTTON)).to_be_visible()
    shots(page, "password-refused")
    assert "/my/" not in page.url

    through_the_provider(page, single_sign_on, people.REQUIRED)
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["desktop", "phone"])
def test_the_sign_in_page_with_its_provider_buttons_passes_axe(new_page, single_sign_on, viewport):
    page = new_page(viewport)

    problems = audit(page, Axe(), "/accounts/login/?next=/my/", viewport)

    assert not problems, "\n".join(problems)
