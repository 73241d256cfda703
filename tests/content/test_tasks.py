"""What editors schedule in the admin happens on its own: the worker publishes pages and
snippets whose go-live time has come and unpublishes those that expired."""

import datetime

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from content.factories import LeaderProfileFactory, MaterialPageFactory
from content.models import LeaderProfile, MaterialPage


def run_scheduled_publishing():
    """Run the task the synced schedule names, as a worker would."""
    call_command("sync_schedules", verbosity=0)
    schedule = Schedule.objects.get(name="trellis.publish_scheduled")
    return import_string(schedule.func)()


def minutes_from_now(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def bring_forward(revision):
    """Move a scheduled revision's go-live time to a minute ago, as if time had passed."""
    go_live_at = minutes_from_now(-1)
    revision.approved_go_live_at = go_live_at
    revision.content["go_live_at"] = go_live_at.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])


def test_publishing_what_is_scheduled_is_a_schedule_every_minute(db):
    call_command("sync_schedules", verbosity=0)

    schedule = Schedule.objects.get(name="trellis.publish_scheduled")
    assert schedule.func == "content.tasks.publish_scheduled"
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == 1


def test_a_change_scheduled_in_the_editor_goes_live_once_its_time_has_come(admin_client, library):
    page = MaterialPageFactory(parent=library, title="Giving feedback")
    go_live_at = minutes_from_now(30)
    data = nested_form_data(
        {
            "title": "Giving feedback that lands",
            "slug": page.slug,
            "summary": page.summary,
            "kind": page.kind,
            "audience": page.audience,
            "estimated_minutes": page.estimated_minutes,
            "body": streamfield([("markdown", "## Feedback\n\nBe specific.")]),
            "comments": inline_formset([]),
            "go_live_at": timezone.localtime(go_live_at).strftime("%Y-%m-%d %H:%M"),
        }
    )
    data["action-publish"] = "1"

    response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)

    assert response.status_code == 302
    page.refresh_from_db()
    revision = page.get_latest_revision()
    assert revision.approved_go_live_at is not None
    run_scheduled_publishing()
    page.refresh_from_db()
    assert page.title == "Giving feedback"  # not yet: its time has not come

    bring_forward(revision)
    run_scheduled_publishing()

    page.refresh_from_db()
    assert page.title == "Giving feedback that lands"
    assert page.live


def test_a_page_past_its_expiry_is_unpublished(library):
    page = MaterialPageFactory(parent=library, expire_at=minutes_from_now(-1))
    assert page.live

    run_scheduled_publishing()

    page = MaterialPage.objects.get(pk=page.pk)
    assert not page.live
    assert page.expired


def test_a_leader_profile_scheduled_to_go_live_does_so(db):
    profile = LeaderProfileFactory(bio="Before.")
    profile.bio = "After."
    bring_forward(profile.save_revision())

    run_scheduled_publishing()

    assert LeaderProfile.objects.get(pk=profile.pk).bio == "After."
