"""Profiles: editing one at /my/profile/, photos, and who may see one through the real URLs."""

import datetime
import io
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from content.factories import TopicFactory
from journeys.models import MemberRole, Profile
from journeys.services import profiles
from journeys.services.starting import start_journey
from tests import hostile

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
PROFILE_URL = "/my/profile/"
DAMAGED = "This image file is incomplete or damaged; upload it again."
REPO = Path(__file__).resolve().parents[2]


def picture(image_format="PNG", size=(1200, 900), exif=None):
    image = PILImage.effect_noise(size, 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, image_format, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


PNG = picture()
JPEG = picture("JPEG")


def blank_png(size):
    """A small file of a great many pixels: one bit each, all alike."""
    buffer = io.BytesIO()
    PILImage.new("1", size).save(buffer, "PNG")
    return buffer.getvalue()


TOO_MANY_PIXELS = "This picture has too many pixels: up to 128 million fit."


def upload(name, content):
    return SimpleUploadedFile(name, content)


def visible_text(response):
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def errors_of(response, name):
    """The errors shown next to a field of the profile form."""
    found = re.search(
        rf'<ul class="field__errors" id="profile-{name}_errors">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


@pytest.fixture
def topics(db):
    return {
        slug: TopicFactory(name=name, slug=slug)
        for slug, name in (("feedback", "Giving feedback"), ("forklifts", "Forklift safety"))
    }


@pytest.fixture
def journey(program, journey_page, pair):
    mentor, mentee = pair
    mentor.first_name, mentor.last_name = "Olu", "Mentor"
    mentor.save()
    mentee.first_name, mentee.last_name = "Mia", "Mentee"
    mentee.save()
    return start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY() - datetime.timedelta(days=1),
        template=journey_page,
    )


def member_url(journey, user, member_id=None):
    if member_id is None:
        member_id = journey.memberships.get(user=user, left_on__isnull=True).pk
    return reverse("journeys:member", args=[journey.uuid, member_id])


def form_data(topics, **changes):
    data = {
        "first_name": "Mia",
        "last_name": "Mentee",
        "job_title": "Shift supervisor",
        "department": "Operations",
        "location": "Rotterdam",
        "time_zone": "europe/amsterdam",
        "languages": "en, NL",
        "about": "I run the night shift at the hub.\nAsk me about forklifts.",
        "how_to_meet": "Video calls in the morning",
        "offers": [topics["forklifts"].pk],
        "seeks": [topics["feedback"].pk],
    }
    data.update(changes)
    return data


# Editing ----------------------------------------------------------------------------------


def test_a_person_edits_their_profile_and_sees_it_saved(client, pair, topics):
    mentee = pair[1]
    client.force_login(mentee)
    assert "Save my profile" in visible_text(client.get(PROFILE_URL))

    response = client.post(PROFILE_URL, form_data(topics))

    assert response.status_code == 302 and response["Location"] == PROFILE_URL
    profile = Profile.objects.get(user=mentee)
    assert profile.job_title == "Shift supervisor"
    assert profile.time_zone == "Europe/Amsterdam"
    assert profile.languages == ["en", "nl"]
    assert profile.about == "I run the night shift at the hub.\nAsk me about forklifts."
    assert list(profile.offers.all()) == [topics["forklifts"]]
    assert list(profile.seeks.all()) == [topics["feedback"]]
    assert set(profile.edited) == {
        "job_title",
        "department",
        "location",
        "time_zone",
        "languages",
        "about",
        "how_to_meet",
        "offers",
        "seeks",
    }
    mentee.refresh_from_db()
    assert (mentee.first_name, mentee.last_name) == ("Mia", "Mentee")
    page = visible_text(client.get(PROFILE_URL))
    assert "Your profile is saved." in page
    assert "Shift supervisor" in page and "English, Dutch" in page
    assert "Europe/Amsterdam" in page and "Forklift safety" in page


def test_a_language_is_stored_by_its_shortest_code_and_named_in_full(client, pair, topics):
    mentee = pair[1]
    client.force_login(mentee)

    client.post(PROFILE_URL, form_data(topics, languages="eng, haw, ger"))

    assert Profile.objects.get(user=mentee).languages == ["en", "haw", "de"]
    assert "English, Hawaiian, German" in visible_text(client.get(PROFILE_URL))


def time_zone_options(response) -> tuple[set[str], list[str]]:
    """The time zones the profile page offers, and the one it shows chosen."""
    html = response.content.decode()
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="([^"]*)"', select))
    chosen = re.findall(r'<option value="([^"]*)" selected', select)
    return offered, chosen


