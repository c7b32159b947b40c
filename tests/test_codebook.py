"""The survey codebook: schema validation with key paths, and answers -> numbers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mentoring_lib.analysis.codebook import load_codebook, map_answers, normalise_label
from mentoring_lib.errors import ConfigError, InputError, InputErrors

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "codebooks" / "demo.yml"


@pytest.fixture(scope="module")
def cb():
    return load_codebook(DEMO)


def _write(tmp_path, data) -> Path:
    p = tmp_path / "cb.yml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _minimal() -> dict:
    return {
        "response_sets": {"five": {"options": [{"value": v, "label": l} for v, l in
                                                [(1, "Never"), (2, "Rarely"), (3, "Sometimes"),
                                                 (4, "Often"), (5, "Always")]]}},
        "instruments": {"toy": {
            "name": "Toy scale", "short_name": "TOY", "citation": "Author, A. (2020). A toy scale. J. Toys, 1, 1.",
            "licence": "Public domain", "response_set": "five",
            "items": [{"id": "toy_1", "wording": "One"}, {"id": "toy_2", "wording": "Two", "reverse": True}],
            "scales": [{"id": "total", "name": "Total", "items": "all", "rule": "mean",
                        "missing_rule": "All items needed."}]}},
        "surveys": {"pre_survey": {"wave": "pre", "role": "participant", "email_column": "Email",
                                   "timestamp_column": "Time", "columns": {"toy_1": "Q1", "toy_2": "Q2"}}},
    }


# -- the demo codebook ---------------------------------------------------------------------

def test_demo_codebook_has_the_published_keys(cb):
    scs = cb.instruments["scs_sf"]
    assert [int(i.id[-2:]) for i in scs.items if i.reverse] == [1, 4, 8, 9, 11, 12]
    assert len(scs.items) == 12
    cs = cb.instruments["cs16"]
    assert [int(i.id[-2:]) for i in cs.items if i.reverse] == [3, 7, 11, 15]
    assert {i.subscale for i in cs.items if i.reverse} == {"indifference"}
    for name in ("ceas_self", "ceas_others", "ceas_from"):
        inst = cb.instruments[name]
        assert [int(i.id[-2:]) for i in inst.items if not i.scored] == [3, 7, 11]
        scales = {s.id: [int(x[-2:]) for x in inst.scale_items(s)] for s in inst.scales}
        assert scales == {"engagement": [1, 2, 4, 5, 6, 8], "action": [9, 10, 12, 13]}
    sw = cb.instruments["swemwbs"].scales[0]
    assert len(sw.conversion) == 29 and sw.conversion[7] == 7.0 and sw.conversion[35] == 35.0
    assert sw.conversion[21] == 19.25 and sw.conversion[34] == 32.55
    # The published table is strictly increasing.
    vals = [sw.conversion[k] for k in range(7, 36)]
    assert all(a < b for a, b in zip(vals, vals[1:]))
    for inst in cb.instruments.values():
        assert inst.citation and inst.licence
        assert all(s.missing_rule for s in inst.scales)


def test_demo_codebook_maps_every_survey_item_once(cb):
    before = cb.survey_for("feedback_before")
    assert before.wave == "pre" and before.columns["scs_sf_01"] == "QID1_1"
    after = cb.survey_for("some_other_id", kind="feedback_after")
    assert after.wave == "post" and "react_would_recommend" in after.columns
    assert cb.item("comment_participant").kind == "text"
    with pytest.raises(ConfigError, match="no mapping for survey input 'nope'"):
        cb.survey_for("nope")


def test_item_table_lists_reverse_and_groups(cb):
    t = cb.item_table()
    assert bool(t.loc[t["item"] == "scs_sf_11", "reverse"].item())
    assert not bool(t.loc[t["item"] == "scs_sf_10", "reverse"].item())
    assert set(t.loc[t["group"] == "reaction", "item"]) == {
        "react_satisfaction", "react_safe_atmosphere", "react_productive_discussions", "react_peer_led",
        "react_would_recommend"}
    assert set(t.loc[t["group"] == "mentor", "item"]) == {
        "mentor_facilitation_skills", "mentor_compassion_skills", "mentor_support_received",
        "mentor_would_mentor_again"}


# -- schema errors name the key's path -----------------------------------------------------

def test_minimal_codebook_loads(tmp_path):
    cb = load_codebook(_write(tmp_path, _minimal()))
    assert cb.response_sets["five"].max_value == 5


def test_unknown_key_names_its_path_and_suggests(tmp_path):
    data = _minimal()
    data["instruments"]["toy"]["items"][1]["reversed"] = True
    with pytest.raises(ConfigError) as e:
        load_codebook(_write(tmp_path, data))
    assert "instruments.toy.items[1].reversed" in str(e.value)
    assert "did you mean 'reverse'" in str(e.value)
    assert e.value.exit_code == 2


def test_wrong_type_names_its_path(tmp_path):
    data = _minimal()
    data["response_sets"]["five"]["options"][2]["value"] = "three"
    with pytest.raises(ConfigError, match=r"response_sets\.five\.options\[2\]\.value"):
        load_codebook(_write(tmp_path, data))


def test_scale_with_unknown_item_is_rejected(tmp_path):
    data = _minimal()
    data["instruments"]["toy"]["scales"][0]["items"] = ["toy_1", "toy_9"]
    with pytest.raises(ConfigError, match="unknown items: toy_9"):
        load_codebook(_write(tmp_path, data))


def test_survey_mapping_unknown_item_and_response_set(tmp_path):
    data = _minimal()
    data["surveys"]["pre_survey"]["columns"]["toy_7"] = "Q7"
    with pytest.raises(ConfigError, match="maps unknown items: toy_7"):
        load_codebook(_write(tmp_path, data))
    data = _minimal()
    data["instruments"]["toy"]["response_set"] = "seven"
    with pytest.raises(ConfigError, match="unknown response_set 'seven'"):
        load_codebook(_write(tmp_path, data))


def test_incomplete_conversion_table_is_rejected(tmp_path):
    data = _minimal()
    data["instruments"]["toy"]["scales"][0].update(rule="sum", conversion={2: 2.0, 3: 3.5, 4: 4.5, 5: 6.0})
    with pytest.raises(ConfigError, match="lacks raw scores 6"):
        load_codebook(_write(tmp_path, data))


def test_label_used_twice_and_clash_with_missing_code(tmp_path):
    data = _minimal()
    data["response_sets"]["five"]["options"][0]["fi"] = ["Usein"]
    data["response_sets"]["five"]["options"][3]["fi"] = ["usein"]
    with pytest.raises(ConfigError, match="used for two values"):
        load_codebook(_write(tmp_path, data))
    data = _minimal()
    data["response_sets"]["five"]["options"][2]["aliases"] = ["N/A"]
    with pytest.raises(ConfigError, match="missing-answer code"):
        load_codebook(_write(tmp_path, data))


def test_yaml_syntax_and_missing_file(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text("response_sets: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML syntax error at line"):
        load_codebook(p)
    with pytest.raises(ConfigError, match="not found"):
        load_codebook(tmp_path / "absent.yml")


# -- answers -> numbers ----------------------------------------------------------------------

def test_labels_in_three_languages_numbers_and_missing_codes(cb):
    wide = pd.DataFrame({
        "scs_sf_01": ["Almost never", "Lähes koskaan", "Nästan aldrig", "LÄHES AINA", " almost  always. ",
                      "3", "3 = About half of the time", "en osaa sanoa", "vet ej", "", None, "N/A"],
        "swemwbs_1": ["None of the time", "Ei koskaan", "Aldrig", "Usein", "Ofta", "Often", "Koko ajan",
                      "Hela tiden", "Don't know", "-", "Sällan", "Harvoin"],
    })
    out = map_answers(wide, {}, cb, file="x.csv")
    np.testing.assert_array_equal(out["scs_sf_01"].to_numpy(),
                                  [1, 1, 1, 5, 5, 3, 3, np.nan, np.nan, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(out["swemwbs_1"].to_numpy(),
                                  [1, 1, 1, 4, 4, 4, 5, 5, np.nan, np.nan, 2, 2])
    assert out.dtypes.eq("float64").all()


def test_ceas_numbers_and_end_labels(cb):
    wide = pd.DataFrame({"ceas_self_01": ["1 = Never", "Never", "Aina", "10 = Always", "7", "Alltid"]})
    out = map_answers(wide, {}, cb)
    assert out["ceas_self_01"].tolist() == [1, 1, 10, 10, 7, 10]


def test_unmapped_answers_raise_one_error_per_distinct_answer_with_rows_not_values(cb):
    wide = pd.DataFrame({"scs_sf_02": ["Almost never", "Sometimes-ish", "Sometimes-ish", "11"],
                         "react_safe_atmosphere": ["Agree", "Totally", "Agree", "Agree"]},
                        index=pd.Index([4, 5, 6, 7], name="row"))
    cols = {"scs_sf_02": "QID1_2", "react_safe_atmosphere": "7.2 The group felt like a safe place to talk."}
    with pytest.raises(InputErrors) as e:
        map_answers(wide, cols, cb, file="feedback_before.csv")
    sometimes, eleven, totally = e.value.errors
    assert (sometimes.file, sometimes.column, sometimes.row) == ("feedback_before.csv", "QID1_2", 5)
    assert sometimes.message.endswith(": an answer the codebook does not map (item 'scs_sf_02') "
                                      "(the same answer in row 6)")
    assert (eleven.column, eleven.row) == ("QID1_2", 7) and "same answer" not in eleven.message
    assert totally.column.startswith("7.2") and totally.row == 5
    text = e.value.render()
    assert "Sometimes-ish" not in text and "Totally" not in text and "'11'" not in text
    assert e.value.exit_code == 2


def test_single_unmapped_column_raises_input_error(cb):
    wide = pd.DataFrame({"scs_sf_02": ["Maybe"]})
    with pytest.raises(InputError) as e:
        map_answers(wide, {"scs_sf_02": "Q1_2"}, cb, file="f.csv")
    assert not isinstance(e.value, InputErrors)
    assert "response set 'neff_frequency'" in e.value.render()


def test_text_items_are_not_mapped(cb):
    wide = pd.DataFrame({"comment_participant": ["Anything at all"], "react_peer_led": ["Täysin samaa mieltä"]})
    out = map_answers(wide, {}, cb)
    assert list(out.columns) == ["react_peer_led"] and out.iloc[0, 0] == 5


def test_normalise_label():
    assert normalise_label("  Don\u2019t   KNOW. ") == "don't know"
    assert normalise_label("1 \u2013 Never") == "1 - never"


def test_free_text_in_a_scale_column_is_not_echoed(cb):
    comments = [f"Comment number {i} from someone who wrote a long answer here" for i in range(30)]
    wide = pd.DataFrame({"scs_sf_03": comments + ["Mail me at anna@example.fi"]})
    with pytest.raises(InputError) as e:
        map_answers(wide, {"scs_sf_03": "Q1_3"}, cb, file="f.csv")
    text = e.value.render()
    assert not isinstance(e.value, InputErrors) and (e.value.row, e.value.column) == (0, "Q1_3")
    assert ("31 distinct answers that look like free text, not answer labels (item 'scs_sf_03'), "
            "in rows 0, 1, 2, 3, 4 and 26 more") in text
    assert "anna@example.fi" not in text and "Comment number" not in text and "Mail me" not in text
