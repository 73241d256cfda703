"""The enrolment form, and the rules every way of enrolling enforces.

The functions at the top check one kind of value each; the form calls them from
its ``clean`` methods and ``matching.importer`` calls them for each CSV row, so a
person typing into the page and an admin importing a file meet the same rules:

* Languages and time zones follow ``journeys.validation``, the rules profiles
  use too: two- or three-letter language codes; a time zone named as
  ``zoneinfo`` names it, or blank.
* Seniority is a whole number from 1 (first role) to 10 (executive), or blank.
* Whoever may mentor (role mentor or either) has room for 1 to ``MAX_CAPACITY``
  people. A mentee's capacity is never asked about, never refused, and is stored
  as the default, 1.
* Colleagues are named by email address. Every address must belong to an active
  account (the importer may also name people its own file adds); nobody can name
  themselves; a line manager is one address at most.
* Each of the program's questions is answered in the shape matching reads
  (``services.loader``): single choice, the choice's text; multiple choice, a list
  of choices; scale, a whole number between the question's ends; free text, at
  most ``MAX_TEXT_ANSWER`` characters; topic picker, a list of topic slugs. A
  required question must be answered. Answers are stored under the question's
  key; answers to questions the program no longer asks are kept as they are.
* Opt-in attributes are never required. Only the program's own can be chosen,
  and they are stored by key.
* Text has a limit in characters (docs/architecture.md, "Text limits") and holds
  no control characters (``content.text``): department and location are one line
  of at most 120, goals and free-text answers at most 2,000 over any number of
  lines, the avoid list at most ``MAX_AVOID`` characters.
* An enrolment can be changed until it is matched; saving a withdrawn one
  enrols the person again. Whoever still walks in a running journey (withdrawing
  does not end it) keeps the role it was started for, and a mentor's capacity is
  never lowered below the places their running matches fill
  (``services.runs.places_filled``: a pair or a whole circle takes one) and the
  requests waiting for their answer hold (``services.runs.open_requests``). Nor
  does the role leave a self-match request waiting on a side it no longer takes
  (``requests_a_role_leaves``): a mentor asked by someone keeps mentoring, and a
  mentee who asked keeps being mentored, until the request is answered or
  withdrawn. Saving it fills the person's profile with what it says, except what
  they changed on their profile (``services.profiles``).
* A question the program shares with the match says so under it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from content.models import Topic
from content.text import control_character, control_character_error
from content.widgets import LongSelect
from journeys.validation import (
    clean_languages,
    clean_time_zone,
    quoted_list,
    split_list,
    suggestion,
    time_zone_choices,
)

from .models import (
    CHOICE_SEPARATOR,
    Enrollment,
    EnrollmentStatus,
    MentorRequest,
    ProgramAttribute,
    ProgramQuestion,
    QuestionKind,
    RequestStatus,
    RoleWanted,
)
from .services.profiles import fill_from_enrollments
from .services.runs import open_requests, places_filled, running_journeys

SENIORITY_MIN = 1
SENIORITY_MAX = 10
DEFAULT_CAPACITY = 1
MAX_CAPACITY = 20  # a guard against typos ("30" for "3"), far above any real mentor
MAX_TEXT_ANSWER = 2000
MAX_AVOID = 2000  # about forty work addresses
MAX_LANGUAGES = 200
MAX_NUMBER = 10  # characters of a typed number (capacity, seniority)

WHOLE_NUMBER = re.compile(r"[+-]?\d+")
ANSWER_SEPARATOR = re.compile(re.escape(CHOICE_SEPARATOR))  # choices may hold commas, spaces

Answer = str | int | list[str]


# Rules shared with the importer -------------------------------------------------------


def _whole_number(value: object) -> int | None:
    """``value`` as an int if it is one (3, "3", " +3 "), else None; booleans are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_seniority(value: object) -> int | None:
    """A level from 1 to 10, or None when none is given."""
    if _is_blank(value):
        return None
    number = _whole_number(value)
    if number is None:
        raise ValidationError(
            _("'%(value)s' is not a whole number between %(low)s and %(high)s.")
            % {"value": value, "low": SENIORITY_MIN, "high": SENIORITY_MAX},
            code="seniority",
        )
    if not SENIORITY_MIN <= number <= SENIORITY_MAX:
        raise ValidationError(
            _("'%(value)s' is not between %(low)s and %(high)s.")
            % {"value": value, "low": SENIORITY_MIN, "high": SENIORITY_MAX},
            code="seniority",
        )
    return number


