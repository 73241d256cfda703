import datetime

import pytest

from journeys.factories import ProgramPageFactory
from tests.programs import run_by_program_admins


@pytest.fixture
def program(home):
    return ProgramPageFactory(parent=home, title="Growing leaders", admins=run_by_program_admins())


@pytest.fixture
def pair(user_factory):
    return user_factory(email="mentor@example.com"), user_factory(email="mentee@example.com")


@pytest.fixture
def today():
    return datetime.date(2026, 3, 2)
