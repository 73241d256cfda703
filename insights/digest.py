"""The weekly insights digest: each program's week, to its admins and its sponsor.

Rules enforced here:

* Recipients: the program's own admins who may see its insights
  (``journeys.view_insights``), and its sponsors (``services.access``: chosen on
  the program, by group, or the account linked to its sponsor leader), each
  active and with an email address. Someone who is both is written to as an
  admin. Nobody else hears about a program, whatever their group.
* Admins read the names of the people in journeys at risk (the lowest scores
  first, up to ``AT_RISK_NAMES``) with a link to each journey and to the
  dashboard in the admin; sponsors read counts only, and no link into the
  admin, which is not theirs.
* Which programs: every live one, and every unpublished one that still has
  journeys under way (active or paused). Unpublishing a program closes it to
  newcomers, not to the people walking its journeys, so whoever follows it
  keeps hearing; an unpublished program whose journeys have all ended (or
  that has none) is not written about. The digest of an unpublished program
  says so and links to no page of the site, which may not serve it: admins
  get their dashboard in the admin, sponsors no link.
* Once a week: one digest per program, person and ISO week, however often the
  task runs. A row in ``InsightsDigest`` claims the digest (its unique key
  turns a second, concurrent claim away) in the transaction that writes the
  email to the outbox, whose workers deliver it, retrying as they do.
* One program whose digest fails (its figures cannot be worked out) is
  logged and skipped; the others' digests still go.
* People who used the "stop these emails" link (``EmailChoice.NONE``) get none.
* No words anyone wrote: the digest holds counts, states, scores and names.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journeys.models import EmailChoice, Journey, ParticipantPreferences, ProgramPage
from journeys.services import outbox
from journeys.services.access import administrators, sponsors, with_permission

from . import snapshots
from .health import AT_RISK, BANDS
from .models import InsightsDigest
from .permissions import VIEW_ALL
from .tables import BAND_LABELS, members_label

logger = logging.getLogger(__name__)

AT_RISK_NAMES = 10
TEMPLATE = "insights/emails/insights_digest"


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def recipients(program) -> list[tuple[object, bool]]:
    """(user, is admin) for each person who should hear about ``program``, admins first."""
    admins = list(
        with_permission(administrators(program), VIEW_ALL).exclude(email="").order_by("pk")
    )
    chosen = [(user, True) for user in admins]
    seen = {user.pk for user in admins}
    chosen += [
        (user, False)
        for user in sponsors(program).exclude(email="").order_by("pk")
        if user.pk not in seen
    ]
    return chosen


def _admin_root() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def programs_to_tell():
    """Live programs, and unpublished ones whose journeys are still under way."""
    under_way = Journey.objects.under_way().filter(program=OuterRef("pk"))
    return ProgramPage.objects.filter(Q(live=True) | Exists(under_way))


def digest_context(program, insights, at_risk_rows, for_admin: bool) -> dict:
    week = insights.week
    root = _admin_root()
    context = {
        "program": program.title,
        "intro": _("Here is how “%(program)s” went in the week from %(start)s to %(end)s.")
        % {
            "program": program.title,
            "start": date_format(week.start, "j F"),
            "end": date_format(week.end, "j F Y"),
        },
        "week": [
            (label, value)
            for label, value in (
                (_("People who enrolled"), week.enrolled),
                (_("People matched"), week.matched),
                (_("Journeys started"), week.journeys_started),
                (_("Steps completed"), week.steps_completed),
                (_("Milestones completed"), week.milestones_done),
                (_("Meetings held"), week.meetings),
                (_("Messages in conversations"), week.messages),
            )
            if value is not None
        ],
        "health": [(BAND_LABELS[band], insights.health_counts[band]) for band in BANDS],
        "at_risk_count": insights.health_counts[AT_RISK],
        "dashboard_url": root + reverse("insights:program", args=[program.pk])
        if for_admin
        else "",
        "for_admin": for_admin,
        "unpublished": _(
            "“%(program)s” is not published: newcomers can no longer enrol, "
            "and its journeys go on."
        )
        % {"program": program.title}
        if not program.live
        else "",
        "at_risk": [],
        "more_at_risk": 0,
    }
    if for_admin:
        shown = at_risk_rows[:AT_RISK_NAMES]
        context["at_risk"] = [
            {
                "names": members_label(row.members),
                "score": row.score,
                "url": root + reverse("journeys_admin:inspect", args=[row.journey_id]),
            }
            for row in shown
        ]
        context["more_at_risk"] = len(at_risk_rows) - len(shown)
    return context


def queue_digest(program, user, week: str, context: dict, subject: str) -> bool:
    """Claim this week's digest for ``user`` and write it to the outbox, together.

    Returns False when it was claimed already (sent this week, or being
    written by another run at the same moment).
    """
    try:
        with transaction.atomic():
            claim = InsightsDigest.objects.create(program=program, recipient=user, week=week)
            (email,) = outbox.queue_emails(
                [outbox.new_email(user.pk, TEMPLATE, subject, context, program_id=program.pk)]
            )
            InsightsDigest.objects.filter(pk=claim.pk).update(email=email)
    except IntegrityError:
        return False
    return True


def send_insights_digests(today: date | None = None) -> int:
    """Write this week's digests that have not gone yet; returns how many were written.

    A program whose digest cannot be worked out is logged and skipped: the
    others still go.
    """
    today = today or timezone.localdate()
    week = iso_week(today)
    stopped = set(
        ParticipantPreferences.objects.filter(emails=EmailChoice.NONE).values_list(
            "user_id", flat=True
        )
    )
    written = 0
    for program in programs_to_tell().order_by("pk"):
        try:
            written += _program_digests(program, stopped, week, today)
        except Exception:
            logger.exception("The insights digest of program %s could not be written.", program.pk)
    return written


def _program_digests(program, stopped, week: str, today: date) -> int:
    done = set(
        InsightsDigest.objects.filter(program=program, week=week).values_list(
            "recipient_id", flat=True
        )
    )
    pending = [
        (user, for_admin)
        for user, for_admin in recipients(program)
        if user.pk not in done and user.pk not in stopped
    ]
    if not pending:
        return 0
    # A task may work figures out: it does when they are due and nobody else is at it.
    snapshots.work_out(program.pk)
    figures = snapshots.read(program)
    if figures is None:
        raise RuntimeError(f"The figures of program {program.pk} are still being worked out.")
    insights = figures.insights
    at_risk = (
        snapshots.named([row for row in snapshots.journeys(program) if row.band == AT_RISK])
        if any(for_admin for _user, for_admin in pending)
        else []
    )
    subject = _("This week in “%(program)s”") % {"program": program.title}
    written = 0
    for user, for_admin in pending:
        context = digest_context(program, insights, at_risk, for_admin)
        if queue_digest(program, user, week, context, subject):
            written += 1
    return written