def clean_role(value: str | None) -> str:
    """A role from its value or its label, in any letter case ("Mentor", "either")."""
    folded = (value or "").strip().casefold()
    for role in RoleWanted:
        if folded in (role.value, str(role.label).casefold()):
            return role.value
    if not folded:
        raise ValidationError(_("Give a role: mentor, mentee or either."), code="role")
    raise ValidationError(
        _("'%(value)s' is not a role; use mentor, mentee or either.") % {"value": value.strip()},
        code="role",
    )


def clean_capacity(role: str, value: object) -> int:
    """How many people a mentor has room for; a mentee's answer is ignored and stored as 1."""
    if role == RoleWanted.MENTEE:
        return DEFAULT_CAPACITY
    number = None if _is_blank(value) else _whole_number(value)
    if not _is_blank(value) and number is None:
        raise ValidationError(
            _("'%(value)s' is not a whole number.") % {"value": value}, code="capacity"
        )
    if number is None or number < 1:
        raise ValidationError(
            _("As a mentor, say how many people you have room for: at least 1."),
            code="capacity",
        )
    if number > MAX_CAPACITY:
        raise ValidationError(
            _("'%(value)s' is more than %(most)s, the most one mentor can take on.")
            % {"value": value, "most": MAX_CAPACITY},
            code="capacity",
        )
    return number


def lowers_below_given(enrollment: Enrollment | None, role: str, capacity, given: int) -> bool:
    """Whether ``capacity`` lowers a mentor's capacity below the ``given`` places: those
    their running matches fill (``services.runs.places_filled``) and those the requests
    waiting for their answer hold (``services.runs.open_requests``).

    Those matches go on whatever the capacity says, so a capacity below them would
    only miscount the mentor's places; and a request accepted must find its place, or
    the mentor who lowered it is refused when they say yes. One already below is not
    refused unless it is lowered further.
    """
    return (
        enrollment is not None
        and enrollment.pk is not None
        and role in (RoleWanted.MENTOR, RoleWanted.EITHER)
        and isinstance(capacity, int)
        and capacity < given
        and capacity < enrollment.capacity
    )


def requests_a_role_leaves(
    enrollment: Enrollment | None, role: str
) -> tuple[list[MentorRequest], list[MentorRequest]]:
    """The self-match requests still waiting that changing ``enrollment`` to ``role``
    would leave on a side it no longer takes: those made to them as a mentor when they
    stop mentoring, and their own to a mentor when they stop being mentored.

    Accepted, such a request would start a journey with someone on the wrong side (or
    wait for an answer nobody can give), so the role stays until it is answered or
    withdrawn. ``enrollment.role`` is the role held now.
    """
    if enrollment is None or enrollment.pk is None or not role or role == enrollment.role:
        return [], []
    pending = MentorRequest.objects.filter(status=RequestStatus.PENDING).order_by(
        "created_at", "pk"
    )
    to_them: list[MentorRequest] = []
    by_them: list[MentorRequest] = []
    if role not in (RoleWanted.MENTOR, RoleWanted.EITHER):
        to_them = list(pending.filter(mentor=enrollment).select_related("mentee__user"))
    if role not in (RoleWanted.MENTEE, RoleWanted.EITHER):
        by_them = list(pending.filter(mentee=enrollment).select_related("mentor__user"))
    return to_them, by_them


