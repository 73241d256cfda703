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
    """Django splits neither a long ``__in`` list nor the statements of an update or a
    deletion to fit 65,535 values: each statement below carries more."""
    person = user_factory(email="many@example.com")
    now = timezone.now()
    emails = OutboxEmail.objects.bulk_create(
        OutboxEmail(recipient=person, template="t", subject=f"Email {n}", send_after=now)
        for n in range(3)
    )
    ids = [email.pk for email in emails]
    # The three rows' ids among more than the protocol carries that match none.
    absent = range(max(ids) + 1, max(ids) + 1 + MAX_SERVER_PARAMETERS)
    query = OutboxEmail.objects.filter(pk__in=[*ids, *absent])

    assert query.count() == 3
    assert query.update(subject="Changed") == 3
    assert list(OutboxEmail.objects.values_list("subject", flat=True)) == ["Changed"] * 3
    deleted, _ = query.delete()

    assert deleted == 3
    assert not OutboxEmail.objects.exists()
