"""The spring term generator: determinism, the exports' shapes, the config, an answer key of its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import mentoring_cli

from mentoring_lib.demo import demodata_spring as spring
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.config import load_config
from mentoring_lib.io.readers import read_export

ROOT = Path(__file__).resolve().parents[1]
#: Modules whose results the answer key predicts: the generator must not use them.
PIPELINE_MODULES = {"registration", "grouping", "attendance", "feedback", "certificates", "evaluation",
                    "scoring", "normalise", "readers", "pseudonym", "registration_rules", "registration_inputs",
                    "registration_outputs", "certificate_rules", "certificate_pdfs", "group_formation",
                    "group_roster"}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    out = tmp_path_factory.mktemp("spring")
    return out, spring.write_spring_term(out, seed=2027)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(term, tmp_path):
    out, _ = term
    spring.write_spring_term(tmp_path, seed=2027)
    assert _files(tmp_path) == _files(out)
    for name in _files(out):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


@pytest.mark.slow
def test_another_seed_gives_other_people_and_the_same_announced_sizes(term, tmp_path):
    _, first = term
    other = spring.write_spring_term(tmp_path, seed=5)
    assert set(other["people"]["email"]) != set(first["people"]["email"])
    assert other["expected"]["rows"] == first["expected"]["rows"]


def test_exports_are_shaped_like_their_tools(term):
    out, _ = term
    mentors = read_export(out / spring.MENTOR_FILE)
    assert mentors.tool == "google_forms" and mentors.delimiter == ","
    stamps = mentors.data["Timestamp"].str.extract(r"^(\d+)/(\d+)/(\d{4}) ").astype(int)
    # Month first: some days are over 12 (read day first, they would be impossible dates).
    assert (stamps[0] <= 12).all() and (stamps[1] > 12).any()
    participants = read_export(out / spring.PARTICIPANT_FILE)
    assert participants.tool == "limesurvey" and participants.delimiter == ";"
    raw = (out / spring.PARTICIPANT_FILE).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\"id\";\"submitdate\";")
    assert list(participants.data.columns[:7]) == list(spring.LIME_META)
    trainings = read_export(out / spring.TRAINING_FILE, sheet="Follow-up")
    assert trainings.sheets == tuple(spring.TRAINING_SHEETS)
    assert list(trainings.data.columns) == ["Name", "E-mail", "Training 3 (20 Jan)"]
    group = read_export(out / spring.GROUP_FILE)
    assert group.delimiter == ";" and list(group.data.columns[:3]) == ["Sähköposti", "Nimi", "Tapaaminen 1 (1.2.)"]
    marks = set(group.data.iloc[:, 2:].stack().str.strip().str.casefold()) - {""}
    assert marks <= {"läsnä", "x", "✓", "poissa", "-"} and {"läsnä", "poissa"} <= marks
    for name in spring.SURVEY_FILES.values():
        survey = read_export(out / name)
        assert survey.tool == "microsoft_forms", name
    after = read_export(out / spring.SURVEY_FILES["after_survey"]).data
    labels = set(after["I've been feeling useful"].dropna())
    assert "Often" in labels and labels & {"Usein", "Harvoin", "Joskus", "Koko ajan", "Ei koskaan"}


def test_config_validates_and_maps_the_written_headers(term):
    out, _ = term
    cfg = load_config(out / spring.CONFIG_FILE)
    assert cfg.term.name == spring.TERM_NAME and cfg.privacy.key_source == "demo"
    assert cfg.term.timezone == "Europe/Stockholm"                 # not the demo's Helsinki
    assert cfg.data_path == out.resolve()
    assert (cfg.registration.mentor_places, cfg.registration.participant_places, cfg.groups.count) == (8, 36, 4)
    assert cfg.registration.mentor_deadline.month == cfg.registration.participant_deadline.month == 1
    cb = load_codebook(cfg.resolve(cfg.codebook))
    for item in cfg.inputs:
        export = read_export(cfg.input_path(item), sheet=item.sheet)
        headers = set(export.data.columns)
        assert set(item.columns.values()) <= headers, item.id
        if item.kind in ("feedback_before", "feedback_after", "mentor_feedback"):
            sm = cb.survey_for(item.id, item.kind)
            assert set(sm.columns.values()) | {sm.email_column, sm.timestamp_column} <= headers, item.id
    assert {i.tool for i in cfg.inputs} == {"google_forms", "limesurvey", "csv", "xlsx", "microsoft_forms"}


@pytest.mark.slow
def test_check_reads_every_input_of_the_spring_term(term, capsys):
    from mentoring_lib.pipeline.check import check_term

    out, _ = term
    check_term(out / spring.CONFIG_FILE)
    printed = capsys.readouterr().out
    assert "All inputs read without errors." in printed
    assert "not an accepted registration: 1" in printed      # the wait-listed mentor at a training


def test_answer_key_follows_the_announced_rules(term):
    out, summary = term
    truth = summary["ground_truth"]
    statuses = pd.read_csv(out / spring.EXPECTED_STATUSES)
    assert statuses["status"].tolist() == truth["status"].tolist()
    expected = yaml.safe_load((out / spring.EXPECTED_RESULTS).read_text(encoding="utf-8"))
    for role, places in (("mentor", 8), ("participant", 36)):
        counts = statuses.loc[statuses["role"] == role, "status"].value_counts().to_dict()
        assert counts == expected["rows"][role]
        assert counts["accepted"] == places and counts["withdrawn"] == 1 and counts["excluded"] == 1
        promoted = truth[(truth["role"] == role) & truth["promoted"]]
        assert promoted["queue_position"].tolist() == [places + 1]
    assert sum(expected["rows"]["mentor"].values()) == 24
    assert sum(expected["rows"]["participant"].values()) == 58
    quirks = set(truth["quirk"])
    assert {"first second after the deadline", "deadline's last second", "e-mail with a zero-width space",
            "incomplete (consent skipped); submitted again later", "same time as another person"} <= quirks


def test_expected_certificates_apply_the_rule_to_the_planned_attendance(term):
    out, summary = term
    certs = pd.read_csv(out / spring.EXPECTED_CERTIFICATES)
    people = summary["people"]
    accepted = people[(people["role"] == "mentor") & (people["status"] == "accepted")]
    assert sorted(certs["email"]) == sorted(accepted["email"])
    rule = (certs["trainings_attended"] >= spring.MIN_TRAININGS) & (certs["meetings_attended"] >= spring.MIN_MEETINGS)
    assert certs["eligible"].tolist() == rule.tolist()
    pairs = set(zip(certs["trainings_attended"], certs["meetings_attended"], certs["eligible"]))
    # The planted cases: exactly the minimum; one training; two meetings; left off the training sheets.
    assert {(2, 3, True), (1, 5, False), (3, 2, False), (0, 5, False)} <= pairs
    training = pd.concat(read_export(out / spring.TRAINING_FILE, sheet=s).data for s in spring.TRAINING_SHEETS)
    on_sheet = training["E-mail"].str.strip().str.lower()
    assert not certs.loc[certs["trainings_attended"] == 0, "email"].isin(on_sheet).any()
    assert summary["expected"]["certificates"] == int(certs["eligible"].sum())


def test_linked_pairs_are_a_plausible_share_of_the_participants(term):
    _, summary = term
    assert 10 <= summary["expected"]["linked_pairs"] < 36


def test_answer_key_is_not_computed_by_the_pipeline():
    """The generator and the helpers it uses import none of the modules whose results it predicts."""
    for module in ("demodata_spring", "demodata", "demodata_surveys"):
        tree = ast.parse((ROOT / "mentoring_lib" / "demo" / f"{module}.py").read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mentoring_lib"):
                imported |= {node.module.rsplit(".", 1)[-1], *(a.name for a in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {a.name.rsplit(".", 1)[-1] for a in node.names}
        assert not imported & PIPELINE_MODULES, (module, imported & PIPELINE_MODULES)


@pytest.mark.slow
def test_cli_writes_the_spring_term_with_its_config(tmp_path):
    proc = mentoring_cli("demo-data", str(tmp_path / "spring"), "--variant", "spring")
    assert proc.returncode == 0, proc.stderr
    assert "spring.yml" in proc.stdout
    written = set(_files(tmp_path / "spring"))
    assert {spring.CONFIG_FILE, spring.CODEBOOK_FILE, spring.EXPECTED_STATUSES, spring.EXPECTED_CERTIFICATES,
            spring.EXPECTED_RESULTS, spring.MENTOR_FILE, spring.PARTICIPANT_FILE} <= written


@pytest.mark.slow
def test_cli_refuses_a_scaled_spring_term(tmp_path):
    proc = mentoring_cli("demo-data", str(tmp_path / "spring"), "--variant", "spring", "--scale", "2")
    assert proc.returncode == 2 and "--scale" in proc.stderr
    assert not (tmp_path / "spring").exists()