def clean_length(value: str | None, max_length: int) -> str:
    """The text, stripped, if it fits in ``max_length`` characters."""
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationError(
            _("This is %(length)s characters long; the most allowed is %(most)s.")
            % {"length": f"{len(value):,}", "most": f"{max_length:,}"},
            code="max_length",
        )
    return value


def clean_text(value: str | None, max_length: int, *, multiline: bool = False) -> str:
    """The text, stripped, if it fits in ``max_length`` and holds no control character.

    Only text that may run over several lines keeps tabs and line breaks.
    """
    value = clean_length(value, max_length)
    char = control_character(value, multiline=multiline)
    if char is not None:
        raise control_character_error(char, multiline=multiline)
    return value


def parse_emails(
    value: str | Iterable[str] | None,
    *,
    own_email: str | None = None,
    single: bool = False,
    yourself: bool = True,
) -> list[str]:
    """Email addresses from a typed list (commas, semicolons, spaces or lines), each once.

    Addresses are lower case, as accounts store them. ``own_email`` is the person
    enrolling, who cannot name themselves; ``yourself`` says whether the message
    speaks to them (the form) or about them (the importer).
    """
    emails: list[str] = []
    bad: list[str] = []
    for item in split_list(value):
        email = item.lower()
        try:
            validate_email(email)
        except ValidationError:
            bad.append(item)
            continue
        if email not in emails:
            emails.append(email)
    if bad:
        raise ValidationError(
            (
                _("%(values)s is not an email address.")
                if len(bad) == 1
                else _("%(values)s are not email addresses.")
            )
            % {"values": quoted_list(bad)},
            code="email",
        )
    if single and len(emails) > 1:
        raise ValidationError(_("Give one email address only."), code="single")
    if own_email and own_email.lower() in emails:
        message = (
            _("'%(email)s' is your own email address; name someone else.")
            if yourself
            else _("'%(email)s' is this person's own email address; name someone else.")
        )
        raise ValidationError(message % {"email": own_email.lower()}, code="self")
    return emails


def find_people(
    emails: Sequence[str],
    *,
    also_known: Collection[str] = (),
    users: Mapping[str, object] | None = None,
) -> dict:
    """The active accounts of ``emails``, by email; refuse any address nobody here has.

    ``also_known`` are addresses that will have an account by the time they are
    used (the importer's own rows); they are not refused and not returned.
    ``users`` is the accounts already loaded by email, to save a query per row.
    """
    if users is None:
        users = {user.email: user for user in get_user_model().objects.filter(email__in=emails)}
    found = {email: users[email] for email in emails if email in users}
    unknown = [email for email in emails if email not in found and email not in also_known]
    inactive = [email for email in emails if email in found and not found[email].is_active]
    errors = []
    if unknown:
        errors.append(
            ValidationError(
                (
                    _("Nobody here has the email address %(emails)s; check the spelling.")
                    if len(unknown) == 1
                    else _("Nobody here has the email addresses %(emails)s; check the spelling.")
                )
                % {"emails": quoted_list(unknown)},
                code="unknown_email",
            )
        )
    if inactive:
        errors.append(
            ValidationError(
                _("The account of %(emails)s is no longer active.")
                % {"emails": quoted_list(inactive)},
                code="inactive",
            )
        )
    if errors:
        raise ValidationError(errors)
    return found


