"""The demo's mailbox: every email in a file of its own, in a folder beside the code.

The demo's addresses are on a reserved domain, so nothing could deliver its
emails; instead the worker hands them, through the outbox as always, to this
backend (``EMAIL_BACKEND = "cms.demo.mail.EmailBackend"`` in
``cms.settings.demo``). Each message becomes one ``.eml`` file in
``EMAIL_FILE_PATH``, named so that the folder lists them oldest first, with
whom each is for and what it is about:

    20250314-093012-123456-megan.lloyd@harbourline-demo.example-you-are-invited-to-grow-together-3f9a1c.eml

A mail program opens the file as the email it is (HTML and all); a text
editor shows its plain-text part, links included.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify

# Characters other than these become "_" in the recipient part of a file name.
UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9@._+-]")
RECIPIENT_CHARS = 80
SUBJECT_CHARS = 40


def file_name(message, when) -> str:
    """``<time>-<recipient>-<subject>-<random>.eml``: sorts by time, says who and what."""
    recipients = message.recipients()
    recipient = UNSAFE_IN_NAME.sub("_", recipients[0] if recipients else "nobody")
    subject = slugify(message.subject)[:SUBJECT_CHARS].strip("-") or "no-subject"
    # The last part keeps two messages written in the same microsecond apart.
    unique = uuid.uuid4().hex[:6]
    return f"{when:%Y%m%d-%H%M%S-%f}-{recipient[:RECIPIENT_CHARS]}-{subject}-{unique}.eml"


class EmailBackend(BaseEmailBackend):
    """Writes each message to ``EMAIL_FILE_PATH`` as a ``.eml`` file of its own."""

    def __init__(self, *, file_path=None, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        folder = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        if not folder:
            raise ImproperlyConfigured(
                "The demo's email backend needs EMAIL_FILE_PATH: the folder its emails go to."
            )
        self.folder = Path(folder)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / file_name(message, timezone.localtime())
                path.write_bytes(message.message().as_bytes())
            except OSError:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent
