"""Playwright driving Debian's Chromium against pytest-django's live server.

* The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or
  ``TRELLIS_CHROMIUM``), never one Playwright downloads. Where it is missing
  the tests skip and say how to install it, except in CI (``CI=true``), where
  a missing browser fails the run.
* The live server shares the test database, so these tests use a
  transactional database; ``serialized_rollback`` puts back what the
  migrations created (the page tree's root, the groups, the story workflow)
  after each test empties the tables.
* Playwright's synchronous API runs an event loop in the test's thread, which
  Django's guard against async-unsafe ORM calls mistakes for async code; the
  guard is lifted for these tests only (``DJANGO_ALLOW_ASYNC_UNSAFE``).
* Each flow saves numbered screenshots under ``test-artifacts/e2e/<flow>/``.
* Every page reports its Content Security Policy violations to the test (a
  ``securitypolicyviolation`` listener added before the page's own scripts).
  A violation the browser enforced (a blocked script, style or frame on the
  site's pages) fails the test; the admin's report-only violations block
  nothing, so they are only written to ``<flow>/csp-report-only.txt``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Site

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "correct horse battery"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 375, "height": 812}


def chromium_path() -> str | None:
    configured = os.environ.get("TRELLIS_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        reason = (
            "Debian's chromium is not installed: `sudo apt-get install chromium` "
            "(or set TRELLIS_CHROMIUM to a Chromium binary) to run the browser tests."
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, home):
    """The test site answers on the live server's host and port."""
    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.port = int(live_server.url.rsplit(":", 1)[1])
    site.save()
    return site


# Runs in every frame before its own scripts: a script the policy blocks
# cannot hide its violation.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.trellisCspViolation({
        disposition: event.disposition,
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        page: event.documentURI,
        source: event.sourceFile + ":" + event.lineNumber,
        sample: event.sample,
    });
}, true);
"""


@pytest.fixture
def csp_violations(request):
    """The Content Security Policy violations the test's pages saw, checked at the end."""
    violations = []
    yield violations
    enforced = [v for v in violations if v["disposition"] == "enforce"]
    reported = [v for v in violations if v["disposition"] != "enforce"]
    if reported:
        folder = ARTIFACTS / request.node.name.removeprefix("test_")
        folder.mkdir(parents=True, exist_ok=True)
        lines = (json.dumps(violation, sort_keys=True) for violation in reported)
        (folder / "csp-report-only.txt").write_text("\n".join(lines) + "\n")
    if enforced:
        listed = "\n".join(json.dumps(violation, sort_keys=True) for violation in enforced)
        pytest.fail(f"The Content Security Policy blocked something:\n{listed}", pytrace=False)


@pytest.fixture
def new_page(browser, live_server, site, csp_violations):
    """A fresh browser context (no cookies), opening pages at a given width."""
    contexts = []

    def make(viewport=WIDE):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, reduced_motion="reduce"
        )
        context.set_default_timeout(15_000)
        context.expose_binding(
            "trellisCspViolation", lambda source, violation: csp_violations.append(violation)
        )
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


class Shots:
    """Numbered screenshots of one flow: ``test-artifacts/e2e/<flow>/NN-step.png``."""

    def __init__(self, flow: str):
        self.folder = ARTIFACTS / flow
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, step: str, full_page: bool = True) -> Path:
        self.count += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name.removeprefix("test_"))


@pytest.fixture
def person(user_factory):
    """A user who can sign in with ``PASSWORD``, in the given groups."""

    def make(email, first_name="", last_name="", groups=(), **extra):
        user = user_factory(
            email=email, first_name=first_name, last_name=last_name, password=PASSWORD, **extra
        )
        user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


def sign_in(page, user, next_url="/my/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def sign_in_to_admin(page, user):
    """The admin sends a signed-out editor to the site's sign-in page, and back."""
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/admin/"))
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/admin/$"))
