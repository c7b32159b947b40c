"""Robust scheduled runs (issue 7): killed runs, runs whose inputs change, locks, reproducible outputs.

Fast tests run a two-stage pipeline of tiny notebooks written here (the runner's real code, papermill
and kernels; only the notebooks are small). The slow ones (`e2e`) run the demo term itself.
A run is killed with SIGKILL to its whole process group (runner and kernels), the way a scheduler's
timeout or a reboot ends it: no `finally`, no clean-up.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import folder_hashes, one_input_term

from mentoring_lib import cli
from mentoring_lib.pipeline import publish, runner, stages
from mentoring_lib.errors import EXIT_INPUT, EXIT_LOCKED, EXIT_OK, EXIT_TERMINATED

ROOT = Path(__file__).resolve().parent.parent


# -- helpers -------------------------------------------------------------------------------------

def wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the run ended (exit {proc.returncode}) before {what}:\n"
                                 f"{out[-1500:]}\n{err[-1500:]}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the run and every process it started (its kernels)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.communicate()


def assert_published_intact(term_dir: Path, run_id: str, hashes: dict[str, str]) -> None:
    """``current`` still points at the complete run ``run_id`` and its outputs are byte-identical."""
    assert publish.published_dir(term_dir).name == run_id
    record = json.loads((term_dir / "current" / "run.json").read_text())
    assert record["status"] == "ok" and record["run_id"] == run_id
    assert folder_hashes(term_dir / "public") == hashes


# -- a small pipeline of notebooks, run in a child process -------------------------------------------

PARAMS = 'config = "unused.yml"\noutput_dir = None'
NOTEBOOK_CELLS = {
    # Writes its public output in two steps with a pause between them ("mid-write"), when asked.
    "first.ipynb": ["first", textwrap.dedent("""\
        import os, time
        from pathlib import Path
        out = Path(output_dir, "public", "first.txt")
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w") as f:
            f.write("aggregates of run " + os.environ.get("ROB_TAG", ""))
            f.flush()
            if os.environ.get("ROB_PAUSE") == "first":
                Path(os.environ["ROB_MARKER"] + ".kernel-pid").write_text(str(os.getpid()))
                Path(os.environ["ROB_MARKER"]).write_text("mid-write")
                time.sleep(120)
            f.write(" - complete")
        Path(output_dir, "private").mkdir(parents=True, exist_ok=True)
        Path(output_dir, "private", "first.txt").write_text("rosters")
        if os.environ.get("ROB_CHANGE_INPUT"):  # a coordinator re-saves an export during the run
            with open(os.environ["ROB_CHANGE_INPUT"], "a") as f:
                f.write("2026/09/02 11:00:00,b@example.org\\n")
        """)],
    "second.ipynb": ["second",
                     'from pathlib import Path\nPath(output_dir, "private", "second.txt").write_text("x")'],
}
MARK = ('from pathlib import Path\n'
        'd = Path(output_dir, "private", "tables", STAGE)\n'
        'd.mkdir(parents=True, exist_ok=True)\n'
        '(d / ".done").write_text("")')

#: Run in a child process: the same CLI, with a one-notebook pipeline (one kernel start per run) and
#: optional pauses in publishing.
CHILD = textwrap.dedent("""\
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, os.environ["ROB_ROOT"])
    from mentoring_lib import cli
    from mentoring_lib.pipeline import runner, stages
    # The code is the test's: other edits to the checkout must not make an unchanged run re-run.
    runner.provenance.code_digest = lambda: "robustness-test-code"
    runner.NOTEBOOK_DIR = Path(os.environ["ROB_NOTEBOOKS"])
    pipeline = (stages.Stage("first", "first.ipynb", "x:y", inputs=("mentor_registrations",)),)
    stages.STAGES, stages.BY_NAME = pipeline, {s.name: s for s in pipeline}
    pause = os.environ.get("ROB_PAUSE", "")
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # publishing swaps `current` with os.replace
        swap = Path(dst).name == "current"
        if swap and pause == "before_swap":
            Path(os.environ["ROB_MARKER"]).write_text(pause)
            time.sleep(120)
        real_replace(src, dst, *args, **kwargs)
        if swap and pause == "after_swap":
            Path(os.environ["ROB_MARKER"]).write_text(pause)
            time.sleep(120)

    os.replace = replace
    sys.exit(cli.main(sys.argv[1:]))
    """)


def write_notebooks(folder: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    for name, (stage, body) in NOTEBOOK_CELLS.items():
        params = new_code_cell(PARAMS)
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[params, new_code_cell(f'STAGE = "{stage}"'), new_code_cell(body),
                                 new_code_cell(MARK)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)
    (folder / "child.py").write_text(CHILD)


#: A test key: a non-demo term reads its key from MENTORING_KEY (the demo key is for demo terms only).
TEST_KEY = "5e" * 32


@pytest.fixture
def small_term(tmp_path, monkeypatch):
    """A term config with one input, the small pipeline's notebooks and a reports folder."""
    monkeypatch.setenv("MENTORING_KEY", TEST_KEY)
    data = tmp_path / "data"
    data.mkdir()
    (data / "mentors.csv").write_text("Timestamp,Email\n2026/09/01 10:00:00,a@example.org\n")
    cfg = tmp_path / "term.yml"
    cfg.write_text(one_input_term("small", "Small term"))
    write_notebooks(tmp_path / "notebooks")
    return cfg