def test_the_time_zone_list_offers_places_and_keeps_a_persons_older_name(client, pair):
    mentee, mentor = pair[1], pair[0]
    Profile.objects.create(user=mentee, time_zone="GB-Eire")  # an older alias, still valid
    client.force_login(mentee)

    offered, chosen = time_zone_options(client.get(PROFILE_URL))

    assert {"Europe/London", "Asia/Kolkata", "UTC", "GB-Eire"} <= offered
    assert chosen == ["GB-Eire"]
    assert not offered & {"localtime", "posixrules", "Etc/GMT-8", "W-SU", "US/Pacific"}

    client.force_login(mentor)
    offered, chosen = time_zone_options(client.get(PROFILE_URL))
    assert "GB-Eire" not in offered and chosen == [""]  # "Choose your time zone"


def test_saving_an_unchanged_field_does_not_make_it_the_persons_own(client, pair, topics):
    mentee = pair[1]
    Profile.objects.create(user=mentee, department="Operations")
    client.force_login(mentee)
    client.post(PROFILE_URL, form_data(topics, job_title="Driver"))
    assert "department" not in Profile.objects.get(user=mentee).edited
    assert "job_title" in Profile.objects.get(user=mentee).edited


def test_the_profile_page_asks_a_visitor_to_sign_in(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("about", "x" * 1001, "at most 1000 characters"),
        ("how_to_meet", "x" * 301, "at most 300 characters"),
        ("job_title", "x" * 121, "at most 120 characters"),
        ("department", "x" * 121, "at most 120 characters"),
        ("location", "x" * 121, "at most 120 characters"),
        ("first_name", "x" * 151, "at most 150 characters"),
        ("last_name", "x" * 151, "at most 150 characters"),
        ("languages", "en " * 70, "at most 200 characters"),
        ("job_title", "Boss\x1b[31m", "control character (U+001B)"),
        ("how_to_meet", "Mornings\nor evenings", "must be one line of text"),
        ("time_zone", "Europe/Londn", "did you mean 'Europe/London'"),
        ("languages", "english", "'english' is not a language code"),
        ("languages", "en, xx, qq", "'xx' and 'qq' are not language codes"),
        ("first_name", "", "your first name is needed"),
    ],
)
def test_a_bad_value_is_refused_next_to_its_field_and_nothing_is_saved(
    client, pair, topics, field, value, error
):
    mentee = pair[1]
    client.force_login(mentee)
    response = client.post(PROFILE_URL, form_data(topics, **{field: value}))
    assert response.status_code == 400
    assert error in errors_of(response, field)
    assert not Profile.objects.filter(user=mentee).exists()
    mentee.refresh_from_db()
    assert mentee.first_name == ""


def test_the_service_checks_the_limits_again_whoever_calls(pair):
    with pytest.raises(ValidationError) as refused:
        profiles.save_profile(pair[1], {"about": "x" * 1001, "job_title": "ok"})
    assert refused.value.message_dict["about"] == [
        "About you can be at most 1,000 characters long; this is 1,001. Shorten it by 1 character."
    ]
    assert not Profile.objects.exists()


# Photos -----------------------------------------------------------------------------------


