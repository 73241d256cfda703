from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from content.factories import (
    LibraryIndexPageFactory,
    MaterialPageFactory,
    TopicFactory,
    long_markdown_documents,
)
from content.management.commands.import_markdown import Command
from content.models import Audience, MaterialKind, MaterialPage

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "library"

FEEDBACK = """\
---
title: Giving feedback that lands
kind: guide
audience: mentors
topics: [feedback, listening]
minutes: 15
summary: A structure for feedback a mentee can act on.
---
## Situation, behaviour, impact

Describe what you saw, then what it changed.
"""

CHECKLIST = """\
---
title: First meeting checklist
slug: first-meeting
kind: checklist
audience: everyone
topics:
  - listening
minutes: 5
---
* Agree how often you will meet.
* Share one goal each.
"""


@pytest.fixture
def topics(db):
    return [
        TopicFactory(name="Giving feedback", slug="feedback"),
        TopicFactory(name="Listening", slug="listening"),
        TopicFactory(name="Negotiation", slug="negotiation"),
    ]


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "handbook"
    path.mkdir()
    return path


def write(folder, name, text):
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def run(folder, *args):
    out = StringIO()
    call_command("import_markdown", str(folder), *args, stdout=out)
    return out.getvalue()


def materials():
    return MaterialPage.objects.order_by("path")


def counts():
    return MaterialPage.objects.count(), Revision.objects.count()


def latest(page):
    return MaterialPage.objects.get(pk=page.pk).get_latest_revision_as_object()


class TestGoodImports:
    def test_files_become_draft_material_pages_with_the_front_matter_and_body(
        self, library, topics, folder
    ):
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "checklist.md", CHECKLIST)

        output = run(folder)

        assert "2 created, 0 updated, 0 unchanged" in output
        feedback = MaterialPage.objects.get(slug="feedback")
        assert feedback.get_parent().specific == library
        assert feedback.title == "Giving feedback that lands"
        assert feedback.kind == MaterialKind.GUIDE
        assert feedback.audience == Audience.MENTORS
        assert feedback.estimated_minutes == 15
        assert feedback.summary == "A structure for feedback a mentee can act on."
        assert sorted(topic.slug for topic in feedback.topics.all()) == ["feedback", "listening"]
        assert [(block.block_type, block.value) for block in feedback.body] == [
            (
                "markdown",
                "## Situation, behaviour, impact\n\nDescribe what you saw, then what it changed.",
            )
        ]
        checklist = MaterialPage.objects.get(slug="first-meeting")
        assert checklist.kind == MaterialKind.CHECKLIST
        assert [topic.slug for topic in checklist.topics.all()] == ["listening"]
        for page in (feedback, checklist):
            assert not page.live
            assert page.has_unpublished_changes
            assert page.revisions.count() == 1

    def test_publish_makes_the_new_pages_live(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)

        output = run(folder, "--publish")

        assert "(published): 1 created" in output
        page = MaterialPage.objects.get(slug="feedback")
        assert page.live
        assert not page.has_unpublished_changes
        assert page.live_revision == page.latest_revision

    def test_keys_left_out_take_a_new_pages_defaults_and_the_slug_comes_from_the_file_name(
        self, library, folder
    ):
        write(folder, "Active Listening.md", "---\ntitle: Active listening\n---\nListen first.\n")

        run(folder)

        page = MaterialPage.objects.get()
        assert page.slug == "active-listening"
        assert page.kind == MaterialKind.GUIDE
        assert page.audience == Audience.EVERYONE
        assert page.estimated_minutes == 10
        assert page.summary == ""
        assert list(page.topics.all()) == []

    def test_files_are_created_in_file_name_order(self, library, topics, folder):
        write(folder, "b.md", "---\ntitle: Second\n---\nB.\n")
        write(folder, "a.md", "---\ntitle: First\n---\nA.\n")
        write(folder, "c.md", "---\ntitle: Third\n---\nC.\n")

        run(folder)

        assert [page.title for page in materials()] == ["First", "Second", "Third"]

    def test_only_top_level_markdown_files_are_read(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "notes.txt", "not front matter")
        write(folder, ".draft.md", "not front matter")
        (folder / "drafts").mkdir()
        write(folder / "drafts", "unfinished.md", "not front matter")

        output = run(folder)

        assert "1 created" in output
        assert [page.slug for page in materials()] == ["feedback"]

    def test_windows_line_endings_and_a_byte_order_mark_are_accepted(
        self, library, topics, folder
    ):
        write(folder, "feedback.md", b"\xef\xbb\xbf" + FEEDBACK.replace("\n", "\r\n").encode())

        run(folder)

        page = MaterialPage.objects.get(slug="feedback")
        assert page.title == "Giving feedback that lands"
        assert "\r" not in page.body[0].value

    def test_tabs_and_line_breaks_in_the_body_and_trimmed_space_in_front_matter_import(
        self, library, topics, folder
    ):
        body = "## Steps\n\n\tIndented with a tab.\n\n| a\t| b |\n|---|---|\n| 1 | 2 |"
        write(
            folder,
            "steps.md",
            '---\ntitle: "Steps\\t"\nsummary: >\n  Folded over\n  two lines.\n---\n'
            + body.replace("\n", "\r\n")
            + "\r\n",
        )

        output = run(folder)

        assert "1 created" in output
        page = MaterialPage.objects.get(slug="steps")
        assert page.title == "Steps"
        assert page.summary == "Folded over two lines."
        assert page.body[0].value == body

    def test_a_summary_may_run_over_lines_as_it_may_in_the_editor(self, library, topics, folder):
        write(
            folder,
            "lines.md",
            "---\ntitle: Lines\nsummary: |\n  Line one\n  Line two\tand a tab\n---\nBody.\n",
        )

        assert "1 created" in run(folder)
        assert MaterialPage.objects.get(slug="lines").summary == "Line one\nLine two\tand a tab"

    def test_parent_chooses_the_library_page_by_slug(self, home, library, topics, folder):
        toolkit = LibraryIndexPageFactory(parent=home, title="Toolkit", slug="toolkit")
        write(folder, "feedback.md", FEEDBACK)

        output = run(folder, "--parent", "toolkit")

        assert 'Imported into "Toolkit"' in output
        assert MaterialPage.objects.get(slug="feedback").get_parent().pk == toolkit.pk
        assert not library.get_children().exists()

    def test_verbose_output_lists_each_page(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)

        output = run(folder, "--verbosity", "2")

        assert "created: feedback" in output

    def test_the_example_folder_imports_cleanly(self, library):
        for slug in (
            "difficult-conversations",
            "feedback",
            "career-mapping",
            "confidence-and-belonging",
            "workload-and-recovery",
        ):
            TopicFactory(name=slug.replace("-", " ").capitalize(), slug=slug)

        output = run(EXAMPLES, "--publish")

        assert "3 created, 0 updated, 0 unchanged" in output
        assert all(page.live for page in materials())


