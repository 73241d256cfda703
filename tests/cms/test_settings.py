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
    unset = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "REDIS_URL",
        "REDIS_CACHE_URL",
        "REDIS_QUEUE_URL",
        "PORT",
        "WAGTAILADMIN_BASE_URL",
        "EMAIL_BACKEND",
        "EMAIL_FILE_PATH",
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_PREPARE_THRESHOLD",
    }
    clean = {k: v for k, v in os.environ.items() if k not in unset}
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


REDIS_SETTINGS = (
    "import cms.settings.base as s; c = s.CACHES['default']; "
    "print(c['BACKEND'], c['LOCATION'], s.Q_CLUSTER.get('redis'), 'orm' in s.Q_CLUSTER)"
)


def test_redis_url_puts_the_queue_in_its_database_and_the_cache_in_the_next():
    result = run_python(REDIS_SETTINGS, REDIS_URL="redis://127.0.0.1:6379/5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "cms.cache.TolerantRedisCache",
        "redis://127.0.0.1:6379/6",
        "redis://127.0.0.1:6379/5",
        "False",
    ]


def test_redis_url_without_a_database_means_databases_0_and_1():
    result = run_python(REDIS_SETTINGS, REDIS_URL="redis://:secret@redis.internal:6379")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:3] == [
        "redis://:secret@redis.internal:6379/1",
        "redis://:secret@redis.internal:6379",
    ]


def test_the_cache_and_the_queue_can_each_have_a_redis_of_their_own():
    result = run_python(
        REDIS_SETTINGS,
        REDIS_URL="redis://127.0.0.1:6379/0",
        REDIS_CACHE_URL="redis://cache.internal:6379/0",
        REDIS_QUEUE_URL="redis://queue.internal:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:3] == [
        "redis://cache.internal:6379/0",
        "redis://queue.internal:6379/0",
    ]


def test_a_queue_on_redis_alone_leaves_the_cache_in_each_process():
    result = run_python(
        "import cms.settings.base as s; "
        "print(s.CACHES['default']['BACKEND'], s.Q_CLUSTER.get('redis'))",
        REDIS_QUEUE_URL="redis://queue.internal:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "redis://queue.internal:6379/0",
    ]


