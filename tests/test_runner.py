"""The runner on fixture notebooks named by behaviour: order, exit codes, staging, lock, provenance."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import one_input_term

from mentoring_lib import cli
from mentoring_lib.pipeline import publish, runner, stage_errors, stages
from mentoring_lib.errors import EXIT_INPUT, EXIT_LOCKED, EXIT_NOTEBOOK, EXIT_OK, EXIT_PRIVACY

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


@pytest.fixture
def term(tmp_path, monkeypatch):
    """A two-stage pipeline of fixture notebooks and a tiny term config."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "mentors.csv").write_text("Timestamp,Email\n2026/09/01 10:00:00,a@example.org\n")
    cfg = tmp_path / "term.yml"
    cfg.write_text(one_input_term("fixture", "Fixture term"))
    monkeypatch.delenv("MENTORING_REPORTS_ROOT", raising=False)
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)  # a test key; real terms read theirs from a key file
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", FIXTURES)

    def use(second: str, first: str = "succeeds_first.ipynb"):
        pipeline = (stages.Stage("first", first, "x:y", inputs=("mentor_registrations",),
                                 writes=("registrations/people",)),
                    stages.Stage("second", second, "x:y", inputs=("group_attendance", "training_attendance"),
                                 reads=("registrations/people",)))
        monkeypatch.setattr(stages, "STAGES", pipeline)
        monkeypatch.setattr(stages, "BY_NAME", {s.name: s for s in pipeline})
        return cfg

    return use


def run_cli(*args: str) -> int:
    return cli.main(list(args))


