"""The site enforces a strict Content Security Policy with nonces; the admin only reports."""

import json
import logging
import re
from html.parser import HTMLParser

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cms.csp import PolicyByPathMiddleware
from cms.views import CSP_REPORT_MAX_BYTES, server_error
from tests.e2e.world import build_world

ENFORCING = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


class InlineElements(HTMLParser):
    """Inline ``<script>`` and ``<style>`` elements with their nonces; style and on* attributes."""

    def __init__(self):
        super().__init__()
        self.inline = []
        self.style_attributes = []
        self.handler_attributes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in attrs):
            self.inline.append((tag, attrs.get("nonce")))
        if "style" in attrs:
            self.style_attributes.append(tag)
        self.handler_attributes += [name for name in attrs if name.startswith("on")]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict_policy_with_matching_nonces(response):
    assert response.status_code == 200, response.status_code
    assert REPORT_ONLY not in response
    policy = directives(response[ENFORCING])
    script_src, style_src = policy["script-src"], policy["style-src"]
    for sources in (script_src, style_src):
        assert "'unsafe-inline'" not in sources
        assert "'unsafe-eval'" not in sources
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "style-src-attr" not in policy

    nonces = {source for source in script_src if source.startswith("'nonce-")}
    assert len(nonces) == 1, script_src
    assert nonces == {source for source in style_src if source.startswith("'nonce-")}
    nonce = re.fullmatch(r"'nonce-(.+)'", nonces.pop()).group(1)

    page = InlineElements()
    page.feed(response.content.decode())
    assert page.inline, "the page has its theme's inline style at least"
    assert [tag for tag, carried in page.inline if carried != nonce] == []
    assert page.style_attributes == []
    assert page.handler_attributes == []


@pytest.fixture
def world(home, user_factory):
    people = (user_factory(first_name="Morgan"), user_factory(first_name="Sam"))
    return build_world(home, people=people)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="home page"),
        pytest.param("/accounts/login/", id="sign-in page"),
        pytest.param("/accounts/password/reset/", id="password reset"),
        pytest.param("/search/?q=listening", id="search"),
        pytest.param("/library/", id="library"),
        pytest.param("/library/listening-well/", id="material"),
        pytest.param("/stories/the-mentor-who-believed-in-me/", id="leader story"),
        pytest.param("/growing-leaders/", id="program with enrolment open"),
    ],
)
def test_public_pages_enforce_the_strict_policy_with_one_nonce(client, world, path):
    assert_strict_policy_with_matching_nonces(client.get(path))


def test_participant_pages_enforce_the_strict_policy_with_one_nonce(client, world):
    client.force_login(world.mentee)
    journey = world.journey.uuid
    for path in [
        reverse("journeys:my_mentoring"),
        reverse("journeys:email_settings"),
        reverse("journeys:calendar_settings"),
        reverse("journeys:journey", args=[journey]),
        reverse("journeys:milestone", args=[journey, "m-start"]),
        reverse("matching:enrol", args=[world.program.pk]),
        reverse("selfmatch:requests"),
    ]:
        assert_strict_policy_with_matching_nonces(client.get(path))


def test_each_response_has_a_nonce_of_its_own(client, world):
    first, second = client.get("/")[ENFORCING], client.get("/")[ENFORCING]
    assert (
        re.search(r"'nonce-[^']+'", first).group() != re.search(r"'nonce-[^']+'", second).group()
    )


def test_the_not_found_page_enforces_the_policy_too(client, world):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "'nonce-" in response[ENFORCING]


def test_the_server_error_page_styles_itself_with_the_nonce_in_the_header():
    request = RequestFactory().get("/broken/")
    response = PolicyByPathMiddleware(server_error)(request)
    nonce = re.search(r"'nonce-([^']+)'", response[ENFORCING]).group(1)
    assert f'<style nonce="{nonce}">' in response.text


def test_the_admin_only_reports_what_the_policy_would_block(client, home, user_factory):
    client.force_login(user_factory(is_superuser=True, is_staff=True))
    for path in ["/admin/", "/admin/pages/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert ENFORCING not in response
        policy = directives(response[REPORT_ONLY])
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'self'"]


def test_the_admin_sign_in_page_only_reports_too(client, home):
    response = client.get("/admin/login/")
    assert ENFORCING not in response
    assert REPORT_ONLY in response


def test_reports_go_where_the_setting_says(client, world, settings):
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        policy = getattr(settings, name)
        directives_with_uri = {**policy["DIRECTIVES"], "report-uri": ["/csp-report/"]}
        setattr(settings, name, {**policy, "DIRECTIVES": directives_with_uri})
    assert "report-uri /csp-report/" in client.get("/")[ENFORCING]


class TestViolationReports:
    url = "/csp-report/"

    def test_a_report_is_logged_as_one_warning_line(self, client, caplog):
        report = {
            "csp-report": {
                "document-uri": "https://mentoring.example.com/my/",
                "violated-directive": "script-src-elem",
                "blocked-uri": "inline",
                "script-sample": "alert(1)\nforged log line",
            }
        }
        with caplog.at_level(logging.WARNING, logger="trellis.csp"):
            response = client.post(
                self.url, json.dumps(report), content_type="application/csp-report"
            )
        assert response.status_code == 204
        [record] = caplog.records
        assert record.levelno == logging.WARNING
        assert "script-src-elem" in record.getMessage()
        assert "\n" not in record.getMessage()

    def test_reports_from_the_reporting_api_are_logged_too(self, client, caplog):
        reports = [
            {"type": "csp-violation", "body": {"effectiveDirective": "style-src-attr"}},
            {"type": "deprecation", "body": {"id": "something-old"}},
        ]
        with caplog.at_level(logging.WARNING, logger="trellis.csp"):
            response = client.post(
                self.url, json.dumps(reports), content_type="application/reports+json"
            )
        assert response.status_code == 204
        logged = [record.getMessage() for record in caplog.records if record.name == "trellis.csp"]
        assert ["style-src-attr" in message for message in logged] == [True]

    def test_a_long_field_is_cut_short_in_the_log(self, client, caplog):
        report = {"csp-report": {"blocked-uri": "https://x.example/" + "a" * 5000}}
        with caplog.at_level(logging.WARNING, logger="trellis.csp"):
            client.post(self.url, json.dumps(report), content_type="application/csp-report")
        assert len(caplog.records[0].getMessage()) < 500

    def test_a_body_larger_than_any_report_is_refused_unread(self, client, caplog):
        body = json.dumps({"csp-report": {"blocked-uri": "x" * CSP_REPORT_MAX_BYTES}})
        with caplog.at_level(logging.WARNING, logger="trellis.csp"):
            response = client.post(self.url, body, content_type="application/csp-report")
        assert response.status_code == 413
        assert [record for record in caplog.records if record.name == "trellis.csp"] == []

    def test_a_body_that_is_not_json_is_a_bad_request(self, client):
        response = client.post(self.url, "not json", content_type="application/csp-report")
        assert response.status_code == 400

    def test_reports_need_no_csrf_token(self, home):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        response = strict.post(self.url, "{}", content_type="application/csp-report")
        assert response.status_code == 204

    def test_only_posts_are_accepted(self, client, db):
        assert client.get(self.url).status_code == 405
