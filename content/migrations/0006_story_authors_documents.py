"""Let senior leaders and Communications upload and choose documents, as they do images.

Stories offer a document block and rich-text document links, but the two groups
were kept out of documents: the chooser showed them none and refused their
uploads, so neither could be used. They now get the rights they have on images,
on the root collection: senior leaders add and choose; Communications also
changes them.
"""

from django.db import migrations

SENIOR_LEADERS = "Senior leaders"
COMMUNICATIONS = "Communications"
DOCUMENT_RIGHTS = {
    SENIOR_LEADERS: ["add_document", "choose_document"],
    COMMUNICATIONS: ["add_document", "change_document", "choose_document"],
}


def rights(apps):
    """Each (group, permission) pair to grant, for the groups that exist."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=DOCUMENT_RIGHTS):
        for permission in Permission.objects.filter(
            content_type__app_label="wagtaildocs", codename__in=DOCUMENT_RIGHTS[group.name]
        ):
            yield group, permission


def forwards(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is None:
        return
    for group, permission in rights(apps):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root_collection, permission=permission
        )


def backwards(apps, schema_editor):
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    for group, permission in rights(apps):
        GroupCollectionPermission.objects.filter(
            group=group, collection__depth=1, permission=permission
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0005_one_line_topic_and_pull_quote"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
