"""``--only`` / ``--from`` on a brand-new term (issue 14): only the registration exports exist, no
earlier run. ``--only registrations`` writes the roster and mail merges and skips the report, saying
why; any other stage alone is refused with exit 2 naming the earlier stages and the command that
runs them. A small term, not the demo."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import mentoring_cli, small_term

from mentoring_lib.errors import EXIT_INPUT, EXIT_OK, UsageError
from mentoring_lib.pipeline import partial, stages

CONFIG = Path("/terms/new/term.yml")
LATER_EXPORTS = ("trainings.csv", "meetings.csv", "before.csv", "after.csv", "mentor_end.csv")


def resolve_on_new_term(*only: str, done: tuple[str, ...] = ()) -> partial.Selection:
    return partial.resolve(stages.select(list(only)), only=list(only), start=None, done=set(done),
                           config_path=CONFIG)


def new_term(folder: Path) -> Path:
    """A small term's config with only its registration exports in the data folder."""
    config = small_term(folder)
    for name in LATER_EXPORTS:
        (folder / "data" / name).unlink()
    return config


# -- which stages run, for every stage name (no notebooks) -------------------------------------------

def test_only_registrations_on_a_new_term_runs_it_and_skips_the_report_saying_why():
    chosen = resolve_on_new_term("registrations")
    assert [s.name for s in chosen.run] == ["registrations"]
    assert chosen.skipped == {"report": "it summarises 'groups', 'attendance', 'feedback' and 'evaluation', "
                                        "which have not run on this term yet"}


def test_only_groups_after_registrations_runs_it_and_skips_the_report():
    chosen = resolve_on_new_term("groups", done=("registrations",))
    assert [s.name for s in chosen.run] == ["groups"]
    assert "'attendance', 'feedback' and 'evaluation'" in chosen.skipped["report"]


@pytest.mark.parametrize("stage, needs, command", [
    ("groups", "'registrations', which has", "--only registrations --only groups"),
    ("attendance", "'registrations' and 'groups', which have", "--only registrations --only groups --only attendance"),
    ("feedback", "'registrations', which has", "--only registrations --only feedback"),
    ("evaluation", "'registrations', 'groups', 'attendance' and 'feedback', which have",
     "--only registrations --only groups --only attendance --only feedback --only evaluation"),
    ("certificates", "'registrations', 'groups' and 'attendance', which have",
     "--only registrations --only groups --only attendance --only certificates"),
    ("report", "'registrations', 'groups', 'attendance', 'feedback' and 'evaluation', which have",
     "--only registrations --only groups --only attendance --only feedback --only evaluation --only report"),
])
def test_only_a_later_stage_on_a_new_term_exits2_naming_the_earlier_stages_and_the_command(stage, needs, command):
    with pytest.raises(UsageError) as caught:
        resolve_on_new_term(stage)
    assert caught.value.exit_code == EXIT_INPUT
    assert caught.value.message == f"--only: '{stage}' needs {needs} not run on this term yet"
    assert caught.value.hint.endswith(f"mentoring run --config {CONFIG} {command}")


def test_every_stage_name_is_covered_above():
    assert {s.name for s in stages.STAGES} == {"registrations", "groups", "attendance", "feedback", "evaluation",
                                               "certificates", "report"}


def test_the_suggested_command_runs_on_a_new_term():
    """The command a refusal suggests is accepted: its stages' needs are all met within it."""
    chosen = resolve_on_new_term("registrations", "groups", "attendance", "feedback", "evaluation", "report")
    assert [s.name for s in chosen.run] == ["registrations", "groups", "attendance", "feedback", "evaluation",
                                            "report"]
    assert chosen.skipped == {}


def test_only_the_report_chosen_by_name_is_never_skipped_silently():
    with pytest.raises(UsageError, match="'report' needs 'attendance', 'feedback' and 'evaluation'"):
        resolve_on_new_term("registrations", "groups", "report")