def test_a_photo_is_stored_re_encoded_in_its_own_collection_and_shown_cropped(
    client, journey, pair, topics
):
    mentor, mentee = pair
    client.force_login(mentee)
    response = client.post(PROFILE_URL, {**form_data(topics), "photo": upload("me.png", PNG)})
    assert response.status_code == 302

    photo = Profile.objects.select_related("photo__collection").get(user=mentee).photo
    assert photo.collection.name == "Profile photos"
    assert re.fullmatch(r"original_images/profile-[0-9a-f]{32}\.jpg", photo.file.name)
    assert "me.png" not in photo.file.name
    with photo.open_file() as stored, PILImage.open(stored) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 800

    client.force_login(mentor)
    html = client.get(member_url(journey, mentee)).content.decode()
    assert re.search(r'<img class="portrait portrait--large" src="[^"]+\.fill-160x160\.', html)
    journey_html = client.get(reverse("journeys:journey", args=[journey.uuid])).content.decode()
    assert ".fill-160x160." in journey_html


def test_a_photos_camera_metadata_is_not_kept(client, pair, topics):
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # the camera's make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)  # where the photo was taken
    taken = picture("JPEG", exif=exif)
    with PILImage.open(io.BytesIO(taken)) as original:
        assert original.getexif().get_ifd(0x8825)
    client.force_login(pair[1])
    client.post(PROFILE_URL, {**form_data(topics), "photo": upload("me.jpg", taken)})
    photo = Profile.objects.get(user=pair[1]).photo
    with photo.open_file() as stored:
        content = stored.read()
    assert b"PhoneMaker" not in content
    with PILImage.open(io.BytesIO(content)) as image:
        assert not image.getexif()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("cut.png", PNG[:300], DAMAGED),
        ("half.jpg", JPEG[: len(JPEG) // 2], DAMAGED),
        ("notes.png", b"Dear diary, this is not a picture.", "Upload a valid image"),
        ("me.txt", PNG, "Not a supported image format"),
        # Over Wagtail's limit; then over the point where Pillow will not open it.
        ("wide.png", blank_png((12_000, 12_000)), TOO_MANY_PIXELS),
        ("vast.png", blank_png((20_000, 10_000)), TOO_MANY_PIXELS),
    ],
    ids=["cut-png", "half-jpeg", "not-an-image", "wrong-extension", "144-mpx", "200-mpx"],
)
def test_a_bad_photo_is_a_form_error_and_nothing_is_saved(
    client, pair, topics, name, content, error
):
    client.force_login(pair[1])
    response = client.post(PROFILE_URL, {**form_data(topics), "photo": upload(name, content)})
    assert response.status_code == 400
    assert error in errors_of(response, "photo")
    assert not Profile.objects.exists()
    assert not get_image_model().objects.exists()


def test_a_new_photo_replaces_the_old_one_and_removing_it_leaves_the_initials(
    client, journey, pair, topics
):
    mentor, mentee = pair
    client.force_login(mentee)
    client.post(PROFILE_URL, {**form_data(topics), "photo": upload("one.png", PNG)})
    first = Profile.objects.get(user=mentee).photo
    client.post(PROFILE_URL, {**form_data(topics), "photo": upload("two.jpg", JPEG)})
    second = Profile.objects.get(user=mentee).photo
    Image = get_image_model()
    assert list(Image.objects.values_list("pk", flat=True)) == [second.pk] != [first.pk]

    assert "Remove my photo" in visible_text(client.get(PROFILE_URL))
    client.post(PROFILE_URL, {**form_data(topics), "remove_photo": "on"})
    assert Profile.objects.get(user=mentee).photo is None
    assert not Image.objects.exists()

    client.force_login(mentor)
    html = client.get(member_url(journey, mentee)).content.decode()
    assert re.search(
        r'<span class="portrait portrait--initial portrait--large"[^>]*>MM</span>', html
    )


