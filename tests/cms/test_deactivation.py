"""Deactivating an account: signed out, waiting enrolments withdrawn, partners told once."""

import pytest
from django.core import mail
from django.urls import reverse

from journeys.models import EmailStatus, JourneyStatus, MemberRole, OutboxEmail
from journeys.services.outbox import deliver_due
from journeys.services.starting import start_journey
from matching.models import Enrollment, EnrollmentStatus, MentorRequest, RequestStatus

pytestmark = pytest.mark.django_db


def deactivate(user):
    user.is_active = False
    user.save()


def partner_emails():
    return OutboxEmail.objects.filter(template="cms/emails/partner_left")


def test_a_signed_in_person_is_sent_to_sign_in_on_their_next_request(journey, mentee, client):
    client.force_login(mentee)
    assert client.get(reverse("journeys:my_mentoring")).status_code == 200

    deactivate(mentee)

    response = client.get(reverse("journeys:my_mentoring"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_waiting_enrolments_are_withdrawn_and_matched_ones_kept(program, mentee, home, mentor):
    from journeys.factories import ProgramPageFactory

    other = ProgramPageFactory(parent=home, title="Reverse mentoring")
    matched = Enrollment.objects.create(
        program=program, user=mentee, status=EnrollmentStatus.MATCHED
    )
    waiting = Enrollment.objects.create(program=other, user=mentee)
    mentors = Enrollment.objects.create(program=other, user=mentor, role="mentor")
    request = MentorRequest.objects.create(program=other, mentee=waiting, mentor=mentors)

    deactivate(mentee)

    waiting.refresh_from_db()
    matched.refresh_from_db()
    request.refresh_from_db()
    assert waiting.status == EnrollmentStatus.WITHDRAWN
    assert matched.status == EnrollmentStatus.MATCHED
    assert request.status == RequestStatus.WITHDRAWN


def test_each_partner_is_told_once_in_plain_words(program, template, mentee, user_factory):
    mentor = user_factory(email="mentor@example.com", first_name="Mira", last_name="Okafor")
    other = user_factory(email="other@example.com", first_name="Ola", last_name="Berg")
    start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MEMBER), (other, MemberRole.MEMBER)],
        started_on=template.first_published_at.date(),
        template=template,
    )

    deactivate(mentee)
    mentee.save()  # saved again while inactive: nothing new happens

    emails = list(partner_emails().order_by("recipient_id"))
    assert [e.recipient_id for e in emails] == [mentor.pk, other.pk]
    assert {e.subject for e in emails} == {"Growing leaders: Ezra Quill is no longer taking part"}
    deliver_due()
    assert len(mail.outbox) == 2
    body = mail.outbox[0].body
    assert "Ezra Quill is no longer taking part in Growing leaders." in body
    assert "your program admin will be in touch" in body
    assert "ask them for a new match" in body
    assert "Your circle carries on" in body


def test_partners_in_finished_journeys_hear_nothing(journey, mentee):
    journey.status = JourneyStatus.COMPLETED
    journey.save()

    deactivate(mentee)

    assert not partner_emails().exists()


def test_an_account_saved_active_or_created_inactive_tells_nobody(journey, mentee, user_factory):
    mentee.first_name = "Ez"
    mentee.save()
    user_factory(email="new@example.com", is_active=False)

    assert not partner_emails().exists()


def test_the_email_is_written_in_the_deactivating_transaction(journey, mentee, mentor):
    deactivate(mentee)

    (email,) = partner_emails()
    assert email.recipient_id == mentor.pk
    assert email.status == EmailStatus.PENDING
    assert email.journey_id == journey.pk


def test_an_admin_unticking_active_deactivates(journey, mentee, mentor, client, superuser):
    client.force_login(superuser)
    url = reverse("wagtailusers_users:edit", args=[mentee.pk])
    form = client.get(url).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and not isinstance(value, list | bool)
    }
    data.update({"email": mentee.email, "first_name": "Ezra", "last_name": "Quill"})
    data.pop("is_active", None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    mentee.refresh_from_db()
    assert not mentee.is_active
    assert list(partner_emails().values_list("recipient_id", flat=True)) == [mentor.pk]


def test_their_messages_stay_for_the_partner_and_no_email_reaches_them(
    journey, mentee, mentor, client
):
    from journeys.services import conversation

    conversation.post_message(journey, mentee, "Thank you for everything")
    deactivate(mentee)
    conversation.post_message(journey, mentor, "Take care")

    client.force_login(mentor)
    page = client.get(reverse("journeys:conversation", args=[journey.uuid]))
    assert "Thank you for everything" in page.content.decode()
    deliver_due()
    assert all(message.to != [mentee.email] for message in mail.outbox)
    assert not OutboxEmail.objects.filter(
        template=conversation.NEW_MESSAGE_EMAIL, recipient=mentee
    ).exists()


def test_meetings_ahead_are_cancelled_and_the_partner_gets_a_calendar_cancellation(
    journey, mentee, mentor
):
    import datetime

    import icalendar
    from django.utils import timezone

    from journeys.models import PlannedMeeting
    from journeys.services import meetings

    now = timezone.now()
    agreed = meetings.propose(
        journey,
        mentor,
        options=[now + datetime.timedelta(days=2)],
        duration_minutes=30,
        place="Room 4",
        video_link="",
        agenda="",
        now=now,
    )
    meetings.accept(agreed, mentee, now + datetime.timedelta(days=2), now)
    proposal = meetings.propose(
        journey,
        mentor,
        options=[now + datetime.timedelta(days=5)],
        duration_minutes=30,
        place="Room 4",
        video_link="",
        agenda="",
        now=now,
    )
    deliver_due()
    mail.outbox.clear()

    deactivate(mentee)

    assert set(PlannedMeeting.objects.values_list("status", flat=True)) == {"cancelled"}
    agreed.refresh_from_db()
    proposal.refresh_from_db()
    assert (agreed.sequence, proposal.sequence) == (1, 0)
    deliver_due()
    to_mentor = [m for m in mail.outbox if m.to == [mentor.email]]
    assert len(to_mentor) == 2  # the cancellation, and that the mentee is no longer taking part
    [cancel] = [m for m in to_mentor if any("calendar" in t for _c, t in m.alternatives)]
    assert "no longer taking part" in cancel.body
    calendar = next(c for c, t in cancel.alternatives if t.startswith("text/calendar"))
    parsed = icalendar.Calendar.from_ical(calendar)
    assert str(parsed["METHOD"]) == "CANCEL"
    assert parsed.walk("VEVENT")[0]["SEQUENCE"] == 1
    assert not [m for m in mail.outbox if m.to == [mentee.email]]