def test_the_cache_and_the_queue_may_not_share_a_redis_database():
    result = run_python(
        "import cms.settings.base",
        REDIS_CACHE_URL="redis://127.0.0.1:6379/0",
        REDIS_QUEUE_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode != 0
    assert "REDIS_CACHE_URL and REDIS_QUEUE_URL name the same Redis database" in result.stderr


@pytest.mark.parametrize(
    "redis_url", ["unix:///run/redis.sock", "redis://127.0.0.1:6379?db=2", "redis://h:6379/x"]
)
def test_a_redis_url_that_cannot_be_split_is_refused_without_repeating_it(redis_url):
    result = run_python("import cms.settings.base", REDIS_URL=redis_url)
    assert result.returncode != 0
    assert "REDIS_URL must have the form redis://host:port/database" in result.stderr
    assert redis_url not in result.stderr


@pytest.mark.parametrize(
    ("module", "env"),
    [
        ("cms.settings.base", {}),
        ("cms.settings.base", {"REDIS_URL": "redis://127.0.0.1:6379/5"}),
        ("cms.settings.test", {}),
    ],
)
def test_every_cache_gives_its_entries_a_finite_default_timeout(module, env):
    result = run_python(
        f"import {module} as s; print([c.get('TIMEOUT', 'unset') for c in s.CACHES.values()])",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[300]"


def test_without_redis_the_task_queue_uses_the_database():
    result = run_python(
        "import cms.settings.base as s; print(s.Q_CLUSTER.get('orm'), 'redis' in s.Q_CLUSTER)",
        REDIS_URL="",
    )
    assert result.stdout.split() == ["default", "False"]


@pytest.mark.parametrize(
    "env",
    [
        {"REDIS_URL": "redis://127.0.0.1:6379/5"},
        {"REDIS_CACHE_URL": "redis://c:6379/0"},
        {"REDIS_QUEUE_URL": "redis://q:6379/0"},
        {},
    ],
)
def test_sessions_live_in_the_database_and_are_never_cached(env):
    """A sign-out must end the session everywhere at once, cache outage or not."""
    engine = "django.contrib.sessions.backends.db"
    result = run_python(
        "import cms.settings.base as s; from django.conf import global_settings as g; "
        "print(getattr(s, 'SESSION_ENGINE', g.SESSION_ENGINE))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


def test_database_url_chooses_the_database():
    result = run_python(
        "import cms.settings.base as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/trellis_example",
    )
    assert result.stdout.split() == ["cms.postgresql", "trellis_example"]


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them():
    code = (
        "import cms.settings.base as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d.get('OPTIONS', {}).get('prepare_threshold'))"
    )
    url = "postgres://postgres@127.0.0.1:5432/trellis_example"

    prepared = run_python(code, DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="2")
    off = run_python(code, DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="off")
    wrong = run_python(code, DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="sometimes")

    assert prepared.stdout.split() == ["cms.postgresql", "2"]
    assert off.stdout.split() == ["django.db.backends.postgresql", "None"]
    assert wrong.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a number" in wrong.stderr


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


def demo_setting(expression, **env):
    """``expression`` evaluated on the demo's settings (``s``), printed."""
    return run_python(f"import cms.settings.demo as s; print({expression})", **env)


def test_the_demo_runs_without_debug_so_errors_show_the_products_own_pages():
    result = demo_setting("s.DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_demo_serves_static_files_from_the_apps_and_its_own_media():
    result = demo_setting(
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE, "
        "s.WHITENOISE_USE_FINDERS, s.TRELLIS_SERVE_MEDIA"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


@pytest.mark.parametrize(
    ("module", "env"),
    [
        ("cms.settings.base", {}),
        ("cms.settings.dev", {}),
        ("cms.settings.production", PRODUCTION_ENV),
    ],
)
def test_only_the_demo_serves_uploaded_media_itself(module, env):
    result = run_python(f"import {module} as s; print(s.TRELLIS_SERVE_MEDIA)", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        (
            {"PORT": "8123", "WAGTAILADMIN_BASE_URL": "https://mentoring.example.com"},
            "https://mentoring.example.com",
        ),
    ],
)
def test_the_demos_base_url_for_emails_follows_port(env, expected):
    result = demo_setting("s.WAGTAILADMIN_BASE_URL", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_the_demo_refuses_a_port_that_is_not_a_number_and_says_so():
    result = demo_setting("s.PORT", PORT="eighty")
    assert result.returncode != 0
    assert "PORT must be a port number, such as 8000, not 'eighty'" in result.stderr


def test_the_demo_writes_each_email_to_a_file_in_a_folder_git_ignores():
    result = demo_setting("s.EMAIL_BACKEND, s.EMAIL_FILE_PATH")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cms.demo.mail.EmailBackend", str(ROOT / "demo-mail")]
    assert "/demo-mail/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_demos_email_folder_can_be_moved(tmp_path):
    result = demo_setting("s.EMAIL_FILE_PATH", EMAIL_FILE_PATH=str(tmp_path / "mail"))
    assert result.stdout.strip() == str(tmp_path / "mail")


def test_the_demo_passes_djangos_system_checks():
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', fail_level='WARNING')",
        DJANGO_SETTINGS_MODULE="cms.settings.demo",
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_logs_a_failed_request_to_the_console():
    """With DEBUG off Django's own console handler is silent; the root's must not be."""
    result = run_python(
        "import django; django.setup(); import logging; "
        "logging.getLogger('django.request').error('Internal Server Error: /boom/')",
        DJANGO_SETTINGS_MODULE="cms.settings.demo",
    )
    assert result.returncode == 0, result.stderr
    assert "Internal Server Error: /boom/" in result.stderr
