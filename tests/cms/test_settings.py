"""The settings modules behave as the README promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "mentoring.example.com",
}


def run_python(code, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    clean.update(env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        ALLOWED_HOSTS="mentoring.example.com",
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY=PRODUCTION_ENV["SECRET_KEY"],
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_passes_the_deployment_checks_with_the_documented_environment():
    result = run_python(
        "from django.core.management import call_command; import django; django.setup(); "
        "call_command('check', deploy=True, fail_level='WARNING')",
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr


def test_base_settings_are_safe_without_any_environment():
    result = run_python(
        "import cms.settings.base as s; print(s.DEBUG, repr(s.SECRET_KEY), s.ALLOWED_HOSTS)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False '' []"


def test_redis_url_moves_the_cache_and_the_task_queue_to_redis():
    result = run_python(
        "import cms.settings.base as s; "
        "print(s.CACHES['default']['BACKEND'], s.Q_CLUSTER.get('redis'), 'orm' in s.Q_CLUSTER)",
        REDIS_URL="redis://127.0.0.1:6379/5",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/5",
        "False",
    ]


def test_without_redis_the_task_queue_uses_the_database():
    result = run_python(
        "import cms.settings.base as s; print(s.Q_CLUSTER.get('orm'), 'redis' in s.Q_CLUSTER)",
        REDIS_URL="",
    )
    assert result.stdout.split() == ["default", "False"]


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [
        ("redis://127.0.0.1:6379/5", "django.contrib.sessions.backends.cached_db"),
        # A cache per process would keep an ended session alive in the others.
        ("", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_shared_cache(redis_url, engine):
    result = run_python(
        "import cms.settings.base as s; from django.conf import global_settings as g; "
        "print(getattr(s, 'SESSION_ENGINE', g.SESSION_ENGINE))",
        REDIS_URL=redis_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


def test_database_url_chooses_the_database():
    result = run_python(
        "import cms.settings.base as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/trellis_example",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "trellis_example"]


def test_a_malformed_boolean_setting_is_refused_with_its_name():
    result = run_python("import cms.settings.base", EMAIL_USE_TLS="perhaps")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS must be true or false" in result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PASSWORD_HASHERS", ["django.contrib.auth.hashers.MD5PasswordHasher"]),
        ("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"),
    ],
)
def test_test_settings_are_explicit(name, expected):
    assert getattr(settings, name) == expected


def test_test_settings_run_tasks_inline():
    assert settings.Q_CLUSTER["sync"] is True
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
