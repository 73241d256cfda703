"""Single sign-on: the settings, whom a provider may vouch for, and where passwords are refused.

The round trip through a real provider is in tests/e2e/test_single_sign_on.py;
these tests hand allauth a finished sign-in from the provider
(``SocialLogin``) or post the password forms through the test client.
"""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.core.context import request_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal.flows.login import complete_login
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from cms import sso
from cms.accounts import SocialAccountAdapter
from tests.cms.test_settings import run_python

PASSWORD = "correct horse battery"
PROVIDER = {
    "id": "acme-sso",
    "name": "Acme Sign-in",
    "server_url": "https://login.acme.test/tenant/v2.0/",
    "client_id": "client-1",
    "secret": "secret-1",
}


def providers_json(*entries) -> str:
    return json.dumps(list(entries))


class TestProviderSettings:
    def test_no_providers_is_an_empty_list(self):
        assert sso.oidc_providers("") == []
        assert sso.oidc_providers("  ") == []

    def test_a_provider_becomes_an_allauth_openid_connect_app(self):
        (app,) = sso.oidc_providers(providers_json(PROVIDER))

        assert app == {
            "provider_id": "acme-sso",
            "name": "Acme Sign-in",
            "client_id": "client-1",
            "secret": "secret-1",
            "settings": {
                "server_url": "https://login.acme.test/tenant/v2.0",
                "oauth_pkce_enabled": True,
            },
        }

    def test_a_provider_may_be_trusted_with_its_own_domains_without_an_email_verified_claim(
        self,
    ):
        entra = {**PROVIDER, "verified_email_domains": ["Acme.test"]}

        (app,) = sso.oidc_providers(providers_json(entra))

        assert app["settings"]["verified_email"] == ["acme.test"]
        with pytest.raises(ImproperlyConfigured, match="verified_email_domains must be a list"):
            sso.oidc_providers(providers_json({**PROVIDER, "verified_email_domains": "acme.test"}))

    def test_the_policy_lets_forms_lead_to_each_provider_origin_once(self):
        other = {**PROVIDER, "id": "other", "server_url": "https://login.acme.test/other"}
        okta = {**PROVIDER, "id": "okta", "server_url": "https://acme.okta.com"}

        apps = sso.oidc_providers(providers_json(PROVIDER, other, okta))

        assert sso.origins(apps) == ["https://login.acme.test", "https://acme.okta.com"]

    @pytest.mark.parametrize(
        ("raw", "names"),
        [
            ("{not json", "OIDC_PROVIDERS is not valid JSON"),
            (json.dumps(PROVIDER), "must be a JSON list"),
            (json.dumps(["acme"]), "entry 1 must be a JSON object"),
            (
                providers_json({k: v for k, v in PROVIDER.items() if k not in {"secret", "name"}}),
                "entry 1 ('acme-sso') lacks name, secret",
            ),
            (providers_json({**PROVIDER, "secrett": "x"}), "unknown keys secrett"),
            (providers_json({**PROVIDER, "client_id": ""}), "client_id must be a non-empty"),
            (providers_json({**PROVIDER, "id": "Acme SSO"}), "id must be lower-case"),
            (providers_json(PROVIDER, PROVIDER), "entry 2 ('acme-sso'): the id 'acme-sso' is"),
            (providers_json({**PROVIDER, "server_url": "login.acme.test"}), "server_url must"),
        ],
    )
    def test_a_malformed_provider_list_is_refused_naming_what_is_wrong(self, raw, names):
        with pytest.raises(ImproperlyConfigured) as refused:
            sso.oidc_providers(raw)

        assert names in str(refused.value)

    def test_domains_are_lower_cased_and_checked(self):
        assert sso.domains("SSO_DOMAINS", " Acme.TEST, @acme.org,,acme.test ") == [
            "acme.test",
            "acme.org",
        ]
        with pytest.raises(ImproperlyConfigured, match="SSO_DOMAINS must list email domains"):
            sso.domains("SSO_DOMAINS", "acme.test, ada@acme.test")

    def test_a_required_domain_must_also_be_a_single_sign_on_domain(self):
        with pytest.raises(ImproperlyConfigured, match=r"lists acme\.org, which SSO_DOMAINS"):
            sso.check_required_domains(["acme.test"], ["acme.test", "acme.org"])

    def test_the_site_refuses_to_start_with_a_malformed_provider_list(self):
        result = run_python(
            "import django; django.setup()",
            DJANGO_SETTINGS_MODULE="cms.settings.test",
            OIDC_PROVIDERS=providers_json({**PROVIDER, "server_url": "ftp://x"}),
        )

        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "OIDC_PROVIDERS entry 1 ('acme-sso'): server_url must" in result.stderr

    def test_the_environment_configures_providers_domains_and_the_policy(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]['provider_id']); "
            "print(s.SSO_DOMAINS, s.SSO_REQUIRED_DOMAINS); "
            "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])",
            DJANGO_SETTINGS_MODULE="cms.settings.test",
            OIDC_PROVIDERS=providers_json(PROVIDER),
            SSO_DOMAINS="acme.test,acme.org",
            SSO_REQUIRED_DOMAINS="acme.org",
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "acme-sso",
            "['acme.test', 'acme.org'] ['acme.org']",
            "[\"'self'\", 'https://login.acme.test']",
        ]


