"""Forms behind the participant pages' actions.

They only shape and check what a person typed; the rules about who may do what,
and when, live in ``journeys.services.progress``, which the views call with the
cleaned data. Every text field has a limit (docs/architecture.md, "Text
limits"), which the services check again: markdown at
``TRELLIS_MARKDOWN_MAX_CHARS``, plain text at the model's ``max_length``, with
no control characters (``content.text``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from content.markdown import validate_markdown
from content.text import PlainTextField

from .models import (
    AGREED_ACTIONS_MAX_LENGTH,
    GOAL_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    GoalStatus,
    ParticipantPreferences,
)

PULSE_CHOICES = [
    (1, _("1 – not at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 – very")),
]


class StepOriginForm(forms.Form):
    """Remembers which step a form was sent from, so an error re-renders that page."""

    milestone_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    step_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


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


class MeetingForm(StepOriginForm):
    held_on = forms.DateField(
        label=_("When did you meet?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day of the conversation."),
    )
    duration_minutes = forms.IntegerField(
        label=_("How long, in minutes?"),
        initial=60,
        min_value=5,
        max_value=600,
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
        help_text=_(
            "A few words help your programme's admins understand; you may leave it empty."
        ),
    )


class EmailPreferenceForm(forms.ModelForm):
    class Meta:
        model = ParticipantPreferences
        fields = ["emails"]
        labels = {"emails": _("Emails about your mentoring")}
        help_texts = {
            "emails": _(
                "Reminders when a milestone opens or is nearly due. Your journeys work the same "
                "whichever you choose."
            )
        }
        widgets = {"emails": forms.RadioSelect}
