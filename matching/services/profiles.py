"""Profiles from enrolments, and what people told their program for their match to read.

Profiles belong to journeys; matching fills them because it holds the enrolments
(journeys never imports matching). The rules:

* Saving an enrolment (the enrolment page, the admin, an import) and approving a
  match copy what the enrolment says (department, location, time zone,
  languages, topics offered and sought) into the person's profile through
  ``journeys.services.profiles.fill_profiles``, which leaves alone every field
  the person changed on their profile page. It is called in the transaction
  that saves the enrolments, for any number of them in a fixed number of
  queries.
* A person's note for their match is what they wrote under "What do you hope to
  get from the program?" (``Enrollment.goals``; the form says their match will
  read it). With it go their answers to the questions the program marks
  ``shared_with_match`` (the form says so under each). Nothing else of an
  enrolment reaches the match: not the other answers, the level, the opt-in
  attributes or the people to avoid.
* The notes of a journey's people are read from the enrolments behind its
  approved (or since ended) matches when a page asks (``journey_match_notes``,
  the ``match_notes`` hook), so a correction or an erasure shows at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from content.models import Topic
from journeys.services.profiles import EnrolmentFacts, MatchNote, fill_profiles

from ..models import (
    Enrollment,
    MatchProposal,
    ProgramQuestion,
    ProposalStatus,
    QuestionKind,
)


def fill_from_enrollments(enrollments: Iterable[Enrollment]) -> int:
    """Copy what ``enrollments`` say into their people's profiles; returns how many changed.

    When one person appears more than once, the last enrolment counts.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return 0
    ids = [e.pk for e in enrollments]
    topics = {"offers": defaultdict(list), "seeks": defaultdict(list)}
    for name, relation in (("offers", "topics_offered"), ("seeks", "topics_sought")):
        through = getattr(Enrollment, relation).through
        for enrollment_id, topic_id in (
            through.objects.filter(enrollment_id__in=ids)
            .order_by("pk")
            .values_list("enrollment_id", "topic_id")
        ):
            topics[name][enrollment_id].append(topic_id)
    return fill_profiles(
        EnrolmentFacts(
            user_id=e.user_id,
            department=e.department or "",
            location=e.location or "",
            time_zone=e.time_zone or "",
            languages=tuple(e.languages or ()),
            offers=tuple(topics["offers"][e.pk]),
            seeks=tuple(topics["seeks"][e.pk]),
        )
        for e in enrollments
    )


def shared_questions(program_ids: Iterable[int]) -> dict[int, list[ProgramQuestion]]:
    """The questions each program shares with the match, in the program's order."""
    found = defaultdict(list)
    for question in ProgramQuestion.objects.filter(
        program_id__in=set(program_ids), shared_with_match=True
    ).order_by("program_id", "sort_order", "pk"):
        found[question.program_id].append(question)
    return found


def topic_names(questions: Iterable[ProgramQuestion], enrollments: Iterable[Enrollment]):
    """Names of the topics answered to topic-picker questions, by slug (one query, or none)."""
    keys = [str(q.key) for q in questions if q.kind == QuestionKind.TOPICS]
    slugs = set()
    for enrollment in enrollments:
        for key in keys:
            value = (enrollment.answers or {}).get(key)
            if isinstance(value, list):
                slugs.update(str(slug) for slug in value)
    if not slugs:
        return {}
    return dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "name"))


def answer_text(question: ProgramQuestion, value, names: dict[str, str]) -> str:
    """An answer as a sentence fragment a person reads: choices joined, a scale with its ends."""
    if question.kind == QuestionKind.SCALE:
        return _("%(value)s on a scale from %(low)s to %(high)s") % {
            "value": value,
            "low": question.scale_min,
            "high": question.scale_max,
        }
    if isinstance(value, list):
        if question.kind == QuestionKind.TOPICS:
            value = [names.get(str(slug), str(slug)) for slug in value]
        return ", ".join(str(item) for item in value)
    return str(value).strip()


def note_for(
    enrollment: Enrollment, questions: Sequence[ProgramQuestion], names: dict[str, str]
) -> MatchNote:
    """What ``enrollment``'s person told the program for their match to read."""
    answers = []
    stored = enrollment.answers or {}
    for question in questions:
        value = stored.get(str(question.key))
        if value is None or value == "" or value == []:
            continue
        text = answer_text(question, value, names)
        if text:
            answers.append((question.label, text))
    return MatchNote(
        user_id=enrollment.user_id, note=(enrollment.goals or "").strip(), answers=tuple(answers)
    )


def notes_for(enrollments: Iterable[Enrollment]) -> dict[int, MatchNote]:
    """Each enrolment's note for the match, by enrolment id, in a fixed number of queries."""
    enrollments = list(enrollments)
    questions = shared_questions(e.program_id for e in enrollments)
    names = topic_names([q for qs in questions.values() for q in qs], enrollments)
    return {e.pk: note_for(e, questions.get(e.program_id, []), names) for e in enrollments}


def journey_match_notes(journey) -> list[MatchNote]:
    """The notes of the people matched into ``journey`` (the ``match_notes`` hook)."""
    enrollments = {}
    for proposal in MatchProposal.objects.filter(
        journey_id=journey.pk, status__in=(ProposalStatus.APPROVED, ProposalStatus.ENDED)
    ).select_related("mentee", "mentor"):
        enrollments[proposal.mentee_id] = proposal.mentee
        enrollments[proposal.mentor_id] = proposal.mentor
    return [note for note in notes_for(enrollments.values()).values() if note]
