"""Intervals the report publishes: Wilson (against statsmodels), rank-biserial r and Spearman's rho
(against the hand formulas), and d_z's noncentral-t interval by its defining property."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from mentoring_lib.analysis import intervals, stats


@pytest.mark.parametrize("count,base", [(0, 10), (1, 10), (5, 10), (10, 10), (31, 38), (32, 80), (3, 7)])
def test_wilson_matches_statsmodels(count, base):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    lo, hi = proportion.proportion_confint(count, base, alpha=0.05, method="wilson")
    assert intervals.wilson(count, base) == pytest.approx((lo, hi), abs=1e-12)


def test_wilson_of_the_linked_share_in_the_demo_like_case():
    # 32 of 80 accepted participants linked: 40%, Wilson 95% CI 29.96% to 50.95% (by hand:
    # centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·sqrt(p(1-p)/n + z²/4n²))
    z = sps.norm.ppf(0.975)
    p, n = 0.4, 80
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert intervals.wilson(32, 80) == pytest.approx((centre - half, centre + half))
    assert intervals.wilson(32, 80) == pytest.approx((0.2996, 0.5095), abs=5e-5)


def test_wilson_rejects_counts_outside_the_base():
    with pytest.raises(ValueError):
        intervals.wilson(11, 10)
    assert all(math.isnan(x) for x in intervals.wilson(0, 0))


def test_rank_biserial_ci_by_hand():
    # r = 0.5 from 20 non-zero differences: SD of T+ under H0 = sqrt(n(n+1)(2n+1)/24) = 26.786;
    # r = 2T+/S - 1 with S = n(n+1)/2 = 210, so SE(r) = 2·26.786/210 = 0.25511 on Fisher's z scale
    n, r = 20, 0.5
    se = 2 * math.sqrt(n * (n + 1) * (2 * n + 1) / 24) / (n * (n + 1) / 2)
    assert se == pytest.approx(0.255107, abs=1e-6)
    expect = (math.tanh(math.atanh(r) - 1.959964 * se), math.tanh(math.atanh(r) + 1.959964 * se))
    assert intervals.rank_biserial_ci(r, n) == pytest.approx(expect, abs=1e-6)
    assert intervals.rank_biserial_ci(r, n) == pytest.approx((0.0493, 0.7815), abs=5e-4)  # tanh(0.5493 ∓ 0.5000)


def test_rank_biserial_ci_not_given_when_every_pair_moved_one_way():
    assert all(math.isnan(x) for x in intervals.rank_biserial_ci(1.0, 30))
    assert all(math.isnan(x) for x in intervals.rank_biserial_ci(-1.0, 30))
    assert all(math.isnan(x) for x in intervals.rank_biserial_ci(0.3, 1))


def test_spearman_matches_scipy_and_the_bonett_wright_interval():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 7, 40).astype(float)
    y = 0.3 * x + rng.normal(0, 1, 40)
    res = intervals.spearman(x, y)
    ref = sps.spearmanr(x, y)
    assert res.rho == pytest.approx(ref.statistic) and res.p == pytest.approx(ref.pvalue)
    se = math.sqrt((1 + ref.statistic ** 2 / 2) / (40 - 3))
    z = math.atanh(ref.statistic)
    assert res.ci == pytest.approx((math.tanh(z - 1.959964 * se), math.tanh(z + 1.959964 * se)), abs=1e-6)
    assert res.n == 40 and not res.note


def test_spearman_needs_the_base():
    res = intervals.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], min_n=10)
    assert math.isnan(res.rho) and "fewer than 10" in res.note
    flat = intervals.spearman([3] * 12, list(range(12)))
    assert math.isnan(flat.rho) and flat.note == "no variation"


def test_d_z_interval_has_its_defining_coverage():
    """The d_z bounds are the noncentralities at which the observed t is the 97.5th / 2.5th
    percentile of the noncentral t (checked with scipy's nct directly, not the solver)."""
    rng = np.random.default_rng(11)
    pre = rng.normal(3, 0.8, 32)
    post = pre + rng.normal(0.2, 0.45, 32)
    res = stats.paired_t(pre, post)
    n = 32
    assert sps.nct.sf(res.t, n - 1, res.d_z_ci[0] * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)
    assert sps.nct.cdf(res.t, n - 1, res.d_z_ci[1] * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)
    # and the stated normal approximation SE(d_z) = sqrt(1/n + d_z²/(2n)) gives nearly the same interval
    se = math.sqrt(1 / n + res.d_z ** 2 / (2 * n))
    assert res.d_z_ci == pytest.approx((res.d_z - 1.96 * se, res.d_z + 1.96 * se), abs=0.03)
