"""Send leader profiles through Communications' review, as stories are.

A senior leader may change their own profile but not publish it, so their changes
stayed drafts nobody was told about. The "Leader profile review" workflow, with
the stories' "Communications approval" task, is assigned to leader profiles: a
leader submits, Communications is emailed and approves. Profiles become lockable,
so one in review is locked to its author as a story is.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


WORKFLOW = "Leader profile review"
TASK = "Communications approval"
COMMUNICATIONS = "Communications"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="groupapprovaltask"
        )
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
        task.groups.set(Group.objects.filter(name=COMMUNICATIONS))
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    profile_type, _ = ContentType.objects.get_or_create(app_label="content", model="leaderprofile")
    WorkflowContentType.objects.get_or_create(
        content_type=profile_type, defaults={"workflow": workflow}
    )


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Workflow.objects.filter(name=WORKFLOW).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0003_text_limits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name='leaderprofile',
            name='locked',
            field=models.BooleanField(default=False, editable=False, verbose_name='locked'),
        ),
        migrations.AddField(
            model_name='leaderprofile',
            name='locked_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='locked at'),
        ),
        migrations.AddField(
            model_name='leaderprofile',
            name='locked_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
