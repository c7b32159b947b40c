"""Part of the pipeline (``--only`` / ``--from``) on a term where not every stage has run yet.

A partial run works on top of the last published run: the stages it does not run keep their
published outputs. On a brand-new term there are none, or only those of an earlier partial run
(early in the term only the registration exports exist). So before anything runs:

* a stage the coordinator chose whose earlier stages have neither run before nor run now is a
  usage error (exit 2) naming those stages and the command that runs them with it;
* the report stage, added on its own because the chosen stages write public files
  (:func:`mentoring_lib.pipeline.stages.select`), is skipped instead when the stages it summarises
  have not run yet: ``--only registrations`` on a new term writes the roster and the mail merges
  and says why there is no report yet. The public files of such a run are held back
  (:func:`hold_back_public`): only the report stage protects the public release as a whole. The
  stages whose public files were held back are marked, and the next whole run runs them again
  (:func:`held_back`), so the release it publishes has every file.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mentoring_lib.errors import UsageError
from mentoring_lib.pipeline import stages
from mentoring_lib.pipeline.context import DONE_MARKER

#: Left in a stage's tables folder when its public files were held back (carried over with the
#: tables while the stage is not run again).
HELD_BACK_MARKER = ".public_held_back"


def stages_done(folder: Path | None) -> set[str]:
    """The stages whose outputs a run folder (published or staging) holds: each stage marks its
    tables done as its last step, so a marker means complete outputs."""
    if folder is None:
        return set()
    return {s.name for s in stages.STAGES if (folder / "private" / "tables" / s.name / DONE_MARKER).is_file()}


@dataclass
class Selection:
    """The stages a partial run executes, and those it skips with the reason."""
    run: list[stages.Stage]
    skipped: dict[str, str] = field(default_factory=dict)


def resolve(selected: list[stages.Stage], *, only: list[str] | None, start: str | None, done: set[str],
            config_path: Path) -> Selection:
    """Check that every stage of a partial run has its earlier stages' outputs (published or made
    by this run); skip the report stage when it was only added to protect the release; raise
    :class:`UsageError` (exit 2) for a chosen stage whose earlier stages have not run."""
    chosen = {stages.get(n, option="--only").name for n in only} if only else {s.name for s in selected}
    available = set(done)
    out = Selection([])
    problems: list[tuple[str, list[str]]] = []
    for st in selected:  # pipeline order: a stage's needs come before it
        if set(st.needs) <= available:
            out.run.append(st)
            available.add(st.name)
            continue
        never_ran = [u for u in stages.upstream(st.name) if u not in available]
        if st.name == stages.RELEASE_STAGE and st.name not in chosen:
            out.skipped[st.name] = (f"it summarises {_names(never_ran)}, which "
                                    f"{'has' if len(never_ran) == 1 else 'have'} not run on this term yet")
        else:
            problems.append((st.name, never_ran))
    if problems:
        missing = sorted({u for _, ups in problems for u in ups}, key=_order)
        if only:
            todo = sorted(set(missing) | chosen, key=_order)
            command = f"mentoring run --config {config_path} " + " ".join(f"--only {n}" for n in todo)
        else:
            command = f"mentoring run --config {config_path} --from {missing[0]}"
        lines = "; ".join(f"'{name}' needs {_names(ups)}" for name, ups in problems)
        raise UsageError(f"{'--only' if only else '--from ' + str(start)}: {lines}, which "
                         f"{'has' if len(missing) == 1 else 'have'} not run on this term yet",
                         hint=f"run {'it' if len(missing) == 1 else 'them'} in the same run: {command}")
    return out


def held_back(folder: Path | None) -> set[str]:
    """The stages of a run folder whose public files were held back (they must run again)."""
    if folder is None:
        return set()
    return {s.name for s in stages.STAGES if (folder / "private" / "tables" / s.name / HELD_BACK_MARKER).is_file()}


def hold_back_public(run_dir: Path, ran: list[str]) -> list[str]:
    """Remove the public files of a run whose report stage was skipped (nothing public is
    published that the report stage has not protected) and mark the stages of ``ran`` that write
    public files; return the files' names."""
    for name in ran:
        tables = run_dir / "private" / "tables" / name
        if stages.get(name).public and tables.is_dir():
            (tables / HELD_BACK_MARKER).write_text("")
    public = run_dir / "public"
    if not public.is_dir():
        return []
    held = sorted(str(p.relative_to(public)) for p in public.rglob("*") if p.is_file())
    for child in public.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return held


def _order(name: str) -> int:
    return [s.name for s in stages.STAGES].index(name)


def _names(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
