"""The library and stories render for readers: listings, filters, pages and blocks."""

import re
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    MaterialPageFactory,
    TopicFactory,
)
from content.models import Audience, MaterialKind
from tests import hostile

pytestmark = pytest.mark.django_db


def card_titles(response):
    """The titles of the cards in a listing, in order."""
    html = response.content.decode()
    return [
        unescape(title)
        for title in re.findall(r'class="card__link" href="[^"]*">([^<]+)</a>', html)
    ]


@pytest.fixture
def image():
    return Image.objects.create(title="Spring gathering", file=get_test_image_file())


@pytest.fixture
def document():
    document = Document(title="Goal-setting worksheet")
    document.file.save("worksheet.pdf", ContentFile(b"%PDF-1.4 worksheet"), save=False)
    document.save()
    return document


def every_block_body(image, document, leader, link_target):
    return [
        ("paragraph", "<p>Curiosity opens every good conversation.</p>"),
        ("markdown", "Bring **one question** you have never asked."),
        ("heading", {"text": "Setting expectations together", "level": "h2"}),
        ("heading", {"text": "How often to meet", "level": "h3"}),
        ("image", {"image": image, "alt_text": "Mentors laughing together", "caption": "Spring"}),
        (
            "video",
            {
                "video": "https://video.example.com/watch/first-meeting",
                "caption": "Our first meeting",
                "transcript": "Welcome, both of you.",
            },
        ),
        ("quote", {"text": "She gave me better questions.", "attribution": "A mentee"}),
        ("leader_quote", {"leader": leader, "text": "Ask for help early."}),
        ("callout", {"tone": "important", "title": "Keep it confidential", "body": "<p>Ok</p>"}),
        ("reflection_prompt", {"prompt": "Who helped you grow?", "guidance": "Be specific."}),
        ("checklist", {"title": "Before you meet", "items": ["Book a room", "Read profiles"]}),
        ("document", {"document": document, "label": "Download the worksheet"}),
        (
            "call_to_action",
            {"text": "Ready for more?", "label": "Open the next guide", "page": link_target},
        ),
    ]


class TestLibraryIndex:
    def test_the_library_lists_live_materials_with_their_summaries(self, client, library):
        MaterialPageFactory(parent=library, title="Listening well", summary="Hear the why.")

        response = client.get(library.url)

        assert response.status_code == 200
        assert card_titles(response) == ["Listening well"]
        assert "Hear the why." in response.content.decode()
        assert response.templates[0].name == "content/library_index_page.html"

    def test_draft_materials_do_not_appear_in_the_library(self, client, library):
        MaterialPageFactory(parent=library, title="Published guide")
        MaterialPageFactory(parent=library, title="Unfinished draft", live=False)

        response = client.get(library.url)

        assert card_titles(response) == ["Published guide"]

    def test_filtering_by_topic_shows_only_materials_on_that_topic(self, client, library):
        feedback = TopicFactory(name="Giving feedback")
        careers = TopicFactory(name="Career moves")
        MaterialPageFactory(parent=library, title="Feedback basics", topics=[feedback])
        MaterialPageFactory(parent=library, title="Changing teams", topics=[careers])

        response = client.get(library.url, {"topic": "giving-feedback"})

        assert card_titles(response) == ["Feedback basics"]
        html = response.content.decode()
        assert '<option value="giving-feedback" selected>Giving feedback</option>' in html
        assert "Clear filters" in html

    def test_filtering_by_kind_shows_only_that_kind_of_material(self, client, library):
        MaterialPageFactory(parent=library, title="A worksheet", kind=MaterialKind.WORKSHEET)
        MaterialPageFactory(parent=library, title="A guide", kind=MaterialKind.GUIDE)

        response = client.get(library.url, {"kind": "worksheet"})

        assert card_titles(response) == ["A worksheet"]

    def test_filtering_by_audience_shows_only_materials_for_that_audience(self, client, library):
        MaterialPageFactory(parent=library, title="For mentors", audience=Audience.MENTORS)
        MaterialPageFactory(parent=library, title="For mentees", audience=Audience.MENTEES)

        response = client.get(library.url, {"audience": "mentees"})

        assert card_titles(response) == ["For mentees"]

    def test_filters_that_match_nothing_show_a_friendly_empty_state(self, client, library):
        MaterialPageFactory(parent=library, kind=MaterialKind.GUIDE)

        response = client.get(library.url, {"kind": "checklist"})

        assert card_titles(response) == []
        assert "Nothing matches those filters yet." in response.content.decode()

    @pytest.mark.parametrize("name", ["topic", "kind", "audience"])
    def test_a_filter_carrying_a_nul_or_control_character_matches_nothing(
        self, client, library, name
    ):
        """No stored value holds one, and PostgreSQL refuses a NUL in a query outright."""
        MaterialPageFactory(parent=library, kind=MaterialKind.GUIDE)

        response = client.get(library.url, {name: "guide\x00"})

        assert response.status_code == 200
        assert card_titles(response) == []
        assert "Nothing matches those filters yet." in response.content.decode()

    def test_an_empty_library_says_it_is_still_growing(self, client, library):
        response = client.get(library.url)

        assert "The library is still growing." in response.content.decode()

    def test_the_second_page_lists_the_rest_and_its_links_keep_the_filters(self, client, library):
        for number in range(14):
            MaterialPageFactory(parent=library, title=f"Worksheet {number:02}", kind="worksheet")
        MaterialPageFactory(parent=library, title="A guide", kind="guide")

        first = client.get(library.url, {"kind": "worksheet"})
        second = client.get(library.url, {"kind": "worksheet", "page": 2})

        assert len(card_titles(first)) == 12
        assert len(card_titles(second)) == 2
        assert set(card_titles(first)).isdisjoint(card_titles(second))
        assert 'href="?kind=worksheet&amp;page=2"' in first.content.decode()
        assert 'href="?kind=worksheet&amp;page=1"' in second.content.decode()
        assert "Page 2 of 2" in second.content.decode()

    def test_a_page_number_past_the_end_shows_the_last_page(self, client, library):
        for number in range(13):
            MaterialPageFactory(parent=library, title=f"Guide {number:02}")

        response = client.get(library.url, {"page": 99})

        assert response.status_code == 200
        assert len(card_titles(response)) == 1
        assert "Page 2 of 2" in response.content.decode()

    def test_a_page_number_that_is_not_a_number_shows_the_first_page(self, client, library):
        MaterialPageFactory(parent=library, title="Only guide")

        response = client.get(library.url, {"page": "first"})

        assert response.status_code == 200
        assert card_titles(response) == ["Only guide"]


