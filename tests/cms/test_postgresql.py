"""PostgreSQL with statements bound on the server and prepared (``cms.postgresql``)."""

import re

import pytest
from django.db import connection
from django.utils import timezone

from cms.postgresql.base import MAX_SERVER_PARAMETERS
from journeys.models import OutboxEmail

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="server-side binding is PostgreSQL's"
    ),
]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_a_few_times_is_prepared_with_its_values_apart(user_factory):
    person = user_factory(email="prepared@example.com")
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    if threshold is None:
        pytest.skip("DATABASE_PREPARE_THRESHOLD is off")
    query = OutboxEmail.objects.filter(recipient=person, subject="Prepared once")

    for _ in range(threshold + 1):
        assert not query.exists()

    [statement] = [s for s in prepared_statements() if '"journeys_outboxemail"' in s]
    assert re.search(r'"journeys_outboxemail"\."subject" = \$\d', statement)
    assert "Prepared once" not in statement


def test_a_statement_with_more_values_than_the_protocol_carries_still_runs(user_factory):
    """Django neither splits a long ``__in`` list nor a deletion's updates to fit 65,535."""
    person = user_factory(email="many@example.com")
    now = timezone.now()
    count = MAX_SERVER_PARAMETERS + 5
    OutboxEmail.objects.bulk_create(
        OutboxEmail(recipient=person, template="t", subject=f"Email {n}", send_after=now)
        for n in range(count)
    )
    ids = list(OutboxEmail.objects.values_list("pk", flat=True))

    assert OutboxEmail.objects.filter(pk__in=ids).count() == count
    # Deleting reads the rows' ids, then clears the notifications that name them
    # (SET_NULL) with one statement carrying every id.
    deleted, _ = OutboxEmail.objects.filter(recipient=person).delete()

    assert deleted == count
    assert not OutboxEmail.objects.exists()
