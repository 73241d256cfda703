"""The pair's conversation: members post and read it, change their own messages for a while,
and nobody else reaches any of it."""

import datetime
import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from journeys.exceptions import MessageLocked, NotAMember
from journeys.factories import JourneyPageFactory, milestone, step
from journeys.models import ConversationState, Journey, JourneyMember, MemberRole, Message
from journeys.services import conversation
from journeys.services.starting import start_journey
from tests import hostile

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
HOSTILE_MARKDOWN = "What I learnt:\n\n" + "[a) " * 3000


def visible_text(response):
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def field_errors(response, field_id):
    match = re.search(
        rf'<ul class="field__errors" id="{re.escape(field_id)}_errors">(.*?)</ul>',
        response.content.decode(),
        flags=re.S,
    )
    assert match, f"no errors shown next to {field_id}"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.fixture
def template(program):
    return JourneyPageFactory(
        parent=program,
        title="Growing together",
        milestones=[milestone("Getting started", "start", [step("checklist")], block_id="m1")],
    )


@pytest.fixture
def journey(program, template, pair):
    mentor, mentee = pair
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY() - datetime.timedelta(days=3),
        template=template,
    )


@pytest.fixture
def mentor(pair):
    return pair[0]


@pytest.fixture
def mentee(pair):
    return pair[1]


def unread(user, journey):
    return (
        conversation.with_unread_counts(Journey.objects.filter(pk=journey.pk), user).get().unread
    )


def url(name, journey, *args):
    return reverse(f"journeys:{name}", args=[journey.uuid, *args])


def post(client, journey, text, **extra):
    return client.post(url("conversation", journey), {"text": text, **extra})


# Posting and reading ---------------------------------------------------------------------


def test_a_member_posts_a_message_and_both_read_it_newest_last(client, journey, mentor, mentee):
    client.force_login(mentee)
    response = post(client, journey, "Hello, looking forward to **Thursday**.")
    first = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("conversation", journey) + f"#message-{first.uuid}"
    client.force_login(mentor)
    post(client, journey, "Me too. See you at ten.")

    page = client.get(url("conversation", journey))
    assert page.status_code == 200
    text = visible_text(page)
    assert text.index("Hello, looking forward to") < text.index("See you at ten")
    assert "<strong>Thursday</strong>" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")


def test_message_times_read_in_each_persons_own_time_zone(client, journey, mentor, mentee):
    from journeys.models import Profile

    Profile.objects.update_or_create(user=mentee, defaults={"time_zone": "Europe/Amsterdam"})
    Profile.objects.update_or_create(user=mentor, defaults={"time_zone": "America/New_York"})
    sent = datetime.datetime(2026, 12, 7, 2, 4, tzinfo=datetime.UTC)
    conversation.post_message(journey, mentor, "Morning!", now=sent)

    client.force_login(mentee)
    for page in (url("conversation", journey), url("journey", journey)):
        assert "7 December, 03:04" in visible_text(client.get(page)), page
    rows = client.get(url("conversation_messages", journey)).json()["messages"]
    assert "7 December, 03:04" in rows[0]["html"]

    client.force_login(mentor)
    assert "6 December, 21:04" in visible_text(client.get(url("conversation", journey)))


def test_reporting_and_a_late_delete_say_times_in_the_persons_own_time_zone(
    client, program, journey, mentor, mentee
):
    from journeys.models import Profile

    program.allow_message_reports = True
    program.save_revision().publish()
    Profile.objects.update_or_create(user=mentee, defaults={"time_zone": "Europe/Amsterdam"})
    sent = datetime.datetime(2026, 12, 7, 2, 4, tzinfo=datetime.UTC)
    theirs = conversation.post_message(journey, mentor, "Morning!", now=sent)
    own = conversation.post_message(journey, mentee, "Hello", now=sent)

    client.force_login(mentee)
    report_page = client.get(url("report_message", journey, theirs.uuid))
    late_delete = client.post(url("delete_message", journey, own.uuid), follow=True)

    assert "7 December, 03:04" in visible_text(report_page)
    assert "This one was sent at 03:04, 7 December" in visible_text(late_delete)


