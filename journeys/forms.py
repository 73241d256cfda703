"""Forms behind the participant pages' actions.

They only shape and check what a person typed; the rules about who may do what,
and when, live in ``journeys.services.progress``, which the views call with the
cleaned data. Every text field has a limit (docs/architecture.md, "Text
limits"), which the services check again: markdown at
``TRELLIS_MARKDOWN_MAX_CHARS``, plain text at the model's ``max_length``, with
no control characters (``content.text``).
"""

from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from content.images import CompleteImageField
from content.markdown import validate_markdown
from content.models import Topic
from content.text import PlainTextField
from content.widgets import LongSelect

from .models import (
    AGENDA_MAX_LENGTH,
    AGREED_ACTIONS_MAX_LENGTH,
    GOAL_MAX_LENGTH,
    MEETING_MINUTES_MAX,
    MEETING_MINUTES_MIN,
    MESSAGE_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    VIDEO_LINK_MAX_LENGTH,
    GoalStatus,
    ParticipantPreferences,
)
from .models.profiles import (
    ABOUT_MAX_LENGTH,
    DEPARTMENT_MAX_LENGTH,
    HOW_TO_MEET_MAX_LENGTH,
    JOB_TITLE_MAX_LENGTH,
    LANGUAGES_MAX_LENGTH,
    LOCATION_MAX_LENGTH,
)
from .services.profiles import NAME_MAX_LENGTH
from .validation import clean_languages, clean_time_zone, time_zone_choices, zone_label

PULSE_CHOICES = [
    (1, _("1 – not at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 – very")),
]


# A milestone's key or a block's id: what a milestone's address and a step's anchor hold.
BLOCK_ID = RegexValidator(
    r"\A[A-Za-z0-9_-]+\Z", _("This is not a milestone or step of the journey.")
)


class StepOriginForm(forms.Form):
    """Remembers which step a form was sent from, so an error re-renders that page."""

    milestone_id = forms.CharField(
        required=False, max_length=64, validators=[BLOCK_ID], widget=forms.HiddenInput
    )
    step_id = forms.CharField(
        required=False, max_length=64, validators=[BLOCK_ID], widget=forms.HiddenInput
    )


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        required=False,
        validators=[validate_markdown],
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Only you can read this unless you share it. Markdown works: **bold**, *italic*, "
            "lists and links."
        ),
    )
    shared = forms.BooleanField(
        label=_("Share with my partner"),
        required=False,
        help_text=_("You can stop sharing at any time."),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, share_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if share_label:
            self.fields["shared"].label = share_label


# A meeting's length refused in the words of its help text, not Django's "Ensure this value".
MEETING_LENGTH_ERRORS = {
    "min_value": format_lazy(
        _("A meeting lasts at least {minutes} minutes."), minutes=MEETING_MINUTES_MIN
    ),
    "max_value": format_lazy(
        _("A meeting lasts at most {hours} hours ({minutes} minutes)."),
        hours=MEETING_MINUTES_MAX // 60,
        minutes=MEETING_MINUTES_MAX,
    ),
}


class MeetingForm(StepOriginForm):
    held_on = forms.DateField(
        label=_("When did you meet?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day of the conversation."),
    )
    duration_minutes = forms.IntegerField(
        label=_("How long, in minutes?"),
        initial=60,
        min_value=MEETING_MINUTES_MIN,
        max_value=MEETING_MINUTES_MAX,
        error_messages=MEETING_LENGTH_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("A rough figure is fine."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        validators=[validate_markdown],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you talked about; everyone in the journey can read these."),
    )
    agreed_actions = PlainTextField(
        multiline=True,
        label=_("What we agreed to do next"),
        required=False,
        max_length=AGREED_ACTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: who does what before you next meet."),
    )


class GoalForm(StepOriginForm):
    text = PlainTextField(
        label=_("Your goal"),
        max_length=GOAL_MAX_LENGTH,
        help_text=_("In a few words, e.g. “Lead a team meeting with confidence”."),
    )
    target_date = forms.DateField(
        label=_("By when? (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A date helps you look back together; leave it empty if you prefer."),
    )


class GoalStatusForm(StepOriginForm):
    status = forms.ChoiceField(
        label=_("Where this goal stands"),
        choices=GoalStatus.choices,
        help_text=_("Change it whenever things move."),
    )


class PulseForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=PULSE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 means not at all valuable, 5 means very valuable."),
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )


class MessageForm(forms.Form):
    """A message in the conversation; ``origin`` says which page it was sent from."""

    text = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        validators=[validate_markdown],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Everyone in this journey can read it. Markdown works: **bold**, *italic*, lists "
            "and links. You can change or delete it for 15 minutes."
        ),
        error_messages={
            "required": _("Write your message first."),
            "max_length": _(
                "A message can be at most %(limit_value)d characters long; this is "
                "%(show_value)d. Shorten it, or send it in two messages."
            ),
        },
    )
    origin = forms.ChoiceField(
        choices=[("conversation", "conversation"), ("journey", "journey")],
        required=False,
        widget=forms.HiddenInput,
    )


