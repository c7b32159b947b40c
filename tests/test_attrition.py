"""Attrition and sensitivity analyses: the mixed model against a known dataset and a balanced
case, the baseline comparison, the bounds and the per-protocol set by hand."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from mentoring_lib.analysis import attrition
from mentoring_lib.privacy.limits import Limits


def long_scores(pre: dict, post: dict) -> pd.DataFrame:
    rows = [{"person_id": p, "wave": "pre", "score": v} for p, v in pre.items()]
    rows += [{"person_id": p, "wave": "post", "score": v} for p, v in post.items()]
    return pd.DataFrame(rows)


def test_mixed_model_reproduces_statsmodels_dietox_example():
    """The pig-growth data of statsmodels' MixedLM documentation (Weight ~ Time, random intercept
    per Pig, REML): Intercept 15.724, Time 6.943, group variance 40.394 (also lme4's estimates)."""
    import statsmodels

    path = Path(statsmodels.__file__).parent / "regression" / "tests" / "results" / "dietox.csv"
    if not path.is_file():
        pytest.skip("statsmodels' test data not installed")
    data = pd.read_csv(path, index_col=0)
    fit = attrition.fit_random_intercept(data, "Weight ~ Time", "Pig")
    assert fit.params["Intercept"] == pytest.approx(15.724, abs=5e-4)
    assert fit.params["Time"] == pytest.approx(6.943, abs=5e-4)
    assert float(fit.cov_re.iloc[0, 0]) == pytest.approx(40.394, abs=5e-3)
    assert fit.bse["Time"] == pytest.approx(0.033, abs=5e-4)


def test_mixed_model_equals_the_paired_mean_difference_when_balanced():
    """Everyone answered both surveys: the model's 'after' estimate is the paired mean change."""
    rng = np.random.default_rng(5)
    pre = rng.normal(3, 0.7, 25)
    post = pre + rng.normal(0.3, 0.4, 25)
    ids = [f"P{i}" for i in range(25)]
    res = attrition.mixed_model(long_scores(dict(zip(ids, pre)), dict(zip(ids, post))))
    assert res.estimate == pytest.approx(float(np.mean(post - pre)), abs=1e-6)
    assert res.people == 25 and res.observations == 50 and not res.note
    assert res.ci[0] < res.estimate < res.ci[1]
    t = sps.ttest_rel(post, pre)
    assert res.p == pytest.approx(t.pvalue, rel=0.5)  # a Wald z with REML variances: close to the t-test


def test_mixed_model_uses_people_who_answered_one_survey():
    rng = np.random.default_rng(9)
    ids = [f"P{i}" for i in range(30)]
    pre = dict(zip(ids, rng.normal(3, 0.7, 30)))
    post = {p: v + 0.4 + rng.normal(0, 0.3) for p, v in list(pre.items())[:20]}
    post.update({f"Q{i}": 3.5 + rng.normal(0, 0.7) for i in range(5)})  # answered only after
    res = attrition.mixed_model(long_scores(pre, post))
    assert res.people == 35 and res.observations == 55
    both = [p for p in pre if p in post]
    assert res.estimate == pytest.approx(np.mean([post[p] - pre[p] for p in both]), abs=0.15)


def test_mixed_model_needs_both_waves():
    res = attrition.mixed_model(long_scores({"A": 1.0, "B": 2.0, "C": 3.0}, {}))
    assert math.isnan(res.estimate) and res.note


def test_baseline_comparison_by_hand():
    pre = pd.Series({"a": 3.0, "b": 4.0, "c": 5.0, "d": 2.0, "e": 2.5, "f": 3.5})
    c = attrition.baseline_comparison(pre, {"a", "b", "c"}, {"d", "e", "f"})
    assert c["mean_linked"] == 4.0 and c["mean_before_only"] == pytest.approx(8 / 3)
    sd1, sd2 = 1.0, 0.7637626158
    assert c["sd_before_only"] == pytest.approx(sd2)
    assert c["std_diff"] == pytest.approx((4.0 - 8 / 3) / math.sqrt((sd1 ** 2 + sd2 ** 2) / 2))
    assert (c["n_linked"], c["n_before_only"]) == (3, 3)


def test_bounds_by_hand():
    pre = pd.Series({"a": 3.0, "b": 3.0, "c": 4.0, "d": 2.0, "e": 5.0})
    post = pd.Series({"a": 4.0, "b": 2.5, "c": 4.5})  # changes +1, -0.5, +0.5; d and e missing
    b = attrition.bounds(pre, post)
    assert b["people"] == 5 and b["missing_after"] == 2
    assert b["worst"] == pytest.approx((1 - 0.5 + 0.5 - 0.5 - 0.5) / 5)
    assert b["no_change"] == pytest.approx(1.0 / 5)
    assert b["best"] == pytest.approx((1 - 0.5 + 0.5 + 1 + 1) / 5)


def test_per_protocol_keeps_those_who_attended_enough():
    ids = [f"P{i}" for i in range(12)]
    pre = pd.Series(np.arange(12, dtype=float), index=ids)
    post = pre + np.r_[np.ones(9), -np.ones(3)]
    attended = pd.Series([6] * 9 + [1, 2, 0], index=ids)
    t, kept, excluded = attrition.per_protocol(pre, post, attended, 3)
    assert (kept, excluded) == (9, 3)
    assert t.n == 9 and t.mean_diff == pytest.approx(1.0)


def test_sensitivity_table_withholds_a_per_protocol_set_that_singles_people_out():
    ids = [f"P{i}" for i in range(20)]
    rng = np.random.default_rng(2)
    pre = rng.normal(3, 0.5, 20)
    scores = long_scores(dict(zip(ids, pre)), dict(zip(ids[:16], pre[:16] + 0.3 + rng.normal(0, 0.2, 16))))
    scores = scores.assign(instrument="scs_sf", scale="total")
    row = pd.Series({"instrument": "scs_sf", "scale": "total", "pairs": "16", "mean_change": 0.3,
                     "mean_change_ci_low": 0.2, "mean_change_ci_high": 0.4, "t_p": 0.01})
    attended = pd.Series([6] * 14 + [1, 1] + [0] * 4, index=ids)  # 2 linked attended fewer than 3
    table, notes = attrition.sensitivity_table(row, scores, set(ids), attended, 3, Limits(5, 10))
    assert "per_protocol" not in set(table["key"]) and "single them out" in notes[0]
    assert list(table["key"]) == ["primary", "mixed", "worst", "no_change", "best"]
    assert table.loc[table["key"] == "mixed", "people"].iloc[0] == "20"
    assert table.loc[table["key"] == "worst", "mean_change"].iloc[0] < table.loc[
        table["key"] == "best", "mean_change"].iloc[0]
