"""Statistics checked against scipy, against pingouin (independent implementation, test-only)
and against hand-computed cases, including tiny n, ties and zero differences."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from mentoring_lib.analysis import stats as S

pg = pytest.importorskip("pingouin")


def _pg_wilcoxon(post, pre):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pg.wilcoxon(np.asarray(post, float), np.asarray(pre, float))


@pytest.fixture
def scores():
    rng = np.random.default_rng(7)
    pre = np.round(rng.normal(3.0, 0.6, 24), 1)
    post = np.round(pre + rng.normal(0.3, 0.5, 24), 1)
    return pre, post


# -- paired_change ---------------------------------------------------------------------------

def test_paired_change_hand_computed_and_drops_incomplete_pairs():
    res = S.paired_change([1, 2, 3, 4, None], [2, 4, 3, 7, 5])
    assert res.n == 4 and res.n_dropped == 1
    assert res.mean_pre == pytest.approx(2.5)
    assert res.mean_post == pytest.approx(4.0)
    assert res.mean_change == pytest.approx(1.5)
    assert res.median_change == pytest.approx(1.5)
    assert res.median_post == pytest.approx(3.5)
    assert res.sd_change == pytest.approx(math.sqrt(5 / 3))
    assert "after - before" in res.method


def test_paired_change_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="equal length"):
        S.paired_change([1, 2, 3], [1, 2])


# -- Wilcoxon --------------------------------------------------------------------------------

def test_wilcoxon_hand_computed_exact():
    # d = 1, 2, -3, 4, 5: ranks 1..5, T+ = 12, T- = 3; P(T <= 3) = 5/32 one-sided
    pre = [0, 0, 0, 0, 0]
    post = [1, 2, -3, 4, 5]
    res = S.wilcoxon_signed_rank(pre, post)
    assert (res.t_plus, res.t_minus, res.statistic) == (12, 3, 3)
    assert res.p_method == "exact" and not res.correction
    assert res.p == pytest.approx(10 / 32)
    assert res.rank_biserial == pytest.approx(0.6)
    assert "exact" in res.method and "Wilcoxon's method" in res.method


def test_wilcoxon_zero_methods_hand_computed():
    pre = [0] * 6
    post = [0, 1, 2, -3, 4, 5]
    wil = S.wilcoxon_signed_rank(pre, post)
    assert wil.n == 6 and wil.n_zero == 1 and wil.n_used == 5
    assert wil.rank_biserial == pytest.approx(0.6) and wil.p == pytest.approx(10 / 32)
    pratt = S.wilcoxon_signed_rank(pre, post, zero_method="pratt")
    # ranks with the zero: 0->1, 1->2, 2->3, 3->4, 4->5, 5->6; T+ = 16, T- = 4
    assert (pratt.t_plus, pratt.t_minus) == (16, 4)
    assert pratt.rank_biserial == pytest.approx(12 / 20)
    assert pratt.p_method == "normal approximation" and pratt.correction
    ref = sps.wilcoxon(np.array(post, float), zero_method="pratt", correction=True, method="asymptotic")
    assert pratt.p == pytest.approx(ref.pvalue) and pratt.statistic == pytest.approx(ref.statistic)
    assert "Pratt" in pratt.method


def test_wilcoxon_ties_use_normal_approximation_matching_scipy_and_pingouin():
    pre = [1, 1, 1, 1, 1, 1]
    post = [2, 2, -1, 4, 1, 3]  # d = 1, 1, -2, 3, 0, 2: ties and a zero
    res = S.wilcoxon_signed_rank(pre, post)
    assert res.has_ties and res.p_method == "normal approximation"
    # non-zero d = 1, 1, -2, 3, 2 -> ranks 1.5, 1.5, 3.5, 5, 3.5; T+ = 11.5, T- = 3.5
    assert (res.t_plus, res.t_minus) == (11.5, 3.5)
    assert res.rank_biserial == pytest.approx(8 / 15)
    ref = sps.wilcoxon([1, 1, -2, 3, 2], correction=True, method="asymptotic")
    assert res.p == pytest.approx(ref.pvalue)
    pgr = _pg_wilcoxon(post, pre)
    assert res.rank_biserial == pytest.approx(pgr["RBC"].iloc[0])
    # (pingouin's p here follows scipy's method="auto", which differs for tied small samples;
    # we follow R's wilcox.test convention: ties -> normal approximation with correction)


def test_wilcoxon_against_pingouin(scores):
    pre, post = scores
    res = S.wilcoxon_signed_rank(pre, post)
    # The scores have one decimal: the reference gets them in tenths, as integers, so that equal
    # differences (3.2 - 3.0 and 2.7 - 2.5) are equal in floating point too and tie in its ranking.
    pgr = _pg_wilcoxon(np.round(post * 10), np.round(pre * 10))
    assert res.statistic == pytest.approx(pgr["W_val"].iloc[0])
    assert res.p == pytest.approx(pgr["p_val"].iloc[0], rel=1e-9)
    assert res.rank_biserial == pytest.approx(pgr["RBC"].iloc[0])
    # sign: scores rose on average, so r > 0; reversing the order flips it
    rev = S.wilcoxon_signed_rank(post, pre)
    assert rev.rank_biserial == pytest.approx(-res.rank_biserial)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=3, max_size=40))
def test_wilcoxon_property_matches_pingouin(pairs):
    pre = [a for a, _ in pairs]
    post = [b for _, b in pairs]
    res = S.wilcoxon_signed_rank(pre, post)
    d = np.subtract(post, pre)
    if (d == 0).all():
        assert not res.ok and math.isnan(res.p)
        return
    pgr = _pg_wilcoxon(post, pre)
    assert res.rank_biserial == pytest.approx(pgr["RBC"].iloc[0])
    assert -1 <= res.rank_biserial <= 1
    if res.p_method == "exact":
        ref = sps.wilcoxon(d[d != 0], method="exact")
    else:
        ref = sps.wilcoxon(d[d != 0], method="asymptotic", correction=True)
    assert res.p == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_n_gives_not_enough_pairs(n):
    pre, post = list(range(n)), [x + 1.5 for x in range(n)]
    for res in (S.wilcoxon_signed_rank(pre, post), S.paired_t(pre, post)):
        assert not res.ok
        assert "not enough pairs" in res.note and f"n={n}" in res.note
        assert math.isnan(res.p)
        assert "not run" in res.method


def test_missing_values_dropped_before_counting_pairs():
    res = S.paired_t([1, 2, None, 4], [2, None, 3, 5])
    assert res.n == 2 and res.n_dropped == 2 and not res.ok


def test_all_zero_differences():
    w = S.wilcoxon_signed_rank([1, 2, 3, 4], [1, 2, 3, 4])
    assert not w.ok and w.n_zero == 4 and math.isnan(w.rank_biserial)
    t = S.paired_t([1, 2, 3, 4], [1, 2, 3, 4])
    assert not t.ok and t.note == "all differences are zero"
    assert t.mean_diff == 0 and math.isnan(t.t)
    constant = S.paired_t([1, 2, 3, 4], [2, 3, 4, 5])
    assert not constant.ok and "same amount" in constant.note and constant.mean_diff == 1


# -- paired t --------------------------------------------------------------------------------

def test_paired_t_hand_computed():
    pre, post = [1, 2, 3, 4], [2, 4, 3, 7]
    res = S.paired_t(pre, post)
    # d = 1, 2, 0, 3: mean 1.5, SD sqrt(5/3); t = 1.5 / (SD / 2)
    assert res.n == 4 and res.df == 3
    assert res.t == pytest.approx(1.5 / (math.sqrt(5 / 3) / 2))
    # SD_before^2 = 5/3, SD_after^2 = 14/3 -> SD_av = sqrt(19/6)
    assert res.d_av == pytest.approx(1.5 / math.sqrt(19 / 6))
    j3 = math.gamma(1.5) / (math.sqrt(1.5) * math.gamma(1.0))
    assert res.hedges_g == pytest.approx(res.d_av * j3)
    assert j3 == pytest.approx(1 - 3 / (4 * 3 - 1), abs=0.005)  # the usual approximation
    assert res.d_z == pytest.approx(1.5 / math.sqrt(5 / 3))


def test_paired_t_against_scipy_and_pingouin(scores):
    pre, post = scores
    res = S.paired_t(pre, post)
    ref = sps.ttest_rel(post, pre)
    assert res.t == pytest.approx(ref.statistic) and res.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert res.mean_diff_ci == pytest.approx((ci.low, ci.high))
    pgr = pg.ttest(post, pre, paired=True)
    assert res.t == pytest.approx(pgr["T"].iloc[0])
    assert res.df == pgr["dof"].iloc[0]
    assert res.p == pytest.approx(pgr["p_val"].iloc[0])
    assert res.mean_diff_ci == pytest.approx(tuple(pgr["CI95"].iloc[0]), abs=0.006)  # pingouin rounds
    assert res.d_av == pytest.approx(pgr["cohen_d"].iloc[0])  # pingouin: d_av (Cumming 2012)
    assert res.d_av == pytest.approx(pg.compute_effsize(post, pre, paired=True, eftype="cohen"))
    assert res.d_z == pytest.approx(pg.compute_effsize(post, pre, paired=True, eftype="cohen_dz"))
    j = S.hedges_j(len(pre) - 1)
    assert res.hedges_g == pytest.approx(res.d_av * j)
    # pingouin's Hedges' g uses the independent-groups df (2n - 2); ours uses n - 1: close, not equal
    pg_g = pg.compute_effsize(post, pre, paired=True, eftype="hedges")
    assert res.hedges_g == pytest.approx(pg_g, rel=0.05) and res.hedges_g < pg_g


def test_noncentral_t_intervals_against_cdflib(scores):
    pre, post = scores
    res = S.paired_t(pre, post)
    n = res.n
    # independent root-finder: scipy.special.nctdtrinc (cdflib) gives λ with P(T <= t | λ) = p
    lam_lo = special.nctdtrinc(res.df, 0.975, res.t)
    lam_hi = special.nctdtrinc(res.df, 0.025, res.t)
    assert res.d_z_ci == pytest.approx((lam_lo / math.sqrt(n), lam_hi / math.sqrt(n)), rel=1e-6)
    sd_d = np.std(np.subtract(post, pre), ddof=1)
    sd_av = math.sqrt((np.var(pre, ddof=1) + np.var(post, ddof=1)) / 2)
    scale = sd_d / (math.sqrt(n) * sd_av) * S.hedges_j(n - 1)
    assert res.hedges_g_ci == pytest.approx((lam_lo * scale, lam_hi * scale), rel=1e-6)
    assert res.hedges_g_ci[0] < res.hedges_g < res.hedges_g_ci[1]
    # the normal-approximation interval (pingouin.compute_esci on d_z) is close for n = 24
    approx = pg.compute_esci(res.d_z, nx=n, ny=n, paired=True, eftype="cohen", decimals=6)
    assert res.d_z_ci == pytest.approx(tuple(approx), abs=0.05)


def test_noncentrality_ci_large_t():
    lo, hi = S.noncentrality_ci(12.0, 9)
    assert lo == pytest.approx(special.nctdtrinc(9, 0.975, 12.0), rel=1e-6)
    assert hi == pytest.approx(special.nctdtrinc(9, 0.025, 12.0), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(-8, 12), st.integers(2, 200))
def test_noncentrality_ci_property_against_cdflib(t, df):
    lo, hi = S.noncentrality_ci(t, df)
    assert lo < t < hi or lo == pytest.approx(t) or hi == pytest.approx(t)
    # cdflib's own accuracy is about 1e-4 near t = 0 with few df (see the closed form below)
    assert lo == pytest.approx(special.nctdtrinc(df, 0.975, t), rel=1e-5, abs=2e-4)
    assert hi == pytest.approx(special.nctdtrinc(df, 0.025, t), rel=1e-5, abs=2e-4)


@pytest.mark.parametrize("df", [2, 5, 30])
def test_noncentrality_ci_closed_form_at_zero(df):
    # P(T <= 0 | λ) = Φ(-λ) for any df, so the interval at t = 0 is ±z(0.975)
    lo, hi = S.noncentrality_ci(0.0, df)
    z = sps.norm.ppf(0.975)
    assert (lo, hi) == pytest.approx((-z, z), abs=1e-8)


def test_hedges_j_exact():
    assert S.hedges_j(10) == pytest.approx(math.gamma(5) / (math.sqrt(5) * math.gamma(4.5)))
    assert S.hedges_j(200) == pytest.approx(1 - 3 / (4 * 200 - 1), abs=1e-6)
    assert math.isnan(S.hedges_j(1))


# -- Holm ------------------------------------------------------------------------------------

def test_holm_hand_computed():
    assert S.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert S.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped
    out = S.holm([0.02, float("nan"), 0.01])
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert S.holm([]) == []
    with pytest.raises(ValueError):
        S.holm([1.5])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=15))
def test_holm_matches_pingouin_and_is_monotone(ps):
    adj = np.array(S.holm(ps))
    _, ref = pg.multicomp(np.array(ps), method="holm")
    assert adj == pytest.approx(ref)
    assert (adj >= np.array(ps) - 1e-12).all() and (adj <= 1).all()
    order = np.argsort(ps, kind="stable")
    assert (np.diff(adj[order]) >= -1e-12).all()


# -- Cronbach's alpha ------------------------------------------------------------------------

def test_alpha_hand_computed():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5]})
    res = S.cronbach_alpha(items)
    # 2/1 * (1 - (5/3 + 4.75/3) / 6.25) = 0.96
    assert res.alpha == pytest.approx(0.96)
    assert res.n == 4 and res.k == 2 and res.small_n and "caution" in res.note


def test_alpha_against_pingouin_listwise():
    rng = np.random.default_rng(3)
    latent = rng.normal(size=60)
    items = pd.DataFrame({f"i{k}": np.clip(np.round(3 + latent + rng.normal(0, 0.8, 60)), 1, 5)
                          for k in range(6)})
    items.iloc[[2, 5, 9], [0, 3, 1]] = np.nan
    res = S.cronbach_alpha(items)
    ref_alpha, ref_ci = pg.cronbach_alpha(items, nan_policy="listwise", ci=0.95)
    assert res.alpha == pytest.approx(ref_alpha)
    assert res.ci == pytest.approx(tuple(ref_ci), abs=0.0051)  # pingouin rounds to 3 decimals
    assert res.n == 57 and res.n_excluded == 3 and not res.small_n and res.note == ""
    # Feldt by hand
    df1, df2 = 56, 56 * 5
    assert res.ci[0] == pytest.approx(1 - (1 - res.alpha) * sps.f.ppf(0.975, df1, df2))
    assert "Feldt" in res.method and "listwise" in res.method


def test_alpha_degenerate_inputs():
    assert not S.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]})).ok
    assert not S.cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]})).ok
    const = S.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]}))
    assert not const.ok and math.isnan(const.alpha)


# -- Likert distributions --------------------------------------------------------------------

def test_likert_distribution_counts_and_percents():
    res = S.likert_distribution([1, 2, 2, 3.0, None, "", 5, "4"], [1, 2, 3, 4, 5])
    assert res.levels == ("1", "2", "3", "4", "5")
    assert res.counts == (1, 2, 1, 1, 1)
    assert res.n == 6 and res.n_missing == 2
    assert res.percents == pytest.approx((100 / 6, 200 / 6, 100 / 6, 100 / 6, 100 / 6))
    assert sum(res.percents) == pytest.approx(100)
    assert res.to_series().tolist() == [1, 2, 1, 1, 1]


def test_likert_distribution_text_levels_and_unknown_values():
    levels = ["Disagree", "Neutral", "Agree"]
    res = S.likert_distribution(["Agree", "Agree", "Neutral"], levels)
    assert res.counts == (0, 1, 2)
    with pytest.raises(ValueError, match="Maybe"):
        S.likert_distribution(["Agree", "Maybe"], levels)
    empty = S.likert_distribution([None, None], levels)
    assert empty.n == 0 and all(math.isnan(p) for p in empty.percents)


def test_likert_frame_shape():
    lv = [1, 2, 3]
    frame = S.likert_frame({"Q1": S.likert_distribution([1, 2, 3, 3], lv),
                            "Q2": S.likert_distribution([2, 2], lv)})
    assert list(frame.index) == ["Q1", "Q2"] and list(frame.columns) == ["1", "2", "3"]
    assert frame.loc["Q1", "3"] == pytest.approx(50) and frame.loc["Q2", "2"] == pytest.approx(100)
    with pytest.raises(ValueError, match="different"):
        S.likert_frame({"a": S.likert_distribution([1], [1, 2]), "b": S.likert_distribution([1], [1, 3])})


def test_results_flatten_to_rows(scores):
    row = S.paired_t(*scores).as_dict()
    assert {"t", "p", "hedges_g", "hedges_g_ci", "method"} <= set(row)


def test_wilcoxon_ranks_mean_score_differences_that_tie_in_exact_arithmetic_as_ties():
    """Mean scores over 12 items: two people whose sums rose by 1 both changed by exactly 1/12, but
    the floating-point differences of their means differ in the last bits. Ranked as distinct, the
    test would take the exact path with wrong ranks; the reference ranks the integer sums."""
    pre_sums = [13, 37, 20, 25, 40, 30, 18, 22]
    post_sums = [14, 38, 23, 21, 44, 30, 20, 27]
    pre = [s / 12 for s in pre_sums]
    post = [s / 12 for s in post_sums]
    d = np.array(post) - np.array(pre)
    assert d[0] != d[1]  # the premise: floating point breaks the exact tie of two +1/12 changes
    res = S.wilcoxon_signed_rank(pre, post)
    assert res.has_ties and res.p_method == "normal approximation"
    int_diffs = np.array(post_sums) - np.array(pre_sums)  # ranks do not change when scaled by 12
    ref = sps.wilcoxon(int_diffs[int_diffs != 0], correction=True, method="asymptotic")
    assert res.p == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.n_zero == 1 and res.n_used == 7
    # ranks of |1,1,3,4,4,2,5| = 1.5,1.5,4,5.5,5.5,3,7: T- is the rank of the one fall (-4)
    assert (res.t_plus, res.t_minus) == (pytest.approx(22.5), pytest.approx(5.5))


def test_snap_ties_makes_close_magnitudes_equal_and_tiny_ones_zero():
    d = np.array([1 / 12, -(38 / 12 - 37 / 12), 3e-12, 0.5, 0.5 + 2e-10, -0.7])
    out = S.snap_ties(d)
    assert out[0] == -out[1] and out[2] == 0.0 and out[3] == out[4] and out[5] == -0.7
