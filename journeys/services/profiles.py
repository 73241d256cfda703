"""Profiles: what a person edits at ``/my/profile/``, what enrolments fill in, how pages show them.

Rules enforced here:

* ``save_profile`` checks everything before writing anything, whoever calls:
  each text against its limit and for control characters (``content.text``),
  the time zone and languages as ``journeys.validation`` has them, and a
  photo that Pillow cannot decode to the end is refused. A refusal is a
  ``ValidationError`` keyed by the field. The profile row is locked while it
  is written, so an enrolment filling it at the same moment waits.
* Every field the person changes is recorded in ``Profile.edited``; matching
  fills profiles from enrolments through ``fill_profiles``, which writes only
  the fields the person never changed, and only with values that are not
  empty and fit the field (an older enrolment over today's limit is skipped,
  never truncated). It works in bulk: a fixed number of queries for any
  number of people.
* A photo is stored re-encoded: turned upright, at most ``PHOTO_MAX_SIDE``
  pixels a side, as a JPEG under a random name, so no camera metadata (a
  phone's location) and no file name the person chose is kept. It lives in
  the "Profile photos" collection, which nobody reaches in the admin's image
  library or choosers (``journeys.images``), and is deleted with the files
  and renditions when it is replaced or removed.
  Pages show the ``PHOTO_SPEC`` rendition, or the person's initials.
* Pages load profiles with the members they already load
  (``state.journey_states(..., profiles=True)``), never one query per person.
* ``match_notes`` gathers, through the ``match_notes`` Wagtail hook, what
  members told their program for their match to read; journeys never
  imports matching, which registers the hook.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image as PILImage
from PIL import ImageOps
from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.models import Collection

from content.images import DAMAGED_MESSAGE, decoding_error
from content.text import check_text

from ..models import Profile
from ..models.profiles import (
    ABOUT_MAX_LENGTH,
    DEPARTMENT_MAX_LENGTH,
    FILLED_FIELDS,
    HOW_TO_MEET_MAX_LENGTH,
    JOB_TITLE_MAX_LENGTH,
    LANGUAGES_MAX_LENGTH,
    LOCATION_MAX_LENGTH,
)
from ..validation import clean_languages, clean_time_zone, language_name

PHOTO_SPEC = "fill-160x160"
PHOTO_MAX_SIDE = 800
PHOTO_QUALITY = 88
PHOTOS_COLLECTION = "Profile photos"
NAME_MAX_LENGTH = 150  # the account's first and last name columns
MATCH_NOTES_HOOK = "match_notes"

# (field, label, limit, several lines) of each text a person types on their profile.
TEXTS = (
    ("first_name", gettext_lazy("Your first name"), NAME_MAX_LENGTH, False),
    ("last_name", gettext_lazy("Your last name"), NAME_MAX_LENGTH, False),
    ("job_title", gettext_lazy("Your role"), JOB_TITLE_MAX_LENGTH, False),
    ("department", gettext_lazy("Your department or team"), DEPARTMENT_MAX_LENGTH, False),
    ("location", gettext_lazy("Where you work from"), LOCATION_MAX_LENGTH, False),
    ("about", gettext_lazy("About you"), ABOUT_MAX_LENGTH, True),
    ("how_to_meet", gettext_lazy("How you like to meet"), HOW_TO_MEET_MAX_LENGTH, False),
)
PROFILE_TEXT_FIELDS = ("job_title", "department", "location", "about", "how_to_meet")


# Editing --------------------------------------------------------------------------------


def _check(values: dict) -> dict:
    """``values`` cleaned, or a ``ValidationError`` keyed by every field that is wrong."""
    errors: dict[str, list] = {}
    cleaned = dict(values)
    for name, label, limit, multiline in TEXTS:
        if name not in values:
            continue
        text = (values[name] or "").strip()
        try:
            check_text(text, field=name, label=str(label), limit=limit, multiline=multiline)
        except ValidationError as error:
            errors.update(error.message_dict)
        cleaned[name] = text
    if "first_name" in values and not cleaned.get("first_name"):
        errors.setdefault("first_name", []).append(
            _("Say what people should call you: your first name is needed.")
        )
    if "time_zone" in values:
        try:
            cleaned["time_zone"] = clean_time_zone(values["time_zone"])
        except ValidationError as error:
            errors["time_zone"] = error.messages
    if "languages" in values:
        try:
            cleaned["languages"] = clean_languages(values["languages"])
        except ValidationError as error:
            errors["languages"] = error.messages
        else:
            typed = ", ".join(cleaned["languages"])
            if len(typed) > LANGUAGES_MAX_LENGTH:
                errors["languages"] = [
                    _("List at most %(limit)s characters of languages.")
                    % {"limit": LANGUAGES_MAX_LENGTH}
                ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_photo(upload) -> None:
    """Refuse a photo Pillow cannot decode to the end (a file cut short, or not an image)."""
    if decoding_error(upload) is not None:
        raise ValidationError({"photo": [DAMAGED_MESSAGE]})


def save_profile(user, values: dict, *, photo=None, remove_photo: bool = False) -> Profile:
    """Save what ``user`` typed on their profile page; ``photo`` is an uploaded file.

    ``values`` holds any of ``first_name``, ``last_name``, the profile's text
    fields, ``time_zone``, ``languages`` (codes, or typed as "en, fr"),
    ``offers`` and ``seeks`` (topics). Each field whose value changes is
    marked as the person's own, so enrolments no longer fill it.
    """
    cleaned = _check(values)
    prepared = None
    if photo is not None:
        check_photo(photo)
        prepared = prepare_photo(photo)
    with transaction.atomic():
        profile = _locked_profile(user.pk)
        edited = set(profile.edited or [])
        names = {n: cleaned[n] for n in ("first_name", "last_name") if n in cleaned}
        if names:
            for name, value in names.items():
                setattr(user, name, value)
            user.save(update_fields=list(names))
        for name in (*PROFILE_TEXT_FIELDS, "time_zone", "languages"):
            if name in cleaned and getattr(profile, name) != cleaned[name]:
                setattr(profile, name, cleaned[name])
                edited.add(name)
        for name in ("offers", "seeks"):
            if name in cleaned:
                chosen = {topic.pk for topic in cleaned[name]}
                manager = getattr(profile, name)
                if set(manager.values_list("pk", flat=True)) != chosen:
                    manager.set(chosen)
                    edited.add(name)
        old_photo = None
        if photo is not None or remove_photo:
            old_photo = profile.photo
            profile.photo = _store_photo(prepared, user) if prepared is not None else None
        profile.edited = sorted(edited)
        profile.save()
        if old_photo is not None:
            old_photo.delete()
    return profile


def _locked_profile(user_id) -> Profile:
    """The person's profile, made if missing, locked until the transaction ends."""
    Profile.objects.bulk_create([Profile(user_id=user_id)], ignore_conflicts=True)
    return (
        Profile.objects.select_for_update(of=("self",))
        .select_related("photo")
        .get(user_id=user_id)
    )