def test_from_a_stage_on_a_new_term_exits2_suggesting_from_the_first_missing_one():
    with pytest.raises(UsageError) as caught:
        partial.resolve(stages.select(start="attendance"), only=None, start="attendance", done={"registrations"},
                        config_path=CONFIG)
    assert caught.value.message.startswith("--from attendance: 'attendance' needs 'groups'")
    assert caught.value.hint.endswith(f"mentoring run --config {CONFIG} --from groups")


def test_a_later_stage_runs_alone_once_its_earlier_stages_have_run():
    done = ("registrations", "groups", "attendance", "feedback", "evaluation", "certificates", "report")
    for stage in done:
        chosen = resolve_on_new_term(stage, done=done)
        assert chosen.skipped == {} and chosen.run[0].name == stage


def test_stages_done_are_those_with_a_done_marker(tmp_path):
    (tmp_path / "private" / "tables" / "registrations").mkdir(parents=True)
    (tmp_path / "private" / "tables" / "registrations" / ".done").write_text("")
    (tmp_path / "private" / "tables" / "groups").mkdir(parents=True)  # begun, never finished
    assert partial.stages_done(tmp_path) == {"registrations"}
    assert partial.stages_done(None) == set()


def test_held_back_public_files_are_removed_named_and_their_stages_marked(tmp_path):
    (tmp_path / "public" / "figures").mkdir(parents=True)
    (tmp_path / "public" / "registration_summary.xlsx").write_text("x")
    (tmp_path / "public" / "figures" / "a.png").write_text("x")
    for name in ("registrations", "attendance"):
        (tmp_path / "private" / "tables" / name).mkdir(parents=True)
    assert partial.hold_back_public(tmp_path, ["registrations", "attendance"]) == ["figures/a.png",
                                                                                  "registration_summary.xlsx"]
    assert list((tmp_path / "public").iterdir()) == []
    # registrations writes public files (they must be made again); attendance writes none
    assert partial.held_back(tmp_path) == {"registrations"}
    assert partial.held_back(None) == set()


# -- the command line on a new term (notebooks) ----------------------------------------------------

KEY = {"MENTORING_KEY": "5e" * 32}


@pytest.mark.slow
def test_only_registrations_on_a_new_term_exits0_with_roster_and_no_public_release(tmp_path):
    config = new_term(tmp_path / "term")
    reports = tmp_path / "reports"
    done = mentoring_cli("run", "--config", str(config), "--only", "registrations", reports=reports, env=KEY)
    assert done.returncode == EXIT_OK, done.stderr
    out = done.stdout
    assert "running 1 stage(s) (registrations)" in out and "registrations: done" in out
    assert ("report: skipped: it summarises 'groups', 'attendance', 'feedback' and 'evaluation', which have not "
            f"run on this term yet; it runs with the whole term: mentoring run --config {config}") in out
    assert "public outputs held back until the report stage protects the release: registration_summary.xlsx" in out
    assert "report and public spreadsheets: not yet" in out and "report.html" not in out
    assert "Traceback" not in done.stderr
    term_dir = reports / "small"
    assert list((term_dir / "public").iterdir()) == [], "nothing public without the report's protection"
    assert {"roster.xlsx", "mailmerge_accepted.csv"} <= {p.name for p in (term_dir / "private").iterdir()}
    record = json.loads((term_dir / "run.json").read_text())
    assert record["status"] == "ok" and record["partial"] == ["registrations"]
    assert record["stages"]["groups"] == {"not_run": "has not run on this term yet"}
    assert record["stages"]["report"] == {"not_run": "it summarises 'groups', 'attendance', 'feedback' and "
                                                     "'evaluation', which have not run on this term yet"}
    assert "fingerprint" in record["stages"]["registrations"]

    # then groups alone (the acceptance e-mails need them): runs on top of registrations
    groups = mentoring_cli("run", "--config", str(config), "--only", "groups", reports=reports, env=KEY)
    assert groups.returncode == EXIT_OK, groups.stderr
    assert "group_sizes.xlsx" in groups.stdout and list((term_dir / "public").iterdir()) == []
    assert (term_dir / "private" / "groups.xlsx").is_file() and (term_dir / "private" / "roster.xlsx").is_file()

    # and a later stage alone is refused, naming the one still missing (before any input is read)
    refused = mentoring_cli("run", "--config", str(config), "--only", "evaluation", reports=reports, env=KEY)
    assert refused.returncode == EXIT_INPUT and "Traceback" not in refused.stderr
    assert "'evaluation' needs 'attendance' and 'feedback', which have not run on this term yet" in refused.stderr
    assert f"mentoring run --config {config} --only attendance --only feedback --only evaluation" in refused.stderr

    # once the other exports are in, the whole run makes every stage again, so the release it
    # publishes has the files held back before (registration_summary.xlsx, group_sizes.xlsx)
    small_term(tmp_path / "term")
    whole = mentoring_cli("run", "--config", str(config), reports=reports, env=KEY, timeout=300)
    assert whole.returncode == EXIT_OK, whole.stderr
    assert "Every stage runs again: its public files were held back until the report stage could run" in whole.stdout
    assert {"registration_summary.xlsx", "group_sizes.xlsx", "report.html", "report.pdf"} <= {
        p.name for p in (term_dir / "public").iterdir()}
    assert partial.held_back(term_dir / "current") == set()
    assert "report: skipped" not in whole.stdout and "public outputs held back" not in whole.stdout


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["groups", "attendance", "feedback", "evaluation", "certificates", "report"])
def test_only_a_later_stage_alone_on_a_new_term_exits2_without_a_traceback(tmp_path, stage):
    config = new_term(tmp_path / "term")
    done = mentoring_cli("run", "--config", str(config), "--only", stage, reports=tmp_path / "reports", env=KEY)
    assert done.returncode == EXIT_INPUT, done.stderr
    assert f"'{stage}' needs 'registrations'" in done.stderr and "Traceback" not in done.stderr
    assert "--only registrations" in done.stderr and f"--only {stage}" in done.stderr
    assert not (tmp_path / "reports" / "small" / "public").exists()


