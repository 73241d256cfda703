"""Enrolments, the program's own questions, matching policies, runs and their proposals.

Rules the models hold:

* One enrolment per person per program. Withdrawing keeps the row (status
  ``withdrawn``) so that runs that named it still read; enrolling again reopens it.
* Answers to the program's questions live in ``Enrollment.answers``, keyed by the
  question's ``key`` (a UUID that never changes). Deleting a question leaves the
  answers where they are; matching ignores them and says so (``services.loader``).
* A run keeps a copy of the policy it used (``MatchingRun.policy_snapshot``) so that
  editing the policy later never changes what a finished run says.
* A finished run's lifecycle (proposed, partly approved, approved, closed) is not
  stored: ``MatchingRunQuerySet.with_lifecycle`` works it out from its proposals and
  from later runs of its program, so it can never disagree with them.
* A proposal names a mentee and a mentor enrolment. Circles are several proposals
  with the same mentor in the same run.
* What people type has a limit (docs/architecture.md, "Text limits") and holds no
  control characters (``content.text``); the forms, the importer and the services
  check both before anything is written.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from content.text import validate_line, validate_lines
from journeys.models import ProgramScopedQuerySet

GOALS_MAX_LENGTH = 2000
CHOICE_SEPARATOR = ";"  # between the choices of a multiple-choice answer in a CSV cell
REQUEST_MESSAGE_MAX_LENGTH = 1000


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")
    TOPICS = "topics", _("Topic picker")


class ProgramQuestion(Orderable):
    """A question the program asks everyone who enrols, defined by its editors."""

    program = ParentalKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="questions"
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    label = models.CharField(
        max_length=200, help_text=_("The question as people will read it when they enrol.")
    )
    kind = models.CharField(
        max_length=10,
        choices=QuestionKind.choices,
        default=QuestionKind.SINGLE,
        help_text=_(
            "Single and multiple choice offer the choices below; a scale asks for a number "
            "between its ends; a topic picker offers the library's topics; free text is "
            "read by people, never matched on."
        ),
    )
    choices = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000), validate_lines],
        help_text=_(
            "For single and multiple choice: one choice per line. A multiple-choice "
            "choice cannot hold a “;”, which separates choices in an imported file."
        ),
    )
    scale_min = models.SmallIntegerField(default=1, help_text=_("For a scale: the lowest answer."))
    scale_max = models.SmallIntegerField(
        default=5, help_text=_("For a scale: the highest answer.")
    )
    help_text = models.CharField(
        max_length=255, blank=True, help_text=_("A hint shown under the question.")
    )
    required = models.BooleanField(
        default=False, help_text=_("Whether people must answer it to enrol.")
    )
    shared_with_match = models.BooleanField(
        default=False,
        help_text=_(
            "Show each person's answer to the people they are matched with: on their journey's "
            "first milestone and in the email introducing them. The enrolment form tells "
            "people so under the question."
        ),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("kind"),
        FieldPanel("choices"),
        FieldPanel("scale_min"),
        FieldPanel("scale_max"),
        FieldPanel("help_text"),
        FieldPanel("required"),
        FieldPanel("shared_with_match"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("enrolment question")

    def __str__(self):
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            choices = self.choice_list
            if len(choices) < 2:
                raise ValidationError({"choices": _("Give at least two choices, one per line.")})
            if len(set(choices)) != len(choices):
                raise ValidationError({"choices": _("Each choice can appear only once.")})
            # Answers are matched to choices whatever their case.
            seen = {}
            for choice in choices:
                if (same := seen.setdefault(choice.casefold(), choice)) != choice:
                    raise ValidationError(
                        {
                            "choices": _(
                                "'%(choice)s' is the same choice as '%(same)s': each choice "
                                "can appear only once."
                            )
                            % {"choice": choice, "same": same}
                        }
                    )
        if self.kind == QuestionKind.MULTIPLE:
            # matching.importer reads a multiple-choice answer as choices separated so.
            held = next((c for c in self.choice_list if CHOICE_SEPARATOR in c), None)
            if held is not None:
                raise ValidationError(
                    {
                        "choices": _(
                            "'%(choice)s' holds a “;”, which separates the choices of a "
                            "multiple-choice answer in an imported file; write it without "
                            "one, e.g. with a comma."
                        )
                        % {"choice": held}
                    }
                )
        if self.kind == QuestionKind.SCALE and self.scale_max <= self.scale_min:
            raise ValidationError({"scale_max": _("The highest answer must be above the lowest.")})


class ProgramAttribute(Orderable):
    """Something people may choose to share so that it counts in matching.

    Nobody is asked to disclose it: each attribute is a box people tick if they
    want a partner who shares it (a parent or carer, a first-generation graduate).
    """

    program = ParentalKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="opt_in_attributes"
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    label = models.CharField(
        max_length=120,
        help_text=_("How the attribute reads on the enrolment form, e.g. 'Parent or carer'."),
    )
    help_text = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Why someone might share it, and who will see it."),
    )

    panels = [FieldPanel("label"), FieldPanel("help_text")]

    class Meta(Orderable.Meta):
        verbose_name = _("opt-in attribute")

    def __str__(self):
        return self.label


class RoleWanted(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    EITHER = "either", _("Either")


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Waiting to be matched")
    MATCHED = "matched", _("Matched")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrollmentQuerySet(ProgramScopedQuerySet):
    def active(self):
        return self.exclude(status=EnrollmentStatus.WITHDRAWN)

    def waiting(self):
        return self.filter(status=EnrollmentStatus.ENROLLED)


class Enrollment(index.Indexed, models.Model):
    """A person's enrolment in a program: who they are, what they offer and seek."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="enrollments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    role = models.CharField(
        max_length=10,
        choices=RoleWanted.choices,
        default=RoleWanted.MENTEE,
        help_text=_("Whether the person wants to mentor, be mentored, or either."),
    )
    capacity = models.PositiveSmallIntegerField(
        default=1,
        help_text=_(
            "As a mentor: how many mentees they can take on; a whole circle they lead takes "
            "one place."
        ),
    )
    topics_offered = models.ManyToManyField(
        "content.Topic",
        blank=True,
        related_name="offered_in_enrollments",
        help_text=_("What they could help someone else with."),
    )
    topics_sought = models.ManyToManyField(
        "content.Topic",
        blank=True,
        related_name="sought_in_enrollments",
        help_text=_("What they would like to grow in."),
    )
    department = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_line],
        help_text=_("Their department or team."),
    )
    location = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_line],
        help_text=_("The office or city they work from."),
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Their time zone, as a name such as Europe/London."),
    )
    seniority = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Their level, from 1 (first role) to 10 (executive)."),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The languages they can mentor or be mentored in (ISO codes, e.g. 'en')."),
    )
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Their line manager, so matching can keep people out of their own line."),
    )
    answers = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Answers to the program's questions, keyed by question."),
    )
    attributes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The opt-in attributes they chose to share (their keys)."),
    )
    avoid = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text=_("People they would rather not be matched with. Only matching reads this."),
    )
    goals = models.TextField(
        blank=True,
        max_length=GOALS_MAX_LENGTH,
        validators=[MaxLengthValidator(GOALS_MAX_LENGTH), validate_lines],
        help_text=_("In their own words: what they hope to get from the program."),
    )
    status = models.CharField(
        max_length=10,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ENROLLED,
        help_text=_("Enrolments can be edited until matched and withdrawn at any time."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrollmentQuerySet.as_manager()

    search_fields = [
        index.SearchField("department"),
        index.SearchField("location"),
        index.FilterField("program_id"),
        index.FilterField("status"),
        index.FilterField("role"),
        index.RelatedFields(
            "user",
            [
                index.SearchField("first_name"),
                index.SearchField("last_name"),
                index.SearchField("email"),
            ],
        ),
    ]

    class Meta:
        ordering = ["program", "user"]
        verbose_name = _("enrolment")
        constraints = [
            models.UniqueConstraint(fields=["program", "user"], name="one_enrolment_per_program")
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_mentor(self) -> bool:
        return self.role in (RoleWanted.MENTOR, RoleWanted.EITHER) and self.capacity > 0

    @property
    def can_be_mentored(self) -> bool:
        return self.role in (RoleWanted.MENTEE, RoleWanted.EITHER)

    @property
    def editable(self) -> bool:
        return self.status == EnrollmentStatus.ENROLLED


class Strategy(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Knowledge transfer")
    RELATIONSHIP = "relationship", _("Relationship")
    REVERSE = "reverse", _("Reverse mentoring")
    CIRCLES = "circles", _("Circles")


class Objective(models.TextChoices):
    TOTAL = "total", _("Optimise the total score")
    COUNT = "count", _("Match as many people as possible")


class Method(models.TextChoices):
    OPTIMAL = "optimal", _("Best overall (optimal assignment)")
    STABLE = "stable", _("Stable (nobody would both rather swap)")


class MatchingPolicy(models.Model):
    """How one program matches people: a strategy, weights and hard constraints.

    ``weights`` maps criterion keys (``services.criteria``) to numbers;
    ``question_rules`` maps a question key to ``{"rule": same|different|closeness,
    "weight": number}``.
    """

    program = models.OneToOneField(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="matching_policy"
    )
    strategy = models.CharField(
        max_length=16,
        choices=Strategy.choices,
        default=Strategy.KNOWLEDGE,
        help_text=_("The starting point for weights and constraints; adjust them below."),
    )
    weights = models.JSONField(
        default=dict, blank=True, help_text=_("How much each criterion counts.")
    )
    question_rules = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("How answers to the program's own questions count."),
    )
    not_same_department = models.BooleanField(
        default=False, help_text=_("Never match two people from the same department.")
    )
    not_same_reporting_line = models.BooleanField(
        default=True,
        help_text=_("Never match someone with their line manager or someone who reports to them."),
    )
    require_shared_language = models.BooleanField(
        default=True, help_text=_("Only match people who share a language.")
    )
    min_seniority_gap = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "The mentor must be at least this many levels above the mentee "
            "(a negative number lets juniors mentor seniors). Empty: no limit."
        ),
    )
    max_seniority_gap = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "The mentor may be at most this many levels above the mentee. Empty: no limit."
        ),
    )
    max_time_zone_gap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("The most hours apart two people's time zones may be. Empty: no limit."),
    )
    objective = models.CharField(
        max_length=8,
        choices=Objective.choices,
        default=Objective.TOTAL,
        help_text=_("Whether to favour the best matches or the most people matched."),
    )
    method = models.CharField(
        max_length=8,
        choices=Method.choices,
        default=Method.OPTIMAL,
        help_text=_("How proposals are chosen from the scores."),
    )
    circle_size = models.PositiveSmallIntegerField(
        default=4,
        help_text=_("For circles: how many members join each mentor's circle at most."),
    )
    self_match = models.BooleanField(
        default=False,
        help_text=_(
            "Let mentees see their best-suited mentors and ask one of them, instead of "
            "(or before) an admin's matching run."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policies")

    def __str__(self):
        return f"Matching policy for {self.program.title}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready for review")
    FAILED = "failed", _("Failed")


class RunLifecycle(models.TextChoices):
    """Where a run stands, as the listing shows it: its progress, then its review.

    A finished run is *proposed* until a proposal is approved, *partly approved*
    while some are approved and others still wait (proposed or locked), and
    *approved* once none waits and at least one was approved. It is *closed* when
    nothing waits and nothing was approved (every proposal rejected, or none made),
    or when a later run of its program is ready for review: that run matched the
    same waiting people again, so what this one still proposes is out of date.
    """

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Failed")
    PROPOSED = "proposed", _("Proposed")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    APPROVED = "approved", _("Approved")
    CLOSED = "closed", _("Closed")


class MatchingRunQuerySet(ProgramScopedQuerySet):
    def superseding(self, run):
        """Later runs of ``run``'s program that are ready for review: they close it."""
        return self.filter(program_id=run.program_id, status=RunStatus.DONE, pk__gt=run.pk)

    def with_lifecycle(self):
        """Annotate each run's ``lifecycle`` (a ``RunLifecycle`` value): three subqueries."""
        proposals = MatchProposal.objects.filter(run=OuterRef("pk"))
        later = MatchingRun.objects.filter(
            program=OuterRef("program"), status=RunStatus.DONE, pk__gt=OuterRef("pk")
        )
        return self.annotate(
            has_waiting=Exists(proposals.filter(status__in=WAITING_STATUSES)),
            has_approved=Exists(proposals.filter(status__in=APPROVED_STATUSES)),
            superseded=Exists(later),
            lifecycle=Case(
                When(~Q(status=RunStatus.DONE), then=F("status")),
                When(
                    has_waiting=True,
                    superseded=False,
                    has_approved=True,
                    then=Value(RunLifecycle.PARTLY_APPROVED),
                ),
                When(has_waiting=True, superseded=False, then=Value(RunLifecycle.PROPOSED)),
                When(has_waiting=False, has_approved=True, then=Value(RunLifecycle.APPROVED)),
                default=Value(RunLifecycle.CLOSED),
                output_field=models.CharField(max_length=20),
            ),
        )


class MatchingRun(models.Model):
    """One matching of a program's waiting enrolments: progress, then proposals."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="matching_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reruns",
        help_text=_("The run whose locked proposals this one kept."),
    )
    policy_snapshot = models.JSONField(default=dict, editable=False)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    stage = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    mentee_count = models.PositiveIntegerField(default=0)
    mentor_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    total_score = models.FloatField(default=0)
    unmatched = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("People left unmatched: enrolment id, side and reason."),
    )
    notes = models.JSONField(
        default=list, blank=True, editable=False, help_text=_("Warnings raised while loading.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MatchingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matching run")

    def __str__(self):
        return f"Matching run {self.created_at:%d %b %Y %H:%M} for {self.program.title}"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    def get_lifecycle_display(self) -> str:
        """The lifecycle's label; the run must come from ``with_lifecycle()``."""
        return RunLifecycle(self.lifecycle).label


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    LOCKED = "locked", _("Locked")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


# A proposal still waiting for a decision, and one that was approved (an ended
# match was approved once: its journey ran).
WAITING_STATUSES = (ProposalStatus.PROPOSED, ProposalStatus.LOCKED)
APPROVED_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.ENDED)


