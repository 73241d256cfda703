"""``LongSelect`` writes what Django's ``Select`` writes, with its options inline."""

import pytest
from django import forms

from content.widgets import LongSelect
from journeys.validation import time_zone_choices

HOSTILE = '"><script>alert(1)</script>'
CHOICES = [
    ("", "Choose one"),
    ("Europe", [("Europe/Amsterdam", "Amsterdam"), ("Europe/London", "London & around")]),
    (HOSTILE, HOSTILE),
    (7, "A number"),
]


@pytest.mark.parametrize("value", ["", "Europe/London", HOSTILE, 7, None])
@pytest.mark.parametrize("attrs", [None, {"id": "id_zone", "required": True, "disabled": False}])
def test_it_writes_the_same_markup_as_djangos_select(value, attrs):
    ours = LongSelect(choices=CHOICES).render("zone", value, attrs)

    assert ours == forms.Select(choices=CHOICES).render("zone", value, attrs)
    assert "<script>" not in ours


def test_the_time_zones_come_out_the_same_with_the_chosen_one_selected():
    choices = time_zone_choices("Choose your time zone", "Europe/London")

    ours = LongSelect(choices=choices).render("time_zone", "Europe/London")

    assert ours == forms.Select(choices=choices).render("time_zone", "Europe/London")
    assert ours.count("<option") > 300
    assert ours.count(" selected") == 1


def test_the_profile_and_enrolment_forms_use_it():
    from journeys.forms import ProfileForm
    from matching.forms import EnrollmentForm

    assert isinstance(ProfileForm.base_fields["time_zone"].widget, LongSelect)
    assert isinstance(EnrollmentForm.base_fields["time_zone"].widget, LongSelect)
