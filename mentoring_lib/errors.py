"""The workbook's exceptions and the exit codes they map to (see README, "Exit codes").

Every error a user can cause is a ``WorkbookError`` whose message says what is wrong
and what to do. Messages name files, rows (as the user sees them in Excel), columns and the
kind of problem, never a cell's value: any cell may hold a name, a note or a pasted e-mail
address, and messages reach the console, logs and cron mails (:func:`per_answer`).

Errors cross the boundary between a stage's Jupyter kernel and the runner as a structured payload
(:meth:`WorkbookError.to_payload`, :func:`from_payload`): a schema version, a stable ``kind`` code
(never the Python class name, so renaming or subclassing a class changes nothing), the exit code
and the fields the error has (file, Excel row, column, config key, what to do, stage). The runner
rebuilds the error through the explicit registry :data:`ERROR_KINDS` (no lookup of a class by name).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_INPUT = 2
EXIT_NOTEBOOK = 3
EXIT_PRIVACY = 4
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), the shell's convention
EXIT_TERMINATED = 143  # SIGTERM (128 + 15): a scheduler's timeout, `kill`, a shutdown

#: Version of the payload layout; :func:`from_payload` refuses any other.
PAYLOAD_SCHEMA_VERSION = 1
#: MIME type of the display output that carries a payload out of a stage's kernel (see
#: :func:`mentoring_lib.pipeline.drivers.load_ipython_extension`).
ERROR_MIME_TYPE = "application/vnd.mentoring.error+json"
#: The fields a payload may hold besides schema_version, kind, exit_code and message, with their types.
PAYLOAD_FIELDS: dict[str, type] = {"problem": str, "hint": str, "stage": str, "file": str, "key": str,
                                   "excel_row": int, "column": str, "errors": list}
_TYPE_WORDS = {str: "text", int: "a whole number", list: "a list"}


class PayloadError(ValueError):
    """A payload that is not one this version wrote. Its message names the field, never a value."""


class WorkbookError(Exception):
    """Base class: an error with a message meant for the coordinator and an exit code."""

    exit_code = EXIT_UNEXPECTED
    #: Stable code of the kind of error in payloads and run records (see :data:`ERROR_KINDS`).
    kind = "workbook"
    #: The stage that raised it, when it came out of a stage notebook (set by the runner).
    stage: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"stage '{self.stage}': {self.message}" if self.stage else self.message
        return text if not self.hint else f"{text}\n  What to do: {self.hint}"

    def fields(self) -> dict[str, Any]:
        """What the constructor needs to make this error again (see :meth:`from_fields`)."""
        return {"problem": self.message, "hint": self.hint}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "WorkbookError":
        return cls(_required(fields, "problem"), hint=fields.get("hint"))

    def to_payload(self) -> dict[str, Any]:
        """The error as plain JSON data: schema version, ``kind``, exit code, message and fields
        (only those it has)."""
        payload = {"schema_version": PAYLOAD_SCHEMA_VERSION, "kind": self.kind, "exit_code": self.exit_code,
                   "message": self.render(), "stage": self.stage, **self.fields()}
        return {k: v for k, v in payload.items() if v is not None}


class ConfigError(WorkbookError):
    """The term config is missing, malformed or inconsistent."""

    exit_code = EXIT_INPUT
    kind = "config"

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

    def fields(self) -> dict[str, Any]:
        return {"problem": self.problem, "file": self.file, "key": self.key, "hint": self.hint}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "ConfigError":
        return cls(_required(fields, "problem"), file=fields.get("file"), key=fields.get("key"),
                   hint=fields.get("hint"))


class ConfigErrors(ConfigError):
    """Several config problems found in one pass, each with its key and hint (listed together, so
    one edit of the file fixes them all). ``key`` and ``hint`` are the first problem's."""

    kind = "config-several"

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

    def fields(self) -> dict[str, Any]:
        return {"errors": [e.to_payload() for e in self.errors]}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "ConfigErrors":
        return cls(_nested(fields, ConfigError))


