"""Signing in, invitations, throttled guessing and signing out, through the real pages."""

import re
import time
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cms import invitations
from cms.models import Invitation
from journeys.factories import JourneyPageFactory, ProgramPageFactory
from journeys.models import MemberRole, OutboxEmail
from journeys.services import outbox
from journeys.services.starting import start_journey

PASSWORD = "correct horse battery"


@pytest.fixture
def invited(db, home):
    """A person whose account was made for them: no password, never signed in."""
    return get_user_model().objects.create_user(
        email="newcomer@example.com", first_name="Noor", last_name="Haddad"
    )


def delivered():
    """Deliver what the outbox holds and return the messages sent."""
    before = len(mail.outbox)
    outbox.deliver_due()
    return mail.outbox[before:]


def invitation_link(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


class TestSignIn:
    def test_the_sign_in_page_asks_for_a_work_email_and_password(self, client, home):
        html = client.get(reverse("account_login")).content.decode()

        assert 'name="login"' in html and 'type="email"' in html
        assert 'type="password"' in html
        assert f'href="{reverse("account_reset_password")}"' in html
        assert f'href="{reverse("account_request_login_code")}"' in html
        assert "sign up" not in html.lower()
        assert html.count("<h1") == 1
        assert "&lt;" not in html  # no help text printed as escaped markup

    def test_a_person_signs_in_with_their_email_in_any_case(self, client, home, user_factory):
        user = user_factory(email="ada@example.com")

        response = client.post(
            reverse("account_login"), {"login": "ADA@example.com", "password": PASSWORD}
        )

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_a_wrong_password_is_explained_on_the_sign_in_page(self, client, home, user_factory):
        user_factory(email="ada@example.com")

        response = client.post(
            reverse("account_login"), {"login": "ada@example.com", "password": "x"}
        )

        assert response.status_code == 200
        assert 'class="form-errors" role="alert"' in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_nobody_can_sign_themselves_up(self, client, home):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "stranger@example.com",
                "password1": "a long secret 42",
                "password2": "a long secret 42",
            },
        )

        assert not get_user_model().objects.filter(email="stranger@example.com").exists()
        assert response.status_code == 200

    def test_the_admin_sign_in_hands_over_to_the_site_sign_in(self, client, home):
        response = client.get("/admin/login/?next=/admin/pages/")

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next=/admin/pages/"
        assert client.get("/admin/")["Location"].startswith(reverse("account_login"))


class TestThrottling:
    def test_twenty_wrong_passwords_refuse_the_twenty_first_try_even_right_until_the_wait_ends(
        self, client, home, user_factory, monkeypatch
    ):
        user = user_factory(email="ada@example.com")
        url = reverse("account_login")
        for attempt in range(20):
            response = client.post(
                url, {"login": "ada@example.com", "password": f"guess {attempt}"}
            )
            assert "Too many" not in response.content.decode(), attempt

        refused = client.post(url, {"login": "ada@example.com", "password": PASSWORD})

        assert refused.status_code == 200
        assert "Too many failed login attempts" in refused.content.decode()
        assert "_auth_user_id" not in client.session

        # Sixteen minutes later (the window is fifteen), the right password works again.
        later = time.time() + 16 * 60
        monkeypatch.setattr(time, "time", lambda: later)
        response = client.post(url, {"login": "ada@example.com", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_the_lockout_is_per_account(self, client, home, user_factory):
        user_factory(email="ada@example.com")
        other = user_factory(email="grace@example.com")
        url = reverse("account_login")
        for attempt in range(21):
            client.post(url, {"login": "ada@example.com", "password": f"guess {attempt}"})

        response = client.post(url, {"login": "grace@example.com", "password": PASSWORD})

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(other.pk)


class TestSignOut:
    def test_signing_out_ends_the_persons_sessions_on_every_device(
        self, client, home, user_factory
    ):
        from django.test import Client

        user = user_factory(email="ada@example.com")
        phone, laptop = Client(), Client()
        for device in (phone, laptop):
            device.post(
                reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD}
            )
            assert device.get(reverse("journeys:my_mentoring")).status_code == 200
        assert UserSession.objects.filter(user=user).count() == 2

        phone.post(reverse("account_logout"))

        assert laptop.get(reverse("journeys:my_mentoring")).status_code == 302
        assert not UserSession.objects.filter(user=user).exists()

    def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
        self, client, home, user_factory
    ):
        from django.test import Client

        user_factory(email="ada@example.com")
        phone, laptop = Client(), Client()
        for device in (phone, laptop):
            device.post(
                reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD}
            )

        response = phone.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a brand new secret 42",
                "password2": "a brand new secret 42",
            },
        )

        assert response.status_code == 302
        assert phone.get(reverse("journeys:my_mentoring")).status_code == 200
        assert laptop.get(reverse("journeys:my_mentoring")).status_code == 302


