"""The weekly insights digest: each program's week, to its admins and its sponsor.

Rules enforced here:

* Recipients: every active member of the "Program admins" group with an email
  address, and the account linked to the program's sponsor (their leader
  profile's user). Someone who is both is written to as an admin.
* Program admins read the names of the people in journeys at risk (the
  lowest scores first, up to ``AT_RISK_NAMES``) with a link to each journey
  in the admin; the sponsor reads counts only.
* Once a week: one digest per program, person and ISO week, however often the
  task runs. A row in ``InsightsDigest`` claims the digest before it is sent
  (its unique key turns a second, concurrent claim away); a send that fails
  gives the claim back, so the next run tries again.
* People who used the "stop these emails" link (``EmailChoice.NONE``) get none.
* No words anyone wrote: the digest holds counts, states, scores and names.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import EmailChoice, InsightsDigest, ParticipantPreferences, ProgramPage
from ..services.notifications import Mailer
from ..signals_receivers import PROGRAM_ADMINS
from .health import AT_RISK, BANDS
from .store import program_insights, program_journeys
from .tables import BAND_LABELS, members_label

logger = logging.getLogger(__name__)

AT_RISK_NAMES = 10
TEMPLATE = "journeys/emails/insights_digest"


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def recipients(program, admins) -> list[tuple[object, bool]]:
    """(user, is admin) for each person who should hear about ``program``."""
    chosen = [(user, True) for user in admins]
    sponsor = program.sponsor.user if program.sponsor_id and program.sponsor else None
    if (
        sponsor is not None
        and sponsor.is_active
        and sponsor.email
        and all(user.pk != sponsor.pk for user in admins)
    ):
        chosen.append((sponsor, False))
    return chosen


def _admin_root() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


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
            )
            if value is not None
        ],
        "health": [(BAND_LABELS[band], insights.health_counts[band]) for band in BANDS],
        "at_risk_count": insights.health_counts[AT_RISK],
        "dashboard_url": root + reverse("insights:program", args=[program.pk]),
        "for_admin": for_admin,
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


def _claim(program, user, week: str) -> InsightsDigest | None:
    try:
        with transaction.atomic():
            return InsightsDigest.objects.create(program=program, recipient=user, week=week)
    except IntegrityError:  # already sent this week, or being sent by another run
        return None


def send_insights_digests(today: date | None = None, mailer: Mailer | None = None) -> int:
    """Send this week's digests that have not gone yet; returns how many were sent."""
    today = today or timezone.localdate()
    week = iso_week(today)
    admins = list(
        get_user_model()
        .objects.filter(groups__name=PROGRAM_ADMINS, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )
    stopped = set(
        ParticipantPreferences.objects.filter(emails=EmailChoice.NONE).values_list(
            "user_id", flat=True
        )
    )
    mailer = mailer or Mailer()
    sent = 0
    for program in ProgramPage.objects.live().select_related("sponsor__user").order_by("pk"):
        done = set(
            InsightsDigest.objects.filter(program=program, week=week).values_list(
                "recipient_id", flat=True
            )
        )
        pending = [
            (user, for_admin)
            for user, for_admin in recipients(program, admins)
            if user.pk not in done and user.pk not in stopped
        ]
        if not pending:
            continue
        insights = program_insights(program, today)
        at_risk = (
            [row for row in program_journeys(program, today) if row.band == AT_RISK]
            if any(for_admin for _user, for_admin in pending)
            else []
        )
        subject = _("This week in “%(program)s”") % {"program": program.title}
        for user, for_admin in pending:
            claim = _claim(program, user, week)
            if claim is None:
                continue
            try:
                mailer.send(
                    user,
                    TEMPLATE,
                    digest_context(program, insights, at_risk, for_admin),
                    subject=subject,
                    program_id=program.pk,
                )
            except Exception:
                claim.delete()
                raise
            InsightsDigest.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            sent += 1
    return sent
