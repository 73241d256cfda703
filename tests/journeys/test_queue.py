"""Queueing work: only once its transaction commits, and never a server error after it."""

import logging
import socket

import pytest
from django.db import transaction
from django.urls import reverse
from django_q.conf import Conf
from django_q.models import OrmQ

from journeys.factories import ProgramPageFactory
from journeys.queue import enqueue
from matching.factories import EnrollmentFactory, policy_for
from matching.models import MatchingRun, RunStatus
from tests.programs import run_by_program_admins

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A port nothing listens on: bound for a moment, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_broker(monkeypatch):
    """Tasks go to the database queue instead of running inline."""
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def broker_down(monkeypatch):
    """The queue on a Redis that is not there."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", f"redis://127.0.0.1:{closed_port()}/0")


def test_work_is_queued_when_its_transaction_commits(
    database_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue("matching.tasks.execute_run", 42, group="matching")
        assert not OrmQ.objects.exists()

    queued = OrmQ.objects.get()
    assert queued.func() == "matching.tasks.execute_run"
    assert queued.task["args"] == (42,)
    assert queued.task["group"] == "matching"


def test_nothing_is_queued_when_its_transaction_rolls_back(
    database_broker, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue("matching.tasks.execute_run", 42)
        raise RuntimeError("the request failed")

    assert callbacks == []
    assert not OrmQ.objects.exists()


def test_an_unreachable_broker_is_logged_and_never_raised(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.ERROR, logger="journeys.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue("journeys.tasks.advance_batch", [1, 2, 3], "2026-03-02")

    assert "Could not queue journeys.tasks.advance_batch([1, 2, 3], '2026-03-02')" in caplog.text
    assert "broker is unavailable" in caplog.text


@pytest.fixture
def program_with_people(home, user_factory):
    program = ProgramPageFactory(
        parent=home, title="Growing leaders", admins=run_by_program_admins()
    )
    policy_for(program, "knowledge")
    EnrollmentFactory(program=program, user=user_factory(), role="mentor", seniority=6)
    EnrollmentFactory(program=program, user=user_factory(), role="mentee", seniority=3)
    return program


def test_running_matching_while_the_broker_is_down_records_the_run_without_an_error(
    client, user_factory, program_with_people, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(user_factory(groups=["Program admins"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching_runs:start"), {"program": program_with_people.pk})

    assert response.status_code == 302
    run = MatchingRun.objects.get()
    assert response["Location"] == reverse("matching_runs:inspect", args=[run.pk])
    assert run.status == RunStatus.QUEUED
    assert client.get(response["Location"]).status_code == 200
