"""``mentoring check``: validate the config and every input without running notebooks.

The data stages run in-process into a throw-away folder (nothing under ``reports/`` is
touched) and the data-quality records they leave are summarised: rows read, kept and
excluded by reason, per input.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

from mentoring_lib import provenance, stages
from mentoring_lib.config import load_config
from mentoring_lib.context import OutputPaths, StageContext, run_in_process
from mentoring_lib.errors import InputError

#: The stages that read inputs; the rest (evaluation, certificates, report) only compute and render.
CHECKED_STAGES = ("registrations", "groups", "attendance", "feedback")


def check_term(config_path: str | Path, echo: Callable[[str], None] = print) -> dict[str, dict]:
    """Validate a term; return the quality summary per input. Raises WorkbookError on bad input."""
    config = load_config(config_path)
    echo(f"Config {config_path}: valid (term '{config.term.name}', {len(config.inputs)} inputs).")
    missing = [i for i in config.inputs if i.required and not config.input_path(i).is_file()]
    if missing:
        raise InputError("input file not found", file=config.input_path(missing[0]),
                         hint=f"put the export in {config.data_path} or fix input '{missing[0].id}'")
    with tempfile.TemporaryDirectory(prefix="mentoring-check-") as tmp:
        out = OutputPaths(Path(tmp)).ensure()
        ctx = StageContext(stages.STAGES[0].name, config, out)
        for name in CHECKED_STAGES:
            run_in_process(ctx.for_stage(name))
            if name == "registrations":
                # The certificate overrides name accepted mentors: validate them against this term.
                from mentoring_lib import certificates

                certificates.check_overrides(ctx.for_stage("certificates"))
        summary = provenance.quality_rows(out.quality)
        for source, notes in quality_notes(out.quality).items():
            summary.setdefault(source, {})["notes"] = notes
    echo("")
    echo(f"{'input':28} {'rows read':>9} {'kept':>6}  excluded (by reason)")
    for source, rec in sorted(summary.items()):
        excluded = ", ".join(f"{k}: {v}" for k, v in (rec.get("excluded") or {}).items()) or "-"
        echo(f"{source:28} {rec.get('rows_read', 0):>9} {rec.get('kept', 0):>6}  {excluded}")
    noted = {s: rec["notes"] for s, rec in sorted(summary.items()) if rec.get("notes")}
    if noted:
        echo("")
        echo("What was read and normalised (also in the data-quality report):")
        for source, notes in noted.items():
            for note in notes:
                echo(f"  {source}: {note}")
    echo("")
    echo("All inputs read without errors.")
    return summary


def quality_notes(quality_dir: Path) -> dict[str, list[str]]:
    """The notes of every data-quality record (normalisations applied), per input, in record order."""
    notes: dict[str, list[str]] = {}
    for f in sorted(quality_dir.glob("*.json")):
        for source, rec in json.loads(f.read_text(encoding="utf-8")).items():
            notes.setdefault(source, []).extend(str(n) for n in rec.get("notes") or [])
    return notes
