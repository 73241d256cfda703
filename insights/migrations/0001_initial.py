"""Insights take over the content views and digests tables from ``journeys``.

The tables keep their names (``db_table``), so only Django's record of the
models is created here; the content types (with the permissions hanging
on them) change app, so nobody's permissions are lost; and digests waiting in
the outbox follow their template to its new place.
"""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("contentview", "insightsdigest")


def move_content_types(apps, schema_editor, source="journeys", target="insights"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="insights", target="journeys")


def move_digest_template(apps, schema_editor, source="journeys", target="insights"):
    """Digests waiting in the outbox name their template: it moved with the app."""
    OutboxEmail = apps.get_model("journeys", "OutboxEmail")
    OutboxEmail.objects.filter(template=f"{source}/emails/insights_digest").update(
        template=f"{target}/emails/insights_digest"
    )


def move_digest_template_back(apps, schema_editor):
    move_digest_template(apps, schema_editor, source="insights", target="journeys")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('journeys', '0020_move_insights_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContentView',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('first_opened_at', models.DateTimeField()),
                        ('journey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='content_views', to='journeys.journey')),
                        ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.WAGTAIL_PAGE_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'journeys_contentview',
                        'constraints': [models.UniqueConstraint(fields=('journey', 'user', 'page'), name='one_content_view_per_person_page')],
                    },
                ),
                migrations.CreateModel(
                    name='InsightsDigest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('week', models.CharField(help_text='The ISO week the digest was written in, e.g. 2026-W10.', max_length=8)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('email', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='journeys.outboxemail')),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='journeys.programpage')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'journeys_insightsdigest',
                        'constraints': [models.UniqueConstraint(fields=('program', 'recipient', 'week'), name='one_insights_digest_per_week')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.RunPython(move_digest_template, move_digest_template_back),
    ]
