"""Every admin export, CSV and XLSX alike, writes what people typed as text, never a formula."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLResolver, get_resolver, include, path, re_path, resolve, reverse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import load_workbook
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views import home
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.views.reports.aging_pages import AgingPagesView
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.base import ViewSet
from wagtail.contrib.forms.models import FormMixin
from wagtail.models import PageLogEntry, get_page_models
from wagtail.snippets.models import get_snippet_models
from wagtail.users.models import UserProfile

from cms.admin_exports import exports, neutralised_export_urlpatterns
from content.exports import (
    FORMULA_STARTS,
    LocalTimeExportMixin,
    NeutralisedExportMixin,
    neutralise_cell,
)
from content.factories import LeaderProfileFactory, MaterialPageFactory, TopicFactory
from journeys.admin_access import PageTypesUsageReportView as TrellisPageTypesUsageReportView
from journeys.factories import JourneyPageFactory, ProgramPageFactory
from journeys.models import MemberRole
from journeys.services.starting import start_journey
from matching.models import Enrollment

pytestmark = pytest.mark.django_db

# What a person might type, each of which a spreadsheet would take for a formula.
HOSTILE = [
    '=HYPERLINK("http://x.example","y")',
    "+1",
    "-2",
    "@SUM(1)",
    "\tTab first",
    "\rReturn first",
]
ORDINARY = "Giving feedback"
FORMATS = ["csv", "xlsx"]


def exported_cells(client, url_name, export_format) -> list[str]:
    """Every cell of the export at ``url_name``, headings included, as the file holds it."""
    response = client.get(reverse(url_name), {"export": export_format})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if export_format == "csv":
        rows = csv.reader(io.StringIO(content.decode(), newline=""))
        return [cell for row in rows for cell in row]
    sheet = load_workbook(io.BytesIO(content)).active
    # XML reads a carriage return back as a line feed; put it back to compare.
    return [
        cell.replace("\n", "\r") if isinstance(cell, str) else cell
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]


def assert_neutralised(cells, hostile=HOSTILE, ordinary=(ORDINARY,)):
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert not [cell for cell in texts if cell.startswith(FORMULA_STARTS)]
    for value in hostile:
        assert "'" + value in texts, value
    for value in ordinary:
        assert value in texts, value


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def admin_client(client, user_factory):
    client.force_login(user_factory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("export_format", FORMATS)
def test_topics_export_quotes_formulas_and_leaves_ordinary_text(admin_client, export_format):
    for value in HOSTILE:
        TopicFactory(name=value, description=value)
    TopicFactory(name=ORDINARY, description="Saying the hard thing kindly.")

    cells = exported_cells(admin_client, "wagtailsnippets_content_topic:list", export_format)

    assert_neutralised(cells, ordinary=(ORDINARY, "Saying the hard thing kindly."))
    assert cells.count("'" + HOSTILE[0]) == 2  # the name and the description


@pytest.mark.parametrize("export_format", FORMATS)
def test_leader_profiles_export_quotes_formulas(admin_client, export_format):
    for value in HOSTILE:
        LeaderProfileFactory(name=value, title=value, bio=value)
    LeaderProfileFactory(name=ORDINARY, title="Director")

    cells = exported_cells(
        admin_client, "wagtailsnippets_content_leaderprofile:list", export_format
    )

    assert_neutralised(cells, ordinary=(ORDINARY, "Director"))


@pytest.fixture
def program(home):
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.save_revision().publish()
    return program


@pytest.mark.parametrize("export_format", FORMATS)
def test_enrolments_export_quotes_formulas_in_names_and_departments(
    admin_client, program, user_factory, export_format
):
    for value in HOSTILE:
        # A full name is stripped of surrounding space, so only the department can
        # start with a tab or a return.
        user = user_factory(first_name=value.strip(), last_name="")
        Enrollment.objects.create(program=program, user=user, department=value)
    Enrollment.objects.create(
        program=program,
        user=user_factory(first_name="Ana", last_name="Silva"),
        department=ORDINARY,
    )

    cells = exported_cells(admin_client, "matching_enrolments:index", export_format)

    assert_neutralised(cells, ordinary=(ORDINARY, "Ana Silva", "Growing leaders"))
    assert "'" + HOSTILE[0] in cells and "'@SUM(1)" in cells
    assert cells.count("'" + HOSTILE[0]) == 2  # the name and the department


@pytest.mark.parametrize("export_format", FORMATS)
def test_journeys_export_quotes_formulas_in_members_names(
    admin_client, program, user_factory, today, export_format
):
    names = [value for value in HOSTILE if not value[0].isspace()]
    for value in names:
        pair = [user_factory(first_name=value, last_name="") for _role in range(2)]
        start_journey(
            program,
            [(pair[0], MemberRole.MENTOR), (pair[1], MemberRole.MENTEE)],
            started_on=today,
        )
    program.title = "=1+1"
    program.save_revision().publish()

    cells = exported_cells(admin_client, "journeys_admin:index", export_format)

    assert_neutralised(
        cells,
        hostile=[f"{value} (Mentor), {value} (Mentee)" for value in names] + ["=1+1"],
        ordinary=("First year together",),
    )


def test_neutralising_quotes_only_text_that_would_run():
    assert [neutralise_cell(value) for value in HOSTILE] == ["'" + value for value in HOSTILE]
    for value in (ORDINARY, "a = b", "x-ray", "", " =1", "1+1", -2, 3.5, None):
        assert neutralise_cell(value) == value


def trellis_exporting_viewsets() -> list:
    """Every registered viewset of a Trellis model whose listing exports."""
    trellis = ("cms", "content", "journeys", "matching", "themes")
    reverse("wagtailadmin_home")  # loading the admin's URLs registers every viewset
    exporting = []
    for viewset in viewsets.viewsets:
        view_class = getattr(viewset, "index_view_class", None)
        if view_class is None or not issubclass(view_class, SpreadsheetExportMixin):
            continue
        listed = viewset.get_index_view_kwargs().get("list_export")
        if listed is ViewSet.UNDEFINED:
            listed = view_class.list_export
        model = getattr(viewset, "model", None)
        if listed and model is not None and model._meta.app_label in trellis:
            exporting.append(viewset)
    return exporting


def test_every_trellis_listing_that_exports_neutralises_its_cells():
    """A new viewset with ``list_export`` must use ``ExportIndexView`` or its snippet twin."""
    exporting = trellis_exporting_viewsets()
    for viewset in exporting:
        assert issubclass(viewset.index_view_class, NeutralisedExportMixin), viewset.model
    assert sorted(viewset.model._meta.label for viewset in exporting) == [
        "content.LeaderProfile",
        "content.Topic",
        "journeys.Journey",
        "matching.Enrollment",
    ]
    assert {model._meta.label for model in get_snippet_models()} >= {
        "content.LeaderProfile",
        "content.Topic",
    }


def test_every_trellis_listing_that_exports_writes_times_as_its_listing_reads_them():
    """In the admin's time zone, to the second (``matching`` tests the enrolments' times)."""
    for viewset in trellis_exporting_viewsets():
        assert issubclass(viewset.index_view_class, LocalTimeExportMixin), viewset.model


def test_every_trellis_export_is_named_after_its_listing():
    """Not the model's table (``matching_enrollment``), which Wagtail names it otherwise."""
    for viewset in trellis_exporting_viewsets():
        file_name = viewset.get_index_view_kwargs()["export_filename"]
        assert file_name == slugify(str(viewset.menu_label)), viewset.model


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize(
    ("url_name", "file_name"),
    [
        ("matching_enrolments:index", "enrolments"),
        ("journeys_admin:index", "journeys"),
        ("wagtailsnippets_content_topic:list", "topics"),
        ("wagtailsnippets_content_leaderprofile:list", "leader-profiles"),
    ],
)
def test_each_export_downloads_under_its_listings_name(
    admin_client, url_name, file_name, export_format
):
    response = admin_client.get(reverse(url_name), {"export": export_format})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{file_name}.{export_format}"'
    )


