"""Staging, atomic publishing and the per-term lock.

A run builds everything in ``reports/<term>/.runs/<run-id>/`` and publishes it by swapping
one symbolic link, ``reports/<term>/current``, in a single atomic ``rename``. The fixed
paths of the design, ``reports/<term>/public`` and ``reports/<term>/private``, are links
through ``current``, so readers see either the previous run or the new one, never a mix,
and a run killed at any point leaves the previous outputs intact. The next run removes
stale run folders while it holds the lock.

Private data is closed to other users whatever the umask: ``.runs/``, each run folder, every
``private/`` folder and ``failed/`` are created ``0700``, and before a run is published (or its
notebooks kept in ``failed/``) every folder under its ``private/`` is set to ``0700`` and every file
to ``0600`` (:func:`restrict_tree`), whatever a stage or a library wrote them with.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from mentoring_lib.errors import LockHeld, WorkbookError

RUNS = ".runs"
CURRENT = "current"
LOCK = ".lock"
LOCK_INFO = ".lock.json"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it ``0700``, also when it already existed."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def restrict_tree(root: Path) -> None:
    """``root`` and every folder below it ``0700``, every file ``0600`` (links are left alone)."""
    if not root.is_dir() or root.is_symlink():
        return
    os.chmod(root, PRIVATE_DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                os.chmod(p, PRIVATE_DIR_MODE)
        for name in files:
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                os.chmod(p, PRIVATE_FILE_MODE)


def published_dir(term_dir: Path) -> Path | None:
    """The folder of the last published run, or None."""
    link = term_dir / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def new_run_dir(term_dir: Path, run_id: str) -> Path:
    """A new staging folder ``.runs/<run_id>/``, ``0700`` like ``.runs/`` (its ``private/`` is made
    ``0700`` by the stages, :meth:`mentoring_lib.pipeline.context.OutputPaths.ensure`, and before publishing)."""
    private_dir(term_dir / RUNS)
    d = term_dir / RUNS / run_id
    d.mkdir(exist_ok=False, mode=PRIVATE_DIR_MODE)
    os.chmod(d, PRIVATE_DIR_MODE)
    return d


def seed_from_published(term_dir: Path, run_dir: Path, keep_stages: list[str], *,
                        drop: Sequence[str] = ()) -> None:
    """Copy the published tables of ``keep_stages`` (and the identity table) into a new run.

    Used when only some stages run (stale ones, ``--only``, ``--from``): the stages not re-run
    keep their last published outputs and executed notebooks. ``drop``: paths or globs (relative
    to the run folder) of what the re-running stages write, removed so that they start clean
    (a certificate no longer earned does not stay behind).
    """
    pub = published_dir(term_dir)
    if pub is None:
        return
    for stage in keep_stages:
        src = pub / "private" / "tables" / stage
        if src.is_dir():
            shutil.copytree(src, run_dir / "private" / "tables" / stage, dirs_exist_ok=True)
        q = pub / "private" / "quality" / f"{stage}.json"
        if q.is_file():
            (run_dir / "private" / "quality").mkdir(parents=True, exist_ok=True)
            shutil.copy2(q, run_dir / "private" / "quality" / q.name)
    # Everything else the kept stages wrote (identity table, rosters, certificates, public files)
    # is carried over too, then overwritten by the stages that re-run.
    for area in ("public", "private"):
        src = pub / area
        if src.is_dir():
            shutil.copytree(src, run_dir / area, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("tables", "quality", "notebooks"))
    for pattern in drop:
        for path in run_dir.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    from mentoring_lib.pipeline import stages

    for stage in keep_stages:
        nb = pub / "private" / "notebooks" / stages.get(stage).notebook
        if nb.is_file():
            (run_dir / "private" / "notebooks").mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, run_dir / "private" / "notebooks" / nb.name)


def publish(term_dir: Path, run_dir: Path) -> None:
    """Make ``run_dir`` the published outputs with one atomic rename, then drop the old run."""
    old = published_dir(term_dir)
    # The fixed paths first: they point through `current`, so they are right before and after the
    # swap, and a run killed just after the swap leaves no term without its public/private links.
    _link_areas(term_dir, run_dir)
    tmp_link = term_dir / f".{CURRENT}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(run_dir, term_dir), tmp_link)
    os.replace(tmp_link, term_dir / CURRENT)
    if old is not None and old != run_dir.resolve():
        shutil.rmtree(old, ignore_errors=True)


def _link_areas(term_dir: Path, run_dir: Path) -> None:
    """``public`` -> ``current/public`` and ``private`` -> ``current/private`` (idempotent)."""
    for area in ("public", "private"):
        link = term_dir / area
        target = os.path.join(CURRENT, area)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.exists() and not link.is_symlink():
            # A plain folder from an older layout: keep it aside rather than delete anything.
            link.rename(term_dir / f"{area}.before-{run_dir.name}")
        elif link.is_symlink():
            link.unlink()
        os.symlink(target, link)


def clean_stale_runs(term_dir: Path) -> list[str]:
    """Remove run folders left by killed or failed runs (called while holding the lock)."""
    runs = term_dir / RUNS
    pub = published_dir(term_dir)
    removed = []
    if runs.is_dir():
        for d in sorted(runs.iterdir()):
            if pub is None or d.resolve() != pub:
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d.name)
    tmp_link = term_dir / f".{CURRENT}.tmp"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    return removed


@contextmanager
def term_lock(term_dir: Path, run_id: str) -> Iterator[None]:
    """Hold the term's lock for a run; a second run gets LockHeld (exit 75) at once."""
    from filelock import FileLock, Timeout

    term_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(term_dir / LOCK), timeout=0)
    info_path = term_dir / LOCK_INFO
    try:
        lock.acquire()
    except Timeout:
        holder = "another run"
        try:
            info = json.loads(info_path.read_text())
            holder = f"run {info['run_id']} (pid {info['pid']} on {info['host']}, started {info['started']})"
        except (OSError, ValueError, KeyError):
            pass
        raise LockHeld(f"{holder} holds the lock of term folder {term_dir}",
                       hint="wait for it to finish; if no run is active, the lock is released "
                            "automatically when its process ends") from None
    try:
        info_path.write_text(json.dumps({
            "run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        yield
    finally:
        try:
            info_path.unlink()
        except OSError:
            pass
        lock.release()


def require_within(path: Path, root: Path) -> None:
    if root.resolve() not in path.resolve().parents and path.resolve() != root.resolve():
        raise WorkbookError(f"refusing to touch {path}: it is outside {root}")
