"""What insights record beyond progress: content opened, and digests sent.

Both tables keep the names they had when insights lived inside ``journeys``
(``db_table``): the move changed which app owns them, not the data.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentView(models.Model):
    """A person first opened a milestone page that shows this material or story.

    One row per journey, person and page, written once (an insert that ignores
    the unique key), so it records *whether* and *when first*, never how often.
    It says nothing about what anyone wrote.
    """

    journey = models.ForeignKey(
        "journeys.Journey", on_delete=models.CASCADE, related_name="content_views"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField()

    class Meta:
        db_table = "journeys_contentview"
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "user", "page"], name="one_content_view_per_person_page"
            )
        ]

    def __str__(self):
        return f"Page {self.page_id} opened in journey {self.journey_id}"


class InsightsDigest(models.Model):
    """One weekly insights digest to one person about one program.

    The unique key makes it go at most once a week however often the task
    runs: the row is written in the same transaction as the email it queues in
    the outbox, so there is either both or neither.
    """

    program = models.ForeignKey("journeys.ProgramPage", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week = models.CharField(
        max_length=8, help_text=_("The ISO week the digest was written in, e.g. 2026-W10.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    email = models.ForeignKey(
        "journeys.OutboxEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "journeys_insightsdigest"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "recipient", "week"], name="one_insights_digest_per_week"
            )
        ]

    def __str__(self):
        return f"Insights digest {self.week} for {self.recipient_id}"


class ProgramSnapshot(models.Model):
    """A program's figures as last worked out, for pages to read and never compute.

    Written only by ``insights.snapshots.work_out`` under a lease: a worker takes
    it with a conditional UPDATE (``lease_token``, ``lease_until``), so two
    workers never compute the same program at once, and a worker that died
    leaves a lease that runs out. ``summary`` and ``journeys`` are JSON with
    counts, dates, ids and titles: no names and no HTML.
    """

    program = models.OneToOneField(
        "journeys.ProgramPage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    shape = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("The layout of the figures; a release that changes it works them out again."),
    )
    day = models.DateField(null=True, help_text=_("The day the figures were worked out for."))
    computed_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0, help_text=_("How long working them out took."))
    summary = models.JSONField(null=True)
    journeys = models.JSONField(null=True, help_text=_("Every active journey's health."))
    changed_at = models.DateTimeField(
        null=True,
        help_text=_(
            "The latest change announced since the figures were worked out; empty when none."
        ),
    )
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True)

    def __str__(self):
        return f"Insights of program {self.program_id} on {self.day}"
