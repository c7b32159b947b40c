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
    from mentoring_lib.pipeline import stages

    assert set(record["stages"]) == {s.name for s in stages.STAGES}
    assert record["disclosure_audit_seconds"] >= 0  # a timing, public like the stage timings
    for st in stages.STAGES:
        assert (term / "private" / "notebooks" / st.notebook).is_file()
    details = json.loads((term / "private" / "run-details.json").read_text())
    assert details["inputs"]["mentor_registrations"]["rows_read"] > 0
    assert "rows_read" not in json.dumps(record), "counts stay in the private run details"
    for name in ("report.html", "report.pdf", "summary.xlsx", "summary.pdf"):
        assert (term / "public" / name).is_file(), name
    assert "report (HTML)" in proc.stdout and "certificates" in proc.stdout
    # The run ends with what needs the coordinator's attention: counts on the console, names privately.
    attention = proc.stdout[proc.stdout.index("Needs your attention"):]
    assert "6 accepted participant(s) in no group" in attention
    assert "6 people with group meetings ticked who are in no group" in attention
    assert (term / "private" / "needs_attention.xlsx").is_file()
    assert [a["count"] for a in details["needs_attention"] if a["sheet"] == "Unplaced participants"] == [6]
    import pandas as pd

    ident = pd.read_parquet(term / "private" / "identity" / "people.parquet")
    assert not [n for n in [*ident["name"].dropna(), *ident["email"].dropna()] if str(n) in proc.stdout]
    # The pseudonym key never reaches the run record, the log or the console.
    from mentoring_lib.privacy.pseudonym import DEMO_KEY

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

    from mentoring_lib.privacy.gate import scan_public
    from mentoring_lib.privacy.names import identities_from

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


def test_cold_kernels_one_stage_at_a_time_publish_the_same_bytes(demo_run, tmp_path):
    """Other scheduling, same release (issue 18), on the demo term, which publishes every figure and
    table: tests/test_stages.py checks it on the small term, whose counts are mostly under the
    thresholds (one figure); benchmarks/run.py on the 100-times term."""
    reports, _ = demo_run
    proc = mentoring_cli("run", "--config", str(DEMO), "--jobs", "1", reports=tmp_path, unset=("SOURCE_DATE_EPOCH",),
                         env={"MENTORING_WARM_KERNELS": "0"}, timeout=900, umask=0o022)
    assert proc.returncode == 0, proc.stderr[-3000:]
    warm, cold = folder_hashes(reports / "demo" / "public"), folder_hashes(tmp_path / "demo" / "public")
    assert len([f for f in warm if f.startswith("figures/")]) >= 5 and "report.pdf" in warm
    assert cold == warm


def test_check_prints_data_quality_of_every_input(tmp_path):
    proc = mentoring("check", "--config", str(DEMO), reports=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for input_id in ("mentor_registrations", "participant_registrations"):
        assert input_id in proc.stdout
    assert not (tmp_path / "demo").exists(), "check writes nothing under reports/"


def test_demo_report_leads_with_the_primary_outcome_and_shows_the_reviewers_analyses(demo_run):
    """The demo report (HTML and PDF alike): the primary outcome first, with its adjusted result;
    the attrition and sensitivity analyses, reliable change counts and the promised intervals."""
    import io
    import re

    pypdf = pytest.importorskip("pypdf")
    reports, proc = demo_run
    assert proc.returncode == 0
    public = reports / "demo" / "public"
    html = (public / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&").replace("&#x27;", "'")
    pdf = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
        (public / "report.pdf").read_bytes())).pages))
    section = re.search(r'<section id="key-figures".*?</section>', html, flags=re.S).group(0)
    assert section.index("primary outcome: mean change in Self-compassion") < section.index("participant applications")
    for text in (page, pdf):
        assert "Outcomes (before–after change)" in text
        assert "Primary outcome, SCS-SF: Self-compassion (SCS-SF total) (32 pairs)" in text
        assert "Holm-adjusted p" in text and "across the 9 outcomes of the family" in text
        for phrase in ("Hedges' g 0.196", "negligible", "Primary outcome: mean change under each analysis",
                       "Mixed model, every before and after respondent", "worst-case bound",
                       "Before-survey scores: answered both surveys vs only the before survey",
                       "Reliable change per participant (Jacobson–Truax)", "Wilson", "d_z 95% CI", "r 95% CI",
                       "minimal important difference is 1 to 3 points", "Exploratory dose–response"):
            assert phrase in text, phrase
    # the first outcome sentence comes before the secondary outcomes, in the section's text
    assert page.index("Primary outcome, SCS-SF") < page.index("Secondary outcome, SWEMWBS")


def test_report_wording_states_bases_and_lists_the_same_items(demo_run):
    """Issue 14 item 8 on the demo report: the funnel figure gives the table's base, the "Not
    charted" items are the same in text and captions, the forest plot's grey points are explained,
    "at least N%" bounds appear only where they say something (N >= 50), and the trainings table,
    whose counts are all withheld at 16 mentors, is replaced by its sentence."""
    import html
    import re

    reports, proc = demo_run
    assert proc.returncode == 0
    page = html.unescape((reports / "demo" / "public" / "report.html").read_text(encoding="utf-8"))
    text = re.sub(r"<[^>]+>", " ", page)
    assert "Participants: from registration to completion (people at each step; percentages of the accepted, " \
           "as in the table)" in text
    for section in re.findall(r"<section.*?</section>", page, flags=re.S):
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", section, flags=re.S)
        listed = [set(re.findall(r"“([^”]+)”", c.split("Not charted", 1)[1])) for c in captions if "Not charted" in c]
        assert all(items == listed[0] for items in listed)  # every chart of a section names the same items
        said = re.findall(r"<p>Not charted[^<]*</p>", section)
        assert not (said and listed), "named once: in the captions, or in a sentence when nothing is charted"
    reaction = next(s for s in re.findall(r"<section.*?</section>", page, flags=re.S) if "Figure 3." in s)
    assert "Overall, how satisfied were you with your peer group" in reaction.split("Figure 3.", 1)[1].split(
        "</figcaption>", 1)[0]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
    assert any("grey points subscales" in c for c in captions)
    assert all(int(n) >= 50 for n in re.findall(r"at least (\d+)%", text))
    assert ". Mentor trainings</p>" not in page and "trainings was missed by fewer than 5" in text
