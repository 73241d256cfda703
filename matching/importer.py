"""Import a program's enrolments from a CSV file, for program admins.

Rules this module enforces:

* The first row names the columns, in any order and letter case: ``email``
  (required), ``first_name``, ``last_name``, ``role``, ``capacity``,
  ``topics_offered``, ``topics_sought``, ``department``, ``location``,
  ``time_zone``, ``seniority``, ``languages``, ``reports_to``, ``avoid``,
  ``goals``, ``attributes``, and ``q:<question label>`` for each of the program's
  own questions. A column the import does not know, a column given twice, or no
  ``email`` column stops the import before any row is read, even with
  ``skip_invalid``, since every row would be misread.
* The file is UTF-8 text, with or without a byte order mark. Any other encoding
  is refused, naming the row and column of the first character that cannot be
  read (or, for UTF-16, saying so).
* Values are quoted as spreadsheets write them. A quote never closed, or text after
  a closing quote, stops the import, naming its row and column: read leniently, an
  open quote would take every later row into one value.
* Lists in a cell are separated by ";": topics (by slug or name), languages,
  people to avoid, attributes (by label), and the choices of a multiple-choice or
  topic question.
* Every value meets the same rules as on the enrolment page: the same functions
  (``matching.forms``) check both.
* No cell holds a control character (NUL included): only ``goals`` and the
  answers to free-text questions may hold tabs and line breaks. Each column has a
  limit in characters, the enrolment page's where it has one (``CELL_LIMITS``).
  A cell that breaks either rule is reported with its row and column, and the
  rest of that column's checks are skipped for the row.
* A row names its person by email. Someone with no account gets one, with the
  row's first and last names and no usable password (they sign in after setting
  one, or through single sign-on); an existing account keeps its names. A
  deactivated account is an error.
* A row for someone already enrolled updates their enrolment, unless they are
  matched (an error for that row). A withdrawn enrolment is updated but stays
  withdrawn: only the person can enrol again. Its role cannot change while a
  journey of theirs runs (withdrawing does not end it), nor its capacity go below
  the places their running matches fill (``services.runs.places_filled``) and the
  requests waiting for their answer hold (``services.runs.open_requests``), nor its
  role leave a self-match request waiting on a side it no longer takes
  (``forms.requests_a_role_leaves``). The same email on two rows is an error on the
  later one.
* On an update, a column the file leaves out leaves that field as it was, and a
  blank cell clears it. A new enrolment takes the model's default for anything
  the file leaves out; its role defaults to mentee.
* ``reports_to`` and ``avoid`` name people who have an account, or whom the file
  itself adds; someone whose own row has problems cannot be named.
* Every row is checked before anything is written, and every problem is reported
  with its row (counted as a spreadsheet shows them: the header is row 1) and
  column. Any problem means nothing is written, unless ``skip_invalid``: then the
  valid rows are imported and the others reported.
* Everything is written in one transaction. ``dry_run`` checks and counts, and
  writes nothing.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import Truncator

from cms import invitations
from content.models import Topic
from content.text import as_id, control_character
from journeys.models import ProgramPage

from .exceptions import MatchingError
from .forms import (
    DEFAULT_CAPACITY,
    MAX_AVOID,
    MAX_LANGUAGES,
    MAX_NUMBER,
    MAX_TEXT_ANSWER,
    Answer,
    clean_answer,
    clean_capacity,
    clean_languages,
    clean_length,
    clean_role,
    clean_seniority,
    clean_text,
    clean_time_zone,
    find_people,
    lowers_below_given,
    parse_emails,
    requests_a_role_leaves,
    resolve_attributes,
    resolve_topics,
    split_list,
)
from .models import (
    GOALS_MAX_LENGTH,
    Enrollment,
    EnrollmentStatus,
    ProgramAttribute,
    ProgramQuestion,
    QuestionKind,
    RoleWanted,
)
from .services.profiles import fill_from_enrollments
from .services.runs import open_requests, places_filled, running_journeys

FIELD_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "role",
    "capacity",
    "topics_offered",
    "topics_sought",
    "department",
    "location",
    "time_zone",
    "seniority",
    "languages",
    "reports_to",
    "avoid",
    "goals",
    "attributes",
)
REQUIRED_COLUMNS = ("email",)
QUESTION_PREFIX = "q:"
CELL_SEPARATOR = re.compile(r";")
NAME_MAX_LENGTH = 150  # AbstractUser's first_name and last_name
EMAIL_MAX_LENGTH = 254
# The most characters a cell of each column may hold; other columns (lists of
# topics or attributes, answers that name choices) hold at most CELL_MAX_LENGTH.
CELL_LIMITS = {
    "email": EMAIL_MAX_LENGTH,
    "first_name": NAME_MAX_LENGTH,
    "last_name": NAME_MAX_LENGTH,
    "capacity": MAX_NUMBER,
    "seniority": MAX_NUMBER,
    "department": Enrollment._meta.get_field("department").max_length,
    "location": Enrollment._meta.get_field("location").max_length,
    "time_zone": Enrollment._meta.get_field("time_zone").max_length,
    "languages": MAX_LANGUAGES,
    "reports_to": EMAIL_MAX_LENGTH,
    "avoid": MAX_AVOID,
    "goals": GOALS_MAX_LENGTH,
}
CELL_MAX_LENGTH = 2000
MULTILINE_COLUMNS = frozenset({"goals"})


class EnrolmentImportError(MatchingError):
    """The file cannot be imported at all: unreadable, or its header is wrong."""


class EnrolmentImportAborted(EnrolmentImportError):
    """Rows have problems, so nothing was written. Holds every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        problems = len(self.errors)
        rows = len({error.row for error in self.errors})
        heading = (
            f"Nothing was imported: found {_count(problems, 'problem')} in "
            f"{_count(rows, 'row')}. Fix them and import again, or skip the rows with "
            "problems (--skip-invalid)."
        )
        return "\n".join([heading, *(str(error) for error in self.errors)])