class TestPasswordReset:
    def test_a_reset_email_carries_a_link_that_lets_the_person_choose_a_new_password(
        self, client, home, user_factory
    ):
        user = user_factory(email="ada@example.com")

        response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["ada@example.com"] and "\n" not in message.subject
        link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", message.body)
        assert link, message.body
        page = client.get(link.group(1), follow=True)
        html = page.content.decode()
        assert "Your password must contain at least 8 characters." in html
        assert "&lt;ul&gt;" not in html and "&lt;li&gt;" not in html
        saved = client.post(
            page.redirect_chain[-1][0],
            {"password1": "a brand new secret 42", "password2": "a brand new secret 42"},
        )
        assert saved.status_code == 302
        user.refresh_from_db()
        assert user.check_password("a brand new secret 42")

    def test_each_step_of_a_reset_says_what_to_do_next_in_plain_words(
        self, client, home, user_factory
    ):
        user_factory(email="ada@example.com")
        asked = client.get(reverse("account_reset_password")).content.decode()
        assert "<title>Forgotten your password? · " in asked
        assert "Email me a link" in asked and "Reset My Password" not in asked

        sent = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
        done = client.get(sent["Location"]).content.decode()
        assert "Look in your inbox" in done and "spam folder" in done

        link = re.search(
            r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body
        )
        page = client.get(link.group(1), follow=True)
        chosen = client.post(
            page.redirect_chain[-1][0],
            {"password1": "a brand new secret 42", "password2": "a brand new secret 42"},
        )
        assert chosen.status_code == 302
        client.logout()
        used = client.get(link.group(1), follow=True).content.decode()
        assert "This link has been used" in used and "Bad Token" not in used
        assert f'href="{reverse("account_reset_password")}"' in used

    def test_an_account_without_a_password_gets_an_invitation_not_silence(self, client, invited):
        response = client.post(reverse("account_reset_password"), {"email": invited.email})

        assert response.status_code == 302
        assert mail.outbox == []  # nothing sent in the request: the invitation is in the outbox
        (message,) = delivered()
        assert message.to == [invited.email]
        assert "/accounts/invitation/" in message.body

    def test_an_unknown_address_looks_the_same_to_the_asker(self, client, home, invited):
        known = client.post(reverse("account_reset_password"), {"email": invited.email})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        pages = [client.get(r["Location"]).content.decode() for r in (known, unknown)]
        # Alike but for the Content Security Policy's nonce, which is new on every response.
        known_page, unknown_page = (re.sub(r'nonce="[^"]+"', "", page) for page in pages)
        assert known_page == unknown_page


