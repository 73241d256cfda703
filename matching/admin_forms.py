"""Forms for the matching admin: the policy, an enrolment's edit form, the review filters.

The policy form turns the criteria (``services.criteria.CRITERIA``) and the program's
questions into one number field each, so an admin never edits JSON. Its rules:

* Every weight is a number from 0 to 10; an empty weight counts as 0. At least one
  criterion (a built-in one or a question) must weigh more than 0.
* A question is weighed by one of the rules its kind allows (``RULES_FOR_KIND``);
  free-text questions are read by people and never weighed.
* Rules for questions the program no longer asks are dropped when the policy is saved;
  the form says so beforehand. Enrolments keep their answers either way.
* The smallest seniority gap cannot be above the largest.
"""

from __future__ import annotations

from django import forms
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.forms import WagtailAdminModelForm

from content.models import Topic
from journeys.models import ProgramPage
from journeys.services.access import administered_programs

from .forms import (
    MAX_CAPACITY,
    SENIORITY_CHOICES,
    clean_languages,
    clean_seniority,
    clean_time_zone,
    find_people,
    lowers_below_given,
    parse_emails,
    requests_a_role_leaves,
    time_zone_choices,
)
from .models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchProposal,
    ProposalStatus,
    QuestionKind,
    RoleWanted,
)
from .services.criteria import CRITERIA, PRESETS, QUESTION_RULES, RULES_FOR_KIND
from .services.profiles import fill_from_enrollments
from .services.runs import open_requests, places_filled, running_journeys
from .services.selfmatch import end_requests_of

MAX_WEIGHT = 10
SENIORITY_GAP_LIMIT = 9  # levels run from 1 to 10
MAX_TIME_ZONE_GAP = 12
MIN_CIRCLE, MAX_CIRCLE = 2, 20

APPLY_PRESET = "apply-preset"

WEIGHT_ERRORS = {
    "invalid": gettext_lazy("A weight is a number from 0 to 10, such as 1.5."),
    "min_value": gettext_lazy("A weight cannot be below 0."),
    "max_value": gettext_lazy("A weight cannot be above 10."),
}


def weight_field(label, help_text) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=MAX_WEIGHT,
        error_messages=WEIGHT_ERRORS,
        widget=forms.NumberInput(attrs={"step": "any", "min": 0, "max": MAX_WEIGHT}),
    )


