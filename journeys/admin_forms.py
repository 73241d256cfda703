"""Forms for the journeys admin views that are not a model's own edit form."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import AdminDateInput

from content.models import Topic

from .admin_access import administered_templates
from .models import JourneyPage, MemberRole, ProgramPage
from .services.access import administered_programs


class Shape:
    PAIR = "pair"
    CIRCLE = "circle"
    REVERSE = "reverse"
    CHOICES = [
        (PAIR, _("Pair: one mentor and one mentee")),
        (CIRCLE, _("Circle: a mentor (optional) and several members")),
        (REVERSE, _("Reverse mentoring: a pair in which the more junior person mentors")),
    ]


class JourneyPageChoiceField(forms.ModelChoiceField):
    """Journeys labelled with their program, read in one query rather than one each."""

    def label_from_instance(self, obj):
        if not hasattr(self, "_program_titles"):
            self._program_titles = dict(ProgramPage.objects.values_list("path", "title"))
        program = self._program_titles.get(obj.path[: -obj.steplen])
        return f"{program} › {obj.title}" if program else obj.title


def person_label(person) -> str:
    name = person.get_full_name()
    return f"{name} <{person.email}>" if name else person.email


class PersonChoiceMixin:
    def label_from_instance(self, obj):
        return person_label(obj)


class PersonChoiceField(PersonChoiceMixin, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonChoiceMixin, forms.ModelMultipleChoiceField):
    pass


# Apps above this one say who else belongs to a program through this Wagtail hook:
# ``fn(programs) -> queryset of user ids``, e.g. the people enrolled in them.
PROGRAM_PEOPLE_HOOK = "program_people"


def people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")


def people_for(user):
    """The people ``user`` may start journeys for: everyone active for a superuser;
    for a program admin, those who have been in a journey of, or who belong in
    another way (such as an enrolment) to, a program they administer. Nobody else's
    name or address is offered."""
    if user.is_superuser:
        return people()
    return people_of(administered_programs(user))


def people_of(programs):
    """The active people who belong to ``programs`` (a queryset of programs): in a
    journey of one, or announced by an app above (matching: enrolled in one)."""
    belongs = Q(journey_memberships__journey__program__in=programs)
    for provide in hooks.get_hooks(PROGRAM_PEOPLE_HOOK):
        belongs |= Q(pk__in=provide(programs))
    return people().filter(pk__in=get_user_model().objects.filter(belongs).values("pk"))


# How far from today a journey started by hand may begin.
STARTED_ON_DAYS_BACK = 366
STARTED_ON_DAYS_AHEAD = 366


class StartJourneysForm(forms.Form):
    """Who walks together, on which journey, from when.

    The form only gathers the choice; ``start_journey`` decides whether the
    group makes a valid pair or circle, and its refusal becomes a form error.
    """

    program = forms.ModelChoiceField(
        queryset=ProgramPage.objects.order_by("title"),
        label=_("Program"),
        help_text=_("The program the journey belongs to."),
    )
    template = JourneyPageChoiceField(
        queryset=JourneyPage.objects.live().order_by("path"),
        required=False,
        label=_("Journey"),
        help_text=_(
            "A published journey of that program. Leave empty to use the program's "
            "default journey for pairs or for circles."
        ),
    )
    started_on = forms.DateField(
        label=_("Starts on"),
        widget=AdminDateInput,
        help_text=_(
            "Milestones open counting from this day; it may be up to a year before or after today."
        ),
    )
    shape = forms.ChoiceField(
        choices=Shape.CHOICES,
        initial=Shape.PAIR,
        widget=forms.RadioSelect,
        label=_("Who walks together"),
        help_text=_("A pair needs a mentor and a mentee; a circle needs at least two members."),
    )
    mentor = PersonChoiceField(
        queryset=people(),
        required=False,
        label=_("Mentor"),
        help_text=_(
            "For reverse mentoring, the more junior person. Optional for a circle. People "
            "enrolled in, or already in a journey of, the programs you run."
        ),
    )
    mentee = PersonChoiceField(
        queryset=people(),
        required=False,
        label=_("Mentee"),
        help_text=_(
            "The person being mentored in a pair or in reverse mentoring. Someone not "
            "listed enrols on the program's page first."
        ),
    )
    members = PeopleChoiceField(
        queryset=people(),
        required=False,
        label=_("Circle members"),
        help_text=_(
            "For a circle: everyone in it besides the mentor. Hold Ctrl or ⌘ to pick several."
        ),
    )
    tracks = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Tracks"),
        help_text=_(
            "The topics the journey's goals cover; milestones on these tracks are included."
        ),
    )

    def __init__(self, *args, for_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()
        # Only the programs the person administers, and their journeys, can be chosen.
        self.fields["program"].queryset = administered_programs(for_user).order_by("title")
        self.fields["template"].queryset = administered_templates(for_user).live().order_by("path")
        # Only people of those programs are offered, and only they are accepted.
        offered = people_for(for_user)
        for name in ("mentor", "mentee", "members"):
            self.fields[name].queryset = offered
        # A program admin starts journeys for the chosen program's own people only.
        self.checks_program_people = not for_user.is_superuser

    def clean_started_on(self):
        started_on = self.cleaned_data["started_on"]
        today = timezone.localdate()
        earliest = today - datetime.timedelta(days=STARTED_ON_DAYS_BACK)
        latest = today + datetime.timedelta(days=STARTED_ON_DAYS_AHEAD)
        if not earliest <= started_on <= latest:
            raise forms.ValidationError(
                _("Choose a day from %(earliest)s to %(latest)s.")
                % {
                    "earliest": date_format(earliest, "j F Y"),
                    "latest": date_format(latest, "j F Y"),
                }
            )
        return started_on

    def clean(self):
        cleaned = super().clean()
        program = cleaned.get("program")
        template = cleaned.get("template")
        if program and template and not template.is_child_of(program):
            self.add_error(
                "template",
                _("“%(journey)s” belongs to another program; choose one of “%(program)s”.")
                % {"journey": template.title, "program": program.title},
            )
        shape = cleaned.get("shape")
        if shape in (Shape.PAIR, Shape.REVERSE):
            for name, message in (
                ("mentor", _("Choose the mentor.")),
                ("mentee", _("Choose the mentee.")),
            ):
                if not cleaned.get(name):
                    self.add_error(name, message)
        elif shape == Shape.CIRCLE and len(cleaned.get("members") or ()) < 2:
            self.add_error("members", _("A circle needs at least two members besides its mentor."))
        if program and self.checks_program_people:
            self._check_program_people(program, cleaned)
        return cleaned

    def _check_program_people(self, program, cleaned) -> None:
        names = ("mentor", "mentee") if cleaned.get("shape") != Shape.CIRCLE else ("mentor",)
        chosen = {name: [cleaned[name]] for name in names if cleaned.get(name)}
        if cleaned.get("shape") == Shape.CIRCLE and cleaned.get("members"):
            chosen["members"] = list(cleaned["members"])
        ids = {person.pk for people in chosen.values() for person in people}
        belong = set(
            people_of(ProgramPage.objects.filter(pk=program.pk))
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        for name, people in chosen.items():
            for person in people:
                if person.pk not in belong:
                    self.add_error(
                        name,
                        _(
                            "%(person)s is not enrolled in “%(program)s”: they enrol on "
                            "its page first."
                        )
                        % {"person": person_label(person), "program": program.title},
                    )

    def members_with_roles(self):
        """The (user, role) pairs ``start_journey`` expects, in the order chosen."""
        data = self.cleaned_data
        if data["shape"] == Shape.CIRCLE:
            members = [(data["mentor"], MemberRole.MENTOR)] if data.get("mentor") else []
            members += [(user, MemberRole.MEMBER) for user in data["members"]]
            return members
        return [(data["mentor"], MemberRole.MENTOR), (data["mentee"], MemberRole.MENTEE)]