class TestReimports:
    def test_a_changed_file_gives_the_same_page_a_new_draft_revision(
        self, library, topics, folder
    ):
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "checklist.md", CHECKLIST)
        run(folder, "--publish")
        page = MaterialPage.objects.get(slug="feedback")
        revisions = page.revisions.count()
        write(
            folder,
            "feedback.md",
            FEEDBACK.replace("that lands", "people can use").replace(
                "then what it changed.", "then ask what they make of it."
            ),
        )

        output = run(folder)

        assert "0 created, 1 updated, 1 unchanged" in output
        assert MaterialPage.objects.count() == 2
        page.refresh_from_db()
        assert page.revisions.count() == revisions + 1
        assert page.title == "Giving feedback that lands", "the live version stays as it was"
        assert page.has_unpublished_changes
        draft = latest(page)
        assert draft.title == "Giving feedback people can use"
        assert draft.body[0].value.endswith("then ask what they make of it.")

    def test_a_changed_file_with_publish_makes_the_change_live(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        run(folder, "--publish")
        write(folder, "feedback.md", FEEDBACK.replace("minutes: 15", "minutes: 20"))

        output = run(folder, "--publish")

        assert "0 created, 1 updated, 0 unchanged" in output
        page = MaterialPage.objects.get(slug="feedback")
        assert page.estimated_minutes == 20
        assert page.live
        assert not page.has_unpublished_changes

    def test_changed_topics_replace_the_old_ones(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        run(folder, "--publish")
        write(folder, "feedback.md", FEEDBACK.replace("[feedback, listening]", "[negotiation]"))

        run(folder, "--publish")

        page = MaterialPage.objects.get(slug="feedback")
        assert [topic.slug for topic in page.topics.all()] == ["negotiation"]

    def test_unchanged_files_are_skipped_without_a_new_revision(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "checklist.md", CHECKLIST)
        run(folder)
        before = counts()

        output = run(folder)

        assert "0 created, 0 updated, 2 unchanged" in output
        assert counts() == before

    def test_publishing_an_unchanged_draft_makes_it_live(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        run(folder)
        before = counts()

        output = run(folder, "--publish")

        assert "0 created, 1 updated, 0 unchanged" in output
        page = MaterialPage.objects.get(slug="feedback")
        assert page.live
        assert not page.has_unpublished_changes
        assert counts() == before, "the draft revision is published, not copied"

    def test_a_page_made_in_the_admin_is_updated_when_its_slug_matches(
        self, library, topics, folder
    ):
        existing = MaterialPageFactory(parent=library, title="Feedback basics", slug="feedback")
        write(folder, "feedback.md", FEEDBACK)

        output = run(folder, "--publish")

        assert "0 created, 1 updated" in output
        existing.refresh_from_db()
        assert existing.title == "Giving feedback that lands"
        assert MaterialPage.objects.count() == 1

    def test_a_same_slug_under_another_library_page_is_a_different_page(
        self, home, library, topics, folder
    ):
        toolkit = LibraryIndexPageFactory(parent=home, title="Toolkit", slug="toolkit")
        MaterialPageFactory(parent=toolkit, title="Toolkit feedback", slug="feedback")
        write(folder, "feedback.md", FEEDBACK)

        output = run(folder)

        assert "1 created" in output
        assert MaterialPage.objects.filter(slug="feedback").count() == 2


LONG_LINE = "x" * 60

BAD_FILES = [
    pytest.param(
        "---\ntitle: Feedback\nkind guide\nminutes: 5\n---\nBody.\n",
        3,
        "the front matter is not valid YAML: could not find expected ':'",
        id="bad-yaml",
    ),
    pytest.param(
        '---\ntitle: "Feedback\nminutes: 5\n---\nBody.\n',
        2,
        "the front matter is not valid YAML",
        id="unclosed-quote",
    ),
    pytest.param(
        "# Feedback\n\nNo front matter here.\n",
        1,
        "the file does not start with front matter",
        id="missing-front-matter",
    ),
    pytest.param(
        "---\ntitle: Feedback\n\nBody without a closing fence.\n",
        1,
        "the front matter opened on line 1 is never closed",
        id="unclosed-front-matter",
    ),
    pytest.param(
        "---\n- title\n- kind\n---\nBody.\n",
        2,
        'the front matter must be "key: value" lines',
        id="front-matter-not-a-mapping",
    ),
    pytest.param(
        "---\ntitle: Feedback\ntopics:\n  - feedback\n  - negotiaton\n---\nBody.\n",
        5,
        'unknown topic "negotiaton" (did you mean "negotiation"?); known topics are '
        '"feedback", "listening", "negotiation".',
        id="unknown-topic",
    ),
    pytest.param(
        "---\ntitle: Feedback\ntopics: feedback\n---\nBody.\n",
        3,
        "topics must be a list of topic slugs",
        id="topics-not-a-list",
    ),
    pytest.param(
        "---\ntitle: Feedback\nkind: tutorial\n---\nBody.\n",
        3,
        'unknown kind "tutorial"; known kinds are "guide", "worksheet", "video", '
        '"discussion_guide", "exercise", "checklist".',
        id="unknown-kind",
    ),
    pytest.param(
        "---\ntitle: Feedback\naudience: parents\n---\nBody.\n",
        3,
        'unknown audience "parents"; known audiences are "everyone", "mentors", "mentees".',
        id="unknown-audience",
    ),
    pytest.param(
        "---\nkind: guide\nminutes: 5\n---\nBody.\n",
        1,
        "the front matter has no title",
        id="missing-title",
    ),
    pytest.param(
        "---\ntitle:\n---\nBody.\n",
        2,
        "title is empty.",
        id="empty-title",
    ),
    pytest.param(
        "---\ntitle: Feedback\nminutes: 0\n---\nBody.\n",
        3,
        "minutes must be a positive whole number, such as 15, not 0.",
        id="zero-minutes",
    ),
    pytest.param(
        "---\ntitle: Feedback\nminutes: -5\n---\nBody.\n",
        3,
        "minutes must be a positive whole number, such as 15, not -5.",
        id="negative-minutes",
    ),
    pytest.param(
        "---\ntitle: Feedback\nminutes: ten\n---\nBody.\n",
        3,
        'minutes must be a positive whole number, such as 15, not "ten".',
        id="minutes-in-words",
    ),
    pytest.param(
        "---\ntitle: Feedback\nminutes: 7.5\n---\nBody.\n",
        3,
        "minutes must be a positive whole number, such as 15, not 7.5.",
        id="fractional-minutes",
    ),
    pytest.param(
        "---\ntitle: Feedback\nauthor: Sam\n---\nBody.\n",
        3,
        'unknown key "author"; allowed keys are "title", "slug", "kind", "audience", '
        '"topics", "minutes", "summary".',
        id="unknown-key",
    ),
    pytest.param(
        "---\ntitle: Feedback\nminuets: 5\n---\nBody.\n",
        3,
        'unknown key "minuets" (did you mean "minutes"?)',
        id="misspelt-key",
    ),
    pytest.param(
        "---\ntitle: Feedback\nkind: guide\ntitle: Feedback again\n---\nBody.\n",
        4,
        'the key "title" is given twice; it was first given on line 2.',
        id="key-given-twice",
    ),
    pytest.param(
        "---\ntitle: Feedback\nslug: Feedback Basics!\n---\nBody.\n",
        3,
        'slug "Feedback Basics!" is not a valid slug',
        id="invalid-slug",
    ),
    pytest.param(
        "---\ntitle: Feedback\nsummary: " + LONG_LINE * 7 + "\n---\nBody.\n",
        3,
        "summary is 420 characters long; the most allowed is 400.",
        id="summary-too-long",
    ),
    pytest.param(
        "---\ntitle: Feedback\n---\n\n\n",
        3,
        'the file has no body; write the material below the closing "---".',
        id="empty-body",
    ),
    pytest.param(
        "---\ntitle: !!python/object/apply:os.system [echo]\n---\nBody.\n",
        2,
        "could not determine a constructor",
        id="unsafe-yaml-tag",
    ),
    pytest.param(
        b"---\ntitle: Feedback\n---\nCaf\xe9 culture.\n",
        4,
        "the file is not valid UTF-8",
        id="not-utf-8",
    ),
    # YAML refuses raw control characters in the front matter, but not the
    # escapes of a double-quoted value; the file below holds a backslash and a
    # letter, which YAML reads as the character.
    pytest.param(
        '---\ntitle: "Giving feedback\\0"\n---\nBody.\n',
        2,
        "title: This holds a control character (U+0000), which has no place in text",
        id="nul-escape-in-title",
    ),
    pytest.param(
        '---\ntitle: "Giving\\nfeedback"\n---\nBody.\n',
        2,
        "title: This must be one line of text, but it holds a line break",
        id="line-break-escape-in-title",
    ),
    pytest.param(
        '---\ntitle: Feedback\nsummary: "Line one\\eBcc: x"\n---\nBody.\n',
        3,
        "summary: This holds a control character (U+001B)",
        id="escape-character-in-summary",
    ),
    pytest.param(
        '---\ntitle: Feedback\nslug: "feedback\\e[31m"\n---\nBody.\n',
        3,
        "slug: This holds a control character (U+001B)",
        id="escape-character-in-slug",
    ),
    pytest.param(
        '---\ntitle: Feedback\nkind: "guide\\a"\n---\nBody.\n',
        3,
        "kind: This holds a control character (U+0007)",
        id="bell-in-kind",
    ),
    pytest.param(
        '---\ntitle: Feedback\naudience: "\\x85mentors"\n---\nBody.\n',
        3,
        "audience: This holds a control character (U+0085)",
        id="c1-control-in-audience",
    ),
    pytest.param(
        '---\ntitle: Feedback\ntopics:\n  - feedback\n  - "listening\\0"\n---\nBody.\n',
        5,
        "topics: This holds a control character (U+0000)",
        id="nul-in-a-topic",
    ),
    pytest.param(
        '---\ntitle: Feedback\nminutes: "\\e[31m5"\n---\nBody.\n',
        3,
        "minutes: This holds a control character (U+001B)",
        id="escape-character-in-minutes",
    ),
    pytest.param(
        '---\ntitle: Feedback\n"sum\\0mary": x\n---\nBody.\n',
        3,
        'each front matter key must be a plain word, such as "title". This holds a '
        "control character (U+0000)",
        id="nul-in-a-key",
    ),
    pytest.param(
        "---\ntitle: Feedback\n---\nIntro.\n\nA NUL \x00 here.\n",
        6,
        "the body, at character 7 of this line: This holds a control character (U+0000), "
        "which has no place in text; remove it.",
        id="nul-in-body",
    ),
    pytest.param(
        "---\ntitle: Feedback\n---\n\x1b[31mRed\n",
        4,
        "the body, at character 1 of this line: This holds a control character (U+001B)",
        id="escape-character-in-body",
    ),
    pytest.param(
        "---\ntitle: Feedback\n---\nBody.\n\n\x07\n",
        6,
        "the body, at character 1 of this line: This holds a control character (U+0007)",
        id="bell-on-a-trailing-line-of-the-body",
    ),
]


class TestBadFiles:
    @pytest.mark.parametrize(("content", "line", "problem"), BAD_FILES)
    def test_a_bad_file_stops_the_whole_import_and_nothing_is_written(
        self, library, topics, folder, content, line, problem
    ):
        write(folder, "checklist.md", CHECKLIST)
        run(folder, "--publish")
        write(folder, "checklist.md", CHECKLIST.replace("minutes: 5", "minutes: 8"))
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "zz-last.md", content)
        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder, "--publish")

        message = str(caught.value)
        assert message.startswith("Nothing was imported: found 1 problem in 1 file.")
        assert f"{folder / 'zz-last.md'}, line {line}: " in message
        assert problem in message
        assert counts() == before
        assert MaterialPage.objects.get(slug="first-meeting").estimated_minutes == 5

    def test_control_characters_anywhere_are_each_refused_with_file_line_and_character(
        self, library, topics, folder
    ):
        write(folder, "feedback.md", FEEDBACK)
        write(
            folder,
            "giving.md",
            '---\ntitle: "Giving\\nfeedback\\0 \\e[31m"\nsummary: "Line one\\0Bcc: x"\n---\n'
            "Intro with a NUL \x00.\n\nAn escape \x1b[31m and\n\n* a bell \x07\n",
        )
        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder, "--publish")

        path = folder / "giving.md"
        assert str(caught.value).splitlines() == [
            "Nothing was imported: found 5 problems in 1 file.",
            f"{path}, line 2: title: This must be one line of text, but it holds a line break; "
            "remove it.",
            f"{path}, line 3: summary: This holds a control character (U+0000), which has no "
            "place in text; remove it.",
            f"{path}, line 5: the body, at character 18 of this line: This holds a control "
            "character (U+0000), which has no place in text; remove it.",
            f"{path}, line 7: the body, at character 11 of this line: This holds a control "
            "character (U+001B), which has no place in text; remove it.",
            f"{path}, line 9: the body, at character 10 of this line: This holds a control "
            "character (U+0007), which has no place in text; remove it.",
        ]
        assert counts() == before
        assert not MaterialPage.objects.filter(slug="feedback").exists()

    def test_a_body_full_of_control_characters_is_reported_on_ten_lines_then_counted(
        self, library, topics, folder
    ):
        write(folder, "binary.md", "---\ntitle: Binary\n---\n" + "x\x01\n" * 15)
        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder)

        lines = str(caught.value).splitlines()
        assert lines[0] == "Nothing was imported: found 11 problems in 1 file."
        assert [line.split(": ", 1)[0] for line in lines[1:]] == [
            f"{folder / 'binary.md'}, line {number}" for number in range(4, 15)
        ]
        assert lines[-1].endswith(
            "the body holds control characters on 5 more lines from this one on; "
            "is it a text file?"
        )
        assert counts() == before

    def test_a_body_over_the_markdown_size_cap_is_refused_with_the_line_it_starts_on(
        self, library, topics, folder, settings
    ):
        settings.TRELLIS_MARKDOWN_MAX_CHARS = 100
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "long.md", "---\ntitle: Long\n---\n\n" + "word " * 30 + "\n")

        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder)

        assert (
            f"{folder / 'long.md'}, line 5: the body is 149 characters long; the most allowed "
            "is 100, so shorten it by 49 characters"
        ) in str(caught.value)
        assert counts() == before

    def test_a_body_too_slow_to_render_is_refused_with_its_file_and_line(
        self, library, topics, folder, settings
    ):
        settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000
        write(folder, "feedback.md", FEEDBACK)
        # Front matter on lines 1-3, a blank line, then the body from line 5.
        write(folder, "links.md", "---\ntitle: Links\n---\n\nIntro.\n\n" + "[a) " * 3000 + "\n")

        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder)

        message = str(caught.value)
        assert message.startswith("Nothing was imported: found 1 problem in 1 file.")
        assert (
            f"{folder / 'links.md'}, line 7: the body would be shown as plain text, "
            "not formatted (“[a) [a) [a)"
        ) in message
        assert "is never closed" in message
        assert counts() == before

    def test_a_long_table_at_the_size_cap_is_imported_and_shown_in_full(
        self, library, topics, folder, settings, client
    ):
        settings.TRELLIS_MARKDOWN_MAX_CHARS = 20_000
        table = long_markdown_documents(20_000)["wide table"]
        write(folder, "rota.md", "---\ntitle: Rota\n---\n" + table)

        run(folder, "--publish")

        page = MaterialPage.objects.get(slug="rota")
        assert page.body.raw_data[0]["value"] == table
        shown = client.get(page.url).content.decode()
        rows = [line for line in table.split("\n") if line.startswith("|") and "---" not in line]
        assert shown.count("<tr>") == len(rows)
        assert table.rsplit("\n\n", 1)[1] in shown

    def test_a_slug_used_by_two_files_is_refused_naming_both(self, library, topics, folder):
        write(folder, "feedback.md", FEEDBACK)
        write(folder, "more-feedback.md", "---\ntitle: More\nslug: feedback\n---\nMore.\n")

        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder)

        assert (
            f'{folder / "more-feedback.md"}, line 3: the slug "feedback" is also used by '
            f"{folder / 'feedback.md'}; each file needs its own slug."
        ) in str(caught.value)
        assert counts() == before

    def test_every_problem_in_every_file_is_reported_in_file_and_line_order(
        self, library, topics, folder
    ):
        write(folder, "a.md", "---\nkind: tutorial\nminutes: 0\n---\nBody.\n")
        write(folder, "b.md", FEEDBACK)
        write(folder, "c.md", "no front matter\n")

        with pytest.raises(CommandError) as caught:
            run(folder)

        lines = str(caught.value).splitlines()
        assert lines[0] == "Nothing was imported: found 4 problems in 2 files."
        assert [line.split(": ", 1)[0] for line in lines[1:]] == [
            f"{folder / 'a.md'}, line 1",
            f"{folder / 'a.md'}, line 2",
            f"{folder / 'a.md'}, line 3",
            f"{folder / 'c.md'}, line 1",
        ]

    def test_a_page_that_fails_to_save_undoes_the_pages_saved_before_it(
        self, library, topics, folder, monkeypatch
    ):
        write(folder, "a.md", "---\ntitle: Saved first\n---\nA.\n")
        write(folder, "b.md", "---\ntitle: Refused\n---\nB.\n")
        original = MaterialPage.full_clean

        def refuse_one(page, *args, **kwargs):
            if page.title == "Refused":
                raise ValidationError("This page is refused.")
            return original(page, *args, **kwargs)

        monkeypatch.setattr(MaterialPage, "full_clean", refuse_one)
        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder, "--publish")

        assert (
            f"{folder / 'b.md'}, line 1: the page could not be saved: This page is refused."
        ) in str(caught.value)
        assert counts() == before

    def test_a_page_locked_in_the_admin_is_not_overwritten(self, library, topics, folder):
        page = MaterialPageFactory(parent=library, title="Feedback", slug="feedback")
        page.locked = True
        page.save()
        write(folder, "feedback.md", FEEDBACK)
        before = counts()

        with pytest.raises(CommandError, match="is locked in the Wagtail admin"):
            run(folder)

        assert counts() == before