# Photos ---------------------------------------------------------------------------------


def prepare_photo(upload) -> ContentFile:
    """The photo re-encoded: upright, at most ``PHOTO_MAX_SIDE`` a side, a JPEG, no metadata."""
    upload.seek(0)
    try:
        with PILImage.open(upload) as original:
            image = ImageOps.exif_transpose(original)
            image = image.convert("RGBA") if image.mode != "RGB" else image
            if image.mode == "RGBA":
                # Transparent parts become white, as they look on the page.
                flat = PILImage.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            encoded = BytesIO()
            image.save(encoded, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    except Exception as error:  # Pillow signals damaged data with many types
        raise ValidationError({"photo": [DAMAGED_MESSAGE]}) from error
    finally:
        upload.seek(0)
    return ContentFile(encoded.getvalue(), name=f"profile-{uuid.uuid4().hex}.jpg")


def photos_collection() -> Collection:
    """The collection profile photos are kept in, made under the root the first time."""
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=PHOTOS_COLLECTION).first()
    return found or root.add_child(name=PHOTOS_COLLECTION)


def photo_collection_ids() -> list[int]:
    """The collection profile photos are kept in, as a list (empty before the first photo)."""
    return list(Collection.objects.filter(name=PHOTOS_COLLECTION).values_list("pk", flat=True))