def test_the_journey_page_shows_the_latest_messages_and_posts_back_to_itself(
    client, journey, mentee
):
    client.force_login(mentee)
    for n in range(7):
        conversation.post_message(journey, mentee, f"Note number {n}")

    page = client.get(url("journey", journey))
    text = visible_text(page)
    assert "Note number 6" in text and "Note number 2" in text
    assert "Note number 1" not in text
    assert "Earlier messages" in text

    response = post(client, journey, "From the journey page", origin="journey")
    message = Message.objects.get(text="From the journey page")
    assert response["Location"] == url("journey", journey) + f"#message-{message.uuid}"


def test_the_conversation_page_offers_earlier_messages_in_pages(client, journey, mentee):
    for n in range(conversation.PAGE_SIZE + 3):
        conversation.post_message(journey, mentee, f"Line {n:03d}")
    client.force_login(mentee)

    latest = client.get(url("conversation", journey))
    assert "Line 002" not in visible_text(latest)
    assert f"Line {conversation.PAGE_SIZE + 2:03d}" in visible_text(latest)
    earlier = re.search(r'href="([^"]*\?before=[^"]+)"', latest.content.decode()).group(1)

    older = client.get(unescape(earlier))
    text = visible_text(older)
    assert "Line 000" in text and "Line 002" in text
    assert "Line 003" not in text
    assert "Later messages" in text


def test_hostile_markdown_is_shown_harmless_on_every_page_and_in_the_json(
    client, journey, mentor, mentee
):
    conversation.post_message(journey, mentee, hostile.HOSTILE_MARKDOWN)
    client.force_login(mentor)
    for page in (url("conversation", journey), url("journey", journey)):
        response = client.get(page)
        hostile.assert_neutralised(response.content.decode())
        assert "alert(" in visible_text(response)  # shown as text, not run
    data = client.get(url("conversation_messages", journey)).json()
    (message,) = data["messages"]
    hostile.assert_neutralised(message["html"])
    assert "<script>" not in message["html"]


def test_a_message_over_the_limit_is_refused_next_to_the_field_and_nothing_is_kept(
    client, journey, mentee
):
    client.force_login(mentee)
    response = post(client, journey, "a" * 4001)
    assert response.status_code == 400
    assert "at most 4000 characters" in field_errors(response, "message-text")
    assert not Message.objects.exists()

    with pytest.raises(ValidationError) as refused:
        conversation.post_message(journey, mentee, "b" * 4001)
    assert "4,000" in refused.value.message_dict["text"][0]


def test_markdown_the_sanitiser_would_not_show_in_full_is_refused(client, journey, mentee):
    client.force_login(mentee)
    response = post(client, journey, HOSTILE_MARKDOWN)
    assert response.status_code == 400
    assert "never closed" in field_errors(response, "message-text")
    assert not Message.objects.exists()

    from_journey = post(client, journey, HOSTILE_MARKDOWN, origin="journey")
    assert from_journey.status_code == 400
    assert "Your milestones" in visible_text(from_journey)
    assert "never closed" in field_errors(from_journey, "message-text")


def test_a_blank_message_is_refused(client, journey, mentee):
    client.force_login(mentee)
    response = post(client, journey, "   \n  ")
    assert response.status_code == 400
    assert "Write your message first." in field_errors(response, "message-text")