def start_run(cfg: Path, *args: str, pause: str = "", tag: str = "", change_input: Path | None = None,
              reports: Path | None = None) -> subprocess.Popen:
    tmp = cfg.parent
    env = {**os.environ, "ROB_ROOT": str(ROOT), "ROB_NOTEBOOKS": str(tmp / "notebooks"),
           "ROB_PAUSE": pause, "ROB_MARKER": str(tmp / "marker"), "ROB_TAG": tag, "PYTHONPATH": str(ROOT),
           "MENTORING_KEY": os.environ.get("MENTORING_KEY", TEST_KEY)}
    env.pop("MENTORING_REPORTS_ROOT", None)
    if reports is not None:
        env["MENTORING_REPORTS_ROOT"] = str(reports)
    if change_input is not None:
        env["ROB_CHANGE_INPUT"] = str(change_input)
    (tmp / "marker").unlink(missing_ok=True)
    return subprocess.Popen([sys.executable, str(tmp / "notebooks" / "child.py"), "run", "--config", str(cfg),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True, cwd=tmp)


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def kill_at(cfg: Path, pause: str, tag: str, force: bool = True) -> None:
    """Start a (forced) run, wait until it reaches ``pause``, SIGKILL it."""
    proc = start_run(cfg, *(["--force"] if force else []), pause=pause, tag=tag)
    wait_for((cfg.parent / "marker").exists, 120, proc, f"the run reached '{pause}'")
    kill_group(proc)


def publish_first_run(cfg: Path) -> tuple[Path, str, dict[str, str]]:
    """Run the small term once (tag "one"): its folder, the published run's id, its public hashes."""
    term_dir = cfg.parent / "reports" / "small"
    code, out, err = finish(start_run(cfg, tag="one"))
    assert code == EXIT_OK, err
    return term_dir, publish.published_dir(term_dir).name, folder_hashes(term_dir / "public")


# -- killed runs -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_run_killed_mid_write_and_mid_publish_leaves_previous_outputs_then_next_run_cleans_up(small_term):
    cfg = small_term
    term_dir, first_id, hashes = publish_first_run(cfg)
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates of run one - complete"

    # Killed while the first notebook is half-way through writing its public file.
    kill_at(cfg, "first", "two")
    assert_published_intact(term_dir, first_id, hashes)
    stale = [d for d in (term_dir / publish.RUNS).iterdir() if d.name != first_id]
    assert len(stale) == 1 and (stale[0] / "public" / "first.txt").read_text() == "aggregates of run two"
    assert not (stale[0] / "run.json").exists()

    # Killed while publishing, just before `current` is swapped: the new run is complete but unpublished.
    kill_at(cfg, "before_swap", "three")
    assert_published_intact(term_dir, first_id, hashes)
    assert (term_dir / ".current.tmp").is_symlink(), "the kill really happened between link and swap"

    # The next run holds the lock at once (the killed run's lock died with it), removes the stale
    # staging folders and the half-made link, and publishes.
    code, out, err = finish(start_run(cfg, "--force", tag="four"))
    assert code == EXIT_OK and code != EXIT_LOCKED, err
    assert "Removed 1 unfinished run folder" in out, out
    runs = sorted(d.name for d in (term_dir / publish.RUNS).iterdir())
    assert runs == [publish.published_dir(term_dir).name] and runs[0] != first_id
    assert not (term_dir / ".current.tmp").is_symlink()
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates of run four - complete"
    assert json.loads((term_dir / "run.json").read_text())["status"] == "ok"


@pytest.mark.slow
def test_sigterm_mid_notebook_stops_the_run_at_once_and_cleans_up(small_term):
    """A scheduler's timeout or `kill` sends SIGTERM to the runner alone: the running notebook's
    kernel is killed (not waited for: it would sleep 120 s), the staging folder removed, run.json
    says what happened, exit 143; the published outputs are untouched and the next run needs no
    clean-up."""
    cfg = small_term
    term_dir, first_id, hashes = publish_first_run(cfg)

    proc = start_run(cfg, "--force", pause="first", tag="two")
    wait_for((cfg.parent / "marker").exists, 120, proc, "the notebook reached its pause")
    kernel_pid = int((cfg.parent / "marker.kernel-pid").read_text())
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)  # the runner only, not its process group
    code, out, err = finish(proc, timeout=60)
    assert code == EXIT_TERMINATED, out + err
    assert time.monotonic() - started < 60  # the notebook's 120 s pause was not waited for
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "interrupted" and record["exit_code"] == EXIT_TERMINATED
    assert record["error"] == "stopped by SIGTERM"
    assert_published_intact(term_dir, first_id, hashes)
    assert sorted(d.name for d in (term_dir / publish.RUNS).iterdir()) == [first_id]
    wait_for(lambda: not _alive(kernel_pid), 10, what="the kernel to be gone")

    code, out, err = finish(start_run(cfg, "--force", tag="three"))
    assert code == EXIT_OK, err
    assert "unfinished run folder" not in out
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates of run three - complete"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.slow
def test_run_killed_right_after_the_swap_is_published_whole_and_the_old_run_cleaned_later(small_term):
    cfg = small_term
    term_dir = cfg.parent / "reports" / "small"
    # The very first run, killed just after `current` was swapped in: the fixed paths of the design
    # exist as soon as `current` does (they are made before the swap); otherwise "Nothing to do"
    # below would leave the term without reports/<term>/public.
    kill_at(cfg, "after_swap", "one", force=False)
    first_id = publish.published_dir(term_dir).name
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates of run one - complete"
    assert (term_dir / "private" / "first.txt").read_text() == "rosters"
    code, out, err = finish(start_run(cfg, tag="x"))
    assert code == EXIT_OK and "Nothing to do" in out, out + err

    # A later run killed at the same point: the swap is the commit point, so the new run is published
    # whole; the old run's folder is not removed yet.
    kill_at(cfg, "after_swap", "two")
    new_id = publish.published_dir(term_dir).name
    assert new_id != first_id and (term_dir / publish.RUNS / first_id).is_dir()
    assert json.loads((term_dir / "current" / "run.json").read_text())["status"] == "ok"
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates of run two - complete"
    # Same inputs, config and code: the next run has nothing to do, but removes the old folder.
    code, out, err = finish(start_run(cfg, tag="three"))
    assert code == EXIT_OK, err
    assert "Removed 1 unfinished run folder" in out and "Nothing to do" in out, out
    assert sorted(d.name for d in (term_dir / publish.RUNS).iterdir()) == [new_id]


