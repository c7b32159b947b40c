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
