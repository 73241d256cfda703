"""Site-wide pages render: home, search, errors and the sign-in journey."""

import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.views import server_error
from content.factories import MaterialPageFactory, TopicFactory

pytestmark = pytest.mark.django_db


def result_titles(response):
    html = response.content.decode()
    return re.findall(r'class="search-result__title"><a href="[^"]*">([^<]+)</a>', html)


class TestSkeleton:
    def test_the_home_page_welcomes_and_links_into_the_library_and_stories(
        self, client, home, library, stories
    ):
        home.intro = "<p>Mentoring is a <b>gift</b>.</p>"
        home.save_revision().publish()

        response = client.get("/")

        assert response.status_code == 200
        html = response.content.decode()
        assert response.templates[0].name == "cms/home_page.html"
        assert "Mentoring is a <b>gift</b>." in html
        assert f'href="{library.url}"' in html
        assert f'href="{stories.url}"' in html

    def test_every_page_has_a_language_a_viewport_a_title_and_one_main_heading(
        self, client, home, library
    ):
        html = client.get("/").content.decode()

        assert '<html lang="en-gb">' in html
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert re.search(r"<title>[^<>·]+</title>", html)  # the home page: the site's name once
        assert "<title>Acme mentoring · Acme mentoring</title>" not in html
        assert "<title>Library · " in client.get(library.url).content.decode()
        assert html.count("<h1") == 1
        assert 'href="#main"' in html
        assert '<main id="main"' in html

    def test_visitors_are_offered_sign_in_and_members_a_sign_out_form(
        self, client, home, user_factory
    ):
        anonymous = client.get("/").content.decode()
        client.force_login(user_factory())
        member = client.get("/").content.decode()

        assert f'href="{reverse("account_login")}' in anonymous
        assert f'action="{reverse("account_logout")}"' not in anonymous
        logout = reverse("account_logout")
        assert f'<form class="site-nav__form" method="post" action="{logout}">' in member
        assert "csrfmiddlewaretoken" in member

    def test_signing_out_through_the_header_form_ends_the_session(
        self, client, home, user_factory
    ):
        client.force_login(user_factory())

        response = client.post(reverse("account_logout"))

        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


class TestSearch:
    def test_the_search_page_renders_a_form_without_a_query(self, client, home):
        response = client.get(reverse("search"))

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="q"' in html
        assert html.count("<h1") == 1

    def test_search_finds_a_material_by_a_word_in_its_title(self, client, library):
        MaterialPageFactory(parent=library, title="Giving generous feedback", summary="Kindly.")

        response = client.get(reverse("search"), {"q": "generous"})

        assert result_titles(response) == ["Giving generous feedback"]
        assert "Kindly." in response.content.decode()

    @pytest.mark.parametrize("query", ["\x00generous", "generous\x00\x00", "\x1b\ngenerous\r"])
    def test_control_characters_in_a_query_are_ignored_not_a_server_error(
        self, client, library, query
    ):
        MaterialPageFactory(parent=library, title="Giving generous feedback")

        response = client.get(reverse("search"), {"q": query})

        assert response.status_code == 200
        assert result_titles(response) == ["Giving generous feedback"]
        assert "\x00" not in response.content.decode()

    @pytest.mark.parametrize(
        "query", ['"', 'generous"', '"generous', '=HYPERLINK("http://x") generous']
    )
    def test_a_double_quote_in_a_query_is_no_server_error(self, client, library, query):
        MaterialPageFactory(parent=library, title="Giving generous feedback")

        response = client.get(reverse("search"), {"q": query})

        assert response.status_code == 200
        if "generous" in query and "HYPERLINK" not in query:
            assert result_titles(response) == ["Giving generous feedback"]

    def test_search_finds_a_material_by_a_word_in_its_markdown_body(self, client, library):
        MaterialPageFactory(
            parent=library,
            title="First meetings",
            body=[("markdown", "Bring a *thermos* and an open mind.")],
        )

        response = client.get(reverse("search"), {"q": "thermos"})

        assert result_titles(response) == ["First meetings"]

    def test_search_finds_a_material_by_its_topic_name(self, client, library):
        topic = TopicFactory(name="Negotiation")
        MaterialPageFactory(parent=library, title="Asking for more", topics=[topic])
        MaterialPageFactory(parent=library, title="Something unrelated")

        response = client.get(reverse("search"), {"q": "negotiation"})

        assert result_titles(response) == ["Asking for more"]

    def test_draft_materials_do_not_appear_in_search(self, client, library):
        MaterialPageFactory(parent=library, title="Secret sabbatical plan", live=False)

        response = client.get(reverse("search"), {"q": "sabbatical"})

        assert result_titles(response) == []
        assert "Nothing matches “sabbatical” yet." in response.content.decode()

    def test_search_results_are_paginated_and_page_links_keep_the_query(self, client, library):
        for number in range(12):
            MaterialPageFactory(parent=library, title=f"Coaching habit {number}")

        first = client.get(reverse("search"), {"q": "coaching habit"})
        second = client.get(reverse("search"), {"q": "coaching habit", "page": 2})

        assert len(result_titles(first)) == 10
        assert len(result_titles(second)) == 2
        assert 'href="?q=coaching%20habit&amp;page=2"' in first.content.decode()


