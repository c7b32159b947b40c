"""Purge: deletes the private area and raw data after confirmation, never committed demo data."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from mentoring_lib.config import load_config
from mentoring_lib.pipeline.retention import private_areas, purge_term, raw_data_folder

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo.yml"


def _term(tmp_path: Path, name: str = "autumn-2026", data_dir: str | None = None) -> tuple:
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    raw["term"]["name"] = name
    raw["privacy"]["key_source"] = "env"
    data = tmp_path / "data" / name
    data.mkdir(parents=True)
    (data / "mentor_registrations.xlsx").write_bytes(b"raw export")
    raw["data_dir"] = data_dir or str(data)
    raw["reports_dir"] = str(tmp_path / "reports")
    cfg_path = tmp_path / "config" / f"{name}.yml"
    cfg_path.parent.mkdir()
    cfg_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    term_dir = tmp_path / "reports" / name
    run = term_dir / ".runs" / "r1"
    for area in ("public", "private/identity"):
        (run / area).mkdir(parents=True)
    (run / "private" / "identity" / "people.parquet").write_bytes(b"names")
    (run / "public" / "report.html").write_text("aggregates")
    os.symlink(".runs/r1", term_dir / "current")
    os.symlink("current/private", term_dir / "private")
    os.symlink("current/public", term_dir / "public")
    (term_dir / ".runs" / "old" / "private").mkdir(parents=True)
    (term_dir / "failed").mkdir()
    (term_dir / "run.json").write_text("{}")
    return load_config(cfg_path), data, term_dir, run


@pytest.fixture(autouse=True)
def _reports_root(monkeypatch):
    monkeypatch.delenv("MENTORING_REPORTS_ROOT", raising=False)


def test_purge_with_yes_deletes_private_and_raw_data(tmp_path):
    cfg, data, term_dir, run = _term(tmp_path)
    lines = []
    deleted = purge_term(cfg, yes=True, echo=lines.append)
    assert set(deleted) == {run / "private", term_dir / ".runs" / "old" / "private", term_dir / "failed", data}
    assert not data.exists() and not (run / "private").exists() and not (term_dir / "failed").exists()
    assert (run / "public" / "report.html").read_text() == "aggregates"
    assert (term_dir / "run.json").exists()
    assert cfg.source.exists()


def test_purge_asks_and_cancels(tmp_path):
    cfg, data, term_dir, run = _term(tmp_path)
    prompts = []
    assert purge_term(cfg, yes=False, input=lambda p: prompts.append(p) or "yes", echo=lambda s: None) == []
    assert "autumn-2026" in prompts[0]
    assert data.exists() and (run / "private" / "identity" / "people.parquet").exists()
    deleted = purge_term(cfg, yes=False, input=lambda p: "autumn-2026", echo=lambda s: None)
    assert data in deleted and not data.exists()


def test_demo_data_is_never_deleted(tmp_path):
    cfg, data, term_dir, run = _term(tmp_path, name="demo")
    target, reason = raw_data_folder(cfg)
    assert target is None and "demo" in reason
    deleted = purge_term(cfg, yes=True, echo=lambda s: None)
    assert data.exists() and data not in deleted
    assert not (run / "private").exists()


def test_real_demo_config_keeps_committed_data():
    cfg = load_config(DEMO)
    target, reason = raw_data_folder(cfg)
    assert target is None and "synthetic demo data" in reason
    assert (cfg.data_path / "mentor_registrations.xlsx").exists()


def test_data_folder_tracked_by_git_or_holding_the_config_is_kept(tmp_path):
    cfg, data, term_dir, run = _term(tmp_path)
    subprocess.run(["git", "init", "-q", str(data)], check=True)
    subprocess.run(["git", "-C", str(data), "add", "mentor_registrations.xlsx"], check=True)
    target, reason = raw_data_folder(cfg)
    assert target is None and "tracked by git" in reason

    cfg2, data2, _, _ = _term(tmp_path / "b", data_dir=str(tmp_path / "b"))
    target, reason = raw_data_folder(cfg2)
    assert target is None and "config" in reason


def test_private_areas_listed(tmp_path):
    cfg, data, term_dir, run = _term(tmp_path)
    areas = private_areas(cfg)
    assert run / "private" in areas and term_dir / "failed" in areas
