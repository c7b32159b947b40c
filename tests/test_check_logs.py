"""``mentoring check`` reads the fidelity log and the mentors' support-meeting sheets when they are
configured (issue 16): a bad row stops it with exit 2 naming the file, the row as Excel shows it,
the column and what to do (never the cell); a sheet the config leaves unused is a warning. Small
term, not the demo."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import mentoring_cli, small_term

from mentoring_lib.errors import EXIT_INPUT, EXIT_OK, InputError, InputErrors
from mentoring_lib.pipeline.check import check_term

KEY = "5e" * 32


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", KEY)


def term_with_logs(folder: Path, *, fidelity_rows: list[str], support_rows: list[str], used: bool = True) -> Path:
    """A small term with a fidelity log and a support-meeting sheet; ``used``: the config also has
    a curriculum and a mentor_hours: section (without them the run leaves both unread)."""
    config = small_term(folder)
    (folder / "data" / "fidelity.csv").write_text("\n".join(["Group,Meeting,Topic", *fidelity_rows]) + "\n",
                                                  encoding="utf-8")
    (folder / "data" / "support.csv").write_text(
        "\n".join(["Name,Email,Support meeting 1,Support meeting 2", *support_rows]) + "\n", encoding="utf-8")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["inputs"] += [{"id": "fidelity", "kind": "fidelity_log", "file": "fidelity.csv", "tool": "csv"},
                       {"id": "support", "kind": "support_attendance", "file": "support.csv", "tool": "csv",
                        "columns": {"name": "Name", "email": "Email"}}]
    if used:
        data["programme"]["curriculum"] = ["Breathing", "Kindness"]
        data["mentor_hours"] = {"hours_per_credit": 27}
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


GOOD_LOG = ["Group 1,Meeting 1,Breathing; Kindness", "2,1,Breathing", "2,2,kindness"]
GOOD_SHEET = ["M1,m1@example.org,x,x", "M2,m2@example.org,x,", "Stranger,someone@example.org,x,x"]


def check(config: Path) -> tuple[dict, list[str]]:
    lines: list[str] = []
    summary = check_term(config, echo=lines.append)
    return summary, lines


def test_check_reads_the_fidelity_log_and_support_sheet(tmp_path):
    summary, lines = check(term_with_logs(tmp_path, fidelity_rows=GOOD_LOG, support_rows=GOOD_SHEET))
    # support: 3 rows, the stranger is no accepted mentor
    assert summary["support"]["rows_read"] == 3 and summary["support"]["kept"] == 2
    assert summary["support"]["excluded"] == {"not an accepted mentor": 1}
    # fidelity: 4 entries (a cell naming two parts is two) at 3 group meetings
    assert "  evaluation: fidelity log (fidelity): 4 curriculum entries at 3 group meeting(s)" in lines
    assert not [line for line in lines if line.startswith("Warning")]


def test_check_warns_about_a_log_and_sheet_the_config_leaves_unused(tmp_path):
    summary, lines = check(term_with_logs(tmp_path, fidelity_rows=GOOD_LOG, support_rows=GOOD_SHEET, used=False))
    assert summary["support"]["rows_read"] == 3  # read all the same
    warnings = [line for line in lines if line.startswith("Warning")]
    assert warnings == [
        "Warning: the fidelity log (fidelity) is read but not reported: programme.curriculum is empty; list the "
        "curriculum's parts there as the log names them",
        "Warning: the support-meeting sheet (support) is read but not used: the config has no mentor_hours: section; "
        "add one to count support meetings in mentors' hours"]


def test_check_bad_fidelity_rows_exit2_naming_file_row_and_column(tmp_path):
    config = term_with_logs(tmp_path, fidelity_rows=["1,1,Breathing", "1,first,Loving kindness for Aino"],
                            support_rows=GOOD_SHEET)
    with pytest.raises(InputErrors) as caught:
        check(config)
    text = caught.value.render()
    assert caught.value.exit_code == EXIT_INPUT and "Aino" not in text and "first" not in text
    assert f"file {tmp_path / 'data' / 'fidelity.csv'}, row 3, column 'Meeting': not a meeting number" in text
    assert "row 3, column 'Topic': a topic that is not in programme.curriculum" in text
    assert "What to do: use the curriculum's names: Breathing; Kindness" in text


def test_check_bad_fidelity_meeting_exit2_also_when_the_log_is_unused(tmp_path):
    config = term_with_logs(tmp_path, fidelity_rows=["1,second,Anything"], support_rows=GOOD_SHEET, used=False)
    with pytest.raises(InputError, match=r"fidelity.csv, row 2, column 'Meeting': not a meeting number"):
        check(config)


@pytest.mark.parametrize("used", [True, False], ids=["with_mentor_hours", "without_mentor_hours"])
def test_check_bad_support_mark_exit2_naming_file_row_and_column(tmp_path, used):
    config = term_with_logs(tmp_path, fidelity_rows=GOOD_LOG, support_rows=["M1,m1@example.org,x,maybe"], used=used)
    with pytest.raises(InputError) as caught:
        check(config)
    text = caught.value.render()
    assert caught.value.exit_code == EXIT_INPUT and "maybe" not in text
    assert (f"file {tmp_path / 'data' / 'support.csv'}, row 2, column 'Support meeting 2': not an attendance mark"
            in text)
    assert "What to do: open the sheet at this row" in text


@pytest.mark.slow
def test_check_command_exit2_on_a_bad_support_sheet_and_0_on_good_logs(tmp_path):
    bad = term_with_logs(tmp_path / "bad", fidelity_rows=GOOD_LOG, support_rows=["M1,m1@example.org,maybe,x"])
    done = mentoring_cli("check", "--config", str(bad), env={"MENTORING_KEY": KEY})
    assert done.returncode == EXIT_INPUT and "Traceback" not in done.stderr
    assert "support.csv, row 2, column 'Support meeting 1': not an attendance mark" in done.stderr
    good = term_with_logs(tmp_path / "good", fidelity_rows=GOOD_LOG, support_rows=GOOD_SHEET)
    done = mentoring_cli("check", "--config", str(good), env={"MENTORING_KEY": KEY})
    assert done.returncode == EXIT_OK, done.stderr
    assert "fidelity log (fidelity): 4 curriculum entries" in done.stdout


def test_check_names_missing_log_and_sheet_at_once_exit2(tmp_path):
    config = term_with_logs(tmp_path, fidelity_rows=GOOD_LOG, support_rows=GOOD_SHEET)
    (tmp_path / "data" / "fidelity.csv").unlink()
    (tmp_path / "data" / "support.csv").unlink()
    with pytest.raises(InputErrors) as caught:
        check(config)
    text = caught.value.render()
    assert "2 problems" in text and "fidelity.csv" in text and "support.csv" in text