def test_an_image_chooser_leaves_profile_photos_out(client, pair, topics, user_factory):
    client.force_login(pair[1])
    client.post(PROFILE_URL, {**form_data(topics), "photo": upload("me.png", PNG)})
    photo = Profile.objects.get(user=pair[1]).photo
    Image = get_image_model()
    harbour = Image.objects.create(
        title="Harbour at dawn",
        file=upload("harbour.png", PNG),
        collection=photo.collection.get_parent(),
    )
    client.force_login(user_factory(is_superuser=True, is_staff=True))
    chooser = client.get(reverse("wagtailimages_chooser:choose")).content.decode()
    assert reverse("wagtailimages_chooser:chosen", args=[harbour.pk]) in chooser
    assert reverse("wagtailimages_chooser:chosen", args=[photo.pk]) not in chooser
    # Searching in the chooser, as an editor picking an image for a page does.
    for name in ("wagtailimages_chooser:choose", "wagtailimages_chooser:choose_results"):
        found = client.get(reverse(name), {"q": "harbour"})
        assert found.status_code == 200, name
        html = found.content.decode()
        assert reverse("wagtailimages_chooser:chosen", args=[harbour.pk]) in html
        assert reverse("wagtailimages_chooser:chosen", args=[photo.pk]) not in html


@pytest.fixture
def photo_and_picture(client, pair, topics):
    """A participant's profile photo, and an ordinary image beside it in the library."""
    client.force_login(pair[1])
    client.post(PROFILE_URL, {**form_data(topics), "photo": upload("me.png", PNG)})
    client.logout()
    photo = Profile.objects.get(user=pair[1]).photo
    harbour = get_image_model().objects.create(
        title="Harbour at dawn",
        file=upload("harbour.png", PNG),
        collection=photo.collection.get_parent(),
    )
    return photo, harbour


def image_admin_urls(image):
    return {
        name: reverse(name, args=[image.pk])
        for name in (
            "wagtailimages:edit",
            "wagtailimages:delete",
            "wagtailimages:image_usage",
            "wagtailimages_chooser:chosen",
        )
    } | {"wagtailimages:preview": reverse("wagtailimages:preview", args=[image.pk, "original"])}


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_the_image_library_never_shows_a_profile_photo(
    client, photo_and_picture, user_factory, who
):
    """Editors (whose image permissions Wagtail gives on the root collection) and
    superusers manage the library's images; people's photos are not among them."""
    photo, harbour = photo_and_picture
    if who == "editor":
        person = user_factory(groups=["Editors", "Moderators"])
    else:
        person = user_factory(is_superuser=True, is_staff=True)
    client.force_login(person)

    for name in ("wagtailimages:index", "wagtailimages:index_results"):
        for query in (
            {},
            {"q": "photo"},
            {"q": "harbour"},
            {"collection_id": photo.collection_id},
        ):
            html = client.get(reverse(name), query).content.decode()
            assert reverse("wagtailimages:edit", args=[photo.pk]) not in html, (name, query)
        assert (
            reverse("wagtailimages:edit", args=[harbour.pk])
            in client.get(reverse(name)).content.decode()
        )

    for name, url in image_admin_urls(photo).items():
        assert client.get(url).status_code in (302, 403, 404), name
    for name, url in image_admin_urls(harbour).items():
        assert client.get(url).status_code == 200, name

    # Nothing can be changed, replaced or deleted, one at a time or in bulk.
    edit = {"title": "Seen", "collection": photo.collection_id, "file": upload("x.png", PNG)}
    client.post(reverse("wagtailimages:edit", args=[photo.pk]), edit)
    client.post(reverse("wagtailimages:edit_multiple", args=[photo.pk]), {"image-title": "Seen"})
    client.post(reverse("wagtailimages:delete", args=[photo.pk]))
    client.post(reverse("wagtailimages:delete_multiple", args=[photo.pk]))
    bulk = reverse("wagtail_bulk_action", args=["wagtailimages", "image", "delete"])
    client.post(f"{bulk}?id={photo.pk}")
    photo.refresh_from_db()
    assert photo.title == "Profile photo"
    assert Profile.objects.get(photo=photo)

    # Nor can an image be put among the photos.
    add = client.get(reverse("wagtailimages:add")).content.decode()
    assert profiles.PHOTOS_COLLECTION not in add
    client.post(
        reverse("wagtailimages:add"),
        {"title": "Slipped in", "collection": photo.collection_id, "file": upload("s.png", PNG)},
    )
    client.post(
        reverse("wagtailimages:edit", args=[harbour.pk]),
        {"title": "Harbour at dawn", "collection": photo.collection_id},
    )
    assert list(get_image_model().objects.filter(collection=photo.collection)) == [photo]

    # The library's own images are the person's to manage as before.
    client.post(
        reverse("wagtailimages:edit", args=[harbour.pk]),
        {"title": "Harbour at noon", "collection": harbour.collection_id},
    )
    harbour.refresh_from_db()
    assert harbour.title == "Harbour at noon"
    client.post(reverse("wagtailimages:delete", args=[harbour.pk]))
    assert not get_image_model().objects.filter(pk=harbour.pk).exists()