def resolve_topics(values: Iterable[str], topics: Iterable[Topic]) -> list[Topic]:
    """The topics named by slug or by name, in any letter case, each once."""
    by_name: dict[str, Topic] = {}
    for topic in topics:
        by_name.setdefault(topic.slug.casefold(), topic)
        by_name.setdefault(topic.name.casefold(), topic)
    chosen: list[Topic] = []
    unknown: list[str] = []
    for value in values:
        topic = by_name.get(value.strip().casefold())
        if topic is None:
            unknown.append(value.strip())
        elif topic not in chosen:
            chosen.append(topic)
    if unknown:
        slugs = sorted({topic.slug for topic in by_name.values()})
        hint = suggestion(unknown[0], slugs) if len(unknown) == 1 else ""
        raise ValidationError(
            (
                _("%(values)s is not a topic%(hint)s.")
                if len(unknown) == 1
                else _("%(values)s are not topics.")
            )
            % {"values": quoted_list(unknown), "hint": hint}
            + " "
            + (
                _("Known topics: %(slugs)s.") % {"slugs": ", ".join(slugs)}
                if slugs
                else _("There are no topics yet.")
            ),
            code="topic",
        )
    return chosen


def resolve_attributes(values: Iterable[str], attributes: Sequence[ProgramAttribute]) -> list[str]:
    """The keys of the program's opt-in attributes named by key or label, each once."""
    by_name: dict[str, str] = {}
    for attribute in attributes:
        by_name[str(attribute.key)] = str(attribute.key)
        by_name.setdefault(attribute.label.strip().casefold(), str(attribute.key))
    chosen: list[str] = []
    unknown: list[str] = []
    for value in values:
        key = by_name.get(value.strip()) or by_name.get(value.strip().casefold())
        if key is None:
            unknown.append(value.strip())
        elif key not in chosen:
            chosen.append(key)
    if unknown:
        known = [attribute.label for attribute in attributes]
        raise ValidationError(
            (
                _("%(values)s is not one of this program's opt-in attributes.")
                if len(unknown) == 1
                else _("%(values)s are not among this program's opt-in attributes.")
            )
            % {"values": quoted_list(unknown)}
            + " "
            + (
                _("It offers %(known)s.") % {"known": quoted_list(known)}
                if known
                else _("It has none.")
            ),
            code="attribute",
        )
    return chosen


def clean_answer(
    question: ProgramQuestion, value: object, *, topics: Iterable[Topic] = ()
) -> Answer | None:
    """The answer to ``question`` as ``Enrollment.answers`` stores it; None if unanswered.

    ``value`` is a choice's text, a list of them, a number (or its digits), free
    text, or a list of topic slugs or names, by the question's kind. ``topics``
    are the topics a topic picker may name.
    """
    kind = question.kind
    if kind in (QuestionKind.MULTIPLE, QuestionKind.TOPICS):
        items = split_list(value, separators=ANSWER_SEPARATOR)
        empty = not items
    else:
        empty = _is_blank(value)
    if empty:
        if question.required:
            raise ValidationError(_("This question needs an answer."), code="required")
        return None

    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        choices = {choice.casefold(): choice for choice in question.choice_list}
        given = [str(value).strip()] if kind == QuestionKind.SINGLE else items
        chosen = []
        unknown = []
        for item in given:
            choice = choices.get(item.casefold())
            if choice is None:
                unknown.append(item)
            elif choice not in chosen:
                chosen.append(choice)
        if unknown:
            raise ValidationError(
                (
                    _("%(values)s is not one of the choices: %(choices)s.")
                    if len(unknown) == 1
                    else _("%(values)s are not among the choices: %(choices)s.")
                )
                % {"values": quoted_list(unknown), "choices": quoted_list(question.choice_list)},
                code="choice",
            )
        return chosen[0] if kind == QuestionKind.SINGLE else chosen

    if kind == QuestionKind.SCALE:
        number = _whole_number(value)
        low, high = question.scale_min, question.scale_max
        if number is None:
            raise ValidationError(
                _("'%(value)s' is not a whole number between %(low)s and %(high)s.")
                % {"value": value, "low": low, "high": high},
                code="scale",
            )
        if not low <= number <= high:
            raise ValidationError(
                _("'%(value)s' is not between %(low)s and %(high)s.")
                % {"value": value, "low": low, "high": high},
                code="scale",
            )
        return number

    if kind == QuestionKind.TOPICS:
        return [topic.slug for topic in resolve_topics(items, topics)]

    text = str(value).strip()
    if len(text) > MAX_TEXT_ANSWER:
        raise ValidationError(
            _("The answer is %(length)s characters long; the most allowed is %(most)s.")
            % {"length": f"{len(text):,}", "most": f"{MAX_TEXT_ANSWER:,}"},
            code="max_length",
        )
    char = control_character(text, multiline=True)
    if char is not None:
        raise control_character_error(char, multiline=True)
    return text


