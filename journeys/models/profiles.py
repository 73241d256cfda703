"""What a participant tells the people they walk with about themselves.

Rules the model holds (``services.profiles`` keeps the rest):

* One profile per person, made the first time something fills it: their own
  page (``/my/profile/``) or an enrolment (matching copies what an enrolment
  already says).
* ``edited`` names the fields the person changed themselves; what an enrolment
  says never overwrites them.
* Every text has a limit in characters (docs/architecture.md, "Text limits")
  and holds no control characters (``content.text``).
* Who sees a profile is decided by the pages that show it: the person's fellow
  members of a journey, their program's admins, and the mentees self-match
  suggests them to. Nothing here is public.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model_string

from content.text import validate_line, validate_lines

JOB_TITLE_MAX_LENGTH = 120
DEPARTMENT_MAX_LENGTH = 120
LOCATION_MAX_LENGTH = 120
TIME_ZONE_MAX_LENGTH = 64
ABOUT_MAX_LENGTH = 1000
HOW_TO_MEET_MAX_LENGTH = 300
LANGUAGES_MAX_LENGTH = 200  # as typed: "en, fr, yue"

# What an enrolment may fill in, unless the person changed it themselves.
FILLED_FIELDS = ("department", "location", "time_zone", "languages", "offers", "seeks")


class Profile(models.Model):
    """A participant's profile: who they are, where, and what they bring and seek."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        help_text=_("The person this profile describes; their name is their account's."),
    )
    photo = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Their photo, shown cropped to a square; their initials when there is none."),
    )
    job_title = models.CharField(
        max_length=JOB_TITLE_MAX_LENGTH,
        blank=True,
        validators=[validate_line],
        help_text=_("Their role, as colleagues know it, e.g. 'Shift supervisor'."),
    )
    department = models.CharField(
        max_length=DEPARTMENT_MAX_LENGTH,
        blank=True,
        validators=[validate_line],
        help_text=_("Their department or team."),
    )
    location = models.CharField(
        max_length=LOCATION_MAX_LENGTH,
        blank=True,
        validators=[validate_line],
        help_text=_("The office or city they work from."),
    )
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        blank=True,
        help_text=_("Their time zone, as a name such as Europe/London."),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The languages they speak at work (ISO codes, e.g. 'en')."),
    )
    about = models.TextField(
        blank=True,
        max_length=ABOUT_MAX_LENGTH,
        validators=[MaxLengthValidator(ABOUT_MAX_LENGTH), validate_lines],
        help_text=_("A few sentences about themselves, in their own words."),
    )
    offers = models.ManyToManyField(
        "content.Topic",
        blank=True,
        related_name="offered_in_profiles",
        help_text=_("What they can offer others."),
    )
    seeks = models.ManyToManyField(
        "content.Topic",
        blank=True,
        related_name="sought_in_profiles",
        help_text=_("What they would like to grow in."),
    )
    how_to_meet = models.CharField(
        max_length=HOW_TO_MEET_MAX_LENGTH,
        blank=True,
        validators=[validate_line],
        help_text=_("How they like to meet, e.g. 'Video calls in the morning'."),
    )
    edited = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("The fields the person changed themselves, which enrolments leave alone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")

    def __str__(self):
        return _("Profile of %(person)s") % {"person": self.user}
