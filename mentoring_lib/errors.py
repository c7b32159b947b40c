"""The workbook's exceptions and the exit codes they map to (see README, "Exit codes").

Every error a user can cause is a ``WorkbookError`` whose message says what is wrong
and what to do. Messages name files, rows (as the user sees them in Excel), columns and the
kind of problem, never a cell's value: any cell may hold a name, a note or a pasted e-mail
address, and messages reach the console, logs and cron mails (:func:`per_answer`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_INPUT = 2
EXIT_NOTEBOOK = 3
EXIT_PRIVACY = 4
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), the shell's convention
EXIT_TERMINATED = 143  # SIGTERM (128 + 15): a scheduler's timeout, `kill`, a shutdown


class WorkbookError(Exception):
    """Base class: an error with a message meant for the coordinator and an exit code."""

    exit_code = EXIT_UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  What to do: {self.hint}"


class ConfigError(WorkbookError):
    """The term config is missing, malformed or inconsistent."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, file: Path | str | None = None, key: str | None = None,
                 hint: str | None = None):
        self.file = str(file) if file is not None else None
        self.key = key
        self.problem = message
        where = []
        if self.file:
            where.append(f"config {self.file}")
        if key:
            where.append(f"key '{key}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class ConfigErrors(ConfigError):
    """Several config problems found in one pass, each with its key and hint (listed together, so
    one edit of the file fixes them all). ``key`` and ``hint`` are the first problem's."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        first = self.errors[0]
        self.file, self.key = first.file, first.key
        where = f"config {self.file}: " if self.file else ""
        lines = [f"{where}{len(self.errors)} problems:"]
        for e in self.errors:
            lines.append(f"  - key '{e.key}': {e.problem}" if e.key else f"  - {e.problem}")
            if e.hint:
                lines.append(f"    What to do: {e.hint}")
        WorkbookError.__init__(self, "\n".join(lines))
        self.problem = self.message


def raise_config_errors(errors: Sequence[ConfigError]) -> None:
    """Raise the one error, or :class:`ConfigErrors` for several; nothing when there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(list(errors))


class UsageError(WorkbookError):
    """The command line asks for something that does not exist (e.g. an unknown stage name)."""

    exit_code = EXIT_INPUT


class InputError(WorkbookError):
    """An input export cannot be read or breaks a rule.

    ``row`` is the row number as shown in Excel (header = row 1 for a one-header file);
    ``column`` is the column header as written in the export.
    """

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, file: Path | str | None = None, row: int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class InputErrors(InputError):
    """Several input problems found in one pass (reported together, so one fix-and-rerun suffices)."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        lines = [f"{len(self.errors)} problems in the input files:"]
        lines += [f"  - {e.render()}" for e in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  ... and {len(self.errors) - 50} more")
        WorkbookError.__init__(self, "\n".join(lines))
        self.file = self.errors[0].file if self.errors else None
        self.row = self.column = None


def per_answer(row_groups: Iterable[Sequence[int]], problem: str, *, file: Path | str | None,
               column: str | None, hint: str | None = None, listed: int = 5) -> list[InputError]:
    """One error per distinct bad answer in a column, without the answer itself.

    ``row_groups``: for each distinct bad answer, the Excel rows holding it. Each error is placed at
    the answer's first row and names up to ``listed`` other rows with the same answer, so the
    coordinator can open the export there and fix every row that shares it. Sorted by row."""
    errors = []
    for rows in row_groups:
        rows = sorted(int(r) for r in rows)
        if not rows:
            continue
        also = f" (the same answer in {rows_text(rows[1:], listed)})" if rows[1:] else ""
        errors.append(InputError(problem + also, file=file, row=rows[0], column=column, hint=hint))
    return sorted(errors, key=lambda e: e.row or 0)


def row_ranges(rows: Iterable[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9' (Excel row numbers, for notes)."""
    rows = sorted(rows)
    out: list[str] = []
    start: int | None = None
    prev = 0
    for r in rows:
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(f"{start}-{prev}" if prev != start else f"{start}")
            start = prev = r
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else f"{start}")
    text = ", ".join(out[:15])
    return text + (f" and {len(out) - 15} more" if len(out) > 15 else "")


def rows_text(rows: Sequence[int], listed: int = 5) -> str:
    """``row 4`` / ``rows 4, 9, 30`` / ``rows 4, 9, 30, 31, 40 and 2 more`` (rows as Excel shows them)."""
    more = f" and {len(rows) - listed} more" if len(rows) > listed else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:listed]))}{more}"


def raise_all(errors: Sequence[InputError]) -> None:
    """Raise the one error, or :class:`InputErrors` for several; nothing when there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(list(errors))


class NotebookFailed(WorkbookError):
    """A stage notebook raised; its executed copy with the error is kept in the private area."""

    exit_code = EXIT_NOTEBOOK


class PrivacyGateError(WorkbookError):
    """The personal-data gate found personal data in a public output; nothing was published."""

    exit_code = EXIT_PRIVACY


class LockHeld(WorkbookError):
    """Another run of the same term holds the lock."""

    exit_code = EXIT_LOCKED


class Terminated(BaseException):
    """The run was asked to stop (SIGTERM). A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` swallows it on its way out."""

    exit_code = EXIT_TERMINATED
