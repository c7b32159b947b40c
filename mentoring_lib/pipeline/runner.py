"""``mentoring run``: every stage notebook through papermill, in dependency order.

The runner holds the term's lock, fingerprints the inputs, executes the stage notebooks
(independent stages concurrently) into a staging folder, runs the personal-data gate on
the public outputs and only then publishes the staging folder atomically (see
:mod:`mentoring_lib.pipeline.publish`). It writes ``reports/<term>/run.json`` (public provenance) and a
log whatever happens, and the run's private details (counts per input, absolute paths, the full
error) to ``private/run-details.json`` or, when the run fails, ``failed/run-details.json`` (see
:mod:`mentoring_lib.pipeline.provenance`). Errors are raised as :class:`~mentoring_lib.errors.WorkbookError`; the CLI maps
them to the exit codes of the design. Ctrl-C and SIGTERM stop a run at once: the running
kernels are killed (:func:`mentoring_lib.pipeline.kernels.kill_all`), the staging folder is removed and
run.json records the stop (exit 130 / 143); a SIGTERM that arrives while publishing waits for it.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mentoring_lib.pipeline import kernels, partial as partial_runs, provenance, publish, staleness, stages
from mentoring_lib.pipeline.stage_errors import StageFailed, failure_record, stage_error
from mentoring_lib.config import TermConfig, load_config
from mentoring_lib.errors import (EXIT_INPUT, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_NOTEBOOK, EXIT_OK, EXIT_PRIVACY,
                                  EXIT_TERMINATED, EXIT_UNEXPECTED, InputError, Terminated,
                                  WorkbookError)

NOTEBOOK_DIR = provenance.PACKAGE_ROOT / "notebooks"
DEFAULT_CELL_TIMEOUT = 600
#: Modules the runner itself needs after the stages: pypdf for the privacy gate's PDF text, scipy's
#: integer programming for the disclosure audit (its import is ~0.35 s of the audit's ~0.45 s on the
#: demo). Imported in a background thread while the first kernel boots, off the end of every run.
LATE_RUNNER_IMPORTS = ("pypdf", "scipy.optimize")
#: What the public run.json says went wrong; the message itself (paths, rows, columns) is private.
PUBLIC_ERRORS = {EXIT_INPUT: "a config or input error", EXIT_NOTEBOOK: "a stage notebook failed",
                 EXIT_PRIVACY: "the privacy gate found personal data in a public output; nothing was published",
                 EXIT_UNEXPECTED: "an unexpected failure (a bug in the workbook)",
                 EXIT_LOCKED: "another run holds the term's lock",
                 EXIT_INTERRUPTED: "interrupted (Ctrl-C)", EXIT_TERMINATED: "stopped by SIGTERM"}
FAILED = "failed"
#: Every stage kernel, warm or cold, starts with these: quiet, and with the extension that hands a
#: workbook error to the runner as a payload in the failing cell (see :mod:`stage_errors`).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--IPKernelApp.extensions=mentoring_lib.pipeline.drivers"]

log = logging.getLogger("mentoring.run")


@dataclass
class RunResult:
    run_id: str
    status: str
    exit_code: int
    term_dir: Path
    stage_seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""
    #: The "Needs your attention" list of a published run (see :mod:`mentoring_lib.steps.attention`).
    attention: list = field(default_factory=list)
    #: Stages a partial run skipped, with why, and the public files it held back (:mod:`.partial`).
    skipped: dict[str, str] = field(default_factory=dict)
    held_back: list[str] = field(default_factory=list)

    @property
    def public(self) -> Path:
        return self.term_dir / "public"

    @property
    def private(self) -> Path:
        return self.term_dir / "private"


def _run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"


def _kernel_environment() -> None:
    """Environment the kernels inherit: headless plotting, fixed hashing. (The date written into
    outputs is handed to the stages in the run context, not through the environment.)"""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences a debugger warning at kernel start
    # pyarrow's default allocator (mimalloc) keeps the pages of freed Parquet read buffers; a kernel
    # reads its tables once, and with the C library's allocator the large stages' peak is ~65 MiB
    # lower at 100 times the demo (benchmarks/run.py).
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def execute_stage(stage: stages.Stage, config_path: Path, run_dir: Path, *,
                  timeout: int = DEFAULT_CELL_TIMEOUT, km=None) -> float:
    """Execute one stage notebook with papermill into ``run_dir``; return its duration in seconds.

    ``km``: an already started kernel (see :mod:`mentoring_lib.pipeline.kernels`), shut down afterwards."""
    pm = kernels.import_papermill()
    from papermill.exceptions import PapermillExecutionError

    out_nb = run_dir / "private" / "notebooks" / stage.notebook
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    kept = run_dir.parent.parent / "failed" / stage.notebook  # where _keep_failed_notebooks puts it
    started = time.perf_counter()
    try:
        pm.execute_notebook(
            str(NOTEBOOK_DIR / stage.notebook), str(out_nb),
            parameters={"config": str(config_path), "output_dir": str(run_dir)},
            kernel_name="python3", progress_bar=False, log_output=False, cwd=str(NOTEBOOK_DIR),
            execution_timeout=timeout, request_save_on_cell_execute=False,
            # The kernel's own start-up chatter is not for the coordinator's console.
            extra_arguments=KERNEL_ARGUMENTS, **({"km": km} if km is not None else {}))
    except PapermillExecutionError as e:
        raise stage_error(stage.name, out_nb, kept, cell=e.exec_count or e.cell_index,
                          exception=e.ename) from None
    except Exception as e:  # kernel died, timed out, or could not start
        kind = type(e).__name__
        if kind == "DeadKernelError":
            what = "its kernel died (out of memory or a crash in a library)"
        elif kind in ("CellTimeoutError", "TimeoutError"):
            what = f"a cell ran longer than the {timeout} s timeout"
        else:
            what = f"{kind} while executing the notebook"
        raise StageFailed(stage.name, f"failed: {what}", hint=f"open the executed notebook kept at {kept}") from None
    if not (run_dir / "private" / "tables" / stage.name / ".done").exists():
        raise StageFailed(stage.name, "finished without marking itself done",
                          hint=f"its notebook must end with ctx.mark_done(); see {kept}")
    return time.perf_counter() - started


def _execute_warm(stage: stages.Stage, config_path: Path, run_dir: Path, timeout: int, warm) -> float:
    """execute_stage on a kernel the pool started ahead (cold start when there is none)."""
    km = warm.take(stage) if warm is not None else None
    try:
        return execute_stage(stage, config_path, run_dir, timeout=timeout, km=km)
    finally:
        kernels.shutdown(km)


def _schedule(todo: list[stages.Stage], done: set[str], run: Callable[[stages.Stage], float],
              jobs: int, report: Callable[[str], None]) -> dict[str, float]:
    """Run ``todo`` respecting ``needs``; up to ``jobs`` at once; stop scheduling on the first failure."""
    seconds: dict[str, float] = {}
    pending = list(todo)
    running: dict[Future, stages.Stage] = {}
    failure: BaseException | None = None
    total = len(todo)
    started = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        try:
            while pending or running:
                if failure is None:
                    for st in [s for s in pending if set(s.needs) <= done]:
                        if len(running) >= jobs:
                            break
                        pending.remove(st)
                        started += 1
                        report(f"  [{started}/{total}] {st.name}: started")
                        running[pool.submit(run, st)] = st
                if not running:
                    if failure is None and pending:
                        raise WorkbookError(f"stages cannot run, their needs are not met: "
                                            f"{', '.join(s.name for s in pending)}")
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    st = running.pop(fut)
                    try:
                        seconds[st.name] = fut.result()
                        done.add(st.name)
                        report(f"  {st.name}: done in {seconds[st.name]:.1f} s")
                    except BaseException as e:  # noqa: BLE001 - re-raised below, after the others finish
                        report(f"  {st.name}: FAILED")
                        failure = failure or e
        except (KeyboardInterrupt, Terminated):
            # Stopping: end the running notebooks now (their kernels die) instead of waiting for them.
            kernels.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    if failure is not None:
        raise failure
    return seconds


def _identities(run_dir: Path, config: TermConfig):
    path = run_dir / stages.IDENTITY.path
    if not path.exists():
        return None
    import pandas as pd

    from mentoring_lib.io.normalise import school_table
    from mentoring_lib.outputs.messages import fixed_words, language_code
    from mentoring_lib.privacy.names import identities_from

    # The term's own school table: its school and university names are never a person's name.
    schools = school_table(config.schools_path).phrases if config.schools_path else ()
    return identities_from(pd.read_parquet(path), allow=[*config.privacy.gate_allow, *schools],
                           fixed_words=fixed_words(language_code(config.term.language)))


class _StopSignal:
    """SIGTERM raises :class:`Terminated` in the main thread, so the run cleans up as after Ctrl-C:
    running kernels are killed, the staging folder is removed, run.json records the stop. While
    the run publishes, the signal waits (:meth:`deferred`): publishing is one atomic swap, and a
    run that got that far is complete."""

    def __init__(self) -> None:
        self._deferring = False
        self.arrived_while_deferred = False

    def __call__(self, signum, frame) -> None:
        if self._deferring:
            self.arrived_while_deferred = True
            return
        raise Terminated()

    @contextmanager
    def deferred(self):
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False


@contextmanager
def _sigterm_stops_the_run():
    """Install :class:`_StopSignal` for SIGTERM while the run lasts (main thread only: Python runs
    signal handlers there), then put the previous handler back."""
    stop = _StopSignal()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def _remove_unpublished(term_dir: Path, run_dir: Path) -> None:
    """Remove a run's staging folder, unless it is the published one (a stop can arrive at any
    line, also after the swap)."""
    if publish.published_dir(term_dir) != run_dir.resolve():
        shutil.rmtree(run_dir, ignore_errors=True)


def import_in_background(modules: tuple[str, ...]) -> threading.Thread:
    """Import ``modules`` in a daemon thread (a module that fails to import is left for the code
    that needs it to report)."""
    import importlib

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the gate or the audit imports it again and says why
                pass

    thread = threading.Thread(target=work, name="late-imports", daemon=True)
    thread.start()
    return thread


def run_term(config_path: str | os.PathLike, *, only: list[str] | None = None, start: str | None = None,
             force: bool = False, jobs: int = 2, timeout: int = DEFAULT_CELL_TIMEOUT,
             echo: Callable[[str], None] = print) -> RunResult:
    """Run a term's pipeline and publish its outputs; raise WorkbookError subclasses on failure."""
    config_path = Path(config_path).resolve()
    config = load_config(config_path)
    term_dir = config.term_dir
    run_id = _run_id()
    selected = stages.select(only, start)
    partial = len(selected) < len(stages.STAGES)
    with publish.term_lock(term_dir, run_id):
        log_path = term_dir / "logs" / f"run-{run_id}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)

        def report(msg: str) -> None:
            log.info(msg.strip())
            echo(msg)

        try:
            skipped: dict[str, str] = {}
            if partial:  # a new term: the earlier stages may not have run yet (exit 2, or the report skipped)
                chosen = partial_runs.resolve(selected, only=only, start=start, config_path=config_path,
                                              done=partial_runs.stages_done(publish.published_dir(term_dir)))
                selected, skipped = chosen.run, chosen.skipped
            with _sigterm_stops_the_run() as stop:
                return _run_locked(config, config_path, term_dir, run_id, selected, partial, force, jobs,
                                   timeout, report, stop, skipped)
        finally:
            log.removeHandler(handler)
            handler.close()


