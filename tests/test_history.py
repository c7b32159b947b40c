"""The history store: term summaries as one Parquet dataset, read with pyarrow, queried with DuckDB."""
from __future__ import annotations

from pathlib import Path

import pytest

from mentoring_lib.across_terms import history, summary

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summaries"


def test_store_holds_every_figure_once_per_term_and_replaces_a_term_added_again(tmp_path):
    paths = sorted(FIXTURES.glob("*.json"))
    history.add(tmp_path, paths)
    history.add(tmp_path, paths[:1])  # again: replaced, not doubled
    df = history.read(tmp_path)
    expected = sum(len(history.flatten(summary.load(p))) for p in paths)
    assert len(df) == expected
    assert sorted(set(zip(df["university"], df["term"]))) == [
        ("uni-a", "autumn-2030"), ("uni-a", "spring-2031"), ("uni-b", "autumn-2030"), ("uni-c", "autumn-2030")]
    row = df[(df["university"] == "uni-b") & (df["figure"] == "applications/participant")].iloc[0]
    assert (row["value"], row["status"]) == (120.0, "published")
    small = df[(df["university"] == "uni-b") & (df["figure"] == "withdrew/mentor")].iloc[0]
    assert small["status"] == "suppressed" and small["value"] != small["value"]  # NaN: never a number
    change = df[(df["university"] == "uni-c") & (df["figure"] == "scs_sf/total/mean_change")].iloc[0]
    assert change["value"] == pytest.approx(-0.05)


def test_duckdb_query_over_the_store(tmp_path):
    pytest.importorskip("duckdb")
    history.add(tmp_path, sorted(FIXTURES.glob("*.json")))
    out = history.query(tmp_path, "SELECT university, sum(value) AS applications FROM figures "
                                  "WHERE figure = 'applications/participant' GROUP BY university ORDER BY university")
    assert out.to_dict("records") == [{"university": "uni-a", "applications": 64 + 51},
                                      {"university": "uni-b", "applications": 120},
                                      {"university": "uni-c", "applications": 33}]


def test_empty_store_reads_as_an_empty_table(tmp_path):
    assert history.read(tmp_path / "none").empty