def test_nobody_renames_moves_or_deletes_the_photos_collection(
    client, photo_and_picture, user_factory
):
    """Renamed, the photos would show in the library again and new ones go elsewhere."""
    photo, _ = photo_and_picture
    photos = photo.collection
    root = photos.get_parent()
    library = root.add_child(name="Library")
    client.force_login(user_factory(is_superuser=True, is_staff=True))

    listing = client.get(reverse("wagtailadmin_collections:index")).content.decode()
    assert reverse("wagtailadmin_collections:edit", args=[library.pk]) in listing
    assert reverse("wagtailadmin_collections:edit", args=[photos.pk]) not in listing
    for name in ("wagtailadmin_collections:edit", "wagtailadmin_collections:delete"):
        assert client.get(reverse(name, args=[photos.pk])).status_code in (302, 403, 404), name
    client.post(
        reverse("wagtailadmin_collections:edit", args=[photos.pk]),
        {"name": "Team pictures", "parent": library.pk},
    )
    client.post(reverse("wagtailadmin_collections:delete", args=[photos.pk]))
    # Nor is a collection put inside it, made there or moved there.
    add = client.get(reverse("wagtailadmin_collections:add")).content.decode()
    assert f'value="{photos.pk}"' not in add
    client.post(reverse("wagtailadmin_collections:add"), {"name": "Inside", "parent": photos.pk})
    client.post(
        reverse("wagtailadmin_collections:edit", args=[library.pk]),
        {"name": "Library", "parent": photos.pk},
    )

    photos.refresh_from_db()
    assert (photos.name, photos.get_parent()) == (profiles.PHOTOS_COLLECTION, root)
    assert not photos.get_children().exists()
    library.refresh_from_db()
    assert library.get_parent() == root
    html = client.get(reverse("wagtailimages:index")).content.decode()
    assert reverse("wagtailimages:edit", args=[photo.pk]) not in html

    # Other collections are managed as before.
    client.post(
        reverse("wagtailadmin_collections:edit", args=[library.pk]),
        {"name": "Library of images", "parent": root.pk},
    )
    library.refresh_from_db()
    assert library.name == "Library of images"


# Who sees a profile -------------------------------------------------------------------------


def test_a_fellow_member_sees_the_profile_with_the_address_and_a_way_to_write(
    client, journey, pair, topics
):
    mentor, mentee = pair
    profiles.save_profile(mentee, form_data(topics, offers=[topics["forklifts"]], seeks=[]))
    client.force_login(mentor)

    journey_page = client.get(reverse("journeys:journey", args=[journey.uuid])).content.decode()
    assert f'href="{member_url(journey, mentee)}"' in journey_page
    response = client.get(member_url(journey, mentee))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Mia Mentee" in text
    assert "Mentee · Shift supervisor" in text
    assert "Operations · Rotterdam" in text
    assert "Ask me about forklifts." in text
    assert "What I can offer Forklift safety" in text
    assert "How I like to meet Video calls in the morning" in text
    assert "Email address: mentee@example.com" in text
    assert 'href="mailto:mentee@example.com"' in response.content.decode()
    assert "Write to Mia Mentee" in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_member_who_has_said_nothing_shows_their_name_and_initials(client, journey, pair):
    mentor, mentee = pair
    client.force_login(mentor)
    response = client.get(member_url(journey, mentee))
    assert "They have not said anything about themselves yet." in visible_text(response)
    assert ">MM</span>" in response.content.decode()


