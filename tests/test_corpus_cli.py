"""The bad-input corpus through the command line (issue 7): `mentoring check` on a term holding each file.

Every file of tests/corpus/ is placed as the input of the kind its `cli:` entry in expected.yml names, in a
temporary copy of the demo term (data/demo and config/demo.yml; the survey inputs are left out, the
feedback stage is covered by test_e2e), and checked. The outcome is either exit 0 with the reader's
normalisations printed in the data-quality notes, or exit 2 with a message naming the file, the row and
column where the reader test names them, the rule and what to do. Never a traceback, never a personal
value, and a published `public/` folder of the same term is byte-identical afterwards.

To stay fast, one driver subprocess (this file run as a script) checks every file in-process through
`cli.main(["check", ...])`, the same code path as the console command (about 1.5 s of CPU per file:
the sweep is marked e2e); a few files also go through the real `python -m mentoring_lib check` in
their own subprocess (not e2e).
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
import yaml
from conftest import folder_hashes, mentoring_cli

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DEMO_DATA = ROOT / "data" / "demo"
DEMO_CONFIG = ROOT / "config" / "demo.yml"
MANIFEST = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))["files"]
#: The synthetic people of the corpus (as in test_corpus.py); e-mail domains cover the demo people too.
PERSONAL = ["Aino", "Virtanen", "Mikael", "Lindqvist", "Siiri", "Mäkelä", "Jörg", "Östman", "Åsa Berg",
            "example.fi", "example.org", "192.0.2."]
SURVEY_KINDS = {"feedback_before", "feedback_after", "feedback_session", "mentor_feedback"}
#: How a corpus file enters the term: `replace` the demo input of that id, or `add` a second export
#: of that kind (registrations: a term can have several exports, e.g. language versions).
TEMPLATES = {
    "training": {"replace": "training_attendance",
                 "input": {"kind": "training_attendance", "tool": "auto", "columns": {"email": "Email"},
                           "session_columns": ["Training 1", "Training 2", "Training 3"]}},
    "withdrawals": {"replace": "withdrawals",
                    "input": {"kind": "withdrawals", "tool": "auto",
                              "columns": {"email": "Email", "date": "Timestamp"}}},
    "participants": {"add": "corpus",
                     "input": {"kind": "participant_registrations", "tool": "auto",
                               "columns": {"name": "Full name", "email": "Email Address",
                                           "submitted_at": "Timestamp", "school": "School"}}},
    "mentors": {"add": "corpus",
                "input": {"kind": "mentor_registrations", "tool": "auto",
                          "columns": {"name": "Name", "email": "Email", "submitted_at": "Completion time",
                                      "school": "Which school are you in?"}}},
}


def cli_spec(name: str) -> dict:
    """The file's `cli:` entry with the reader-level expectations it does not override."""
    spec = MANIFEST[name]
    cli = dict(spec["cli"])
    cli.setdefault("outcome", spec["outcome"])
    # The reader's message, row and column hold when the command line stops at the same rule.
    same = cli["outcome"] == spec["outcome"] and "message" not in cli
    if same and spec.get("message"):
        cli["message"] = spec["message"]
    if same:
        for key in ("row", "column", "note"):
            if key in spec and key not in cli:
                cli[key] = spec[key]
    return cli


def input_id(name: str) -> str:
    template = TEMPLATES[cli_spec(name)["as"]]
    return template.get("replace") or template["add"]


def write_term(folder: Path, name: str) -> Path:
    """A copy of the demo term in ``folder`` with corpus file ``name`` placed; returns the config path."""
    spec = cli_spec(name)
    template = TEMPLATES[spec["as"]]
    data = folder / "data"
    shutil.copytree(DEMO_DATA, data)
    config = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    config["data_dir"] = "data"
    config["codebook"] = str(DEMO_CONFIG.parent / config["codebook"])
    config["inputs"] = [i for i in config["inputs"] if i["kind"] not in SURVEY_KINDS]
    config.pop("surveys", None)  # their reminder windows name the survey inputs left out
    placed = []
    for i, file in enumerate([name] + ([spec["with"]] if spec.get("with") else [])):
        shutil.copy(CORPUS / file, data / file)
        item = copy.deepcopy(template["input"])
        item.update(file=file, id=(template.get("replace") or template["add"]) + (f"_{i}" if i else ""))
        if "columns" in spec:
            item["columns"] = dict(spec["columns"])
        if "sheet" in spec:
            item["sheet"] = spec["sheet"]
        placed.append(item)
    if template.get("replace"):
        config["inputs"] = [placed[0] if i["id"] == template["replace"] else i for i in config["inputs"]]
    else:
        config["inputs"] += placed
    path = folder / "term.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def publish_previous_run(reports: Path) -> Path:
    """A published demo term (``current`` -> a complete run, ``public``/``private`` links) to protect."""
    from mentoring_lib.pipeline import publish

    term_dir = reports / "demo"
    run_dir = publish.new_run_dir(term_dir, "20261218T120000Z-1")
    (run_dir / "public" / "figures").mkdir(parents=True)
    (run_dir / "public" / "report.html").write_text("<html>previous report</html>", encoding="utf-8")
    (run_dir / "public" / "figures" / "funnel.svg").write_text("<svg/>", encoding="utf-8")
    (run_dir / "private").mkdir()
    (run_dir / "run.json").write_text(json.dumps({"status": "ok", "run_id": run_dir.name}))
    publish.publish(term_dir, run_dir)
    return term_dir / "public"