class MatchingPolicyForm(WagtailAdminModelForm):
    """One program's matching policy: strategy, weights, question rules, constraints."""

    CONSTRAINT_FIELDS = (
        "not_same_department",
        "not_same_reporting_line",
        "require_shared_language",
        "min_seniority_gap",
        "max_seniority_gap",
        "max_time_zone_gap",
    )
    CHOOSING_FIELDS = ("objective", "method", "circle_size", "self_match")

    min_seniority_gap = forms.IntegerField(
        label=gettext_lazy("Smallest seniority gap"),
        required=False,
        min_value=-SENIORITY_GAP_LIMIT,
        max_value=SENIORITY_GAP_LIMIT,
        help_text=MatchingPolicy._meta.get_field("min_seniority_gap").help_text,
    )
    max_seniority_gap = forms.IntegerField(
        label=gettext_lazy("Largest seniority gap"),
        required=False,
        min_value=-SENIORITY_GAP_LIMIT,
        max_value=SENIORITY_GAP_LIMIT,
        help_text=MatchingPolicy._meta.get_field("max_seniority_gap").help_text,
    )
    max_time_zone_gap = forms.IntegerField(
        label=gettext_lazy("Largest time-zone gap (hours)"),
        required=False,
        min_value=0,
        max_value=MAX_TIME_ZONE_GAP,
        help_text=MatchingPolicy._meta.get_field("max_time_zone_gap").help_text,
    )
    circle_size = forms.IntegerField(
        label=gettext_lazy("Circle size"),
        min_value=MIN_CIRCLE,
        max_value=MAX_CIRCLE,
        help_text=MatchingPolicy._meta.get_field("circle_size").help_text,
    )

    class Meta:
        model = MatchingPolicy
        fields = [
            "strategy",
            "not_same_department",
            "not_same_reporting_line",
            "require_shared_language",
            "min_seniority_gap",
            "max_seniority_gap",
            "max_time_zone_gap",
            "objective",
            "method",
            "circle_size",
            "self_match",
        ]
        labels = {
            "strategy": gettext_lazy("Strategy preset"),
            "not_same_department": gettext_lazy("Not in the same department"),
            "not_same_reporting_line": gettext_lazy("Not in the same reporting line"),
            "require_shared_language": gettext_lazy("A shared language"),
            "objective": gettext_lazy("Objective"),
            "method": gettext_lazy("Method"),
            "self_match": gettext_lazy("Self-match"),
        }
        widgets = {
            "objective": forms.RadioSelect,
            "method": forms.RadioSelect,
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        weights = self.instance.weights or {}
        for key, criterion in CRITERIA.items():
            field = weight_field(criterion.label, criterion.help_text)
            field.initial = weights.get(key, 0)
            self.fields[self.weight_name(key)] = field
        rules = self.instance.question_rules or {}
        self.questions = [
            q for q in program.questions.all() if RULES_FOR_KIND.get(QuestionKind(q.kind))
        ]
        for question in self.questions:
            key = str(question.key)
            saved = rules.get(key, {})
            allowed = RULES_FOR_KIND[QuestionKind(question.kind)]
            rule = forms.ChoiceField(
                label=_("How “%(question)s” counts") % {"question": question.label},
                choices=[(name, QUESTION_RULES[name]) for name in allowed],
                help_text=_(
                    "Same answer favours people who answered alike; different answer, "
                    "people who did not; close on the scale, answers near each other."
                )
                if question.kind == QuestionKind.SCALE
                else _(
                    "Same answer favours people who answered alike; different answer, "
                    "people who did not."
                ),
            )
            rule.initial = saved.get("rule") if saved.get("rule") in allowed else allowed[0]
            weight = weight_field(
                _("Weight of “%(question)s”") % {"question": question.label},
                _("How much this question counts, from 0 (not at all) to 10."),
            )
            weight.initial = saved.get("weight", 0)
            self.fields[self.rule_name(key)] = rule
            self.fields[self.question_weight_name(key)] = weight
        asked = {str(q.key) for q in program.questions.all()}
        self.dropped_rules = [
            rule.get("label") or key
            for key, rule in rules.items()
            if key not in asked and float(rule.get("weight") or 0) > 0
        ]

    @staticmethod
    def weight_name(key: str) -> str:
        return f"weight_{key}"

    @staticmethod
    def rule_name(key: str) -> str:
        return f"question_{key}_rule"

    @staticmethod
    def question_weight_name(key: str) -> str:
        return f"question_{key}_weight"

    # For the template -------------------------------------------------------------------

    def presets(self) -> list[tuple[str, str]]:
        return [
            (label, PRESETS[value]["description"])
            for value, label in self.fields["strategy"].choices
            if value in PRESETS
        ]

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[self.weight_name(key)] for key in CRITERIA]

    def question_rows(self) -> list[tuple[object, forms.BoundField, forms.BoundField]]:
        return [
            (
                q,
                self[self.rule_name(str(q.key))],
                self[self.question_weight_name(str(q.key))],
            )
            for q in self.questions
        ]

    def constraint_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONSTRAINT_FIELDS]

    def choosing_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CHOOSING_FIELDS]

    def kept_on_preset(self) -> dict:
        """What "Apply this preset" keeps of the typed values: all but weights and limits."""
        data = getattr(self, "cleaned_data", {})
        kept = {name: data[name] for name in self.CHOOSING_FIELDS if name in data}
        for question in self.questions:
            for name in (
                self.rule_name(str(question.key)),
                self.question_weight_name(str(question.key)),
            ):
                if name in data:
                    kept[name] = data[name]
        return kept

    # Cleaning and saving ------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        weights = {key: cleaned.get(self.weight_name(key)) or 0 for key in CRITERIA}
        rules = {}
        for question in self.questions:
            key = str(question.key)
            rules[key] = {
                "rule": cleaned.get(self.rule_name(key)),
                "weight": cleaned.get(self.question_weight_name(key)) or 0,
                "label": question.label,
            }
        weighed = [self.weight_name(k) for k in CRITERIA] + [
            self.question_weight_name(k) for k in rules
        ]
        if all(name not in self.errors for name in weighed) and not any(
            value > 0 for value in [*weights.values(), *(r["weight"] for r in rules.values())]
        ):
            self.add_error(None, _("Give at least one criterion a positive weight."))
        low, high = cleaned.get("min_seniority_gap"), cleaned.get("max_seniority_gap")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_seniority_gap",
                _(
                    "The largest gap (%(high)s) is below the smallest (%(low)s); raise it, "
                    "lower the smallest, or leave one of them empty."
                )
                % {"high": high, "low": low},
            )
        self.weights = {key: float(value) for key, value in weights.items() if value}
        self.rules = {
            key: {**rule, "weight": float(rule["weight"])}
            for key, rule in rules.items()
            if rule["rule"]
        }
        return cleaned

    def save(self, commit=True):
        policy = super().save(commit=False)
        policy.program = self.program
        policy.weights = self.weights
        policy.question_rules = self.rules
        if commit:
            policy.save()
        return policy