@pytest.fixture
def single_sign_on(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": sso.oidc_providers(providers_json(PROVIDER))}
    }
    settings.SSO_DOMAINS = ["acme.test", "secure.test"]
    settings.SSO_REQUIRED_DOMAINS = ["secure.test"]


def provider_request(rf: RequestFactory):
    request = rf.get("/accounts/oidc/acme-sso/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    return request


def from_provider(request, email: str, *, verified=True, uid: str = "42") -> SocialLogin:
    """What allauth makes of the provider's userinfo answer, before looking the person up."""
    provider = get_adapter().get_provider(request, "acme-sso")
    userinfo = {"sub": uid, "email": email, "given_name": "Jo", "family_name": "Newcomer"}
    if verified is not None:
        userinfo["email_verified"] = verified
    sociallogin = provider.sociallogin_from_response(request, {"userinfo": userinfo})
    sociallogin.state = {"process": "login", "next": "/my/"}
    return sociallogin


def sign_in(request, email: str, **kwargs):
    """Complete the sign-in as allauth's callback view does once the provider has answered."""
    with request_context(request):
        return complete_login(request, from_provider(request, email, **kwargs))


def messages_of(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


@pytest.mark.django_db
@pytest.mark.usefixtures("single_sign_on", "home")
class TestWhomAProviderMayVouchFor:
    def test_a_verified_address_on_a_listed_domain_gets_an_account(self, rf):
        request = provider_request(rf)

        response = sign_in(request, "jo@acme.test")

        assert response.status_code == 302 and response["Location"] == "/my/"
        user = get_user_model().objects.get(email="jo@acme.test")
        assert (user.first_name, user.last_name) == ("Jo", "Newcomer")
        assert not user.has_usable_password()
        assert SocialAccount.objects.get(user=user).uid == "42"
        assert request.session["_auth_user_id"] == str(user.pk)

    @pytest.mark.parametrize(
        ("email", "verified"),
        [("riley@elsewhere.test", True), ("una@acme.test", False), ("ACME.TEST@evil.test", True)],
    )
    def test_any_other_address_is_refused_with_the_clear_message(self, rf, email, verified):
        request = provider_request(rf)

        response = sign_in(request, email, verified=verified)

        assert response.status_code == 302 and response["Location"] == reverse("account_login")
        assert messages_of(request) == [
            "Your organisation's single sign-on is not set up for this address; ask your "
            "program admin."
        ]
        assert not get_user_model().objects.filter(email=email.lower()).exists()
        assert "_auth_user_id" not in request.session

    def test_the_adapter_says_no_only_by_raising_the_refusal(self, rf):
        request = provider_request(rf)
        adapter = SocialAccountAdapter(request)

        assert adapter.is_open_for_signup(request, from_provider(request, "jo@acme.test"))
        with pytest.raises(ImmediateHttpResponse):
            adapter.is_open_for_signup(request, from_provider(request, "jo@elsewhere.test"))

    def test_an_existing_account_is_linked_by_verified_address_and_keeps_its_password(
        self, rf, user_factory
    ):
        existing = user_factory(email="sam@acme.test", first_name="Samira", password=PASSWORD)
        request = provider_request(rf)

        response = sign_in(request, "Sam@acme.test")

        assert response.status_code == 302
        assert get_user_model().objects.filter(email="sam@acme.test").count() == 1
        assert SocialAccount.objects.get(uid="42").user == existing
        existing.refresh_from_db()
        assert existing.first_name == "Samira"
        assert existing.check_password(PASSWORD)
        assert EmailAddress.objects.get(user=existing).verified
        assert request.session["_auth_user_id"] == str(existing.pk)

    def test_a_provider_trusted_with_a_domain_vouches_without_the_claim(self, rf, settings):
        entra = {**PROVIDER, "verified_email_domains": ["acme.test"]}
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {"APPS": sso.oidc_providers(providers_json(entra))}
        }
        request = provider_request(rf)

        sign_in(request, "una@acme.test", verified=None)

        assert get_user_model().objects.filter(email="una@acme.test").exists()

    def test_an_existing_account_is_not_linked_by_an_unverified_address(self, rf, user_factory):
        user_factory(email="sam@acme.test", password=PASSWORD)
        request = provider_request(rf)

        sign_in(request, "sam@acme.test", verified=False)

        assert not SocialAccount.objects.exists()
        assert "_auth_user_id" not in request.session

    def test_an_existing_account_on_an_unlisted_domain_is_not_linked(self, rf, user_factory):
        user_factory(email="riley@elsewhere.test", password=PASSWORD)
        request = provider_request(rf)

        sign_in(request, "riley@elsewhere.test")

        assert not SocialAccount.objects.exists()
        assert "_auth_user_id" not in request.session
        assert "ask your program admin" in messages_of(request)[0]

    def test_a_linked_person_signs_in_again_by_the_provider_account(self, rf, user_factory):
        user = user_factory(email="sam@acme.test")
        SocialAccount.objects.create(user=user, provider="acme-sso", uid="42")
        request = provider_request(rf)

        sign_in(request, "sam@acme.test")

        assert request.session["_auth_user_id"] == str(user.pk)
        assert SocialAccount.objects.count() == 1


REQUIRED_MESSAGE = (
    "Addresses at secure.test sign in through your organisation&#x27;s single sign-on."
)


@pytest.mark.django_db
@pytest.mark.usefixtures("single_sign_on", "home")
class TestWhereSingleSignOnIsRequired:
    def test_the_sign_in_page_has_one_posting_button_per_provider(self, client, settings):
        okta = {**PROVIDER, "id": "okta", "name": "Okta", "server_url": "https://acme.okta.com"}
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {"APPS": sso.oidc_providers(providers_json(PROVIDER, okta))}
        }

        html = client.get(reverse("account_login") + "?next=/my/").content.decode()

        assert html.count('<form method="post" action="/accounts/oidc/') == 2
        assert 'action="/accounts/oidc/acme-sso/login/?process=login&amp;next=%2Fmy%2F"' in html
        assert "Sign in with Acme Sign-in" in html and "Sign in with Okta" in html
        assert html.count("<h1") == 1

    def test_without_providers_the_sign_in_page_has_no_buttons(self, client, settings):
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}

        html = client.get(reverse("account_login")).content.decode()

        assert "/accounts/oidc/" not in html and "Sign in with Acme" not in html

    @pytest.mark.parametrize("email", ["ola@secure.test", "nobody@SECURE.test"])
    def test_a_password_is_refused_alike_for_every_address_on_the_domain(
        self, client, user_factory, email
    ):
        user_factory(email="ola@secure.test", password=PASSWORD)

        response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})

        assert response.status_code == 200
        assert REQUIRED_MESSAGE in response.content.decode()
        assert "Sign in with Acme Sign-in" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_password_still_works_on_other_listed_domains(self, client, user_factory):
        user = user_factory(email="sam@acme.test", password=PASSWORD)

        response = client.post(
            reverse("account_login"), {"login": "sam@acme.test", "password": PASSWORD}
        )

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_a_sign_in_code_is_refused(self, client, user_factory):
        user_factory(email="ola@secure.test", password=PASSWORD)

        response = client.post(reverse("account_request_login_code"), {"email": "ola@secure.test"})

        assert response.status_code == 200
        assert REQUIRED_MESSAGE in response.content.decode()
        assert mail.outbox == []

    def test_a_password_reset_is_refused(self, client, user_factory):
        user_factory(email="ola@secure.test", password=PASSWORD)

        response = client.post(reverse("account_reset_password"), {"email": "ola@secure.test"})

        assert response.status_code == 200
        assert REQUIRED_MESSAGE in response.content.decode()
        assert mail.outbox == []

    def test_a_password_reset_elsewhere_is_sent_as_before(self, client, user_factory):
        user_factory(email="sam@acme.test", password=PASSWORD)

        response = client.post(reverse("account_reset_password"), {"email": "sam@acme.test"})

        assert response.status_code == 302
        assert [message.to for message in mail.outbox] == [["sam@acme.test"]]

    def test_nobody_steps_out_of_single_sign_on_by_an_address_of_their_own(
        self, client, user_factory
    ):
        user = get_user_model().objects.create_user(email="ola@secure.test")
        client.force_login(user)

        added = client.post(
            reverse("account_email"), {"action_add": "", "email": "ola@home.example"}
        )
        made_primary = client.post(
            reverse("account_email"), {"action_primary": "", "email": "ola@home.example"}
        )
        client.post(
            reverse("account_set_password"), {"password1": PASSWORD, "password2": PASSWORD}
        )
        client.logout()
        signed_in = client.post(
            reverse("account_login"), {"login": "ola@home.example", "password": PASSWORD}
        )

        assert added.status_code == made_primary.status_code == 404
        user.refresh_from_db()
        assert user.email == "ola@secure.test"
        assert not EmailAddress.objects.filter(email="ola@home.example").exists()
        assert signed_in.status_code == 200
        assert "_auth_user_id" not in client.session
