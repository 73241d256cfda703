"""Editor panels of the library's pages: the reviewer's request for changes on a story.

When Communications asks for changes, Wagtail keeps their comment on the review
task and shows it only inside the editor's status side panel. The story's author
should meet it first thing when they open the story, so ``ReviewCommentPanel``
puts it at the top of the form, escaped like any text someone typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wagtail.admin.panels import Panel
from wagtail.models import WorkflowState


@dataclass(frozen=True)
class ChangesRequested:
    """The latest request for changes on a page: who asked, when, and what they wrote."""

    by: object
    at: datetime | None
    comment: str


def changes_requested(page) -> ChangesRequested | None:
    """The request for changes a page is waiting on, or None when it is not sent back."""
    if page is None or not page.pk:
        return None
    state = page.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    task_state = state.current_task_state
    if task_state is None:
        return None
    task_state = task_state.specific
    return ChangesRequested(
        by=task_state.finished_by,
        at=task_state.finished_at,
        comment=task_state.get_comment(),
    )


class ReviewCommentPanel(Panel):
    """Shows the reviewer's comment while the page waits for the changes they asked for."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "content/panels/review_comment.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.request_for_changes = changes_requested(self.instance)

        def is_shown(self):
            return self.request_for_changes is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["changes"] = self.request_for_changes
            return context
