"""Shared test set-up: every test writes its reports under a temporary folder."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "demo.yml"

# Set before any kernel starts (nbval starts kernels outside function fixtures): notebooks run
# alone write to <root>/demo/interactive, never into the checkout's reports/ folder.
os.environ.setdefault("MENTORING_REPORTS_ROOT", tempfile.mkdtemp(prefix="mentoring-test-reports-"))
os.environ.setdefault("MPLBACKEND", "Agg")

# Fixture notebooks are inputs of the runner tests, not notebooks for nbval to run.
collect_ignore_glob = ["fixtures/*", "corpus/*"]


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path_factory, monkeypatch):
    """Each test function gets its own reports root."""
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path_factory.mktemp("reports")))


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
