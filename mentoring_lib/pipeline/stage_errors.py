"""How a stage's failure reaches the runner: a workbook error rebuilt from the payload its kernel left
in the failing cell (``application/vnd.mentoring.error+json``, shown by the kernel extension in
:mod:`mentoring_lib.pipeline.drivers`), any other exception as a failed notebook (exit 3), an
unreadable payload as a bug (exit 1); and the run records' form of failures that are no workbook error.

Privacy domain: private. Messages are composed from the error's fields, never from an exception's
text (it may carry personal values); the executed notebook is kept in the private ``failed/`` folder.
"""
from __future__ import annotations

import json
from pathlib import Path

from mentoring_lib import errors
from mentoring_lib.errors import EXIT_NOTEBOOK, EXIT_UNEXPECTED, NotebookFailed, WorkbookError


class StageFailed(NotebookFailed):
    """A stage notebook failed other than with a workbook error (a bug, a dead kernel, a timeout);
    carries the exit code the failure maps to. Raised by the runner only: it never crosses the
    kernel boundary, so its kind is in no payload registry."""

    kind = "stage-failed"

    def __init__(self, stage: str, message: str, *, exit_code: int = EXIT_NOTEBOOK, hint: str | None = None):
        self.stage = stage  # rendered first: "stage 'groups': failed in cell 4: ..."
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


def error_payload(executed: Path) -> object | None:
    """The payload a workbook error left in the failing cell of an executed notebook (the display
    output of type :data:`~mentoring_lib.errors.ERROR_MIME_TYPE` the kernel extension shows, see
    :func:`mentoring_lib.pipeline.drivers.show_error_payload`), or None when that cell has none."""
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs") or []
        if any(o.get("output_type") == "error" for o in outputs):  # execution stops at the first
            shown = [o["data"][errors.ERROR_MIME_TYPE] for o in outputs
                     if o.get("output_type") == "display_data" and errors.ERROR_MIME_TYPE in (o.get("data") or {})]
            return shown[-1] if shown else None
    return None


def stage_error(stage: str, executed: Path, kept: Path, *, cell: object, exception: str) -> WorkbookError:
    """The error to raise for a stage notebook that stopped with an exception.

    A workbook error comes back from its payload, as the class its ``kind`` names, with its exit code
    and fields, and the stage: the message is composed from those fields (never from the exception's
    name or text). Any other exception is the notebook failing (exit 3; ``exception``, its class
    name, is shown, its text is not: it may carry personal values). A payload that is there but cannot
    be read is a bug in the workbook (exit 1). Both point at the kept notebook."""
    where = f"failed in cell {cell}"
    look = f"open the executed notebook kept at {kept}"
    try:
        payload = error_payload(executed)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        payload = None
    if payload is None:
        return StageFailed(stage, f"{where}: {exception}, not one of the workbook's errors (the traceback is in "
                           f"the kept notebook)", hint=look)
    try:
        error = errors.from_payload(payload)
    except errors.PayloadError as why:
        return StageFailed(stage, f"{where}: {why} (a bug in the workbook)", exit_code=EXIT_UNEXPECTED, hint=look)
    if not isinstance(error, WorkbookError):  # Terminated: SIGTERM stops the runner; a kernel cannot ask for it
        return StageFailed(stage, f"{where}: the error payload is not a workbook error's (a bug in the workbook)",
                           exit_code=EXIT_UNEXPECTED, hint=look)
    error.stage = stage
    return error


def failure_record(kind: str, exit_code: int, message: str) -> dict:
    """The run records' structured form of a failure that is no workbook error (Ctrl-C, a bug in the
    runner): the same layout as an error's payload (see :meth:`mentoring_lib.errors.WorkbookError.to_payload`)."""
    return {"schema_version": errors.PAYLOAD_SCHEMA_VERSION, "kind": kind, "exit_code": exit_code, "message": message}