class TestErrorPages:
    def test_an_unknown_address_gets_the_friendly_not_found_page(self, client, home):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert "404.html" in [template.name for template in response.templates]
        assert "find that page" in response.content.decode()

    @pytest.mark.parametrize(
        ("url_name", "signed_in"), [("csp_report", False), ("journeys:reset_calendar", True)]
    )
    def test_an_address_for_forms_only_explains_itself_when_opened(
        self, client, home, user_factory, url_name, signed_in
    ):
        if signed_in:
            client.force_login(user_factory())

        response = client.get(reverse(url_name))

        assert response.status_code == 405
        assert response["Allow"] == "POST"
        html = response.content.decode()
        assert "Nothing to show at this address" in html
        assert ("My mentoring" in html) is signed_in
        assert "<title>" in html

    def test_an_answer_with_a_body_of_its_own_keeps_it(self, rf):
        from django.http import HttpResponseNotAllowed, JsonResponse

        from cms.method_not_allowed import MethodNotAllowedPageMiddleware

        def view(request):
            return JsonResponse({"error": "POST only"}, status=405)

        response = MethodNotAllowedPageMiddleware(view)(rf.get("/api/"))
        assert response.content == b'{"error": "POST only"}'
        empty = MethodNotAllowedPageMiddleware(lambda r: HttpResponseNotAllowed(["POST"]))
        assert b"Nothing to show" in empty(rf.get("/x/")).content

    def test_the_server_error_page_renders_on_its_own(self, rf):
        response = server_error(rf.get("/broken/"))

        assert response.status_code == 500
        html = response.content.decode()
        assert "Something went wrong on our side" in html
        assert '<meta name="viewport"' in html
        assert "<title>" in html


class TestRestrictedPages:
    """Pages an editor keeps for some groups: Wagtail's "Privacy" setting on a page."""

    @pytest.fixture
    def material(self, library):
        from django.contrib.auth.models import Group
        from wagtail.models import PageViewRestriction

        material = MaterialPageFactory(parent=library, title="For the pilot cohort")
        restriction = PageViewRestriction.objects.create(
            page=material, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="Pilot cohort"))
        return material

    def test_a_signed_in_person_outside_its_groups_is_not_found_not_asked_to_sign_in(
        self, client, material, user_factory
    ):
        client.force_login(user_factory())

        response = client.get(material.url)

        assert response.status_code == 404
        assert "404.html" in [template.name for template in response.templates]

    def test_a_person_in_its_groups_reads_it(self, client, material, user_factory):
        client.force_login(user_factory(groups=["Pilot cohort"]))

        response = client.get(material.url)

        assert response.status_code == 200
        assert "For the pilot cohort" in response.content.decode()

    def test_a_visitor_is_asked_to_sign_in(self, client, material):
        response = client.get(material.url)

        assert response.status_code == 302
        assert "next=" in response["Location"]