@pytest.fixture
def outsiders(program, journey, user_factory):
    """Clients for everyone who is not a current member of ``journey``."""
    stranger = user_factory()
    elsewhere = user_factory()
    start_journey(
        program,
        [(user_factory(), MemberRole.MENTOR), (elsewhere, MemberRole.MENTEE)],
        TODAY(),
        template=journey.template,
    )
    former = user_factory()
    journey.memberships.create(
        user=former, role=MemberRole.MEMBER, joined_on=TODAY(), left_on=TODAY()
    )
    people = {
        "anonymous": None,
        "a stranger": stranger,
        "a member of another journey": elsewhere,
        "a former member": former,
        "a superuser": user_factory(is_staff=True, is_superuser=True),
    }
    clients = {}
    for who, user in people.items():
        clients[who] = Client()
        if user is not None:
            clients[who].force_login(user)
    return clients


def test_nobody_outside_the_journey_sees_a_members_profile(outsiders, journey, pair, topics):
    mentee = pair[1]
    profiles.save_profile(mentee, form_data(topics, offers=[], seeks=[]))
    target = member_url(journey, mentee)
    for who, client in outsiders.items():
        response = client.get(target)
        if who == "anonymous":
            assert response.status_code == 302, who
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404, who
            assert b"night shift" not in response.content, who


def test_a_former_member_and_another_journeys_member_are_not_found_through_a_journey(
    client, program, journey, pair, user_factory
):
    mentor, mentee = pair
    former = user_factory()
    left = journey.memberships.create(
        user=former, role=MemberRole.MEMBER, joined_on=TODAY(), left_on=TODAY()
    )
    other = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (user_factory(), MemberRole.MENTEE)],
        TODAY(),
        template=journey.template,
    )
    client.force_login(mentee)
    assert client.get(member_url(journey, former, left.pk)).status_code == 404
    other_mentee = other.memberships.get(role=MemberRole.MENTEE)
    assert client.get(member_url(journey, None, other_mentee.pk)).status_code == 404
    # The mentor belongs to both, but each journey's URL finds only its own members.
    client.force_login(mentor)
    assert client.get(member_url(other, None, other_mentee.pk)).status_code == 200
    assert client.get(member_url(journey, None, other_mentee.pk)).status_code == 404


def test_a_member_leaving_takes_their_profile_out_of_the_journey(client, journey, pair):
    mentor, mentee = pair
    target = member_url(journey, mentee)
    client.force_login(mentor)
    assert client.get(target).status_code == 200
    journey.memberships.filter(user=mentee).update(left_on=TODAY())
    assert client.get(target).status_code == 404


def test_a_post_to_a_profile_is_not_allowed_and_a_strangers_is_not_found(
    client, journey, pair, user_factory
):
    target = member_url(journey, pair[1])
    client.force_login(pair[0])
    assert client.post(target).status_code == 405
    client.force_login(user_factory())
    assert client.post(target).status_code == 404


def test_a_member_who_left_the_organisation_has_no_address_to_write_to(client, journey, pair):
    mentor, mentee = pair
    mentee.is_active = False
    mentee.save()
    client.force_login(mentor)
    response = client.get(member_url(journey, mentee))
    assert "mailto:" not in response.content.decode()
    assert "Mia Mentee is no longer taking part" in visible_text(response)


def test_ones_own_card_in_a_journey_links_to_the_profile_page(client, journey, pair):
    client.force_login(pair[1])
    response = client.get(member_url(journey, pair[1]))
    assert "This is how the people in this journey see you." in visible_text(response)
    assert f'href="{PROFILE_URL}"' in response.content.decode()
    assert "mailto:" not in response.content.decode()


# What people typed stays text -------------------------------------------------------------


def test_typed_markup_is_shown_as_text_on_every_page_with_a_profile(client, journey, pair):
    mentor, mentee = pair
    profiles.save_profile(
        mentee,
        {
            "first_name": "Mia",
            "last_name": hostile.SCRIPT,
            "job_title": hostile.SCRIPT,
            "about": hostile.HOSTILE_LINE,
            "how_to_meet": hostile.IMAGE,
            "department": hostile.JAVASCRIPT_ANCHOR,
        },
    )
    client.force_login(mentor)
    for url in (
        member_url(journey, mentee),
        reverse("journeys:journey", args=[journey.uuid]),
        reverse("journeys:my_mentoring"),
    ):
        html = client.get(url).content.decode()
        hostile.assert_neutralised(html)
        assert "&lt;script&gt;alert(&#x27;typed&#x27;)&lt;/script&gt;" in html, url
    client.force_login(mentee)
    hostile.assert_neutralised(client.get(PROFILE_URL).content.decode())


