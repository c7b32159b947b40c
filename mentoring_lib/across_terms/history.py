"""A history store of term summaries: one Parquet dataset, queried with pandas or DuckDB.

Every figure of every term's public summary (:mod:`mentoring_lib.across_terms.summary`) becomes one row
(university, term, dates, section, figure id, label, kind, value, status; an outcome's statistics
are figures ``<scale>/<statistic>``), written as one Parquet file per term under
``DIR/figures/university=<id>/<term>.parquet`` (Hive partitioning). Adding a term again replaces
its file, so the store never holds a term twice; a file is written aside and renamed into place.

Only public summaries go in (the same figures the terms published, with their disclosure status;
a suppressed figure has no value here either), so the store is public too.

:func:`read` returns the whole store as a DataFrame (pyarrow); :func:`query` runs SQL over it with
DuckDB (optional: ``pip install duckdb``), where the store is the view ``figures``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from mentoring_lib.across_terms import summary

FIGURES = "figures"
COLUMNS = ("university", "university_name", "term", "term_title", "start", "end", "schema_version", "section",
           "figure", "label", "kind", "value", "status")


def flatten(data: dict) -> pd.DataFrame:
    """One row per figure of a (validated) summary."""
    base = {"university": data["university"]["id"], "university_name": data["university"]["name"],
            "term": data["term"]["id"], "term_title": data["term"]["title"], "start": data["term"]["start"],
            "end": data["term"]["end"], "schema_version": data["schema_version"]}
    rows = []
    for section in ("reach", "implementation", "reaction"):
        for e in data["figures"][section]:
            rows.append({**base, "section": section, "figure": e["id"], "label": e["label"], "kind": e["kind"],
                         "value": e["value"], "status": e["status"]})
    for o in data["figures"]["outcomes"]:
        for stat in summary.OUTCOME_STATS:
            if stat in o:
                rows.append({**base, "section": "outcomes", "figure": f"{o['id']}/{stat}", "label": o["label"],
                             "kind": "count" if stat == "pairs" else "statistic", "value": o[stat]["value"],
                             "status": o[stat]["status"]})
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["value"] = df["value"].astype("float64")
    for c in ("start", "end"):
        df[c] = pd.to_datetime(df[c]).dt.date
    return df


def add(store: str | Path, paths: Iterable[str | Path]) -> list[Path]:
    """Add (or replace) the terms of ``paths`` (summary.json files or term folders); returns the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for p in paths:
        data = summary.load(p)
        folder = Path(store) / FIGURES / f"university={data['university']['id']}"
        folder.mkdir(parents=True, exist_ok=True)
        df = flatten(data).drop(columns=["university"])  # the partition folder carries it
        target = folder / f"{data['term']['id']}.parquet"
        tmp = target.with_suffix(".parquet.tmp")
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
        os.replace(tmp, target)
        written.append(target)
    return written


def read(store: str | Path) -> pd.DataFrame:
    """The whole store (every term's figures), sorted by university, start date and figure."""
    import pyarrow.dataset as ds

    root = Path(store) / FIGURES
    if not root.is_dir():
        return pd.DataFrame(columns=list(COLUMNS))
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    df = table.to_pandas()
    df["university"] = df["university"].astype(str)
    return df[list(COLUMNS)].sort_values(["university", "start", "section", "figure"], ignore_index=True)


def query(store: str | Path, sql: str) -> pd.DataFrame:
    """Run ``sql`` with DuckDB over the store, available as the view ``figures``."""
    try:
        import duckdb
    except ImportError:  # optional dependency
        raise RuntimeError("querying the history store with SQL needs DuckDB: pip install duckdb "
                           "(history.read() gives the same data as a DataFrame without it)") from None
    pattern = (Path(store) / FIGURES / "*" / "*.parquet").as_posix().replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"CREATE VIEW figures AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)")
        return con.execute(sql).df()
