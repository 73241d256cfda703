"""Two-factor sign-in: set up, asked for at sign-in, and required of staff if the setting says."""

import base64
import hashlib
import hmac
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def totp(secret: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows (RFC 6238: SHA-1, 30 s steps)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.fixture
def editor(user_factory):
    return user_factory(email="editor@example.com", groups=["Editors"])


def set_up_app(client) -> tuple[str, list[str]]:
    """Activate an authenticator app through the real pages; return its secret and codes.

    Setting it up asks for the password again first, even just after signing in.
    """
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    if secret is None:
        secret = re.search(r'value="([A-Z2-7]{16,})"', page.content.decode())
    secret = secret.group(1)
    done = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert done.status_code == 302, done.content.decode()[:2000]
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    listed = re.search(
        r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page, re.S
    )
    codes = listed.group(1).split()
    return secret, codes


class TestRequiredForStaff:
    def test_staff_without_an_app_are_sent_to_set_one_up(self, client, home, editor, settings):
        settings.MFA_REQUIRED_FOR_STAFF = True
        sign_in(client, editor)

        response = client.get(reverse("wagtailadmin_home"), follow=True)

        assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
        assert "needs two-factor sign-in" in response.content.decode()
        # Their participant pages do not ask for it.
        assert client.get(reverse("journeys:my_mentoring")).status_code == 200

    def test_once_set_up_the_admin_opens(self, client, home, editor, settings):
        settings.MFA_REQUIRED_FOR_STAFF = True
        sign_in(client, editor)

        set_up_app(client)

        assert client.get(reverse("wagtailadmin_home")).status_code == 200
        assert Authenticator.objects.filter(user=editor, type="totp").exists()
        assert Authenticator.objects.filter(user=editor, type="recovery_codes").exists()

    def test_staff_who_sign_in_by_code_choose_a_password_before_setting_it_up(
        self, client, home, settings
    ):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core import mail

        settings.MFA_REQUIRED_FOR_STAFF = True
        editor = get_user_model().objects.create_user(email="coded@example.com")
        editor.groups.add(Group.objects.get(name="Editors"))
        asked = client.post(reverse("account_request_login_code"), {"email": editor.email})
        code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body).group(1)
        assert client.post(asked["Location"], {"code": code})["Location"] == reverse(
            "journeys:my_mentoring"
        )

        response = client.get(reverse("wagtailadmin_home"), follow=True)

        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith(reverse("account_set_password"))
        html = response.content.decode()
        assert "no password yet" in html
        assert 'name="password1"' in html
        chosen = client.post(
            response.redirect_chain[-1][0],
            {"password1": "a brand new secret 42", "password2": "a brand new secret 42"},
            follow=True,
        )
        assert chosen.status_code == 200
        assert chosen.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
        client.post(chosen.redirect_chain[-1][0], {"password": "a brand new secret 42"})
        page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        assert 'name="code"' in page.content.decode()

    def test_with_the_setting_off_staff_reach_the_admin_without_it(
        self, client, home, editor, settings
    ):
        settings.MFA_REQUIRED_FOR_STAFF = False
        sign_in(client, editor)

        assert client.get(reverse("wagtailadmin_home")).status_code == 200

    def test_production_requires_it_unless_told_otherwise(self):
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.MFA_REQUIRED_FOR_STAFF)"
        )
        env = {
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "mentoring.example.com",
            "PATH": "/usr/bin:/bin",
        }
        for extra, expected in (({}, "True"), ({"MFA_REQUIRED_FOR_STAFF": "false"}, "False")):
            out = subprocess.run(  # noqa: S603 - fixed interpreter and code
                [sys.executable, "-c", code],
                cwd=ROOT,
                env={**env, **extra},
                capture_output=True,
                text=True,
                check=True,
            )
            assert out.stdout.strip() == expected, out.stderr


class TestSigningIn:
    def test_with_an_app_set_up_signing_in_asks_for_its_code(self, client, home, editor):
        from django.test import Client

        sign_in(client, editor)
        secret, _codes = set_up_app(client)
        browser = Client()

        response = sign_in(browser, editor)

        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        assert browser.get(reverse("journeys:my_mentoring")).status_code == 302
        wrong = browser.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert wrong.status_code == 200
        assert "Incorrect code" in wrong.content.decode()
        right = browser.post(reverse("mfa_authenticate"), {"code": totp(secret)})
        assert right.status_code == 302
        assert browser.get(reverse("journeys:my_mentoring")).status_code == 200

    def test_a_recovery_code_stands_in_for_a_lost_phone_once(self, client, home, editor):
        from django.test import Client

        sign_in(client, editor)
        _secret, codes = set_up_app(client)
        assert len(codes) >= 8
        first, second = Client(), Client()

        sign_in(first, editor)
        assert first.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
        sign_in(second, editor)
        again = second.post(reverse("mfa_authenticate"), {"code": codes[0]})
        assert again.status_code == 200

    def test_the_admins_own_sign_in_goes_through_the_same_steps(self, client, home, editor):
        sign_in(client, editor)
        set_up_app(client)
        client.post(reverse("account_logout"))

        response = client.get("/admin/login/?next=/admin/")

        assert response["Location"] == f"{reverse('account_login')}?next=/admin/"
        assert sign_in(client, editor)["Location"] == reverse("mfa_authenticate")

    def test_wagtails_own_site_sign_in_page_hands_over_and_signs_nobody_in(
        self, client, home, editor
    ):
        """Wagtail's sign-in page for private pages, at /_util/login/, asked for a
        password alone: no second factor, no limit on guesses."""
        sign_in(client, editor)
        set_up_app(client)
        client.post(reverse("account_logout"))

        response = client.get("/_util/login/?next=/admin/")
        assert response["Location"] == f"{reverse('account_login')}?next=/admin/"

        client.post("/_util/login/", {"username": editor.email, "password": PASSWORD})
        assert client.get(reverse("wagtailadmin_home"))["Location"].startswith(
            reverse("account_login")
        )

    def test_a_private_page_sends_visitors_to_the_sites_sign_in(self, client, home):
        from wagtail.models import PageViewRestriction

        PageViewRestriction.objects.create(page=home, restriction_type=PageViewRestriction.LOGIN)

        response = client.get(home.url)

        assert response["Location"] == f"{reverse('account_login')}?next={home.url}"