def test_successful_run_publishes_and_records_provenance(term, capsys):
    cfg = term("succeeds_second.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    term_dir = cfg.parent / "reports" / "fixture"
    assert (term_dir / "public" / "first.txt").read_text() == "aggregates only"
    assert (term_dir / "private" / "notebooks" / "succeeds_second.ipynb").is_file()
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "ok" and record["exit_code"] == 0
    assert set(record["stages"]) == {"first", "second"}
    assert record["inputs"]["mentors"]["sha256"] == runner.provenance.sha256_file(cfg.parent / "data" / "mentors.csv")
    assert record["config"]["digest"] and record["code"]["package"]
    out = capsys.readouterr().out
    assert "first: done" in out and "second: done" in out and "report (HTML)" in out
    # The executed notebook carries the injected parameters: a path and a folder, nothing personal.
    nb = json.loads((term_dir / "private" / "notebooks" / "succeeds_second.ipynb").read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "output_dir" in "".join(injected[0]["source"])


@pytest.mark.slow
def test_unchanged_inputs_do_nothing_unless_forced(term, capsys, monkeypatch):
    cfg = term("succeeds_second.ipynb")
    monkeypatch.setattr(runner.provenance, "code_digest", lambda: "code-v1")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    first_run = json.loads((cfg.parent / "reports" / "fixture" / "run.json").read_text())["run_id"]
    capsys.readouterr()
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    assert "Nothing to do" in capsys.readouterr().out
    time.sleep(1.1)  # run ids have one-second resolution
    assert run_cli("run", "--config", str(cfg), "--force") == EXIT_OK
    assert json.loads((cfg.parent / "reports" / "fixture" / "run.json").read_text())["run_id"] != first_run
    capsys.readouterr()
    monkeypatch.setattr(runner.provenance, "code_digest", lambda: "code-v2")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    assert "Nothing to do" not in capsys.readouterr().out, "changed code re-runs the term"
    capsys.readouterr()
    (cfg.parent / "data" / "mentors.csv").write_text("Timestamp,Email\n")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    assert "Nothing to do" not in capsys.readouterr().out, "a changed input re-runs the term"


def test_failing_notebook_exits_3_names_stage_and_keeps_notebook(term, capsys):
    cfg = term("raises_value_error.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_NOTEBOOK
    err = capsys.readouterr().err
    assert "stage 'second': failed in cell" in err and "ValueError" in err
    assert "secret.person@example.org" not in err, "an arbitrary exception's text may carry personal data"
    term_dir = cfg.parent / "reports" / "fixture"
    kept = term_dir / "failed" / "raises_value_error.ipynb"
    assert kept.is_file() and "secret.person" in kept.read_text()  # the private copy has the details
    assert not (term_dir / "public").exists(), "nothing is published by a failed run"
    assert json.loads((term_dir / "run.json").read_text())["status"] == "failed"


def test_input_error_inside_notebook_exits_2_with_its_message(term, capsys):
    cfg = term("raises_input_error.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "file after.csv, row 7, column 'Q3': unknown Likert label" in err


@pytest.mark.slow
def test_failed_run_leaves_previous_outputs_intact(term):
    cfg = term("succeeds_second.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    public = cfg.parent / "reports" / "fixture" / "public"
    before = {p.name: p.read_bytes() for p in public.iterdir()}
    cfg = term("raises_value_error.ipynb")
    assert run_cli("run", "--config", str(cfg), "--force") == EXIT_NOTEBOOK
    assert {p.name: p.read_bytes() for p in public.iterdir()} == before
    assert list((cfg.parent / "reports" / "fixture" / publish.RUNS).iterdir()) == [public.resolve().parent]


@pytest.mark.slow
def test_notebook_that_forgets_to_mark_done_fails(term, capsys):
    assert run_cli("run", "--config", str(term("forgets_mark_done.ipynb"))) == EXIT_NOTEBOOK
    assert "without marking itself done" in capsys.readouterr().err


@pytest.mark.slow
def test_dead_kernel_is_reported(term, capsys):
    assert run_cli("run", "--config", str(term("kills_kernel.ipynb"))) == EXIT_NOTEBOOK
    assert "kernel died" in capsys.readouterr().err


@pytest.mark.slow
def test_cell_timeout_is_reported(term, capsys):
    assert run_cli("run", "--config", str(term("sleeps.ipynb")), "--timeout", "3") == EXIT_NOTEBOOK
    assert "timeout" in capsys.readouterr().err


@pytest.mark.slow
def test_privacy_gate_stops_publication_with_exit_4(term, capsys):
    cfg = term("leaks_name.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_PRIVACY
    err = capsys.readouterr().err
    assert "Canaryson" not in err and "chart.svg" in err
    assert not (cfg.parent / "reports" / "fixture" / "public").exists()


@pytest.mark.slow
def test_only_and_from_rerun_part_of_the_pipeline(term, capsys):
    cfg = term("succeeds_second.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    capsys.readouterr()
    assert run_cli("run", "--config", str(cfg), "--only", "second") == EXIT_OK
    out = capsys.readouterr().out
    assert "second: done" in out and "first: done" not in out
    term_dir = cfg.parent / "reports" / "fixture"
    assert (term_dir / "public" / "first.txt").is_file(), "outputs of stages not re-run are kept"
    assert json.loads((term_dir / "run.json").read_text())["partial"] == ["second"]
    assert run_cli("run", "--config", str(cfg), "--from", "first") == EXIT_OK


def test_only_without_previous_run_is_refused_exit2_naming_the_earlier_stage(term, capsys):
    cfg = term("succeeds_second.ipynb")
    assert run_cli("run", "--config", str(cfg), "--only", "second") == EXIT_INPUT
    err = capsys.readouterr().err
    assert "'second' needs 'first', which has not run on this term yet" in err
    assert f"--config {cfg} --only first --only second" in err


def test_missing_input_exits_2_naming_file(term, capsys):
    cfg = term("succeeds_second.ipynb")
    (cfg.parent / "data" / "mentors.csv").unlink()
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "mentors.csv" in err and "input file not found" in err


def test_every_missing_input_of_the_stages_run_is_named_at_once_exit2(term, capsys):
    cfg = term("succeeds_second.ipynb")
    text = cfg.read_text().replace(
        "inputs: [", "inputs: [{id: meetings, kind: group_attendance, file: meetings.xlsx},\n"
                     "         {id: trainings, kind: training_attendance, file: trainings.xlsx},\n         ")
    cfg.write_text(text)
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "2 problems" in err and "meetings.xlsx" in err and "trainings.xlsx" in err


def test_only_a_stage_does_not_need_the_inputs_of_stages_it_does_not_run(term, capsys):
    cfg = term("succeeds_second.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    # Later in the term a sheet the second stage reads is configured but not there yet.
    cfg.write_text(cfg.read_text().replace(
        "inputs: [", "inputs: [{id: meetings, kind: group_attendance, file: meetings.xlsx},\n         "))
    capsys.readouterr()
    assert run_cli("run", "--config", str(cfg), "--only", "first") == EXIT_OK
    assert run_cli("run", "--config", str(cfg), "--only", "second") == EXIT_INPUT
    assert "meetings.xlsx" in capsys.readouterr().err


def test_unknown_config_key_exits_2(tmp_path, capsys):
    cfg = tmp_path / "bad.yml"
    cfg.write_text("term: {name: x, title: y, start: 2026-10-01, end: 2026-12-01, colour: red}\n")
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "bad.yml" in err and "term.colour" in err and "unknown key" in err


def test_second_run_of_same_term_exits_75_within_a_second(term, tmp_path):
    cfg = term("succeeds_second.ipynb")
    term_dir = cfg.parent / "reports" / "fixture"
    with publish.term_lock(term_dir, "holder-run"):
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        env.pop("MENTORING_REPORTS_ROOT", None)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "mentoring_lib", "run", "--config", str(cfg)],
                              capture_output=True, text=True, env=env, timeout=60)
        elapsed = time.perf_counter() - t0
    assert proc.returncode == EXIT_LOCKED
    assert "holder-run" in proc.stderr and "holds the lock" in proc.stderr
    assert elapsed < 5  # interpreter start-up included; the lock itself answers at once


@pytest.mark.slow
def test_stale_run_folders_are_cleaned(term):
    cfg = term("succeeds_second.ipynb")
    stale = cfg.parent / "reports" / "fixture" / publish.RUNS / "20260101T000000Z-1"
    (stale / "public").mkdir(parents=True)
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    assert not stale.exists()


def test_independent_stages_run_concurrently(monkeypatch):
    order = []

    def run(st):
        order.append(("start", st.name))
        time.sleep(0.3)
        order.append(("end", st.name))
        return 0.3

    pipeline = [stages.Stage("a", "", "", writes=("a/x",)), stages.Stage("b", "", "", writes=("b/x",)),
                stages.Stage("c", "", "", reads=("a/x", "b/x"))]
    monkeypatch.setattr(stages, "STAGES", tuple(pipeline))
    t0 = time.perf_counter()
    seconds = runner._schedule(pipeline, set(), run, jobs=2, report=lambda m: None)
    assert time.perf_counter() - t0 < 0.85
    assert set(seconds) == {"a", "b", "c"}
    assert order.index(("start", "c")) > max(order.index(("end", "a")), order.index(("end", "b")))


def test_stage_registry_is_a_valid_dependency_order():
    seen = set()
    for st in stages.STAGES:
        assert set(st.needs) <= seen, f"{st.name} needs a later stage"
        assert (runner.NOTEBOOK_DIR / st.notebook).name.startswith(f"{len(seen) + 1:02d}_")
        seen.add(st.name)
    assert stages.upstream("report") == ["registrations", "groups", "attendance", "feedback", "evaluation"]
    assert [s.name for s in stages.select(start="evaluation")] == ["evaluation", "certificates", "report"]


def test_only_a_stage_writing_public_files_also_runs_the_report_that_protects_the_release():
    """The disclosure audit protects the public release as a whole in the report stage: a stage
    that rewrites a public file alone (registration_summary.xlsx) would publish it protected only
    sheet by sheet, and the audit would stop the run (exit 4)."""
    names = lambda **kw: [s.name for s in stages.select(**kw)]  # noqa: E731
    assert names(only=["registrations"]) == ["registrations", "report"]
    assert names(only=["evaluation"]) == ["evaluation", "report"]
    assert names(only=["groups"]) == ["groups", "report"]  # public/group_sizes.xlsx
    assert names(only=["attendance"]) == ["attendance"]  # writes nothing public
    assert names(only=["certificates"]) == ["certificates"]
    assert {s.name for s in stages.STAGES if s.public} == {"registrations", "groups", "evaluation", "report"}


def test_missing_key_of_a_real_term_fails_before_any_kernel_starts(term, capsys, monkeypatch):
    cfg = term("succeeds_second.ipynb")
    monkeypatch.delenv("MENTORING_KEY", raising=False)
    monkeypatch.setattr(runner, "execute_stage", lambda *a, **k: pytest.fail("a stage ran without a key"))
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    assert "mentoring keygen" in capsys.readouterr().err


def test_unreadable_input_exits_2_naming_the_file(term, capsys):
    if os.geteuid() == 0:
        pytest.skip("root reads every file; the permission check cannot fail here")
    cfg = term("succeeds_second.ipynb")
    (cfg.parent / "data" / "mentors.csv").chmod(0)
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    assert "mentors.csv" in capsys.readouterr().err


def test_unreadable_input_message(term, monkeypatch):
    from mentoring_lib.config import load_config
    from mentoring_lib.errors import InputError

    cfg = load_config(term("succeeds_second.ipynb"))

    def denied(path, chunk=0):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(runner.provenance, "sha256_file", denied)
    with pytest.raises(InputError, match=r"mentors\.csv: cannot be read \(Permission denied\)"):
        runner.provenance.input_fingerprints(cfg)


@pytest.mark.slow
def test_a_new_key_reruns_an_unchanged_term(term, capsys, monkeypatch):
    cfg = term("succeeds_second.ipynb")
    monkeypatch.setattr(runner.provenance, "code_digest", lambda: "code-v1")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    capsys.readouterr()
    monkeypatch.setenv("MENTORING_KEY", "a7" * 32)
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    assert "Nothing to do" not in capsys.readouterr().out
    record = (cfg.parent / "reports" / "fixture" / "run.json").read_text()
    assert "a7" * 16 not in record and "5e" * 16 not in record


@pytest.mark.slow
def test_runner_imports_papermill_without_the_iri_grammar_and_still_validates_notebooks():
    """kernels.import_papermill keeps rfc3987_syntax (2 s of Lark grammars) out of the runner;
    nbformat must still validate every stage notebook, and a broken one must still fail."""
    root = Path(__file__).resolve().parent.parent
    code = textwrap.dedent(f"""
        import sys
        from mentoring_lib.pipeline import kernels
        pm = kernels.import_papermill()
        import nbformat
        assert pm.__name__ == "papermill"
        assert sys.modules.get("rfc3987_syntax") is None, "the IRI grammar was imported"
        for path in sorted(__import__("pathlib").Path({str(root / "notebooks")!r}).glob("*.ipynb")):
            nbformat.validate(nbformat.read(path, as_version=4))
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell("1"))
        nb.cells[0]["outputs"] = [{{"output_type": "no-such-type"}}]
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError:
            print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


def test_warm_pool_starts_kernels_in_start_order_and_keeps_one_waiting(monkeypatch, tmp_path):
    """Memory: at most ``ahead`` started kernels wait untaken (one by default); each stage taken
    gets its own kernel; the kernels queued are the next ones in the scheduler's order (which of
    two queued starts a worker thread begins first is not promised); close() shuts down the ones
    never taken."""
    from mentoring_lib.pipeline import kernels

    started, stopped = [], []

    class FakeKernel:
        has_kernel = True

        def __init__(self, name):
            self.name = name

        async def is_alive(self):
            return True

    async def fake_start(stage, cwd, extra_arguments):
        started.append(stage.name)
        return FakeKernel(stage.name)

    monkeypatch.setattr(kernels, "_start", fake_start)
    monkeypatch.setattr(kernels, "shutdown", lambda km: stopped.append(km.name))
    monkeypatch.setattr(kernels, "import_papermill", lambda: None)
    assert kernels.DEFAULT_AHEAD == 1
    order = [s.name for s in kernels.start_order(stages.STAGES)]
    assert order == ["registrations", "groups", "feedback", "attendance", "evaluation", "certificates", "report"]

    pool = kernels.WarmKernels(stages.STAGES, cwd=tmp_path, extra_arguments=[])
    taken = []
    for name in order[:4]:
        km = pool.take(next(s for s in stages.STAGES if s.name == name))
        assert km.name == name
        taken.append(name)
        for fut in list(pool._futures.values()):  # let the starts the pool queued run
            fut.result()
        waiting = [n for n in started if n not in taken]
        assert len(waiting) <= 1, waiting
        # what has been started is exactly the stages taken and the next one in start order
        assert sorted(started) == sorted(order[:len(taken) + 1]), started
        assert len(started) == len(set(started)), started  # no stage got two kernels
    pool.close()
    assert stopped == ["evaluation"]


def test_kernels_use_the_system_allocator_for_arrow_unless_told_otherwise(monkeypatch, tmp_path):
    for name in ("ARROW_DEFAULT_MEMORY_POOL", "SOURCE_DATE_EPOCH", "MPLBACKEND", "PYTHONHASHSEED",
                 "PYDEVD_DISABLE_FILE_VALIDATION"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    runner._kernel_environment()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    assert "SOURCE_DATE_EPOCH" not in os.environ, "the date is handed to the stages, not set in the environment"
    # pyarrow honours the setting (a kernel inherits this environment)
    probe = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=dict(os.environ))
    assert out.stdout.strip() == "system", out.stderr[-500:]
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")  # a user's own choice stays
    runner._kernel_environment()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "mimalloc"


def test_sigterm_raises_except_while_publishing_and_the_published_run_is_never_removed(tmp_path):
    from mentoring_lib.errors import Terminated

    stop = runner._StopSignal()
    with pytest.raises(Terminated):
        stop(15, None)
    with stop.deferred():
        stop(15, None)  # waits: publishing is one atomic swap
    assert stop.arrived_while_deferred
    with pytest.raises(Terminated):
        stop(15, None)  # deferred only while publishing

    term_dir = tmp_path / "term"
    published = publish.new_run_dir(term_dir, "published")
    staging = publish.new_run_dir(term_dir, "staging")
    (term_dir / publish.CURRENT).symlink_to(published.relative_to(term_dir))
    runner._remove_unpublished(term_dir, published)
    runner._remove_unpublished(term_dir, staging)
    assert published.is_dir() and not staging.exists()


def test_a_stopping_run_gets_no_more_kernels(monkeypatch, tmp_path):
    """After kernels.kill_all (SIGTERM or Ctrl-C), take() raises Terminated instead of handing out
    or cold-starting a kernel, and no further kernel is started; a new pool starts afresh."""
    from mentoring_lib.pipeline import kernels
    from mentoring_lib.errors import Terminated

    started = []

    class FakeKernel:
        has_kernel = True

        async def is_alive(self):
            return True

    async def fake_start(stage, cwd, extra_arguments):
        started.append(stage.name)
        return FakeKernel()

    monkeypatch.setattr(kernels, "_start", fake_start)
    monkeypatch.setattr(kernels, "shutdown", lambda km: None)
    monkeypatch.setattr(kernels, "import_papermill", lambda: None)
    first = next(s for s in stages.STAGES if s.name == "registrations")
    pool = kernels.WarmKernels(stages.STAGES, cwd=tmp_path, extra_arguments=[])
    assert pool.take(first) is not None
    kernels.kill_all()
    with pytest.raises(Terminated):
        pool.take(next(s for s in stages.STAGES if s.name == "groups"))
    pool._top_up()
    pool.close()
    # groups was warming before the stop; nothing after (which of the two queued starts a worker
    # thread began first is not promised)
    assert sorted(started) == ["groups", "registrations"]
    again = kernels.WarmKernels(stages.STAGES, cwd=tmp_path, extra_arguments=[])
    assert again.take(first) is not None
    again.close()


def test_gate_allows_the_school_names_of_the_terms_own_table(tmp_path):
    import pandas as pd

    from mentoring_lib.config import load_config

    lookups = Path(__file__).parent / "fixtures" / "lookups"
    (tmp_path / "private" / "identity").mkdir(parents=True)
    pd.DataFrame({"name": ["Kim Lawson"], "email": ["kim.lawson@example.org"]}).to_parquet(
        tmp_path / "private" / "identity" / "people.parquet")
    plain = tmp_path / "plain.yml"
    plain.write_text(one_input_term("plain", "Plain"))
    own = tmp_path / "own.yml"
    own.write_text(one_input_term("own", "Own") + f"schools_file: {lookups / 'schools_with_answer_codes__reads.yml'}\n")
    default_allow = runner._identities(tmp_path, load_config(plain)).allow
    own_allow = runner._identities(tmp_path, load_config(own)).allow
    assert "aalto university" in default_allow and "esimerkin yliopisto" not in default_allow
    assert {"esimerkin yliopisto", "university of example", "faculty of law", "juridiska fakulteten"} <= set(own_allow)


def test_report_reads_only_the_quality_records_of_stages_it_depends_on(tmp_path):
    """The certificates stage runs beside the report: whether its record exists when the report
    starts depends on scheduling, so the report must not read it."""
    import json

    from mentoring_lib.steps.data_quality import load_quality
    from mentoring_lib.pipeline import stages

    assert "certificates" not in stages.upstream("report")
    (tmp_path / "registrations.json").write_text(json.dumps({"mentors": {"rows_read": 3}}))
    (tmp_path / "certificates.json").write_text(json.dumps({"certificates": {"rows_read": 9}}))
    assert load_quality(tmp_path) == {"mentors": {"rows_read": 3}}


# -- privacy of the run's own files: modes and the split run record ----------------------------------

@pytest.fixture
def umask_022():
    """The usual umask, under which files are created 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    """Permission bits of every folder and file under ``root`` (links not followed)."""
    out = {}
    for p in [root, *root.rglob("*")]:
        if not p.is_symlink():
            out[p.relative_to(root.parent).as_posix() + ("/" if p.is_dir() else "")] = p.stat().st_mode & 0o777
    return out


@pytest.mark.slow
def test_private_outputs_are_0600_in_0700_folders_under_umask_022(term, umask_022, capsys):
    cfg = term("writes_private.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    term_dir = cfg.parent / "reports" / "fixture"
    private = (term_dir / "private").resolve()
    assert (private / "mail_merge.csv").is_file() and (private / "certificates" / "c1.pdf").is_file()
    modes = _modes(private)
    assert len([k for k in modes if not k.endswith("/")]) >= 6, modes  # roster, merge, pdf, notebooks, ...
    assert {k: m for k, m in modes.items() if m != (0o700 if k.endswith("/") else 0o600)} == {}
    assert (term_dir / ".runs").stat().st_mode & 0o777 == 0o700
    assert private.parent.stat().st_mode & 0o777 == 0o700, "the staging/run folder itself"
    # what is not private keeps the umask's modes
    assert (term_dir / "run.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.slow
def test_failed_run_keeps_its_notebooks_and_details_0600_in_a_0700_folder(term, umask_022, capsys):
    cfg = term("raises_value_error.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_NOTEBOOK
    failed = cfg.parent / "reports" / "fixture" / "failed"
    modes = _modes(failed)
    assert "failed/raises_value_error.ipynb" in modes and "failed/run-details.json" in modes
    assert {k: m for k, m in modes.items() if m != (0o700 if k.endswith("/") else 0o600)} == {}


@pytest.mark.slow
def test_run_record_is_split_into_public_provenance_and_private_details(term, capsys):
    cfg = term("writes_private.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    term_dir = cfg.parent / "reports" / "fixture"
    for path in (term_dir / "run.json", term_dir / "current" / "run.json"):
        text = path.read_text()
        record = json.loads(text)
        assert record["status"] == "ok" and record["details"] == "private/run-details.json"
        # inputs by their config id, never by file name (a coordinator's file name may hold a name)
        assert record["inputs"]["mentors"] == {
            "kind": "mentor_registrations", "tool": record["inputs"]["mentors"]["tool"],
            "sha256": runner.provenance.sha256_file(cfg.parent / "data" / "mentors.csv"),
            "bytes": (cfg.parent / "data" / "mentors.csv").stat().st_size}
        assert "file" not in record["config"] and "mentors.csv" not in text and "term.yml" not in text
        # no counts (a count of 2 exclusions can point at people), no absolute paths
        assert "rows_read" not in text and "excluded" not in text and "withdrew" not in text
        assert str(cfg.parent) not in text
    details = json.loads((term_dir / "private" / "run-details.json").read_text())
    assert details["inputs"]["mentors"] == {"path": str(cfg.parent / "data" / "mentors.csv"), "rows_read": 3,
                                            "kept": 1, "excluded": {"withdrew": 2}}
    assert details["config_file"] == str(cfg) and details["status"] == "ok"


@pytest.mark.slow
def test_failed_run_record_says_what_failed_and_keeps_the_message_private(term, capsys):
    cfg = term("raises_input_error.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    term_dir = cfg.parent / "reports" / "fixture"
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "failed" and record["exit_code"] == EXIT_INPUT
    assert record["error"] == "a config or input error" and record["details"] == "failed/run-details.json"
    details = json.loads((term_dir / "failed" / "run-details.json").read_text())
    assert "row 7, column 'Q3'" in details["error"] and details["exit_code"] == EXIT_INPUT


@pytest.mark.slow
def test_purge_deletes_the_private_run_details_and_keeps_public_provenance(term, capsys):
    from mentoring_lib.config import load_config
    from mentoring_lib.pipeline.retention import purge_term

    cfg = term("writes_private.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_OK
    term_dir = cfg.parent / "reports" / "fixture"
    details = (term_dir / "private" / "run-details.json").resolve()
    # a run.json from before the split, with counts and an absolute path, is cut down by purge
    old = json.loads((term_dir / "run.json").read_text())
    old["inputs"]["mentors"].update(rows_read=3, kept=1, excluded={"withdrew": 2})
    old["config"]["file"] = str(cfg)
    (term_dir / "run.json").write_text(json.dumps(old))
    purge_term(load_config(cfg), yes=True, echo=lambda line: None)
    assert not details.exists() and not details.parent.exists()
    text = (term_dir / "run.json").read_text()
    assert json.loads(text)["status"] == "ok" and "rows_read" not in text and str(cfg.parent) not in text


def test_output_folders_open_a_0700_private_area_also_for_interactive_use(tmp_path, umask_022):
    from mentoring_lib.pipeline.context import OutputPaths

    (tmp_path / "interactive" / "private").mkdir(parents=True)  # left 0755 by an older version
    out = OutputPaths(tmp_path / "interactive").ensure()
    assert out.private.stat().st_mode & 0o777 == 0o700
    assert out.public.stat().st_mode & 0o777 == 0o755, "public keeps the umask's mode"


def test_background_imports_load_what_the_gate_and_audit_need_and_survive_a_missing_module():
    import sys

    runner.import_in_background(("json", "no_such_module_for_the_test")).join(timeout=30)
    assert "json" in sys.modules and "no_such_module_for_the_test" not in sys.modules
    assert set(runner.LATE_RUNNER_IMPORTS) == {"pypdf", "scipy.optimize"}


def test_warm_kernels_do_not_write_to_the_runners_console(monkeypatch):
    """A warm kernel shut down while it was still starting (a run stopping at its first stage)
    printed a zmq traceback on the console: warm kernels start with their process stderr closed."""
    import asyncio
    import subprocess

    import jupyter_client.manager

    from mentoring_lib.pipeline import kernels

    seen = {}

    class Started(Exception):
        pass

    class FakeManager:
        def __init__(self, **kw):
            pass

        async def start_kernel(self, **kw):
            seen.update(kw)
            raise Started()

    monkeypatch.setattr(jupyter_client.manager, "AsyncKernelManager", FakeManager)
    with pytest.raises(Started):
        asyncio.run(kernels._start(stages.STAGES[0], "/tmp", []))
    assert seen["stderr"] == subprocess.DEVNULL and seen["cwd"] == "/tmp"


# -- errors out of a stage's kernel: structured payloads, not class names ----------------------------

def _executed_notebook(path: Path, *cells: list[dict]) -> Path:
    """An executed notebook as papermill writes it: one code cell per list of outputs."""
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "", "outputs": outputs}
                                          for outputs in cells], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


def _shown(payload) -> dict:
    from mentoring_lib.errors import ERROR_MIME_TYPE

    return {"output_type": "display_data", "data": {ERROR_MIME_TYPE: payload}, "metadata": {}}


ERROR_OUTPUT = {"output_type": "error", "ename": "CoordinatorFacingProblem", "evalue": "", "traceback": []}


def test_stage_error_is_rebuilt_from_the_failing_cells_payload_not_from_the_exception_name(tmp_path):
    from mentoring_lib.errors import InputError

    raised = InputError("unknown Likert label", file="after.csv", row=7, column="Q3", hint="fix the cell")
    earlier = InputError("an earlier cell's display, not an error", row=2)
    executed = _executed_notebook(tmp_path / "nb.ipynb", [_shown(earlier.to_payload())],
                                  [_shown(raised.to_payload()), ERROR_OUTPUT], [])
    error = stage_errors.stage_error("feedback", executed, tmp_path / "kept.ipynb", cell=2,
                               exception="CoordinatorFacingProblem")
    assert type(error) is InputError and error.exit_code == EXIT_INPUT
    assert (error.stage, error.file, error.row, error.column) == ("feedback", "after.csv", 7, "Q3")
    assert error.render() == ("stage 'feedback': file after.csv, row 7, column 'Q3': unknown Likert label\n"
                              "  What to do: fix the cell")


def test_a_stage_error_without_payload_is_a_failed_notebook_naming_the_kept_copy(tmp_path):
    executed = _executed_notebook(tmp_path / "nb.ipynb", [{**ERROR_OUTPUT, "ename": "ValueError",
                                                           "evalue": "secret.person@example.org"}])
    for notebook in (executed, tmp_path / "never-written.ipynb"):
        error = stage_errors.stage_error("groups", notebook, tmp_path / "failed" / "02_groups.ipynb", cell=4,
                                   exception="ValueError")
        assert isinstance(error, stage_errors.StageFailed) and error.exit_code == EXIT_NOTEBOOK
        assert error.render().startswith("stage 'groups': failed in cell 4: ValueError, not one of the workbook's")
        assert str(tmp_path / "failed" / "02_groups.ipynb") in error.render()
        assert "secret.person" not in error.render()


@pytest.mark.parametrize("payload", [{"schema_version": 1, "kind": "InputError", "exit_code": 2, "problem": "x"},
                                     {"schema_version": 9, "kind": "input", "exit_code": 2, "problem": "x"},
                                     "file after.csv, row 7", ["not", "an", "object"]])
def test_an_unreadable_payload_is_a_bug_exit_1_naming_the_kept_notebook(tmp_path, payload):
    from mentoring_lib.errors import EXIT_UNEXPECTED

    executed = _executed_notebook(tmp_path / "nb.ipynb", [_shown(payload), ERROR_OUTPUT])
    error = stage_errors.stage_error("report", executed, tmp_path / "kept.ipynb", cell=3, exception="InputError")
    assert isinstance(error, stage_errors.StageFailed) and error.exit_code == EXIT_UNEXPECTED
    assert "a bug in the workbook" in error.render() and str(tmp_path / "kept.ipynb") in error.render()
    assert error.to_payload()["kind"] == "stage-failed"


def _notebook_dir_with(tmp_path: Path, name: str, failing_cell: str) -> Path:
    """The fixture notebooks, and ``name``: the input-error fixture with its raising cell replaced."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for nb in FIXTURES.glob("*.ipynb"):
        (folder / nb.name).write_bytes(nb.read_bytes())
    notebook = json.loads((FIXTURES / "raises_input_error.ipynb").read_text())
    cell = next(c for c in notebook["cells"] if "raise InputError" in "".join(c["source"]))
    cell["source"] = failing_cell
    (folder / name).write_text(json.dumps(notebook))
    return folder


@pytest.mark.slow
def test_a_renamed_workbook_error_class_keeps_its_exit_code_and_fields(term, capsys, monkeypatch, tmp_path):
    """The runner reads the payload's kind, not the exception's class name: a subclass under another
    name (or a class renamed in a later version) still exits 2 with its file, row and column."""
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", _notebook_dir_with(tmp_path, "raises_renamed.ipynb", textwrap.dedent("""\
        from mentoring_lib.errors import InputError
        class CoordinatorFacingProblem(InputError):
            pass
        raise CoordinatorFacingProblem("unknown Likert label", file="after.csv", row=7, column="Q3", hint="fix it")
        """)))
    cfg = term("raises_renamed.ipynb")
    assert run_cli("run", "--config", str(cfg)) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "stage 'second': file after.csv, row 7, column 'Q3': unknown Likert label\n  What to do: fix it" in err
    assert "CoordinatorFacingProblem" not in err
    term_dir = cfg.parent / "reports" / "fixture"
    record = json.loads((term_dir / "run.json").read_text())
    assert (record["exit_code"], record["error_kind"], record["error_stage"]) == (EXIT_INPUT, "input", "second")
    assert "after.csv" not in json.dumps(record), "where the error is stays in the private details"
    failure = json.loads((term_dir / "failed" / "run-details.json").read_text())["failure"]
    assert {k: failure[k] for k in ("kind", "exit_code", "stage", "file", "excel_row", "column", "hint")} == {
        "kind": "input", "exit_code": EXIT_INPUT, "stage": "second", "file": "after.csv", "excel_row": 7,
        "column": "Q3", "hint": "fix it"}
    assert "CoordinatorFacingProblem" not in json.dumps(failure)
    assert (term_dir / "failed" / "raises_renamed.ipynb").is_file(), "the failed stage's notebook is kept"


@pytest.mark.slow
def test_a_malformed_payload_from_a_kernel_exits_1_as_a_bug(term, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", _notebook_dir_with(tmp_path, "shows_bad_payload.ipynb", textwrap.dedent("""\
        from IPython.display import display
        from mentoring_lib.errors import ERROR_MIME_TYPE
        display({ERROR_MIME_TYPE: {"schema_version": 1, "kind": "InputError", "exit_code": 2}}, raw=True)
        raise RuntimeError("secret.person@example.org")
        """)))
    cfg = term("shows_bad_payload.ipynb")
    assert run_cli("run", "--config", str(cfg)) == 1
    err = capsys.readouterr().err
    assert "stage 'second': failed in cell" in err and "a bug in the workbook" in err
    assert "secret.person" not in err
    kept = cfg.parent / "reports" / "fixture" / "failed" / "shows_bad_payload.ipynb"
    assert str(kept) in err and kept.is_file()
    assert json.loads((kept.parent / "run-details.json").read_text())["failure"]["kind"] == "stage-failed"


@pytest.mark.slow
@pytest.mark.parametrize("warm", ["1", "0"])
def test_a_bad_answer_in_a_small_term_exits_2_with_file_row_and_column(tmp_path, warm):
    """End to end, with warm kernels and with cold ones: the feedback stage's InputError comes out of
    its kernel as a payload; the console names the stage, file, row and column, never the answer."""
    from conftest import mentoring_cli, small_term

    after = [f"2026/12/18 09:00:00,p{i}@example.org,Agree,Agree,Agree" for i in range(1, 7)]
    after[2] = "2026/12/18 09:00:00,p3@example.org,Agree,Kinda agree,Agree"  # Excel row 4
    config = small_term(tmp_path, rows={"after.csv": after})
    reports = tmp_path / "reports"
    proc = mentoring_cli("run", "--config", str(config), reports=reports,
                         env={"MENTORING_KEY": "5e" * 32, "MENTORING_WARM_KERNELS": warm}, timeout=300)
    assert proc.returncode == EXIT_INPUT, proc.stderr[-2000:]
    data = tmp_path / "data"
    assert f"error: stage 'feedback': file {data / 'after.csv'}, row 4, column 'Calm 2': " in proc.stderr
    assert "What to do:" in proc.stderr and "Kinda" not in proc.stderr and "p3@example" not in proc.stderr
    term_dir = reports / "small"
    failure = json.loads((term_dir / "failed" / "run-details.json").read_text())["failure"]
    assert (failure["kind"], failure["stage"], failure["excel_row"], failure["column"]) == ("input", "feedback", 4,
                                                                                           "Calm 2")
    assert failure["file"] == str(data / "after.csv") and "Kinda" not in json.dumps(failure)
    record = json.loads((term_dir / "run.json").read_text())
    assert (record["error_kind"], record["error_stage"]) == ("input", "feedback")
