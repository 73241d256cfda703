"""The demo (``make demo``): Trellis as a newcomer meets it, on one machine.

It builds on ``dev`` (the fixed key, the local host names, SQLite) with these
differences:

* ``DEBUG`` is off, so a missing page or a failure shows Trellis's own 404
  and 500 pages, and the failure is logged to the console, never shown as a
  debug page.
* WhiteNoise serves the static files straight from the apps' folders (no
  ``collectstatic``), and the site serves uploaded media itself
  (``TRELLIS_SERVE_MEDIA``), as nothing stands in front of it.
* Every email still goes through the outbox and the worker, which writes it to
  a file of its own in ``EMAIL_FILE_PATH`` (``demo-mail/`` beside the code;
  ``cms.demo.mail``) instead of printing it.
* ``WAGTAILADMIN_BASE_URL`` follows ``PORT``, so the links in emails lead to
  the port the demo is served on.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import BASE_DIR
from .base import MIDDLEWARE as BASE_MIDDLEWARE
from .dev import *  # noqa: F403

DEBUG = False

try:
    PORT = int(os.environ.get("PORT") or "8000")
except ValueError:
    raise ImproperlyConfigured(
        f"PORT must be a port number, such as 8000, not {os.environ['PORT']!r}."
    ) from None
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or f"http://127.0.0.1:{PORT}"

# WhiteNoise, taken out by dev, is back: without DEBUG nothing else serves static
# files. It finds them in the apps' folders when asked, as runserver would, so
# no collected copy is needed and an edited stylesheet shows on the next request.
MIDDLEWARE = list(BASE_MIDDLEWARE)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TRELLIS_SERVE_MEDIA = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "cms.demo.mail.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH") or BASE_DIR / "demo-mail")