class ChooseProgramForm(forms.Form):
    """The first step of setting up a policy: which of the person's programs it is for."""

    program = forms.ModelChoiceField(
        queryset=ProgramPage.objects.none(),
        label=gettext_lazy("Program"),
        help_text=gettext_lazy("Programs that have no matching policy yet."),
        empty_label=gettext_lazy("Choose a program"),
    )

    def __init__(self, *args, for_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = (
            administered_programs(for_user).filter(matching_policy__isnull=True).order_by("title")
        )


class EnrollmentAdminForm(WagtailAdminModelForm):
    """What a program admin may correct in someone's enrolment.

    The person's answers, opt-in attributes and avoid list are theirs to change on the
    enrolment page; the admin sees answers on the inspect page and never the avoid list.
    The role stays while a journey of theirs runs: the journey was started for it;
    nor may it leave a self-match request still waiting on a side it no longer takes
    (``requests_a_role_leaves``), unless they are withdrawn, which ends the request.
    The capacity is never lowered below the places their running matches fill
    (``runs.places_filled``) and the requests waiting for their answer hold
    (``runs.open_requests``).
    """

    capacity = forms.IntegerField(
        label=gettext_lazy("Capacity"),
        min_value=0,
        max_value=MAX_CAPACITY,
        help_text=gettext_lazy(
            "As a mentor: how many mentees they can take on; a whole circle they lead takes "
            "one place. 0 takes them out of matching runs for now."
        ),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=Enrollment._meta.get_field("time_zone").help_text,
    )
    seniority = forms.TypedChoiceField(
        label=gettext_lazy("Seniority"),
        required=False,
        choices=SENIORITY_CHOICES,
        coerce=int,
        empty_value=None,
        help_text=Enrollment._meta.get_field("seniority").help_text,
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Two- or three-letter codes separated by commas, such as “en, fr”."
        ),
    )
    reports_to = forms.CharField(
        label=gettext_lazy("Line manager’s email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=Enrollment._meta.get_field("reports_to").help_text,
    )

    class Meta:
        model = Enrollment
        fields = [
            "role",
            "capacity",
            "status",
            "topics_offered",
            "topics_sought",
            "department",
            "location",
            "time_zone",
            "seniority",
            "languages",
            "reports_to",
            "goals",
        ]
        widgets = {
            "topics_offered": forms.CheckboxSelectMultiple,
            "topics_sought": forms.CheckboxSelectMultiple,
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "status": gettext_lazy(
                "Withdraw someone who has left the program: their self-match requests waiting "
                "for an answer end with it. Matched is set by approving a match."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("topics_offered", "topics_sought"):
            self.fields[name].queryset = Topic.objects.order_by("name")
        # Only a mentor takes people on: ``clean`` asks a mentor for it, and gives a mentee 1.
        self.fields["capacity"].required = False
        self.fields["time_zone"].choices = time_zone_choices(
            _("Not given"), self["time_zone"].value()
        )
        self.initial["languages"] = ", ".join(self.instance.languages or [])
        self.initial["reports_to"] = (
            self.instance.reports_to.email if self.instance.reports_to_id else ""
        )

    def clean_time_zone(self):
        return clean_time_zone(self.cleaned_data.get("time_zone"))

    def clean_seniority(self):
        return clean_seniority(self.cleaned_data.get("seniority"))

    def clean_languages(self):
        return clean_languages(self.cleaned_data.get("languages"))

    def clean_reports_to(self):
        emails = parse_emails(
            self.cleaned_data.get("reports_to"),
            own_email=self.instance.user.email,
            single=True,
            yourself=False,
        )
        people = find_people(emails)
        return people[emails[0]] if emails else None

    def clean_role(self):
        role = self.cleaned_data.get("role")
        was = Enrollment.objects.filter(pk=self.instance.pk).values_list("role", flat=True).first()
        if was is not None and role != was:
            running = running_journeys([self.instance.pk]).get(self.instance.pk, 0)
            if running:
                # Their journeys were started for the role they hold: changed, they would
                # still lead (or follow) them, and matching would count them on the wrong side.
                raise forms.ValidationError(
                    ngettext(
                        "They walk in %(count)s running journey, so their role cannot "
                        "change while it goes on. End or rematch it first.",
                        "They walk in %(count)s running journeys, so their role cannot "
                        "change while they go on. End or rematch them first.",
                        running,
                    )
                    % {"count": running}
                )
        return role

    def clean_status(self):
        status = self.cleaned_data.get("status")
        was = Enrollment.objects.filter(pk=self.instance.pk).values_list("status", flat=True)
        was = was.first()
        if status == EnrollmentStatus.MATCHED and was != EnrollmentStatus.MATCHED:
            raise forms.ValidationError(
                _("Someone becomes matched when a match of theirs is approved, not by hand.")
            )
        if (
            was == EnrollmentStatus.MATCHED
            and status == EnrollmentStatus.ENROLLED
            and _has_running_match(self.instance)
        ):
            raise forms.ValidationError(
                _(
                    "They have an approved match that is still running, so they cannot "
                    "wait to be matched again. End or rematch the match first; closing "
                    "their journey does not end it."
                )
            )
        if (
            was == EnrollmentStatus.MATCHED
            and status == EnrollmentStatus.WITHDRAWN
            and _has_running_match(self.instance)
        ):
            # Withdrawn, they could not be put back: matched is set by approvals only.
            raise forms.ValidationError(
                _(
                    "They have an approved match that is still running, so they cannot "
                    "be withdrawn while their journey goes on. End the match first."
                )
            )
        return status

    def save(self, commit=True):
        enrollment = super().save(commit=commit)
        if commit:
            # A correction to what the enrolment says shows on the profile too, unless the
            # person changed that part of their profile themselves.
            fill_from_enrollments([enrollment])
            if enrollment.status == EnrollmentStatus.WITHDRAWN:
                # As when people withdraw themselves: nobody waits on their requests.
                end_requests_of(enrollment)
        return enrollment

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role in (RoleWanted.MENTOR, RoleWanted.EITHER) and cleaned.get("capacity") is None:
            self.add_error("capacity", _("Say how many people they can mentor."))
        if role == RoleWanted.MENTEE and "capacity" in cleaned:
            cleaned["capacity"] = 1
        if not self.has_error("role"):
            self._check_requests_waiting(role, cleaned.get("status"))
        self._check_places_given(role, cleaned.get("capacity"), cleaned.get("status"))
        return cleaned

    def _check_requests_waiting(self, role, status) -> None:
        # Withdrawing them ends their requests either way (``save``).
        if status == EnrollmentStatus.WITHDRAWN:
            return
        was = Enrollment.objects.filter(pk=self.instance.pk).first()
        to_them, by_them = requests_a_role_leaves(was, role)
        if to_them:
            names = get_text_list(
                sorted({str(r.mentee.user) for r in to_them}, key=str.casefold), _("and")
            )
            self.add_error(
                "role",
                ngettext(
                    "%(names)s is waiting for their answer to a request to be mentored by "
                    "them, so they cannot stop mentoring while it waits. Ask them to accept "
                    "or decline the request first.",
                    "%(names)s are waiting for their answer to requests to be mentored by "
                    "them, so they cannot stop mentoring while they wait. Ask them to accept "
                    "or decline the requests first.",
                    len(to_them),
                )
                % {"names": names},
            )
        for request in by_them:  # one at most: a mentee asks one mentor at a time
            self.add_error(
                "role",
                _(
                    "They have asked %(mentor)s to mentor them and %(mentor)s has not "
                    "answered yet, so they cannot stop being mentored while the request "
                    "waits. Ask them to withdraw it first."
                )
                % {"mentor": request.mentor.user},
            )

    def _check_places_given(self, role, capacity, status) -> None:
        # Their journeys go on whatever the capacity says: each holds one place. Each
        # request waiting for their answer holds one too, unless withdrawing them
        # declines it (``save``).
        pk = self.instance.pk
        filled = places_filled(mentors=[pk]).get(pk, 0)
        waiting = 0
        if status != EnrollmentStatus.WITHDRAWN:
            waiting = open_requests(mentors=[pk]).get(pk, 0)
        if not lowers_below_given(self.instance, role, capacity, filled + waiting):
            return
        if not waiting:
            self.add_error(
                "capacity",
                ngettext(
                    "They already lead %(count)s running journey, so their capacity cannot "
                    "go below %(count)s. End or rematch it first.",
                    "They already lead %(count)s running journeys (a whole circle counts as "
                    "one), so their capacity cannot go below %(count)s. End or rematch one "
                    "first.",
                    filled,
                )
                % {"count": filled},
            )
            return
        why = ngettext(
            "%(count)s person is waiting for their answer to a request to be mentored by them",
            "%(count)s people are waiting for their answer to requests to be mentored by them",
            waiting,
        ) % {"count": waiting}
        if filled:
            why = _("%(journeys)s, and %(requests)s") % {
                "journeys": ngettext(
                    "They lead %(count)s running journey",
                    "They lead %(count)s running journeys (a whole circle counts as one)",
                    filled,
                )
                % {"count": filled},
                "requests": why,
            }
            advice = ngettext(
                "End or rematch a journey, or ask them to decline the request, first.",
                "End or rematch a journey, or ask them to decline a request, first.",
                waiting,
            )
        else:
            advice = ngettext(
                "Ask them to decline the request first.",
                "Ask them to decline a request first.",
                waiting,
            )
        self.add_error(
            "capacity",
            _("%(why)s, so their capacity cannot go below %(total)s. %(advice)s")
            % {"why": why, "total": filled + waiting, "advice": advice},
        )


def _has_running_match(enrollment) -> bool:
    return MatchProposal.objects.filter(
        status=ProposalStatus.APPROVED, ended_on__isnull=True
    ).filter(mentee=enrollment).exists() or (
        MatchProposal.objects.filter(
            status=ProposalStatus.APPROVED, ended_on__isnull=True, mentor=enrollment
        ).exists()
    )


class ProposalFilterForm(forms.Form):
    """The review table's filters and sort order, read from the page's address."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *ProposalStatus.choices],
        help_text=gettext_lazy("Show only proposals in this state."),
    )
    mentor = forms.TypedChoiceField(
        label=gettext_lazy("Mentor"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("Show only this mentor's proposals."),
    )
    department = forms.ChoiceField(
        label=gettext_lazy("Department"),
        required=False,
        help_text=gettext_lazy("Show pairs in which the mentee or the mentor works here."),
    )
    q = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Part of the mentee’s or the mentor’s name or email."),
    )
    ordering = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        help_text=gettext_lazy("The column the table is sorted by; a leading minus reverses it."),
    )

    def __init__(self, *args, mentors=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [
            ("", _("Any mentor")),
            *((m.pk, str(m.user)) for m in mentors),
        ]
        self.fields["department"].choices = [
            ("", _("Any department")),
            *((d, d) for d in departments),
        ]
