"""How the pages show a conversation's messages: one row per message, worked out once.

Both the journey page (its latest few messages) and the conversation's own
page use these rows, and so does the JSON the page's script asks for new
messages with: each message's HTML is ``journeys/includes/message.html``
rendered on the server, its text through the one sanitiser (``|markdown``).
Links are reversed once per list, then each message's id put in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import JourneyMember, Message
from .services import conversation

UUID_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class MessageRow:
    message: Message
    author_name: str
    is_mine: bool
    can_change: bool
    can_report: bool
    reported: bool
    edit_url: str
    report_url: str

    @property
    def anchor(self) -> str:
        return f"message-{self.message.uuid}"


def message_rows(journey, member: JourneyMember, messages, now=None) -> list[MessageRow]:
    """Rows for ``messages`` as ``member`` sees them: one query (which they reported)."""
    now = now or timezone.now()
    reported = conversation.reported_ids(member, messages)
    edit = reverse("journeys:edit_message", args=[journey.uuid, UUID_ID])
    report = reverse("journeys:report_message", args=[journey.uuid, UUID_ID])
    rows = []
    for message in messages:
        is_mine = message.author_id == member.pk
        rows.append(
            MessageRow(
                message=message,
                author_name=str(message.author.user),
                is_mine=is_mine,
                can_change=not journey.has_ended and conversation.can_change(message, member, now),
                can_report=message.pk not in reported
                and conversation.may_report(journey, member, message),
                reported=message.pk in reported,
                edit_url=edit.replace(UUID_ID, str(message.uuid)),
                report_url=report.replace(UUID_ID, str(message.uuid)),
            )
        )
    return rows


def render_rows(request, journey, rows) -> list[dict]:
    """Each row as the JSON carries it: its id and its HTML, rendered here."""
    return [
        {
            "uuid": str(row.message.uuid),
            "html": render_to_string(
                "journeys/includes/message.html", {"row": row, "journey": journey}, request
            ),
        }
        for row in rows
    ]


def journey_panel(journey, member: JourneyMember, form) -> dict:
    """The conversation's panel on the journey page: its latest messages and the form.

    The member's place moves to the newest message only when every message
    they had not read is among those shown.
    """
    place = conversation.read_position(member)
    page = conversation.messages_page(journey, member, limit=conversation.LATEST_ON_JOURNEY)
    newest = page.newest
    # Unread messages may hide before those shown when the one before them is unread.
    unseen_earlier = page.has_earlier and page.earlier_id > place
    if newest is not None and not unseen_earlier:
        conversation.mark_read(member, newest.pk, known=place)
    return {
        "rows": message_rows(journey, member, page.messages),
        "has_earlier": page.has_earlier,
        "unseen_earlier": unseen_earlier,
        "form": form,
        "poll_after": str(newest.uuid) if newest else "",
    }
