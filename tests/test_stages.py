"""The stage catalogue (mentoring_lib.pipeline.stages) is the contract: what each stage reads and writes,
its privacy domain, and what a changed file re-runs."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, one_input_term, small_term
from mentoring_lib.pipeline import provenance, runner, staleness, stages
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process
from mentoring_lib.errors import WorkbookError

KEY = bytes(range(32))


def test_every_dataset_a_stage_reads_is_written_by_an_earlier_stage():
    seen: set[str] = set()
    for st in stages.STAGES:
        for name in st.reads:
            assert name in stages.DATASETS, f"{st.name} reads '{name}', which the catalogue does not declare"
            assert stages.producer(name) in seen, f"{st.name} reads '{name}' of a later stage"
        seen.add(st.name)
    writers = [d for st in stages.STAGES for d in st.writes]
    assert sorted(writers) == sorted(stages.DATASETS), "every dataset has exactly one writer"


def test_identity_data_is_read_only_by_identity_domain_stages():
    identity = {d.name for d in stages.DATASETS.values() if d.domain == "identity"}
    assert identity == {"identity/people"}
    readers = {st.name for st in stages.STAGES if identity & set(st.reads)}
    assert readers == {"groups", "feedback", "evaluation", "certificates"}
    assert all(stages.get(n).identity for n in readers)
    assert not stages.get("report").identity  # the public report reads pseudonymised tables only
    # and at run time: a stage outside the identity domain cannot read it even by naming it
    ctx = StageContext("report", load_config(ROOT / "config" / "demo.yml"), OutputPaths(Path("/nonexistent")))
    with pytest.raises(WorkbookError, match="does not declare"):
        ctx.read("identity/people")


def test_needs_are_derived_from_what_each_stage_reads():
    assert stages.get("certificates").needs == ("registrations", "groups", "attendance")
    assert stages.get("report").needs == ("registrations", "groups", "attendance", "feedback", "evaluation")
    assert "certificates" not in stages.upstream("report"), "the report does not wait for certificates"
    assert stages.downstream({"certificates"}) == {"certificates"}
    assert stages.downstream({"feedback"}) == {"feedback", "evaluation", "report"}


def test_library_reads_and_writes_datasets_only_through_the_catalogue():
    """No module spells a table or the identity table's path: ctx.read / ctx.write check the
    stage's declaration (the unchecked read_table / write_table are for tests and tools)."""
    spelled = re.compile(r"\.(read_table|write_table)\(|identity[\"']?\s*/\s*[\"']people\.parquet|identity/people\.parquet")
    offenders = [f"{p.name}:{n}" for p in sorted((ROOT / "mentoring_lib").glob("*.py"))
                 if p.name not in ("context.py", "stages.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if spelled.search(line)]
    assert offenders == []


def test_reading_or_writing_an_undeclared_dataset_fails(tmp_path):
    ctx = StageContext("groups", load_config(ROOT / "config" / "demo.yml"), OutputPaths(tmp_path).ensure())
    with pytest.raises(WorkbookError, match="does not declare that it reads the dataset 'feedback/scores'"):
        ctx.read("feedback/scores")
    with pytest.raises(WorkbookError, match="does not declare that it writes the dataset 'registrations/people'"):
        ctx.write("registrations/people", pd.DataFrame())
    assert ctx.read("groups/members", optional=True) is None  # a stage may read back what it writes


def test_every_stage_runs_reading_only_what_it_declares(tmp_path, monkeypatch):
    """The whole small term in-process: every read and write goes through the declaration check, and
    every stage reads only the config keys the catalogue declares for it."""
    monkeypatch.setenv("MENTORING_KEY", KEY.hex())
    config = load_config(small_term(tmp_path))
    out = OutputPaths(tmp_path / "out").ensure()
    undeclared = run_recording_config_reads(config, out)
    written = {p.relative_to(out.root).as_posix() for p in out.root.rglob("*.parquet")}
    declared = {d.path for d in stages.DATASETS.values()}
    assert written <= declared, written - declared
    assert undeclared == {}, "declare them in the stage's config= (mentoring_lib/pipeline/stages.py)"


@pytest.mark.slow
def test_every_stage_of_the_demo_term_reads_only_the_config_keys_it_declares(tmp_path, monkeypatch):
    """The demo config sets what the small term leaves out (mentor hours, withdrawals, support
    meetings, certificate overrides, approved quotes, the evaluation section), so the stages take
    the branches that read those keys."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    config = load_config(ROOT / "config" / "demo.yml")
    assert config.mentor_hours and config.certificates.overrides_file and config.inputs_of("support_attendance")
    assert run_recording_config_reads(config, OutputPaths(tmp_path).ensure()) == {}


# -- what the stages read of the config -------------------------------------------------------------

#: Config keys a stage may read without declaring them: where files are (their contents are
#: fingerprinted as inputs and side files) and where the pseudonym key comes from (the key part).
LOCATION_KEYS = {"data_dir", "reports_dir", "source", "reports_root_path", "privacy.key_source", "privacy.key_file"}


def config_model_paths() -> dict[type, str]:
    """Each section model of the term config -> its dotted path (TermSection -> ``term``,
    TestSubmissionRules -> ``registration.test_submissions``, InputFile -> ``inputs``)."""
    from mentoring_lib.config import TermConfig
    from mentoring_lib.config_sections import _Model

    def models(annotation) -> list[type]:
        if isinstance(annotation, type) and issubclass(annotation, _Model):
            return [annotation]
        return [m for a in getattr(annotation, "__args__", ()) for m in models(a)]

    paths: dict[type, str] = {}

    def walk(model: type, prefix: str) -> None:
        for name, info in model.model_fields.items():
            for sub in models(info.annotation):
                if sub not in paths:
                    paths[sub] = prefix + name
                    walk(sub, f"{prefix}{name}.")

    walk(TermConfig, "")
    return paths


def run_recording_config_reads(config, out: OutputPaths, catalogue: tuple[stages.Stage, ...] = stages.STAGES
                               ) -> dict[str, list[str]]:
    """Run the stages of ``catalogue`` in-process on ``config``, recording each config field the stage's code reads
    (every section model's attribute access); return, per stage, the keys it read without declaring
    them: config keys not covered by its ``config_keys`` / ``side_files`` / :data:`LOCATION_KEYS`,
    and fields of ``inputs:`` entries of kinds that neither it nor a stage it needs reads (the
    ``kind`` itself is how a stage finds its own inputs)."""
    from pydantic import BaseModel

    from mentoring_lib.config import TermConfig
    from mentoring_lib.config_sections import InputFile, _Model

    # What the runner hands every stage (the report shows it); computed before the recording.
    handed = provenance.public_record({"inputs": provenance.input_fingerprints(config),
                                       "config": {"digest": config.digest()}, "code": {"package": "test"}})
    paths = config_model_paths()
    keys: set[str] = set()
    entries: set[tuple[str, str]] = set()
    read = object.__getattribute__

    def recording(self, name):
        value = read(self, name)
        cls = type(self)
        if name not in cls.model_fields or isinstance(value, BaseModel):
            return value  # not a config key, or a section (what is read in it is recorded)
        if cls is InputFile:
            if name != "kind":
                entries.add((read(self, "kind"), name))
        elif cls is TermConfig:
            if not isinstance(value, (list, dict)):  # inputs: recorded per entry; surveys: status only
                keys.add(name)  # a scalar, or an optional section left out (None)
        elif cls in paths and not paths[cls].startswith("inputs."):
            keys.add(f"{paths[cls]}.{name}")
        return value

    undeclared: dict[str, list[str]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_Model, "__getattribute__", recording)
        for st in catalogue:
            keys.clear()
            entries.clear()
            run_in_process(StageContext(st.name, config, out, provenance=handed))
            kinds = {*st.inputs, *(k for n in stages.upstream(st.name) for k in stages.get(n).inputs)}
            bad = sorted(k for k in keys if k not in LOCATION_KEYS and k not in st.side_files
                         and not any(stages.overlaps(k, d) for d in st.config_keys))
            bad += sorted(f"inputs[{kind}].{field}" for kind, field in entries if kind not in kinds)
            if bad:
                undeclared[st.name] = bad
    return undeclared


def test_a_config_key_or_input_a_stage_reads_without_declaring_it_is_found(tmp_path, monkeypatch):
    """The recording catches an under-declared stage (here registrations without two of its keys
    and one of its input kinds)."""
    from dataclasses import replace

    monkeypatch.setenv("MENTORING_KEY", KEY.hex())
    config = load_config(small_term(tmp_path))
    short = replace(stages.get("registrations"), config=("registration",),
                    inputs=("mentor_registrations", "withdrawals"))
    undeclared = run_recording_config_reads(config, OutputPaths(tmp_path / "out").ensure(), (short,))
    assert set(undeclared) == {"registrations"}
    assert {"privacy.min_count", "term.timezone", "inputs[participant_registrations].columns"} <= \
        set(undeclared["registrations"])
    assert not any(k.startswith(("registration.", "inputs[mentor_registrations]")) for k in undeclared["registrations"])


def test_every_declared_config_key_is_a_key_of_the_config():
    from mentoring_lib.config import TermConfig

    known = {"": TermConfig, **{p: m for m, p in config_model_paths().items()}}
    for st in stages.STAGES:
        assert len(set(st.config_keys)) == len(st.config_keys), f"{st.name} declares a config key twice"
        for key in st.config_keys:
            section, _, field = key.rpartition(".")
            assert section in known and field in known[section].model_fields, f"{st.name}: no config key '{key}'"


# -- what an edited file re-runs --------------------------------------------------------------------

SIDE_FILES = {"groups.roster_file": ("groups", "roster_file"),
              "certificates.overrides_file": ("certificates", "overrides_file"),
              "privacy.approved_quotes_file": ("privacy", "approved_quotes_file"),
              "codebook": (None, "codebook"), "themes_file": (None, "themes_file")}
THEMES = "themes:\n  - {{id: support, label: Support, keywords: [{word}]}}\n"


def side_term(tmp_path: Path) -> Path:
    """A one-input term that names every side file (contents need not be valid: nothing runs)."""
    data = tmp_path / "data"
    data.mkdir()
    raw = yaml.safe_load(one_input_term("sides", "Sides"))
    for key, (section, field) in SIDE_FILES.items():
        name = f"{field}.txt"
        if section:
            raw.setdefault(section, {})[field] = name
            (data / name).write_text("first version\n", encoding="utf-8")
        else:
            raw[field] = f"{field}.yml"
            (tmp_path / f"{field}.yml").write_text(THEMES.format(word="support"), encoding="utf-8")
    config = tmp_path / "term.yml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config


@pytest.mark.parametrize("key", list(SIDE_FILES))
def test_editing_a_side_file_reruns_exactly_the_stages_that_read_it_and_says_why(tmp_path, key):
    config_file = side_term(tmp_path)

    def plan(previous=None):
        config = load_config(config_file)
        return staleness.plan(config, provenance.input_fingerprints(config), "code", KEY, previous)

    first = plan()
    assert list(first.stale) == [s.name for s in stages.STAGES]  # nothing recorded yet
    recorded = {n: first.run_record(n) for n in first.fingerprints}
    assert plan(recorded).stale == {}, "nothing changed: nothing to do"
    section, field = SIDE_FILES[key]
    path = config_file.parent / ("data" if section else "") / (f"{field}.txt" if section else f"{field}.yml")
    path.write_text(THEMES.format(word="tuki") if not section else "second version\n", encoding="utf-8")
    again = plan(recorded)
    readers = stages.reading("side_files", key)
    assert readers, f"no stage declares that it reads {key}"
    assert set(again.stale) == stages.downstream(set(readers))
    for name in readers:
        assert again.stale[name][0] == f"{key} changed", again.stale[name]  # then any upstream re-run
    for name in set(again.stale) - set(readers):
        assert all(r.endswith(" re-runs") for r in again.stale[name]), again.stale[name]


#: One edit of each config section (and of the keys other stages read in it): key -> new value.
CONFIG_EDITS = {
    "term.title": "Another term", "term.language": "Finnish", "term.timezone": "Europe/Stockholm",
    "term.university": "example-university", "term.end": "2026-12-19",
    "registration.participant_places": 11, "registration.promote_until": "2026-10-12",
    "groups.max_size": 13,
    "programme.trainings": 4, "programme.meeting_period": "Autumn", "programme.first_meeting_week": "2026-10-12",
    "certificates.role": "Mentor", "certificates.min_meetings": 2, "mentor_hours": {"training_hours": 2},
    "privacy.min_count": 6, "privacy.min_base": 12, "privacy.gate_allow": ["Young"],
    "evaluation.per_protocol_min_meetings": 2, "evaluation.primary": "scs_sf_total",
    "report.title": "Another programme", "report.author": "Someone else",
    "alerts.missed_meetings": 3,
}


def config_plans(tmp_path: Path, key: str, value) -> tuple[staleness.Plan, staleness.Plan]:
    """The plan of a recorded run of the side-file term after ``key`` was set to ``value`` (and a
    check that the same config again changes nothing)."""
    config_file = side_term(tmp_path)

    def plan(previous):
        config = load_config(config_file)
        return staleness.plan(config, provenance.input_fingerprints(config), "code", KEY, previous)

    first = plan(None)
    recorded = {n: first.run_record(n) for n in first.fingerprints}
    assert plan(recorded).stale == {}
    raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    *sections, field = key.split(".")
    node = raw
    for section in sections:
        node = node.setdefault(section, {})
    assert node.get(field) != value, "an edit changes the value"
    node[field] = value
    config_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return first, plan(recorded)


@pytest.mark.parametrize("key", list(CONFIG_EDITS))
def test_editing_a_config_key_reruns_exactly_the_stages_that_read_it_and_says_why(tmp_path, key):
    _, again = config_plans(tmp_path, key, CONFIG_EDITS[key])
    readers = stages.reading_config(key)
    assert set(again.stale) == stages.downstream(set(readers))
    for name in readers:
        declared = next(d for d in stages.get(name).config_keys if stages.overlaps(key, d))
        what = "key" if "." in declared else "section"
        assert again.stale[name][0] == f"config {what} {declared} changed", again.stale[name]
    for name in set(again.stale) - set(readers):
        assert all(r.endswith(" re-runs") for r in again.stale[name]), again.stale[name]


def test_what_an_edited_config_key_reruns():
    """The catalogue's answer for the edits a coordinator makes most (what the code reads: the
    certificate names the programme, so report.title re-runs the certificates too; the language
    titles every public workbook and the certificates; as for privacy.min_count, the registrations
    stage reading it re-runs every stage downstream)."""
    every = {s.name for s in stages.STAGES}
    publishing = {s.name for s in stages.STAGES if s.public}
    assert publishing == {"registrations", "groups", "evaluation", "report"}
    expected = {"report.title": {"certificates", "report"}, "report.author": {"report"},
                "certificates.role": {"certificates"}, "mentor_hours.training_hours": {"certificates"},
                "certificates.min_meetings": {"evaluation", "certificates", "report"},
                "term.language": publishing | {"certificates"}, "privacy.min_count": publishing,
                "privacy.min_base": {"evaluation", "report"}, "privacy.gate_allow": {"report"},
                "groups.count": {"groups", "evaluation", "report"}, "term.end": every, "term.name": every,
                "alerts.missed_meetings": set(), "surveys": set()}
    assert {k: set(stages.reading_config(k)) for k in expected} == expected
    assert stages.downstream({"registrations"}) == every, "so privacy.min_count re-runs every stage"


def test_a_run_says_which_config_section_changed(tmp_path):
    _, again = config_plans(tmp_path, "report.subtitle", "Spring")
    assert again.lines() == ["  report: config section report changed"]
    (tmp_path / "2").mkdir()
    _, again = config_plans(tmp_path / "2", "certificates.heading", "Certificate")
    assert again.lines() == ["  certificates: config section certificates changed"]


def test_a_run_recorded_with_the_whole_config_digest_reruns_every_stage_saying_so(tmp_path):
    first, _ = config_plans(tmp_path, "report.author", "Someone else")
    old = {n: {"parts": {"config": "d", **{k: v for k, v in first.parts[n].items()
                                          if not k.startswith(staleness.CONFIG)}}, "fingerprint": "f"}
           for n in first.parts}
    config = load_config(tmp_path / "term.yml")
    again = staleness.plan(config, provenance.input_fingerprints(config), "code", KEY, old)
    assert list(again.stale) == [s.name for s in stages.STAGES]
    assert {why[0] for why in again.stale.values()} == {
        "the earlier run recorded a digest of the whole config, not of each section"}


def test_an_edited_input_entry_reruns_its_stage_and_downstream(tmp_path):
    """An input's entry (here its column mapping) is part of what the stages of its kind read."""
    _, again = config_plans(tmp_path, "inputs", [{"id": "mentors", "kind": "mentor_registrations",
                                                  "file": "mentors.csv", "tool": "google_forms",
                                                  "columns": {"email": "E-mail"}}])
    assert again.stale["registrations"] == ["input 'mentors' changed"]
    assert set(again.stale) == {s.name for s in stages.STAGES}


def test_an_edited_input_reruns_its_stage_and_downstream_only(tmp_path):
    config_file = side_term(tmp_path)
    (tmp_path / "data" / "mentors.csv").write_text("Timestamp,Email\n", encoding="utf-8")
    config = load_config(config_file)
    first = staleness.plan(config, provenance.input_fingerprints(config), "code", KEY, None)
    recorded = {n: first.run_record(n) for n in first.fingerprints}
    (tmp_path / "data" / "mentors.csv").write_text("Timestamp,Email\n2026/09/01 10:00:00,a@example.org\n")
    again = staleness.plan(config, provenance.input_fingerprints(config), "code", KEY, recorded)
    assert list(again.stale) == [s.name for s in stages.STAGES]  # registrations feeds every stage
    assert again.stale["registrations"] == ["input 'mentors' changed"]
    assert again.stale["groups"] == ["registrations re-runs"]
    code = staleness.plan(config, provenance.input_fingerprints(config), "code-2", KEY, recorded)
    assert code.stale["certificates"][0] == "code changed"


# -- no hidden shared state -------------------------------------------------------------------------

def test_two_terms_in_one_process_get_their_own_dates(tmp_path, monkeypatch):
    """The runner used to write the date into os.environ; the next term in the process read it back."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    configs = []
    for name, end in (("autumn", "2026-12-18"), ("spring", "2027-05-28")):
        (tmp_path / name).mkdir()
        text = one_input_term(name, name).replace("end: 2026-12-18", f"end: {end}")
        (tmp_path / name / "term.yml").write_text(text, encoding="utf-8")
        configs.append(load_config(tmp_path / name / "term.yml"))
    runner._kernel_environment()
    assert "SOURCE_DATE_EPOCH" not in __import__("os").environ
    dates = [StageContext("report", c, OutputPaths(tmp_path / c.term.name)).source_date_epoch for c in configs]
    assert dates == [provenance.source_date_epoch(c) for c in configs]
    assert dates[0] != dates[1]
    from mentoring_lib.io import spreadsheets

    path = spreadsheets.write_xlsx({"a": pd.DataFrame({"x": [1]})}, tmp_path / "a.xlsx", epoch=dates[1])
    import openpyxl

    assert openpyxl.load_workbook(path).properties.created.date().isoformat() == "2027-05-28"


def test_reports_root_is_resolved_once_when_the_config_is_loaded(tmp_path, monkeypatch):
    (tmp_path / "term.yml").write_text(one_input_term("t", "T"), encoding="utf-8")
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path / "first"))
    config = load_config(tmp_path / "term.yml")
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path / "second"))
    assert config.term_dir == (tmp_path / "first" / "t").resolve()


def test_a_term_with_surveys_and_no_codebook_is_a_config_error_in_every_stage(tmp_path):
    from mentoring_lib.steps import evaluation, feedback
    from mentoring_lib.errors import ConfigError

    config_file = small_term(tmp_path)
    raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    del raw["codebook"]
    config_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = load_config(config_file)
    for load in (feedback.load_survey_codebook, evaluation.load_stage_codebook):
        with pytest.raises(ConfigError, match="no survey codebook"):
            load(config)
    assert evaluation.check_inputs  # the check runs the same loader


# -- docs -------------------------------------------------------------------------------------------

def test_architecture_doc_shows_the_catalogue_as_generated():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = subprocess.run([sys.executable, "-m", "mentoring_lib.pipeline.stages", "--markdown"], capture_output=True,
                           text=True, cwd=ROOT, check=True).stdout
    assert table == stages.markdown_table()
    assert table in doc, "docs/architecture.md is out of date: paste `python -m mentoring_lib.pipeline.stages --markdown`"


# -- real runs of a small term ----------------------------------------------------------------------

def folder_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): provenance.sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_edited_overrides_rerun_only_certificates_and_warm_or_cold_kernels_publish_the_same_bytes(
        tmp_path, monkeypatch, capsys):
    """Two real ``mentoring run``s of a small term: the second, after the certificate overrides
    changed, runs the certificates stage alone and says why; the public folder is unchanged. The
    stage notebooks and the drivers run in-process write the same tables. A run of the term into
    another folder with cold kernels, one stage at a time (other scheduling), publishes the same bytes."""
    from mentoring_lib import cli

    monkeypatch.setenv("MENTORING_KEY", KEY.hex())
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    config_file = small_term(tmp_path / "term")
    overrides = config_file.parent / "data" / "overrides.csv"
    overrides.write_text("Email,Eligible,Reason\nm1@example.org,yes,Led an extra session\n", encoding="utf-8")
    raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    raw["certificates"]["overrides_file"] = "overrides.csv"
    config_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path / "warm"))
    assert cli.main(["run", "--config", str(config_file)]) == 0
    term_dir = tmp_path / "warm" / "small"
    public = folder_hashes(term_dir / "public")
    eligible = pd.read_parquet(term_dir / "private" / "tables" / "certificates" / "eligibility.parquet")
    capsys.readouterr()
    # The notebooks (this run) and the drivers in-process write the same tables and records.
    inproc = OutputPaths(tmp_path / "inproc").ensure()
    config = load_config(config_file)
    for st in stages.STAGES:
        run_in_process(StageContext(st.name, config, inproc))
    for d in stages.DATASETS.values():
        ran, direct = term_dir / "private" / Path(d.path).relative_to("private"), inproc.root / d.path
        assert ran.is_file() == direct.is_file(), d.name
        if ran.suffix == ".parquet" and ran.is_file():
            pd.testing.assert_frame_equal(pd.read_parquet(ran), pd.read_parquet(direct), obj=d.name)
        elif ran.is_file():
            assert ran.read_text(encoding="utf-8") == direct.read_text(encoding="utf-8"), d.name

    overrides.write_text("Email,Eligible,Reason\nm1@example.org,no,Asked not to receive one\n", encoding="utf-8")
    assert cli.main(["run", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "  certificates: certificates.overrides_file changed" in out
    assert "running 1 stage(s) (certificates)" in out
    assert folder_hashes(term_dir / "public") == public, "the certificates stage publishes nothing"
    record = __import__("json").loads((term_dir / "run.json").read_text(encoding="utf-8"))
    assert [n for n, r in record["stages"].items() if "seconds" in r] == ["certificates"]
    assert all(r["kept_from"] for n, r in record["stages"].items() if n != "certificates")
    again = pd.read_parquet(term_dir / "private" / "tables" / "certificates" / "eligibility.parquet")
    assert int(again["eligible"].sum()) == int(eligible["eligible"].sum()) - 1
    for name in ("01_registrations.ipynb", "06_certificates.ipynb", "07_report.ipynb"):
        assert (term_dir / "private" / "notebooks" / name).is_file(), "kept stages keep their executed notebooks"
    assert cli.main(["run", "--config", str(config_file)]) == 0
    assert "Nothing to do" in capsys.readouterr().out
    # the report alone: it rewrites the registrations' summary in place, which must stay
    assert cli.main(["run", "--config", str(config_file), "--only", "report"]) == 0
    assert folder_hashes(term_dir / "public") == public

    monkeypatch.setenv("MENTORING_REPORTS_ROOT", str(tmp_path / "cold"))
    monkeypatch.setenv("MENTORING_WARM_KERNELS", "0")
    assert cli.main(["run", "--config", str(config_file), "--jobs", "1"]) == 0
    assert folder_hashes(tmp_path / "cold" / "small" / "public") == public

