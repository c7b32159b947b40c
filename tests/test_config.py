"""Term config loading: valid configs load typed; bad ones give exit 2 with the key's path and a hint."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from mentoring_lib.config import TermConfig, load_config
from mentoring_lib.errors import EXIT_INPUT, ConfigError

MINIMAL = """
term: {name: t1, title: Autumn test, start: 2026-10-01, end: 2026-12-18}
data_dir: ../data/t1
registration: {mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27,
               mentor_places: 16, participant_places: 80}
groups: {count: 8}
inputs:
  - {id: mentors, kind: mentor_registrations, file: mentors.xlsx, tool: microsoft_forms,
     columns: {email: Email, name: Name, submitted_at: Completion time}}
report: {organisation: Test University}
"""


def write(tmp_path: Path, text: str, name: str = "term.yml") -> Path:
    (tmp_path / "config").mkdir(exist_ok=True)
    p = tmp_path / "config" / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def mutate(**changes) -> str:
    data = yaml.safe_load(MINIMAL)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        if value is KeyError:
            del node[last]
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False)


def test_minimal_config_loads_typed_with_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert isinstance(cfg, TermConfig)
    assert cfg.term.start == dt.date(2026, 10, 1)
    assert cfg.term.tz.key == "Europe/Helsinki"
    assert cfg.privacy.min_count == 5 and cfg.privacy.min_base == 10
    assert cfg.programme.trainings == 3 and cfg.programme.meetings_planned == 6
    # Relative paths resolve against the config file's folder.
    assert cfg.data_path == (tmp_path / "data" / "t1").resolve()
    assert cfg.input_path(cfg.inputs[0]) == (tmp_path / "data" / "t1" / "mentors.xlsx").resolve()


def test_reports_root_can_be_redirected_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path / "elsewhere"))
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.term_dir == (tmp_path / "elsewhere" / "t1").resolve()


def test_digest_ignores_comments_and_key_order(tmp_path):
    a = load_config(write(tmp_path, MINIMAL, "a.yml"))
    b = load_config(write(tmp_path, "# a comment\n" + mutate(), "b.yml"))
    assert a.digest() == b.digest()
    c = load_config(write(tmp_path, mutate(groups__count=7), "c.yml"))
    assert c.digest() != a.digest()


@pytest.mark.parametrize("text, key, words, hint", [
    (mutate(term__titel="x"), "term.titel", "unknown key", "did you mean 'title'?"),
    (mutate(registration__mentor_places="sixteen"), "registration.mentor_places", "integer", "whole number"),
    (mutate(registration__mentor_places=15), "registration.mentor_places", "even number", None),
    (mutate(term__end="2026-09-31"), "term.end", "date", "YYYY-MM-DD"),
    (mutate(term__end="2026-09-01"), "term", "ends (2026-09-01) before it starts", None),
    (mutate(term__timezone="Europe/Helsingfors"), "term.timezone", "unknown time zone", None),
    (mutate(privacy={"min_count": 2}), "privacy.min_count", "at least 3", None),
    (mutate(privacy={"min_base": 4}), "privacy.min_base", "at least 5", None),
    (mutate(report=KeyError), "report", "required key is missing", "term-template.yml"),
    (mutate(inputs=[{"id": "x", "kind": "mentor_registration", "file": "a.csv"}]), "inputs[0].kind",
     "mentor_registrations", "one of the values"),
    (mutate(groups__count=9), "(top level)", "9 groups need 18 mentor places", None),
])
def test_bad_config_names_key_and_hint(tmp_path, text, key, words, hint):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    e = err.value
    assert e.exit_code == EXIT_INPUT
    assert e.file == str(path)
    assert e.key == key
    assert words in e.message
    if hint:
        assert hint in (e.hint or "")


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, "term:\n  name: t1\n   title: x\n")
    with pytest.raises(ConfigError, match=r"line 3"):
        load_config(path)


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yml")
    with pytest.raises(ConfigError, match="YAML mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))


def test_shipped_configs_are_valid():
    root = Path(__file__).resolve().parent.parent
    demo = load_config(root / "config" / "demo.yml")
    assert demo.term.name == "demo"
    assert demo.privacy.key_source == "demo"
    template = load_config(root / "config" / "term-template.yml")
    assert template.privacy.key_source in ("env", "file"), "a real term must not use the demo key"


@pytest.mark.parametrize("line, key, words", [
    ("end: 2027-31-05", "term.end", "'2027-31-05' is not a date: month value"),
    ("end: 2027-02-30", "term.end", "'2027-02-30' is not a date: day value"),
])
def test_impossible_unquoted_date_exit2_names_key(tmp_path, line, key, words):
    # Unquoted, YAML itself tries (and fails) to build the date: still a ConfigError naming the key.
    path = write(tmp_path, MINIMAL.replace("end: 2026-12-18", line))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.exit_code == EXIT_INPUT
    assert err.value.key == key
    assert words in err.value.message
    assert "YYYY-MM-DD" in err.value.hint


def test_several_problems_name_every_key_exit2(tmp_path):
    text = MINIMAL.replace("end: 2026-12-18", "end: 2027-02-30").replace("participant_deadline: 2026-09-27",
                                                                      "participant_deadline: 2026-13-01")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert err.value.key == "term.end"
    assert "2 problems" in err.value.message
    assert "key 'term.end'" in err.value.message and "key 'registration.participant_deadline'" in err.value.message
    assert err.value.message.count("YYYY-MM-DD") == 2, "each problem keeps its own hint"


def test_every_unknown_key_is_listed_with_its_did_you_mean_exit2(tmp_path):
    text = mutate(term__colour="red", groups__min_sise=3, report__organisaton="X")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    msg = err.value.render()
    assert err.value.exit_code == EXIT_INPUT
    assert "3 problems" in msg and "more problem" not in msg
    assert "did you mean 'min_size'?" in msg and "did you mean 'organisation'?" in msg
    assert "term.colour" in msg


def test_every_unknown_column_field_is_listed_exit2(tmp_path):
    text = mutate(inputs=[{"id": "x", "kind": "mentor_registrations", "file": "x.csv",
                           "columns": {"emial": "Email", "nmae": "Name"}}])
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    msg = err.value.render()
    assert "2 problems" in msg and "did you mean 'email'?" in msg and "did you mean 'name'?" in msg



@pytest.mark.parametrize("kind, field, key, hint", [
    ("mentor_registrations", "emial", "inputs[0].columns.emial", "did you mean 'email'?"),
    ("mentor_registrations", "date", "inputs[0].columns.date", "the fields of a mentor_registrations input are: name,"),
    ("withdrawals", "withdrawn_on", "inputs[0].columns.withdrawn_on", "are: email, date, role, reason"),
    ("feedback_after", "submited_at", "inputs[0].columns.submited_at", "did you mean 'submitted_at'?"),
])
def test_unknown_field_under_columns_exit2_did_you_mean(tmp_path, kind, field, key, hint):
    text = mutate(inputs=[{"id": "x", "kind": kind, "file": "x.csv", "columns": {"email": "Email", field: "Header"}}])
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert err.value.exit_code == EXIT_INPUT
    assert err.value.key == key
    assert f"unknown field '{field}'" in err.value.message and kind in err.value.message
    assert hint in err.value.hint


def test_every_field_a_kind_reads_is_accepted_under_columns(tmp_path):
    from typing import get_args

    from mentoring_lib.config import COLUMN_FIELDS, InputKind

    assert set(COLUMN_FIELDS) == set(get_args(InputKind)), "every input kind lists the fields it reads"
    inputs = [{"id": f"i{n}", "kind": kind, "file": f"{n}.csv", "columns": {f: f.title() for f in fields}}
              for n, (kind, fields) in enumerate(COLUMN_FIELDS.items())]
    cfg = load_config(write(tmp_path, mutate(inputs=inputs)))
    assert [len(i.columns) for i in cfg.inputs] == [len(f) for f in COLUMN_FIELDS.values()]


def test_consent_values_unquoted_yes_reads_and_unquoted_no_is_refused(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL.replace("participant_places: 80",
                                                      "participant_places: 80, consent_accepted: [yes, Hyväksyn, 1]")))
    assert cfg.registration.consent_accepted == ["yes", "true", "on", "Hyväksyn", "1"]
    assert "I agree" in load_config(write(tmp_path, MINIMAL, "b.yml")).registration.consent_accepted
    for values, words in (("[yes, no]", "'no' (or false/off) would count as consent"),
                          ("[yes, '']", "a blank answer cannot count"), ("[]", "at least 1 item")):
        path = write(tmp_path, MINIMAL.replace("participant_places: 80",
                                               f"participant_places: 80, consent_accepted: {values}"), "c.yml")
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert err.value.key == "registration.consent_accepted" and words in err.value.message


LOOKUPS = Path(__file__).resolve().parent / "fixtures" / "lookups"


def test_term_lookup_tables_resolve_against_the_config_folder(tmp_path):
    import shutil

    for name in ("schools_with_answer_codes__reads.yml", "themes_in_finnish__reads.yml"):
        shutil.copy(LOOKUPS / name, tmp_path / name)
    text = MINIMAL + "schools_file: ../schools_with_answer_codes__reads.yml\nthemes_file: ../themes_in_finnish__reads.yml\n"
    cfg = load_config(write(tmp_path, text))
    assert cfg.schools_path == (tmp_path / "schools_with_answer_codes__reads.yml").resolve()
    assert cfg.themes_path == (tmp_path / "themes_in_finnish__reads.yml").resolve()
    default = load_config(write(tmp_path, MINIMAL, "default.yml"))
    assert default.schools_path is None and default.themes_path is None


@pytest.mark.parametrize("key, file, words", [
    ("schools_file", "no_such_schools.yml", "file not found"),
    ("themes_file", "no_such_themes.yml", "file not found"),
    ("schools_file", "schools_without_schools_mapping__exit2.yml", "must have a 'schools:' mapping"),
    ("themes_file", "themes_blank_keyword__exit2.yml", "a blank keyword would match every comment"),
    ("themes_file", "schools_with_answer_codes__reads.yml", "themes file"),  # the wrong kind of table
    ("schools_file", "themes_in_finnish__reads.yml", "must have a 'schools:' mapping"),
])
def test_missing_or_invalid_lookup_table_exit2_names_the_key(tmp_path, key, file, words):
    path = write(tmp_path, MINIMAL + f"{key}: {LOOKUPS / file}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.exit_code == EXIT_INPUT
    assert err.value.key == key and err.value.file == str(path.resolve())
    assert words in err.value.message and file in err.value.message
    assert err.value.hint