@pytest.mark.slow
def test_a_killed_runs_lock_is_released_and_a_live_one_is_not(small_term):
    cfg = small_term
    term_dir = cfg.parent / "reports" / "small"
    holder = start_run(cfg, pause="first", tag="one")
    wait_for((cfg.parent / "marker").exists, 120, holder, "the first notebook")
    info = json.loads((term_dir / publish.LOCK_INFO).read_text())
    t0 = time.monotonic()
    code, _, err = finish(start_run(cfg))
    assert code == EXIT_LOCKED and time.monotonic() - t0 < 10
    assert info["run_id"] in err and str(holder.pid) in err, "the message says which run holds the lock"
    kill_group(holder)
    # The lock file and its (now stale) description stay behind; neither blocks the next run.
    assert (term_dir / publish.LOCK).exists()
    code, out, err = finish(start_run(cfg))
    assert code == EXIT_OK, err
    assert "Removed 1 unfinished run folder" in out


# -- inputs that change during a run -----------------------------------------------------------------

@pytest.mark.slow
def test_input_changed_during_the_run_exits_2_naming_it_and_publishes_nothing(small_term):
    cfg = small_term
    term_dir = cfg.parent / "reports" / "small"
    export = cfg.parent / "data" / "mentors.csv"
    code, out, err = finish(start_run(cfg, tag="one", change_input=export))
    assert code == EXIT_INPUT, err
    assert f"file {export}" in err and "changed while the run was reading it" in err and "What to do:" in err
    assert "b@example.org" not in err and "Traceback" not in err
    assert not (term_dir / "current").exists() and not (term_dir / "public").exists(), "nothing published"
    assert list((term_dir / publish.RUNS).iterdir()) == [], "its staging folder is removed"
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "failed" and record["exit_code"] == EXIT_INPUT
    assert record["error"] == "a config or input error" and str(export) not in json.dumps(record)
    details = json.loads((term_dir / "failed" / "run-details.json").read_text())
    assert f"file {export}" in details["error"] and "changed while the run was reading it" in details["error"]


