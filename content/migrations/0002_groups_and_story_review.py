"""Create the senior leaders' and communications groups and the story review.

Permissions are created here rather than left to ``post_migrate`` so that the
groups are complete the moment this migration finishes, on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SENIOR_LEADERS = "Senior leaders"
COMMUNICATIONS = "Communications"
WORKFLOW = "Leader story review"
TASK = "Communications approval"

GROUP_PERMISSIONS = {
    SENIOR_LEADERS: [
        ("wagtailadmin", "admin", "access_admin"),
        ("content", "leaderprofile", "change_own_leaderprofile"),
    ],
    COMMUNICATIONS: [
        ("wagtailadmin", "admin", "access_admin"),
        ("content", "leaderprofile", "add_leaderprofile"),
        ("content", "leaderprofile", "change_leaderprofile"),
        ("content", "leaderprofile", "publish_leaderprofile"),
    ],
}
COLLECTION_PERMISSIONS = {
    SENIOR_LEADERS: ["add_image", "choose_image"],
    COMMUNICATIONS: ["add_image", "change_image", "choose_image"],
}
PAGE_PERMISSIONS = {
    SENIOR_LEADERS: ["add_page"],
    COMMUNICATIONS: ["add_page", "change_page", "publish_page"],
}


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    StoriesIndexPage = apps.get_model("content", "StoriesIndexPage")

    groups = {}
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        for app_label, model, codename in perms:
            # Wagtail adds snippets' publish permissions after migrating;
            # create the one needed here so the group is whole now.
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": f"Can {codename.replace('_', ' ')}"},
            )
            group.permissions.add(permission)

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for name, codenames in COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=groups[name],
                    collection=root_collection,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailimages", codename=codename
                    ),
                )

    task_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
    task.groups.set([groups[COMMUNICATIONS]])
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)

    for index_page in StoriesIndexPage.objects.all():
        for name, codenames in PAGE_PERMISSIONS.items():
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=groups[name],
                    page_id=index_page.pk,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )
        WorkflowPage.objects.update_or_create(
            page_id=index_page.pk, defaults={"workflow": workflow}
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=WORKFLOW).delete()
    Task.objects.filter(name=TASK).delete()
    Group.objects.filter(name__in=[SENIOR_LEADERS, COMMUNICATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailadmin", "0006_formstate"),
        # wagtaildocs 0011 gives "choose document" to every group that can reach
        # the admin; running after it keeps these groups out of documents.
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
