"""Shared test set-up: every test writes its reports under a temporary folder. Shared helpers: file
hashes, the command line in a child process, stage contexts, stages computed in-process, and the demo
term computed once per test session."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig
    from mentoring_lib.pipeline.context import OutputPaths, StageContext

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "demo.yml"

# Set before any kernel starts (nbval starts kernels outside function fixtures): notebooks run
# alone write to <root>/demo/interactive, never into the checkout's reports/ folder.
if "MENTORING_REPORTS_ROOT" not in os.environ:
    os.environ["MENTORING_REPORTS_ROOT"] = tempfile.mkdtemp(prefix="mentoring-test-reports-")
os.environ.setdefault("MPLBACKEND", "Agg")

# Fixture notebooks are inputs of the runner tests, not notebooks for nbval to run.
collect_ignore_glob = ["fixtures/*", "corpus/*"]


def pytest_collection_modifyitems(items):
    """End-to-end and browser tests are slow too: ``-m "not slow"`` (make test-fast) leaves them out."""
    for item in items:
        if item.get_closest_marker("e2e") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path_factory, monkeypatch):
    """Each test function gets its own reports root."""
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path_factory.mktemp("reports")))


# -- files, the command line, stage contexts -------------------------------------------------------

def folder_hashes(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under ``folder`` (following the public/private links), by relative path;
    files under a folder named in ``skip`` (or named so themselves) are left out."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(part in skip for part in p.relative_to(folder).parts)}


def mentoring_cli(*args: str, reports: Path | None = None, env: dict[str, str] | None = None,
                  unset: tuple[str, ...] = (), pythonpath: tuple[Path, ...] = (), cwd: Path = ROOT,
                  timeout: float = 120, umask: int = -1) -> subprocess.CompletedProcess:
    """``python -m mentoring_lib ARGS`` in a child process, as a user runs it: this checkout's package
    on PYTHONPATH (after ``pythonpath``), reports under ``reports`` when given (else the test's own
    reports root), the variables in ``unset`` removed, then ``env`` added; output captured as text."""
    full = {k: v for k, v in os.environ.items() if k not in unset}
    if reports is not None:
        full["MENTORING_REPORTS_ROOT"] = str(reports)
    full["PYTHONPATH"] = os.pathsep.join(str(p) for p in (*pythonpath, ROOT))
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "mentoring_lib", *args], capture_output=True, text=True,
                          env=full, cwd=cwd, timeout=timeout, umask=umask)


def stage_context(stage: str, config: "TermConfig | str | os.PathLike", out: "Path | OutputPaths", *,
                  key: bytes | None = None) -> "StageContext":
    """The context ``stage`` works with (as ``open_stage`` builds it for a run): ``config`` (loaded
    when a path), writing under ``out`` (a folder, created with its layout, or OutputPaths);
    ``key`` given skips reading the pseudonym key from the config's source."""
    from mentoring_lib.config import TermConfig, load_config
    from mentoring_lib.pipeline.context import OutputPaths, StageContext

    cfg = config if isinstance(config, TermConfig) else load_config(config)
    paths = out if isinstance(out, OutputPaths) else OutputPaths(Path(out)).ensure()
    return StageContext(stage, cfg, paths, _key=key)


def run_through(stage: str, config: "TermConfig | str | os.PathLike", out: "Path | OutputPaths") -> "StageContext":
    """Compute ``stage`` and every stage it needs in-process (the stages' library functions, no
    notebooks), skipping those already done under ``out``; returns ``stage``'s context."""
    from mentoring_lib.pipeline import stages
    from mentoring_lib.pipeline.context import run_in_process

    ctx = stage_context(stage, config, out)
    for name in [*stages.upstream(stage), stage]:
        if not ctx.is_done(name):
            run_in_process(ctx.for_stage(name))
    return ctx


class DemoPipeline:
    """The demo term computed in-process under one folder, each stage at most once (on the first
    test that asks for it or for a stage after it). For tests that only read the outputs."""

    def __init__(self, root: Path):
        from mentoring_lib.config import load_config

        self.config = load_config(DEMO_CONFIG)
        self.root = root

    def through(self, stage: str) -> "StageContext":
        """``stage``'s context, with it and every stage it needs computed."""
        return run_through(stage, self.config, self.root)


