"""Damaged image files: refused with a form error on every upload, left out of pages once stored.

Each upload goes through the admin URL a person uses, signed in as a superuser,
as a content editor and (for the chooser, which is how a portrait is added) as
a senior leader; a sound file goes through the same URL to show it still works.
"""

import io
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.exceptions import InvalidFilterSpecError
from wagtail.images.fields import WagtailImageField
from wagtail.images.models import Image
from wagtail.models import Collection, Site

from content.factories import LeaderProfileFactory, LeaderStoryPageFactory, MaterialPageFactory
from content.permissions import SENIOR_LEADERS
from themes.models import ThemeSettings

pytestmark = pytest.mark.django_db

DAMAGED = "This image file is incomplete or damaged; upload it again."


def encoded(image_format, size=(640, 480)):
    picture = PILImage.effect_noise(size, 64).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, image_format)
    return buffer.getvalue()


def animated_gif():
    frames = [PILImage.effect_noise((120, 90), 40 + 20 * n).convert("P") for n in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


PNG = encoded("PNG")
JPEG = encoded("JPEG")
GIF = animated_gif()

# (name, bytes): cut to a few hundred bytes, cut halfway, and an animation whose
# first frame is whole but whose last is not (Wagtail alone accepts that one).
DAMAGED_FILES = [
    ("cut.png", PNG[:100]),
    ("cut.png", PNG[:300]),
    ("cut.jpg", JPEG[:300]),
    ("half.jpg", JPEG[: len(JPEG) // 2]),
    ("cut.gif", GIF[:-10]),
]
damaged_files = pytest.mark.parametrize(
    ("name", "content"), DAMAGED_FILES, ids=[f"{n}-{len(c)}" for n, c in DAMAGED_FILES]
)


def upload(name, content):
    return SimpleUploadedFile(name, content)


def stored_bytes(image):
    with image.file.storage.open(image.file.name) as stored:
        return stored.read()


def test_wagtail_alone_accepts_an_animation_cut_short_in_its_last_frame():
    """Why every frame is decoded: the last upload case above passes Wagtail's own field."""
    WagtailImageField().clean(upload("cut.gif", GIF[:-10]))


@pytest.fixture
def root_collection():
    return Collection.get_first_root_node()


@pytest.fixture(params=["superuser", "editor"])
def admin_client(request, client, user_factory, home):
    if request.param == "superuser":
        client.force_login(user_factory(is_superuser=True, is_staff=True))
    else:
        client.force_login(user_factory(groups=["Editors"]))
    return client


@pytest.fixture(params=["superuser", "editor", "senior leader"])
def chooser_client(request, client, user_factory, home):
    groups = {"superuser": (), "editor": ["Editors"], "senior leader": [SENIOR_LEADERS]}
    client.force_login(
        user_factory(is_superuser=request.param == "superuser", groups=groups[request.param])
    )
    return client


# Adding one image ------------------------------------------------------------------------------


@damaged_files
def test_adding_a_damaged_image_is_refused_with_a_form_error(
    admin_client, root_collection, name, content
):
    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "Spring", "file": upload(name, content), "collection": root_collection.pk},
    )
    assert response.status_code == 200
    assert DAMAGED in response.content.decode()
    assert not Image.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("sound.png", PNG), ("sound.gif", GIF)])
def test_adding_a_sound_image_still_works(admin_client, root_collection, name, content):
    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "Spring", "file": upload(name, content), "collection": root_collection.pk},
    )
    assert response.status_code == 302
    assert Image.objects.get().title == "Spring"


# Adding several ---------------------------------------------------------------------------------


@damaged_files
def test_a_damaged_file_among_several_is_refused_with_its_reason(
    admin_client, root_collection, name, content
):
    response = admin_client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": upload(name, content), "collection": root_collection.pk},
    )
    assert response.status_code == 200
    assert response.json() == {"success": False, "error_message": DAMAGED}
    assert not Image.objects.exists()


def test_a_sound_file_among_several_is_added(admin_client, root_collection):
    response = admin_client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": upload("sound.jpg", JPEG), "collection": root_collection.pk},
    )
    assert response.json()["success"] is True
    assert Image.objects.count() == 1


# Uploading in a chooser (a portrait, a theme's logo, an image block, rich text) -----------------


def chooser_upload(client, collection, name, content):
    return client.post(
        reverse("wagtailimages_chooser:create"),
        {
            "image-chooser-upload-title": "Portrait",
            "image-chooser-upload-file": upload(name, content),
            "image-chooser-upload-collection": collection.pk,
        },
    )


@damaged_files
def test_uploading_a_damaged_image_in_a_chooser_shows_the_form_again_with_the_reason(
    chooser_client, root_collection, name, content
):
    response = chooser_upload(chooser_client, root_collection, name, content)
    assert response.status_code == 200
    data = response.json()
    assert data["step"] == "reshow_creation_form"
    assert DAMAGED in data["htmlFragment"]
    assert not Image.objects.exists()


