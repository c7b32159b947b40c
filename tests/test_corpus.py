"""The bad-input corpus (issue 7): each file reads with a documented note or fails with exit 2.

tests/corpus/expected.yml says, for every file, what it is and what must happen; see its header.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from mentoring_lib.errors import EXIT_INPUT, InputError, InputErrors
from mentoring_lib.io.normalise import map_schools
from mentoring_lib.io.readers import parse_datetimes, read_export, select_columns

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))["files"]
#: The synthetic people in the corpus: none of these may appear in an error message.
PERSONAL = ["Aino", "Virtanen", "Mikael", "Lindqvist", "Siiri", "Mäkelä", "Jörg", "Östman", "Åsa Berg",
            "example.fi", "example.org", "192.0.2."]
TZ = "Europe/Helsinki"


def corpus_files() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_file() and "__" in p.name)


def run(name: str, spec: dict):
    """Read a corpus file the way a stage does; return (export, selected, notes)."""
    path = CORPUS / name
    export = read_export(path, **(spec.get("read") or {}))
    notes = list(export.notes)
    selected = None
    if spec.get("columns"):
        selected = select_columns(export, spec["columns"], spec.get("required", list(spec["columns"])))
        notes += selected.attrs.get("notes", [])
        for field, opts in (spec.get("dates") or {}).items():
            opts = opts or {}
            parsed = parse_datetimes(selected[field], file=path, column=spec["columns"][field],
                                     tz=opts.get("tz", TZ), date_order=opts.get("date_order", "auto"),
                                     tool=export.tool)
            notes += parsed.attrs.get("notes", [])
            selected[field + "__parsed"] = parsed
        if spec.get("schools"):
            field = spec["schools"]
            map_schools(selected[field], file=path, column=spec["columns"][field])
    return export, selected, notes


def test_corpus_is_complete_and_every_file_is_documented():
    files = corpus_files()
    assert len(files) >= 50
    assert sorted(MANIFEST) == files, "every corpus file needs an entry in expected.yml and vice versa"
    for name, spec in MANIFEST.items():
        assert spec["outcome"] in ("reads", "exit2"), name
        assert name.split("__")[1].split(".")[0] == spec["outcome"], f"{name}: name and outcome disagree"
        assert spec.get("what"), name


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file(name):
    spec = MANIFEST[name]
    try:
        export, selected, notes = run(name, spec)
    except InputError as err:
        assert spec["outcome"] == "exit2", f"{name} should read but raised: {err}"
        assert err.exit_code == EXIT_INPUT
        text = str(err)
        assert name in text, "the message names the file"
        errors = err.errors if isinstance(err, InputErrors) else [err]
        assert all(e.hint for e in errors), "every problem says what to do"
        assert spec.get("message", "") in text
        if "row" in spec:
            assert errors[0].row == spec["row"] and f"row {spec['row']}" in text
        if "column" in spec:
            assert errors[0].column == spec["column"] and f"column '{spec['column']}'" in text
        for value in PERSONAL:
            assert value not in text, f"personal value {value!r} in the message"
        return
    except Exception as err:  # anything else is a defect: the coordinator would see a traceback
        pytest.fail(f"{name}: {type(err).__name__} instead of InputError: {err}")
    assert spec["outcome"] == "reads", f"{name} should fail with exit 2 but read cleanly"
    for needle in spec.get("note") or []:
        assert any(needle in n for n in notes), f"{name}: no note containing {needle!r} in {notes}"
    expect = spec.get("expect") or {}
    for key, value in expect.items():
        if key == "rows":
            assert len(export.data) == value
        elif key == "first_row":
            assert export.first_data_row == value
            if len(export.data):
                assert export.data.index[0] == value
        elif key == "index":
            assert list(export.data.index) == value
        elif key == "columns":
            assert list(export.data.columns) == value
        elif key == "cell":
            row, column, text = value
            assert export.data.loc[row, column] == text
        elif key == "selected":  # a field as select_columns gives it (e.g. options combined from several columns)
            row, field, text = value
            assert selected.loc[row, field] == text
        elif key == "first_time":
            parsed = [c for c in selected.columns if c.endswith("__parsed")][0]
            assert selected[parsed].iloc[0] == pd.Timestamp(value).tz_convert(TZ)
        else:
            assert getattr(export, key) == value, f"{name}: {key}"