class TestNavigation:
    """The header lists the home page's live children that anyone may see."""

    @staticmethod
    def sections(client):
        # The search page: not itself a page of the tree, so nothing restricts it.
        html = client.get(reverse("search")).content.decode()
        nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
        return re.findall(r'<li>\s*<a href="([^"]+)"', nav)

    def test_sections_are_the_live_public_children_of_the_home_page(
        self, client, home, library, stories
    ):
        assert self.sections(client)[:2] == [library.url, stories.url]

        library.unpublish()
        assert library.url not in self.sections(client)

    def test_a_section_whose_editor_unticks_show_in_menus_leaves_the_header(
        self, admin_client, home, library, stories
    ):
        data = nested_form_data(
            {
                "title": stories.title,
                "slug": stories.slug,
                "summary": "",
                "intro": "",
                "comments": inline_formset([]),
                "action-publish": "1",
            }
        )  # the Promote tab's "Show in menus" left unticked

        response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[stories.pk]), data)

        assert response.status_code == 302
        assert self.sections(admin_client)[:1] == [library.url]
        assert stories.url not in self.sections(admin_client)

    def test_new_sections_show_in_menus_unless_their_editor_says_otherwise(self, home):
        from content.models import LibraryIndexPage, StoriesIndexPage
        from journeys.models import ProgramPage

        assert LibraryIndexPage().show_in_menus
        assert StoriesIndexPage().show_in_menus
        assert ProgramPage().show_in_menus

    def test_the_migration_keeps_every_section_already_in_the_header_there(
        self, client, home, library, stories, program
    ):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor
        from wagtail.models import Page

        Page.objects.filter(pk__in=[library.pk, stories.pk, program.pk]).update(
            show_in_menus=False
        )
        for section in (library, stories, program):
            revision = section.get_latest_revision()
            revision.content["show_in_menus"] = False
            revision.save(update_fields=["content"])
        urls = [library.url, stories.url, program.url]
        assert not set(urls) & set(self.sections(client))
        name = ("cms", "0008_sections_show_in_menus")
        loader = MigrationExecutor(connection).loader
        operation = loader.get_migration(*name).operations[0]

        operation.code(loader.project_state(name).apps, connection.schema_editor())

        assert self.sections(client)[:3] == urls
        for section in (library, stories, program):
            section.refresh_from_db()
            assert section.get_latest_revision_as_object().show_in_menus

    def test_a_restriction_on_a_section_or_above_it_hides_it_and_below_does_not(
        self, client, home, library, stories
    ):
        from wagtail.models import PageViewRestriction

        material = MaterialPageFactory(parent=library)
        below = PageViewRestriction.objects.create(
            page=material, restriction_type=PageViewRestriction.LOGIN
        )
        assert self.sections(client)[:2] == [library.url, stories.url]

        below.delete()
        PageViewRestriction.objects.create(
            page=stories, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
        assert stories.url not in self.sections(client)
        assert library.url in self.sections(client)

        PageViewRestriction.objects.create(page=home, restriction_type=PageViewRestriction.LOGIN)
        assert library.url not in self.sections(client)

    def test_the_navigation_reads_the_pages_and_restrictions_in_one_query(
        self, client, home, library, stories
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(reverse("search"))
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("search"))
        restriction_reads = [
            q["sql"]
            for q in captured.captured_queries
            if "wagtailcore_pageviewrestriction" in q["sql"]
        ]
        assert len(restriction_reads) == 1
        assert "EXISTS" in restriction_reads[0]
