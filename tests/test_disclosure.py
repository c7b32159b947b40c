"""Disclosure control: small counts, complementary suppression (audited by LP), bases, merging."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from mentoring_lib.privacy.disclosure import (HIDDEN, TOTAL, Thresholds, enough_base, merge_small_categories,
                                      percent_or_none, protect_distribution, protect_mean, suppress_counts,
                                      suppression_masks)


def _published_bounds(published: pd.DataFrame, k: int) -> dict[tuple, tuple[float, float]]:
    """What an attacker can learn: min/max of each hidden cell over all tables consistent with the
    published one (LP relaxation: real values, "<k" cells in [1, k-1], "x" cells >= 0, every
    row and column adds up to its total, totals assumed known when not shown)."""
    cells = [(r, c) for r in published.index for c in published.columns]
    unknown = [rc for rc in cells if isinstance(published.loc[rc], str)]
    pos = {rc: i for i, rc in enumerate(unknown)}
    rows = [r for r in published.index if r != TOTAL]
    cols = [c for c in published.columns if c != TOTAL]
    A, b = [], []

    def add_line(members, total):
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for rc, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            v = published.loc[rc]
            if isinstance(v, str):
                coef[pos[rc]] += sign
            else:
                rhs -= sign * v
        if coef.any():
            A.append(coef)
            b.append(rhs)
    for r in list(rows) + [TOTAL]:
        add_line([(r, c) for c in cols], (r, TOTAL))
    for c in list(cols) + [TOTAL]:
        add_line([(r, c) for r in rows], (TOTAL, c))
    bounds = [(1, k - 1) if published.loc[rc] == f"<{k}" else (0, None) for rc in unknown]
    out = {}
    for rc, i in pos.items():
        obj = np.zeros(len(unknown))
        obj[i] = 1.0
        lo = linprog(obj, A_eq=np.array(A), b_eq=b, bounds=bounds, method="highs")
        hi = linprog(-obj, A_eq=np.array(A), b_eq=b, bounds=bounds, method="highs")
        assert lo.status == 0 and hi.status in (0, 3)
        out[rc] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def _full_published(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The protected table with both margins (what the attacker may know), even for 1-row/col tables."""
    full, small, hidden = suppression_masks(table, k)
    return full.astype(object).mask(hidden, HIDDEN).mask(small, f"<{k}")


def _assert_protected(table: pd.DataFrame, k: int):
    published = _full_published(table, k)
    full, small, hidden = suppression_masks(table, k)
    for rc, (lo, hi) in _published_bounds(published, k).items():
        true = full.loc[rc]
        assert lo - 1e-6 <= true <= hi + 1e-6
        assert hi - lo > 1e-6, f"cell {rc} (true {true}) is recoverable: [{lo}, {hi}]\n{published}"
    # every count 1..k-1 is hidden; "<k" is only ever shown for a count 1..k-1
    assert not (((full >= 1) & (full < k)) & ~hidden).any().any()
    assert not (small & ~((full >= 1) & (full < k))).any().any()
    assert not (small & ~hidden).any().any()


def test_hand_example():
    t = pd.DataFrame({"A": [12, 3, 20], "B": [8, 15, 0], "C": [7, 9, 11]}, index=["s1", "s2", "s3"])
    out = suppress_counts(t, 5)
    expected = pd.DataFrame({"A": ["x", "<5", 20, 35], "B": [8, 15, 0, 23], "C": ["x", "x", 11, 27],
                             TOTAL: [27, 27, 31, 85]}, index=["s1", "s2", "s3", TOTAL], dtype=object)
    pd.testing.assert_frame_equal(out, expected)
    _assert_protected(t, 5)
    assert isinstance(out.loc["s3", "A"], int) and out.loc["s3", "B"] == 0  # zeros shown


def test_no_small_cells_nothing_hidden():
    t = pd.DataFrame({"a": [5, 6], "b": [0, 9]}, index=["x", "y"])
    out = suppress_counts(t, 5)
    assert out.loc["x", "b"] == 0 and out.loc[TOTAL, TOTAL] == 20
    assert not any(isinstance(v, str) for v in out.to_numpy().ravel())


def test_one_way_table():
    s = pd.Series([10, 2, 30, 40], index=list("abcd"), name="n")
    out = suppress_counts(s, 5)
    assert out["n"].tolist() == [HIDDEN, "<5", 30, 40, 82]
    assert list(out.columns) == ["n"]
    _assert_protected(s.to_frame(), 5)


def test_small_total_is_suppressed():
    t = pd.DataFrame({"a": [1, 10, 8], "b": [2, 7, 9]}, index=["r1", "r2", "r3"])
    out = suppress_counts(t, 5)
    assert out.loc["r1", TOTAL] == "<5"
    _assert_protected(t, 5)


