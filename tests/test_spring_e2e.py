"""End to end on the second synthetic term (spring): a term nobody tuned the pipeline for.

`mentoring demo-data DIR --variant spring` writes the exports, the config and the answer key the
generator decided when it made the people; `mentoring run` must then reach exactly that answer:
every registration row's status, the certificate list and the number of linked pre/post pairs.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from mentoring_lib.demo import demodata_spring as spring

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spring_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("spring-data")
    reports = tmp_path_factory.mktemp("spring-reports")
    env = {**os.environ, "MENTORING_REPORTS_ROOT": str(reports), "PYTHONPATH": str(ROOT)}
    env.pop("SOURCE_DATE_EPOCH", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mentoring_lib", *args], capture_output=True, text=True,
                              env=env, timeout=900, cwd=ROOT)

    made = cli("demo-data", str(data), "--variant", "spring")
    assert made.returncode == 0, made.stderr
    run = cli("run", "--config", str(data / spring.CONFIG_FILE))
    return data, reports / spring.TERM_NAME, run


def test_spring_run_exits_0_and_publishes(spring_run):
    _, term, run = spring_run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "privacy gate: no personal data found" in run.stdout
    for name in ("report.html", "report.pdf", "summary.xlsx"):
        assert (term / "public" / name).is_file(), name


def test_spring_statuses_equal_the_expected_ones(spring_run):
    data, term, _ = spring_run
    got = pd.read_parquet(term / "private" / "tables" / "registrations" / "rows.parquet")
    expected = pd.read_csv(data / spring.EXPECTED_STATUSES)
    merged = got.merge(expected, left_on=["source", "source_row"], right_on=["input", "row"],
                       suffixes=("", "_expected"), validate="one_to_one")
    assert len(merged) == len(got) == len(expected) == 82
    wrong = merged.loc[merged["status"] != merged["status_expected"], ["source", "source_row", "status",
                                                                       "status_expected"]]
    assert wrong.empty, wrong.to_string()
    for col in ("queue_position", "waitlist_position"):
        assert merged[col].astype("Float64").fillna(-1).tolist() == \
            merged[col + "_expected"].astype("Float64").fillna(-1).tolist(), col


def test_spring_certificate_list_equals_the_expected_one(spring_run):
    data, term, _ = spring_run
    wb = load_workbook(term / "private" / "certificates" / "certificate_list.xlsx", read_only=True)
    sheets = {name: pd.DataFrame(list(wb[name].iter_rows(values_only=True))[1:],
                                 columns=next(wb[name].iter_rows(values_only=True)))
              for name in ("Eligible", "Not eligible")}
    wb.close()
    expected = pd.read_csv(data / spring.EXPECTED_CERTIFICATES)
    assert sorted(sheets["Eligible"]["E-mail"]) == sorted(expected.loc[expected["eligible"], "email"])
    assert sorted(sheets["Not eligible"]["E-mail"]) == sorted(expected.loc[~expected["eligible"], "email"])
    listed = pd.concat(sheets.values()).set_index("E-mail")
    exp = expected.set_index("email")
    assert listed.loc[exp.index, "Trainings attended"].tolist() == exp["trainings_attended"].tolist()
    assert listed.loc[exp.index, "Meetings co-led"].tolist() == exp["meetings_attended"].tolist()
    assert len(list((term / "private" / "certificates" / "pdf").glob("*.pdf"))) == int(expected["eligible"].sum())


def test_spring_linked_pairs_equal_the_expected_number(spring_run):
    data, term, _ = spring_run
    expected = yaml.safe_load((data / spring.EXPECTED_RESULTS).read_text(encoding="utf-8"))
    linkage = pd.read_parquet(term / "private" / "tables" / "feedback" / "linkage.parquet")
    participants = linkage[linkage["role"] == "participant"]
    assert int(participants["linked"].sum()) == expected["linked_pairs"]
    # The strays the generator planted are there and not linked.
    assert set(participants["reason"]) >= {"not accepted (waitlisted)", "not a participant (registered as mentor)"}


def test_spring_summary_json_shows_what_the_summary_workbook_shows(spring_run):
    from mentoring_lib.across_terms import summary

    _, term, _ = spring_run
    data = summary.load(term / "public" / "summary.json")  # validated against the packaged schema
    assert (data["term"]["id"], data["university"]["id"]) == (spring.TERM_NAME, "example-university-of-technology")
    from mentoring_lib.io import people_workbooks

    reach = people_workbooks.read(term / "public" / "summary.xlsx", "Reach").set_index("measure")  # machine form
    figs = {e["id"]: e for e in data["figures"]["reach"]}
    for measure, fid in (("applications", "applications"), ("accepted", "accepted"), ("wait-listed", "waitlisted"),
                         ("withdrew", "withdrew"), ("late (after the deadline)", "late")):
        for role, col in (("participant", "participants"), ("mentor", "mentors")):
            shown, fig = str(reach.loc[measure, col]), figs[f"{fid}/{role}"]
            expected = ({"value": int(shown), "status": "published"} if shown.isdigit() else
                        {"value": None, "status": "suppressed" if shown.startswith("<") else "hidden"})
            assert {"value": fig["value"], "status": fig["status"]} == expected, (measure, role)


def test_comparison_with_the_spring_term_passes_the_gate_with_its_people(spring_run, tmp_path):
    """The comparison reads only summaries: none of the spring term's names or e-mails reach it."""
    from mentoring_lib.across_terms import compare
    from mentoring_lib.privacy import gate, names

    data, term, _ = spring_run
    fixture = ROOT / "tests" / "fixtures" / "summaries" / "uni-a-autumn-2030.json"
    written = compare.write_comparison([fixture, term], tmp_path / "compare")
    people = pd.read_parquet(term / "private" / "identity" / "people.parquet")
    assert len(people) > 0
    assert gate.scan_public(tmp_path / "compare", names.identities_from(people)) == []
    assert "Example University of Technology" in written["html"].read_text(encoding="utf-8")