def test_uploading_a_sound_image_in_a_chooser_chooses_it(chooser_client, root_collection):
    response = chooser_upload(chooser_client, root_collection, "sound.png", PNG)
    assert response.json()["step"] == "chosen"
    assert Image.objects.get().title == "Portrait"


# Replacing an image's file ---------------------------------------------------------------------


@pytest.fixture
def sound_image(root_collection):
    return Image.objects.create(
        title="Spring", file=upload("spring.png", PNG), collection=root_collection
    )


@damaged_files
def test_replacing_a_file_with_a_damaged_one_is_refused_and_keeps_the_old_file(
    admin_client, sound_image, name, content
):
    before = sound_image.file.name
    response = admin_client.post(
        reverse("wagtailimages:edit", args=[sound_image.pk]),
        {
            "title": "Spring",
            "file": upload(name, content),
            "collection": sound_image.collection_id,
            "tags": "",
        },
    )
    assert response.status_code == 200
    assert DAMAGED in response.content.decode()
    sound_image.refresh_from_db()
    assert sound_image.file.name == before
    assert stored_bytes(sound_image) == PNG


def test_replacing_a_file_with_a_sound_one_still_works(admin_client, sound_image):
    response = admin_client.post(
        reverse("wagtailimages:edit", args=[sound_image.pk]),
        {
            "title": "Spring",
            "file": upload("summer.jpg", JPEG),
            "collection": sound_image.collection_id,
            "tags": "",
        },
    )
    assert response.status_code == 302
    sound_image.refresh_from_db()
    assert stored_bytes(sound_image) == JPEG


# A stored file that is damaged -----------------------------------------------------------------


def damage(image):
    """Cut ``image``'s stored file short in place, as a failed copy between storages would."""
    storage, name = image.file.storage, image.file.name
    content = stored_bytes(image)
    storage.delete(name)
    assert storage.save(name, ContentFile(content[:3000])) == name


@pytest.fixture
def damaged_portrait(root_collection):
    portrait = Image.objects.create(
        title="Ada", file=upload("ada.jpg", JPEG), collection=root_collection
    )
    damage(portrait)
    return Image.objects.get(pk=portrait.pk)


def test_a_story_whose_portrait_is_damaged_shows_without_it(
    client, stories, damaged_portrait, caplog
):
    story = LeaderStoryPageFactory(
        parent=stories, leader=LeaderProfileFactory(name="Ada", portrait=damaged_portrait)
    )
    with caplog.at_level(logging.WARNING, logger="content.templatetags.content_tags"):
        response = client.get(story.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert story.title in html
    assert 'class="portrait' not in html
    assert f"Image {damaged_portrait.pk} " in caplog.text
    listing = client.get(stories.url)
    assert listing.status_code == 200
    assert story.title in listing.content.decode()


def test_every_page_shows_without_a_damaged_theme_logo(client, home, damaged_portrait):
    site = Site.objects.get(is_default_site=True)
    ThemeSettings.objects.update_or_create(
        site=site, defaults={"logo": damaged_portrait, "brand_name": "Harbourline"}
    )
    response = client.get(home.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbourline" in html
    assert "site-name__logo" not in html


def test_an_image_block_with_a_damaged_file_leaves_the_rest_of_the_page(
    client, library, damaged_portrait
):
    page = MaterialPageFactory(
        parent=library,
        body=[
            ("image", {"image": damaged_portrait, "alt_text": "Ada", "caption": "At work"}),
            ("paragraph", "<p>What came after.</p>"),
        ],
    )
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "What came after." in html
    assert 'alt="Ada"' not in html


def test_a_sound_image_still_shows(client, stories, sound_image):
    story = LeaderStoryPageFactory(
        parent=stories, leader=LeaderProfileFactory(name="Ada", portrait=sound_image)
    )
    html = client.get(story.url).content.decode()
    assert '<img alt="" class="portrait"' in html


def test_the_tag_sets_its_variable_to_nothing_for_a_damaged_file(damaged_portrait, sound_image):
    template = Template(
        "{% load content_tags %}"
        "{% image_if_readable picture fill-20x20 as shown %}[{{ shown.width }}]"
    )
    assert template.render(Context({"picture": damaged_portrait})) == "[]"
    assert template.render(Context({"picture": sound_image})) == "[20]"


def test_the_tag_still_raises_what_is_not_a_damaged_file(sound_image):
    template = Template("{% load content_tags %}{% image_if_readable picture fill-axb %}")
    with pytest.raises(InvalidFilterSpecError):
        template.render(Context({"picture": sound_image}))


def test_a_missing_file_still_renders_wagtails_placeholder(sound_image):
    sound_image.file.storage.delete(sound_image.file.name)
    html = Template("{% load content_tags %}{% image_if_readable picture fill-20x20 %}").render(
        Context({"picture": sound_image})
    )
    assert "not-found" in html