def personal_values() -> list[str]:
    """PERSONAL plus every name in the demo registrations (the placed term holds them too)."""
    from mentoring_lib.io.readers import read_export

    names = list(read_export(DEMO_DATA / "participant_registrations.csv").data["Full name"].dropna())
    names += list(read_export(DEMO_DATA / "mentor_registrations.xlsx").data["Name"].dropna())
    return PERSONAL + sorted({str(n).strip() for n in names if len(str(n).strip()) > 3})


# -- the driver: many files, one interpreter -------------------------------------------------------

def _drive(jobs: list[dict]) -> list[dict]:
    """Run `mentoring check` in-process for each job; what the console would show, per job."""
    from mentoring_lib import cli
    from mentoring_lib.io import readers

    results = []
    read_export = readers.read_export
    for job in jobs:
        out, err = io.StringIO(), io.StringIO()
        if job.get("max_bytes"):  # the size cap lowered for the corpus file, as in the reader-level test
            def capped(path, *args, _job=job, **kwargs):
                if Path(path).name == _job["name"]:
                    kwargs["max_bytes"] = _job["max_bytes"]
                return read_export(path, *args, **kwargs)
            readers.read_export = capped
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(["check", "--config", job["config"]])
        except BaseException:  # noqa: BLE001 - a traceback is what the test must never see
            code = "escaped"
            err.write(traceback.format_exc())
        finally:
            readers.read_export = read_export
        results.append({"name": job["name"], "code": code, "stdout": out.getvalue(),
                        "stderr": err.getvalue()})
    return results


