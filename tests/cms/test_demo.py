"""The demo as it is served: Trellis's own error pages, its files, its icon.

The tests take the values that make the demo what it is from
``cms.settings.demo`` itself and serve requests under them, so a change there
(``DEBUG`` back on, WhiteNoise gone) shows here.
"""

import importlib
import logging

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import clear_url_caches, path
from PIL import Image

import cms.urls
from cms.views import server_error
from scripts import favicon

pytestmark = pytest.mark.django_db

# What the demo settings change in how requests are served.
DEMO_VALUES = (
    "DEBUG",
    "MIDDLEWARE",
    "WHITENOISE_USE_FINDERS",
    "WHITENOISE_AUTOREFRESH",
    "TRELLIS_SERVE_MEDIA",
)
SVG_ICON = static("cms/img/favicon.svg")
ICO_ICON = static("cms/img/favicon.ico")
# What every page's head says about the icon.
ICON_LINKS = (
    f'<link rel="icon" href="{ICO_ICON}" sizes="16x16 32x32 48x48">',
    f'<link rel="icon" href="{SVG_ICON}" type="image/svg+xml">',
)


def boom(request):
    raise RuntimeError("the demo's database is on fire")


# A URLconf for the failing page: the site's own, plus a view that fails.
urlpatterns = [path("boom/", boom), *cms.urls.urlpatterns]
handler500 = cms.urls.handler500


def reload_site_urls():
    importlib.reload(cms.urls)
    clear_url_caches()


@pytest.fixture
def demo(tmp_path):
    """Requests are served as the demo serves them; uploaded media live in ``tmp_path``."""
    module = importlib.import_module("cms.settings.demo")
    values = {name: getattr(module, name) for name in DEMO_VALUES}
    with override_settings(**values, MEDIA_ROOT=tmp_path):
        # The media route is chosen when the URLconf is loaded.
        reload_site_urls()
        yield tmp_path
    reload_site_urls()


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


class TestErrorPages:
    def test_a_missing_page_is_trellis_own_not_found_page(self, demo, client, home):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert "404.html" in [template.name for template in response.templates]
        html = response.content.decode()
        assert "We couldn’t find that page" in html
        assert "Acme mentoring" in html
        assert "URLconf" not in html

    def test_a_failure_is_trellis_own_server_error_page_and_is_logged(self, demo, home, caplog):
        client = Client(raise_request_exception=False)

        with override_settings(ROOT_URLCONF=__name__), caplog.at_level(logging.ERROR):
            response = client.get("/boom/")

        assert response.status_code == 500
        html = response.content.decode()
        assert "Something went wrong on our side" in html
        assert "database is on fire" not in html
        assert "Traceback" not in html
        (record,) = [r for r in caplog.records if r.name == "django.request"]
        assert record.levelno == logging.ERROR
        assert record.exc_info[0] is RuntimeError


class TestFiles:
    def test_static_files_come_from_the_apps_folders(self, demo, client):
        response = client.get(static("cms/css/site.css"))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css")
        with open(finders.find("cms/css/site.css"), "rb") as css:
            assert body(response) == css.read()

    def test_the_admins_own_static_files_are_served_too(self, demo, client):
        response = client.get(static("wagtailadmin/css/core.css"))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css")

    def test_uploaded_media_are_served(self, demo, client):
        (demo / "original_images").mkdir()
        (demo / "original_images" / "portrait.jpg").write_bytes(b"\xff\xd8 a portrait")

        response = client.get("/media/original_images/portrait.jpg")

        assert response.status_code == 200
        assert body(response) == b"\xff\xd8 a portrait"

    def test_files_outside_the_media_folder_are_not(self, demo, client, home):
        (demo.parent / "secret.txt").write_text("not for the web")

        response = client.get("/media/../secret.txt")

        assert response.status_code == 400
        assert b"not for the web" not in body(response)

    def test_outside_the_demo_the_site_leaves_media_to_the_web_server(self, client, home):
        response = client.get("/media/original_images/portrait.jpg")

        assert response.status_code == 404
        assert "404.html" in [template.name for template in response.templates]

    def test_the_admin_works(self, demo, client, user_factory):
        client.force_login(user_factory(is_superuser=True, is_staff=True))

        response = client.get("/admin/")

        assert response.status_code == 200


class TestIcon:
    def test_every_site_page_links_the_icon(self, client, home):
        html = client.get("/").content.decode()

        for link in ICON_LINKS:
            assert link in html

    def test_the_not_found_and_server_error_pages_link_it_too(self, client, home, rf):
        not_found = client.get("/no-such-page/").content.decode()
        failed = server_error(rf.get("/broken/")).content.decode()

        for link in ICON_LINKS:
            assert link in not_found
            assert link in failed

    def test_the_admin_wears_trellis_icon_instead_of_wagtails(self, client, user_factory):
        client.force_login(user_factory(is_superuser=True, is_staff=True))

        html = client.get("/admin/").content.decode()

        for link in ICON_LINKS:
            assert link in html
        assert "wagtailadmin/images/favicon.ico" not in html

    def test_browsers_asking_for_favicon_ico_are_sent_to_the_icon(self, demo, client):
        response = client.get("/favicon.ico")

        assert response.status_code == 302
        assert response["Location"] == ICO_ICON
        icon = client.get(response["Location"])
        assert icon.status_code == 200
        assert icon["Content-Type"].startswith("image/")

    def test_the_svg_is_the_drawing_scripts_favicon_makes(self):
        with open(finders.find("cms/img/favicon.svg")) as svg:
            assert svg.read() == favicon.svg()

    def test_the_ico_holds_the_same_drawing_at_three_sizes(self):
        with Image.open(finders.find("cms/img/favicon.ico")) as ico:
            assert ico.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
            ico.size = (32, 32)
            drawn = favicon.paint(32)
            assert ico.convert("RGBA").tobytes() == drawn.tobytes()