def _run_locked(config: TermConfig, config_path: Path, term_dir: Path, run_id: str,
                selected: list[stages.Stage], partial: bool, force: bool, jobs: int, timeout: int,
                report: Callable[[str], None], stop: _StopSignal | None = None,
                skipped: dict[str, str] | None = None) -> RunResult:
    stop = stop or _StopSignal()
    skipped = skipped or {}
    started_wall = dt.datetime.now(dt.timezone.utc)
    stale = publish.clean_stale_runs(term_dir)
    if stale:
        report(f"Removed {len(stale)} unfinished run folder(s) left by an interrupted run.")

    # Every missing export at once, and only those the selected stages read.
    from mentoring_lib.pipeline.check import missing_inputs

    kinds = {k for s in selected for k in s.inputs}
    missing_inputs(config, config_path, [i for i in config.inputs if i.kind in kinds])
    # Fail before any kernel starts when the pseudonym key is missing or unusable (exit 2).
    from mentoring_lib.privacy.pseudonym import load_key

    key = load_key(config)
    inputs_before = provenance.input_fingerprints(config)
    code = provenance.code_digest()

    pub = publish.published_dir(term_dir)
    last: dict = {}
    if pub is not None:
        try:
            last = json.loads((pub / "run.json").read_text())
        except (OSError, ValueError):
            last = {}
    previous = last.get("stages") if last.get("status") == "ok" and isinstance(last.get("stages"), dict) else None
    held_back = partial_runs.held_back(pub)
    if previous is not None:  # a stage whose outputs were never published has not run, whatever run.json says
        previous = {k: v for k, v in previous.items() if k in partial_runs.stages_done(pub) - held_back}
    # Which stages run, and why: each stage's fingerprint covers what the catalogue says it reads.
    plan = staleness.plan(config, inputs_before, code, key, previous, force=force,
                          selected=[s.name for s in selected] if partial else None,
                          why_selected="chosen with --only or --from")
    if not partial:
        for name in held_back & set(plan.stale):
            plan.stale[name] = ["its public files were held back until the report stage could run"]
        if not plan.stale:
            assert pub is not None  # without a published run every stage is stale
            report(f"Nothing to do: inputs, side files, config and code are unchanged since run "
                   f"{last.get('run_id')}. Use --force to run anyway.")
            return RunResult(last.get("run_id", ""), "unchanged", EXIT_OK, term_dir,
                             attention=attention_of(pub / "private" / provenance.DETAILS))
        selected = [s for s in stages.STAGES if s.name in plan.stale]
        partial = len(selected) < len(stages.STAGES)
        if partial:
            report("Stages to run again, and why:")
            for line in plan.lines():
                report(line)
        elif (previous or held_back) and not force:
            report(f"Every stage runs again: {'; '.join(plan.stale[stages.STAGES[0].name])}")
    fingerprint = plan.overall()

    selected_names = {s.name for s in selected}
    kept = [s.name for s in stages.STAGES if s.name not in selected_names]
    # (a partial run's needs were checked against the published stages: partial.resolve in run_term)
    # Created only once the run will go ahead; a failure from here on removes it again.
    run_dir = publish.new_run_dir(term_dir, run_id)
    if partial:
        try:
            publish.seed_from_published(term_dir, run_dir, kept,
                                        drop=[p for s in selected for p in s.outputs()])
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
    _kernel_environment()
    sde = provenance.source_date_epoch(config)

    report(f"Term '{config.term.name}': running {len(selected)} stage(s) "
           f"({', '.join(s.name for s in selected)}); run {run_id}")
    for name, why in skipped.items():
        report(f"  {name}: skipped: {why}; it runs with the whole term: mentoring run --config {config_path}")
    record: dict = {
        "run_id": run_id, "term": config.term.name, "status": "running",
        "started": started_wall.isoformat(timespec="seconds"),
        "config": {"file": config_path.name, "sha256": provenance.sha256_file(config_path),
                   "digest": config.digest()},
        "code": {**provenance.code_version(), "digest": code},
        "fingerprint": fingerprint, "stages": {}, "inputs": inputs_before,
        "source_date_epoch": sde,
        "partial": [s.name for s in selected] if partial else None,
    }
    # The run's provenance, computed once here and handed to every stage (the report shows it):
    # nothing in it differs between two runs of the same inputs, so public outputs do not either.
    from mentoring_lib.pipeline.context import write_run_context

    write_run_context(run_dir, source_date_epoch=sde,
                      provenance=provenance.public_record({k: record[k] for k in ("inputs", "config", "code",
                                                                                  "source_date_epoch")}))
    details: dict = {
        "run_id": run_id, "term_dir": str(term_dir), "config_file": str(config_path),
        "data_dir": str(config.data_path),
        "inputs": {i.id: {"path": str(config.input_path(i))} for i in config.inputs},
    }
    status, exit_code, message = "failed", EXIT_NOTEBOOK, ""
    failure: dict = {}  # the error's structured fields, for the run records
    seconds: dict[str, float] = {}
    needs: list = []
    held_files: list[str] = []
    try:
        done = set(kept) if partial else set()
        import_in_background(LATE_RUNNER_IMPORTS)
        warm = kernels.WarmKernels(selected, cwd=NOTEBOOK_DIR, extra_arguments=KERNEL_ARGUMENTS) \
            if kernels.enabled() else None
        try:
            seconds = _schedule(selected, done, lambda st: _execute_warm(st, config_path, run_dir, timeout, warm),
                                jobs, report)
        finally:
            if warm is not None:
                warm.close()
        if stages.RELEASE_STAGE in skipped:
            held_files = partial_runs.hold_back_public(run_dir, list(seconds))
            if held_files:
                report(f"  public outputs held back until the report stage protects the release: {', '.join(held_files)}")
        inputs_after = provenance.input_fingerprints(config)
        changed = sorted(k for k in inputs_before if inputs_before[k].get("sha256") != inputs_after[k].get("sha256"))
        if changed:
            raise InputError("changed while the run was reading it",
                             file=config.input_path(config.input_by_id(changed[0])),
                             hint="wait until the export is saved, then run again")
        identities = _identities(run_dir, config)
        if identities is not None:
            from mentoring_lib.privacy.gate import check_public

            check_public(run_dir / "public", identities)
            report("  privacy gate: no personal data found in public outputs")
        from mentoring_lib.privacy.release_files import check_run

        audit_seconds = check_run(run_dir)  # exit 4 if a suppressed count can be worked out across files
        if audit_seconds is not None:
            record["disclosure_audit_seconds"] = round(audit_seconds, 2)
            report(f"  disclosure audit: no suppressed count can be worked out ({audit_seconds:.2f} s)")
        from mentoring_lib.steps import attention

        needs = attention.write(run_dir / "private", config)
        details["needs_attention"] = [a.record() for a in needs]
        rows = provenance.quality_rows(run_dir / "private" / "quality")
        for input_id, counts in rows.items():
            if input_id in details["inputs"]:
                details["inputs"][input_id].update(counts)
        record.update(status="ok", exit_code=EXIT_OK, details=f"private/{provenance.DETAILS}",
                      stages=_stage_records(plan, seconds, last.get("run_id"), run_dir, skipped))
        details.update(status="ok", exit_code=EXIT_OK)
        provenance.write_json_atomic(run_dir / "private" / provenance.DETAILS, details,
                                     mode=publish.PRIVATE_FILE_MODE)
        publish.restrict_tree(run_dir / "private")
        provenance.write_json_atomic(run_dir / "run.json", _finish(record, started_wall))
        with stop.deferred():
            publish.publish(term_dir, run_dir)
            status, exit_code, message = "ok", EXIT_OK, "published"
        if stop.arrived_while_deferred:
            report("  SIGTERM arrived while publishing: the run was complete and is published")
    except (KeyboardInterrupt, Terminated) as e:
        status = "interrupted"
        if isinstance(e, Terminated):
            exit_code, message, failure = EXIT_TERMINATED, e.render(), e.to_payload()
        else:
            exit_code, message = EXIT_INTERRUPTED, "interrupted (Ctrl-C)"
            failure = failure_record("interrupted", exit_code, message)
        log.info("%s: nothing was published; the previous outputs are unchanged", message)
        _remove_unpublished(term_dir, run_dir)
        raise
    except WorkbookError as e:
        exit_code, message, failure = e.exit_code, e.render(), e.to_payload()
        if e.stage is not None:  # a stage notebook failed
            _keep_failed_notebooks(term_dir, run_dir)
        _remove_unpublished(term_dir, run_dir)
        raise
    except BaseException as e:
        exit_code, message = EXIT_UNEXPECTED, f"unexpected {type(e).__name__} (a bug in the workbook)"
        failure = failure_record("unexpected", exit_code, message)
        _keep_failed_notebooks(term_dir, run_dir)
        _remove_unpublished(term_dir, run_dir)
        raise
    finally:
        record.update(status=status, exit_code=exit_code,
                      stages=_stage_records(plan, seconds, last.get("run_id"), run_dir, skipped) if status == "ok"
                      else {k: {"seconds": round(v, 2)} for k, v in seconds.items()})
        if status != "ok":
            record["error"] = PUBLIC_ERRORS.get(exit_code, "failed")
            # Public: the kind of failure and the stage, as codes; where and what is in the details.
            record.update({k: failure[f] for k, f in (("error_kind", "kind"), ("error_stage", "stage")) if f in failure})
            record["details"] = f"{FAILED}/{provenance.DETAILS}"
            details.update(status=status, exit_code=exit_code, error=message or "interrupted", failure=failure)
            provenance.write_json_atomic(publish.private_dir(term_dir / FAILED) / provenance.DETAILS, details,
                                         mode=publish.PRIVATE_FILE_MODE)
        provenance.write_json_atomic(term_dir / "run.json", _finish(record, started_wall))
    return RunResult(run_id, status, exit_code, term_dir, seconds, message, needs, skipped, held_files)


