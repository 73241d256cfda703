"""Pages carry the site's theme as CSS custom properties; emails carry it inline."""

import re

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from wagtail.models import Site

from tests import hostile
from themes.models import ThemeSettings
from themes.presets import HARBOUR, LANTERN
from themes.tokens import Tokens


def tokens_in(html: str) -> dict[str, str]:
    style = re.search(r'<style id="theme-tokens"[^>]*>:root\{(.*?)\}</style>', html).group(1)
    return dict(re.findall(r"(--[a-z-]+):([^;]+);", style))


@pytest.fixture
def themed_site(home):
    site = Site.objects.get(is_default_site=True)
    ThemeSettings.objects.create(
        site=site,
        preset="lantern",
        brand_name="Cold Chain",
        primary="#5b2a86",
        corner_radius=0,
        font="serif",
        email_header="Mentoring in Cold Chain",
        email_footer="Sent by the people team.\nAsk us anything.",
    )
    return site


def test_a_site_without_a_theme_emits_todays_tokens(client, home):
    tokens = tokens_in(client.get("/").text)
    assert tokens["--color-primary"] == "#1f5f5b"
    assert tokens["--color-background"] == HARBOUR.colours["background"]
    assert tokens["--radius"] == "0.75rem"
    assert tokens["--font-body"].startswith("system-ui")


def test_the_theme_block_comes_after_the_stylesheet_it_overrides(client, home):
    html = client.get("/").text
    assert html.index("cms/css/site.css") < html.index('<style id="theme-tokens"')


def test_a_saved_theme_changes_the_tokens_and_the_brand_name(client, themed_site):
    html = client.get("/").text
    tokens = tokens_in(html)
    assert tokens["--color-primary"] == "#5b2a86"
    assert tokens["--color-primary-hover"] != LANTERN.colours["primary-hover"]
    assert tokens["--color-background"] == LANTERN.colours["background"]
    assert tokens["--radius"] == "0rem"
    assert tokens["--font-body"].startswith("Charter")
    assert re.search(r'class="site-name"[^>]*>\s*Cold Chain\s*</a>', html)
    assert "<title>Cold Chain</title>" in html  # the home page: the brand alone
    assert "· Cold Chain</title>" in client.get("/search/").text


def test_the_tag_renders_for_a_bare_request(themed_site):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    html = Template("{% load themes_tags %}{% theme_css %}").render(Context({"request": request}))
    assert "--color-primary:#5b2a86;" in html
    assert "<" not in html[len('<style id="theme-tokens">') : -len("</style>")]


def test_a_saved_theme_reaches_the_next_participant_page(client, themed_site, user_factory):
    user = user_factory()
    client.force_login(user)
    client.get("/my/")
    assert "--color-primary:#5b2a86;" in client.get("/my/").text
    settings = ThemeSettings.objects.get()
    settings.primary = "#1f3f7a"
    settings.save()
    assert "--color-primary:#1f3f7a;" in client.get("/my/").text


def test_a_theme_saved_in_one_process_shows_in_every_other_at_once(
    client, themed_site, user_factory, web_process
):
    from django.test import Client
    from django.urls import reverse

    admin = Client()
    admin.force_login(user_factory(is_superuser=True, is_staff=True))
    client.force_login(user_factory())
    edit = reverse("wagtailsettings:edit", args=["themes", "themesettings", themed_site.pk])
    web_process("web-1")
    for url in ("/", "/my/", "/"):
        assert tokens_in(client.get(url).text)["--color-primary"] == "#5b2a86"

    web_process("web-2")
    form = {
        **dict.fromkeys(("logo", "accent", "background", "surface", "text"), ""),
        "preset": "lantern",
        "brand_name": "Cold Chain",
        "primary": "#1f3f7a",
        "font": "serif",
        "corner_radius": "0",
        "email_header": "",
        "email_footer": "",
    }
    assert admin.post(edit, form).status_code == 302

    web_process("web-1")
    for url in ("/", "/my/"):
        assert tokens_in(client.get(url).text)["--color-primary"] == "#1f3f7a", url


def render_email(site):
    context = {
        "site": site,
        "recipient_name": "Sam",
        "journey_title": "News",
        "journey_uuid": "00000000-0000-0000-0000-000000000000",
        "items": [],
    }
    from django.template.loader import render_to_string

    return (
        render_to_string("journeys/emails/journey_update.html", context),
        render_to_string("journeys/emails/journey_update.txt", context),
    )


def test_emails_use_the_themes_colours_brand_header_and_footer(themed_site):
    html, text = render_email(themed_site)
    assert "background:#f5f6fa" in html  # Lantern's background
    assert "color:#5b2a86" in html  # the saved primary, on links
    assert "Cold Chain" in html and "Mentoring in Cold Chain" in html
    assert "Sent by the people team.<br>Ask us anything." in html
    assert "#1d5c63" not in html and "#f6f5f2" not in html  # the old hard-coded colours
    assert text.startswith("Cold Chain: Mentoring in Cold Chain")
    assert "Sent by the people team." in text


def test_emails_of_a_site_without_a_theme_look_like_the_site(home):
    html, _text = render_email(Site.objects.get(is_default_site=True))
    assert f"color:{HARBOUR.colours['primary']}" in html
    assert f"background:{HARBOUR.colours['background']}" in html


def test_a_sent_introduction_carries_its_programs_theme(themed_site, user_factory):
    from journeys.factories import ProgramPageFactory
    from journeys.services import outbox

    program = ProgramPageFactory(parent=themed_site.root_page)
    person = user_factory(first_name="Sam")
    outbox.queue_emails(
        [
            outbox.new_email(
                person.pk,
                "matching/emails/request_declined",
                "About your request",
                {"mentor_name": "Alex", "program_title": program.title, "program_id": program.pk},
                program_id=program.pk,
            )
        ]
    )
    assert outbox.deliver_due().sent == 1
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "background:#5b2a86;color:#ffffff" in html  # the button
    assert "Cold Chain" in message.body


def test_hostile_theme_values_never_leave_the_style_block(client, home, monkeypatch):
    """The tokens are printed unescaped (a style element's text cannot be escaped).

    Stored values that skipped the admin's validation fall back to the preset,
    and a token value that could close the element is dropped.
    """
    site = Site.objects.get(is_default_site=True)
    ThemeSettings.objects.create(site=site, brand_name="Acme")
    ThemeSettings.objects.filter(site=site).update(
        font="</style><script>", brand_name=f"{hostile.SCRIPT} {hostile.IMAGE}"
    )
    declarations = Tokens.css_declarations

    def with_a_hostile_token(tokens):
        return [*declarations(tokens), ("--color-extra", "red;}</style>" + hostile.SCRIPT)]

    monkeypatch.setattr(Tokens, "css_declarations", with_a_hostile_token)

    html = client.get("/").text

    hostile.assert_neutralised(html)
    style = re.search(r'<style id="theme-tokens"[^>]*>(.*?)</style>', html, re.S).group(1)
    assert "<" not in style
    assert "--color-extra" not in style
    assert tokens_in(html)["--font-body"].startswith("system-ui")