# Wagtail's own exports (cms.admin_exports)


def exporting_url_names(patterns=None, namespace="", kwargs=None):
    """(full name, kwargs) of each named pattern the site serves whose view exports;
    each keyword argument of its address is given as 1."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        found = {**(kwargs or {}), **dict.fromkeys(pattern.pattern.regex.groupindex, 1)}
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from exporting_url_names(pattern.url_patterns, inner, found)
            continue
        if pattern.name and exports(pattern.callback):
            yield namespace + pattern.name, found


WAGTAIL_EXPORTS = [
    f"{namespace}:{name}{results}"
    for namespace, names in (
        (
            "wagtailadmin_reports",
            [
                "locked_pages",
                "workflow",
                "workflow_tasks",
                "site_history",
                "aging_pages",
                "page_types_usage",
            ],
        ),
        ("wagtailredirects", ["index"]),
    )
    for name in names
    for results in ("", "_results")
]


def test_every_export_the_admin_serves_neutralises_its_cells():
    """Wagtail's exporting views answer, at their own addresses, with a class that
    quotes formulas and writes local times; and each takes over only an address
    Wagtail serves with it."""
    page_types = {
        "wagtailadmin_reports:page_types_usage",
        "wagtailadmin_reports:page_types_usage_results",
    }
    served = {}
    for name, kwargs in exporting_url_names():
        url = reverse(name, kwargs=kwargs)
        view_class = resolve(url).func.view_class
        wagtails = resolve(url.removeprefix("/admin"), urlconf=wagtailadmin_urls).func.view_class
        assert issubclass(view_class, NeutralisedExportMixin), f"{name} ({url})"
        assert issubclass(view_class, LocalTimeExportMixin), f"{name} ({url})"
        assert issubclass(view_class, wagtails), f"{name} ({url})"
        served[name] = view_class
    assert set(WAGTAIL_EXPORTS) - page_types <= set(served)
    for name in page_types:
        url = reverse(name)
        view_class = resolve(url).func.view_class
        assert issubclass(view_class, TrellisPageTypesUsageReportView), url
        assert issubclass(view_class, NeutralisedExportMixin), url


def test_listings_that_export_nothing_keep_wagtails_own_patterns():
    for name in (
        "wagtailadmin_collections:index",
        "wagtailimages:index",
        "wagtailusers_users:index",
    ):
        assert resolve(reverse(name)).url_name == name.split(":")[1], name


def test_an_export_under_a_regular_expression_is_refused_by_name():
    aging = AgingPagesView.as_view()
    # A view that does not export may sit under one.
    assert not list(
        neutralised_export_urlpatterns([re_path(r"^old/", include([path("x/", home.default)]))])
    )
    with pytest.raises(ImproperlyConfigured, match=r"AgingPagesView.*'\^old/'"):
        list(neutralised_export_urlpatterns([re_path(r"^old/", include([path("x/", aging)]))]))
    with pytest.raises(ImproperlyConfigured, match=r"'\^aging-\$'"):
        list(neutralised_export_urlpatterns([re_path(r"^aging-$", aging)]))


def test_a_form_pages_submissions_would_be_exported_neutralised():
    """The walk cannot reach a form page's submissions (each page names its view
    class): a form page must name one that quotes formulas."""
    for model in get_page_models():
        if issubclass(model, FormMixin):
            view_class = model.submissions_list_view_class
            assert view_class and issubclass(view_class, NeutralisedExportMixin), model


# A page title is one line of text: it cannot start with a tab or a return.
TITLES = [value for value in HOSTILE if not value[0].isspace()]


@pytest.fixture
def hostile_pages(library, user_factory):
    """Pages titled like formulas, each published by a person whose name starts like one."""
    person = user_factory(first_name="=Eve", last_name="=Mallory")
    for value in TITLES:
        page = MaterialPageFactory(parent=library, title=value, live=False)
        page.save_revision(user=person).publish(user=person, skip_permission_checks=True)
    MaterialPageFactory(parent=library, title=ORDINARY)
    return person


@pytest.mark.parametrize("export_format", FORMATS)
def test_the_aging_pages_report_quotes_formulas_in_titles(
    admin_client, hostile_pages, export_format
):
    cells = exported_cells(admin_client, "wagtailadmin_reports:aging_pages", export_format)

    assert_neutralised(cells, hostile=TITLES)
    assert hostile_pages.email in cells  # the report names the publisher by address


@pytest.mark.parametrize("export_format", FORMATS)
def test_the_site_history_quotes_formulas_in_titles_and_names(
    admin_client, hostile_pages, export_format
):
    cells = exported_cells(admin_client, "wagtailadmin_reports:site_history", export_format)

    assert_neutralised(cells, hostile=[*TITLES, "=Eve =Mallory"])


# Published at 14:05:22.030728 UTC on 7 December 2026: 8 December in Auckland.
PUBLISHED = datetime.datetime(2026, 12, 7, 14, 5, 22, 30728, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("export_format", "exported"),
    [
        ("csv", "2026-12-08T03:05:22+13:00"),
        ("xlsx", datetime.datetime(2026, 12, 8, 3, 5, 22)),
    ],
)
def test_wagtails_own_exports_say_when_in_the_admins_time_zone(
    client, library, user_factory, export_format, exported
):
    """As the report's page reads it, to the second: not UTC with its microseconds."""
    admin = user_factory(is_superuser=True, is_staff=True)
    profile = UserProfile.get_for_user(admin)
    profile.current_time_zone = "Pacific/Auckland"
    profile.save()
    client.force_login(admin)
    page = MaterialPageFactory(parent=library, title=ORDINARY)
    PageLogEntry.objects.filter(page=page).update(timestamp=PUBLISHED)
    AgingPagesView.model.objects.filter(pk=page.pk).update(last_published_at=PUBLISHED)

    for url_name in ("wagtailadmin_reports:site_history", "wagtailadmin_reports:aging_pages"):
        cells = exported_cells(client, url_name, export_format)

        assert exported in cells, (url_name, cells)
