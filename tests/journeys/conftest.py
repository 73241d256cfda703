import datetime

import pytest

from journeys.factories import JourneyPageFactory, ProgramPageFactory
from tests.programs import run_by_program_admins


@pytest.fixture
def program(home):
    return ProgramPageFactory(parent=home, title="Growing leaders", admins=run_by_program_admins())


@pytest.fixture
def journey_page(program):
    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return page


@pytest.fixture
def pair(user_factory):
    return user_factory(email="mentor@example.com"), user_factory(email="mentee@example.com")


@pytest.fixture
def today():
    return datetime.date(2026, 3, 2)
