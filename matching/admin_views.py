"""The matching admin's own views: the policy form, running matching and reviewing a run.

The views check permissions and turn requests into service calls; the rules live in
``services`` (``runs.start_run``, ``review``, ``approval.approve_proposals``). A
``MatchingError`` from a service becomes an error message on the page the admin came
from, and nothing is changed.

Permissions: setting up a policy needs "add" (or "change") on matching policies;
running matching and re-running need "add" on matching runs; moving, locking,
rejecting and approving proposals need "change" on match proposals. Viewing a run
needs any permission on matching runs.

Approving every waiting proposal of a run is two steps: a page that says how many
matches, journeys and people it concerns (``ApproveAllView`` on GET), and the
confirmation (POST), refused when the run changed in between.

Every view reads only the programs the person administers (``journeys.services.
access``): a program, run or proposal of another program answers 404, as one that
does not exist.
"""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permissions import policy_registry

from content.text import as_id
from journeys.models import ProgramPage
from journeys.services.access import administered_programs

from .admin_forms import APPLY_PRESET, ChooseProgramForm, ProposalFilterForm
from .exceptions import MatchingError
from .models import (
    Enrollment,
    EnrollmentStatus,
    MatchingPolicy,
    MatchingRun,
    MatchProposal,
    Method,
    Objective,
    ProposalStatus,
    RoleWanted,
    RunLifecycle,
    RunStatus,
    Strategy,
)
from .services import review
from .services.approval import circles_of, preview_approval
from .services.criteria import CONSTRAINT_LABELS, apply_preset, criterion_label
from .services.runs import start_run

TOP_REASONS = 3
# A run whose proposals can still be decided on its page.
REVIEWABLE = (RunLifecycle.PROPOSED, RunLifecycle.PARTLY_APPROVED)
PROPOSALS_PER_PAGE = 50
SORTABLE = ("mentee", "mentor", "score", "status")


def can(user, model, action) -> bool:
    return policy_registry.get_by_type(model).user_has_permission(user, action)


def safe_next(request, fallback: str) -> str:
    """The ``next`` address the form carried, if it is on this site; else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def chosen_program(request, raw: str) -> ProgramPage | None:
    """The program whose id was sent, if one was; 404 unless the person administers it."""
    if not raw:
        return None
    program_id = as_id(raw)
    if program_id is None:
        raise Http404
    return get_object_or_404(administered_programs(request.user), pk=program_id)


def administered_run(request, pk):
    """The run ``pk`` of one of the person's programs, with its program; otherwise 404."""
    return get_object_or_404(
        MatchingRun.objects.administered_by(request.user).select_related("program"), pk=pk
    )


def run_label(run: MatchingRun) -> str:
    return _("%(program)s, %(when)s") % {
        "program": run.program.title,
        "when": date_format(timezone.localtime(run.created_at), "j M Y H:i"),
    }


def reasons(explanation: dict, snapshot: dict, limit: int | None = TOP_REASONS):
    """(label, contribution) for the criteria that added most to a score, largest first."""
    parts = sorted(
        ((criterion_label(key, snapshot), value) for key, value in explanation.items() if value),
        key=lambda part: -part[1],
    )
    return parts[:limit] if limit else parts


# Policies ---------------------------------------------------------------------------------


class ChooseProgramView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """The first step of a new policy: the program it is for."""

    model = MatchingPolicy
    permission_required = "add"
    template_name = "matching/admin/policy_choose_program.html"
    page_title = gettext_lazy("New matching policy")
    index_url_name = None
    add_url_name = None

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Matching policies")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ChooseProgramForm(for_user=self.request.user)
        context.update(
            {
                "form": form,
                "action_url": reverse(self.add_url_name),
                "any_program": form.fields["program"].queryset.exists(),
                "index_url": reverse(self.index_url_name),
            }
        )
        return context


