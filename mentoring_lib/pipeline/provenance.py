"""Provenance of a run: input hashes, config digest, code version, timings.

A run leaves two records. ``reports/<term>/run.json`` is public provenance: run id, status and
exit code, timings, input file names with their sha256 and size, the config's file name and
digest, the code version -- no counts of people (a small count of exclusions can identify
someone), no absolute paths, no error details. :data:`DETAILS` (``run-details.json``) is private:
rows read, kept and excluded per input, the absolute paths of the config, data and reports, and
the full error message. It is written to the run's ``private/`` (a published run) or to
``failed/`` (a failed or stopped one), so ``mentoring purge`` deletes it with the private area.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

from mentoring_lib import __version__
from mentoring_lib.config import TermConfig
from mentoring_lib.errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
#: The private part of a run record (see the module docstring).
DETAILS = "run-details.json"
#: What ``run.json`` may say about an input, named by its config id; the rest (file names, which are
#: the coordinator's and may hold a person's name, counts, paths) goes to :data:`DETAILS`.
PUBLIC_INPUT_KEYS = ("kind", "tool", "sha256", "bytes", "missing")
#: What ``run.json`` holds; anything else in an older record (counts, paths) is dropped by
#: :func:`public_record`.
PUBLIC_KEYS = ("run_id", "term", "status", "exit_code", "error", "error_kind", "error_stage", "details", "started", "finished",
               "duration_s", "config", "code", "fingerprint", "stages", "inputs", "source_date_epoch",
               "partial", "disclosure_audit_seconds")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def input_fingerprints(config: TermConfig) -> dict[str, dict]:
    """sha256 and size of every configured input that exists (missing ones are marked)."""
    out = {}
    for item in config.inputs:
        path = config.input_path(item)
        if path.is_file():
            try:
                digest = sha256_file(path)
            except OSError as e:  # e.g. a cron user without read permission on the coordinator's export
                raise InputError(f"cannot be read ({e.strerror or type(e).__name__})", file=path,
                                 hint="make the file readable by the user that runs the workbook") from None
            out[item.id] = {"file": path.name, "kind": item.kind, "tool": item.tool,
                            "sha256": digest, "bytes": path.stat().st_size}
        else:
            out[item.id] = {"file": path.name, "kind": item.kind, "missing": True}
    return out


def code_version() -> dict:
    """Package version and, in a git checkout, the commit and whether the tree has local changes."""
    info: dict = {"package": __version__}
    if (PACKAGE_ROOT / ".git").exists():
        try:
            commit = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "rev-parse", "HEAD"],
                                    capture_output=True, text=True, timeout=5).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "status", "--porcelain",
                                    "--", "mentoring_lib", "notebooks"],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            if commit:
                info["git_commit"] = commit
                info["git_dirty"] = bool(dirty)
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def code_digest() -> str:
    """sha256 over the library and notebooks, so a run knows when the code changed."""
    h = hashlib.sha256()
    for folder in ("mentoring_lib", "notebooks"):
        base = PACKAGE_ROOT / folder
        for p in sorted(base.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" \
                    and ".ipynb_checkpoints" not in p.parts:
                h.update(str(p.relative_to(PACKAGE_ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def source_date_epoch(config: TermConfig) -> int:
    """The date written into outputs: SOURCE_DATE_EPOCH if set, else noon UTC on the term's last day.

    Outputs never carry the wall-clock time, so two runs on the same inputs are byte-identical.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.strip().isdigit():
        return int(env)
    end = dt.datetime.combine(config.term.end, dt.time(12), tzinfo=dt.timezone.utc)
    return int(end.timestamp())


def quality_rows(quality_dir: Path) -> dict[str, dict]:
    """Rows read / kept / excluded per input, gathered from the stages' quality records."""
    rows: dict[str, dict] = {}
    if quality_dir.is_dir():
        for f in sorted(quality_dir.glob("*.json")):
            for source, rec in json.loads(f.read_text(encoding="utf-8")).items():
                rows[source] = {k: rec.get(k) for k in ("rows_read", "kept", "excluded")}
    return rows


def public_record(record: dict) -> dict:
    """The shareable part of a run record: the keys of :data:`PUBLIC_KEYS`, inputs by their config id
    without file names or counts, the config by its digest only."""
    out = {k: v for k, v in record.items() if k in PUBLIC_KEYS}
    if isinstance(out.get("inputs"), dict):
        out["inputs"] = {i: {k: v for k, v in rec.items() if k in PUBLIC_INPUT_KEYS} if isinstance(rec, dict) else rec
                         for i, rec in out["inputs"].items()}
    if isinstance(out.get("config"), dict):
        out["config"] = {k: v for k, v in out["config"].items() if k != "file"}
    return out


def write_json_atomic(path: Path, data: dict, *, mode: int | None = None) -> None:
    """Write ``data`` as JSON to ``path`` atomically; ``mode`` (e.g. 0o600) from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if mode is None:
        tmp.write_text(text, encoding="utf-8")
    else:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), mode)  # the umask may have taken bits away, never added them
            fh.write(text)
    os.replace(tmp, path)