def question_field_name(question: ProgramQuestion) -> str:
    return f"q_{question.key.hex}"


# The form -------------------------------------------------------------------------------

SENIORITY_CHOICES = [
    ("", gettext_lazy("I would rather not say")),
    (1, gettext_lazy("1 – first role")),
    *((level, str(level)) for level in range(2, SENIORITY_MAX)),
    (SENIORITY_MAX, gettext_lazy("10 – executive")),
]

SCALE_AS_RADIOS = 11  # a scale with this many points or fewer is a row of choices

KIND_HINTS = {
    QuestionKind.SINGLE: gettext_lazy("Choose one."),
    QuestionKind.MULTIPLE: gettext_lazy("Choose any that apply."),
    QuestionKind.TOPICS: gettext_lazy("Choose any that apply."),
    QuestionKind.TEXT: gettext_lazy(
        "In your own words, up to 2,000 characters. People read this; matching does not."
    ),
}


class EnrollmentForm(forms.ModelForm):
    """Everything a person tells the program when they enrol, with its own questions.

    The form is built for one program (``program``) and one enrolment (its
    ``instance``, unsaved for a first enrolment). The program's questions become
    fields named ``q_<key>``; ``question_fields`` lists them for the template.
    """

    capacity = forms.CharField(
        label=gettext_lazy("How many people can you mentor at once?"),
        required=False,
        validators=[MaxLengthValidator(MAX_NUMBER)],
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_CAPACITY}),
        help_text=gettext_lazy(
            "Only if you want to mentor (or would do either). Most mentors take one or two "
            "people; a whole circle you lead takes one place."
        ),
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Your time zone"),
        required=False,
        widget=LongSelect,
        help_text=gettext_lazy(
            "So we can pair you with someone whose working hours overlap yours."
        ),
    )
    seniority = forms.CharField(
        label=gettext_lazy("Your level"),
        required=False,
        validators=[MaxLengthValidator(MAX_NUMBER)],
        widget=forms.Select(choices=SENIORITY_CHOICES),
        help_text=gettext_lazy(
            "From 1 (your first role) to 10 (executive). It helps us match people a sensible "
            "distance apart; nobody else sees it."
        ),
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages you could mentor or be mentored in"),
        required=False,
        max_length=MAX_LANGUAGES,
        help_text=gettext_lazy(
            "Two- or three-letter codes separated by commas, such as “en, fr” for English "
            "and French."
        ),
    )
    reports_to = forms.CharField(
        label=gettext_lazy("Your line manager’s email address (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "So we never match you with your manager or with someone in your own reporting line."
        ),
    )
    avoid = forms.CharField(
        label=gettext_lazy("People you would rather not be matched with (optional)"),
        required=False,
        max_length=MAX_AVOID,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Their work email addresses, one per line or separated by commas. Only matching "
            "reads this list; nobody is told they are on it."
        ),
    )
    attributes = forms.MultipleChoiceField(
        label=gettext_lazy("Things you may choose to share (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Tick any you would like your match to share with you. Leave them all unticked "
            "if you prefer; it never counts against you."
        ),
    )

    class Meta:
        model = Enrollment
        fields = [
            "role",
            "capacity",
            "topics_offered",
            "topics_sought",
            "department",
            "location",
            "time_zone",
            "seniority",
            "goals",
        ]
        widgets = {
            "role": forms.RadioSelect,
            "topics_offered": forms.CheckboxSelectMultiple,
            "topics_sought": forms.CheckboxSelectMultiple,
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "role": gettext_lazy("How do you want to take part?"),
            "topics_offered": gettext_lazy("What could you help someone else with?"),
            "topics_sought": gettext_lazy("What would you like to grow in?"),
            "department": gettext_lazy("Your department or team"),
            "location": gettext_lazy("Where you work from"),
            "goals": gettext_lazy("What do you hope to get from the program?"),
        }
        help_texts = {
            "role": gettext_lazy(
                "Choose “Either” if you are happy to mentor or be mentored; we will place "
                "you where you are needed most."
            ),
            "topics_offered": gettext_lazy(
                "Mostly for mentors, but mentees often have something to offer too."
            ),
            "topics_sought": gettext_lazy(
                "Mostly for mentees: what you would like a mentor to help you with."
            ),
            "department": gettext_lazy("As people in the organisation know it, e.g. “Finance”."),
            "location": gettext_lazy("The office or city you usually work from."),
            "goals": gettext_lazy(
                "A sentence or two in your own words. Your match will read it before you "
                "first meet."
            ),
        }
        error_messages = {
            "role": {
                "required": gettext_lazy(
                    "Choose whether you want to mentor, be mentored, or either."
                )
            }
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.questions = list(program.questions.all())
        self.attribute_options = list(program.opt_in_attributes.all())
        self._topics: list[Topic] | None = None
        self.answers: dict[str, Answer | None] = {}
        enrollment = self.instance
        adding = enrollment.pk is None

        if adding:
            self.initial["role"] = None  # make people choose rather than take a default
        for name in ("topics_offered", "topics_sought"):
            self.fields[name].queryset = Topic.objects.order_by("name")
        self.fields["time_zone"].widget.choices = time_zone_choices(
            _("Choose your time zone"), self["time_zone"].value()
        )
        self.fields["languages"].initial = ", ".join(enrollment.languages or [])
        if enrollment.reports_to_id:
            self.fields["reports_to"].initial = enrollment.reports_to.email
        if not adding:
            self.fields["avoid"].initial = "\n".join(
                enrollment.avoid.order_by("email").values_list("email", flat=True)
            )
        if self.attribute_options:
            self.fields["attributes"].choices = [
                (str(attribute.key), attribute.label) for attribute in self.attribute_options
            ]
            self.fields["attributes"].initial = list(enrollment.attributes or [])
        else:
            del self.fields["attributes"]
        answers = enrollment.answers or {}
        for question in self.questions:
            field = self._question_field(question)
            field.initial = answers.get(str(question.key))
            self.fields[question_field_name(question)] = field

    @staticmethod
    def _question_field(question: ProgramQuestion) -> forms.Field:
        hint = KIND_HINTS.get(question.kind)
        if question.kind == QuestionKind.SCALE:
            hint = _("From %(low)s to %(high)s.") % {
                "low": question.scale_min,
                "high": question.scale_max,
            }
        label = question.label
        if question.required:
            label = _("%(label)s (required)") % {"label": label}
        shared = _("Your match will read your answer.") if question.shared_with_match else ""
        common = {
            "label": label,
            "required": question.required,
            "help_text": " ".join(
                str(part) for part in (question.help_text, hint, shared) if part
            ),
            "error_messages": {"required": _("This question needs an answer.")},
        }
        kind = question.kind
        if kind == QuestionKind.SINGLE:
            return forms.ChoiceField(
                choices=[(choice, choice) for choice in question.choice_list],
                widget=forms.RadioSelect,
                **common,
            )
        if kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=[(choice, choice) for choice in question.choice_list],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        if kind == QuestionKind.SCALE:
            low, high = question.scale_min, question.scale_max
            if high - low < SCALE_AS_RADIOS:
                return forms.TypedChoiceField(
                    choices=[(n, str(n)) for n in range(low, high + 1)],
                    coerce=int,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    **common,
                )
            return forms.IntegerField(
                min_value=low,
                max_value=high,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                **common,
            )
        if kind == QuestionKind.TOPICS:
            return forms.ModelMultipleChoiceField(
                queryset=Topic.objects.order_by("name"),
                to_field_name="slug",
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return forms.CharField(
            max_length=MAX_TEXT_ANSWER, widget=forms.Textarea(attrs={"rows": 4}), **common
        )

    # For the template -------------------------------------------------------------------

    def question_fields(self) -> list[tuple[ProgramQuestion, forms.BoundField]]:
        return [(q, self[question_field_name(q)]) for q in self.questions]

    def attribute_choices(self) -> list[tuple[object, str]]:
        """Each attribute's checkbox with the program's note on why someone might share it."""
        if "attributes" not in self.fields:
            return []
        notes = {str(a.key): a.help_text for a in self.attribute_options}
        return [
            (choice, notes.get(str(choice.data["value"]), "")) for choice in self["attributes"]
        ]

    # Cleaning ---------------------------------------------------------------------------

    def _all_topics(self) -> list[Topic]:
        if self._topics is None:
            self._topics = list(Topic.objects.all())
        return self._topics

    def clean_time_zone(self):
        return clean_time_zone(self.cleaned_data.get("time_zone"))

    def clean_seniority(self):
        return clean_seniority(self.cleaned_data.get("seniority"))

    def clean_languages(self):
        return clean_languages(self.cleaned_data.get("languages"))

    def clean_reports_to(self):
        emails = parse_emails(
            self.cleaned_data.get("reports_to"), own_email=self.instance.user.email, single=True
        )
        people = find_people(emails)
        return people[emails[0]] if emails else None

    def clean_avoid(self):
        emails = parse_emails(self.cleaned_data.get("avoid"), own_email=self.instance.user.email)
        people = find_people(emails)
        return [people[email] for email in emails]

    def clean_attributes(self):
        return resolve_attributes(
            self.cleaned_data.get("attributes") or [], self.attribute_options
        )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status == EnrollmentStatus.MATCHED:
            raise ValidationError(
                _("You have been matched; ask your program admin to change anything."),
                code="matched",
            )
        role = cleaned.get("role")
        if role and self.instance.pk and role != self.instance.role:
            # Withdrawing leaves their journeys running, started for the role they hold.
            running = running_journeys([self.instance.pk]).get(self.instance.pk, 0)
            if running:
                self.add_error(
                    "role",
                    ngettext(
                        "You walk in %(count)s running journey, so your role cannot change "
                        "while it goes on. Ask your program admin if it should.",
                        "You walk in %(count)s running journeys, so your role cannot change "
                        "while they go on. Ask your program admin if it should.",
                        running,
                    )
                    % {"count": running},
                )
            else:
                self._check_requests_waiting(role)
        if role and not self.has_error("capacity"):
            try:
                cleaned["capacity"] = clean_capacity(role, cleaned.get("capacity"))
            except ValidationError as error:
                self.add_error("capacity", error)
            else:
                self._check_places_given(role, cleaned["capacity"])
        self.answers = {}
        for question in self.questions:
            name = question_field_name(question)
            if name not in cleaned:
                continue  # the field's own check failed and said why
            value = cleaned[name]
            if question.kind == QuestionKind.TOPICS:
                value = [topic.slug for topic in value or ()]
            try:
                self.answers[str(question.key)] = clean_answer(
                    question, value, topics=self._all_topics()
                )
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def _check_requests_waiting(self, role: str) -> None:
        to_them, by_them = requests_a_role_leaves(self.instance, role)
        if to_them:
            names = get_text_list(
                sorted({str(r.mentee.user) for r in to_them}, key=str.casefold), _("and")
            )
            self.add_error(
                "role",
                ngettext(
                    "%(names)s is waiting for your answer to their request to be mentored by "
                    "you, so you cannot stop mentoring while it waits. Accept or decline it "
                    "under “Mentoring requests” first.",
                    "%(names)s are waiting for your answer to their requests to be mentored by "
                    "you, so you cannot stop mentoring while they wait. Accept or decline them "
                    "under “Mentoring requests” first.",
                    len(to_them),
                )
                % {"names": names},
            )
        for request in by_them:  # one at most: a mentee asks one mentor at a time
            self.add_error(
                "role",
                _(
                    "You have asked %(mentor)s to mentor you and they have not answered yet, "
                    "so you cannot stop being mentored while your request waits. Withdraw it "
                    "under “Mentoring requests” first."
                )
                % {"mentor": request.mentor.user},
            )

    def _check_places_given(self, role: str, capacity: int) -> None:
        # Withdrawing leaves their journeys running, each holding one of their places;
        # each request waiting for their answer holds one too.
        pk = self.instance.pk
        if pk is None:
            return  # a first enrolment has given no place yet
        filled = places_filled(mentors=[pk]).get(pk, 0)
        waiting = open_requests(mentors=[pk]).get(pk, 0)
        if not lowers_below_given(self.instance, role, capacity, filled + waiting):
            return
        if not waiting:
            self.add_error(
                "capacity",
                ngettext(
                    "You already lead %(count)s running journey, so your capacity cannot go "
                    "below %(count)s. Ask your program admin if it should end.",
                    "You already lead %(count)s running journeys (a whole circle counts as "
                    "one), so your capacity cannot go below %(count)s. Ask your program admin "
                    "if one should end.",
                    filled,
                )
                % {"count": filled},
            )
            return
        why = ngettext(
            "%(count)s person is waiting for your answer to their request to be mentored by you",
            "%(count)s people are waiting for your answer to their requests to be mentored by you",
            waiting,
        ) % {"count": waiting}
        if filled:
            why = _("%(journeys)s, and %(requests)s") % {
                "journeys": ngettext(
                    "You lead %(count)s running journey",
                    "You lead %(count)s running journeys (a whole circle counts as one)",
                    filled,
                )
                % {"count": filled},
                "requests": why,
            }
        self.add_error(
            "capacity",
            ngettext(
                "%(why)s, so your capacity cannot go below %(total)s. To take fewer people, "
                "decline the request under “Mentoring requests” first.",
                "%(why)s, so your capacity cannot go below %(total)s. To take fewer people, "
                "decline a request under “Mentoring requests” first.",
                waiting,
            )
            % {"why": why, "total": filled + waiting},
        )

    # Saving -----------------------------------------------------------------------------

    def save(self, commit=True):
        """Save the enrolment; a withdrawn one is enrolled again: waiting to be matched,
        or matched if a match of theirs still runs."""
        enrollment = super().save(commit=False)
        data = self.cleaned_data
        enrollment.languages = data["languages"]
        enrollment.reports_to = data["reports_to"]
        if "attributes" in self.fields:
            enrollment.attributes = data["attributes"]
        answers = dict(enrollment.answers or {})
        for key, answer in self.answers.items():
            if answer is None:
                answers.pop(key, None)
            else:
                answers[key] = answer
        enrollment.answers = answers
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            # Withdrawing leaves a running match and its journey as they are: someone
            # still in one is back in it, matched, not waiting for another (which a run
            # would propose and self-match offer, and approval would then refuse).
            running = enrollment.pk and running_journeys([enrollment.pk]).get(enrollment.pk)
            enrollment.status = EnrollmentStatus.MATCHED if running else EnrollmentStatus.ENROLLED
        if commit:
            enrollment.save()
            self._save_m2m()
        return enrollment

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.avoid.set(self.cleaned_data["avoid"])
        # What the enrolment says about the person shows on their profile too.
        fill_from_enrollments([self.instance])