@pytest.fixture(scope="session")
def demo_pipeline(tmp_path_factory) -> DemoPipeline:
    """The demo term, computed once per test session (per xdist worker) as the tests need its stages."""
    return DemoPipeline(tmp_path_factory.mktemp("demo-pipeline"))


def one_input_term(name: str, title: str, *, key_source: str = "env", data_dir: str = "data",
                   reports_dir: str = "reports") -> str:
    """The config of a tiny term with one input (``mentors.csv``, Google Forms) for runner tests."""
    return f"""
term: {{name: {name}, title: {title}, start: 2026-10-01, end: 2026-12-18}}
data_dir: {data_dir}
reports_dir: {reports_dir}
registration: {{mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27,
               mentor_places: 2, participant_places: 10}}
groups: {{count: 1}}
inputs: [{{id: mentors, kind: mentor_registrations, file: mentors.csv, tool: google_forms}}]
privacy: {{key_source: {key_source}}}
report: {{organisation: Test}}
"""


#: A tiny survey codebook for small terms: one agree/disagree instrument of two items, asked before
#: and after (participants), and one mentor item at the end.
SMALL_CODEBOOK = """
version: 1
title: Small-term surveys
response_sets:
  agree5:
    options:
      - {value: 1, label: Strongly disagree}
      - {value: 2, label: Disagree}
      - {value: 3, label: Neither agree nor disagree}
      - {value: 4, label: Agree}
      - {value: 5, label: Strongly agree}
instruments:
  calm:
    name: Calm scale
    short_name: CALM
    citation: Invented for the tests.
    licence: Test use.
    response_set: agree5
    items:
      - {id: calm_1, wording: I stay calm.}
      - {id: calm_2, wording: I am kind to myself.}
    scales:
      - {id: total, name: Calm (total), items: all, rule: mean, missing_rule: All items answered.}
items:
  - {id: react_satisfaction, wording: The group suited me., response_set: agree5, group: reaction}
  - {id: mentor_would_mentor_again, wording: I would mentor again., response_set: agree5, group: mentor}
surveys:
  before: {wave: pre, role: participant, email_column: Email, timestamp_column: Timestamp,
           columns: {calm_1: Calm 1, calm_2: Calm 2}}
  after: {wave: post, role: participant, email_column: Email, timestamp_column: Timestamp,
          columns: {calm_1: Calm 1, calm_2: Calm 2, react_satisfaction: Suited}}
  mentor_end: {wave: end, role: mentor, email_column: Email, timestamp_column: Timestamp,
               columns: {mentor_would_mentor_again: Again}}
"""

#: The header line of every file of a small term (a header-only file is an export with no responses).
SMALL_TERM_HEADERS = {
    "mentors.csv": "Timestamp,Full name,Email address,Languages,Availability",
    "participants.csv": "Timestamp,Full name,Email address,Languages,Availability",
    "trainings.csv": "Name,Email,Training 1,Training 2",
    "meetings.csv": "Name,Email,Meeting 1,Meeting 2,Meeting 3",
    "before.csv": "Timestamp,Email,Calm 1,Calm 2",
    "after.csv": "Timestamp,Email,Calm 1,Calm 2,Suited",
    "mentor_end.csv": "Timestamp,Email,Again",
}
#: The responses of a small term: four mentors (two pairs: Monday, Tuesday), six participants (three
#: a slot), everyone at some meetings and in both surveys. Invented names that no report word matches.
SMALL_TERM_ROWS = {
    "mentors.csv": ["2026/09/01 10:00:00,Aino Aaltonen,m1@example.org,English,Mon 10-12",
                    "2026/09/01 10:05:00,Bo Bergqvist,m2@example.org,English; Finnish,Mon 10-12",
                    "2026/09/01 10:10:00,Cai Carlsson,m3@example.org,English,Tue 14-16",
                    "2026/09/01 10:15:00,Dora Dahlström,m4@example.org,English,Tue 14-16"],
    "participants.csv": [f"2026/09/20 10:0{i}:00,{name},p{i}@example.org,English,"
                         f"{'Mon 10-12' if i <= 3 else 'Tue 14-16'}"
                         for i, name in enumerate(["Eeva Ekholm", "Fia Falkenberg", "Gun Granqvist",
                                                   "Hilma Holmström", "Iris Ilvesniemi", "Juho Jokelainen"], 1)],
    "trainings.csv": [f"M{i},m{i}@example.org,x,x" for i in range(1, 5)],
    "meetings.csv": [f"M{i},m{i}@example.org,x,x,x" for i in range(1, 5)]
                    + [f"P{i},p{i}@example.org,x,{'x' if i % 2 else ''},x" for i in range(1, 7)],
    "before.csv": [f"2026/10/01 09:00:00,p{i}@example.org,Agree,Disagree" for i in range(1, 7)],
    "after.csv": [f"2026/12/18 09:00:00,p{i}@example.org,Agree,Agree,Agree" for i in range(1, 7)],
    "mentor_end.csv": [f"2026/12/18 09:00:00,m{i}@example.org,Agree" for i in range(1, 5)],
}