class PolicyFormMixin:
    """The policy form's extras: the program it belongs to and "Apply this preset"."""

    template_name = "matching/admin/policy_form.html"
    preset_applied = None

    def get_program(self) -> ProgramPage:
        raise NotImplementedError

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["program"] = self.get_program()
        return kwargs

    def post(self, request, *args, **kwargs):
        if APPLY_PRESET in request.POST:
            return self.apply_preset()
        return super().post(request, *args, **kwargs)

    def saved_policy(self) -> MatchingPolicy:
        """The policy as it is stored now (a new, unsaved one when creating)."""
        raise NotImplementedError

    def apply_preset(self):
        """Show the form again with the chosen preset's weights and limits; save nothing."""
        saved = self.saved_policy()
        self.object = saved if saved.pk else None
        # The typed values, checked, to keep what the preset does not set.
        typed = self.get_form()
        typed.is_valid()
        strategy = typed.cleaned_data.get("strategy") or saved.strategy
        policy = MatchingPolicy(
            pk=saved.pk,
            program=self.get_program(),
            question_rules=saved.question_rules,
            objective=saved.objective,
            method=saved.method,
            circle_size=saved.circle_size,
            self_match=saved.self_match,
        )
        apply_preset(policy, strategy)
        self.form = self.get_form_class()(
            instance=policy,
            initial=typed.kept_on_preset(),
            program=self.get_program(),
            for_user=self.request.user,
        )
        self.preset_applied = policy.get_strategy_display()
        return self.render_to_response(self.get_context_data())

    @cached_property
    def has_unsaved_changes(self):
        return self.form.is_bound or bool(self.preset_applied)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "program": self.get_program(),
                "preset_applied": self.preset_applied,
                "apply_preset_name": APPLY_PRESET,
            }
        )
        return context


class PolicyCreateView(PolicyFormMixin, CreateView):
    choose_url_name = None

    @cached_property
    def program(self):
        # Read after the permission check: someone who may not add policies is
        # refused as such, whichever program they name.
        return chosen_program(self.request, self.request.GET.get("program", ""))

    def get(self, request, *args, **kwargs):
        return self.refusal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refusal() or super().post(request, *args, **kwargs)

    def refusal(self):
        """Without a program, choose one; a program with a policy goes to its form."""
        if self.program is None:
            return redirect(self.choose_url_name)
        existing = MatchingPolicy.objects.filter(program=self.program).first()
        if existing is not None:
            messages.info(
                self.request,
                _("“%(program)s” already has a matching policy; here it is.")
                % {"program": self.program.title},
            )
            return redirect(self.edit_url_name, existing.pk)
        return None

    def get_program(self):
        return self.program

    def saved_policy(self):
        return self.get_initial_form_instance()

    def get_initial_form_instance(self):
        policy = MatchingPolicy(program=self.program)
        apply_preset(policy, policy.strategy)
        return policy

    def get_add_url(self):
        return f"{reverse(self.add_url_name)}?program={self.program.pk}"

    def get_page_subtitle(self):
        return _("Matching policy for %(program)s") % {"program": self.program.title}

    def get_success_message(self, instance):
        return _("The matching policy for “%(program)s” is saved.") % {
            "program": instance.program.title
        }


class PolicyEditView(PolicyFormMixin, EditView):
    def get_object(self, queryset=None):
        policy = super().get_object(queryset)
        self.program = policy.program
        return policy

    def get_program(self):
        if not hasattr(self, "program"):
            self.object = self.get_object()
        return self.program

    def saved_policy(self):
        return self.get_object()

    def get_page_subtitle(self):
        return _("Matching policy for %(program)s") % {"program": self.get_program().title}

    def get_success_message(self):
        return _("The matching policy for “%(program)s” is saved.") % {
            "program": self.object.program.title
        }


# Running matching ---------------------------------------------------------------------------


