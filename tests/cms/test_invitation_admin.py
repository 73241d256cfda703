"""Admins see who never signed in, resend invitations, and invite the people they add."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from cms.models import Invitation
from journeys.factories import JourneyPageFactory, ProgramPageFactory
from journeys.models import MemberRole, OutboxEmail
from journeys.services.starting import start_journey
from matching.factories import EnrollmentFactory


@pytest.fixture
def admin(admin_client):
    return admin_client


@pytest.fixture
def people(db, home, user_factory):
    User = get_user_model()
    newcomer = User.objects.create_user(email="newcomer@example.com", first_name="Noor")
    regular = user_factory(email="regular@example.com", first_name="Rita")
    regular.last_login = timezone.now()
    regular.save()
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    template = JourneyPageFactory(parent=program, title="First year together")
    journey = start_journey(
        program,
        [(regular, MemberRole.MENTOR), (newcomer, MemberRole.MENTEE)],
        started_on=timezone.localdate(),
        template=template,
    )
    enrolments = [
        EnrollmentFactory(program=program, user=newcomer),
        EnrollmentFactory(program=program, user=regular),
    ]
    return {
        "newcomer": newcomer,
        "regular": regular,
        "program": program,
        "journey": journey,
        "enrolments": enrolments,
    }


def test_the_journeys_listing_names_the_members_who_never_signed_in(admin, people):
    html = admin.get(reverse("journeys_admin:index")).content.decode()

    assert "Never signed in" in html
    assert "Noor" in html.split("Never signed in", 1)[1]


def test_the_enrolments_listing_shows_when_each_person_last_signed_in(admin, people):
    html = admin.get(reverse("matching_enrolments:index")).content.decode()

    assert "Last signed in" in html
    assert "Never" in html
    assert timezone.localtime(people["regular"].last_login).strftime("%-d %b %Y") in html


@pytest.mark.parametrize("listing", ["journeys", "enrolments"])
def test_resending_from_a_listing_invites_only_who_still_needs_it(admin, people, listing):
    if listing == "journeys":
        app, model, ids = "journeys", "journey", [people["journey"].pk]
    else:
        app, model, ids = "matching", "enrollment", [e.pk for e in people["enrolments"]]
    url = (
        reverse("wagtail_bulk_action", args=[app, model, "resend_invitations"])
        + "?"
        + "&".join(f"id={i}" for i in ids)
        + "&next=/admin/"
    )

    confirm = admin.get(url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "newcomer@example.com" in html
    assert "1 person will get a fresh invitation" in html

    done = admin.post(url)

    assert done.status_code == 302
    (invitation,) = Invitation.objects.all()
    assert invitation.user == people["newcomer"]
    assert invitation.program == people["program"]
    assert OutboxEmail.objects.filter(recipient=people["newcomer"]).count() == 1
    assert not OutboxEmail.objects.filter(recipient=people["regular"]).exists()

    # Asked again, nobody needs one any more (the invitation is sent): the page says so.
    people["newcomer"].last_login = people["newcomer"].date_joined
    people["newcomer"].save()
    again = admin.get(url).content.decode()
    assert "Nobody here needs an invitation" in again
    assert "0 people will get" not in again
    assert "Yes, send the invitations" not in again


def test_a_participant_cannot_resend_invitations(client, people):
    client.force_login(people["regular"])
    url = (
        reverse("wagtail_bulk_action", args=["journeys", "journey", "resend_invitations"])
        + f"?id={people['journey'].pk}"
    )

    response = client.post(url)

    assert response.status_code in (302, 403)
    assert not Invitation.objects.exists()


def test_a_person_the_admin_adds_without_a_password_is_invited(admin, home):
    response = admin.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "added@example.com",
            "first_name": "Ade",
            "last_name": "Bello",
            "password1": "",
            "password2": "",
            "is_superuser": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    added = get_user_model().objects.get(email="added@example.com")
    assert not added.has_usable_password()
    (invitation,) = Invitation.objects.all()
    assert invitation.user == added and invitation.invited_by.is_superuser
    assert OutboxEmail.objects.filter(recipient=added, template="cms/emails/invitation").exists()


def test_adding_an_address_that_has_an_account_in_another_case_says_so(admin, home, people):
    response = admin.post(
        reverse("wagtailusers_users:add"),
        {
            "email": " Newcomer@Example.COM ",
            "first_name": "Noor",
            "last_name": "Again",
            "password1": "",
            "password2": "",
            "is_superuser": "",
        },
    )

    assert response.status_code == 200
    assert "User with this Email address already exists." in response.content.decode()
    assert get_user_model().objects.filter(email__iexact="newcomer@example.com").count() == 1
    assert not Invitation.objects.exists()


def test_changing_an_address_to_one_with_an_account_in_another_case_says_so(admin, people):
    regular = people["regular"]
    response = admin.post(
        reverse("wagtailusers_users:edit", args=[regular.pk]),
        {
            "email": "NEWCOMER@example.com",
            "first_name": "Rita",
            "last_name": "Rossi",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "is_superuser": "",
        },
    )

    assert response.status_code == 200
    assert "User with this Email address already exists." in response.content.decode()
    regular.refresh_from_db()
    assert regular.email == "regular@example.com"
