"""Import a folder of markdown files into the library as material pages.

Rules this module enforces:

* Only the folder's own ``*.md`` files are read, in name order; subfolders and
  hidden files are left alone, so notes and work in progress can sit in a
  subfolder without being imported.
* Each file opens with YAML front matter between two ``---`` lines, followed by
  the body in markdown, which becomes the page's one markdown block. The keys
  are ``title`` (required), ``slug``, ``kind``, ``audience``, ``topics``,
  ``minutes`` and ``summary``. Any other key is an error rather than being
  dropped, so a misspelt key never loses what it held.
* Text is what an author means to type: every text in the front matter is one
  line (``content.text.validate_line``) but the summary, which, like the body,
  keeps tab and line breaks and no other control character (as
  ``validate_lines``; the editor's summary box takes several lines too). A character
  written as an escape in double quotes (``"\\0"``, ``"\\e"``) counts the
  same as a raw one. The refusal names the character and its line, where
  nothing else would: NUL cannot even be stored by PostgreSQL.
* The file is the source of truth: a key left out sets the page's field to the
  default a new page would get.
* A page is identified by its slug under the library page: the ``slug`` key,
  else the file name. Importing again gives an existing page a new revision; a
  file that already matches the page's latest revision is left alone.
* Every file is checked before anything is written. One problem anywhere means
  nothing is written, and every problem found is reported with its file and
  line, so an author can fix a whole folder in one pass.
* Everything is written in one transaction. Without ``publish``, new pages are
  drafts and existing pages get a draft revision while their live version stays
  as it is; with ``publish``, each new revision goes live.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, NoReturn

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug, validate_unicode_slug
from django.db import transaction
from django.utils.text import slugify

from .exceptions import (
    ImportAbortedError,
    ImportFileError,
    ImportFolderError,
    LibraryNotFoundError,
)
from .markdown import max_chars, rendering_problem
from .models import Audience, LibraryIndexPage, MaterialKind, MaterialPage, Topic
from .text import control_character, control_character_error, validate_line, validate_lines

FENCE = "---"
KEYS = ("title", "slug", "kind", "audience", "topics", "minutes", "summary")
MAX_MINUTES = 32767  # the most a PositiveSmallIntegerField holds on every database
# The most lines of one body reported for holding control characters; a file
# with more is more likely binary than mistyped, and the rest are counted.
MAX_CONTROL_LINES = 10


@dataclass(frozen=True)
class MaterialSource:
    """One file's contents, checked and ready to become a material page.

    ``slug_line`` is where the slug came from (its key, or line 1 when it was
    made from the file name), so later checks that involve other files or the
    database can still point the author at the right line.
    """

    path: str
    slug: str
    slug_line: int
    title: str
    kind: str
    audience: str
    topics: tuple[str, ...]
    minutes: int
    summary: str
    body: str

    def snapshot(self) -> tuple:
        """The fields an import sets, shaped like ``_snapshot(page)`` so the two compare."""
        return (
            self.title,
            self.kind,
            self.audience,
            self.topics,
            self.minutes,
            self.summary,
            (("markdown", self.body),),
        )


@dataclass
class ImportResult:
    """What an import did, by slug, in file order."""

    library: LibraryIndexPage
    published: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """One ``key: value`` line of front matter, with where it was written."""

    key: str | None  # None when the key is a list or a mapping, not a word
    value: Any
    node: yaml.Node
    line: int


class _Problems:
    """Collects one file's problems so they are all reported together."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[ImportFileError] = []

    def add(self, line: int, problem: str) -> None:
        self.errors.append(ImportFileError(self.path, line, problem))

    def abort(self) -> NoReturn:
        """Raise every problem found, top of the file first."""
        raise ImportAbortedError(sorted(self.errors, key=lambda error: error.line))


def find_library(slug: str | None = None) -> LibraryIndexPage:
    """The library page to import into: the one with ``slug``, else the first in the tree."""
    libraries = LibraryIndexPage.objects.order_by("path")
    if slug is None:
        library = libraries.first()
        if library is None:
            raise LibraryNotFoundError(
                "There is no library page to import into. Create a library index page "
                "in the Wagtail admin first."
            )
        return library
    library = libraries.filter(slug=slug).first()
    if library is None:
        known = _quoted(libraries.values_list("slug", flat=True))
        raise LibraryNotFoundError(
            f'No library page has the slug "{slug}". '
            + (f"Library pages: {known}." if known else "There are no library pages yet.")
        )
    return library