class RunUrlsMixin:
    """The URL names of the runs viewset, passed in by it."""

    index_url_name = None
    start_url_name = None
    detail_url_name = None
    review_url_name = None
    approve_all_url_name = None
    move_url_name = None
    rerun_url_name = None
    policy_add_url_name = None
    policy_edit_url_name = None
    enrollment_inspect_url_name = None

    def detail_url(self, run) -> str:
        return reverse(self.detail_url_name, args=[run.pk])


class StartRunView(RunUrlsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Every program with what matching would work on, and a "Run matching" button each."""

    model = MatchingRun
    permission_required = "add"
    template_name = "matching/admin/start_run.html"
    page_title = gettext_lazy("Run matching")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Matching runs")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        programs = list(administered_programs(user).order_by("title"))
        policies = {p.program_id: p for p in MatchingPolicy.objects.administered_by(user)}
        waiting = Counter()
        for program_id, role, n in (
            Enrollment.objects.waiting()
            .administered_by(user)
            .order_by()
            .values_list("program_id", "role")
            .annotate(n=Count("pk"))
        ):
            waiting[(program_id, role)] += n
        latest = {}
        for run in (
            MatchingRun.objects.with_lifecycle()
            .filter(program__in=programs)
            .order_by("-created_at")
        ):
            latest.setdefault(run.program_id, run)
        can_set_policy = can(self.request.user, MatchingPolicy, "add")
        can_edit_policy = can(self.request.user, MatchingPolicy, "change")
        rows = []
        for program in programs:
            policy = policies.get(program.pk)
            policy_url = None
            if policy is not None and can_edit_policy:
                policy_url = reverse(self.policy_edit_url_name, args=[policy.pk])
            elif policy is None and can_set_policy:
                policy_url = f"{reverse(self.policy_add_url_name)}?program={program.pk}"
            run = latest.get(program.pk)
            rows.append(
                {
                    "program": program,
                    "policy": policy,
                    "policy_url": policy_url,
                    "mentees": waiting[(program.pk, RoleWanted.MENTEE)],
                    "mentors": waiting[(program.pk, RoleWanted.MENTOR)],
                    "either": waiting[(program.pk, RoleWanted.EITHER)],
                    "latest": run,
                    "latest_url": self.detail_url(run) if run else None,
                }
            )
        context.update({"rows": rows, "action_url": reverse(self.start_url_name)})
        return context

    def post(self, request, *args, **kwargs):
        program = chosen_program(request, request.POST.get("program", ""))
        back = safe_next(request, reverse(self.start_url_name))
        if program is None:
            messages.error(request, _("Choose a program to match."))
            return redirect(back)
        try:
            run = start_run(program, request.user)
        except MatchingError as error:
            messages.error(request, str(error))
            return redirect(back)
        messages.success(
            request,
            _("Matching “%(program)s” has started. This page follows its progress.")
            % {"program": program.title},
        )
        return redirect(self.detail_url(run))


class RunDetailView(RunUrlsMixin, InspectView):
    """A run: its progress while it runs, its error if it failed, its proposals when done."""

    template_name = "matching/admin/run_detail.html"
    page_title = gettext_lazy("Matching run")

    def get_object(self, queryset=None):
        return get_object_or_404(
            MatchingRun.objects.administered_by(self.request.user)
            .with_lifecycle()
            .select_related("program", "started_by", "based_on__program"),
            pk=self.pk,
        )

    def get_page_subtitle(self):
        return run_label(self.object)

    def get_fields_context(self):
        return []  # the template lays the run out itself

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Matching runs")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        user = self.request.user
        latest = (
            MatchingRun.objects.superseding(run).order_by("-pk").first()
            if run.superseded
            else None
        )
        context.update(
            {
                "run": run,
                "lifecycle": run.get_lifecycle_display(),
                "latest_run_url": self.detail_url(latest) if latest else None,
                "refresh": not run.finished,
                "can_review": can(user, MatchProposal, "change"),
                "reviewable": run.lifecycle in REVIEWABLE,
                "can_rerun": can(user, MatchingRun, "add"),
                "rerun_url": reverse(self.rerun_url_name, args=[run.pk]),
                "start_url": reverse(self.start_url_name),
                "based_on_url": self.detail_url(run.based_on) if run.based_on_id else None,
                "policy": self.policy_summary(run.policy_snapshot),
            }
        )
        if run.status == RunStatus.DONE:
            context.update(self.review_context(run))
        return context

    @staticmethod
    def policy_summary(snapshot: dict) -> dict:
        def display(choices, value):
            try:
                return choices(value).label
            except ValueError:
                return value

        weights = [
            (criterion_label(key, snapshot), value)
            for key, value in sorted(
                (snapshot.get("weights") or {}).items(), key=lambda item: -item[1]
            )
            if value
        ] + [
            (rule.get("label") or key, rule.get("weight"))
            for key, rule in (snapshot.get("question_rules") or {}).items()
            if rule.get("weight")
        ]
        return {
            "strategy": display(Strategy, snapshot.get("strategy")),
            "objective": display(Objective, snapshot.get("objective")),
            "method": display(Method, snapshot.get("method")),
            "weights": weights,
        }

    def review_context(self, run) -> dict:
        people = Enrollment.objects.filter(
            Q(pk__in=run.proposals.values("mentor_id"))
            | Q(pk__in=run.proposals.values("mentee_id"))
        )
        mentors = Enrollment.objects.filter(pk__in=run.proposals.values("mentor_id"))
        departments = sorted(
            set(people.exclude(department="").values_list("department", flat=True)),
            key=str.casefold,
        )
        filters = ProposalFilterForm(
            self.request.GET or None,
            mentors=sorted(mentors.select_related("user"), key=lambda m: str(m.user).casefold()),
            departments=departments,
        )
        chosen = filters.cleaned_data if filters.is_valid() else {}
        ordering = self.request.GET.get("ordering", review.DEFAULT_ORDERING)
        if ordering not in review.ORDERINGS:
            ordering = review.DEFAULT_ORDERING
        proposals = review.proposals_for_review(
            run,
            status=chosen.get("status") or "",
            mentor=chosen.get("mentor"),
            department=chosen.get("department") or "",
            search=chosen.get("q") or "",
            ordering=ordering,
        )
        page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(self.request.GET.get("p"))
        snapshot = run.policy_snapshot
        can_review = (
            can(self.request.user, MatchProposal, "change") and run.lifecycle in REVIEWABLE
        )
        better = better_options(page.object_list)
        rows = [
            {
                "proposal": proposal,
                "open": can_review and proposal.status in review.OPEN,
                "reasons": reasons(proposal.explanation or {}, snapshot),
                "passed_over": better[proposal.pk],
                "move_url": reverse(self.move_url_name, args=[run.pk, proposal.pk])
                if can_review and proposal.status == ProposalStatus.PROPOSED
                else None,
            }
            for proposal in page.object_list
        ]
        counts = dict(run.proposals.order_by().values_list("status").annotate(n=Count("pk")))
        can_inspect = can(self.request.user, Enrollment, "view") or can(
            self.request.user, Enrollment, "change"
        )
        unmatched = [
            {
                **row,
                "side_label": _("Mentee") if row.get("side") == "mentee" else _("Mentor"),
                "url": reverse(self.enrollment_inspect_url_name, args=[row["enrollment"]])
                if can_inspect
                else None,
            }
            for row in run.unmatched
        ]
        active = run.proposals.exclude(status=ProposalStatus.REJECTED).aggregate(
            total=Count("pk"), score=Sum("score")
        )
        return {
            "filters": filters,
            "is_filtering": bool(
                chosen.get("status")
                or chosen.get("mentor")
                or chosen.get("department")
                or chosen.get("q")
            ),
            "page": page,
            "rows": rows,
            "ordering": ordering,
            "sort_links": self.sort_links(ordering),
            "counts": [
                (value, label, counts.get(value, 0))
                for value, label in ProposalStatus.choices
                if counts.get(value)
            ],
            "open_count": counts.get(ProposalStatus.PROPOSED, 0)
            + counts.get(ProposalStatus.LOCKED, 0),
            "unmatched": unmatched,
            "review_url": reverse(self.review_url_name, args=[run.pk]),
            "approve_all_url": reverse(self.approve_all_url_name, args=[run.pk]),
            "here": self.request.get_full_path(),
            "active_total": active["total"],
            "active_score": active["score"] or 0,
        }

    def sort_links(self, ordering: str) -> dict:
        links = {}
        for column in SORTABLE:
            params = self.request.GET.copy()
            params.pop("p", None)
            if ordering == column:
                target, state = f"-{column}", "ascending"
            elif ordering == f"-{column}":
                target, state = column, "descending"
            else:
                target, state = (f"-{column}" if column == "score" else column), "none"
            params["ordering"] = target
            links[column] = {"url": f"?{params.urlencode()}", "sort": state}
        return links


def better_options(proposals) -> dict[int, list[dict]]:
    """Each proposal's better-scoring mentors a hard constraint ruled out, as shown.

    Names are read from the enrolments now (one query for the page), not from the
    run's record of them, so a changed or erased name shows as it is today. Entries
    of runs from before avoid lists were left out are left out here too.
    """
    avoid = str(CONSTRAINT_LABELS["avoid"])
    entries = {
        proposal.pk: [
            entry
            for entry in proposal.passed_over or []
            if avoid not in entry.get("ruled_out_by", [])
        ]
        for proposal in proposals
    }
    ids = {entry.get("mentor") for listed in entries.values() for entry in listed}
    names = {
        enrollment.pk: str(enrollment.user)
        for enrollment in Enrollment.objects.filter(pk__in=ids).select_related("user")
    }
    return {
        pk: [
            {
                "name": names[entry["mentor"]],
                "score": entry.get("score", 0),
                "ruled_out_by": entry.get("ruled_out_by", []),
            }
            for entry in listed
            if entry.get("mentor") in names
        ]
        for pk, listed in entries.items()
    }


def approved_message(proposals, journeys: int) -> str:
    """What approving ``proposals`` did: matches approved, journeys started, and who
    is introduced: both sides of a pair, everyone in a circle (named, when one)."""
    matches = len(proposals)
    journey_ids = set(
        MatchProposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list(
            "journey_id", flat=True
        )
    )
    circles = circles_of(journey_ids)
    pairs = len(journey_ids - set(circles))
    approved = ngettext("Approved %(count)d match", "Approved %(count)d matches", matches) % {
        "count": matches
    }
    if not circles:
        introduced = _("introductions to both sides")
    elif pairs:
        introduced = _("introductions to both sides of each pair and everyone in each circle")
    elif len(circles) == 1:
        (names,) = circles.values()
        introduced = _("introductions to everyone in the circle (%(names)s)") % {
            "names": get_text_list(names, _("and"))
        }
    else:
        introduced = _("introductions to everyone in each circle")
    if not journeys:
        return ngettext(
            "%(approved)s, joining a circle already under way; %(introduced)s are queued "
            "and will be emailed shortly.",
            "%(approved)s, joining circles already under way; %(introduced)s are queued "
            "and will be emailed shortly.",
            len(circles),
        ) % {"approved": approved, "introduced": introduced}
    started = ngettext("started %(count)d journey", "started %(count)d journeys", journeys) % {
        "count": journeys
    }
    return _(
        "%(approved)s and %(started)s; %(introduced)s are queued and will be emailed shortly."
    ) % {"approved": approved, "started": started, "introduced": introduced}


class ReviewProposalsView(RunUrlsMixin, PermissionCheckedMixin, View):
    """The run page's actions on chosen proposals: approve, lock, unlock, reject."""

    model = MatchProposal
    permission_required = "change"
    http_method_names = ["post"]

    STATUS_ACTIONS = {
        "lock": ProposalStatus.LOCKED,
        "unlock": ProposalStatus.PROPOSED,
        "reject": ProposalStatus.REJECTED,
    }

    def post(self, request, pk):
        run = administered_run(request, pk)
        back = safe_next(request, self.detail_url(run))
        action = request.POST.get("action", "")
        if action == "approve_all":
            # Approving everything asks first: the confirmation page says what it does.
            return redirect(self.approve_all_url_name, run.pk)
        ids = {as_id(i) for i in request.POST.getlist("proposal")} - {None}
        chosen = list(run.proposals.filter(pk__in=ids))
        if len(chosen) != len(ids):
            messages.error(request, _("Some of these proposals are not in this run; reload it."))
            return redirect(back)
        try:
            if action == "approve":
                self.approved(review.approve(run, chosen, by=request.user), chosen)
            elif action in self.STATUS_ACTIONS:
                changed = review.set_status(chosen, self.STATUS_ACTIONS[action], by=request.user)
                if changed:
                    messages.success(request, self.status_message(action, changed))
                else:
                    messages.warning(request, self.unchanged_message(action))
            else:
                messages.error(request, _("Choose what to do with the chosen proposals."))
        except MatchingError as error:
            messages.error(request, str(error))
        return redirect(back)

    def approved(self, journeys, proposals):
        messages.success(self.request, approved_message(proposals, len(journeys)))

    @staticmethod
    def status_message(action, count) -> str:
        messages_by_action = {
            "lock": ngettext(
                "Locked %(count)d proposal: a re-run keeps it.",
                "Locked %(count)d proposals: a re-run keeps them.",
                count,
            ),
            "unlock": ngettext(
                "Unlocked %(count)d proposal.", "Unlocked %(count)d proposals.", count
            ),
            "reject": ngettext(
                "Rejected %(count)d proposal.", "Rejected %(count)d proposals.", count
            ),
        }
        return messages_by_action[action] % {"count": count}

    @staticmethod
    def unchanged_message(action) -> str:
        return {
            "lock": _("The chosen proposals were locked already."),
            "unlock": _("None of the chosen proposals was locked."),
            "reject": _("The chosen proposals were rejected already."),
        }[action]


class ApproveAllView(
    RunUrlsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """Approve every proposal of a run still waiting: first say what that does, then do it.

    The page counts the proposals, the journeys they start and the people emailed an
    introduction (and how many of them an invitation too). The form carries the
    number of proposals shown; if the run changed since, nothing is approved and the
    page is shown again with the new numbers.
    """

    model = MatchProposal
    permission_required = "change"
    template_name = "matching/admin/approve_all.html"
    page_title = gettext_lazy("Approve all proposals")

    @cached_property
    def run(self):
        return administered_run(self.request, self.kwargs["pk"])

    def waiting(self) -> list[MatchProposal]:
        return list(run_waiting(self.run))

    def get_page_subtitle(self):
        return run_label(self.run)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Matching runs")},
            {"url": self.detail_url(self.run), "label": run_label(self.run)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        try:
            review.check_reviewable(self.run)
        except MatchingError as error:
            messages.error(request, str(error))
            return redirect(self.detail_url(self.run))
        waiting = self.waiting()
        if not waiting:
            messages.error(request, _("No proposals in this run are waiting for approval."))
            return redirect(self.detail_url(self.run))
        return self.render_to_response(self.get_context_data(waiting=waiting))

    def get_context_data(self, waiting=(), **kwargs):
        context = super().get_context_data(**kwargs)
        locked = sum(1 for p in waiting if p.status == ProposalStatus.LOCKED)
        context.update(
            {
                "run": self.run,
                "preview": preview_approval(waiting),
                "locked": locked,
                "proposed": len(waiting) - locked,
                "action_url": self.request.path,
                "run_url": self.detail_url(self.run),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        waiting = self.waiting()
        confirmed = request.POST.get("count", "")
        if not waiting:
            messages.error(request, _("No proposals in this run are waiting for approval."))
            return redirect(self.detail_url(self.run))
        if confirmed != str(len(waiting)):
            messages.warning(
                request,
                _(
                    "The run changed after you looked: check the numbers again before "
                    "approving. Nothing was approved."
                ),
            )
            return redirect(request.path)
        try:
            journeys = review.approve(self.run, waiting, by=request.user)
        except MatchingError as error:
            messages.error(request, str(error))
            return redirect(self.detail_url(self.run))
        messages.success(request, approved_message(waiting, len(journeys)))
        return redirect(self.detail_url(self.run))


def run_waiting(run: MatchingRun):
    """The run's proposals still waiting for a decision: proposed or locked."""
    return run.proposals.filter(status__in=review.OPEN).order_by("pk")


class RerunView(RunUrlsMixin, PermissionCheckedMixin, View):
    """Start a new run that keeps this run's locked proposals and matches the rest again."""

    model = MatchingRun
    permission_required = "add"
    http_method_names = ["post"]

    def post(self, request, pk):
        run = administered_run(request, pk)
        try:
            new = review.rerun(run, by=request.user)
        except MatchingError as error:
            messages.error(request, str(error))
            return redirect(self.detail_url(run))
        messages.success(
            request,
            _("A new run has started: it keeps the locked proposals and matches the rest again."),
        )
        return redirect(self.detail_url(new))


class MoveProposalView(
    RunUrlsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """Choose another mentor for a proposal's mentee, seeing the score each would give."""

    model = MatchProposal
    permission_required = "change"
    template_name = "matching/admin/move_proposal.html"
    page_title = gettext_lazy("Move to another mentor")

    @cached_property
    def run(self):
        return administered_run(self.request, self.kwargs["pk"])

    @cached_property
    def proposal(self):
        return get_object_or_404(
            self.run.proposals.select_related("mentee__user", "mentor__user"),
            pk=self.kwargs["proposal_pk"],
        )

    def get_page_subtitle(self):
        return str(self.proposal.mentee.user)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Matching runs")},
            {"url": self.detail_url(self.run), "label": run_label(self.run)},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal, run = self.proposal, self.run
        movable = run.status == RunStatus.DONE and proposal.status == ProposalStatus.PROPOSED
        snapshot = run.policy_snapshot
        options = review.move_options(proposal) if movable else []
        context.update(
            {
                "run": run,
                "proposal": proposal,
                "movable": movable,
                "current_reasons": reasons(proposal.explanation or {}, snapshot, limit=None),
                "options": [
                    {
                        "option": option,
                        "reasons": reasons(option.candidate.explanation, snapshot, limit=None),
                        "gain": option.candidate.score - proposal.score,
                    }
                    for option in options
                ],
                "run_url": self.detail_url(run),
                "action_url": self.request.path,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        mentor_id = as_id(request.POST.get("mentor", ""))
        mentor = (
            Enrollment.objects.filter(pk=mentor_id, program_id=self.run.program_id)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .select_related("user")
            .first()
            if mentor_id is not None
            else None
        )
        if mentor is None:
            messages.error(request, _("Choose one of the mentors listed."))
            return redirect(request.path)
        try:
            moved = review.move_proposal(self.proposal, mentor, by=request.user)
        except MatchingError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        messages.success(
            request,
            _("%(mentee)s is now proposed to %(mentor)s, with a score of %(score).2f.")
            % {"mentee": moved.mentee.user, "mentor": moved.mentor.user, "score": moved.score},
        )
        return redirect(self.detail_url(self.run))
