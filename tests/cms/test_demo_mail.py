"""The demo's mailbox: each email a file of its own, readable as the email it is."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

from cms.demo.mail import file_name

BACKEND = "cms.demo.mail.EmailBackend"


def connection(folder, **options):
    return get_connection(BACKEND, file_path=folder, **options)


def read(path):
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def test_each_message_becomes_a_file_of_its_own(tmp_path):
    invitation = EmailMultiAlternatives(
        subject="You are invited to Grow Together",
        body="Open this link: http://127.0.0.1:8123/accounts/invitation/abc/",
        to=["megan.lloyd@harbourline-demo.example"],
    )
    invitation.attach_alternative("<p>Open <a href='http://x/'>this link</a></p>", "text/html")
    reminder = EmailMessage(subject="Your next step", body="Hello", to=["jo@example.com"])

    sent = connection(tmp_path).send_messages([invitation, reminder])

    assert sent == 2
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2
    by_recipient = {read(path)["To"]: path for path in files}
    first = by_recipient["megan.lloyd@harbourline-demo.example"]
    assert first.suffix == ".eml"
    assert "megan.lloyd@harbourline-demo.example-you-are-invited-to-grow-together" in first.name
    message = read(first)
    assert message["Subject"] == "You are invited to Grow Together"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "http://127.0.0.1:8123/accounts/invitation/abc/" in text
    assert "this link" in message.get_body(preferencelist=("html",)).get_content()


def test_the_folder_is_made_when_the_first_email_arrives(tmp_path):
    folder = tmp_path / "demo-mail"

    connection(folder).send_messages([EmailMessage("Hi", "Hello", to=["a@example.com"])])

    assert len(list(folder.iterdir())) == 1


def test_a_message_for_nobody_is_not_written(tmp_path):
    assert connection(tmp_path).send_messages([EmailMessage("Hi", "Hello", to=[])]) == 0
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_an_error_unless_told_to_be_silent(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    message = EmailMessage("Hi", "Hello", to=["a@example.com"])

    with pytest.raises(OSError):
        connection(blocked).send_messages([message])
    assert connection(blocked, fail_silently=True).send_messages([message]) == 0


def test_names_sort_in_the_order_the_emails_were_written():
    message = EmailMessage("Hi", "Hello", to=["zed@example.com"])
    later = EmailMessage("Hi", "Hello", to=["abe@example.com"])

    first = file_name(message, datetime(2025, 3, 14, 9, 30, 0, 5, tzinfo=UTC))
    second = file_name(later, datetime(2025, 3, 14, 9, 30, 0, 6, tzinfo=UTC))

    assert sorted([second, first]) == [first, second]
    assert first.startswith("20250314-093000-000005-zed@example.com-hi-")


def test_names_keep_only_safe_characters():
    message = EmailMessage("../../etc: a subject / with slashes", "x", to=["a/b@example.com"])

    name = file_name(message, datetime(2025, 3, 14, tzinfo=UTC))

    assert "/" not in name
    assert name.startswith("20250314-000000-000000-a_b@example.com-etc-a-subject-with-slashes-")