@dataclass(frozen=True)
class RowError:
    """One problem in one row; ``column`` is None when it concerns the whole row."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do), by email, in file order."""

    program: ProgramPage
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    still_withdrawn: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    invited: int = 0

    @property
    def imported(self) -> int:
        return len(self.created) + len(self.updated)

    @property
    def skipped_rows(self) -> list[int]:
        return sorted({error.row for error in self.errors})

    def summary(self) -> str:
        """E.g. "Imported 58 enrolments (41 new, 17 updated); skipped 2 rows."."""
        counts = (
            f"{_count(self.imported, 'enrolment')} "
            f"({len(self.created)} new, {len(self.updated)} updated)"
        )
        skipped = len(self.skipped_rows)
        if self.dry_run:
            text = f"Dry run, nothing was written: would import {counts}"
            return text + (f"; would skip {_count(skipped, 'row')}." if skipped else ".")
        return f"Imported {counts}" + (f"; skipped {_count(skipped, 'row')}." if skipped else ".")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


# Finding the program --------------------------------------------------------------------


def find_program(identifier: str | int) -> ProgramPage:
    """The program page with this id, or else this slug."""
    text = str(identifier).strip()
    programs = ProgramPage.objects.order_by("path")
    program_id = as_id(text)
    if program_id is not None:
        program = programs.filter(pk=program_id).first()
        if program is not None:
            return program
    matches = list(programs.filter(slug=text))
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(str(program.pk) for program in matches)
        raise EnrolmentImportError(
            f"Several programs have the slug '{text}' (ids {ids}); give the id instead."
        )
    known = "; ".join(f"{p.pk} '{p.slug}' ({p.title})" for p in programs)
    raise EnrolmentImportError(
        f"No program page has the id or slug '{text}'. "
        + (f"Programs: {known}." if known else "There are no program pages yet.")
    )


# Reading the file -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """A column of the file: a field of the enrolment, or one of the program's questions."""

    name: str  # as errors name it: the field's name, or "q:" and the label as written
    field: str
    question: ProgramQuestion | None = None


UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UNREADABLE_BYTE = re.compile("[\udc80-\udcff]")  # how surrogateescape keeps a bad byte