def child_env(reports: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MENTORING_REPORTS_ROOT": str(reports)}
    env.pop("MENTORING_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
    """Every corpus file checked once, by one driver subprocess; {name: result} and the public hashes."""
    base = tmp_path_factory.mktemp("corpus-cli")
    reports = base / "reports"
    public = publish_previous_run(reports)
    before = folder_hashes(public)
    jobs = []
    for name in sorted(MANIFEST):
        folder = base / name.replace(".", "_")
        folder.mkdir()
        jobs.append({"name": name, "config": str(write_term(folder, name)),
                     "max_bytes": cli_spec(name).get("max_bytes")})
    (base / "jobs.json").write_text(json.dumps(jobs))
    proc = subprocess.run([sys.executable, __file__, str(base / "jobs.json"), str(base / "results.json")],
                          capture_output=True, text=True, env=child_env(reports), timeout=900, cwd=base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["name"]: r for r in json.loads((base / "results.json").read_text())}
    return results, public, before


def test_every_corpus_file_has_a_cli_placement():
    for name, spec in MANIFEST.items():
        assert "cli" in spec, f"{name}: add a cli: entry (how the file enters a term) to expected.yml"
        cli = cli_spec(name)
        assert cli["as"] in TEMPLATES, name
        assert cli["outcome"] in ("reads", "exit2"), name
        if cli["outcome"] != spec["outcome"]:
            assert cli.get("why"), f"{name}: say why the command line ends differently from the reader"


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file_through_check(corpus_results, name):
    results, _, _ = corpus_results
    r, spec = results[name], cli_spec(name)
    console = r["stdout"] + r["stderr"]
    assert "Traceback" not in console, f"{name}: a traceback reached the console:\n{r['stderr'][-2000:]}"
    assert r["code"] in (0, 2), f"{name}: exit {r['code']}:\n{r['stderr'][-2000:]}"
    for value in PERSONAL:
        assert value not in console, f"{name}: personal value {value!r} on the console"
    if spec["outcome"] == "exit2":
        assert r["code"] == 2, f"{name} should stop with exit 2 but checked cleanly:\n{r['stdout'][-1500:]}"
        err = r["stderr"]
        assert err.startswith("error: "), err
        assert name in err, f"{name}: the message names the file: {err}"
        assert spec.get("message", "") in err, f"{name}: {err}"
        assert "What to do:" in err, f"{name}: the message says what to do: {err}"
        if "row" in spec:
            assert f"row {spec['row']}" in err, f"{name}: {err}"
        if "column" in spec:
            assert f"column '{spec['column']}'" in err, f"{name}: {err}"
    else:
        assert r["code"] == 0, f"{name} should check cleanly:\n{r['stderr'][-2000:]}"
        out = r["stdout"]
        assert "All inputs read without errors." in out
        rows = [line for line in out.splitlines() if line.startswith(input_id(name) + " ")]
        assert rows, f"{name}: no data-quality row for input {input_id(name)}:\n{out}"
        notes = [line.split(": ", 1)[1] for line in out.splitlines()
                 if line.startswith(f"  {input_id(name)}: ")]
        for needle in spec.get("note") or []:
            assert any(needle in n for n in notes), f"{name}: no note containing {needle!r} in {notes}"
        for reason, count in (spec.get("excluded") or {}).items():
            assert f"{reason}: {count}" in out, f"{name}: expected '{reason}: {count}' in\n{out}"


@pytest.mark.e2e
def test_no_personal_value_of_the_demo_people_on_the_console(corpus_results):
    results, _, _ = corpus_results
    values = personal_values()
    for name, r in results.items():
        console = r["stdout"] + r["stderr"]
        leaked = [v for v in values if v in console]
        assert not leaked, f"{name}: {leaked[:3]}"


@pytest.mark.e2e
def test_check_never_touches_the_published_outputs(corpus_results):
    results, public, before = corpus_results
    assert len(results) == len(MANIFEST)
    assert folder_hashes(public) == before
    assert os.readlink(public.parent / "current").endswith("20261218T120000Z-1")
    assert not (public.parent / ".runs" / "20261218T120000Z-1" / "private" / "tables").exists()


# -- the real console command, for a few representative files --------------------------------------

#: One file that reads (its notes printed) and two stopped with exit 2 naming row and column.
REAL_CLI = ["blank_rows__reads.csv", "missing_required_column__exit2.csv", "time_in_dst_gap__exit2.csv"]


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL_CLI)
def test_corpus_file_through_the_real_command(tmp_path, name):
    reports = tmp_path / "reports"
    public = publish_previous_run(reports)
    before = folder_hashes(public)
    (tmp_path / "term").mkdir()
    config = write_term(tmp_path / "term", name)
    proc = mentoring_cli("check", "--config", str(config), reports=reports, unset=("MENTORING_DEBUG",),
                         cwd=tmp_path, timeout=300)
    spec = cli_spec(name)
    console = proc.stdout + proc.stderr
    assert "Traceback" not in console
    assert not [v for v in PERSONAL if v in console]
    if spec["outcome"] == "exit2":
        assert proc.returncode == 2, console[-2000:]
        assert name in proc.stderr and spec["message"] in proc.stderr and "What to do:" in proc.stderr
        if "row" in spec:
            assert f"row {spec['row']}" in proc.stderr
        if "column" in spec:
            assert f"column '{spec['column']}'" in proc.stderr
    else:
        assert proc.returncode == 0, console[-2000:]
        assert all(any(n in line for line in proc.stdout.splitlines()) for n in spec.get("note", []))
    assert folder_hashes(public) == before


@pytest.mark.slow
def test_check_validates_the_certificate_overrides_file(tmp_path):
    """`mentoring check` reads the overrides file against the accepted mentors (exit 2 on a bad row)."""
    from mentoring_lib import cli

    config = write_term(tmp_path, "blank_rows__reads.csv")
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    doc["certificates"]["overrides_file"] = "certificate_overrides.csv"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    overrides = tmp_path / "data" / "certificate_overrides.csv"
    overrides.write_text("Email,Eligible,Reason\nnobody.registered@example.org,maybe,ok\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["check", "--config", str(config)])
    assert code == 2, out.getvalue()[-1500:] + err.getvalue()
    text = err.getvalue()
    assert "certificate_overrides.csv" in text and "row 2" in text and "What to do:" in text
    assert "nobody.registered" not in text, "the message names the row, never the address"


if __name__ == "__main__":  # the driver: python tests/test_corpus_cli.py JOBS.json RESULTS.json
    sys.path.insert(0, str(ROOT))
    Path(sys.argv[2]).write_text(json.dumps(_drive(json.loads(Path(sys.argv[1]).read_text()))))