class TestWhereToImport:
    def test_an_unknown_parent_slug_is_refused_naming_the_library_pages(
        self, library, topics, folder
    ):
        write(folder, "feedback.md", FEEDBACK)

        before = counts()

        with pytest.raises(CommandError) as caught:
            run(folder, "--parent", "libary")

        assert (
            str(caught.value) == 'No library page has the slug "libary". Library pages: "library".'
        )
        assert counts() == before

    def test_without_a_library_page_the_import_is_refused(self, home, topics, folder):
        write(folder, "feedback.md", FEEDBACK)

        with pytest.raises(CommandError, match="There is no library page to import into"):
            run(folder)

    def test_a_folder_without_markdown_files_is_refused(self, library, folder):
        write(folder, "notes.txt", "Nothing to import.")

        with pytest.raises(CommandError, match=r"holds no \.md files"):
            run(folder)

    def test_a_path_that_is_not_a_folder_is_refused(self, library, tmp_path):
        with pytest.raises(CommandError, match="is not a folder"):
            run(tmp_path / "missing")


def test_help_explains_the_front_matter_and_which_files_are_read():
    text = Command().create_parser("manage.py", "import_markdown").format_help()

    assert "--publish" in text
    assert "--parent SLUG" in text
    assert "discussion_guide" in text
    assert "subfolders" in text
    assert "nothing is written" in text
