"""Events the journeys app announces; higher apps connect receivers to them."""

from django.db import transaction
from django.dispatch import Signal

# Sent inside the transaction in which an admin starts a journey by hand (the
# admin's "Start a journey", not a match approved in matching), once its
# members are written; ``journey`` and ``started_by``. Apps above record what
# the journey means to them; a receiver that raises ``InvalidJourney`` undoes
# the start, and its message is shown on the form. A receiver may return a
# sentence for the admin (what it queued, say), added to the page's message.
journey_started_by_hand = Signal()

# Sent when a member opens a milestone page that shows materials or stories
# inline; ``journey_id``, ``program_id``, ``user_id`` and ``page_ids`` (the live
# pages shown).
# Receivers decide what, if anything, to record: journeys keeps no log of it.
content_opened = Signal()

# Sent after the transaction that changed journeys commits: members acted (a
# step, a reflection, a meeting, a goal, a message); ``program_ids``. Saving a
# ``Journey`` (started, edited, upgraded, re-matched) is announced by Django's
# own ``post_save``.
journeys_changed = Signal()


def announce_changes(program_ids) -> None:
    """Send ``journeys_changed`` for these programs once the transaction commits."""
    ids = frozenset(pk for pk in program_ids if pk is not None)
    if ids:
        transaction.on_commit(lambda: journeys_changed.send(sender=None, program_ids=ids))
