"""The participant's enrolment pages: enrol in a program, change it, withdraw.

Rules the views keep (``matching.forms`` keeps the rules about the answers):

* Every page needs a signed-in person and acts only on that person's own
  enrolment, found by program and ``request.user``; no URL names an enrolment.
* The program must be live and visible to the viewer; otherwise 404.
* Enrolling needs the program's ``enrolment_open``. Someone already enrolled may
  change their answers after enrolment closes, until they are matched. Enrolling
  again after withdrawing counts as enrolling, so it needs enrolment open.
* Once matched, nothing can be changed here; the page says to ask the program
  admin. Withdrawing is allowed at any time, matched or not, and only sets the
  status: journeys already started are left alone. Enrolling again after that is
  waiting to be matched, or matched while a match of theirs still runs.
* Every write is one transaction that re-reads (and locks) the enrolment first,
  so a page left open in another tab cannot save over a match. A refused POST
  redirects back with a message; a form with mistakes re-renders with status 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from journeys.models import ProgramPage
from journeys.sites import site_programs

from .forms import EnrollmentForm
from .models import Enrollment, EnrollmentStatus
from .services.selfmatch import end_requests_of

OPEN = "open"
CLOSED = "closed"
MATCHED = "matched"


def _program(request, program_id) -> ProgramPage:
    """The live program the viewer may see, or 404."""
    program = site_programs(request).filter(pk=program_id).first()
    if program is None:
        raise Http404
    for restriction in program.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404
    return program


def _own_enrollment(program, user, *, lock=False) -> Enrollment | None:
    enrollments = Enrollment.objects.filter(program=program, user=user)
    if lock:
        enrollments = enrollments.select_for_update()
    return enrollments.first()


def _state(program, enrollment) -> str:
    """Whether the person may enrol or change their enrolment now, and if not, why."""
    if enrollment is not None and enrollment.status == EnrollmentStatus.MATCHED:
        return MATCHED
    if enrollment is not None and enrollment.status == EnrollmentStatus.ENROLLED:
        return OPEN
    return OPEN if program.enrolment_open else CLOSED


def _refusal(state, program) -> str:
    if state == MATCHED:
        return _("You have been matched; ask your program admin to change anything.")
    return _("Enrolment in %(program)s is closed.") % {"program": program.title}


def _enrol_url(program) -> str:
    return reverse("matching:enrol", args=[program.pk])


def _program_url(request, program) -> str:
    return program.get_url(request) or _enrol_url(program)


def _render_enrol(request, program, enrollment, state, form=None, status=200):
    return render(
        request,
        "matching/enrol.html",
        {
            "program": program,
            "enrollment": enrollment,
            "state": state,
            "form": form,
            "adding": enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN,
            "program_url": _program_url(request, program),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request, program_id):
    """Show the enrolment form (GET), or enrol or save changes (POST)."""
    program = _program(request, program_id)
    if request.method == "POST":
        return _save(request, program)
    enrollment = _own_enrollment(program, request.user)
    state = _state(program, enrollment)
    form = None
    if state == OPEN:
        form = EnrollmentForm(
            instance=enrollment or Enrollment(program=program, user=request.user),
            program=program,
        )
    return _render_enrol(request, program, enrollment, state, form)


def _save(request, program):
    try:
        with transaction.atomic():
            enrollment = _own_enrollment(program, request.user, lock=True)
            state = _state(program, enrollment)
            if state != OPEN:
                messages.error(request, _refusal(state, program))
                return redirect(_enrol_url(program))
            adding = enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN
            form = EnrollmentForm(
                request.POST,
                instance=enrollment or Enrollment(program=program, user=request.user),
                program=program,
            )
            if form.is_valid():
                saved = form.save()
                if not adding:
                    message = _("Your answers are saved.")
                elif saved.status == EnrollmentStatus.MATCHED:
                    message = _(
                        "You are enrolled in %(program)s again, in the match you already have."
                    ) % {"program": program.title}
                else:
                    message = _(
                        "You are enrolled in %(program)s. We will let you know when you "
                        "have been matched."
                    ) % {"program": program.title}
                messages.success(request, message)
                return redirect(_enrol_url(program))
    except IntegrityError:
        # Two first enrolments at once (two tabs): the other one won; show it.
        messages.error(
            request,
            _("Your enrolment was saved from another window at the same time. Check it below."),
        )
        return redirect(_enrol_url(program))
    return _render_enrol(request, program, enrollment, state, form, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request, program_id):
    """Ask to confirm (GET), then withdraw (POST): the status changes, nothing else."""
    program = _program(request, program_id)
    if request.method == "GET":
        enrollment = _own_enrollment(program, request.user)
        if enrollment is not None and enrollment.status == EnrollmentStatus.WITHDRAWN:
            enrollment = None
        return render(
            request,
            "matching/withdraw.html",
            {
                "program": program,
                "enrollment": enrollment,
                "program_url": _program_url(request, program),
            },
        )
    with transaction.atomic():
        enrollment = _own_enrollment(program, request.user, lock=True)
        if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
            messages.info(
                request,
                _("You are not enrolled in %(program)s, so there is nothing to withdraw from.")
                % {"program": program.title},
            )
            return redirect(_program_url(request, program))
        was_matched = enrollment.status == EnrollmentStatus.MATCHED
        enrollment.status = EnrollmentStatus.WITHDRAWN
        enrollment.save(update_fields=["status", "updated_at"])
        end_requests_of(enrollment)
    if was_matched:
        message = _(
            "You have withdrawn from %(program)s. Please tell your program admin, so they "
            "can let your match know."
        )
    else:
        message = _(
            "You have withdrawn from %(program)s. If you change your mind, you can enrol "
            "again while enrolment is open."
        )
    messages.success(request, message % {"program": program.title})
    return redirect(_program_url(request, program))
