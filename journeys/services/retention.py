"""Forgetting what Trellis no longer needs: old notification history and emails.

``forget_old_records(now)`` runs daily (the ``trellis.retention`` schedule) and
deletes what is older than ``TRELLIS_RETENTION_DAYS`` days. Rules it keeps:

* Outbox emails go once they are sent, failed or cancelled and were written
  before the cut-off. A pending email is never deleted, however old: it is
  still to be delivered (or cancelled) by the outbox.
* Notification rows are the log whose unique key makes each notification
  happen at most once. Deleting the row of a milestone that is still overdue
  in an active journey would make the next tick record and send it again. So
  a row older than the cut-off goes only once it can never be planned again:
  its journey is completed or closed, or its member has left the journey.
  Rows still waiting for a current member's weekly digest are kept. The rows
  of a journey still under way are kept until it ends, except those of new
  messages: their key is the moment they were written, which never comes
  again, and the hour they guard is long past.
* Messages themselves are kept, like reflections: they are what members
  wrote, and go only when their author deletes them or is erased.
* Meetings, logged or planned, are the journey's record, as reflections
  and goals are: nothing here deletes them. The invitations sent for planned
  meetings are outbox emails and go with them (their iCalendar text too).
  The log rows of meeting reminders follow the rule above.
* Content views (which material a person first opened when) belong to
  insights, which forget them on the same cut-off with ``delete_in_batches``
  (``insights.tasks.forget_old_content_views``).
* Deleting is done in batches of ``BATCH_SIZE`` rows, each in a transaction of
  its own, so no lock is held for long and a run stopped part-way keeps what
  it deleted; the next run deletes only what is left. A second run on the
  same day deletes nothing. Given ``seconds``, a run starts no new batch after
  that long and says it has not finished (the task then queues a successor),
  so a first run over years of history stays inside the worker's timeout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ..models import (
    ENDED_STATUSES,
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    OutboxEmail,
)

BATCH_SIZE = 500
# A task stops starting batches after this long, well inside Q_CLUSTER["timeout"].
TASK_SECONDS = 120
FINISHED_EMAILS = (EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.CANCELLED)


@dataclass(frozen=True)
class RetentionResult:
    notifications: int
    emails: int
    finished: bool = True

    def __str__(self):
        rest = "" if self.finished else "; more to delete"
        return f"deleted {self.notifications} notifications and {self.emails} emails{rest}"


def cut_off(now: datetime, days: int | None = None) -> datetime:
    """The moment before which records are forgotten."""
    return now - timedelta(days=days or settings.TRELLIS_RETENTION_DAYS)


def forgettable_notifications(before: datetime):
    """Notification rows older than ``before`` that the tick can never plan again."""
    return (
        Notification.objects.filter(created_at__lt=before)
        .filter(
            Q(journey__status__in=ENDED_STATUSES)
            | Q(member__left_on__isnull=False)
            | Q(kind=NotificationKind.MESSAGE)
        )
        .exclude(Q(delivery=Delivery.DIGEST) & Q(member__left_on__isnull=True))
    )


def forgettable_emails(before: datetime):
    """Outbox rows written before ``before`` that are done with: never pending ones."""
    return OutboxEmail.objects.filter(created_at__lt=before, status__in=FINISHED_EMAILS)


class Budget:
    """Whether there is time left to start another batch."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.started = time.monotonic()

    @property
    def spent(self) -> bool:
        return self.seconds is not None and time.monotonic() - self.started >= self.seconds


def delete_in_batches(queryset, batch_size: int = BATCH_SIZE, budget=None) -> tuple[int, bool]:
    """Delete what ``queryset`` selects, ``batch_size`` rows per transaction.

    Returns how many rows were deleted and whether all of them were (rather
    than the budget running out). Each batch re-applies the queryset's
    conditions as it deletes, so a row that changed since its id was read
    (an email retried) is left alone.
    """
    budget = budget or Budget(None)
    deleted = 0
    while True:
        if budget.spent:
            return deleted, False
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted, True
            _total, by_model = queryset.filter(pk__in=ids).delete()
            deleted += by_model.get(queryset.model._meta.label, 0)
        if len(ids) < batch_size:
            return deleted, True


def forget_old_records(
    now: datetime,
    days: int | None = None,
    batch_size: int = BATCH_SIZE,
    seconds: float | None = None,
) -> RetentionResult:
    """Delete notification history and finished emails older than the retention period."""
    before = cut_off(now, days)
    budget = Budget(seconds)
    # Notifications first: deleting an email sets the digests' links to it to null.
    notifications, done = delete_in_batches(forgettable_notifications(before), batch_size, budget)
    emails, emails_done = delete_in_batches(forgettable_emails(before), batch_size, budget)
    return RetentionResult(notifications, emails, done and emails_done)