def _store_photo(content: ContentFile, user):
    Image = get_image_model()
    image = Image(
        title=_("Profile photo"),
        file=content,
        collection=photos_collection(),
        uploaded_by_user=user,
    )
    image._set_image_file_metadata()
    image.save()
    return image


def is_profile_photo(image) -> bool:
    return image is not None and image.collection.name == PHOTOS_COLLECTION


# Filling from enrolments ----------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentFacts:
    """What one enrolment says that a profile shows too (topics by id)."""

    user_id: int
    department: str = ""
    location: str = ""
    time_zone: str = ""
    languages: tuple[str, ...] = ()
    offers: tuple[int, ...] = ()
    seeks: tuple[int, ...] = ()


TOPIC_FIELDS = ("offers", "seeks")
SCALAR_FIELDS = tuple(name for name in FILLED_FIELDS if name not in TOPIC_FIELDS)
LIMITS = {
    "department": DEPARTMENT_MAX_LENGTH,
    "location": LOCATION_MAX_LENGTH,
    "time_zone": Profile._meta.get_field("time_zone").max_length,
}


def _fits(name: str, value) -> bool:
    if name in LIMITS:
        return isinstance(value, str) and len(value) <= LIMITS[name] and "\n" not in value
    if name == "languages":
        try:
            return clean_languages(list(value)) == list(value)
        except ValidationError:
            return False
    return True


def fill_profiles(facts: Iterable[EnrolmentFacts]) -> int:
    """Copy what enrolments say into their people's profiles; returns how many changed.

    A field the person changed themselves (``Profile.edited``) is left alone,
    and so is a field the enrolment leaves empty. When one person has several
    enrolments, the last in ``facts`` counts. Call it in the transaction that
    saves the enrolments.
    """
    by_user = {fact.user_id: fact for fact in facts}
    if not by_user:
        return 0
    with transaction.atomic():
        Profile.objects.bulk_create(
            [Profile(user_id=user_id) for user_id in by_user], ignore_conflicts=True
        )
        profiles = list(
            Profile.objects.select_for_update()
            .filter(user_id__in=list(by_user))
            .prefetch_related("offers", "seeks")
            .order_by("pk")
        )
        changed = []
        now = timezone.now()
        topics: dict[str, dict[int, tuple[int, ...]]] = {"offers": {}, "seeks": {}}
        for profile in profiles:
            fact = by_user[profile.user_id]
            edited = set(profile.edited or [])
            dirty = False
            for name in SCALAR_FIELDS:
                value = getattr(fact, name)
                value = list(value) if name == "languages" else value
                if name in edited or not value or not _fits(name, value):
                    continue
                if getattr(profile, name) != value:
                    setattr(profile, name, value)
                    dirty = True
            for name in TOPIC_FIELDS:
                wanted = getattr(fact, name)
                current = {topic.pk for topic in getattr(profile, name).all()}
                if name not in edited and wanted and current != set(wanted):
                    topics[name][profile.pk] = wanted
                    dirty = True
            if dirty:
                profile.updated_at = now
                changed.append(profile)
        Profile.objects.bulk_update(changed, [*SCALAR_FIELDS, "updated_at"])
        for name, wanted in topics.items():
            if not wanted:
                continue
            through = getattr(Profile, name).through
            through.objects.filter(profile_id__in=list(wanted)).delete()
            through.objects.bulk_create(
                [
                    through(profile_id=profile_id, topic_id=topic_id)
                    for profile_id, topic_ids in wanted.items()
                    for topic_id in dict.fromkeys(topic_ids)
                ]
            )
    return len(changed)


# Erasing --------------------------------------------------------------------------------


def erase_profile(user) -> None:
    """Delete the person's profile and its photo (the files go when the transaction commits)."""
    profile = Profile.objects.filter(user=user).select_related("photo").first()
    if profile is None:
        return
    photo = profile.photo
    profile.delete()
    if photo is not None and is_profile_photo(photo):
        photo.delete()


# Showing --------------------------------------------------------------------------------


