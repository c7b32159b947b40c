"""Reliable change (Jacobson & Truax 1991) by the hand formula, its protected counts, the release
model's equation for them, the SWEMWBS minimal important difference, and dose-response."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from mentoring_lib.steps import evaluation as ev
from mentoring_lib.analysis import individual_change as ic
from mentoring_lib.privacy import release, release_protect
from mentoring_lib.steps import release_tables
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.privacy.limits import Limits
from test_evaluation import CODEBOOK, make_config, synthetic_inputs


def test_reliable_change_by_the_hand_formula():
    # SD_1 = 0.8, alpha = 0.84: SE_diff = 0.8 · √2 · √0.16 = 0.45255; reliable beyond 1.96 · SE = 0.88700
    pre = np.array([3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0])
    post = pre + np.array([0.9, 0.88, 0.0, -0.5, -0.89, 1.5, np.nan])
    res = ic.reliable_change(pre, post, 0.8, 0.84)
    assert res.se_diff == pytest.approx(0.8 * math.sqrt(2) * math.sqrt(1 - 0.84))
    assert res.se_diff == pytest.approx(0.452548, abs=1e-6)
    assert res.threshold == pytest.approx(0.886995, abs=1e-6)
    assert (res.n, res.improved, res.unchanged, res.deteriorated) == (6, 2, 3, 1)


def test_reliable_change_needs_a_usable_alpha():
    res = ic.reliable_change([1, 2, 3], [2, 3, 4], 0.8, float("nan"))
    assert res.note and math.isnan(res.se_diff)
    assert ic.reliable_change([1, 2, 3], [2, 3, 4], 0.0, 0.8).note


@pytest.fixture(scope="module")
def evaluated():
    codebook = load_codebook(CODEBOOK)
    inputs = synthetic_inputs(codebook)
    return inputs, ev.evaluate(inputs, make_config(), codebook, Limits(5, 10))


def test_rci_table_matches_the_hand_formula_on_the_synthetic_term(evaluated):
    inputs, out = evaluated
    rci = out.tables["reliable_change"].set_index("outcome_id")
    rel = out.tables["reliability"].set_index(["instrument", "scale", "wave"])
    s = inputs["scores"]
    scs = s[(s["instrument"] == "scs_sf") & (s["scale"] == "total")].pivot(index="person_id", columns="wave",
                                                                           values="score")
    sd1 = scs["pre"].dropna().std(ddof=1)
    alpha = rel.loc[("scs_sf", "total", "pre"), "alpha"]
    threshold = 1.96 * sd1 * math.sqrt(2) * math.sqrt(1 - alpha)
    d = (scs["post"] - scs["pre"]).dropna()
    row = rci.loc["scs_sf_total"]
    assert row["threshold"] == pytest.approx(threshold)
    assert (row["improved_n"], row["deteriorated_n"]) == (int((d > threshold).sum()), int((d < -threshold).sum()))
    assert row["improved_n"] + row["unchanged_n"] + row["deteriorated_n"] == row["n"] == 30
    # exploratory subscales get no reliable-change row; every count shown is protected
    assert "cs16_kindness" not in rci.index
    for c in ic.RCI_CATEGORIES:
        for shown, n in zip(rci[c], rci[f"{c}_n"]):
            assert shown == str(n) or shown in ("<5", "x")
            if 0 < n < 5:
                assert shown == "<5"


def test_rci_counts_are_a_partition_in_the_release_model(evaluated):
    _, out = evaluated
    tables = out.all_tables()
    rel = release_tables.build(tables, None, None, 5)
    labels = [label for _, _, label in rel.equations]
    assert "reliable change scs_sf_total: pairs = improved + unchanged + deteriorated" in labels
    # a "<5" count next to its two complements would be recoverable: protect() hides one of them
    rci = tables["reliable_change"].copy()
    i = rci.index[rci["outcome_id"] == "scs_sf_total"][0]
    rci.loc[i, ["improved", "unchanged", "deteriorated", "improved_n", "unchanged_n", "deteriorated_n"]] = \
        ["27", "<5", "0", 27, 3, 0]  # 30 pairs - 27 - 0 would give the 3 away
    rci.loc[i, "n"] = 30
    rel = release_tables.build({**tables, "reliable_change": rci}, None, None, 5)
    release_protect.protect(rel)
    assert not release.audit(rel)
    applied, _ = release_tables.apply(rel, {**tables, "reliable_change": rci})
    shown = applied["reliable_change"].set_index("outcome_id").loc["scs_sf_total", list(ic.RCI_CATEGORIES)]
    assert "x" in set(shown)


def test_swemwbs_minimal_important_difference_is_stated_with_its_source(evaluated):
    _, out = evaluated
    text = " ".join(n["text"] for n in out.narrative)
    assert "minimal important difference is 1 to 3 points (Shah et al. 2018)" in text
    assert "Health and Quality of Life Outcomes, 16, 239" in text


def test_dose_response_is_spearman_of_change_on_meetings_attended(evaluated):
    inputs, out = evaluated
    dr = out.tables["dose_response"].iloc[0]
    s = inputs["scores"]
    scs = s[(s["instrument"] == "scs_sf") & (s["scale"] == "total")].pivot(index="person_id", columns="wave",
                                                                           values="score").dropna()
    m = inputs["meetings"]
    attended = m[m["attended"]].groupby("person_id").size().reindex(scs.index).fillna(0)
    ref = sps.spearmanr(attended, scs["post"] - scs["pre"])
    assert dr["rho"] == pytest.approx(ref.statistic) and dr["p"] == pytest.approx(ref.pvalue)
    assert dr["ci_low"] < dr["rho"] < dr["ci_high"]
    assert any(m["topic"].startswith("Dose") and "Exploratory" in m["text"] for m in out.methods)


def test_dose_response_withheld_below_min_base(evaluated):
    inputs, _ = evaluated
    row = pd.Series({"instrument": "scs_sf", "scale": "total"})
    s = inputs["scores"]
    few = s[s["person_id"].isin(sorted(s["person_id"].unique())[:8])]
    assert ic.dose_response(row, few, inputs["meetings"], Limits(5, 10)) is None
