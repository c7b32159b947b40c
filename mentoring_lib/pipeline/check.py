"""``mentoring check``: validate the config and every input without running notebooks.

The data stages run in-process into a throw-away folder (nothing under ``reports/`` is
touched) and the data-quality records they leave are summarised: rows read, kept and
excluded by reason, per input. The groups stage's result is reported too (groups formed,
reserve pairs, mentors and participants in no group with the reason), with a warning when fewer
groups than ``groups.count`` (or none) can be formed. The later stages (evaluation, certificates,
report) read no exports of their own; their cheap validations run instead: the codebook, the
approved-quotes file, the certificate rule and overrides, and the disclosure thresholds. The
fidelity log and the mentors' support-meeting sheets are read whenever they are configured, also
when the config leaves them unused (no ``programme.curriculum``, no ``mentor_hours:``), which is a
warning. A problem stops the check with exit 2 as it would stop the run; a warning leaves the exit
code at 0.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

from mentoring_lib.pipeline import provenance, stages
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process
from mentoring_lib.errors import InputError

# The stages that read input files come from the stage catalogue (stages.input_stages(), run
# in-process); the rest (evaluation, certificates, report) only compute and render:
# :func:`validate_later_stages` runs their cheap validations.


def check_term(config_path: str | Path, echo: Callable[[str], None] = print) -> dict[str, dict]:
    """Validate a term; return the quality summary per input. Raises WorkbookError on bad input."""
    config = load_config(config_path)
    echo(f"Config {config_path}: valid (term '{config.term.name}', {len(config.inputs)} inputs).")
    missing_inputs(config, config_path, config.inputs)
    with tempfile.TemporaryDirectory(prefix="mentoring-check-") as tmp:
        out = OutputPaths(Path(tmp)).ensure()
        ctx = StageContext(stages.STAGES[0].name, config, out)
        for name in stages.input_stages():  # asked each time: the catalogue decides, never a copy
            run_in_process(ctx.for_stage(name))
        group_lines, warnings = group_formation(ctx)
        later = validate_later_stages(ctx)
        log_notes, log_warnings = validate_logs(ctx)
        for stage, notes in log_notes.items():
            later.setdefault(stage, []).extend(notes)
        warnings = [*warnings, *log_warnings]
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
        echo_notes(echo, "What was read and normalised (also in the data-quality report):", noted)
    echo_notes(echo, f"Groups (groups.count = {config.groups.count}):", {"": group_lines})
    echo_notes(echo, "Later stages (validated without running them):", later)
    echo("")
    for warning in warnings:
        echo(f"Warning: {warning}")
    echo("All inputs read without errors.")
    return summary


def missing_inputs(config, config_path: str | Path, inputs) -> None:
    """Raise one error naming every required input of ``inputs`` whose file is missing (all at once:
    the coordinator can put every export in place before the next try)."""
    from mentoring_lib.errors import raise_all
    from mentoring_lib.pipeline import stages

    missing = [i for i in inputs if i.required and not config.input_path(i).is_file()]
    first = stages.STAGES[0]
    early = None
    if missing and not any(i.kind in first.inputs for i in missing):
        # the registrations are in, later exports are not: early in the term, not a mistake
        early = (f"early in the term, run the stages whose exports are in (mentoring run --config "
                 f"{Path(config_path).name} --only {first.name}, then --only groups), or mark an export not "
                 "yet due 'required: false' in its input entry (the report then says it is not yet available)")
    raise_all([InputError(f"input file not found (input '{i.id}', kind {i.kind})", file=config.input_path(i),
                          hint=f"put the '{i.kind}' export in {config.data_path} or fix 'file' of input "
                               f"'{i.id}' in {Path(config_path).name}")
               for i in missing], hint=early)


def echo_notes(echo: Callable[[str], None], title: str, notes: dict[str, list[str]]) -> None:
    """A blank line, the title, then each note indented ("  source: note", or "  note" for source "")."""
    echo("")
    echo(title)
    for source, lines in notes.items():
        for line in lines:
            echo(f"  {source}: {line}" if source else f"  {line}")


def group_formation(ctx: StageContext) -> tuple[list[str], list[str]]:
    """What the groups stage formed in the check's folder: (summary lines, warnings)."""
    from mentoring_lib.steps import grouping
    from mentoring_lib.steps.group_formation import GroupRules

    groups = ctx.for_stage("groups")
    pairs, members = groups.read("groups/pairs"), groups.read("groups/members")
    return grouping.formation_report(pairs, members, GroupRules.from_config(ctx.config))


