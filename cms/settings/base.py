"""Settings shared by every environment.

Safe to run in production as it stands: ``DEBUG`` is off, nothing secret is
written here, and everything that differs between installations comes from the
environment. ``dev`` and ``test`` relax it; ``production`` tightens it.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cms import sso
from journeys.validation import offered_time_zones

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "cms"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def redis_next_database(url: str) -> str:
    """``url`` with the database after the one it names (0 when it names none)."""
    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    named_in_query = "db" in parse_qs(parts.query)
    if parts.scheme not in {"redis", "rediss"} or not number.isdigit() or named_in_query:
        raise ImproperlyConfigured(
            "REDIS_URL must have the form redis://host:port/database (or rediss://) to "
            "hold both the cache and the queue; otherwise set REDIS_CACHE_URL and "
            "REDIS_QUEUE_URL instead."
        )
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "content",
    "journeys",
    "matching",
    "insights",
    "themes",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.csp.PolicyByPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.method_not_allowed.MethodNotAllowedPageMiddleware",
    "cms.mfa.StaffSetUpTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# An empty DATABASE_URL means the embedded SQLite database beside the code.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements bound on the server and prepared after a few runs on a
    # connection, so PostgreSQL plans a page's queries once per connection
    # rather than on every request (cms.postgresql). "off" binds every
    # statement on the client and prepares none, for a pooler that cannot
    # keep prepared statements (PgBouncer before 1.21, or without
    # max_prepared_statements, in transaction mode).
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "").strip().lower() or "5"
    if _prepare != "off":
        if not _prepare.isdigit():
            raise ImproperlyConfigured(
                "DATABASE_PREPARE_THRESHOLD must be a number of runs (0 or more) after which "
                f"a statement is prepared, or off, not {_prepare!r}."
            )
        DATABASES["default"]["ENGINE"] = "cms.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=int(_prepare)
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database has several writers (the site and each worker): a
    # transaction takes the write lock when it starts, so two never deadlock
    # upgrading a read lock, and the second simply waits.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cms.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/my/"
LOGOUT_REDIRECT_URL = "/"

# Accounts (django-allauth): people sign in with their work email and a
# password, or with a code sent to that email. Nobody signs themselves up:
# accounts come from enrolment imports, matching and the admin, and their
# owners are invited by email (cms.invitations).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "cms.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "reset_password": "cms.accounts.ResetPasswordForm",
    "reset_password_from_key": "cms.accounts.ResetPasswordKeyForm",
    "change_password": "cms.accounts.ChangePasswordForm",
    "set_password": "cms.accounts.SetPasswordForm",
    "login": "cms.accounts.LoginForm",
    "request_login_code": "cms.accounts.RequestLoginCodeForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Password guessing: after LOGIN_ATTEMPTS failures for one address (or five
# times as many from one network address) within LOGIN_LOCKOUT_MINUTES,
# further attempts, right or wrong, are refused until the window has passed.
# The counts live in the cache, so every web process must share it (Redis).
LOGIN_ATTEMPTS = int(os.environ.get("LOGIN_ATTEMPTS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_ATTEMPTS * 5}/{LOGIN_LOCKOUT_MINUTES}m/ip,"
        f"{LOGIN_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES}m/key"
    ),
}
# A private page's password: after PAGE_PASSWORD_ATTEMPTS wrong passwords from one
# network address within LOGIN_LOCKOUT_MINUTES, that address is refused that page's
# password, right or wrong, until the window has passed (cms.page_passwords).
PAGE_PASSWORD_ATTEMPTS = int(os.environ.get("PAGE_PASSWORD_ATTEMPTS", "10"))
# How many times an hour one person may download their data (journeys.views.my_data):
# each download builds the whole export.
DATA_DOWNLOADS_PER_HOUR = int(os.environ.get("DATA_DOWNLOADS_PER_HOUR", "5"))
# Two-factor sign-in: an authenticator app (TOTP) with recovery codes. With
# MFA_REQUIRED_FOR_STAFF on (the production default), everyone who can reach
# the Wagtail admin must set it up before the admin lets them in.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("WAGTAIL_SITE_NAME", "Trellis")
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", False)
# Signing out ends every session of the person, on every device.
USERSESSIONS_TRACK_ACTIVITY = False
WAGTAILADMIN_LOGIN_URL = "account_login"
# A private page sends visitors to the same sign-in, not to Wagtail's own.
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
# An admin may add a person without a password: they are invited to choose one.
WAGTAILUSERS_PASSWORD_REQUIRED = False
# How long an invitation link stays usable, in days.
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))

# Single sign-on (allauth's socialaccount, OpenID Connect; rules in cms.sso).
# OIDC_PROVIDERS lists the organisation's providers as JSON; each gets a
# "Sign in with <name>" button. A provider vouches only for the addresses it
# has verified on SSO_DOMAINS: their owners get an account the first time,
# or their existing account (same address) is linked. People on
# SSO_REQUIRED_DOMAINS may sign in no other way.
OIDC_PROVIDERS = sso.oidc_providers(os.environ.get("OIDC_PROVIDERS", ""))
SSO_DOMAINS = sso.domains("SSO_DOMAINS", os.environ.get("SSO_DOMAINS", ""))
SSO_REQUIRED_DOMAINS = sso.domains(
    "SSO_REQUIRED_DOMAINS", os.environ.get("SSO_REQUIRED_DOMAINS", "")
)
sso.check_required_domains(SSO_DOMAINS, SSO_REQUIRED_DOMAINS)
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": OIDC_PROVIDERS}}
SOCIALACCOUNT_ADAPTER = "cms.accounts.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Whether the site serves MEDIA_ROOT at MEDIA_URL itself. Only the demo does
# (cms.settings.demo, which has no web server in front); never set it from the
# environment: a real installation serves media from its web server or storage.
TRELLIS_SERVE_MEDIA = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Redis, when configured, carries the cache and the task queue so that several
# web processes and workers share them; otherwise each process keeps its own
# cache and the queue lives in the database. The two are always separate Redis
# databases (or servers): clearing the cache empties its whole database, and
# Redis may evict cache entries under memory pressure but must never evict
# queued tasks. REDIS_URL is the short form: the queue takes the database it
# names (0 when it names none) and the cache the next one.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_QUEUE_URL = os.environ.get("REDIS_QUEUE_URL") or REDIS_URL
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL") or (
    redis_next_database(REDIS_URL) if REDIS_URL else ""
)
if REDIS_CACHE_URL and REDIS_CACHE_URL == REDIS_QUEUE_URL:
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL and REDIS_QUEUE_URL name the same Redis database; clearing the "
        "cache would empty the task queue. Give the cache another database, e.g. "
        "redis://host:6379/1 for the cache and redis://host:6379/0 for the queue."
    )

# Sessions stay in the database (Django's default) and are never cached: a
# session is neither immutable nor versioned, and a sign-out whose cache delete
# was lost to an outage must not leave the session alive.

# Every entry expires: code that gives no timeout gets this one, and none may
# pass timeout=None. So a Redis shared with the queue can evict cache entries
# only (maxmemory-policy volatile-lru), and an entry a dropped delete left
# behind during an outage lasts no longer than its timeout.
CACHE_TIMEOUT = 5 * 60


def redis_cache(url: str) -> dict:
    """The cache on Redis at ``url``; an unavailable Redis is treated as a miss."""
    return {
        "BACKEND": "cms.cache.TolerantRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "trellis",
        "TIMEOUT": CACHE_TIMEOUT,
        # A Redis out of reach costs a cache call half a second at most to find
        # out, one that stops answering a second.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }


if REDIS_CACHE_URL:
    CACHES = {"default": redis_cache(REDIS_CACHE_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "trellis",
            "TIMEOUT": CACHE_TIMEOUT,
        }
    }

# Every task fits well inside the timeout: the tick queues one task per batch
# of 500 journeys (well under a minute each), and a delivery task hands over to
# a successor after a minute. ``retry`` is longer than ``timeout``, so a task
# is never started twice while it is still running.
Q_CLUSTER = {
    "name": "trellis",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Background tasks",
}
if REDIS_QUEUE_URL:
    Q_CLUSTER["redis"] = REDIS_QUEUE_URL
else:
    Q_CLUSTER["orm"] = "default"

# Wagtail's own background work (reference index, image renditions) runs
# inline with the request that caused it; Trellis's work goes to django-q2.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Trellis <mentoring@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Trellis")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wagtail's SQLite search, taking a double quote in a query (cms.search_backend).
    WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] = "cms.search_backend"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Wagtail's image forms decode uploads fully, so a damaged file is a form error, not a 500.
WAGTAILIMAGES_IMAGE_FORM_BASE = "content.images.ImageForm"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: the admin fetches nothing from elsewhere, and
# nobody's email address (hashed or not) leaves the site.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
# The account page's time zones: the list participants choose from (region/city
# names and UTC). Wagtail's default, every file of the zone database, includes
# the server's "localtime", which browsers refuse.
WAGTAIL_USER_TIME_ZONES = list(offered_time_zones())
# Wagtail's responsive wrapper sizes embeds with an inline style attribute,
# which the Content Security Policy blocks; cms/css/site.css sizes them instead.
WAGTAILEMBEDS_RESPONSIVE_HTML = False

# Saving a journey template in the admin posts every field of every block. A
# milestone posts 13 fields of its own (4 for its place in the stream, 8 for
# its values, 1 for its count of steps) and 6 per step at most (4 and 2), so
# 13 + 6 × steps. The largest template Trellis supports, 100 milestones of 8
# steps each, posts about 6,150 fields with the page's own; Django's default
# of 1,000 is exceeded by 28 milestones of 4 steps.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# The largest markdown text, in characters, that editors or participants may
# save; anything larger is refused when the form is validated.
TRELLIS_MARKDOWN_MAX_CHARS = int(os.environ.get("TRELLIS_MARKDOWN_MAX_CHARS", "20000"))

# Content Security Policy (django-csp; cms.csp.PolicyByPathMiddleware sends one
# policy per response). The site's pages enforce the strict one: scripts and
# styles come from the site or are inline with the request's nonce
# (``nonce="{{ request.csp_nonce }}"``); no inline event handlers, style
# attributes or eval; images from the site, data: URIs and MEDIA_URL's host;
# forms post only to the site (whose single sign-on buttons lead on to the
# providers); no plugins, and no site may frame the pages.
# Frames inside them come only from the video hosts the video block embeds.
# The Wagtail admin, whose own inline scripts and styles this would break, is
# sent the same policy report-only, with frames of its own (the live preview).
TRELLIS_CSP_FRAME_HOSTS = env_list(
    "TRELLIS_CSP_FRAME_HOSTS",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com",
)
# Where browsers report what either policy blocked: /csp-report/ logs each
# report as a warning; empty sends no reports.
TRELLIS_CSP_REPORT_URI = os.environ.get("TRELLIS_CSP_REPORT_URI", "")


def content_security_policy(*, frames: list[str], framed_by: str) -> dict:
    media = urlsplit(MEDIA_URL)
    media_host = f"{media.scheme}://{media.netloc}" if media.scheme else media.netloc
    directives = {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"] + ([media_host] if media_host else []),
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": frames or [NONE],
        "frame-ancestors": [framed_by],
        # The sign-in buttons post to the site, which redirects to the provider:
        # Chromium checks that redirect against form-action too.
        "form-action": [SELF, *sso.origins(OIDC_PROVIDERS)],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
    if TRELLIS_CSP_REPORT_URI:
        directives["report-uri"] = [TRELLIS_CSP_REPORT_URI]
    return {"DIRECTIVES": directives}


CONTENT_SECURITY_POLICY = content_security_policy(frames=TRELLIS_CSP_FRAME_HOSTS, framed_by=NONE)
CONTENT_SECURITY_POLICY_REPORT_ONLY = content_security_policy(
    frames=[SELF, *TRELLIS_CSP_FRAME_HOSTS], framed_by=SELF
)
# How many days notification history (the log and sent, failed or cancelled
# emails) and records of who opened which material are kept; a daily task
# (``trellis.retention``) deletes what is older. Pending emails are never
# deleted, nor notifications the tick still needs (journeys.services.retention).
TRELLIS_RETENTION_DAYS = int(os.environ.get("TRELLIS_RETENTION_DAYS", "400"))
if TRELLIS_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        "TRELLIS_RETENTION_DAYS must be a number of days of at least 1; 0 or less would "
        "delete notification history and content views as soon as they are written."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
