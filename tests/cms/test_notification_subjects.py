"""Wagtail's review emails: every subject on one line, whatever a title holds."""

from pathlib import Path

import pytest
import wagtail
from django.template.loader import render_to_string
from wagtail.models import Page, Task, Workflow

from content.factories import LeaderProfileFactory

WAGTAIL_NOTIFICATIONS = (
    Path(wagtail.__file__).parent / "admin/templates/wagtailadmin/notifications"
)
SUBJECTS = sorted(path.name for path in WAGTAIL_NOTIFICATIONS.glob("*_subject.txt"))
# Wagtail sends these about snippets too (the leader profile is one); the rest, only pages.
FOR_SNIPPETS = [
    name for name in SUBJECTS if "latest_str object" in (WAGTAIL_NOTIFICATIONS / name).read_text()
]
BROKEN_TITLE = "My first manager\nBcc: someone@example.com\r\u2028=1+1"


def test_wagtail_still_has_the_subjects_this_test_reads():
    assert len(SUBJECTS) >= 9, SUBJECTS
    assert len(FOR_SNIPPETS) >= 6, FOR_SNIPPETS


@pytest.mark.parametrize(
    ("name", "about"),
    [(name, "page") for name in SUBJECTS] + [(name, "snippet") for name in FOR_SNIPPETS],
)
def test_every_review_email_subject_is_one_line(name, about, home, user_factory):
    """Wagtail puts a title straight into a subject; a line break there would make
    Django refuse the email, and the reviewer would never hear of the page."""
    page = home.add_child(instance=Page(title=BROKEN_TITLE, slug="broken"))
    profile = LeaderProfileFactory(name=BROKEN_TITLE)
    editor = user_factory(email="ed@example.com", first_name="Ed\nBcc:", last_name="Itor")
    subject_of = {"page": page, "snippet": profile}[about]
    context = {
        "page": page if about == "page" else None,
        "object": subject_of,
        "revision": subject_of.save_revision(clean=False),  # stored before titles were checked
        "model_name": "leader profile",
        "task": Task(name="Review\nby Communications"),
        "workflow": Workflow(name="Story\nreview"),
        "editor": editor,
    }

    subject = render_to_string(f"wagtailadmin/notifications/{name}", context).strip()

    assert "My first manager Bcc: someone@example.com =1+1" in subject
    assert not any(char in subject for char in "\n\r\u2028\u2029"), subject
