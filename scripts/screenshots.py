"""Regenerate the README's screenshots from a scratch demo.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Seeds the demo into a throwaway SQLite database (the developer's own
``db.sqlite3`` is never touched), runs the waiting intake through matching so
the review page has proposals to show, serves the site with ``runserver`` on a
free port, and photographs it with Playwright in Debian's chromium at 1280 px:
the mentee's dashboard, their journey, the milestone they are on, the library,
a leader story, the second business unit's site in its own theme, and the
matching review in the admin. Each PNG is reduced to a
256-colour palette to keep the repository small.

Needs Debian's ``chromium`` (or ``TRELLIS_CHROMIUM``); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL_DOMAIN = "harbourline-demo.example"
PASSWORD = "grow-together"  # noqa: S105 - the demo's published password
PROGRAM = "grow-together"
WIDTH = 1280
HEIGHT = 900
# Full-page shots are cut off here: enough to show the page, not a scroll of it.
MAX_HEIGHT = 1800


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"The demo server did not answer at {url}.")


def chromium() -> str:
    path = os.environ.get("TRELLIS_CHROMIUM") or shutil.which("chromium")
    if not path:
        sys.exit("Debian's chromium is needed: sudo apt-get install chromium")
    return path


def optimise(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


class Camera:
    def __init__(self, browser, base_url: str, out: Path):
        self.browser = browser
        self.base_url = base_url
        self.out = out
        self.page = None

    def sign_in(self, who: str, admin: bool = False, base_url: str = "") -> None:
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(
            base_url=base_url or self.base_url,
            viewport={"width": WIDTH, "height": HEIGHT},
            reduced_motion="reduce",
        )
        self.page = context.new_page()
        if admin:
            self.page.goto("/admin/login/")
            self.page.locator("#id_username").fill(f"{who}@{EMAIL_DOMAIN}")
            self.page.locator("#id_password").fill(PASSWORD)
        else:
            self.page.goto("/accounts/login/")
            self.page.get_by_label("Email").fill(f"{who}@{EMAIL_DOMAIN}")
            self.page.get_by_label("Password").fill(PASSWORD)
        self.page.locator("main button[type=submit], form button[type=submit]").first.click()
        self.page.wait_for_load_state()

    def shoot(self, name: str, full_page: bool = True) -> Path:
        path = self.out / f"{name}.png"
        height = self.page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": min(height, MAX_HEIGHT)}
        if full_page:
            self.page.screenshot(path=str(path), full_page=True, clip=clip)
        else:
            self.page.screenshot(path=str(path))
        optimise(path)
        print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
        return path


def photograph(base_url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        camera = Camera(browser, base_url, out)
        page_of = lambda: camera.page  # noqa: E731

        camera.sign_in("mentee")
        page_of().goto("/my/")
        camera.shoot("dashboard")
        page_of().get_by_role("link", name=re.compile("whole journey", re.I)).first.click()
        page_of().wait_for_load_state()
        camera.shoot("journey")
        page_of().goto("/my/")
        page_of().locator("main a[href*='/milestones/']").first.click()
        page_of().wait_for_load_state()
        camera.shoot("milestone")
        page_of().goto("/library/")
        camera.shoot("library")
        page_of().goto("/stories/")
        page_of().locator(".card__link").first.click()
        page_of().wait_for_load_state()
        camera.shoot("leader-story")

        # The other business unit, on its own host, in its own theme: the same
        # mentor sees only that unit's journey there.
        camera.sign_in("mentor", base_url=base_url.replace("127.0.0.1", "localhost"))
        page_of().goto("/my/")
        camera.shoot("second-site")

        camera.sign_in("programs", admin=True)
        page_of().goto("/admin/matching/runs/")
        links = page_of().eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        newest = next(h for h in links if h and re.fullmatch(r"/admin/matching/runs/\d+/", h))
        page_of().goto(newest)
        # The proposals, with what each criterion added, under the run's summary.
        page_of().evaluate(
            "document.querySelector(\"button[value='approve']\").scrollIntoView({block: 'start'})"
        )
        camera.shoot("matching-review", full_page=False)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/screenshots", help="Where the PNGs go.")
    parser.add_argument("--seed", default="2024", help="The demo's seed.")
    options = parser.parse_args()
    out = (ROOT / options.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="trellis-screens-") as scratch:
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
            "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo", "--seed", options.seed)
        manage(env, "run_matching", PROGRAM)
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_for(base_url + "/healthz")
            print(f"Photographing the demo at {base_url}:")
            photograph(base_url, out)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
