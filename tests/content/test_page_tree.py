from wagtail.test.utils import WagtailPageTestCase

from cms.models import HomePage
from content.models import (
    LeaderStoryPage,
    LibraryIndexPage,
    MaterialPage,
    StoriesIndexPage,
)


class PageTreeRulesTests(WagtailPageTestCase):
    def test_library_holds_only_materials(self):
        self.assertAllowedSubpageTypes(LibraryIndexPage, {MaterialPage})
        self.assertAllowedParentPageTypes(MaterialPage, {LibraryIndexPage})

    def test_stories_index_holds_only_leader_stories(self):
        self.assertAllowedSubpageTypes(StoriesIndexPage, {LeaderStoryPage})
        self.assertAllowedParentPageTypes(LeaderStoryPage, {StoriesIndexPage})

    def test_materials_and_stories_are_leaves(self):
        self.assertAllowedSubpageTypes(MaterialPage, set())
        self.assertAllowedSubpageTypes(LeaderStoryPage, set())

    def test_index_pages_live_only_under_the_home_page(self):
        self.assertAllowedParentPageTypes(LibraryIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(StoriesIndexPage, {HomePage})