def test_a_stage_recorded_but_never_run_runs_in_the_next_whole_run(tmp_path, monkeypatch):
    """run.json of a new term's partial run records no fingerprint for the stages it did not run,
    so the next whole run runs them (their inputs may be unchanged: e.g. groups, which read none)."""
    from mentoring_lib.config import load_config
    from mentoring_lib.pipeline import provenance, staleness

    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    config = load_config(small_term(tmp_path))
    inputs, code, key = provenance.input_fingerprints(config), "code", b"k" * 32
    first = staleness.plan(config, inputs, code, key, None, selected=["registrations"])
    recorded = {"registrations": first.run_record("registrations"),
                **{s.name: {"not_run": "has not run on this term yet"} for s in stages.STAGES[1:]}}
    again = staleness.plan(config, inputs, code, key, recorded)
    assert "registrations" not in again.stale
    assert list(again.stale) == [s.name for s in stages.STAGES[1:]]
    assert again.stale["groups"] == ["no earlier run recorded what it read"]


def test_a_whole_run_on_a_new_term_names_every_missing_export_and_says_what_to_do_early_in_a_term(tmp_path):
    """Only the registration exports are in: exit 2 listing the five later exports, then one line for
    all of them (run the earlier stages, or mark exports not yet due `required: false`). With a
    registration export missing too, that line is not said: something is wrong, not early."""
    config = new_term(tmp_path / "term")
    done = mentoring_cli("run", "--config", str(config), reports=tmp_path / "reports")
    assert done.returncode == EXIT_INPUT
    assert done.stderr.count("input file not found") == len(LATER_EXPORTS)
    assert ("What to do about all of them: early in the term, run the stages whose exports are in "
            f"(mentoring run --config {config.name} --only registrations, then --only groups)") in done.stderr
    assert "'required: false'" in done.stderr
    (tmp_path / "term" / "data" / "mentors.csv").unlink()
    again = mentoring_cli("run", "--config", str(config), reports=tmp_path / "reports")
    assert again.returncode == EXIT_INPUT and again.stderr.count("input file not found") == len(LATER_EXPORTS) + 1
    assert "early in the term" not in again.stderr
