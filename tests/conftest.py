"""Shared test set-up: every test writes its reports under a temporary folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "demo.yml"

# Fixture notebooks are inputs of the runner tests, not notebooks for nbval to run.
collect_ignore_glob = ["fixtures/*", "corpus/*"]


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path_factory, monkeypatch):
    """No test writes into the checkout's reports/ folder."""
    if "MENTORING_REPORTS_ROOT" not in os.environ or os.environ.get("MENTORING_TEST_SHARED_REPORTS") != "1":
        monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path_factory.mktemp("reports")))
    monkeypatch.setenv("MPLBACKEND", "Agg")
