"""What matching adds to a person's download of their data (``/my/data/``).

Journeys builds the download (``journeys.services.export``) and may not import
matching, so matching hands over its sections through the ``personal_data``
hook: the person's enrolments, with their answers to each program's
questions, the opt-in attributes they shared, the people they would rather not
be matched with and their line manager as recorded; and the mentor requests
they made (with their message) or received (without it: the words are the
mentee's). Scores and proposals that admins review are not included.

A fixed number of queries (seven) whatever the number of enrolments and requests.

Registered in ``matching.wagtail_hooks``.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from journeys.services.export import Section

from .models import Enrollment, MentorRequest, ProgramAttribute, ProgramQuestion

UNKNOWN_QUESTION = "?"


def _enrolments(user) -> Section:
    enrolments = (
        Enrollment.objects.filter(user=user)
        .select_related("program", "reports_to")
        .prefetch_related(
            "topics_offered",
            "topics_sought",
            "avoid",
            Prefetch(
                "program__questions", queryset=ProgramQuestion.objects.order_by("sort_order")
            ),
            Prefetch(
                "program__opt_in_attributes",
                queryset=ProgramAttribute.objects.order_by("sort_order"),
            ),
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for enrolment in enrolments:
        questions = {str(q.key): q.label for q in enrolment.program.questions.all()}
        attributes = {str(a.key): a.label for a in enrolment.program.opt_in_attributes.all()}
        rows.append(
            {
                "program": enrolment.program.title,
                "status": enrolment.get_status_display(),
                "role_wanted": enrolment.get_role_display(),
                "capacity": enrolment.capacity,
                "topics_offered": [t.name for t in enrolment.topics_offered.all()],
                "topics_sought": [t.name for t in enrolment.topics_sought.all()],
                "department": enrolment.department,
                "location": enrolment.location,
                "time_zone": enrolment.time_zone,
                "seniority": enrolment.seniority,
                "languages": enrolment.languages,
                "line_manager": str(enrolment.reports_to) if enrolment.reports_to else None,
                "what_you_hope_for": enrolment.goals,
                "answers": [
                    {
                        "question": questions.get(key, _("A question no longer asked")),
                        "answer": answer,
                    }
                    for key, answer in enrolment.answers.items()
                ],
                "attributes_shared": [
                    attributes.get(key, _("An attribute no longer offered"))
                    for key in enrolment.attributes
                ],
                "rather_not_be_matched_with": [str(person) for person in enrolment.avoid.all()],
                "enrolled_at": enrolment.created_at,
                "last_changed_at": enrolment.updated_at,
            }
        )
    return Section(
        "enrolments",
        _("Your enrolments"),
        _("Each program you enrolled in, with what you told it and your answers."),
        rows,
    )


def _requests(user) -> Section:
    rows = []
    for request in (
        MentorRequest.objects.filter(Q(mentee__user=user) | Q(mentor__user=user))
        .select_related("program", "mentee__user", "mentor__user")
        .order_by("created_at", "pk")
    ):
        made = request.mentee.user_id == user.pk
        row = {
            "program": request.program.title,
            "direction": _("you asked") if made else _("you were asked"),
            "other_person": str(request.mentor.user if made else request.mentee.user),
            "status": request.get_status_display(),
            "asked_at": request.created_at,
            "answered_at": request.decided_at,
        }
        if made:
            row["your_message"] = request.message
        rows.append(row)
    return Section(
        "mentor_requests",
        _("Mentor requests"),
        _("The mentors you asked, and the people who asked you to mentor them."),
        rows,
        notes=[_("A message someone sent with their request is theirs, so it is not included.")],
    )


def personal_data(user) -> list[Section]:
    return [_enrolments(user), _requests(user)]