def attention_of(details_path: Path) -> list:
    """The "Needs your attention" list a published run recorded in its private details."""
    from mentoring_lib.steps.attention import Attention

    try:
        recorded = json.loads(details_path.read_text(encoding="utf-8")).get("needs_attention") or []
        return [Attention(**item) for item in recorded]
    except (OSError, ValueError, TypeError):
        return []


def _stage_records(plan: staleness.Plan, seconds: dict[str, float], last_run: str | None, run_dir: Path,
                   skipped: dict[str, str]) -> dict:
    """run.json's ``stages``: each stage's time (when it ran), fingerprint and parts (what the next
    run compares); a stage that did not run names the run whose outputs it kept, and a stage
    without outputs (a new term's partial run) says so, with no fingerprint to compare."""
    out: dict[str, dict] = {}
    done = partial_runs.stages_done(run_dir)
    for st in stages.STAGES:
        if st.name not in done and st.name not in seconds:
            out[st.name] = {"not_run": skipped.get(st.name, "has not run on this term yet")}
            continue
        rec = plan.run_record(st.name)
        if st.name in seconds:
            rec["seconds"] = round(seconds[st.name], 2)
        elif st.name not in plan.stale:
            rec["kept_from"] = last_run
        out[st.name] = rec
    return out


def _finish(record: dict, started: dt.datetime) -> dict:
    now = dt.datetime.now(dt.timezone.utc)
    return provenance.public_record({**record, "finished": now.isoformat(timespec="seconds"),
                                     "duration_s": round((now - started).total_seconds(), 2)})


