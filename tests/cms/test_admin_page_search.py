"""The admin's page search finds a page by the words an editor remembers from it.

Wagtail's page search (the header's search box and a page listing's search)
matches a page's autocomplete fields only, which for a bare Wagtail page is its
title: each page type names the fields its editors write, so a word from a
material's body or a program's introduction finds the page.
"""

import pytest
from django.urls import reverse

from cms.models import HomePage
from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    LibraryIndexPageFactory,
    MaterialPageFactory,
    StoriesIndexPageFactory,
)
from journeys.factories import JourneyPageFactory, ProgramPageFactory, milestone, step


def material(home, word):
    library = LibraryIndexPageFactory(parent=home)
    return MaterialPageFactory(
        parent=library,
        title="Listening well",
        body=[("markdown", f"## Before you meet\n\nNotice the {word} in the room.")],
    )


def story_body(home, word):
    stories = StoriesIndexPageFactory(parent=home)
    return LeaderStoryPageFactory(
        parent=stories,
        title="The night shift",
        body=[("paragraph", f"<p>My mentor taught me {word} on the night shift.</p>")],
    )


def story_leader(home, word):
    stories = StoriesIndexPageFactory(parent=home)
    return LeaderStoryPageFactory(
        parent=stories,
        title="The night shift",
        leader=LeaderProfileFactory(name=f"Ada {word.capitalize()}"),
    )


def story_pull_quote(home, word):
    stories = StoriesIndexPageFactory(parent=home)
    return LeaderStoryPageFactory(
        parent=stories, title="The night shift", pull_quote=f"Ask about the {word}."
    )


def summary(home, word):
    library = LibraryIndexPageFactory(parent=home)
    return MaterialPageFactory(
        parent=library, title="Listening well", summary=f"A guide to {word} and silence."
    )


def program_intro(home, word):
    return ProgramPageFactory(
        parent=home, title="Growing leaders", intro=f"A year of {word} for new managers."
    )


def program_objective(home, word):
    return ProgramPageFactory(
        parent=home,
        title="Growing leaders",
        objectives=[("objective", {"title": f"Managers practise {word} weekly"})],
    )


def program_sponsor(home, word):
    return ProgramPageFactory(
        parent=home,
        title="Growing leaders",
        sponsor=LeaderProfileFactory(name=f"Grace {word.capitalize()}"),
    )


def journey_milestone(home, word):
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    return JourneyPageFactory(
        parent=program,
        title="Six months together",
        milestones=[
            milestone(
                "Getting started", "start", [step("checklist", {"text": f"Bring the {word}"})]
            )
        ],
    )


def journey_intro(home, word):
    program = ProgramPageFactory(parent=home, title="Growing leaders")
    return JourneyPageFactory(
        parent=program, title="Six months together", intro=f"Six months of {word}."
    )


def library_intro(home, word):
    return LibraryIndexPageFactory(parent=home, intro=f"Guides on {word} and more.")


def home_intro(home, word):
    HomePage.objects.filter(pk=home.pk).update(intro=f"<p>Welcome to {word}.</p>")
    home.refresh_from_db()
    home.save_revision().publish()
    return home


MAKERS = [
    material,
    story_body,
    story_leader,
    story_pull_quote,
    summary,
    program_intro,
    program_objective,
    program_sponsor,
    journey_milestone,
    journey_intro,
    library_intro,
    home_intro,
]


@pytest.mark.parametrize("make", MAKERS, ids=[m.__name__ for m in MAKERS])
def test_the_admin_page_search_finds_a_page_by_a_word_only_in_what_its_editor_wrote(
    admin_client, home, make
):
    page = make(home, "quokkas")
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])

    found = admin_client.get(reverse("wagtailadmin_pages:search"), {"q": "quokkas"})
    missing = admin_client.get(reverse("wagtailadmin_pages:search"), {"q": "wombats"})

    assert found.status_code == 200
    assert edit_url in found.content.decode()
    assert edit_url not in missing.content.decode()


def test_a_word_of_a_page_found_by_its_body_is_found_as_it_is_typed(admin_client, home):
    page = material(home, "quokkas")

    html = admin_client.get(reverse("wagtailadmin_pages:search"), {"q": "quokk"}).content

    assert reverse("wagtailadmin_pages:edit", args=[page.pk]) in html.decode()
