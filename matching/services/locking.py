"""The one order in which matching locks rows, so that two transactions never deadlock.

Two transactions that lock the same rows in different orders can each hold one row
and wait for the other's, until PostgreSQL aborts one of them: a mentor accepting a
self-match request (which used to lock the request, then the enrolments) while the
mentee withdraws from the program (their enrolment, then their requests) did.

Every path that locks more than one kind of row locks them in ``LOCK_ORDER``:

1. enrolments (``Enrollment``), by primary key;
2. self-match requests (``MentorRequest``), by primary key;
3. matches (``MatchProposal``);
4. journeys (``Journey``).

An ``UPDATE`` locks the rows it changes as a ``SELECT ... FOR UPDATE`` does, so it
counts too. A row created in the transaction is nobody else's to wait for, and
locking a row the transaction already holds waits for nothing: neither breaks the
order. A path that cannot know which enrolments to lock before reading another row
reads that row without a lock first, locks the enrolments, then locks the row and
checks it again.

Approving a run's proposals, swapping a proposal's mentor and ending or re-matching a
match still lock the match they act on before its enrolments. That cannot deadlock
with the paths above only because none of them goes on to lock a match that existed
before its transaction began; a path that would must follow ``LOCK_ORDER`` first.
"""

from __future__ import annotations

from journeys.models import Journey

from ..models import Enrollment, MatchProposal, MentorRequest

LOCK_ORDER = (Enrollment, MentorRequest, MatchProposal, Journey)


def lock_enrolments(ids) -> dict[int, Enrollment]:
    """Lock these enrolments, in key order, and return them as they are now, by key."""
    return {
        enrolment.pk: enrolment
        for enrolment in Enrollment.objects.select_for_update(of=("self",))
        .filter(pk__in=set(ids))
        .select_related("user", "program")
        .order_by("pk")
    }
