"""Events the journeys app announces; higher apps connect receivers to them."""

from django.dispatch import Signal

# Sent after the transaction that started a journey commits; ``journey``.
journey_started = Signal()
