"""The milestones block refuses templates no journey could follow."""

import pytest
from wagtail.blocks import StreamBlockValidationError

from journeys.blocks import MilestonesBlock
from journeys.factories import milestone, step


def without_ids(raw):
    return [{k: v for k, v in item.items() if k != "id"} for item in raw]


def clean(raw):
    block = MilestonesBlock()
    return block.clean(block.to_python(raw))


def test_a_cycle_among_new_milestones_without_ids_is_refused(db):
    raw = without_ids(
        [
            milestone("Getting started", "a", [step("checklist")], prerequisites="b"),
            milestone("Going deeper", "b", [step("checklist")], prerequisites="a"),
        ]
    )
    with pytest.raises(StreamBlockValidationError) as error:
        clean(raw)
    assert "wait for each other" in str(error.value.non_block_errors.as_data()[0])
    assert "Getting started → Going deeper → Getting started" in str(
        error.value.non_block_errors.as_data()[0]
    )


def test_an_unknown_prerequisite_key_names_the_milestone(db):
    raw = [milestone("Only", "only", [step("checklist")], prerequisites="ghost")]
    with pytest.raises(StreamBlockValidationError) as error:
        clean(raw)
    assert "Milestone 1 lists prerequisites" in str(error.value.block_errors[0])


def test_a_repeated_key_is_refused(db):
    raw = [
        milestone("One", "same", [step("checklist")]),
        milestone("Two", "same", [step("checklist")]),
    ]
    with pytest.raises(StreamBlockValidationError) as error:
        clean(raw)
    assert "already used by milestone 1" in str(error.value.block_errors[1])


def test_a_key_with_no_letters_or_numbers_is_refused_saying_so(db):
    raw = [milestone("One", "!!!", [step("checklist")])]
    with pytest.raises(StreamBlockValidationError) as error:
        clean(raw)
    message = str(error.value.block_errors[0])
    assert "“!!!”" in message
    assert "letters or numbers" in message


def test_a_valid_chain_is_accepted(db):
    raw = [
        milestone("One", "one", [step("checklist")]),
        milestone("Two", "two", [step("checklist")], prerequisites="one"),
    ]
    assert len(clean(raw)) == 2
