"""End to end: `mentoring run` on the demo term, as the coordinator and a scheduler use it."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import folder_hashes, mentoring_cli

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.yml"

pytestmark = pytest.mark.e2e


def mentoring(*args: str, reports: Path) -> subprocess.CompletedProcess:
    """The command as a coordinator runs it, under the usual umask (files 0644, folders 0755)."""
    return mentoring_cli(*args, reports=reports, unset=("SOURCE_DATE_EPOCH",), timeout=900, umask=0o022)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("e2e-reports")
    proc = mentoring("run", "--config", str(DEMO), reports=reports)
    return reports, proc


def test_demo_run_exits_0_and_publishes(demo_run):
    reports, proc = demo_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    term = reports / "demo"
    record = json.loads((term / "run.json").read_text())
    assert record["status"] == "ok"
    from mentoring_lib import stages

    assert set(record["stages"]) == {s.name for s in stages.STAGES}
    assert record["disclosure_audit_seconds"] >= 0  # a timing, public like the stage timings
    for st in stages.STAGES:
        assert (term / "private" / "notebooks" / st.notebook).is_file()
    details = json.loads((term / "private" / "run-details.json").read_text())
    assert details["inputs"]["mentor_registrations"]["rows_read"] > 0
    assert "rows_read" not in json.dumps(record), "counts stay in the private run details"
    for name in ("report.html", "report.pdf", "summary.xlsx"):
        assert (term / "public" / name).is_file(), name
    assert "report (HTML)" in proc.stdout and "certificates" in proc.stdout
    # The pseudonym key never reaches the run record, the log or the console.
    from mentoring_lib.pseudonym import DEMO_KEY

    key_texts = {DEMO_KEY.hex(), DEMO_KEY.decode("latin-1", "ignore")}
    for text in [(term / "run.json").read_text(), proc.stdout, proc.stderr,
                 *(p.read_text() for p in (term / "logs").glob("*.log"))]:
        assert not any(k and k in text for k in key_texts)


def test_private_outputs_are_closed_to_other_users_under_umask_022(demo_run):
    reports, _ = demo_run
    term = reports / "demo"
    private = (term / "private").resolve()
    paths = [private, *private.rglob("*")]
    files = [p for p in paths if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".csv" for p in files)
    wrong = {str(p.relative_to(private)): oct(p.stat().st_mode & 0o777) for p in paths
             if p.stat().st_mode & 0o777 != (0o600 if p.is_file() else 0o700)}
    assert wrong == {}
    assert (term / ".runs").stat().st_mode & 0o777 == 0o700 and private.parent.stat().st_mode & 0o777 == 0o700


def test_public_outputs_pass_the_gate_and_hold_no_identity(demo_run):
    reports, _ = demo_run
    import pandas as pd

    from mentoring_lib.gate import identities_from, scan_public

    term = reports / "demo"
    identities = identities_from(pd.read_parquet(term / "private" / "identity" / "people.parquet"))
    assert scan_public(term / "public", identities) == []


def test_second_run_does_nothing_and_forced_run_is_byte_identical(demo_run):
    reports, _ = demo_run
    public = reports / "demo" / "public"
    before = folder_hashes(public)
    proc = mentoring("run", "--config", str(DEMO), reports=reports)
    assert proc.returncode == 0 and "Nothing to do" in proc.stdout
    proc = mentoring("run", "--config", str(DEMO), "--force", reports=reports)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert folder_hashes(public) == before


def test_check_prints_data_quality_of_every_input(tmp_path):
    proc = mentoring("check", "--config", str(DEMO), reports=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for input_id in ("mentor_registrations", "participant_registrations"):
        assert input_id in proc.stdout
    assert not (tmp_path / "demo").exists(), "check writes nothing under reports/"