def test_margins_false_still_protects_against_totals():
    t = pd.DataFrame({"a": [3, 10], "b": [9, 7]}, index=["r1", "r2"])
    out = suppress_counts(t, 5, margins=False)
    assert TOTAL not in out.index and TOTAL not in out.columns
    assert sum(isinstance(v, str) for v in out.to_numpy().ravel()) == 4  # a 2x2 needs all four


def test_all_small_table_drops_pinning_bounds():
    # four cells of 1, total 4: with every cell "<5" (1..4) and a total under 5 each cell would be 1
    t = pd.DataFrame({"c0": [1], "c1": [1], "c2": [1], "c3": [1]}, index=["r0"])
    out = suppress_counts(t, 5)
    assert all(isinstance(v, str) for v in out.to_numpy().ravel())
    _assert_protected(t, 5)


def test_min_count_three():
    t = pd.DataFrame({"a": [3, 4, 2], "b": [9, 1, 7]}, index=["r1", "r2", "r3"])
    out = suppress_counts(t, 3)
    assert out.loc["r3", "a"] == "<3" and out.loc["r2", "b"] == "<3"
    # the bounds 1..2 of "<3" would pin r2/a (=4) if only the 2x2 block were hidden: one more cell
    assert out.loc["r1", "a"] == HIDDEN
    _assert_protected(t, 3)


def test_floors_and_bad_input():
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [1]}), 2)
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [1.5, 2]}), 5)
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [-1, 2]}), 5)
    with pytest.raises(ValueError):
        Thresholds(min_count=2)
    with pytest.raises(ValueError):
        Thresholds(min_base=4)
    with pytest.raises(ValueError):
        enough_base(10, 4)


def test_thresholds_from_config():
    from types import SimpleNamespace

    cfg = SimpleNamespace(privacy=SimpleNamespace(min_count=4, min_base=12))
    assert Thresholds.from_config(cfg) == Thresholds(4, 12)
    assert Thresholds.from_config(SimpleNamespace(config=cfg)) == Thresholds(4, 12)
    assert Thresholds() == Thresholds(5, 10)
    assert "<5" in Thresholds().methods_text() and "10" in Thresholds().methods_text()


def test_bases_percentages_means_distributions():
    assert enough_base(10, 10) and not enough_base(9, 10)
    assert percent_or_none(3, 12, 10) == pytest.approx(25.0)
    assert percent_or_none(3, 9, 10) is None
    assert percent_or_none(2, 12, 10, min_count=5) is None
    assert percent_or_none(0, 12, 10, min_count=5) == 0.0
    assert percent_or_none(6, 12, 10, min_count=5, digits=1) == 50.0
    pct = percent_or_none(pd.Series([3, 6, 1]), pd.Series([12, 9, 20]), 10)
    assert pct.iloc[0] == pytest.approx(25.0) and np.isnan(pct.iloc[1]) and pct.iloc[2] == pytest.approx(5.0)
    assert protect_mean([1, 2, 3, None, 4, 5, 1, 2, 3, 4], 10) is None  # 9 answers
    assert protect_mean([1, 2, 3, 4, 5, 1, 2, 3, 4, 5], 10) == pytest.approx(3.0)
    dist = protect_distribution(pd.Series([4, 6]), 10, categories=[0, 1, 2])
    assert dist.tolist() == pytest.approx([40.0, 60.0, 0.0])
    assert protect_distribution(pd.Series({1: 4, 2: 5}), 10) is None


def test_merge_small_categories():
    s = pd.Series(list("aaaaabbbcdddddd") + [None])
    out = merge_small_categories(s, 5)
    # b (3) and c (1) merge into Other (4 < 5), so the next smallest, a (5), joins it
    assert out.value_counts().to_dict() == {"Other": 9, "d": 6}
    assert out.isna().sum() == 1
    assert merge_small_categories(pd.Series(list("aaaaabbbbb")), 5).tolist() == list("aaaaabbbbb")


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    values = draw(arrays(np.int64, (n_rows, n_cols),
                         elements=st.one_of(st.integers(0, 6), st.integers(0, 40))))
    return pd.DataFrame(values, index=[f"r{i}" for i in range(n_rows)], columns=[f"c{j}" for j in range(n_cols)])


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(), st.sampled_from([3, 5]))
def test_no_suppressed_cell_recoverable(table, k):
    _assert_protected(table, k)
    out = suppress_counts(table, k)
    # shown cells equal the true counts
    full, _, hidden = suppression_masks(table, k)
    for r in out.index:
        for c in out.columns:
            v = out.loc[r, c]
            assert (isinstance(v, str)) == bool(hidden.loc[r, c])
            if not isinstance(v, str):
                assert v == full.loc[r, c]


@settings(max_examples=30, deadline=None)
@given(count_tables())
def test_deterministic(table):
    pd.testing.assert_frame_equal(suppress_counts(table, 5), suppress_counts(table.copy(), 5))