class TestAccountEmails:
    """What allauth sends on a person's request reads like the rest of the site's emails."""

    def brand(self):
        from themes.templatetags.themes_tags import email_theme

        return email_theme({})["brand_name"]

    def test_a_reset_email_greets_the_person_in_the_sites_name(self, client, home, user_factory):
        user_factory(email="ada@example.com", first_name="Ada")

        client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

        (message,) = mail.outbox
        assert message.subject == "Choose a new password"
        assert message.body.startswith(f"{self.brand()}\n\nHello Ada,\n")
        assert "Open this link to choose one:" in message.body
        assert "Hello from" not in message.body and "Thank you for using" not in message.body

    def test_a_sign_in_code_says_what_to_do_with_it(self, client, home, user_factory):
        user_factory(email="ada@example.com", first_name="Ada")

        client.post(reverse("account_request_login_code"), {"email": "ada@example.com"})

        (message,) = mail.outbox
        assert message.subject == "Your sign-in code"
        assert message.body.startswith(f"{self.brand()}\n\nHello,\n")
        assert "Type it on the page" in message.body

    def test_an_unknown_address_is_told_to_ask_for_an_invitation_not_to_sign_up(
        self, client, home
    ):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

        assert len(mail.outbox) == 1
        for message in mail.outbox:
            assert message.to == ["nobody@example.com"]
            assert message.subject == "No account for this address"
            assert "ask them for an invitation" in message.body
            assert "sign up" not in message.body.lower()
            assert "Hello,\n" in message.body


