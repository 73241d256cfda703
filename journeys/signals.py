"""Events the journeys app announces; higher apps connect receivers to them."""

from django.dispatch import Signal

# Sent after the transaction that started a journey commits; ``journey``.
journey_started = Signal()

# Sent when a member opens a milestone page that shows materials or stories
# inline; ``journey_id``, ``user_id`` and ``page_ids`` (the live pages shown).
# Receivers decide what, if anything, to record: journeys keeps no log of it.
content_opened = Signal()
