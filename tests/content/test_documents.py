"""Documents in stories and materials: uploaded or chosen in the editor, downloaded by readers."""

import re
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.text import slugify
from wagtail.documents.models import Document
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.factories import LeaderProfileFactory
from content.models import LeaderStoryPage
from content.permissions import COMMUNICATIONS, SENIOR_LEADERS

pytestmark = pytest.mark.django_db

WORKSHEET = b"%PDF-1.4 goal-setting worksheet"
AUTHORS = [SENIOR_LEADERS, COMMUNICATIONS, "Editors"]


@pytest.fixture(autouse=True)
def files_on_disk(settings, tmp_path):
    """Files stored as a real installation stores them: Wagtail serves a download from its path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def library_document():
    """A document someone else uploaded earlier."""
    document = Document(title="Mentoring agreement")
    document.file.save("agreement.pdf", ContentFile(b"%PDF-1.4 agreement"), save=False)
    document.save()
    return document


def chooser_upload(client, title="Goal-setting worksheet", name="worksheet.pdf"):
    """Upload a document through the chooser a document block or a rich-text link opens."""
    return client.post(
        reverse("wagtaildocs_chooser:create"),
        {
            "document-chooser-upload-title": title,
            "document-chooser-upload-file": SimpleUploadedFile(name, WORKSHEET),
            "document-chooser-upload-collection": Collection.get_first_root_node().pk,
        },
    )


def downloads(response):
    """Every link to a document on a page, by its text."""
    html = response.content.decode()
    return {
        " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()): href
        for href, text in re.findall(
            r'<a[^>]*href="(/documents/[^"]+)"[^>]*>(.*?)</a>', html, re.S
        )
    }


def download_bytes(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("group", AUTHORS)
def test_whoever_writes_stories_or_materials_can_upload_a_document_in_the_chooser(
    client, home, user_factory, group
):
    client.force_login(user_factory(groups=[group]))

    response = chooser_upload(client)

    assert response.status_code == 200, response.get("Location")
    assert response.json()["step"] == "chosen"
    assert Document.objects.get().title == "Goal-setting worksheet"


@pytest.mark.parametrize("group", AUTHORS)
def test_whoever_writes_stories_or_materials_can_choose_the_librarys_documents(
    client, home, user_factory, library_document, group
):
    client.force_login(user_factory(groups=[group]))

    response = client.get(reverse("wagtaildocs_chooser:choose"))

    assert response.status_code == 200
    assert "Mentoring agreement" in response.json()["html"]


def test_a_document_in_a_leaders_story_downloads_for_a_signed_in_participant(
    client, stories, user_factory, library_document
):
    leader = user_factory(email="ada@example.com", groups=[SENIOR_LEADERS])
    communications = user_factory(email="comms@example.com", groups=[COMMUNICATIONS])
    profile = LeaderProfileFactory(user=leader, name="Ada Lovelace")
    client.force_login(leader)
    uploaded = chooser_upload(client).json()["result"]["id"]
    title = "The worksheet that changed my year"
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["content", "leaderstorypage", stories.pk]),
        nested_form_data(
            {
                "title": title,
                "slug": slugify(title),
                "leader": profile.pk,
                "pull_quote": "Write it down.",
                "body": streamfield(
                    [
                        ("document", {"document": uploaded, "label": "My worksheet"}),
                        (
                            "paragraph",
                            rich_text(
                                f'<p>Sign <a linktype="document" id="{library_document.pk}">'
                                "the agreement</a> first.</p>"
                            ),
                        ),
                    ]
                ),
                "comments": inline_formset([]),
                "action-submit": "1",
            }
        ),
    )
    assert response.status_code == 302
    story = LeaderStoryPage.objects.get(title=title)
    client.force_login(communications)
    task_state = story.current_workflow_task_state
    client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[story.pk, "approve", task_state.pk]),
        {"comment": ""},
    )
    story.refresh_from_db()
    assert story.live

    client.force_login(user_factory(email="mentee@example.com"))
    links = downloads(client.get(story.url))

    assert set(links) == {"My worksheet PDF download, 31 bytes", "the agreement"}
    worksheet = client.get(links["My worksheet PDF download, 31 bytes"])
    assert worksheet.status_code == 200
    assert download_bytes(worksheet) == WORKSHEET
    agreement = client.get(links["the agreement"])
    assert agreement.status_code == 200
    assert download_bytes(agreement) == b"%PDF-1.4 agreement"