def small_term(folder: Path, *, rows: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None,
               drop_columns: dict[str, list[str]] | None = None, name: str = "small") -> Path:
    """Write a complete tiny term (not the demo: four mentors, six participants, every input kind,
    its own codebook) under ``folder`` and return its config. ``rows`` / ``headers`` replace a
    file's responses / header line (``rows={"mentors.csv": []}`` is a header-only export);
    ``drop_columns`` leaves fields unmapped per input id (e.g. ``{"mentors": ["languages"]}``).
    The pseudonym key comes from the environment (MENTORING_KEY)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    all_rows = {**SMALL_TERM_ROWS, **(rows or {})}
    for file, header in {**SMALL_TERM_HEADERS, **(headers or {})}.items():
        (data / file).write_text("\n".join([header, *all_rows[file]]) + "\n", encoding="utf-8")
    (folder / "codebook.yml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    registration = {"name": "Full name", "email": "Email address", "submitted_at": "Timestamp",
                    "languages": "Languages", "availability": "Availability"}
    drop = drop_columns or {}

    def cols(input_id: str, mapping: dict[str, str]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in mapping.items() if k not in drop.get(input_id, [])) + "}"

    config = folder / "term.yml"
    config.write_text(f"""
term: {{name: {name}, title: Small term, start: 2026-10-01, end: 2026-12-18}}
data_dir: data
reports_dir: reports
registration: {{mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27,
               mentor_places: 4, participant_places: 10}}
groups: {{count: 2, target_size: 3, min_size: 1, max_size: 4, mix_schools: false}}
programme: {{trainings: 2, meetings_planned: 3}}
certificates: {{min_trainings: 1, min_meetings: 1}}
inputs:
  - {{id: mentors, kind: mentor_registrations, file: mentors.csv, tool: google_forms,
     columns: {cols("mentors", registration)}}}
  - {{id: participants, kind: participant_registrations, file: participants.csv, tool: google_forms,
     columns: {cols("participants", registration)}}}
  - {{id: trainings, kind: training_attendance, file: trainings.csv, tool: csv,
     columns: {{name: Name, email: Email}}}}
  - {{id: meetings, kind: group_attendance, file: meetings.csv, tool: csv, columns: {{name: Name, email: Email}}}}
  - {{id: before, kind: feedback_before, file: before.csv, tool: csv}}
  - {{id: after, kind: feedback_after, file: after.csv, tool: csv}}
  - {{id: mentor_end, kind: mentor_feedback, file: mentor_end.csv, tool: csv}}
