"""Saying what a review action did: approving, or asking for changes, in a workflow.

Wagtail records a reviewer's decision and emails the people concerned (at once,
from the request: these are Wagtail's own notifications, not the outbox's), but
says nothing to the reviewer. Both ways of deciding (the action from a listing or the
dashboard, and the buttons at the foot of the page editor) end here with one
message: what happened to the page and who is emailed about it. Who is emailed is
asked of Wagtail's own notifiers, so the message names exactly the people its
emails go to (the submitter, unless they decided themselves or turned those emails
off; the next task's reviewers when one follows).

The action view is Wagtail's, mounted at the same address ahead of the admin's URLs
(``cms/urls.py``); the editor's buttons reach ``after_edit_page`` (``wagtail_hooks``).
"""

from __future__ import annotations

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin import messages
from wagtail.admin.mail import (
    GroupApprovalTaskStateSubmissionEmailNotifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
)
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.models import TaskState, WorkflowState


def _people(users) -> str:
    return get_text_list(sorted((str(user) for user in users), key=str.casefold), _("and"))


def _told(recipients, comment: str) -> str:
    if not recipients:
        return _("Nobody is emailed about it.")
    if comment:
        told = ngettext(
            "%(people)s is emailed, with your comment.",
            "%(people)s are emailed, with your comment.",
            len(recipients),
        )
    else:
        told = ngettext("%(people)s is emailed.", "%(people)s are emailed.", len(recipients))
    return told % {"people": _people(recipients)}


def review_message(task_state_id: int, user) -> str | None:
    """What deciding the task state ``task_state_id`` did, or None if it is undecided."""
    task_state = (
        TaskState.objects.select_related("workflow_state", "task").filter(pk=task_state_id).first()
    )
    if task_state is None or task_state.status == TaskState.STATUS_IN_PROGRESS:
        return None
    workflow_state = task_state.workflow_state
    page = workflow_state.content_object
    title = page.get_admin_display_title() if page is not None else ""
    comment = task_state.specific.get_comment()
    if task_state.status == TaskState.STATUS_REJECTED:
        recipients = WorkflowStateRejectionEmailNotifier().get_valid_recipients(
            workflow_state, user=user
        )
        return " ".join(
            [
                _(
                    "You asked for changes to “%(title)s”: it stays a draft, back with its "
                    "author to change and submit again."
                )
                % {"title": title},
                _told(recipients, comment),
            ]
        )
    if task_state.status != TaskState.STATUS_APPROVED:
        return None
    if workflow_state.status == WorkflowState.STATUS_APPROVED:
        recipients = WorkflowStateApprovalEmailNotifier().get_valid_recipients(
            workflow_state, user=user
        )
        done = (
            _("You approved “%(title)s” and it is published.")
            if page is not None and page.live
            else _("You approved “%(title)s”.")
        )
        return " ".join([done % {"title": title}, _told(recipients, comment)])
    following = workflow_state.current_task_state
    if following is None:
        return _("You approved “%(title)s”.") % {"title": title}
    recipients = GroupApprovalTaskStateSubmissionEmailNotifier().get_valid_recipients(
        following.specific, user=user
    )
    return " ".join(
        [
            _("You approved “%(title)s”; it now waits for “%(task)s”.")
            % {"title": title, "task": following.task.name},
            ngettext(
                "%(people)s is emailed to review it.",
                "%(people)s are emailed to review it.",
                len(recipients),
            )
            % {"people": _people(recipients)}
            if recipients
            else _("Nobody is emailed about it."),
        ]
    )


def say_what_the_review_did(request, task_state_id: int) -> None:
    message = review_message(task_state_id, request.user)
    if message:
        messages.success(request, message)


class ReviewActionView(WorkflowActionView):
    """Wagtail's workflow action on a page, followed by the message of what it did."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        say_what_the_review_did(request, self.task_state.pk)
        return response
