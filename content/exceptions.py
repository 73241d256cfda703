"""Errors the content services raise when asked to do something they must refuse.

They carry enough detail for the caller (a management command, an admin view)
to tell a person exactly what to fix, without the caller re-deriving it.
"""

from django.core.exceptions import PermissionDenied


class ContentError(Exception):
    """Base of the library's domain errors, so callers can catch them together."""


class LibraryNotFoundError(ContentError):
    """There is no library page to import into, or none with the slug asked for."""


class ImportFolderError(ContentError):
    """The folder to import from is missing, not a folder, or holds no markdown files."""


class ImportFileError(ContentError):
    """One problem in one imported file, located by path and line.

    ``line`` is 1-based, counted from the top of the file (front matter
    included), so an author can jump straight to it in an editor.
    """

    def __init__(self, path: str, line: int, problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}: {self.problem}"


class ImportAbortedError(ContentError):
    """An import found problems and wrote nothing.

    Holds every problem found, not only the first, so an author can fix a
    whole folder in one pass instead of one error per run.
    """

    def __init__(self, errors: list[ImportFileError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        files = len({error.path for error in self.errors})
        problems = len(self.errors)
        heading = (
            f"Nothing was imported: found {problems} "
            f"{'problem' if problems == 1 else 'problems'} in {files} "
            f"{'file' if files == 1 else 'files'}."
        )
        return "\n".join([heading, *(str(error) for error in self.errors)])


class AccountChangeRefusedError(ContentError, PermissionDenied):
    """Publishing would move a leader profile to another account (or unlink it), and an app
    above refuses that to whoever publishes (``leader_accounts``).

    Holds each refusal, a sentence for the person; a view that does not catch it answers
    "permission denied", as for any other refusal.
    """

    def __init__(self, refusals: list[str]):
        self.refusals = list(refusals)
        super().__init__(str(self))

    def __str__(self) -> str:
        return " ".join(str(refusal) for refusal in self.refusals)