class ReportForm(forms.Form):
    reason = PlainTextField(
        multiline=True,
        label=_("What worries you about this message? (optional)"),
        required=False,
        max_length=REPORT_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words help your program's admins understand; you may leave it empty."),
    )


class EmailPreferenceForm(forms.ModelForm):
    class Meta:
        model = ParticipantPreferences
        fields = ["emails"]
        labels = {"emails": _("Emails about your mentoring")}
        help_texts = {
            "emails": _(
                "Reminders when a milestone opens or is nearly due, and news from your "
                "journeys. Emails that ask something of you (a meeting invitation, an "
                "introduction, a request) come whatever you choose. Your journeys work the "
                "same either way."
            )
        }
        widgets = {"emails": forms.RadioSelect}


class ProfileForm(forms.Form):
    """What a person tells the people they walk with about themselves (``/my/profile/``).

    Built from the person's ``user`` and ``profile`` (None before they have one);
    ``services.profiles.save_profile`` checks it all again and saves it.
    """

    first_name = PlainTextField(
        label=_("Your first name"),
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": _("Say what people should call you: your first name is needed.")
        },
        help_text=_("As colleagues call you."),
    )
    last_name = PlainTextField(
        label=_("Your last name"), required=False, max_length=NAME_MAX_LENGTH
    )
    photo = CompleteImageField(label=_("Your photo"), required=False)
    remove_photo = forms.BooleanField(
        label=_("Remove my photo"),
        required=False,
        help_text=_("Your initials are shown instead."),
    )
    job_title = PlainTextField(
        label=_("Your role"),
        required=False,
        max_length=JOB_TITLE_MAX_LENGTH,
        help_text=_("As people in the organisation know it, e.g. “Shift supervisor”."),
    )
    department = PlainTextField(
        label=_("Your department or team"),
        required=False,
        max_length=DEPARTMENT_MAX_LENGTH,
        help_text=_("e.g. “Finance”."),
    )
    location = PlainTextField(
        label=_("Where you work from"),
        required=False,
        max_length=LOCATION_MAX_LENGTH,
        help_text=_("The office or city you usually work from."),
    )
    time_zone = forms.CharField(
        label=_("Your time zone"),
        required=False,
        max_length=64,
        widget=LongSelect,
        help_text=_("So the people you meet know when your working day is."),
    )
    languages = forms.CharField(
        label=_("Languages you speak at work"),
        required=False,
        max_length=LANGUAGES_MAX_LENGTH,
        help_text=_(
            "Two- or three-letter codes separated by commas, such as “en, fr” for English "
            "and French."
        ),
    )
    about = PlainTextField(
        multiline=True,
        label=_("About you"),
        required=False,
        max_length=ABOUT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few sentences in your own words, up to 1,000 characters."),
    )
    offers = forms.ModelMultipleChoiceField(
        label=_("What you can offer"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What you could help someone else with."),
    )
    seeks = forms.ModelMultipleChoiceField(
        label=_("What you would like to grow in"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What you would like help with."),
    )
    how_to_meet = PlainTextField(
        label=_("How you like to meet"),
        required=False,
        max_length=HOW_TO_MEET_MAX_LENGTH,
        help_text=_("e.g. “Video calls in the morning; a walk when we are on the same site”."),
    )

    def __init__(self, *args, user, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _("Shown cropped to a square. %(formats)s") % {
            "formats": self.fields["photo"].help_text
        }
        for name in ("offers", "seeks"):
            self.fields[name].queryset = Topic.objects.order_by("name")
        if profile is None or profile.photo_id is None:
            del self.fields["remove_photo"]
        self.initial.update({"first_name": user.first_name, "last_name": user.last_name})
        if profile is not None:
            self.initial.update(
                {
                    name: getattr(profile, name)
                    for name in (
                        "job_title",
                        "department",
                        "location",
                        "time_zone",
                        "about",
                        "how_to_meet",
                    )
                }
            )
            self.initial["languages"] = ", ".join(profile.languages or [])
            if profile.pk:
                self.initial["offers"] = list(profile.offers.values_list("pk", flat=True))
                self.initial["seeks"] = list(profile.seeks.values_list("pk", flat=True))
        # After the initial values: a zone the list does not offer is kept for its holder.
        self.fields["time_zone"].widget.choices = time_zone_choices(
            _("Choose your time zone"), self["time_zone"].value()
        )

    def clean_time_zone(self):
        return clean_time_zone(self.cleaned_data.get("time_zone"))

    def clean_languages(self):
        return clean_languages(self.cleaned_data.get("languages"))

    def values(self) -> dict:
        """What ``save_profile`` takes: everything but the photo."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("photo", "remove_photo")
        }


# Planning meetings ----------------------------------------------------------------------


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed, and shown, in one person's time zone (``zone``), kept aware.

    A browser's ``datetime-local`` input sends a time without a zone: it is the
    person's own. A time that does not exist there, or exists twice (when the
    clocks change), is refused in plain words.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args, zone: ZoneInfo | None = None, names_zone=False, **kwargs):
        if names_zone:
            kwargs["help_text"] = _("In your time zone.")
        super().__init__(*args, **kwargs)
        self.zone = zone or timezone.get_default_timezone()
        # Whether the help text names ``zone`` once a form knows it (``_zoned``).
        self.names_zone = names_zone

    def prepare_value(self, value):
        with timezone.override(self.zone):
            return super().prepare_value(value)

    def to_python(self, value):
        with timezone.override(self.zone):
            try:
                return super().to_python(value)
            except ValidationError as error:
                if error.code != "ambiguous_timezone":
                    raise
                raise ValidationError(
                    _(
                        "The clocks change around then in %(zone)s, so that time does not "
                        "exist there or happens twice; choose another time."
                    )
                    % {"zone": zone_label(self.zone.key)},
                    code="ambiguous_timezone",
                ) from error


def _zoned(form, zone) -> None:
    for field in form.fields.values():
        if isinstance(field, ZonedDateTimeField):
            field.zone = zone
            if field.names_zone and zone is not None:
                field.help_text = _("In your time zone, %(zone)s.") % {
                    "zone": zone_label(zone.key)
                }


class _MeetingWhereForm(forms.Form):
    duration_minutes = forms.IntegerField(
        label=_("Length of the meeting, in minutes"),
        initial=60,
        min_value=MEETING_MINUTES_MIN,
        max_value=MEETING_MINUTES_MAX,
        error_messages=MEETING_LENGTH_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=format_lazy(
            _("From {minutes} minutes to {hours} hours."),
            minutes=MEETING_MINUTES_MIN,
            hours=MEETING_MINUTES_MAX // 60,
        ),
    )
    place = PlainTextField(
        label=_("Where"),
        required=False,
        max_length=PLACE_MAX_LENGTH,
        help_text=_("A room, a café, an address. Give this or a video link, or both."),
    )
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        max_length=VIDEO_LINK_MAX_LENGTH,
        assume_scheme="https",
        help_text=_("The address of the video call, starting https://."),
    )

    def __init__(self, *args, zone: ZoneInfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _zoned(self, zone)

    def clean(self):
        data = super().clean()
        # A place or link given but refused has its own error already.
        somewhere = (
            data.get("place")
            or data.get("video_link")
            or self.has_error("place")
            or self.has_error("video_link")
        )
        if not somewhere:
            self.add_error("place", _("Say where you will meet, or give a video link (or both)."))
        return data


def _time_field(label, required=False, names_zone=False):
    return ZonedDateTimeField(label=label, required=required, names_zone=names_zone)


class ProposeMeetingForm(StepOriginForm, _MeetingWhereForm):
    option_1 = _time_field(_("First choice of time"), required=True, names_zone=True)
    option_2 = _time_field(_("Another time (optional)"))
    option_3 = _time_field(_("A third time (optional)"))
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=AGENDA_MAX_LENGTH,
        validators=[validate_markdown],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you would like to talk about; everyone in the journey can read it. "
            "Markdown works."
        ),
    )
    field_order = [
        "option_1",
        "option_2",
        "option_3",
        "duration_minutes",
        "place",
        "video_link",
        "agenda",
    ]


class SuggestTimesForm(forms.Form):
    option_1 = _time_field(_("A time that suits you"), required=True)
    option_2 = _time_field(_("Another time (optional)"))
    option_3 = _time_field(_("A third time (optional)"))

    def __init__(self, *args, zone: ZoneInfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _zoned(self, zone)


class MoveMeetingForm(_MeetingWhereForm):
    starts_at = _time_field(_("New time"), required=True, names_zone=True)
    field_order = ["starts_at", "duration_minutes", "place", "video_link"]


class AcceptTimeForm(forms.Form):
    option = forms.DateTimeField(
        label=_("The time you choose"),
        error_messages={"required": _("Choose one of the times.")},
    )


class MeetingNotesForm(forms.Form):
    notes = MeetingForm.base_fields["notes"]
    agreed_actions = MeetingForm.base_fields["agreed_actions"]
