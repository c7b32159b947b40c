"""Instrument scores against hand-computed cases from the published scoring keys."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.analysis.scoring import (instrument_table, pivot_answers, score_range, score_responses,
                                   scored_item_matrix)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "config" / "codebooks" / "demo.yml")


def _long(person: str, prefix: str, answers, wave: str = "pre", fmt: str = "{:02d}") -> pd.DataFrame:
    rows = [{"person_id": person, "wave": wave, "item": f"{prefix}_{fmt.format(i)}", "value": v}
            for i, v in enumerate(answers, 1) if v is not None]
    return pd.DataFrame(rows)


def _score(scores: pd.DataFrame, person: str, instrument: str, scale: str, wave: str = "pre") -> pd.Series:
    row = scores[(scores.person_id == person) & (scores.instrument == instrument) & (scores.scale == scale)
                 & (scores.wave == wave)]
    assert len(row) == 1
    return row.iloc[0]


# -- SCS-SF: items 1, 4, 8, 9, 11, 12 reversed; total = mean of 12 --------------------------

def test_scs_sf_all_threes_and_a_pattern_worked_by_hand(cb):
    pattern = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]
    # By hand: reversed items 1:1->5, 4:4->2, 8:3->3, 9:4->2, 11:1->5, 12:2->4;
    # scored = 5,2,3,2,5,1,2,3,2,5,5,4 -> sum 39 -> mean 3.25 (2.75 if nothing were reversed).
    answers = pd.concat([_long("P-a", "scs_sf", [3] * 12), _long("P-b", "scs_sf", pattern),
                         _long("P-c", "scs_sf", [5] * 12), _long("P-d", "scs_sf", [1, 5, 5, 1, 5, 5, 5, 1, 1, 5, 1, 1])])
    s = score_responses(answers, cb)
    assert _score(s, "P-a", "scs_sf", "total").score == 3.0
    assert _score(s, "P-b", "scs_sf", "total").score == pytest.approx(3.25)
    # All 5s: six items score 5 and six reversed score 1 -> 3.0.
    assert _score(s, "P-c", "scs_sf", "total").score == 3.0
    # Maximal self-compassion: 1 on reversed items, 5 on the others -> 5.0.
    assert _score(s, "P-d", "scs_sf", "total").score == 5.0
    assert set(s.instrument) == {"scs_sf"} and _score(s, "P-b", "scs_sf", "total").n_items == 12


def test_scs_sf_missing_item_rule_ten_of_twelve(cb):
    pattern = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]
    two_missing = pattern.copy()
    two_missing[0] = two_missing[5] = None   # drop item 1 (reversed 5) and item 6 (1)
    three_missing = two_missing.copy()
    three_missing[11] = None
    s = score_responses(pd.concat([_long("P-2", "scs_sf", two_missing), _long("P-3", "scs_sf", three_missing)]), cb)
    r2 = _score(s, "P-2", "scs_sf", "total")
    # Remaining scored values: 2,3,2,5,2,3,2,5,5,4 -> 33 / 10 = 3.3.
    assert r2.n_items == 10 and r2.score == pytest.approx(3.3)
    r3 = _score(s, "P-3", "scs_sf", "total")
    assert r3.n_items == 9 and np.isnan(r3.score)


# -- SWEMWBS: raw sum 7-35 -> published metric; no item may be missing --------------------------

@pytest.mark.parametrize("answers, raw, metric", [
    ([3] * 7, 21, 19.25), ([1] * 7, 7, 7.00), ([5] * 7, 35, 35.00), ([5, 4, 4, 3, 4, 4, 5], 29, 26.02),
    ([2, 1, 1, 1, 1, 1, 1], 8, 9.51), ([5, 5, 5, 5, 5, 5, 4], 34, 32.55), ([4] * 7, 28, 25.03),
])
def test_swemwbs_conversion(cb, answers, raw, metric):
    s = score_responses(_long("P-x", "swemwbs", answers, fmt="{}"), cb)
    r = _score(s, "P-x", "swemwbs", "total")
    assert r.raw_score == raw and r.score == metric and r.n_items == 7


def test_swemwbs_any_missing_item_means_no_score(cb):
    s = score_responses(_long("P-x", "swemwbs", [3, 3, None, 3, 3, 3, 3], fmt="{}"), cb)
    r = _score(s, "P-x", "swemwbs", "total")
    assert r.n_items == 6 and np.isnan(r.score)


# -- CS-16: indifference items 3, 7, 11, 15 reversed --------------------------------------------

def test_compassion_scale_subscales_and_total_by_hand(cb):
    answers = [5, 4, 1, 3, 5, 5, 2, 4, 4, 5, 1, 3, 4, 5, 2, 4]
    s = score_responses(_long("P-x", "cs", answers), cb)
    # mindfulness 1,5,9,13: 5,5,4,4 -> 4.5; kindness 2,6,10,14: 4,5,5,5 -> 4.75;
    # common humanity 4,8,12,16: 3,4,3,4 -> 3.5; indifference 3,7,11,15: 1,2,1,2 reversed 5,4,5,4 -> 4.5;
    # total = (18 + 19 + 14 + 18) / 16 = 4.3125.
    assert _score(s, "P-x", "cs16", "mindfulness").score == 4.5
    assert _score(s, "P-x", "cs16", "kindness").score == 4.75
    assert _score(s, "P-x", "cs16", "common_humanity").score == 3.5
    assert _score(s, "P-x", "cs16", "indifference").score == 4.5
    assert _score(s, "P-x", "cs16", "total").score == pytest.approx(4.3125)


def test_compassion_scale_all_fours_and_missing_rules(cb):
    s = score_responses(_long("P-4", "cs", [4] * 16), cb)
    # 12 items at 4, four reversed to 2 -> 56 / 16 = 3.5; indifference subscale 2.
    assert _score(s, "P-4", "cs16", "total").score == 3.5
    assert _score(s, "P-4", "cs16", "indifference").score == 2.0
    three_missing = [4] * 16
    three_missing[2] = three_missing[3] = three_missing[4] = None  # items 3 (indiff.), 4 (CH), 5 (mindf.)
    s = score_responses(_long("P-m", "cs", three_missing), cb)
    # 13 answered: 10 non-reversed x 4 + 3 reversed x 2 = 46 -> 46 / 13.
    assert _score(s, "P-m", "cs16", "total").score == pytest.approx(46 / 13)
    assert np.isnan(_score(s, "P-m", "cs16", "indifference").score)
    assert _score(s, "P-m", "cs16", "kindness").score == 4.0
    four_missing = three_missing.copy()
    four_missing[5] = None
    s = score_responses(_long("P-m", "cs", four_missing), cb)
    assert np.isnan(_score(s, "P-m", "cs16", "total").score)


# -- CEAS: engagement 1,2,4,5,6,8 and action 9,10,12,13 summed; 3, 7, 11 not scored ------------

def test_ceas_sums_exclude_distractor_items(cb):
    answers = [7, 8, 2, 6, 5, 9, 3, 7, 8, 6, 1, 7, 9]
    other_distractors = answers.copy()
    other_distractors[2], other_distractors[6], other_distractors[10] = 10, 10, 10
    data = pd.concat([_long("P-a", "ceas_self", answers), _long("P-b", "ceas_self", other_distractors),
                      _long("P-c", "ceas_from", [10] * 13), _long("P-d", "ceas_others", [1] * 13)])
    s = score_responses(data, cb)
    # engagement 7+8+6+5+9+7 = 42; action 8+6+7+9 = 30.
    for p in ("P-a", "P-b"):
        assert _score(s, p, "ceas_self", "engagement").score == 42
        assert _score(s, p, "ceas_self", "action").score == 30
    assert _score(s, "P-c", "ceas_from", "engagement").score == 60
    assert _score(s, "P-c", "ceas_from", "action").score == 40
    assert _score(s, "P-d", "ceas_others", "engagement").score == 6
    assert _score(s, "P-d", "ceas_others", "action").score == 4
    # A person who answered only CEAS-self gets no rows for the other instruments.
    assert set(s.loc[s.person_id == "P-a", "instrument"]) == {"ceas_self"}


def test_ceas_missing_scored_item_gives_no_sum_but_missing_distractor_is_fine(cb):
    a = [7, 8, None, 6, 5, 9, None, 7, 8, 6, None, 7, 9]
    b = [7, None, 2, 6, 5, 9, 3, 7, 8, 6, 1, 7, 9]
    s = score_responses(pd.concat([_long("P-a", "ceas_self", a), _long("P-b", "ceas_self", b)]), cb)
    assert _score(s, "P-a", "ceas_self", "engagement").score == 42
    assert np.isnan(_score(s, "P-b", "ceas_self", "engagement").score)
    assert _score(s, "P-b", "ceas_self", "engagement").n_items == 5
    assert _score(s, "P-b", "ceas_self", "action").score == 30


# -- generic behaviour ----------------------------------------------------------------------------

def test_waves_score_separately_and_vectorised_result_matches_loop(cb):
    rng = np.random.default_rng(7)
    n = 200
    vals = rng.integers(1, 6, size=(n, 12)).astype(float)
    vals[rng.random((n, 12)) < 0.1] = np.nan
    frames = []
    for wave in ("pre", "post"):
        df = pd.DataFrame(vals, columns=[f"scs_sf_{i:02d}" for i in range(1, 13)])
        df["person_id"] = [f"P-{i:04d}" for i in range(n)]
        df["wave"] = wave
        frames.append(df.melt(["person_id", "wave"], var_name="item", value_name="value").dropna())
    s = score_responses(pd.concat(frames), cb)
    assert len(s) == 2 * n
    rev = {1, 4, 8, 9, 11, 12}
    expected = []
    for row in vals:  # an independent, deliberately naive implementation
        scored = [6 - v if (i + 1) in rev else v for i, v in enumerate(row) if not np.isnan(v)]
        expected.append(sum(scored) / len(scored) if len(scored) >= 10 else np.nan)
    got = s[s.wave == "pre"].set_index("person_id")["score"].reindex([f"P-{i:04d}" for i in range(n)])
    np.testing.assert_allclose(got.to_numpy(), np.array(expected), equal_nan=True)


def test_pivot_rejects_duplicate_answers():
    df = pd.DataFrame({"person_id": ["a", "a"], "wave": ["pre", "pre"], "item": ["x", "x"], "value": [1, 2]})
    with pytest.raises(ValueError, match="more than one answer"):
        pivot_answers(df, ["person_id", "wave"])


def test_scored_item_matrix_reverses_for_alpha(cb):
    wide = pivot_answers(_long("P-b", "scs_sf", [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]), ["person_id", "wave"])
    m = scored_item_matrix(wide, cb, "scs_sf")
    assert m.iloc[0].tolist() == [5, 2, 3, 2, 5, 1, 2, 3, 2, 5, 5, 4]


def test_new_instrument_needs_only_yaml(tmp_path):
    doc = {
        "response_sets": {"four": {"options": [{"value": v, "label": str(v)} for v in (0, 1, 2, 3)]}},
        "instruments": {"toy": {
            "name": "Toy", "short_name": "T", "citation": "Someone (2024). Toy. J. Toys 1, 1.", "licence": "CC0",
            "response_set": "four",
            "items": [{"id": f"t_{i}", "wording": f"item {i}", "reverse": i == 3, "subscale": "a" if i < 3 else "b"}
                      for i in range(1, 5)],
            "scales": [{"id": "a", "name": "A", "rule": "sum", "missing_rule": "all items"},
                       {"id": "b", "name": "B", "rule": "sum", "min_items": 1, "missing_rule": "prorated"},
                       {"id": "total", "name": "T", "items": "all", "rule": "sum", "min_items": 3,
                        "missing_rule": "prorated sum with at most one item missing"}]}},
    }
    p = tmp_path / "toy.yml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    toy = load_codebook(p)
    s = score_responses(pd.DataFrame({"person_id": "x", "wave": "pre", "item": ["t_1", "t_2", "t_3"],
                                      "value": [3.0, 2.0, 0.0]}), toy)
    got = s.set_index("scale")["score"]
    # a = 3 + 2; b = item 3 reversed (0 -> 3), item 4 missing, prorated 3 x 2 = 6; total = (3+2+3)/3*4.
    assert got["a"] == 5 and got["b"] == 6 and got["total"] == pytest.approx(8 / 3 * 4)
    assert score_range(toy, "toy", "a") == (0.0, 6.0)


def test_instrument_table_states_rules_citations_and_licences(cb):
    t = instrument_table(cb)
    assert len(t) == 13
    assert t["citation"].str.len().min() > 30 and t["licence"].str.len().min() > 10
    scs = t[(t.instrument == "scs_sf")].iloc[0]
    assert scs.min_items == 10 and scs.reverse_items == 6 and "Raes" in scs.citation
    assert score_range(cb, "swemwbs", "total") == (7.0, 35.0)
    assert score_range(cb, "ceas_self", "engagement") == (6.0, 60.0)
