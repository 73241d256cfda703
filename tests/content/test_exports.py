"""Every admin export, CSV and XLSX alike, writes what people typed as text, never a formula."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.base import ViewSet
from wagtail.snippets.models import get_snippet_models

from content.exports import FORMULA_STARTS, NeutralisedExportMixin, neutralise_cell
from content.factories import LeaderProfileFactory, TopicFactory
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


def test_every_trellis_listing_that_exports_neutralises_its_cells():
    """A new viewset with ``list_export`` must use ``ExportIndexView`` or its snippet twin."""
    trellis = ("cms", "content", "journeys", "matching", "themes")
    reverse("wagtailadmin_home")  # loading the admin's URLs registers every viewset
    exporting = set()
    for viewset in viewsets.viewsets:
        view_class = getattr(viewset, "index_view_class", None)
        if view_class is None or not issubclass(view_class, SpreadsheetExportMixin):
            continue
        listed = viewset.get_index_view_kwargs().get("list_export")
        if listed is ViewSet.UNDEFINED:
            listed = view_class.list_export
        model = getattr(viewset, "model", None)
        if not listed or model is None or model._meta.app_label not in trellis:
            continue
        exporting.add(model._meta.label)
        assert issubclass(view_class, NeutralisedExportMixin), model._meta.label
    assert sorted(exporting) == [
        "content.LeaderProfile",
        "content.Topic",
        "journeys.Journey",
        "matching.Enrollment",
    ]
    assert {model._meta.label for model in get_snippet_models()} >= {
        "content.LeaderProfile",
        "content.Topic",
    }
