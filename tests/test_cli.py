"""The command line as users call it: help, python -m, inspect without a config, errors without tracebacks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import mentoring_cli

from mentoring_lib import cli

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_every_command_of_the_design():
    out = mentoring_cli("--help").stdout
    for command in ("run", "check", "inspect", "demo-data", "keygen", "purge"):
        assert command in out


def test_every_option_of_every_command_is_described():
    """`mentoring COMMAND --help` describes every option and argument, and --only/--from name the
    stages a user may give."""
    import argparse

    from mentoring_lib.pipeline.stages import STAGES

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert set(commands) >= {"run", "check", "inspect", "demo-data", "keygen", "purge"}
    for name, sub in commands.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    for flag in ("--only", "--from"):
        text = next(a.help for a in commands["run"]._actions if flag in a.option_strings)
        assert all(s.name in text for s in STAGES), flag
    out = mentoring_cli("run", "--help").stdout
    assert "--only STAGE" in out and "registrations" in out and "certificates" in out


def test_the_template_says_how_to_make_a_key_and_make_lab_runs_as_root():
    template = (ROOT / "config" / "term-template.yml").read_text(encoding="utf-8")
    assert "mentoring keygen" in template
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--allow-root" in makefile
    dry = subprocess.run(["make", "-n", "lab", "VENV=/nonexistent-venv"], cwd=ROOT, capture_output=True, text=True)
    lab = [line for line in dry.stdout.splitlines() if "jupyter lab notebooks/" in line]
    assert len(lab) == 1 and lab[0].rstrip().endswith("--allow-root") == (os.geteuid() == 0)


def test_inspect_needs_no_config_and_prints_no_cell_values():
    proc = mentoring_cli("inspect", "data/demo/participant_registrations.csv")
    assert proc.returncode == 0, proc.stderr
    assert "Google Forms" in proc.stdout and "Timestamp" in proc.stdout
    assert "@example" not in proc.stdout, "inspect shows structure, never a respondent's e-mail"


def test_inspect_of_a_missing_file_exits_2_without_traceback(tmp_path):
    proc = mentoring_cli("inspect", str(tmp_path / "nothing.xlsx"))
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
    proc = mentoring_cli("demo-data", str(tmp_path / "term"), "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "term" / "mentor_registrations.xlsx").is_file()
    assert (tmp_path / "term" / "feedback_before.csv").is_file()


# -- `mentoring check` on small terms: group formation and the later stages' validations (issue 12) --

def check_small_term(tmp_path, monkeypatch, capsys, edit=None, **term) -> tuple[int, str, str]:
    """cli.main(["check", ...]) on a conftest.small_term; ``edit(doc)`` changes its config first."""
    import yaml
    from conftest import small_term

    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    config = small_term(tmp_path, **term)
    if edit:
        doc = yaml.safe_load(config.read_text(encoding="utf-8"))
        edit(doc)
        config.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    code = cli.main(["check", "--config", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_reports_groups_formed_and_validates_the_later_stages(tmp_path, monkeypatch, capsys):
    code, out, _ = check_small_term(tmp_path, monkeypatch, capsys)
    assert code == 0
    assert "Groups (groups.count = 2):\n  2 of 2 groups formed\n\n" in out
    assert "  evaluation: codebook codebook.yml valid: 1 instrument(s), 3 survey(s)" in out
    assert "  certificates: rule: at least 1 of 2 mentor trainings and at least 1 of 3 group meetings co-led" in out
    assert "  report: counts under 5 shown as '<5'; shares and means need a base of 10" in out
    assert "Warning" not in out


def test_check_names_an_unpaired_mentor_and_warns_of_fewer_groups(tmp_path, monkeypatch, capsys):
    mentors = ["2026/09/01 10:00:00,Aino Aaltonen,m1@example.org,English,Mon 10-12",
               "2026/09/01 10:05:00,Bo Bergqvist,m2@example.org,English,Mon 10-12",
               "2026/09/01 10:10:00,Cai Carlsson,m3@example.org,English,Tue 14-16"]
    code, out, _ = check_small_term(tmp_path, monkeypatch, capsys, rows={"mentors.csv": mentors})
    assert code == 0
    assert "  1 of 2 groups formed\n" in out
    assert "  1 mentor(s) in no group: none of the 2 other accepted mentors marked a time slot they marked\n" in out
    assert "  3 participant(s) in no group: no group meets at a time they marked\n" in out
    assert "Warning: only 1 of the 2 groups in the config can be formed (groups.count)" in out
    assert "Aaltonen" not in out and "@example" not in out


def test_check_of_a_term_without_mentors_warns_that_no_group_can_be_formed(tmp_path, monkeypatch, capsys):
    code, out, _ = check_small_term(tmp_path, monkeypatch, capsys, rows={"mentors.csv": []})
    assert code == 0
    assert "  0 of 2 groups formed\n  6 participant(s) in no group: no group was formed\n" in out
    assert "Warning: no group can be formed: no mentor was accepted; the term still runs and its report says so" in out


def test_check_stops_with_exit_2_on_a_certificate_rule_nobody_can_meet(tmp_path, monkeypatch, capsys):
    code, _, err = check_small_term(tmp_path, monkeypatch, capsys,
                                    edit=lambda doc: doc["certificates"].update(min_meetings=4))
    assert code == 2
    assert "key 'certificates.min_meetings'" in err and "What to do:" in err


def test_check_stops_with_exit_2_on_a_missing_approved_quotes_file(tmp_path, monkeypatch, capsys):
    code, _, err = check_small_term(tmp_path, monkeypatch, capsys,
                                    edit=lambda doc: doc["privacy"].update(approved_quotes_file="approved.txt"))
    assert code == 2
    assert "approved.txt" in err and "approved_quotes_file does not exist" in err and "What to do:" in err


def test_check_of_a_term_without_participants_warns_of_empty_groups(tmp_path, monkeypatch, capsys):
    code, out, _ = check_small_term(tmp_path, monkeypatch, capsys, rows={"participants.csv": []})
    assert code == 0 and "  2 of 2 groups formed\n" in out
    for group in (1, 2):
        assert f"Warning: Group {group} has 0 participant(s), outside groups.min_size..max_size (1..4)" in out


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


def test_help_lists_every_exit_code_of_the_design(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for code in ("0 success", "1 unexpected failure", "2 config or input error", "3 a stage notebook failed",
                 "4 personal data", "75 another run", "130/143 stopped"):
        assert code in out, code


def test_check_names_every_missing_input_at_once_exit2(tmp_path, monkeypatch, capsys):
    from conftest import small_term

    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    config = small_term(tmp_path)
    for name in ("meetings.csv", "after.csv"):
        (tmp_path / "data" / name).unlink()
    assert cli.main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "meetings.csv" in err and "after.csv" in err


def test_make_demo_lang_writes_a_config_copy_in_that_language_and_ignores_the_shell_locale():
    """`make demo LANG=fi` runs the demo from a copy of its config with term.language: fi; the
    shell's LANG (a locale such as en_US.UTF-8) does not switch the report's language."""
    env = {**os.environ, "LANG": "en_US.UTF-8"}
    fi = subprocess.run(["make", "-n", "demo", "LANG=fi", "VENV=/nonexistent-venv"], cwd=ROOT, env=env,
                        capture_output=True, text=True).stdout
    assert "config/local-demo-fi.yml" in fi and "--config config/local-demo-fi.yml" in fi
    plain = subprocess.run(["make", "-n", "demo", "VENV=/nonexistent-venv"], cwd=ROOT, env=env,
                           capture_output=True, text=True).stdout
    assert "--config config/demo.yml" in plain and "local-demo" not in plain
