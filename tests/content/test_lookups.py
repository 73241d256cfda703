"""A number past an integer column's range finds no row, in every lookup, on every database."""

import pytest
from django import forms

from cms.models import User
from content.factories import TopicFactory
from content.models import Topic
from journeys.factories import ProgramPageFactory
from journeys.models import Journey, ProgramPage

pytestmark = pytest.mark.django_db

PAST = 2**64
BELOW = -(2**64)


def test_in_leaves_out_numbers_no_row_can_have():
    topic = TopicFactory()
    assert list(Topic.objects.filter(pk__in=[topic.pk, PAST, BELOW])) == [topic]
    assert list(Topic.objects.filter(pk__in=[PAST])) == []
    assert list(Topic.objects.exclude(pk__in=[PAST, BELOW])) == [topic]


def test_keys_compare_with_what_they_point_at(home):
    program = ProgramPageFactory(parent=home)
    assert list(ProgramPage.objects.filter(pk=program.pk)) == [program]
    # A program page's id is a one-to-one key to its page.
    assert list(ProgramPage.objects.filter(pk=PAST)) == []
    assert list(ProgramPage.objects.filter(pk__in=[program.pk, PAST])) == [program]
    assert list(ProgramPage.objects.exclude(pk=PAST)) == [program]
    # A foreign key to the program page points at that same id.
    assert not Journey.objects.filter(program=PAST).exists()
    assert not Journey.objects.filter(program__in=[PAST, BELOW]).exists()


def test_text_keys_are_left_as_they_are():
    # The comparison still needs the value's type: a text that is not a number is refused.
    with pytest.raises(ValueError, match="expected a number"):
        list(Topic.objects.filter(pk__in=["not a number"]))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (forms.ModelMultipleChoiceField(Topic.objects.all()), [str(PAST)]),
        (forms.ModelMultipleChoiceField(User.objects.all()), [str(PAST)]),
        (forms.ModelMultipleChoiceField(ProgramPage.objects.all()), [str(PAST)]),
        (forms.ModelChoiceField(ProgramPage.objects.all()), str(PAST)),
        (forms.ModelChoiceField(ProgramPage.objects.all()), str(BELOW)),
    ],
)
def test_a_choice_past_the_range_is_not_a_valid_choice(field, value):
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(value)
    assert refused.value.code in {"invalid_choice", "invalid_pk_value"}
    assert "Select a valid choice" in refused.value.messages[0]