def _rendition_prefetch(path: str) -> Prefetch:
    Rendition = get_image_model().get_rendition_model()
    return Prefetch(path, queryset=Rendition.objects.filter(filter_spec=PHOTO_SPEC))


def with_profiles(queryset, user_path: str = "user"):
    """``queryset`` (rows with a ``user``) loading each user's profile and photo in its
    own query, and the photos' renditions in one more (only when someone has a photo)."""
    return queryset.select_related(f"{user_path}__profile__photo").prefetch_related(
        _rendition_prefetch(f"{user_path}__profile__photo__renditions")
    )


def profiles_for(user_ids: Sequence[int], *, topics: bool = False) -> dict[int, Profile]:
    """The profiles of ``user_ids`` by user id, photos (and topics) loaded in bulk."""
    profiles = Profile.objects.filter(user_id__in=list(user_ids)).select_related("photo")
    profiles = profiles.prefetch_related(_rendition_prefetch("photo__renditions"))
    if topics:
        profiles = profiles.prefetch_related("offers", "seeks")
    return {profile.user_id: profile for profile in profiles}


def profile_of(user) -> Profile | None:
    """The profile loaded with ``user`` (``select_related``), or None when they have none."""
    return getattr(user, "profile", None)


def initials(user) -> str:
    """'AB' for Ada Byron; the first letter of whatever names them otherwise."""
    letters = [part[0] for part in (user.first_name, user.last_name) if part and part.strip()]
    if not letters:
        letters = [str(user)[:1]]
    return "".join(letters).upper()


@dataclass
class ProfileCard:
    """A person's profile as a page shows it; ``profile`` may be None (name and initials).

    ``email`` is filled in only where the viewer may write to them (fellow
    members of a journey).
    """

    user: object
    profile: Profile | None
    url: str = ""
    role_label: str = ""
    is_me: bool = False
    email: str = ""

    @property
    def name(self) -> str:
        return str(self.user)

    @property
    def initials(self) -> str:
        return initials(self.user)

    def _value(self, name: str):
        return getattr(self.profile, name) if self.profile is not None else ""

    @property
    def photo(self):
        return self.profile.photo if self.profile is not None else None

    @property
    def job_title(self) -> str:
        return self._value("job_title")

    @property
    def department(self) -> str:
        return self._value("department")

    @property
    def location(self) -> str:
        return self._value("location")

    @property
    def place(self) -> str:
        """'Finance · Lagos': where they sit in the organisation, as one line."""
        return " · ".join(part for part in (self.department, self.location) if part)

    @property
    def time_zone(self) -> str:
        return (self._value("time_zone") or "").replace("_", " ")

    @property
    def languages(self) -> list[str]:
        codes = self.profile.languages if self.profile is not None else []
        return [language_name(code) for code in codes or []]

    @property
    def about(self) -> str:
        return self._value("about")

    @property
    def how_to_meet(self) -> str:
        return self._value("how_to_meet")

    @property
    def offers(self) -> list[str]:
        if self.profile is None:
            return []
        return sorted(topic.name for topic in self.profile.offers.all())

    @property
    def seeks(self) -> list[str]:
        if self.profile is None:
            return []
        return sorted(topic.name for topic in self.profile.seeks.all())

    @property
    def is_empty(self) -> bool:
        """Whether the person has said nothing about themselves yet."""
        return self.profile is None or not any(
            (
                self.job_title,
                self.place,
                self.time_zone,
                self.languages,
                self.about,
                self.how_to_meet,
                self.offers,
                self.seeks,
            )
        )


# What members told their program for their match -------------------------------------


@dataclass(frozen=True)
class MatchNote:
    """What one person told their program for their match to read before they meet.

    ``note`` is their note in their own words; ``answers`` are (question,
    answer) pairs of the questions the program shares with the match.
    """

    user_id: int
    note: str = ""
    answers: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.note or self.answers)


def match_notes(journey) -> dict[int, MatchNote]:
    """Every member's note for their match in ``journey``, by user id, from the hook."""
    notes: dict[int, MatchNote] = {}
    for find in hooks.get_hooks(MATCH_NOTES_HOOK):
        for note in find(journey):
            if note:
                notes.setdefault(note.user_id, note)
    return notes