class TestMaterialPage:
    def test_a_material_page_shows_its_details_and_summary(self, client, library):
        topic = TopicFactory(name="Listening")
        material = MaterialPageFactory(
            parent=library,
            title="Listening well",
            kind=MaterialKind.DISCUSSION_GUIDE,
            audience=Audience.MENTORS,
            estimated_minutes=15,
            summary="How to hear what is not said.",
            topics=[topic],
        )

        response = client.get(material.url)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "<title>Listening well · " in html
        for text in ("Discussion guide", "For mentors", "15 minutes", "How to hear what"):
            assert text in html
        assert f'href="{library.url}?topic=listening"' in html

    def test_every_block_type_renders_on_a_material_page(self, client, library, image, document):
        leader = LeaderProfileFactory(name="Amara Osei", title="Chief People Officer")
        target = MaterialPageFactory(parent=library, title="The next guide")
        material = MaterialPageFactory(
            parent=library,
            title="Everything at once",
            body=every_block_body(image, document, leader, target),
        )

        response = client.get(material.url)

        assert response.status_code == 200
        html = response.content.decode()
        assert "<p>Curiosity opens every good conversation.</p>" in html
        assert "<strong>one question</strong>" in html
        assert '<h2 class="section-heading">Setting expectations together</h2>' in html
        assert '<h3 class="section-heading">How often to meet</h3>' in html
        assert 'alt="Mentors laughing together"' in html
        assert "<figcaption>Spring</figcaption>" in html
        assert "She gave me better questions." in html
        assert "Amara Osei" in html
        assert "Chief People Officer" in html
        assert "Keep it confidential" in html
        assert "Important" in html
        assert "Who helped you grow?" in html
        assert "<li>Book a room</li>" in html
        assert f'href="{document.url}"' in html
        assert "Download the worksheet" in html
        assert f'href="{target.url}">Open the next guide</a>' in html

    def test_a_video_that_cannot_be_embedded_falls_back_to_a_link(self, client, library):
        material = MaterialPageFactory(
            parent=library,
            body=[("video", {"video": "https://video.example.com/watch/hello", "caption": ""})],
        )

        response = client.get(material.url)

        assert response.status_code == 200
        html = response.content.decode()
        assert 'href="https://video.example.com/watch/hello">Watch the video</a>' in html
        assert "<iframe" not in html

    def test_a_call_to_action_may_point_elsewhere_on_the_web(self, client, library):
        material = MaterialPageFactory(
            parent=library,
            body=[
                (
                    "call_to_action",
                    {"label": "Visit the program", "external_url": "https://example.com/"},
                )
            ],
        )

        response = client.get(material.url)

        assert 'href="https://example.com/">Visit the program</a>' in response.content.decode()