def find_markdown_files(folder: Path) -> list[Path]:
    """The folder's own ``*.md`` files in name order; subfolders and hidden files are skipped."""
    if not folder.is_dir():
        raise ImportFolderError(
            f'"{folder}" is not a folder. Give the folder that holds the files.'
        )
    files = sorted(
        path
        for path in folder.iterdir()
        if path.suffix == ".md" and path.is_file() and not path.name.startswith(".")
    )
    if not files:
        raise ImportFolderError(
            f'"{folder}" holds no .md files. Only files directly inside it are read, '
            "not those in subfolders."
        )
    return files


def read_material(data: bytes, path: str, *, known_topics: Iterable[str]) -> MaterialSource:
    """Parse and check one file; raise ``ImportAbortedError`` listing all its problems.

    Needs no database: the caller passes the topic slugs that exist.
    """
    problems = _Problems(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(
            data.count(b"\n", 0, exc.start) + 1,
            f"the file is not valid UTF-8 (byte {exc.start + 1} cannot be read as text); "
            "save it with UTF-8 encoding.",
        )
        problems.abort()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    if lines[0].rstrip() != FENCE:
        problems.add(
            1,
            f'the file does not start with front matter; its first line must be "{FENCE}", '
            f'followed by "key: value" lines and a closing "{FENCE}".',
        )
        problems.abort()
    closing = next((n for n in range(1, len(lines)) if lines[n].rstrip() == FENCE), None)
    if closing is None:
        problems.add(
            1,
            f'the front matter opened on line 1 is never closed; add a line "{FENCE}" '
            "after its last key.",
        )
        problems.abort()

    entries = _front_matter_entries("\n".join(lines[1:closing]), problems)
    body = _body(lines, closing, problems)
    if entries is None:
        problems.abort()
    source = _material_source(entries, path, body, problems, set(known_topics))
    if problems.errors:
        problems.abort()
    return source


def import_materials(
    folder: Path | str,
    *,
    parent_slug: str | None = None,
    publish: bool = False,
    user=None,
) -> ImportResult:
    """Check every file in ``folder``, then create or update their pages in one transaction.

    Raises ``ImportAbortedError`` with every problem found, having written nothing.
    """
    folder = Path(folder)
    files = find_markdown_files(folder)
    with transaction.atomic():
        library = find_library(parent_slug)
        topics = {topic.slug: topic for topic in Topic.objects.all()}
        sources: list[MaterialSource] = []
        errors: list[ImportFileError] = []
        for file in files:
            try:
                sources.append(read_material(_read_bytes(file), str(file), known_topics=topics))
            except ImportAbortedError as exc:
                errors.extend(exc.errors)
        errors.extend(_duplicate_slugs(sources))
        existing = {
            page.slug: page
            for page in library.get_children()
            .filter(slug__in=[source.slug for source in sources])
            .specific()
        }
        errors.extend(_conflicts(sources, existing))
        if errors:
            order = {str(file): index for index, file in enumerate(files)}
            errors.sort(key=lambda error: (order.get(error.path, len(order)), error.line))
            raise ImportAbortedError(errors)

        result = ImportResult(library=library, published=publish)
        for source in sources:
            chosen = [topics[slug] for slug in source.topics]
            page = existing.get(source.slug)
            try:
                if page is None:
                    _create(library, source, chosen, publish=publish, user=user)
                    result.created.append(source.slug)
                elif _update(page, source, chosen, publish=publish, user=user):
                    result.updated.append(source.slug)
                else:
                    result.unchanged.append(source.slug)
            except ValidationError as exc:
                # The checks above should leave the page's own validation nothing
                # to find; if it does, leaving the transaction undoes every page.
                raise ImportAbortedError(
                    [
                        ImportFileError(
                            source.path,
                            1,
                            f"the page could not be saved: {' '.join(exc.messages)}",
                        )
                    ]
                ) from exc
    return result


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ImportAbortedError(
            [ImportFileError(str(file), 1, f"the file could not be read ({exc.strerror}).")]
        ) from exc


def _front_matter_entries(front: str, problems: _Problems) -> list[_Entry] | None:
    """The front matter's top-level entries with their lines, or None if it is not YAML.

    Walks the composed YAML nodes rather than the loaded dict so that each key
    keeps the line it was written on, and a key given twice is caught instead
    of the last one quietly winning. ``SafeLoader`` builds only plain values.
    """
    loader = yaml.SafeLoader(front)
    try:
        root = loader.get_single_node()
        if root is None:
            problems.add(1, 'the front matter is empty; it needs at least a "title" line.')
            return None
        if not isinstance(root, yaml.MappingNode):
            problems.add(
                _line(root.start_mark),
                'the front matter must be "key: value" lines, such as "title: Giving feedback".',
            )
            return None
        entries = []
        for key_node, value_node in root.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            value = loader.construct_object(value_node, deep=True)
            entries.append(_Entry(key, value, value_node, _line(key_node.start_mark)))
        return entries
    except yaml.YAMLError as exc:
        problems.add(*_yaml_problem(exc))
        return None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> tuple[int, str]:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or "it could not be read"
    context = getattr(exc, "context", None)
    # The scanner notices an unclosed quote or a missing colon only lines later;
    # the context mark is where that token began, which is what needs fixing.
    # A parser's context mark is merely where the enclosing mapping began.
    if context and context.startswith("while scanning") and context_mark is not None:
        mark = context_mark
    else:
        mark = problem_mark or context_mark
    line = _line(mark) if mark is not None else 1
    detail = f"{problem} {context}" if context else problem
    return line, f"the front matter is not valid YAML: {detail}."


def _line(mark: yaml.Mark) -> int:
    """A file line from a front matter mark: marks count from 0, after the opening fence."""
    return mark.line + 2


def _body(lines: list[str], closing: int, problems: _Problems) -> str:
    plain = _check_body_characters(lines, closing + 1, problems)
    start = closing + 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    body = "\n".join(lines[start:]).rstrip()
    if not body:
        problems.add(
            closing + 1,
            f'the file has no body; write the material below the closing "{FENCE}".',
        )
        return body
    limit = max_chars()
    if len(body) > limit:
        problems.add(
            start + 1,
            f"the body is {len(body):,} characters long; the most allowed is {limit:,}, "
            f"so shorten it by {len(body) - limit:,} characters or split it into two files.",
        )
        return body
    # The guard's quote of a line could carry the control characters just reported.
    problem = rendering_problem(body) if plain else None
    if problem is not None:
        # The body's first line is the file's line start + 1.
        problems.add(
            start + problem.line,
            f"the body would be shown as plain text, not formatted (“{problem.excerpt}”): "
            f"{problem.reason}",
        )
    return body


def _check_body_characters(lines: list[str], start: int, problems: _Problems) -> bool:
    """Report each line from ``start`` on that holds a control character; True if none does.

    Lines are read as written, before blank lines and trailing space are
    trimmed from the body, so no control character is dropped unseen; their
    endings are already unified. Each line names its first such character.
    """
    found = []
    for index in range(start, len(lines)):
        char = control_character(lines[index], multiline=True)
        if char is not None:
            found.append((index + 1, lines[index].index(char) + 1, char))
    for line, column, char in found[:MAX_CONTROL_LINES]:
        problem = " ".join(control_character_error(char, multiline=True).messages)
        problems.add(line, f"the body, at character {column} of this line: {problem}")
    if len(found) > MAX_CONTROL_LINES:
        rest = len(found) - MAX_CONTROL_LINES
        problems.add(
            found[MAX_CONTROL_LINES][0],
            f"the body holds control characters on {rest:,} more "
            f"{'line' if rest == 1 else 'lines'} from this one on; is it a text file?",
        )
    return not found


# Front matter whose field in the editor takes several lines (a textarea).
MULTILINE_KEYS = frozenset({"summary"})


def _line_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is not one line of text (``validate_line``), or None; with
    ``multiline``, why it is not text (``validate_lines``: line breaks allowed)."""
    try:
        (validate_lines if multiline else validate_line)(value)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _check_characters(entry: _Entry, problems: _Problems) -> bool:
    """Report every text in ``entry`` that is not one line (or, for ``MULTILINE_KEYS``,
    holds a control character other than tab and line breaks); True if there was none.

    A value is judged without the spaces, tabs and line breaks at its ends,
    which are trimmed when it is read (a ``>`` block ends with a line break).
    A list's items are judged one by one, each on its own line.
    """
    if isinstance(entry.value, str):
        texts = [(entry.line, entry.value)]
    elif isinstance(entry.node, yaml.SequenceNode) and isinstance(entry.value, list):
        texts = [
            (_line(node.start_mark), value)
            for node, value in zip(entry.node.value, entry.value, strict=True)
            if isinstance(value, str)
        ]
    else:
        texts = []
    clean = True
    for line, text in texts:
        problem = _line_problem(text.strip(" \t\n\r"), multiline=entry.key in MULTILINE_KEYS)
        if problem is not None:
            problems.add(line, f"{entry.key}: {problem}")
            clean = False
    return clean


def _material_source(
    entries: list[_Entry],
    path: str,
    body: str,
    problems: _Problems,
    known_topics: set[str],
) -> MaterialSource:
    given: dict[str, _Entry] = {}
    first_given: dict[str, int] = {}  # each known key's line, its text refused or not
    for entry in entries:
        key_problem = _line_problem(entry.key) if entry.key is not None else None
        if entry.key is None or key_problem is not None:
            problems.add(
                entry.line,
                'each front matter key must be a plain word, such as "title".'
                + (f" {key_problem}" if key_problem else ""),
            )
        elif entry.key in first_given:
            problems.add(
                entry.line,
                f'the key "{entry.key}" is given twice; it was first given on line '
                f"{first_given[entry.key]}.",
            )
        elif entry.key not in KEYS:
            problems.add(
                entry.line,
                f'unknown key "{entry.key}"{_suggestion(entry.key, KEYS)}; '
                f"allowed keys are {_quoted(KEYS)}.",
            )
        else:
            first_given[entry.key] = entry.line
            # A key whose text is refused is left out, so nothing else reports it.
            if _check_characters(entry, problems):
                given[entry.key] = entry

    title = ""
    if "title" in given:
        title = _text(given["title"], problems, max_length=255, required=True)
    elif "title" not in first_given:
        problems.add(
            1, 'the front matter has no title; add a line such as "title: Giving feedback".'
        )

    if "slug" in given:
        slug = _slug(given["slug"], problems)
        slug_line = given["slug"].line
    else:
        slug = slugify(PurePath(path).stem, allow_unicode=_unicode_slugs())
        slug_line = 1
        if not slug:
            problems.add(
                1,
                "no slug can be made from the file name; add a line such as "
                '"slug: giving-feedback".',
            )

    return MaterialSource(
        path=path,
        slug=slug,
        slug_line=slug_line,
        title=title,
        kind=_choice(given.get("kind"), "kind", MaterialKind, "kinds", problems),
        audience=_choice(given.get("audience"), "audience", Audience, "audiences", problems),
        topics=_topics(given.get("topics"), known_topics, problems),
        minutes=_minutes(given.get("minutes"), problems),
        summary=(
            _text(given["summary"], problems, max_length=400, required=False)
            if "summary" in given
            else ""
        ),
        body=body,
    )


def _text(entry: _Entry, problems: _Problems, *, max_length: int, required: bool) -> str:
    value = entry.value
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(
            entry.line,
            f"{entry.key} must be text, not {_describe(entry)}; put it in quotes if YAML "
            "reads it as a number, a date or yes/no.",
        )
        return ""
    value = value.strip()
    if required and not value:
        problems.add(entry.line, f"{entry.key} is empty.")
    elif len(value) > max_length:
        problems.add(
            entry.line,
            f"{entry.key} is {len(value):,} characters long; the most allowed is {max_length}.",
        )
    return value


def _slug(entry: _Entry, problems: _Problems) -> str:
    value = entry.value
    if not isinstance(value, str) or not value.strip():
        problems.add(entry.line, f"slug must be text, not {_describe(entry)}.")
        return ""
    value = value.strip()
    validator = validate_unicode_slug if _unicode_slugs() else validate_slug
    try:
        validator(value)
    except ValidationError:
        example = slugify(value, allow_unicode=_unicode_slugs()) or "giving-feedback"
        problems.add(
            entry.line,
            f'slug "{value}" is not a valid slug; use only letters, digits, hyphens and '
            f'underscores, such as "{example}".',
        )
    if len(value) > 255:
        problems.add(
            entry.line, f"slug is {len(value):,} characters long; the most allowed is 255."
        )
    return value


def _default(field_name: str):
    """A new page's value for a field the file leaves out, as the model defines it."""
    return MaterialPage._meta.get_field(field_name).get_default()


def _choice(entry: _Entry | None, name: str, choices, plural: str, problems: _Problems) -> str:
    """A value from the model's choices; ``name`` is both the key and the page field."""
    if entry is None:
        return _default(name)
    if isinstance(entry.value, str) and entry.value.strip() in choices.values:
        return entry.value.strip()
    shown = f'"{entry.value}"' if isinstance(entry.value, str) else _describe(entry)
    suggestion = _suggestion(entry.value, choices.values) if isinstance(entry.value, str) else ""
    problems.add(
        entry.line,
        f"unknown {name} {shown}{suggestion}; known {plural} are {_quoted(choices.values)}.",
    )
    return ""


def _topics(entry: _Entry | None, known: set[str], problems: _Problems) -> tuple[str, ...]:
    if entry is None or entry.value is None:
        return ()
    if not isinstance(entry.node, yaml.SequenceNode):
        problems.add(
            entry.line,
            'topics must be a list of topic slugs, such as "topics: [feedback, listening]".',
        )
        return ()
    chosen: list[str] = []
    for node, value in zip(entry.node.value, entry.value, strict=True):
        line = _line(node.start_mark)
        if not isinstance(value, str):
            problems.add(line, f"each topic must be a topic slug, not {_describe_value(value)}.")
        elif value not in known:
            known_text = (
                f"known topics are {_quoted(sorted(known))}"
                if known
                else "there are no topics yet, so create them in the Wagtail admin first"
            )
            problems.add(
                line, f'unknown topic "{value}"{_suggestion(value, known)}; {known_text}.'
            )
        elif value not in chosen:
            chosen.append(value)
    return tuple(sorted(chosen))


def _minutes(entry: _Entry | None, problems: _Problems) -> int:
    default = _default("estimated_minutes")
    if entry is None:
        return default
    value = entry.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(
            entry.line,
            f"minutes must be a positive whole number, such as 15, not {_describe(entry)}.",
        )
        return default
    if value > MAX_MINUTES:
        problems.add(entry.line, f"minutes is {value:,}; the most allowed is {MAX_MINUTES:,}.")
        return default
    return value


def _describe(entry: _Entry) -> str:
    """How a value appears to its author: their own spelling for plain scalars."""
    if isinstance(entry.node, yaml.ScalarNode) and not isinstance(entry.value, str):
        return entry.node.value or "empty"
    return _describe_value(entry.value)


def _describe_value(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of keys"
    return str(value)


def _suggestion(value: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def _unicode_slugs() -> bool:
    return getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True)


def _duplicate_slugs(sources: list[MaterialSource]) -> list[ImportFileError]:
    first: dict[str, MaterialSource] = {}
    errors = []
    for source in sources:
        if source.slug in first:
            errors.append(
                ImportFileError(
                    source.path,
                    source.slug_line,
                    f'the slug "{source.slug}" is also used by {first[source.slug].path}; '
                    "each file needs its own slug.",
                )
            )
        else:
            first[source.slug] = source
    return errors


def _conflicts(
    sources: list[MaterialSource], existing: Mapping[str, object]
) -> list[ImportFileError]:
    """Pages the import must not touch: another page type under the slug, or a locked page."""
    errors = []
    for source in sources:
        page = existing.get(source.slug)
        if page is None:
            continue
        if not isinstance(page, MaterialPage):
            errors.append(
                ImportFileError(
                    source.path,
                    source.slug_line,
                    f'the slug "{source.slug}" belongs to "{page.title}", which is not a '
                    "material page; choose another slug.",
                )
            )
        elif page.locked:
            errors.append(
                ImportFileError(
                    source.path,
                    source.slug_line,
                    f'the page "{page.title}" is locked in the Wagtail admin; unlock it and '
                    "import again.",
                )
            )
    return errors


def _snapshot(page: MaterialPage) -> tuple:
    return (
        page.title,
        page.kind,
        page.audience,
        tuple(sorted(topic.slug for topic in page.topics.all())),
        page.estimated_minutes,
        page.summary,
        tuple((block.block_type, block.value) for block in page.body),
    )


def _apply(page: MaterialPage, source: MaterialSource, topics: list[Topic]) -> None:
    page.title = source.title
    page.kind = source.kind
    page.audience = source.audience
    page.estimated_minutes = source.minutes
    page.summary = source.summary
    page.body = [("markdown", source.body)]
    page.topics.set(topics)


def _create(library, source: MaterialSource, topics, *, publish: bool, user) -> None:
    page = MaterialPage(slug=source.slug, live=False, owner=user)
    _apply(page, source, topics)
    library.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)


def _update(page: MaterialPage, source: MaterialSource, topics, *, publish: bool, user) -> bool:
    """Bring the page in line with the file; True if a revision was saved or published.

    Starts from the latest revision, so fields the file does not cover (an SEO
    title set in the admin, say) carry over. A file that matches the latest
    revision saves nothing; under ``publish`` that revision is published if the
    live page lags behind it, rather than saving a copy of it.
    """
    latest = page.get_latest_revision_as_object()
    if _snapshot(latest) == source.snapshot():
        if not publish or (page.live and not page.has_unpublished_changes):
            return False
        revision = page.get_latest_revision()
        if revision is not None:
            revision.publish(user=user)
            return True
    _apply(latest, source, topics)
    revision = latest.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return True
