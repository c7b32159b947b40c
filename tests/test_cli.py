"""The command line as users call it: help, python -m, inspect without a config, errors without tracebacks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mentoring_lib import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mentoring_lib", *args], capture_output=True, text=True,
                          env=env, cwd=kw.get("cwd", ROOT), timeout=120)


def test_help_lists_every_command_of_the_design():
    out = run("--help").stdout
    for command in ("run", "check", "inspect", "demo-data", "keygen", "purge"):
        assert command in out


def test_inspect_needs_no_config_and_prints_no_cell_values():
    proc = run("inspect", "data/demo/participant_registrations.csv")
    assert proc.returncode == 0, proc.stderr
    assert "Google Forms" in proc.stdout and "Timestamp" in proc.stdout
    assert "@example" not in proc.stdout, "inspect shows structure, never a respondent's e-mail"


def test_inspect_of_a_missing_file_exits_2_without_traceback(tmp_path):
    proc = run("inspect", str(tmp_path / "nothing.xlsx"))
    assert proc.returncode == 2
    assert "nothing.xlsx" in proc.stderr and "Traceback" not in proc.stderr


def test_output_piped_into_head_is_not_an_error():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(f"{sys.executable} -m mentoring_lib inspect data/demo/feedback_before.csv | head -1",
                          shell=True, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.stdout.startswith("File:")
    assert "BrokenPipeError" not in proc.stderr and "unexpected" not in proc.stderr


def test_unexpected_error_is_one_line_unless_debugging(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("person.name@example.org")

    monkeypatch.setattr(cli, "_cmd_check", boom)
    assert cli.main(["check", "--config", "x.yml"]) == 1
    err = capsys.readouterr().err
    assert "unexpected RuntimeError" in err and "person.name" not in err and "Traceback" not in err


def test_demo_data_writes_a_term(tmp_path):
    proc = run("demo-data", str(tmp_path / "term"), "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "term" / "mentor_registrations.xlsx").is_file()
    assert (tmp_path / "term" / "feedback_before.csv").is_file()


def _one_input_config(tmp_path: Path) -> Path:
    path = tmp_path / "config" / "term.yml"
    path.parent.mkdir()
    path.write_text(
        "term: {name: t1, title: Autumn test, start: 2026-10-01, end: 2026-12-18}\n"
        "data_dir: ../data\n"
        "registration: {mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27,\n"
        "               mentor_places: 2, participant_places: 4}\n"
        "groups: {count: 1}\n"
        "inputs: [{id: m, kind: mentor_registrations, file: m.csv, columns: {email: Email}}]\n"
        "report: {organisation: Test University}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("option, stage, suggestion", [
    ("--only", "registration", "did you mean 'registrations'?"),
    ("--from", "grups", "did you mean 'groups'?"),
    ("--only", "everything", None),
])
def test_misspelt_stage_exit2_lists_the_stages(tmp_path, capsys, option, stage, suggestion):
    config = _one_input_config(tmp_path)
    assert cli.main(["run", "--config", str(config), option, stage]) == 2
    err = capsys.readouterr().err
    assert f"{option}: unknown stage '{stage}'" in err
    assert "The stages are: registrations, groups, attendance, feedback, evaluation, certificates, report" in err
    if suggestion:
        assert suggestion in err
    else:
        assert "did you mean" not in err
    assert not (tmp_path / "reports").exists(), "nothing is created before the stages are known"