def _keep_failed_notebooks(term_dir: Path, run_dir: Path) -> None:
    """Keep a failed run's executed notebooks (private area) for the coordinator to open."""
    src = run_dir / "private" / "notebooks"
    if not src.is_dir():
        return
    dest = term_dir / FAILED
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)
    publish.restrict_tree(dest)


def print_outputs(result: RunResult, echo: Callable[[str], None] = print) -> None:
    """Tell the coordinator where the report, spreadsheets and certificates are."""
    pub, priv = result.public, result.private
    if stages.RELEASE_STAGE in result.skipped:  # a new term's partial run: no report, nothing public yet
        published = ["  report and public spreadsheets: not yet (the report stage was skipped, see above)"]
    else:
        published = [f"  report (HTML):          {pub / 'report.html'}",
                     f"  report (PDF):           {pub / 'report.pdf'}",
                     f"  one-page summary (PDF): {pub / 'summary.pdf'}",
                     f"  public spreadsheets:    {pub}"]
    lines = ["", "Outputs:", *published,
             f"  rosters & mail merges:  {priv}  (personal data: do not share)",
             f"  certificates:           {priv / 'certificates'}",
             f"  provenance:             {result.term_dir / 'run.json'}",
             f"  run details:            {priv / provenance.DETAILS}  (private)"]
    for line in lines:
        echo(line)
    if result.status in ("ok", "unchanged"):
        from mentoring_lib.steps.attention import echo_list

        echo_list(result.attention, priv, echo)
    sys.stdout.flush()