def validate_later_stages(ctx: StageContext) -> dict[str, list[str]]:
    """The cheap validations of the stages that only compute and render, as notes per stage;
    raises (exit 2) on a problem, like the run would."""
    from mentoring_lib.steps import certificates, evaluation
    from mentoring_lib.steps.certificate_rules import EligibilityRules
    from mentoring_lib.privacy import disclosure

    thresholds = disclosure.Thresholds.from_config(ctx.config)
    rules = EligibilityRules.from_config(ctx.config)
    # The certificate overrides name accepted mentors: validate them against this term.
    n_overrides = certificates.check_overrides(ctx.for_stage("certificates"))
    cert = [f"rule: {rules.describe()}"]
    if ctx.config.certificates.overrides_file:
        cert.append(f"{n_overrides} override(s) of the rule, every one naming an accepted mentor")
    return {"evaluation": evaluation.check_inputs(ctx.config), "certificates": cert,
            "report": [f"counts under {thresholds.min_count} shown as '<{thresholds.min_count}'; "
                       f"shares and means need a base of {thresholds.min_base}"]}


def validate_logs(ctx: StageContext) -> tuple[dict[str, list[str]], list[str]]:
    """Read the fidelity log and the support-meeting sheets when the config lists them, even where
    the run leaves them unused (then a warning says why): their errors name the file, the row as
    Excel shows it, the column and what to do (exit 2). Returns (notes per stage, warnings)."""
    from mentoring_lib.steps import fidelity, mentor_hours
    from mentoring_lib.steps.certificate_rules import accepted_mentors

    config = ctx.config
    notes: dict[str, list[str]] = {}
    warnings: list[str] = []
    logs = [i for i in config.inputs_of(fidelity.KIND) if config.input_path(i).is_file()]
    if logs:
        log = fidelity.read_log(config)
        entries = 0 if log is None else len(log)
        meetings = 0 if log is None else len(log.drop_duplicates(["group", "meeting"]))
        notes["evaluation"] = [f"fidelity log ({', '.join(i.id for i in logs)}): {entries} curriculum entries "
                               f"at {meetings} group meeting(s)"]
        if not config.programme.curriculum:
            warnings.append(f"the fidelity log ({', '.join(i.id for i in logs)}) is read but not reported: "
                            "programme.curriculum is empty; list the curriculum's parts there as the log names them")
    sheets = [i for i in config.inputs_of("support_attendance") if config.input_path(i).is_file()]
    if sheets and config.mentor_hours is None:
        # the certificates stage reads them only for mentor hours: read them here (quality recorded)
        certificates = ctx.for_stage("certificates")
        mentor_hours.support_meetings(certificates, accepted_mentors(certificates.read("registrations/people")))
        warnings.append(f"the support-meeting sheet ({', '.join(i.id for i in sheets)}) is read but not used: "
                        "the config has no mentor_hours: section; add one to count support meetings in "
                        "mentors' hours")
    return notes, warnings


def quality_notes(quality_dir: Path) -> dict[str, list[str]]:
    """The notes of every data-quality record (normalisations applied), per input, in record order."""
    notes: dict[str, list[str]] = {}
    for f in sorted(quality_dir.glob("*.json")):
        for source, rec in json.loads(f.read_text(encoding="utf-8")).items():
            notes.setdefault(source, []).extend(str(n) for n in rec.get("notes") or [])
    return notes
