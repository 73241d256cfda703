"""Template helpers for journeys: how steps and states are named on the page."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..engine import MilestoneState
from ..models import Journey

register = template.Library()

STATE_LABELS = {
    MilestoneState.LOCKED: _("Not open yet"),
    MilestoneState.OPEN: _("Open"),
    MilestoneState.DUE_SOON: _("Due soon"),
    MilestoneState.OVERDUE: _("Overdue"),
    MilestoneState.DONE: _("Done"),
    MilestoneState.NOT_IN_TRACK: _("Not in your track"),
    MilestoneState.NOT_APPLICABLE: _("Not for this journey"),
}

STEP_KIND_LABELS = {
    "read": _("Read or watch"),
    "reflect": _("Reflect"),
    "meet": _("Meet"),
    "set_goals": _("Set goals"),
    "review_goals": _("Review goals"),
    "checklist": _("To do"),
    "pulse": _("Quick rating"),
}

AUDIENCE_LABELS = {
    "everyone": _("Everyone"),
    "mentors": _("Mentors"),
    "mentees": _("Mentees and circle members"),
}


@register.filter
def state_label(state):
    """The words for a milestone state, e.g. “Due soon”."""
    try:
        return STATE_LABELS[MilestoneState(state)]
    except ValueError:
        return state


@register.filter
def step_kind_label(kind):
    return STEP_KIND_LABELS.get(kind, kind)


@register.filter
def audience_label(audience):
    return AUDIENCE_LABELS.get(audience, audience)


@register.filter
def step_title(step, live_titles=None):
    """A short, human title for a step: what it asks, not what kind of block it is.

    Accepts the views' step content (``kind`` and ``value``) or a stream child
    (``block_type`` and ``value``), so the editor's preview can use it too.
    ``live_titles`` (page id to title, live pages only) names a read step's
    page as it is now: the participant pages pass it, because the page held
    by a parsed revision keeps the title it had when the revision was parsed.
    """
    kind = getattr(step, "kind", None) or getattr(step, "block_type", "")
    value = step.value or {}
    if kind == "read":
        page = value.get("page")
        if page is not None and live_titles is not None:
            return live_titles.get(page.pk) or STEP_KIND_LABELS["read"]
        return page.title if page is not None else STEP_KIND_LABELS["read"]
    field = {
        "reflect": "prompt",
        "meet": "purpose",
        "checklist": "text",
        "pulse": "question",
    }.get(kind)
    if field and value.get(field):
        return value.get(field)
    return STEP_KIND_LABELS.get(kind, kind)


@register.simple_tag(takes_context=True)
def step_material(context, page):
    """The live, specific page a read or meet step shows, or None if it is gone.

    Participant pages load every material of a milestone up front and put them in
    ``materials`` (keyed by page id), so the body shown is the live one and not a
    copy held in the template cache. The editor's preview has no such map and
    falls back to the chosen page itself.
    """
    if page is None:
        return None
    materials = context.get("materials")
    if materials is not None:
        return materials.get(page.pk)
    return page.specific if page.live else None


@register.simple_tag(takes_context=True)
def is_program_member(context, program):
    """Whether the person viewing is in a journey of ``program``."""
    if program.pk is None:  # the editor's preview of a program not yet saved
        return False
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return Journey.objects.for_user(user).filter(program=program).exists()


@register.simple_tag
def meeting_answer_path(plan_uuid, user_id, answer):
    """The path of a one-click "did you meet?" answer, signed now, as the email is sent.

    No working link is ever stored: the outbox row keeps only whose it is.
    """
    from ..services.meetings import answer_token

    return reverse("journeys:meeting_answer", args=[answer_token(plan_uuid, user_id, answer)])