def test_no_page_or_email_template_marks_stored_text_safe():
    """Every HTML template autoescapes: none uses ``|safe`` or turns autoescaping off."""
    templates = [
        path
        for app in ("cms", "content", "journeys", "matching", "themes")
        for path in (REPO / app / "templates").rglob("*.html")
    ]
    assert any(path.name == "profile_card.html" for path in templates)
    offenders = [
        str(path.relative_to(REPO))
        for path in templates
        if re.search(r"\|\s*safe\b|autoescape\s+off", path.read_text())
    ]
    assert offenders == []


# Queries ------------------------------------------------------------------------------------


def with_photo(user):
    profiles.save_profile(
        user, {"job_title": "Planner"}, photo=upload("me.png", picture(size=(200, 200)))
    )


def count_queries(client, target, django_assert_max_num_queries):
    client.get(target)  # parse the template revision and make the renditions once
    with django_assert_max_num_queries(60) as captured:
        assert client.get(target).status_code == 200
    return len(captured.captured_queries)


def test_my_mentoring_costs_the_same_queries_with_one_partner_with_a_photo_or_five(
    client, program, journey_page, user_factory, django_assert_max_num_queries
):
    mentee = user_factory()
    with_photo(mentee)

    def partner():
        mentor = user_factory(first_name="Pat", last_name="Partner")
        with_photo(mentor)
        start_journey(
            program,
            [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
            TODAY(),
            template=journey_page,
        )

    partner()
    client.force_login(mentee)
    target = reverse("journeys:my_mentoring")
    one = count_queries(client, target, django_assert_max_num_queries)
    for _ in range(4):
        partner()
    five = count_queries(client, target, django_assert_max_num_queries)
    assert one == five
    assert client.get(target).content.decode().count(".fill-160x160.") == 5


def test_the_journey_page_costs_the_same_queries_for_a_pair_or_a_circle_with_photos(
    client, program, journey_page, user_factory, django_assert_max_num_queries
):
    def circle(size):
        people = [user_factory() for _ in range(size)]
        for person in people:
            with_photo(person)
        roles = [MemberRole.MENTOR] + [MemberRole.MEMBER] * (size - 1)
        return people[0], start_journey(
            program, list(zip(people, roles, strict=True)), TODAY(), template=journey_page
        )

    mentor, pair_journey = circle(2)
    client.force_login(mentor)
    pair = count_queries(
        client,
        reverse("journeys:journey", args=[pair_journey.uuid]),
        django_assert_max_num_queries,
    )
    mentor, circle_journey = circle(5)
    client.force_login(mentor)
    five = count_queries(
        client,
        reverse("journeys:journey", args=[circle_journey.uuid]),
        django_assert_max_num_queries,
    )
    assert pair == five


@pytest.mark.parametrize("page", ["journey", "milestone"])
def test_the_pages_read_the_viewers_time_zone_with_the_members_not_on_its_own(
    client, program, journey_page, user_factory, page
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journeys.services.state import journey_state

    mentor, mentee = user_factory(), user_factory()
    Profile.objects.create(user=mentee, time_zone="Pacific/Auckland")
    journey = start_journey(
        program,
        [(mentor, MemberRole.MENTOR), (mentee, MemberRole.MENTEE)],
        TODAY(),
        template=journey_page,
    )
    args = [journey.uuid]
    if page == "milestone":
        args.append(journey_state(journey, TODAY()).snapshot.milestones[0].id)
    target = reverse(f"journeys:{page}", args=args)
    client.force_login(mentee)
    client.get(target)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200

    assert not [q for q in captured.captured_queries if 'FROM "journeys_profile"' in q["sql"]]