def raise_config_errors(errors: Sequence[ConfigError]) -> None:
    """Raise the one error, or :class:`ConfigErrors` for several; nothing when there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(list(errors))


class UsageError(WorkbookError):
    """The command line asks for something that does not exist (e.g. an unknown stage name)."""

    exit_code = EXIT_INPUT
    kind = "usage"


class InputError(WorkbookError):
    """An input export cannot be read or breaks a rule.

    ``row`` is the row number as shown in Excel (header = row 1 for a one-header file);
    ``column`` is the column header as written in the export.
    """

    exit_code = EXIT_INPUT
    kind = "input"

    def __init__(self, message: str, *, file: Path | str | None = None, row: int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.problem = message
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

    def fields(self) -> dict[str, Any]:
        return {"problem": self.problem, "file": self.file, "excel_row": self.row, "column": self.column,
                "hint": self.hint}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "InputError":
        return cls(_required(fields, "problem"), file=fields.get("file"), row=fields.get("excel_row"),
                   column=fields.get("column"), hint=fields.get("hint"))


class InputErrors(InputError):
    """Several input problems found in one pass (reported together, so one fix-and-rerun suffices)."""

    kind = "input-several"

    def __init__(self, errors: list[InputError], *, hint: str | None = None):
        self.errors = list(errors)
        lines = [f"{len(self.errors)} problems in the input files:"]
        lines += [f"  - {e.render()}" for e in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  ... and {len(self.errors) - 50} more")
        # ``hint``: what to do about all of them at once (said after the list)
        WorkbookError.__init__(self, "\n".join(lines), hint=hint)
        self.file = self.errors[0].file if self.errors else None
        self.row = self.column = None
        self.problem = self.message

    def render(self) -> str:
        text = f"stage '{self.stage}': {self.message}" if self.stage else self.message
        return text if not self.hint else f"{text}\nWhat to do about all of them: {self.hint}"

    def fields(self) -> dict[str, Any]:
        return {"errors": [e.to_payload() for e in self.errors], "hint": self.hint}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "InputErrors":
        return cls(_nested(fields, InputError), hint=fields.get("hint"))


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


def raise_all(errors: Sequence[InputError], *, hint: str | None = None) -> None:
    """Raise the one error, or :class:`InputErrors` for several; nothing when there are none.
    ``hint``: what to do about all of them, after the list (after its own hint for one error)."""
    if len(errors) == 1:
        if hint:
            errors[0].hint = f"{errors[0].hint}; {hint}" if errors[0].hint else hint
        raise errors[0]
    if errors:
        raise InputErrors(list(errors), hint=hint)


class NotebookFailed(WorkbookError):
    """A stage notebook raised; its executed copy with the error is kept in the private area."""

    exit_code = EXIT_NOTEBOOK
    kind = "notebook-failed"


class PrivacyGateError(WorkbookError):
    """The personal-data gate found personal data in a public output; nothing was published."""

    exit_code = EXIT_PRIVACY
    kind = "privacy-gate"


class LockHeld(WorkbookError):
    """Another run of the same term holds the lock."""

    exit_code = EXIT_LOCKED
    kind = "lock-held"


class Terminated(BaseException):
    """The run was asked to stop (SIGTERM). A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` swallows it on its way out."""

    exit_code = EXIT_TERMINATED
    kind = "terminated"
    stage: str | None = None
    message = "stopped by SIGTERM"

    def render(self) -> str:
        return self.message

    def to_payload(self) -> dict[str, Any]:
        return {"schema_version": PAYLOAD_SCHEMA_VERSION, "kind": self.kind, "exit_code": self.exit_code,
                "message": self.message}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "Terminated":
        return cls()


#: Every kind of error a payload can name, and the class that makes it again. Explicit on purpose:
#: a payload names a kind, never a class, and only these classes can come back. A subclass defined
#: elsewhere (e.g. the disclosure audit's error) keeps its parent's kind and comes back as the parent,
#: with the same exit code and message.
ERROR_KINDS: dict[str, type[WorkbookError] | type[Terminated]] = {
    cls.kind: cls for cls in (WorkbookError, ConfigError, ConfigErrors, UsageError, InputError, InputErrors,
                              NotebookFailed, PrivacyGateError, LockHeld, Terminated)}


def from_payload(payload: object) -> WorkbookError | Terminated:
    """The error :meth:`WorkbookError.to_payload` describes, of the class its ``kind`` names.

    Raises :class:`PayloadError` for anything else: not a JSON object, another schema version, an
    unknown kind, an exit code that is not the kind's, a field of the wrong type."""
    if not isinstance(payload, dict):
        raise PayloadError("the error payload is not a JSON object")
    if payload.get("schema_version") != PAYLOAD_SCHEMA_VERSION:
        raise PayloadError(f"the error payload is not of schema version {PAYLOAD_SCHEMA_VERSION}")
    kind = payload.get("kind")
    cls = ERROR_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise PayloadError("the error payload names no known kind of error")
    if payload.get("exit_code") != cls.exit_code or isinstance(payload.get("exit_code"), bool):
        raise PayloadError(f"the error payload's exit code is not the one of kind '{cls.kind}'")
    for name, typ in PAYLOAD_FIELDS.items():
        value = payload.get(name)
        if value is not None and (not isinstance(value, typ) or isinstance(value, bool)):
            raise PayloadError(f"the error payload's field '{name}' is not {_TYPE_WORDS[typ]}")
    if payload.get("excel_row") is not None and payload["excel_row"] < 1:
        raise PayloadError("the error payload's field 'excel_row' is not a row number")
    error = cls.from_fields(payload)
    if isinstance(error, WorkbookError):
        error.stage = payload.get("stage")
    return error


def _required(fields: dict[str, Any], name: str) -> Any:
    if fields.get(name) is None:
        raise PayloadError(f"the error payload has no field '{name}'")
    return fields[name]


def _nested(fields: dict[str, Any], expected: type) -> list:
    """The errors listed in a payload for several problems, each rebuilt and of class ``expected``."""
    errors = [from_payload(p) for p in _required(fields, "errors")]
    if not errors or not all(isinstance(e, expected) for e in errors):
        raise PayloadError(f"the error payload's field 'errors' does not list {expected.__name__}s")
    return errors
