"""Settings for the test suite: fast, isolated and explicit.

Every backend the tests rely on is named here, so a test never depends on the
developer's environment beyond ``DATABASE_URL`` (SQLite or PostgreSQL) and
``REDIS_URL`` for the tests that need a real Redis.
"""

import os

from .base import *  # noqa: F403
from .base import CACHE_TIMEOUT, MIDDLEWARE, Q_CLUSTER, env_bool

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "TIMEOUT": CACHE_TIMEOUT,
    }
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The worker tests start real qcluster processes, which cannot share the
# in-memory outbox; they collect email in files instead.
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tasks run inline in tests, except in the real workers the worker tests start.
Q_CLUSTER = {**Q_CLUSTER, "sync": env_bool("TEST_Q_SYNC", True)}
WAGTAILADMIN_BASE_URL = "http://testserver"

# Static files come from the apps' folders directly, not from a collected copy.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
