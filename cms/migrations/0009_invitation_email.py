"""Record the address each invitation went to, so a link stops working once it changes."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def record_the_addresses_sent_to(apps, schema_editor):
    """Invitations already sent went to their person's present address."""
    Invitation = apps.get_model("cms", "Invitation")
    User = apps.get_model("cms", "User")
    Invitation.objects.update(
        email=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("email")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0008_sections_show_in_menus"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="email",
            field=models.EmailField(
                default="",
                help_text=(
                    "The address the invitation was sent to; the link stops working if the "
                    "person's address is changed."
                ),
                max_length=254,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(record_the_addresses_sent_to, migrations.RunPython.noop),
    ]
