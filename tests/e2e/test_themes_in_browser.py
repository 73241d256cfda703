"""A site's theme reaches the browser, and the second preset passes axe as well."""

from axe_playwright_python.sync_playwright import Axe
from wagtail.models import Site

from themes.models import ThemeSettings
from themes.presets import LANTERN

from .conftest import WIDE, sign_in
from .test_accessibility import BLOCKING
from .world import build_world


def rgb(hex_colour):
    value = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def test_the_lantern_theme_restyles_the_site_and_stays_accessible(new_page, home, person, shots):
    mentor = person("mentor@example.com", "Morgan", "Reid")
    mentee = person("mentee@example.com", "Sam", "Patel")
    world = build_world(home, people=(mentor, mentee))
    ThemeSettings.objects.create(
        site=Site.objects.get(is_default_site=True), preset="lantern", brand_name="Cold Chain"
    )
    page = new_page(WIDE)
    page.goto("/")
    styles = page.evaluate(
        """() => ({
            body: getComputedStyle(document.body).backgroundColor,
            text: getComputedStyle(document.body).color,
            font: getComputedStyle(document.body).fontFamily,
            brand: document.querySelector('.site-name').textContent.trim(),
        })"""
    )
    assert styles["body"] == rgb(LANTERN.colours["background"])
    assert styles["text"] == rgb(LANTERN.colours["text"])
    assert styles["font"].startswith("Seravek")
    assert styles["brand"] == "Cold Chain"
    shots(page, "home-in-lantern")

    axe = Axe()
    problems = []
    sign_in(page, mentee)
    for url in ("/", "/library/", world.story.url, f"/my/journeys/{world.journey.uuid}/",
                f"/my/journeys/{world.journey.uuid}/milestones/m-start/"):  # fmt: skip
        page.goto(url)
        problems += [
            f"{url}: {v['id']} ({v['impact']})"
            for v in axe.run(page).response["violations"]
            if v["impact"] in BLOCKING
        ]
    shots(page, "milestone-in-lantern")
    assert not problems, problems


def test_an_editor_is_told_which_colour_would_pass_and_the_site_takes_it(
    page, home, person, shots
):
    import re

    from playwright.sync_api import expect

    from .conftest import sign_in_to_admin

    editor = person("editor@example.com", "Eve", "Editor", groups=["Editors"])
    site = Site.objects.get(is_default_site=True)
    sign_in_to_admin(page, editor)
    page.goto(f"/admin/settings/themes/themesettings/{site.pk}/")
    page.locator("#id_text").fill("#a0968c")
    page.get_by_role("button", name="Save").click()
    error = page.get_by_text(re.compile(r"Text on background is 2\.74:1; AA needs 4\.5:1\."))
    expect(error).to_be_visible()
    error.scroll_into_view_if_needed()
    shots(page, "refused", full_page=False)

    suggested = re.search(r"(#[0-9a-f]{6}) is the nearest", error.inner_text()).group(1)
    page.locator("#id_text").fill(suggested)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("updated", re.I)).first).to_be_visible()
    assert ThemeSettings.objects.get(site=site).text == suggested

    page.goto("/")
    colour = page.evaluate("getComputedStyle(document.body).color")
    assert colour == rgb(suggested)
    shots(page, "home-with-the-new-text-colour")