class TestStories:
    def test_the_stories_index_lists_stories_with_their_leaders(self, client, stories):
        leader = LeaderProfileFactory(name="Sam Rivera")
        LeaderStoryPageFactory(
            parent=stories, title="The mentor who stayed", leader=leader, pull_quote="Stay."
        )

        response = client.get(stories.url)

        assert response.status_code == 200
        assert card_titles(response) == ["The mentor who stayed"]
        html = response.content.decode()
        assert "Sam Rivera" in html
        assert "Stay." in html

    def test_filtering_stories_by_leader_shows_only_their_stories(self, client, stories):
        sam = LeaderProfileFactory(name="Sam Rivera")
        amara = LeaderProfileFactory(name="Amara Osei")
        LeaderStoryPageFactory(parent=stories, title="Sam's story", leader=sam)
        LeaderStoryPageFactory(parent=stories, title="Amara's story", leader=amara)

        response = client.get(stories.url, {"leader": amara.pk})

        assert card_titles(response) == ["Amara's story"]
        assert f'<option value="{amara.pk}" selected>Amara Osei</option>' in (
            response.content.decode()
        )

    @pytest.mark.parametrize("leader", ["²", "9" * 30, "-1", "x"])
    def test_a_leader_that_cannot_be_an_id_lists_every_story(self, client, stories, leader):
        LeaderStoryPageFactory(parent=stories, title="Told")

        response = client.get(stories.url, {"leader": leader})

        assert response.status_code == 200
        assert card_titles(response) == ["Told"]

    def test_draft_stories_do_not_appear_in_the_listing(self, client, stories):
        LeaderStoryPageFactory(parent=stories, title="Told")
        LeaderStoryPageFactory(parent=stories, title="Not yet told", live=False)

        response = client.get(stories.url)

        assert card_titles(response) == ["Told"]

    def test_a_topic_carrying_a_nul_matches_no_story(self, client, stories):
        LeaderStoryPageFactory(parent=stories, title="Told", topics=[TopicFactory(slug="grit")])

        response = client.get(stories.url, {"topic": "grit\x00"})

        assert response.status_code == 200
        assert card_titles(response) == []

    def test_a_story_page_shows_the_leader_quote_video_link_and_topics(self, client, stories):
        leader = LeaderProfileFactory(name="Sam Rivera", title="Head of Engineering")
        topic = TopicFactory(name="Resilience")
        story = LeaderStoryPageFactory(
            parent=stories,
            title="Starting again",
            leader=leader,
            pull_quote="Someone believed in me first.",
            video="https://video.example.com/watch/sam",
            topics=[topic],
        )

        response = client.get(story.url)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "Head of Engineering" in html
        assert '<blockquote class="pull-quote">' in html
        assert "Someone believed in me first." in html
        assert 'href="https://video.example.com/watch/sam"' in html
        assert f'href="{stories.url}?topic=resilience"' in html

    def test_a_story_page_offers_more_live_stories_from_the_same_leader(self, client, stories):
        leader = LeaderProfileFactory(name="Sam Rivera")
        story = LeaderStoryPageFactory(parent=stories, title="First story", leader=leader)
        LeaderStoryPageFactory(parent=stories, title="Second story", leader=leader)
        LeaderStoryPageFactory(parent=stories, title="Draft story", leader=leader, live=False)
        LeaderStoryPageFactory(parent=stories, title="Someone else's story")

        response = client.get(story.url)

        assert "More stories from Sam Rivera" in response.content.decode()
        assert card_titles(response) == ["Second story"]

    def test_more_stories_are_the_ones_on_this_site_only(self, client, stories):
        """A leader profile is shared by every site; another site's stories are not
        this site's to offer."""
        from wagtail.models import Page, Site

        from cms.models import HomePage
        from content.factories import StoriesIndexPageFactory

        other_home = Page.get_first_root_node().add_child(
            instance=HomePage(title="Cold Chain", slug="cold-chain")
        )
        Site.objects.create(hostname="cold-chain.example.com", root_page=other_home)
        other_stories = StoriesIndexPageFactory(parent=other_home)
        leader = LeaderProfileFactory(name="Sam Rivera")
        story = LeaderStoryPageFactory(parent=stories, title="First story", leader=leader)
        LeaderStoryPageFactory(parent=other_stories, title="Cold Chain story", leader=leader)

        response = client.get(story.url)

        assert "Cold Chain story" not in response.content.decode()
        assert "More stories from" not in response.content.decode()

    def test_a_leader_with_one_story_gets_no_more_stories_section(self, client, stories):
        story = LeaderStoryPageFactory(parent=stories)

        response = client.get(story.url)

        assert "More stories from" not in response.content.decode()


def test_the_leader_profile_preview_shows_name_title_and_bio(rf, home):
    leader = LeaderProfileFactory(name="Amara Osei", title="COO", bio="I was mentored twice.")

    html = render_to_string(
        leader.get_preview_template(None, ""), {"object": leader}, request=rf.get("/")
    )

    assert '<h1 class="person__name">Amara Osei</h1>' in html
    assert "COO" in html
    assert "I was mentored twice." in html


def test_each_listing_names_its_own_filter_button_and_count(client, library, stories):
    MaterialPageFactory(parent=library, title="Giving feedback that lands")

    library_page = client.get(library.url).content.decode()
    stories_page = client.get(stories.url).content.decode()

    assert "Show materials" in library_page and "One material" in library_page
    assert "Show stories" in stories_page and "Stories are on their way." in stories_page


def test_a_hostile_markdown_block_is_shown_sanitised_on_the_material_page(client, library):
    """The markdown block marks the sanitiser's output safe; nothing typed gets through it."""
    page = MaterialPageFactory(
        parent=library, title="Imported guide", body=[("markdown", hostile.HOSTILE_MARKDOWN)]
    )

    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    hostile.assert_neutralised(html)
    assert "&lt;script&gt;alert(" in html
    assert "another link" in html