class TestInvitations:
    def invite(self, person, **options):
        invitations.invite([person], **options)
        (message,) = delivered()
        return message

    def test_the_last_day_of_the_link_is_the_persons_own(self, home):
        """West and east of UTC, one of the two falls on another day than UTC's at any hour."""
        from zoneinfo import ZoneInfo

        from journeys.models import Profile

        people = {}
        for zone in ("Pacific/Honolulu", "Pacific/Kiritimati"):
            person = get_user_model().objects.create_user(email=f"{zone[8:].lower()}@example.com")
            Profile.objects.create(user=person, time_zone=zone)
            people[person.email] = zone
        invitations.invite(list(get_user_model().objects.filter(email__in=people)))

        for message in delivered():
            (email,) = message.to
            expires = Invitation.objects.get(user__email=email).expires_at
            last_day = timezone.localdate(expires, ZoneInfo(people[email]))
            assert f"until {last_day.day} {last_day:%B %Y}." in message.body, people[email]

    def test_the_email_says_who_invited_them_to_what_and_the_link_lets_them_choose_a_password(
        self, client, home, invited, user_factory
    ):
        admin = user_factory(email="lead@example.com", first_name="Priya", last_name="Shah")
        program = ProgramPageFactory(parent=home, title="Growing leaders")
        message = self.invite(invited, invited_by=admin, program=program)

        assert "Priya Shah invited you to Growing leaders." in message.body
        assert "Growing leaders" in message.subject and "\n" not in message.subject
        expires = Invitation.objects.get(user=invited).expires_at.date()
        written_out = f"until {expires.day} {expires:%B %Y}."
        assert written_out in message.body
        assert written_out in message.alternatives[0][0]
        page = client.get(invitation_link(message))
        assert page.status_code == 200
        assert "Priya Shah invited you to Growing leaders." in page.content.decode()

        response = client.post(
            invitation_link(message),
            {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("journeys:my_mentoring")
        assert client.session["_auth_user_id"] == str(invited.pk)
        # Still signed in on the next request: the session matches the new password.
        assert client.get(reverse("journeys:my_mentoring")).status_code == 200
        invited.refresh_from_db()
        assert invited.check_password("a brand new secret 42")

    def test_a_link_works_once(self, client, invited):
        link = invitation_link(self.invite(invited))
        data = {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"}
        assert client.post(link, data).status_code == 302
        client.logout()

        again = client.get(link)

        assert again.status_code == 200
        html = again.content.decode()
        assert "This invitation has been used" in html
        assert f'action="{reverse("account_reset_password")}"' in html
        assert (
            client.post(link, {**data, "new_password1": "x", "new_password2": "x"}).status_code
            == 200
        )
        invited.refresh_from_db()
        assert invited.check_password("a brand new secret 42")

    def test_signing_in_with_a_code_uses_the_invitation_up_too(self, client, invited):
        link = invitation_link(self.invite(invited))
        client.force_login(invited)
        client.logout()

        assert "This invitation has been used" in client.get(link).content.decode()

    def test_an_expired_link_says_so_and_offers_a_fresh_one(self, client, invited):
        link = invitation_link(self.invite(invited))
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

        page = client.get(link)

        assert page.status_code == 200
        assert "This invitation has expired" in page.content.decode()
        client.post(reverse("account_reset_password"), {"email": invited.email})
        (fresh,) = delivered()
        assert invitation_link(fresh) != link
        assert client.get(invitation_link(fresh)).status_code == 200
        assert "Choose a password" in client.get(invitation_link(fresh)).content.decode()

    def test_the_page_title_names_what_is_wrong_with_the_link(self, client, invited):
        link = invitation_link(self.invite(invited))
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        expired = client.get(link).content.decode()
        made_up = client.get(reverse("invitation", args=["nonsense"])).content.decode()

        assert "<title>This invitation has expired ·" in expired
        assert "<title>This link does not work ·" in made_up

    def test_a_fresh_invitation_replaces_the_earlier_one(self, client, invited):
        first = invitation_link(self.invite(invited))
        second = invitation_link(self.invite(invited))

        assert "This invitation has been used" in client.get(first).content.decode()
        assert "Choose a password" in client.get(second).content.decode()

    def test_a_link_sent_to_an_address_since_corrected_no_longer_works(
        self, client, admin_client, invited
    ):
        link = invitation_link(self.invite(invited))
        corrected = admin_client.post(
            reverse("wagtailusers_users:edit", args=[invited.pk]),
            {
                "email": "noor.haddad@example.com",
                "first_name": "Noor",
                "last_name": "Haddad",
                "password1": "",
                "password2": "",
                "is_active": "on",
                "is_superuser": "",
            },
        )
        assert corrected.status_code == 302

        page = client.get(link)
        posted = client.post(
            link,
            {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
        )

        assert "This link does not work" in page.content.decode()
        assert 'name="new_password1"' not in page.content.decode()
        assert posted.status_code == 200
        assert "_auth_user_id" not in client.session
        invited.refresh_from_db()
        assert not invited.has_usable_password()
        # The corrected address asks for a fresh link and gets one that works.
        client.post(reverse("account_reset_password"), {"email": "noor.haddad@example.com"})
        (fresh,) = delivered()
        assert fresh.to == ["noor.haddad@example.com"]
        assert "Choose a password" in client.get(invitation_link(fresh)).content.decode()

    def test_a_link_sent_before_addresses_were_recorded_keeps_working(self, client, invited):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        link = invitation_link(self.invite(invited))
        Invitation.objects.update(email="")
        assert "This link does not work" in client.get(link).content.decode()
        name = ("cms", "0009_invitation_email")
        loader = MigrationExecutor(connection).loader
        operation = loader.get_migration(*name).operations[1]

        operation.code(loader.project_state(name).apps, connection.schema_editor())

        assert Invitation.objects.get().email == "newcomer@example.com"
        assert "Choose a password" in client.get(link).content.decode()

    @pytest.mark.parametrize("token", ["nonsense", "MQ:1abcde:forged"])
    def test_a_made_up_link_says_so_without_an_error_page(self, client, home, token):
        page = client.get(reverse("invitation", args=[token]))

        assert page.status_code == 200
        assert "This link does not work" in page.content.decode()

    def test_people_who_can_already_sign_in_are_not_invited(self, user_factory, invited):
        has_password = user_factory(email="ada@example.com")
        signed_in_before = get_user_model().objects.create_user(email="code@example.com")
        signed_in_before.last_login = timezone.now()
        signed_in_before.save()
        inactive = get_user_model().objects.create_user(email="gone@example.com", is_active=False)

        made = invitations.invite([has_password, signed_in_before, inactive, invited])

        assert [i.user for i in made] == [invited]
        assert OutboxEmail.objects.count() == 1


class TestSignedOutLinks:
    def test_a_member_link_sends_a_signed_out_person_to_sign_in_and_back(self, client, home):
        url = reverse("journeys:journey", args=["0f8fad5b-d9cb-469f-a165-70867728950e"])

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"

    def test_a_made_up_journey_and_a_real_one_look_the_same_signed_out(
        self, client, home, user_factory
    ):
        program = ProgramPageFactory(parent=home, title="Growing leaders")
        template = JourneyPageFactory(parent=program, title="First year together")
        journey = start_journey(
            program,
            [
                (user_factory(email="mentor@example.com"), MemberRole.MENTOR),
                (user_factory(email="mentee@example.com"), MemberRole.MENTEE),
            ],
            started_on=timezone.localdate(),
            template=template,
        )
        made_up = "0f8fad5b-d9cb-469f-a165-70867728950e"
        answers = []
        for uuid in (journey.uuid, made_up):
            for name in ("journeys:journey", "journeys:journey_calendar", "journeys:set_goal"):
                url = reverse(name, args=[uuid])
                response = client.get(url)
                answers.append(
                    (response.status_code, response["Location"].replace(str(uuid), "ID"))
                )

        assert answers[:3] == answers[3:]
        assert all(status == 302 for status, _ in answers)
        assert answers[0][1] == f"{reverse('account_login')}?next=/my/journeys/ID/"


@pytest.mark.parametrize(
    "name",
    [
        "account_change_password",
        "mfa_index",
        "mfa_activate_totp",
        "usersessions_list",
        "account_reauthenticate",
    ],
)
def test_every_account_page_of_a_signed_in_person_renders_in_the_sites_frame(
    client, home, user_factory, name
):
    client.force_login(user_factory(email="ada@example.com"))

    response = client.get(reverse(name), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html and html.count("<h1") == 1
    assert "&lt;" not in html
    assert_in_the_account_column(html)


def test_nobody_changes_their_own_address(client, home, user_factory):
    """The address is the organisation's: admins change it under Settings → Users."""
    user = user_factory(email="ada@example.com")
    client.force_login(user)

    page = client.get(reverse("account_email"))
    added = client.post(reverse("account_email"), {"action_add": "", "email": "x@erased.invalid"})
    made_primary = client.post(
        reverse("account_email"), {"action_primary": "", "email": "x@erased.invalid"}
    )

    assert page.status_code == added.status_code == made_primary.status_code == 404
    user.refresh_from_db()
    assert user.email == "ada@example.com" and not user.is_erased


def assert_in_the_account_column(html):
    """The page's heading sits in the narrow column account pages share, inside main."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    column = main.index('class="container container--narrow account-page"')
    assert column < main.index("<h1")


@pytest.mark.parametrize(
    "name", ["account_login", "account_request_login_code", "account_reset_password"]
)
def test_every_account_page_of_a_signed_out_person_renders_in_the_sites_frame(client, home, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html and html.count("<h1") == 1
    assert_in_the_account_column(html)


def test_an_invitation_on_a_single_sign_on_domain_points_there_and_sets_no_password(
    client, home, settings
):
    settings.SSO_DOMAINS = ["sso.example.com"]
    settings.SSO_REQUIRED_DOMAINS = ["sso.example.com"]
    person = get_user_model().objects.create_user(email="noor@sso.example.com")
    (invitation,) = invitations.invite([person])
    link = invitations.link_path(invitation.pk)

    page = client.get(link)
    posted = client.post(
        link, {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"}
    )

    assert "single sign-on" in page.content.decode()
    assert 'name="new_password1"' not in page.content.decode()
    assert posted.status_code == 200
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert "_auth_user_id" not in client.session