def test_posting_with_javascript_answers_json_and_the_poll_brings_the_new_ones(
    client, journey, mentor, mentee
):
    client.force_login(mentee)
    response = client.post(
        url("conversation", journey), {"text": "Sent *quietly*"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    first = Message.objects.get()
    assert response.json() == {"status": "posted", "uuid": str(first.uuid)}

    refused = client.post(
        url("conversation", journey), {"text": ""}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == "Write your message first."

    conversation.post_message(journey, mentor, "A reply")
    data = client.get(url("conversation_messages", journey), {"after": str(first.uuid)}).json()
    assert data["replace"] is False
    (reply,) = data["messages"]
    assert "A reply" in reply["html"]
    assert reply["uuid"] == str(Message.objects.get(text="A reply").uuid)

    everything = client.get(url("conversation_messages", journey)).json()
    assert everything["replace"] is True
    assert "<em>quietly</em>" in everything["messages"][0]["html"]


def test_reading_moves_the_readers_place_and_unread_counts_show_on_my_mentoring(
    client, journey, mentor, mentee
):
    conversation.post_message(journey, mentor, "One")
    conversation.post_message(journey, mentor, "Two")
    conversation.post_message(journey, mentee, "Mine is never unread to me")
    conversation.post_message(journey, mentor, "Three")
    client.force_login(mentee)
    assert "2 unread messages" not in visible_text(client.get(reverse("journeys:my_mentoring")))
    assert unread(mentee, journey) == 1

    client.get(url("conversation", journey))
    assert unread(mentee, journey) == 0
    assert "unread" not in visible_text(client.get(reverse("journeys:my_mentoring")))

    conversation.post_message(journey, mentor, "Four")
    conversation.post_message(journey, mentor, "Five")
    assert "2 unread messages" in visible_text(client.get(reverse("journeys:my_mentoring")))
    # Deleted messages are not unread.
    conversation.delete_message(journey, mentor, Message.objects.get(text="Five").uuid)
    assert "1 unread message" in visible_text(client.get(reverse("journeys:my_mentoring")))


def test_the_journey_page_marks_read_only_when_every_unread_message_is_shown(
    client, journey, mentor, mentee
):
    for n in range(conversation.LATEST_ON_JOURNEY + 2):
        conversation.post_message(journey, mentor, f"Message {n}")
    client.force_login(mentee)
    client.get(url("journey", journey))
    assert unread(mentee, journey) == conversation.LATEST_ON_JOURNEY + 2
    client.get(url("conversation", journey))
    conversation.post_message(journey, mentor, "Just one more")
    client.get(url("journey", journey))
    assert unread(mentee, journey) == 0


def test_my_mentoring_counts_unread_messages_in_one_query_for_any_number_of_journeys(
    client, program, template, user_factory, django_assert_max_num_queries
):
    mentee = user_factory()

    def journey_with_messages():
        mentor = user_factory()
        journey = start_journey(
            program, [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], TODAY(), template
        )
        conversation.post_message(journey, mentor, "Hello")
        return journey

    journey_with_messages()
    client.force_login(mentee)
    client.get(reverse("journeys:my_mentoring"))
    with django_assert_max_num_queries(13) as one:
        client.get(reverse("journeys:my_mentoring"))
    for _ in range(4):
        journey_with_messages()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("journeys:my_mentoring"))
    assert visible_text(response).count("1 unread message") == 5


def test_the_journey_and_conversation_pages_cost_the_same_queries_for_few_or_many_messages(
    client, journey, mentor, mentee, django_assert_max_num_queries
):
    conversation.post_message(journey, mentor, "Just one")
    client.force_login(mentee)

    def count(target):
        client.get(target)
        with django_assert_max_num_queries(60) as captured:
            assert client.get(target).status_code == 200
        return len(captured.captured_queries)

    few = {name: count(url(name, journey)) for name in ("journey", "conversation")}
    for n in range(30):
        conversation.post_message(journey, mentor if n % 2 else mentee, f"Message {n}")
    many = {name: count(url(name, journey)) for name in ("journey", "conversation")}
    assert few == many


# Changing one's own message ---------------------------------------------------------------


def test_the_author_edits_their_message_within_fifteen_minutes(journey, mentee):
    sent = timezone.now() - datetime.timedelta(minutes=20)
    message = conversation.post_message(journey, mentee, "Frist draft", now=sent)

    edited = conversation.edit_message(
        journey, mentee, message.uuid, "First draft", now=sent + datetime.timedelta(minutes=14)
    )
    assert edited.text == "First draft"
    assert edited.edited_at == sent + datetime.timedelta(minutes=14)

    with pytest.raises(MessageLocked, match="15 minutes"):
        conversation.edit_message(
            journey, mentee, message.uuid, "Too late", now=sent + datetime.timedelta(minutes=16)
        )
    with pytest.raises(MessageLocked, match="15 minutes"):
        conversation.delete_message(
            journey, mentee, message.uuid, now=sent + datetime.timedelta(minutes=16)
        )
    message.refresh_from_db()
    assert message.text == "First draft"
    assert message.deleted_at is None


def test_the_author_deletes_their_message_and_message_deleted_stays_in_its_place(
    client, journey, mentor, mentee
):
    message = conversation.post_message(journey, mentee, "Oops, wrong chat")
    client.force_login(mentee)
    response = client.post(url("delete_message", journey, message.uuid))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.text == ""
    assert message.deleted_at is not None

    client.force_login(mentor)
    text = visible_text(client.get(url("conversation", journey)))
    assert "Message deleted" in text
    assert "wrong chat" not in text


def test_editing_through_the_pages_then_the_window_closes_with_a_clear_message(
    client, journey, mentee
):
    message = conversation.post_message(journey, mentee, "Se you soon")
    client.force_login(mentee)
    form = client.get(url("edit_message", journey, message.uuid))
    assert form.status_code == 200
    assert "Se you soon" in form.content.decode()

    saved = client.post(url("edit_message", journey, message.uuid), {"text": "See you soon"})
    assert saved.status_code == 302
    shown = visible_text(client.get(url("conversation", journey)))
    assert "See you soon" in shown and "edited" in shown

    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    late = client.post(
        url("edit_message", journey, message.uuid), {"text": "Changed later"}, follow=True
    )
    assert "A message can be changed or deleted for 15 minutes after it is sent." in (
        visible_text(late)
    )
    late_delete = client.post(url("delete_message", journey, message.uuid), follow=True)
    assert "15 minutes" in visible_text(late_delete)
    message.refresh_from_db()
    assert message.text == "See you soon"
    assert message.deleted_at is None
    # No more link to change it.
    assert (
        url("edit_message", journey, message.uuid)
        not in client.get(url("conversation", journey)).content.decode()
    )


def test_an_edit_over_the_limit_is_refused_next_to_the_field(client, journey, mentee):
    message = conversation.post_message(journey, mentee, "Short")
    client.force_login(mentee)
    response = client.post(url("edit_message", journey, message.uuid), {"text": "x" * 4001})
    assert response.status_code == 400
    assert "at most 4000 characters" in field_errors(response, "edit-text")
    message.refresh_from_db()
    assert message.text == "Short"


def test_nobody_changes_someone_elses_message(client, journey, mentor, mentee):
    message = conversation.post_message(journey, mentee, "Mine")
    client.force_login(mentor)
    assert (
        url("edit_message", journey, message.uuid)
        not in client.get(url("conversation", journey)).content.decode()
    )
    edit = client.post(url("edit_message", journey, message.uuid), {"text": "Yours now"})
    delete = client.post(url("delete_message", journey, message.uuid))
    assert edit.status_code == delete.status_code == 302
    message.refresh_from_db()
    assert message.text == "Mine"
    assert message.deleted_at is None
    with pytest.raises(MessageLocked):
        conversation.delete_message(journey, mentor, message.uuid)


# Who reaches the conversation -----------------------------------------------------------


def every_conversation_request(journey, message):
    """(method, url, data) for every URL of the conversation."""
    return [
        ("get", url("conversation", journey), {}),
        ("post", url("conversation", journey), {"text": "Intruding"}),
        ("get", url("conversation_messages", journey), {}),
        ("get", url("edit_message", journey, message.uuid), {}),
        ("post", url("edit_message", journey, message.uuid), {"text": "Intruding"}),
        ("post", url("delete_message", journey, message.uuid), {}),
        ("get", url("report_message", journey, message.uuid), {}),
        ("post", url("report_message", journey, message.uuid), {"reason": "Intruding"}),
    ]


@pytest.fixture
def outsiders(program, template, journey, user_factory, mentee):
    """A stranger, a member of another journey, someone who left, and a superuser."""
    program.allow_message_reports = True
    program.save_revision().publish()
    other_pair = user_factory(), user_factory()
    start_journey(
        program,
        [(other_pair[0], MemberRole.MENTOR), (other_pair[1], MemberRole.MENTEE)],
        TODAY(),
        template,
    )
    former = user_factory()
    JourneyMember.objects.create(
        journey=journey,
        user=former,
        role=MemberRole.MEMBER,
        joined_on=TODAY() - datetime.timedelta(days=3),
        left_on=TODAY() - datetime.timedelta(days=1),
    )
    return {
        "stranger": user_factory(),
        "other journey": other_pair[0],
        "former member": former,
        "superuser": user_factory(is_superuser=True, is_staff=True),
        "program admin": user_factory(groups=["Program admins"]),
    }


def test_everyone_but_the_members_gets_404_on_every_conversation_url(
    client, journey, mentee, outsiders
):
    message = conversation.post_message(journey, mentee, "Only for us")
    for who, user in outsiders.items():
        client.force_login(user)
        for method, target, data in every_conversation_request(journey, message):
            response = getattr(client, method)(target, data)
            assert response.status_code == 404, (who, method, target, response.status_code)
    assert list(Message.objects.values_list("text", flat=True)) == ["Only for us"]
    assert not message.reports.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_conversation_url(
    client, journey, mentee
):
    message = conversation.post_message(journey, mentee, "Only for us")
    for method, target, _data in every_conversation_request(journey, message):
        response = getattr(client, method)(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_message_of_another_journey_is_not_found_through_this_one(
    client, program, template, journey, mentee, user_factory
):
    someone = user_factory()
    other = start_journey(
        program, [(someone, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)], TODAY(), template
    )
    theirs = conversation.post_message(other, someone, "In the other journey")
    client.force_login(mentee)
    for name in ("edit_message", "report_message"):
        assert client.get(url(name, journey, theirs.uuid)).status_code == 404
    assert client.post(url("delete_message", journey, theirs.uuid)).status_code == 404
    before = client.get(url("conversation", journey), {"before": str(theirs.uuid)})
    assert before.status_code == 404


def test_the_service_refuses_people_who_are_not_members(journey, user_factory):
    with pytest.raises(NotAMember):
        conversation.post_message(journey, user_factory(), "Hello")
    assert not Message.objects.exists()


def test_a_program_admin_sees_no_conversation_in_the_journeys_admin(
    client, journey, mentee, user_factory
):
    conversation.post_message(journey, mentee, "PRIVATE-MSG between us")
    conversation.post_message(journey, mentee, "PRIVATE-MSG again")
    client.force_login(user_factory(groups=["Program admins"]))
    response = client.get(reverse("journeys_admin:inspect", args=[journey.pk]))
    assert response.status_code == 200
    assert "PRIVATE-MSG" not in response.content.decode()
    assert "2 messages, 2 in the last 7 days" in visible_text(response)
    listing = client.get(reverse("journeys_admin:index"))
    assert "PRIVATE-MSG" not in listing.content.decode()


def test_posting_counts_as_the_journeys_activity(journey, mentee):
    journey.last_activity_on = None
    journey.save(update_fields=["last_activity_on"])
    conversation.post_message(journey, mentee, "Hello")
    journey.refresh_from_db()
    assert journey.last_activity_on == TODAY()
    assert journey.changed_at is not None


def test_a_message_sent_from_a_zone_a_day_ahead_counts_on_the_sites_day(
    client, settings, journey, mentee
):
    """The page shows times in the sender's zone; the journey's activity day stays the site's."""
    from zoneinfo import ZoneInfo

    from journeys.models import Profile

    settings.TIME_ZONE = "Pacific/Pago_Pago"
    Profile.objects.update_or_create(user=mentee, defaults={"time_zone": "Pacific/Kiritimati"})
    sites_today = timezone.localdate(timezone=ZoneInfo("Pacific/Pago_Pago"))
    journey.last_activity_on = None
    journey.save(update_fields=["last_activity_on"])
    client.force_login(mentee)

    assert post(client, journey, "Hello from tomorrow").status_code == 302

    journey.refresh_from_db()
    assert journey.last_activity_on == sites_today


def test_a_members_place_is_kept_per_membership(journey, mentor, mentee):
    conversation.post_message(journey, mentee, "One")
    state = ConversationState.objects.get(member__user=mentee)
    assert state.last_read_id == Message.objects.get().pk
    assert not ConversationState.objects.filter(member__user=mentor, last_read_id__gt=0).exists()