codebook: codebook.yml
privacy: {{key_source: env}}
report: {{organisation: Test}}
""", encoding="utf-8")
    return config

# -- an attacker on published counts (tests of the release audit) ---------------------------------

def milp_range(names: list[str], shown: dict, equations: list[tuple[dict[str, int], int]], target: str,
               k: int = 5) -> tuple[int, int]:
    """Smallest and largest value of ``target`` over whole-number tables that agree with every
    published cell ("<k" = 1..k-1, "x" or missing = any >= 0) and every equation (scipy's MILP)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    idx = {n: i for i, n in enumerate(names)}
    lb, ub = np.zeros(len(names)), np.full(len(names), 100_000.0)
    for n, v in shown.items():
        if isinstance(v, (int, np.integer)) or str(v).isdigit():
            lb[idx[n]] = ub[idx[n]] = float(v)
        elif str(v) == f"<{k}":
            lb[idx[n]], ub[idx[n]] = 1, k - 1
    a = np.zeros((len(equations), len(names)))
    for r, (terms, _) in enumerate(equations):
        for n, c in terms.items():
            a[r, idx[n]] += c
    rhs = np.array([b for _, b in equations], dtype=float)
    out = []
    for sign in (1, -1):
        c = np.zeros(len(names))
        c[idx[target]] = sign
        res = milp(c, constraints=[LinearConstraint(a, rhs, rhs)], integrality=np.ones(len(names)),
                   bounds=Bounds(lb, ub))
        assert res.status == 0, res.message
        out.append(round(res.x[idx[target]]))
    return out[0], out[1]


def status_quality_attack(status_shown, quality_shown: list[dict], target: str, k: int = 5) -> tuple[int, int]:
    """Issue 13's attack: the status sheet of registration_summary.xlsx (rows: statuses and Total;
    columns mentor, participant, Total) against the data-quality rows of the mentor and the
    participant registration export, in that order (rows_read, kept, reasons: {"duplicate": ...,
    "test submission": ...}; a reason not listed is 0). ``target`` = "<status>/<role>"."""
    roles = ("mentor", "participant")
    statuses = [s for s in status_shown.index if s != "Total"]
    names = [f"{s}/{r}" for s in [*statuses, "Total"] for r in [*roles, "Total"]]
    shown = {f"{s}/{r}": status_shown.loc[s, r] for s in [*statuses, "Total"] for r in [*roles, "Total"]}
    eqs = []
    for s in [*statuses, "Total"]:
        eqs.append(({f"{s}/mentor": 1, f"{s}/participant": 1, f"{s}/Total": -1}, 0))
    for r in [*roles, "Total"]:
        eqs.append(({**{f"{s}/{r}": 1 for s in statuses}, f"Total/{r}": -1}, 0))
    for q, role in zip(quality_shown, roles):
        read, kept = f"q/{role}/read", f"q/{role}/kept"
        names += [read, kept]
        shown.update({read: q["rows_read"], kept: q["kept"]})
        eqs.append(({read: 1, f"Total/{role}": -1}, 0))
        eqs.append(({kept: 1, **{f"{s}/{role}": -1 for s in ("accepted", "waitlisted", "withdrawn", "late")}}, 0))
        eqs.append(({f"duplicate/{role}": 1, f"excluded/{role}": 1, read: -1, kept: 1}, 0))
        for reason, status in (("duplicate", "duplicate"), ("test submission", "excluded")):
            names.append(f"q/{role}/{reason}")
            shown[f"q/{role}/{reason}"] = q["reasons"].get(reason, 0)
            eqs.append(({f"q/{role}/{reason}": 1, f"{status}/{role}": -1}, 0))
    return milp_range(names, shown, eqs, target, k)


def synthetic_report(lang: str, out_dir: Path):
    """The report model of test_evaluation's synthetic term (not the demo) with ``term.language``
    set to ``lang``, its HTML and PDF written under ``out_dir``: (model, config, html text, pdf bytes)."""
    import pandas as pd

    from mentoring_lib.analysis.codebook import load_codebook
    from mentoring_lib.outputs.render_html import write_html
    from mentoring_lib.outputs.render_pdf import write_pdf
    from mentoring_lib.pipeline.context import OutputPaths, StageContext
    from mentoring_lib.privacy.limits import Limits
    from mentoring_lib.steps import evaluation as ev
    from mentoring_lib.steps import report as rp
    from test_evaluation import CODEBOOK, make_config, synthetic_inputs

    base = make_config()
    cfg = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
    out = OutputPaths(out_dir).ensure()
    ctx = StageContext("evaluation", cfg, out)
    codebook = load_codebook(CODEBOOK)
    result = ev.evaluate(synthetic_inputs(codebook), cfg, codebook, Limits(5, 10), figures_dir=out.figures,
                         approved=pd.Series(["Learned to be kinder to myself."]))
    for name, df in result.all_tables().items():
        ctx.write_table(name, df)
    tables = rp.read_evaluation(ctx.for_stage("report"))
    tables["group_languages"] = pd.DataFrame({"languages": ["Swedish", "Finnish"], "groups": [3, 1]})
    model = rp.build_report(tables, cfg, public_dir=out.public, provenance=None, quality={})
    html = write_html(model, out.public / "report.html").read_text(encoding="utf-8")
    pdf = write_pdf(model, out.public / "report.pdf", timestamp=946684800).read_bytes()
    return model, cfg, html, pdf
