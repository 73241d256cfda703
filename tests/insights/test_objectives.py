"""Objectives can name a measure and a target; ones without keep working as before."""

import pytest
from django.core.exceptions import ValidationError

from journeys.models import Measure, ObjectiveBlock


def clean(**value):
    block = ObjectiveBlock()
    return block.clean(block.to_python({"title": "An objective", "description": "", **value}))


def test_an_objective_without_a_measure_is_valid_as_it_always_was():
    value = clean()

    assert value["measure"] in ("", None)
    assert not value.has_measure


def test_a_milestone_measure_needs_the_milestone_key():
    with pytest.raises(ValidationError) as error:
        clean(measure=Measure.MILESTONE)

    assert "milestone_key" in error.value.block_errors
    assert clean(measure=Measure.MILESTONE, milestone_key="first-meeting").has_measure


def test_a_topic_pulse_measure_needs_a_topic_and_a_target_between_1_and_5(feedback):
    with pytest.raises(ValidationError) as error:
        clean(measure=Measure.TOPIC_PULSE)
    assert "topic" in error.value.block_errors

    with pytest.raises(ValidationError) as error:
        clean(measure=Measure.TOPIC_PULSE, topic=feedback.pk, target=80)
    assert "target" in error.value.block_errors

    assert clean(measure=Measure.TOPIC_PULSE, topic=feedback.pk, target=4).is_rating


def test_a_share_measure_takes_a_percentage_target():
    assert clean(measure=Measure.GOALS, target=80)["target"] == 80

    with pytest.raises(ValidationError):
        clean(measure=Measure.GOALS, target=120)


def test_the_program_page_still_renders_its_objectives(client, program):
    response = client.get(program.url)

    assert response.status_code == 200
    assert "Pairs meet early" in response.content.decode()


def test_editors_see_the_measure_fields_when_editing_a_program(client, program, user_factory):
    from django.urls import reverse

    client.force_login(user_factory(is_superuser=True, is_staff=True))

    response = client.get(reverse("wagtailadmin_pages:edit", args=[program.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "milestone_key" in html and "Share of goals achieved" in html


def edit_form(program, objectives):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    form = nested_form_data(
        {
            "title": program.title,
            "slug": program.slug,
            "summary": "",
            "intro": program.intro,
            "objectives": streamfield(objectives),
            "remind_days_before_due": "3",
            "nudge_after_inactive_days": "21",
            "erased_shared_text": "replace",
            "questions": inline_formset([]),
            "opt_in_attributes": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    form["action-publish"] = "1"
    return form


def test_a_topic_deleted_meanwhile_is_a_form_error_on_the_programs_edit_page(
    client, program, feedback, superuser
):
    from django.urls import reverse

    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:edit", args=[program.pk])
    gone = feedback.pk
    feedback.delete()

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        edit_form(
            program,
            [
                (
                    "objective",
                    {
                        "title": "Feedback lands",
                        "description": "",
                        "measure": Measure.TOPIC_PULSE,
                        "milestone_key": "",
                        "topic": str(gone),
                        "target": "4",
                    },
                )
            ],
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The page could not be saved due to validation errors" in html
    assert "Choose the topic whose milestones this objective is measured by." in html
    program.refresh_from_db()
    assert len(program.objectives) == 6  # nothing was saved