class MatchProposal(models.Model):
    """A proposed (or approved) mentee–mentor match, with why."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        MatchingRun, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    program = models.ForeignKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="match_proposals"
    )
    mentee = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="as_mentee")
    mentor = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="as_mentor")
    score = models.FloatField(default=0)
    explanation = models.JSONField(
        default=dict, blank=True, help_text=_("Each criterion's contribution to the score.")
    )
    passed_over = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Better-scoring mentors a hard constraint ruled out, and which one."),
    )
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    journey = models.ForeignKey(
        "journeys.Journey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="match_proposals",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.CharField(max_length=255, blank=True, validators=[validate_line])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("match proposal")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "mentee"],
                condition=Q(run__isnull=False),
                name="one_proposal_per_mentee_per_run",
            )
        ]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self):
        return f"{self.mentee.user} with {self.mentor.user}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the mentor")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MentorRequest(models.Model):
    """Self-match: a mentee asks a mentor; the mentor accepts or declines.

    A pending or accepted request holds one of the mentor's places, so a mentor
    is never asked by more people than they have room for.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(
        "journeys.ProgramPage", on_delete=models.CASCADE, related_name="mentor_requests"
    )
    mentee = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="requests_made")
    mentor = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.TextField(
        blank=True,
        max_length=REQUEST_MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(REQUEST_MESSAGE_MAX_LENGTH), validate_lines],
        help_text=_("A short note to the mentor: why them, what you hope for."),
    )
    score = models.FloatField(default=0)
    explanation = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    proposal = models.OneToOneField(
        MatchProposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="request"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="pending"),
                name="one_pending_request_per_mentee",
            )
        ]

    def __str__(self):
        return f"{self.mentee.user} asks {self.mentor.user}"
