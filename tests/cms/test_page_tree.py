from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms.models import HomePage
from content.models import LibraryIndexPage, StoriesIndexPage
from journeys.models import ProgramPage


class HomePageTreeTests(WagtailPageTestCase):
    def test_home_page_holds_the_library_the_stories_and_programs(self):
        self.assertAllowedSubpageTypes(HomePage, {LibraryIndexPage, StoriesIndexPage, ProgramPage})

    def test_home_page_sits_at_the_top_of_a_site(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
