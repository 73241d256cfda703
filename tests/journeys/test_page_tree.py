from wagtail.test.utils import WagtailPageTestCase

from cms.models import HomePage
from journeys.models import JourneyPage, ProgramPage


class ProgramPageTreeTests(WagtailPageTestCase):
    def test_programs_live_under_the_home_page_and_hold_journeys(self):
        self.assertAllowedParentPageTypes(ProgramPage, {HomePage})
        self.assertAllowedSubpageTypes(ProgramPage, {JourneyPage})

    def test_journey_templates_are_leaves_of_a_program(self):
        self.assertAllowedParentPageTypes(JourneyPage, {ProgramPage})
        self.assertAllowedSubpageTypes(JourneyPage, set())
