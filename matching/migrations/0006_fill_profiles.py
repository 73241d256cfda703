"""Give everyone enrolled before profiles existed a profile filled from their enrolment.

What an enrolment says (department, location, time zone, languages, topics offered and
sought) is copied as ``matching.services.profiles.fill_from_enrollments`` copies it from
now on, as if it had since each enrolment was last saved: a person's enrolments that are
not withdrawn, oldest first, each later one's values over the earlier ones'; empty values
are skipped, and so is a value that does not fit the profile's field. People whose account
is inactive (who left, or were erased) are left without one.
"""

from django.db import migrations

LIMITS = {"department": 120, "location": 120, "time_zone": 64}


def fill(apps, schema_editor):
    Enrollment = apps.get_model("matching", "Enrollment")
    Profile = apps.get_model("journeys", "Profile")
    profiles = {}
    for enrollment in (
        Enrollment.objects.exclude(status="withdrawn")
        .filter(user__is_active=True)
        .order_by("updated_at", "pk")
        .iterator()
    ):
        if enrollment.user_id not in profiles:
            profiles[enrollment.user_id] = Profile.objects.get_or_create(
                user_id=enrollment.user_id
            )[0]
        profile = profiles[enrollment.user_id]
        if profile.edited:
            continue
        for name, limit in LIMITS.items():
            value = getattr(enrollment, name) or ""
            if value and len(value) <= limit and "\n" not in value:
                setattr(profile, name, value)
        if enrollment.languages:
            profile.languages = list(enrollment.languages)
        profile.save()
        offered = list(enrollment.topics_offered.values_list("pk", flat=True))
        sought = list(enrollment.topics_sought.values_list("pk", flat=True))
        if offered:
            profile.offers.set(offered)
        if sought:
            profile.seeks.set(sought)


class Migration(migrations.Migration):

    dependencies = [
        ("journeys", "0013_profile"),
        ("matching", "0005_question_shared_with_match"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