# -- runner paths that used to leave a staging folder behind -----------------------------------------

@pytest.fixture
def in_process_term(small_term, monkeypatch):
    monkeypatch.delenv("MENTORING_REPORTS_ROOT", raising=False)
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", small_term.parent / "notebooks")
    pipeline = (stages.Stage("first", "first.ipynb", "x:y", writes=("registrations/people",)),
                stages.Stage("second", "second.ipynb", "x:y", reads=("registrations/people",)))
    monkeypatch.setattr(stages, "STAGES", pipeline)
    monkeypatch.setattr(stages, "BY_NAME", {s.name: s for s in pipeline})
    return small_term


def test_refused_partial_run_leaves_no_staging_folder(in_process_term, capsys):
    cfg = in_process_term
    assert cli.main(["run", "--config", str(cfg), "--only", "second"]) == EXIT_INPUT
    assert "'second' needs 'first', which has not run on this term yet" in capsys.readouterr().err
    runs = cfg.parent / "reports" / "small" / publish.RUNS
    assert not runs.exists() or list(runs.iterdir()) == []


@pytest.mark.slow
def test_failed_seeding_of_a_partial_run_removes_its_staging_folder(in_process_term, monkeypatch, capsys):
    cfg = in_process_term
    term_dir = cfg.parent / "reports" / "small"
    monkeypatch.setenv("ROB_TAG", "one")
    assert cli.main(["run", "--config", str(cfg)]) == EXIT_OK
    first_id = publish.published_dir(term_dir).name

    def broken_copy(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "seed_from_published", broken_copy)
    assert cli.main(["run", "--config", str(cfg), "--only", "second"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(d.name for d in (term_dir / publish.RUNS).iterdir()) == [first_id]


# -- the demo term (slow) ----------------------------------------------------------------------------

def snapshot_checkout(dest: Path) -> Path:
    """A frozen copy of the code, notebooks, configs and demo data to run the demo term from.

    The checkout is shared with people editing it: a library file changed between two runs would
    rightly change the report's code digest. The copy is not a git checkout, so no commit is recorded.
    """
    import shutil

    for part in ("mentoring_lib", "notebooks", "config", "data/demo"):
        shutil.copytree(ROOT / part, dest / part,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def mentoring(*args: str, reports: Path, checkout: Path = ROOT, **popen) -> subprocess.Popen:
    env = {**os.environ, "MENTORING_REPORTS_ROOT": str(reports), "PYTHONPATH": str(checkout)}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.Popen([sys.executable, "-m", "mentoring_lib", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=checkout, start_new_session=True,
                            **popen)


@pytest.fixture(scope="module")
def demo_published(tmp_path_factory):
    """The demo term run once and published; later tests must leave it intact or reproduce it."""
    reports = tmp_path_factory.mktemp("robust-demo")
    checkout = snapshot_checkout(tmp_path_factory.mktemp("checkout"))
    proc = mentoring("run", "--config", str(checkout / "config" / "demo.yml"), reports=reports,
                     checkout=checkout)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == EXIT_OK, out[-2000:] + err[-2000:]
    term_dir = reports / "demo"
    run_dir = publish.published_dir(term_dir)
    snapshot = {"public": folder_hashes(term_dir / "public"),
                "private": folder_hashes(term_dir / "private", skip=("notebooks", "run-details.json")),
                "run": json.loads((run_dir / "run.json").read_text()),
                "details": json.loads((run_dir / "private" / "run-details.json").read_text())}
    return {"reports": reports, "checkout": checkout, "term_dir": term_dir, "run_id": run_dir.name,
            **snapshot}


@pytest.mark.e2e
def test_bad_inputs_through_run_leave_the_published_demo_intact(demo_published, tmp_path):
    from test_corpus_cli import PERSONAL, cli_spec, write_term

    term_dir = demo_published["term_dir"]
    for name in ("time_in_dst_gap__exit2.csv", "zip_bomb__exit2.xlsx", "consent_column_missing__exit2.csv"):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        proc = mentoring("run", "--config", str(write_term(folder, name)), "--force",
                         reports=demo_published["reports"], checkout=demo_published["checkout"])
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == EXIT_INPUT, f"{name}: {out[-1500:]}{err[-1500:]}"
        assert name in err and cli_spec(name)["message"] in err and "What to do:" in err
        assert "Traceback" not in out + err and not [v for v in PERSONAL if v in out + err]
        assert_published_intact(term_dir, demo_published["run_id"], demo_published["public"])
        assert sorted(d.name for d in (term_dir / publish.RUNS).iterdir()) == [demo_published["run_id"]]


@pytest.mark.e2e
def test_demo_run_killed_at_several_points_then_a_forced_run_reproduces_the_outputs(demo_published):
    reports, term_dir = demo_published["reports"], demo_published["term_dir"]
    run_id = demo_published["run_id"]
    checkout = demo_published["checkout"]
    demo = str(checkout / "config" / "demo.yml")
    runs = term_dir / publish.RUNS

    def staged_notebook(name: str):
        return lambda: any((d / "private" / "notebooks" / name).exists() for d in runs.iterdir()
                           if d.name != run_id)

    # During the first notebook, then when the attendance stage has started (registrations and
    # groups done, their tables written to the staging folder).
    for notebook in ("01_registrations.ipynb", "03_attendance.ipynb"):
        proc = mentoring("run", "--config", demo, "--force", reports=reports, checkout=checkout)
        wait_for(staged_notebook(notebook), 600, proc, f"{notebook} in the staging folder")
        kill_group(proc)
        assert_published_intact(term_dir, run_id, demo_published["public"])
        assert len(list(runs.iterdir())) == 2, "the killed run's staging folder is left for the next run"

    proc = mentoring("run", "--config", demo, "--force", reports=reports, checkout=checkout)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == EXIT_OK, out[-2000:] + err[-2000:]
    assert "Removed 1 unfinished run folder" in out
    new_dir = publish.published_dir(term_dir)
    assert new_dir.name != run_id and sorted(d.name for d in runs.iterdir()) == [new_dir.name]

    # Reproducible: byte-identical public outputs, private tables, rosters and certificate PDFs ...
    assert folder_hashes(term_dir / "public") == demo_published["public"]
    private = folder_hashes(term_dir / "private", skip=("notebooks", "run-details.json"))
    assert any(p.endswith(".pdf") for p in private) and any(p.endswith(".parquet") for p in private)
    assert private == demo_published["private"]
    # ... and a run record that differs only in its timing fields.
    timing = {"run_id", "started", "finished", "duration_s", "disclosure_audit_seconds"}
    before, after = demo_published["run"], json.loads((new_dir / "run.json").read_text())
    assert set(before["stages"]) == set(after["stages"]) and before["run_id"] != after["run_id"]

    def without_timing(record: dict) -> dict:
        out = {k: v for k, v in record.items() if k not in timing}
        out["stages"] = {s: {k: v for k, v in rec.items() if k != "seconds"}
                         for s, rec in record["stages"].items()}
        return out

    assert without_timing(before) == without_timing(after)
    details = json.loads((new_dir / "private" / "run-details.json").read_text())
    assert {**demo_published["details"], "run_id": None} == {**details, "run_id": None}


# -- terms nobody tuned for: header-only exports through a full run (issue 12) ------------------------

def run_small_term(folder: Path, monkeypatch, **term) -> tuple[subprocess.CompletedProcess, Path]:
    """``mentoring run`` on a small term (conftest.small_term) in ``folder``; (process, term folder)."""
    from conftest import small_term

    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)  # a test key, passed on to the run's environment
    config = small_term(folder, **term)
    reports = folder / "reports-root"
    proc = mentoring("run", "--config", str(config), reports=reports)
    out, err = proc.communicate(timeout=900)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), reports / "small"


def report_text(term_dir: Path) -> str:
    import html
    import re

    page = (term_dir / "public" / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


EMPTY_FEEDBACK_AND_ATTENDANCE = {f: [] for f in ("trainings.csv", "meetings.csv", "before.csv", "after.csv",
                                                 "mentor_end.csv")}


UNPAIRED_MENTOR = ["2026/09/01 10:00:00,Aino Aaltonen,m1@example.org,English,Mon 10-12",
                   "2026/09/01 10:05:00,Bo Bergqvist,m2@example.org,English,Mon 10-12",
                   "2026/09/01 10:10:00,Cai Carlsson,m3@example.org,Swedish,Tue 14-16"]


@pytest.mark.e2e
@pytest.mark.parametrize("rows, says", [
    ({"mentors.csv": []}, ["No groups were formed this term, so no group meetings were held: no mentor was accepted.",
                           "0 groups met no groups were formed"]),
    ({"participants.csv": []}, ["0 participants accepted"]),
    (EMPTY_FEEDBACK_AND_ATTENDANCE, ["No mentor feedback was collected."]),
    ({"mentors.csv": UNPAIRED_MENTOR}, ["co-leading 1 group in pairs"]),
], ids=["empty-mentors", "empty-participants", "empty-attendance-and-feedback", "one-mentor-unpaired"])
def test_small_terms_run_every_stage_and_publish_a_report(tmp_path, monkeypatch, rows, says):
    proc, term_dir = run_small_term(tmp_path, monkeypatch, rows=rows)
    assert proc.returncode == EXIT_OK, proc.stdout[-2000:] + proc.stderr[-2000:]
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "ok" and set(record["stages"]) == {s.name for s in stages.STAGES}
    details = json.loads((term_dir / "private" / "run-details.json").read_text())  # counts are private
    for input_id in (f.removesuffix(".csv") for f, lines in rows.items() if not lines):
        assert details["inputs"][input_id]["rows_read"] == 0, input_id
    text = report_text(term_dir)
    for sentence in says:
        assert sentence in text
    assert (term_dir / "public" / "report.pdf").is_file()


@pytest.mark.slow
def test_no_registrations_at_all_stops_with_exit_2_naming_the_exports(tmp_path, monkeypatch):
    proc, _ = run_small_term(tmp_path, monkeypatch, rows={"mentors.csv": [], "participants.csv": []})
    assert proc.returncode == EXIT_INPUT, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert ("no registrations: the registration exports (mentors.csv, participants.csv) have no responses "
            "(header only)") in proc.stderr
    assert "What to do:" in proc.stderr and "Traceback" not in proc.stderr


# -- the documented cron line --------------------------------------------------------------------------

def test_documented_cron_line_keeps_a_log_and_prints_only_on_failure(tmp_path):
    """examples/cron.txt as cron would run it: log appended, mail (stdout) only for exits other than 0/75."""
    line = next(ln for ln in (ROOT / "examples" / "cron.txt").read_text().splitlines()
                if "mentoring run" in ln and not ln.startswith("#"))
    assert line in (ROOT / "docs" / "scheduling.md").read_text(), "the docs show the example's line"
    command = line.split(None, 5)[5].replace("/srv/mentoring-workbook", str(tmp_path))
    assert "%" not in command, "cron turns % into a newline"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake = tmp_path / ".venv" / "bin" / "mentoring"
    fake.write_text(f'#!/bin/sh\nif [ -n "$FAKE_RC" ]; then echo "fake run"; exit $FAKE_RC; fi\n'
                    f'exec {sys.executable} -m mentoring_lib "$@"\n')
    fake.chmod(0o755)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "autumn-2026.yml").write_text(
        one_input_term("autumn-2026", "Autumn 2026", key_source="demo", data_dir="../data", reports_dir="../reports"))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}  # cron's bare env
    log = tmp_path / "reports" / "autumn-2026" / "logs" / "cron.log"
    mails = {}
    for rc in ("0", "75", "3", ""):  # "": the real command, whose input file is missing (exit 2)
        proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=120,
                              env={**env, "FAKE_RC": rc})
        mails[rc or "2"] = proc.stdout + proc.stderr
    assert mails["0"] == "" and mails["75"] == ""
    assert mails["3"].strip() == f"mentoring run of autumn-2026 exited 3: see {log}"
    assert mails["2"].strip() == f"mentoring run of autumn-2026 exited 2: see {log}"
    text = log.read_text()
    assert text.count("fake run") == 3 and "input file not found" in text and "mentors.csv" in text
    assert text.count(" UTC ") == 4, "each run's start time is logged"
