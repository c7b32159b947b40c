"""Retention: ``mentoring purge --config FILE`` deletes a term's personal data when it is no longer needed.

What is deleted (after the coordinator types the term's name, or with ``--yes``):

* the term's private area: the published run's ``private/`` (identity table, rosters, mail merges,
  certificate list and PDFs, executed notebooks, intermediate tables, data-quality reports,
  ``run-details.json``), the private areas of any left-over run folders, ``failed/`` (executed
  notebooks and ``run-details.json`` of a failed run),
  ``interactive/`` (notebooks opened alone in JupyterLab), ``status/`` (the status page and reminder
  lists of ``mentoring status``) and any ``private.before-*`` folder;
* the term's raw-data copy: the config's ``data_dir`` (the exports as downloaded).

What is kept: ``public/`` (aggregates that passed the privacy gate), ``run.json`` and ``logs/``
(neither holds personal values) and the config. A ``run.json`` written before run records were split
(with counts per input and absolute paths) is cut down to its public part
(:func:`mentoring_lib.pipeline.provenance.public_record`).

Purge never deletes committed data: a demo term's data folder (``data/demo``) is kept -- it is
synthetic and part of the repository -- and so is any data folder that holds files tracked by
git, that contains the config or the reports, or that is the home folder or a file-system root.
It holds the term's lock, so it cannot race a run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mentoring_lib.errors import ConfigError

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig


def private_areas(config: "TermConfig") -> list[Path]:
    """The existing folders of the term's private area (real folders, links resolved)."""
    from mentoring_lib.pipeline import publish

    term_dir = config.term_dir
    found: list[Path] = []
    link = term_dir / "private"
    if link.exists():
        found.append(link.resolve())
    runs = term_dir / publish.RUNS
    if runs.is_dir():
        found += [d / "private" for d in sorted(runs.iterdir()) if (d / "private").is_dir()]
    for name in ("failed", "interactive", "status"):
        if (term_dir / name).is_dir():
            found.append(term_dir / name)
    found += sorted(p for p in term_dir.glob("private.before-*") if p.is_dir())
    out: list[Path] = []
    for p in found:
        if p.resolve() not in {q.resolve() for q in out}:
            out.append(p)
    return out


def _git_tracked(folder: Path) -> bool | None:
    """True if git tracks a file in ``folder``; None if that cannot be told (no git)."""
    try:
        res = subprocess.run(["git", "ls-files", "--", "."], cwd=folder, capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:  # not inside a work tree
        return False
    return bool(res.stdout.strip())


def raw_data_folder(config: "TermConfig") -> tuple[Path | None, str | None]:
    """(the data folder purge would delete, or None and the reason it is kept)."""
    from mentoring_lib.privacy.pseudonym import is_demo_term

    data = config.data_path.resolve()
    if not data.is_dir():
        return None, f"the data folder {data} does not exist"
    if is_demo_term(config) or data.name == "demo":
        return None, f"{data} holds the synthetic demo data committed to the repository"
    protected = [Path.home().resolve(), Path(data.anchor)]
    if data in protected:
        return None, f"{data} is the home folder or a file-system root"
    for other, what in ((config.source, "the config file"), (config.reports_root, "the reports folder"),
                        (Path(__file__).resolve().parents[1], "the workbook's code")):
        if other is not None:
            other = Path(other).resolve()
            if other == data or data in other.parents:
                return None, f"{data} contains {what}"
    tracked = _git_tracked(data)
    if tracked is None and any((q / ".git").exists() for q in [data, *data.parents]):
        return None, f"{data} is inside a git repository and git is not available to check it"
    if tracked:
        return None, f"{data} holds files tracked by git"
    return data, None


def purge_term(config: "TermConfig", *, yes: bool, input: Callable[[str], str] = input,
               echo: Callable[[str], None] = print) -> list[Path]:
    """Delete the term's private area and raw-data copy; return the deleted paths.

    Without ``yes``, lists what will be deleted and asks the coordinator to type the term's name;
    any other answer deletes nothing (returns []). Raises LockHeld (exit 75) while a run is active.
    """
    from mentoring_lib.pipeline import publish

    term = config.term.name
    areas = private_areas(config)
    data, kept_reason = raw_data_folder(config)
    targets = areas + ([data] if data is not None else [])
    if not targets:
        echo(f"Term '{term}': no private area or raw data to delete.")
        if kept_reason:
            echo(f"  kept: {kept_reason}")
        return []
    echo(f"Purging term '{term}' deletes, permanently:")
    for t in targets:
        echo(f"  {t}")
    if kept_reason:
        echo(f"Kept: {kept_reason}.")
    echo(f"Kept: the public outputs, run.json and logs in {config.term_dir}.")
    if not yes:
        answer = input(f"Type the term name ({term}) to delete these, anything else to cancel: ")
        if (answer or "").strip() != term:
            echo("Cancelled; nothing was deleted.")
            return []
    deleted: list[Path] = []
    with publish.term_lock(config.term_dir, "purge"):
        for t in targets:
            if not t.exists():
                continue
            if t.is_symlink():
                raise ConfigError(f"refusing to delete {t}: it is a symbolic link")
            shutil.rmtree(t)
            deleted.append(t)
        _keep_public_run_records(config.term_dir)
    return deleted


def _keep_public_run_records(term_dir: Path) -> None:
    """Cut every run.json of the term down to its public part (older ones held counts and paths)."""
    from mentoring_lib.pipeline import provenance, publish

    for path in [term_dir / "run.json", *sorted((term_dir / publish.RUNS).glob("*/run.json"))]:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and provenance.public_record(record) != record:
            provenance.write_json_atomic(path, provenance.public_record(record))
