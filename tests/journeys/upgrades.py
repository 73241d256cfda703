"""Upgrading journeys through the admin, as an admin does it: the preview, then its form."""

import re
from html import unescape

from django.urls import reverse


def upgrade_url(*journeys):
    """The bulk action that previews, then upgrades, ``journeys``."""
    url = reverse("wagtail_bulk_action", args=["journeys", "journey", "upgrade"])
    return url + "?" + "&".join(f"id={j.pk}" for j in journeys)


def preview_form(response) -> dict:
    """What the upgrade preview's confirmation form sends: its hidden fields."""
    html = response.content.decode()
    form = html[html.index('<form action="') :]
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[: form.index("</form>")]
        )
        if name != "csrfmiddlewaretoken"
    }
