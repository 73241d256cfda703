"""Keep every section in the site's header now that the header follows "Show in menus".

The header used to list every live, public child of a site's home page and
ignored the Promote tab's "Show in menus", which was unticked on all of them.
The header now lists only those with it ticked, so this ticks it on the pages
that can be sections (libraries, stories indexes and programs) and on each of
their revisions, which the editor and a later publish start from.
"""

from django.db import migrations

SECTIONS = [
    ("content", "libraryindexpage"),
    ("content", "storiesindexpage"),
    ("journeys", "programpage"),
]


def forwards(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")

    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    for app_label, model in SECTIONS:
        section_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if section_type is None:
            continue
        pages = Page.objects.filter(content_type=section_type)
        ids = [str(pk) for pk in pages.values_list("pk", flat=True)]
        pages.update(show_in_menus=True)
        if page_type is None or not ids:
            continue
        revisions = Revision.objects.filter(base_content_type=page_type, object_id__in=ids)
        for revision in revisions.iterator():
            if revision.content.get("show_in_menus") is not True:
                revision.content["show_in_menus"] = True
                revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_text_limits"),
        ("content", "0004_leader_profile_review"),
        ("journeys", "0023_milestone_days_limit"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