def _read_text(file_obj: IO) -> str:
    data = file_obj.read()
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(UTF16_MARKS):
        raise EnrolmentImportError(
            "The file is UTF-16 text, not UTF-8. Save it as “CSV UTF-8” and import it again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EnrolmentImportError(_not_utf8(data, exc)) from exc


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """Say where the first byte that is not UTF-8 is, by row and column, as a person
    looking at the file in a spreadsheet would find it."""
    text = data.decode("utf-8-sig", errors="surrogateescape")
    try:
        rows = csv.reader(io.StringIO(text))
        header = next(rows, [])
        for number, cells in enumerate([header, *rows], 1):
            for index, cell in enumerate(cells):
                if UNREADABLE_BYTE.search(cell):
                    name = header[index].strip() if index < len(header) else ""
                    if not name or UNREADABLE_BYTE.search(name):
                        column = f"column {index + 1}"
                    else:
                        column = f"column '{name}'"
                    shown = Truncator(UNREADABLE_BYTE.sub("\ufffd", cell.strip())).chars(60)
                    return (
                        f"The file is not UTF-8 text: row {number}, {column} holds a character "
                        f"that cannot be read (“{shown}”). Save the file as “CSV UTF-8” and "
                        "import it again."
                    )
    except csv.Error:
        pass
    return (
        f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it as "
        "“CSV UTF-8” and import it again."
    )


def _read_rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise EnrolmentImportError(
            f"The file could not be read as CSV near line {reader.line_num}: {exc}."
        ) from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise EnrolmentImportError(
            "The file's first row must name the columns, such as "
            "“email,first_name,last_name,role”; it is empty."
        )
    _check_quotes(text, rows[0])
    return rows


OPEN_QUOTE = "open"
STRAY_QUOTE = "stray"


class _Lines:
    """The lines of a text for the CSV reader, noting whether it has read them all."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text))
        self.read_all = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.read_all = True
            raise


def _quote_problem(text: str) -> tuple[str, int, int] | None:
    """The first misplaced quote in ``text``: its kind, and the row and line it starts on.

    A quote never closed runs to the end of the text (``OPEN_QUOTE``); a closing
    quote followed by more than a comma or a line break is ``STRAY_QUOTE``.
    """
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)
    row, line = 1, 1
    try:
        for _cells in reader:
            row, line = row + 1, reader.line_num + 1
    except csv.Error:
        return (OPEN_QUOTE if lines.read_all else STRAY_QUOTE), row, line
    return None


def _stray_quote(text: str) -> bool:
    problem = _quote_problem(text)
    return problem is not None and problem[0] == STRAY_QUOTE


def _check_quotes(text: str, header: list[str]) -> None:
    """Refuse a misplaced quote, naming its row and column.

    Read leniently, a quote never closed would take every later row of the file
    into one value (a goal can hold line breaks), and text after a closing quote
    would be joined to the value without its quotes.
    """
    problem = _quote_problem(text)
    if problem is None:
        return
    kind, row, line = problem
    record = "".join(io.StringIO(text).readlines()[line - 1 :])
    if kind == OPEN_QUOTE:
        cells = next(csv.reader(io.StringIO(record)))
        message = (
            'the value opens a quote (") that is never closed, so every line after it would '
            "be read into that one value. Close the quote, or remove it."
        )
    else:
        # The first stretch of the row, up to a comma, that has the stray quote ends
        # with the value at fault. (A stretch cut inside a quoted value only opens it.)
        ends = [match.start() for match in re.finditer(",", record)] + [len(record)]
        end = next(end for end in ends if _stray_quote(record[:end]))
        cells = next(csv.reader(io.StringIO(record[:end])))
        message = (
            "the value's closing quote (\") is followed by more text. Put the whole value in "
            'quotes and double each quote inside it, e.g. "Say ""hello"" first".'
        )
    index = len(cells) - 1
    name = header[index].strip() if index < len(header) else ""
    column = f"column '{name}'" if name else f"column {index + 1}"
    raise EnrolmentImportError(f"Nothing was imported. Row {row}, {column}: {message}")


def _known_columns(questions: Sequence[ProgramQuestion]) -> list[str]:
    return [*FIELD_COLUMNS, *(f"{QUESTION_PREFIX}{q.label}" for q in questions)]


def _columns(
    header: list[str], rows: list[list[str]], questions: Sequence[ProgramQuestion]
) -> list[_Column | None]:
    """What each column of the header is; raise one error naming every header problem.

    A column with no name is ignored if it is empty all the way down (spreadsheets
    leave such columns behind); None stands for it.
    """
    if len(header) == 1 and ";" in header[0]:
        raise EnrolmentImportError(
            "The header row reads as one column, "
            f"'{header[0].strip()}'. Columns must be separated by commas; save the file as "
            "“CSV (comma delimited)” and import it again. Use “;” only between the items "
            "of a list inside a cell."
        )
    by_label: dict[str, list[ProgramQuestion]] = {}
    for question in questions:
        by_label.setdefault(question.label.strip().casefold(), []).append(question)
    known = _known_columns(questions)

    columns: list[_Column | None] = []
    problems: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header):
        name = raw.strip()
        folded = name.casefold()
        column: _Column | None = None
        if not name:
            filled = next(
                (
                    n
                    for n, row in enumerate(rows[1:], 2)
                    if index < len(row) and row[index].strip()
                ),
                None,
            )
            if filled is not None:
                problems.append(
                    f"Column {index + 1} has no name in the header row, but row {filled} has "
                    "a value in it. Name the column or delete it."
                )
        elif folded.startswith(QUESTION_PREFIX):
            label = name[len(QUESTION_PREFIX) :].strip()
            matches = by_label.get(label.casefold(), [])
            if len(matches) > 1:
                problems.append(
                    f"The program has {len(matches)} questions labelled '{label}', so the "
                    f"column '{name}' could mean any of them. Give them different labels in the "
                    "Wagtail admin first."
                )
            elif matches:
                column = _Column(f"{QUESTION_PREFIX}{label}", "question", matches[0])
            else:
                unknown.append(name)
        elif folded in FIELD_COLUMNS:
            column = _Column(folded, folded)
        else:
            unknown.append(name)
        if column is not None:
            identity = str(column.question.key) if column.question else column.field
            if identity in seen:
                problems.append(f"The column '{column.name}' appears twice in the header row.")
            seen.add(identity)
        columns.append(column)

    folded_known = {name.casefold(): name for name in known}
    for name in unknown:
        close = difflib.get_close_matches(name.casefold(), list(folded_known), n=1)
        hint = f" (did you mean '{folded_known[close[0]]}'?)" if close else ""
        problems.append(f"Unknown column '{name}'{hint}.")
    if unknown:
        problems.append("The known columns are: " + ", ".join(known) + ".")
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            problems.append(f"The file has no '{required}' column; every row needs one.")
    if problems:
        raise EnrolmentImportError("Nothing was imported. " + " ".join(problems))
    return columns


# Checking the rows ----------------------------------------------------------------------

_INVALID = object()


@dataclass
class _Row:
    """One row, checked: what to write, or the errors that stop it."""

    number: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    user: Any = None
    enrollment: Enrollment | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    topics_offered: list[Topic] | None = None
    topics_sought: list[Topic] | None = None
    reports_to: list[str] | None = None
    avoid: list[str] | None = None
    answers: dict[str, Answer | None] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def check(self, column: str | None, clean: Callable[..., Any], *args, **kwargs) -> Any:
        """``clean(*args)``, or ``_INVALID`` with its message noted against ``column``."""
        try:
            return clean(*args, **kwargs)
        except ValidationError as error:
            self.errors.append(RowError(self.number, column, " ".join(error.messages)))
            return _INVALID


@dataclass
class _Context:
    """What every row is checked against, loaded once."""

    program: ProgramPage
    questions: list[ProgramQuestion]
    attributes: list[ProgramAttribute]
    topics: list[Topic]
    users: dict[str, Any]
    enrollments: dict[str, Enrollment]
    columns: dict[str, _Column]
    # Running journeys of each enrolment above that has any: its role stays.
    running: dict[int, int]
    # Places the running matches of each mentor above fill, and the requests waiting
    # for their answer hold: together, the least capacity left.
    filled: dict[int, int]
    waiting: dict[int, int]


def _cell_rules(name: str, column: _Column) -> tuple[int, bool]:
    """How many characters a cell of ``column`` may hold, and whether it may break lines."""
    if column.question is not None:
        if column.question.kind == QuestionKind.TEXT:
            return MAX_TEXT_ANSWER, True
        return CELL_MAX_LENGTH, False
    return CELL_LIMITS.get(name, CELL_MAX_LENGTH), name in MULTILINE_COLUMNS


def _leaves_requests(number: int, email: str, enrollment, role: str, row: _Row) -> bool:
    """Refuse a role that would leave a self-match request waiting on a side it no
    longer takes (``forms.requests_a_role_leaves``); say so on the row."""
    to_them, by_them = requests_a_role_leaves(enrollment, role)
    if to_them:
        asking = " and ".join(sorted({f"'{r.mentee.user.email}'" for r in to_them}))
        requests = "request waits" if len(to_them) == 1 else "requests wait"
        row.errors.append(
            RowError(
                number,
                "role",
                f"'{email}' is asked to mentor {asking} and has not answered yet, so the "
                f"import cannot change their role to {role} while the {requests}.",
            )
        )
    for request in by_them:  # one at most: a mentee asks one mentor at a time
        row.errors.append(
            RowError(
                number,
                "role",
                f"'{email}' has asked '{request.mentor.user.email}' to mentor them and has "
                f"no answer yet, so the import cannot change their role to {role} while the "
                "request waits.",
            )
        )
    return bool(to_them or by_them)


def _read_row(number: int, cells: dict[str, str], context: _Context) -> _Row:
    row = _Row(number)
    columns = {}
    for name, column in context.columns.items():
        limit, multiline = _cell_rules(name, column)
        if row.check(column.name, clean_text, cells[name], limit, multiline=multiline) is _INVALID:
            continue  # said why; the column's own checks would only repeat it
        columns[name] = column
    if "email" not in columns:
        return row
    emails = row.check("email", parse_emails, cells["email"], single=True, yourself=False)
    if emails is _INVALID:
        return row
    if not emails:
        row.errors.append(RowError(number, "email", "The email address is empty."))
        return row
    row.email = email = emails[0]
    row.user = context.users.get(email)
    row.enrollment = enrollment = context.enrollments.get(email)
    if row.user is not None and not row.user.is_active:
        row.errors.append(
            RowError(
                number,
                "email",
                f"The account of '{email}' is no longer active; reactivate it or remove the row.",
            )
        )
    if enrollment is not None and enrollment.status == EnrollmentStatus.MATCHED:
        row.errors.append(
            RowError(
                number,
                "email",
                f"'{email}' has already been matched in this program, so the import cannot "
                "change their enrolment.",
            )
        )
    if row.user is None:
        for name in ("first_name", "last_name"):
            if name in columns:
                value = row.check(name, clean_length, cells[name], NAME_MAX_LENGTH)
                setattr(row, name, value if value is not _INVALID else "")

    refused = context.columns.keys() - columns.keys()
    if "role" in columns:
        role = row.check("role", clean_role, cells["role"])
    elif "role" in refused:
        role = _INVALID
    else:
        role = enrollment.role if enrollment else RoleWanted.MENTEE
    running = context.running.get(enrollment.pk, 0) if enrollment else 0
    if role is not _INVALID and running and role != enrollment.role:
        # Withdrawing leaves journeys running, and they were started for this role.
        journeys, goes = ("journey", "it goes") if running == 1 else ("journeys", "they go")
        row.errors.append(
            RowError(
                number,
                "role",
                f"'{email}' walks in {running} running {journeys}, so the import cannot "
                f"change their role while {goes} on.",
            )
        )
        role = _INVALID
    if role is not _INVALID and _leaves_requests(number, email, enrollment, role, row):
        role = _INVALID
    if role is not _INVALID and "capacity" not in refused:
        row.fields["role"] = role
        if "capacity" in columns:
            raw = cells["capacity"]
        else:
            raw = enrollment.capacity if enrollment else DEFAULT_CAPACITY
        row.fields["capacity"] = capacity = row.check("capacity", clean_capacity, role, raw)
        filled = context.filled.get(enrollment.pk, 0) if enrollment else 0
        waiting = context.waiting.get(enrollment.pk, 0) if enrollment else 0
        if lowers_below_given(enrollment, role, capacity, filled + waiting):
            journeys = "journey" if filled == 1 else "journeys (a whole circle counts as one)"
            requests = "request" if waiting == 1 else "requests"
            given = [
                *([f"already leads {filled} running {journeys}"] if filled else []),
                *([f"has {waiting} {requests} waiting for their answer"] if waiting else []),
            ]
            row.errors.append(
                RowError(
                    number,
                    "capacity",
                    f"'{email}' {' and '.join(given)}, so the import cannot set their "
                    f"capacity below {filled + waiting}.",
                )
            )

    for name in ("department", "location"):
        if name in columns:
            max_length = Enrollment._meta.get_field(name).max_length
            row.fields[name] = row.check(name, clean_length, cells[name], max_length)
    if "goals" in columns:
        row.fields["goals"] = cells["goals"].strip()
    if "time_zone" in columns:
        row.fields["time_zone"] = row.check("time_zone", clean_time_zone, cells["time_zone"])
    if "seniority" in columns:
        row.fields["seniority"] = row.check("seniority", clean_seniority, cells["seniority"])
    if "languages" in columns:
        row.fields["languages"] = row.check("languages", clean_languages, cells["languages"])
    if "attributes" in columns:
        row.fields["attributes"] = row.check(
            "attributes",
            resolve_attributes,
            split_list(cells["attributes"], CELL_SEPARATOR),
            context.attributes,
        )
    for name in ("topics_offered", "topics_sought"):
        if name in columns:
            topics = row.check(
                name, resolve_topics, split_list(cells[name], CELL_SEPARATOR), context.topics
            )
            setattr(row, name, topics if topics is not _INVALID else None)
    for name in ("reports_to", "avoid"):
        if name in columns:
            people = row.check(
                name,
                parse_emails,
                cells[name],
                own_email=email,
                single=name == "reports_to",
                yourself=False,
            )
            setattr(row, name, people if people is not _INVALID else None)

    answered = set(enrollment.answers or {}) if enrollment else set()
    for question in context.questions:
        key = str(question.key)
        column = columns.get(key)
        if key in refused:
            continue
        if column is not None:
            answer = row.check(
                column.name, clean_answer, question, cells[key], topics=context.topics
            )
            row.answers[key] = answer
        elif question.required and key not in answered:
            row.errors.append(
                RowError(
                    number,
                    None,
                    f"The question '{question.label}' needs an answer, but the file has no "
                    f"'{QUESTION_PREFIX}{question.label}' column.",
                )
            )
    return row


def _check_references(rows: list[_Row], users: dict[str, Any], first_row: dict[str, int]):
    """Refuse ``reports_to`` and ``avoid`` emails nobody has and the file does not add.

    Repeats until nothing changes, since a row refused here can no longer add its
    person for the rows that name them.
    """
    changed = True
    while changed:
        changed = False
        adding = {row.email for row in rows if row.valid and row.user is None}
        for row in rows:
            if not row.valid:
                continue
            for column, emails in (("reports_to", row.reports_to), ("avoid", row.avoid)):
                if not emails:
                    continue
                waiting = [e for e in emails if e not in users and e in first_row]
                broken = [e for e in waiting if e not in adding]
                if broken:
                    email = broken[0]
                    row.errors.append(
                        RowError(
                            row.number,
                            column,
                            f"'{email}' has no account yet, and row {first_row[email]}, which "
                            "would add them, has problems.",
                        )
                    )
                else:
                    row.check(column, find_people, emails, also_known=adding, users=users)
                if not row.valid:
                    changed = True
                    break


# Importing ------------------------------------------------------------------------------


def import_enrolments(
    program: ProgramPage,
    file_obj: IO,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    invite: bool = True,
    invited_by=None,
) -> ImportResult:
    """Check every row of the CSV ``file_obj`` (text or bytes), then write them in one go.

    Each account the import creates is sent an invitation to sign in (from the
    outbox, in the same transaction) unless ``invite`` is False; ``invited_by``
    is the person the invitation names as inviting them.

    Raises ``EnrolmentImportError`` for a file that cannot be read or a wrong
    header, and ``EnrolmentImportAborted`` listing every row's problems when any
    row has one and ``skip_invalid`` is not set; either way nothing is written.
    """
    rows = _read_rows(_read_text(file_obj))
    with transaction.atomic():
        questions = list(program.questions.all())
        columns = _columns(rows[0], rows, questions)
        by_name: dict[str, _Column] = {}
        positions: dict[str, int] = {}
        for index, column in enumerate(columns):
            if column is not None:
                name = str(column.question.key) if column.question else column.field
                by_name[name] = column
                positions[name] = index
        records: list[tuple[int, dict[str, str]]] = []
        too_long: list[RowError] = []
        for number, cells in enumerate(rows[1:], 2):
            if not any(cell.strip() for cell in cells):
                continue
            extra = [cell for cell in cells[len(columns) :] if cell.strip()]
            if extra:
                too_long.append(
                    RowError(
                        number,
                        None,
                        f"The row has {len(cells)} values but the header names "
                        f"{len(columns)} columns; put quotes around values that hold commas.",
                    )
                )
            padded = cells + [""] * (len(columns) - len(cells))
            records.append((number, {name: padded[i] for name, i in positions.items()}))
        if not records:
            raise EnrolmentImportError(
                "The file has a header row but no enrolments under it; nothing was imported."
            )

        emails = set()
        for _number, cells in records:
            for name in ("email", "reports_to", "avoid"):
                emails.update(e.strip().lower() for e in split_list(cells.get(name)))
        # An address holding a control character is refused with its row; looking it
        # up would only fail (PostgreSQL takes no NUL in a query).
        emails = {email for email in emails if control_character(email) is None}
        users = {user.email: user for user in get_user_model().objects.filter(email__in=emails)}
        enrollments = {
            enrollment.user.email: enrollment
            for enrollment in Enrollment.objects.select_for_update(of=("self",))
            .filter(program=program, user__email__in=emails)
            .select_related("user")
        }
        context = _Context(
            program=program,
            questions=questions,
            attributes=list(program.opt_in_attributes.all()),
            topics=list(Topic.objects.all()),
            users=users,
            enrollments=enrollments,
            columns=by_name,
            running=running_journeys(e.pk for e in enrollments.values()),
            filled=places_filled(mentors=[e.pk for e in enrollments.values()]),
            waiting=open_requests(mentors=[e.pk for e in enrollments.values()]),
        )

        checked: list[_Row] = []
        first_row: dict[str, int] = {}
        for number, cells in records:
            row = _read_row(number, cells, context)
            row.errors.extend(error for error in too_long if error.row == number)
            if row.email in first_row:
                row.errors.insert(
                    0,
                    RowError(
                        number,
                        "email",
                        f"'{row.email}' is also on row {first_row[row.email]}; give each "
                        "person one row.",
                    ),
                )
            elif row.email:
                first_row[row.email] = number
            checked.append(row)
        _check_references(checked, users, first_row)

        errors = [error for row in checked for error in row.errors]
        if errors and not skip_invalid:
            raise EnrolmentImportAborted(errors)
        result = ImportResult(program=program, dry_run=dry_run, errors=errors)
        valid = [row for row in checked if row.valid]
        if dry_run:
            for row in valid:
                _count_row(result, row, row.enrollment)
            return result
        created = _write(program, valid, users, result)
        if invite:
            result.invited = len(
                invitations.invite(created, invited_by=invited_by, program=program)
            )
    return result


def _count_row(result: ImportResult, row: _Row, enrollment: Enrollment | None) -> None:
    if row.user is None:
        result.accounts_created.append(row.email)
    if row.enrollment is None:
        result.created.append(row.email)
    else:
        result.updated.append(row.email)
        if enrollment is not None and enrollment.status == EnrollmentStatus.WITHDRAWN:
            result.still_withdrawn.append(row.email)


def _write(
    program: ProgramPage, rows: list[_Row], users: dict[str, Any], result: ImportResult
) -> None:
    """Create the missing accounts, then create or update each row's enrolment.

    Returns the accounts created.
    """
    accounts = dict(users)
    created = []
    saved = []
    User = get_user_model()
    for row in rows:
        if row.user is None:
            accounts[row.email] = User.objects.create_user(
                email=row.email, first_name=row.first_name, last_name=row.last_name
            )
            created.append(accounts[row.email])
    for row in rows:
        enrollment = row.enrollment or Enrollment(program=program, user=accounts[row.email])
        for name, value in row.fields.items():
            setattr(enrollment, name, value)
        if row.reports_to is not None:
            enrollment.reports_to = accounts[row.reports_to[0]] if row.reports_to else None
        answers = dict(enrollment.answers or {})
        for key, answer in row.answers.items():
            if answer is None:
                answers.pop(key, None)
            else:
                answers[key] = answer
        enrollment.answers = answers
        enrollment.save()
        if row.topics_offered is not None:
            enrollment.topics_offered.set(row.topics_offered)
        if row.topics_sought is not None:
            enrollment.topics_sought.set(row.topics_sought)
        if row.avoid is not None:
            enrollment.avoid.set([accounts[email] for email in row.avoid])
        _count_row(result, row, enrollment)
        saved.append(enrollment)
    fill_from_enrollments(saved)
    return created
