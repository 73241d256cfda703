"""Production: refuses to start without a secret key, and serves only over HTTPS.

Every setting here can be relaxed from the environment for a deployment that
terminates TLS elsewhere (see the README's settings table); none is silenced
without saying so there.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production needs a long random secret key in the "
        "SECRET_KEY environment variable; see the README's production section."
    )

DEBUG = False
# Whoever can publish to the whole company signs in with a second factor.
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Wagtail's live preview shows the page in a frame of the admin, on the same
# origin; DENY would blank it. SAMEORIGIN still refuses every other site.
X_FRAME_OPTIONS = "SAMEORIGIN"

# security.W019: see X_FRAME_OPTIONS above.
# security.W021: joining the browsers' HSTS preload list is a decision for the
# organisation that owns the domain; set SECURE_HSTS_PRELOAD=true to opt in.
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W021"]

if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. List the host names this site answers to, "
        "separated by commas, in the ALLOWED_HOSTS environment variable."
    )
