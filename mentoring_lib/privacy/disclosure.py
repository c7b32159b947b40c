"""Disclosure control: the single place where public tables and statistics are protected.

Rules (design, "Privacy domains"; thresholds from ``privacy.min_count`` / ``privacy.min_base``):

* **Small counts.** A count from 1 to k-1 (k = ``min_count``, default 5) is shown as ``"<k"``.
  True zeros are shown as 0 (standard practice: a zero describes nobody). Totals are counts
  too: a row, column or grand total under k is also shown as ``"<k"``.
* **Complementary suppression.** A suppressed cell must not be recoverable from the totals and
  the cells still shown. Further cells are hidden -- shown as ``"x"`` because their value is not
  small -- until (a) every row and column, totals included, holds either no hidden cell or at
  least two, and (b) no hidden cell's value follows from the published numbers: neither from
  the totals alone (linear algebra) nor together with what the markers reveal ("<k" means
  1..k-1, "x" means at least 0), checked by linear programming. The cell chosen is always the smallest non-zero shown cell (table cells before
  totals; ties by position), so the result is deterministic. The protection holds even when
  ``margins=False``: totals are usually published elsewhere in a report, so they are assumed
  known.
* **Bases.** Percentages, means and distributions are published only for a base (number of
  people) of at least ``min_base`` (default 10); otherwise the functions here return ``None``
  and the report says "too few responses to show".
* **Small categories** are merged into "Other" (:func:`merge_small_categories`) before tabulating
  when a breakdown (e.g. by school) would otherwise be mostly suppressed.

Floors: no config or call may use k < 3 or a base < 5.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mentoring_lib.config import MIN_BASE_FLOOR, MIN_COUNT_FLOOR

TOTAL = "Total"
#: Marker of a cell hidden only so that a small count cannot be worked out (its value is not small).
HIDDEN = "x"
_TOL = 1e-9


def small_label(min_count: int) -> str:
    """The marker of a small count, e.g. ``"<5"``."""
    return f"<{min_count}"


@dataclass(frozen=True)
class Thresholds:
    """The two disclosure thresholds, with the floors no configuration may go below."""

    min_count: int = 5
    min_base: int = 10

    def __post_init__(self) -> None:
        if int(self.min_count) < MIN_COUNT_FLOOR:
            raise ValueError(f"min_count must be at least {MIN_COUNT_FLOOR}, got {self.min_count}")
        if int(self.min_base) < MIN_BASE_FLOOR:
            raise ValueError(f"min_base must be at least {MIN_BASE_FLOOR}, got {self.min_base}")

    @classmethod
    def from_config(cls, cfg: Any) -> "Thresholds":
        """From a TermConfig, its ``privacy`` section, or a StageContext."""
        cfg = getattr(cfg, "config", cfg)
        privacy = getattr(cfg, "privacy", cfg)
        return cls(int(privacy.min_count), int(privacy.min_base))

    def methods_text(self) -> str:
        """One paragraph for the report's methods section stating the thresholds."""
        return (f"To protect participants, counts below {self.min_count} are shown as "
                f"\u201c<{self.min_count}\u201d, and further cells marked \u201c{HIDDEN}\u201d are hidden so "
                f"that small counts cannot be worked out from totals. Percentages, means and "
                f"distributions are shown only for groups of at least {self.min_base} people.")


def _check_min_count(min_count: int) -> int:
    if int(min_count) < MIN_COUNT_FLOOR:
        raise ValueError(f"min_count must be at least {MIN_COUNT_FLOOR}, got {min_count}")
    return int(min_count)


def _check_min_base(min_base: int) -> int:
    if int(min_base) < MIN_BASE_FLOOR:
        raise ValueError(f"min_base must be at least {MIN_BASE_FLOOR}, got {min_base}")
    return int(min_base)


# -- bases, percentages, means, distributions --------------------------------------------------

def enough_base(n: int, min_base: int) -> bool:
    """True when ``n`` people are enough to publish a percentage, mean or distribution."""
    return int(n) >= _check_min_base(min_base)


def percent_or_none(count, base, min_base: int, *, min_count: int | None = None, digits: int | None = None):
    """``100 * count / base``, or ``None`` when ``base < min_base``.

    With ``min_count``, a percentage of a non-zero count below it is also withheld (it would give
    the small count away when the base is published). Works on scalars or aligned Series (then
    the result is a float Series with NaN where withheld).
    """
    _check_min_base(min_base)
    if isinstance(count, pd.Series) or isinstance(base, pd.Series):
        count_s = pd.Series(count, dtype="float64") if not isinstance(count, pd.Series) else count.astype("float64")
        base_s = base.astype("float64") if isinstance(base, pd.Series) else pd.Series(float(base), index=count_s.index)
        pct = 100.0 * count_s / base_s
        keep = base_s >= min_base
        if min_count is not None:
            keep &= ~((count_s > 0) & (count_s < _check_min_count(min_count)))
        pct = pct.where(keep)
        return pct.round(digits) if digits is not None else pct
    if base is None or pd.isna(base) or count is None or pd.isna(count) or base < min_base:
        return None
    if min_count is not None and 0 < count < _check_min_count(min_count):
        return None
    pct = 100.0 * float(count) / float(base)
    return round(pct, digits) if digits is not None else pct


def protect_mean(values, min_base: int) -> float | None:
    """The mean of the non-missing ``values``, or ``None`` when fewer than ``min_base`` of them."""
    s = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    return float(s.mean()) if enough_base(len(s), min_base) else None


def protect_distribution(counts: pd.Series, min_base: int, *, categories=None) -> pd.Series | None:
    """Percent of responses per category (e.g. Likert 1..5), or ``None`` when the base is too small.

    ``counts`` is a Series of counts indexed by category (``values.value_counts()``);
    ``categories`` fixes the order and adds the empty categories. The base is the sum of counts.
    """
    s = pd.Series(counts).fillna(0)
    s = s.reindex(list(categories), fill_value=0) if categories is not None else s.sort_index()
    base = int(s.sum())
    if not enough_base(base, min_base):
        return None
    return (100.0 * s.astype("float64") / base).rename("percent")


def merge_small_categories(series: pd.Series, min_count: int, other_label: str = "Other") -> pd.Series:
    """Replace categories with fewer than ``min_count`` members by ``other_label``.

    If "Other" itself would then hold 1..min_count-1 members, the next smallest categories
    (ties by label) join it until it is large enough. Missing values stay missing.
    """
    k = _check_min_count(min_count)
    counts = series.dropna().value_counts()
    counts = counts.sort_index(kind="stable").sort_values(kind="stable")  # by size, ties by label
    small = [c for c, n in counts.items() if n < k and c != other_label]
    other_n = int(counts.get(other_label, 0)) + int(counts[small].sum()) if small else int(counts.get(other_label, 0))
    rest = [c for c in counts.index if c not in small and c != other_label]
    while 0 < other_n < k and rest:
        nxt = rest.pop(0)
        small.append(nxt)
        other_n += int(counts[nxt])
    if not small:
        return series.copy()
    out = series.astype(object).where(~series.isin(small), other_label)
    return out.astype(series.dtype) if pd.api.types.is_string_dtype(series.dtype) else out


# -- small counts and complementary suppression ------------------------------------------------

def _constraints(n_rows: int, n_cols: int) -> np.ndarray:
    """Additive relations of a table with a total row and column: one equation per line.

    Cells are numbered row-major over the (n_rows+1) x (n_cols+1) grid whose last row and column
    are the totals. Row line i: sum_j x[i, j] - x[i, total] = 0; column line likewise.
    """
    R, C = n_rows + 1, n_cols + 1
    eqs = []
    for i in range(R):
        eq = np.zeros(R * C)
        eq[i * C:i * C + n_cols] = 1.0
        eq[i * C + n_cols] = -1.0
        eqs.append(eq)
    for j in range(C):
        eq = np.zeros(R * C)
        eq[[i * C + j for i in range(n_rows)]] = 1.0
        eq[n_rows * C + j] = -1.0
        eqs.append(eq)
    return np.array(eqs)


def _null_space(M: np.ndarray) -> np.ndarray:
    if M.shape[1] == 0:
        return np.zeros((0, 0))
    if M.shape[0] == 0:
        return np.eye(M.shape[1])
    _, sing, vt = np.linalg.svd(M, full_matrices=True)
    rank = int((sing > _TOL * max(1.0, sing.max(initial=0.0))).sum())
    return vt[rank:].T


def determined_cells(A: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Indices of hidden cells whose value follows from the shown cells by the equations alone.

    A hidden cell is determined iff every vector of the null space of the hidden cells' constraint
    columns is zero there (its unit vector lies in their row space).
    """
    idx = np.flatnonzero(hidden)
    if idx.size == 0:
        return idx
    null = _null_space(A[:, idx])
    if null.shape[1] == 0:
        return idx
    return idx[np.all(np.abs(null) < 1e-8, axis=1)]


def exposed_cells(A: np.ndarray, flat: np.ndarray, hidden: np.ndarray, bounded: np.ndarray, k: int,
                  only: list[int] | None = None) -> list[int]:
    """Hidden cells whose exact value a reader can work out from the published table.

    The reader knows the shown cells, that every line adds up to its total, that a "<k" cell
    lies in [1, k-1] and an "x" cell is >= 0. The true table is one consistent table; a hidden
    cell is safe iff another consistent table gives it a different value, i.e. iff some direction
    ``d`` with ``A d = 0`` on the hidden cells, pointing inwards at every cell sitting on a bound,
    has ``d_e != 0`` (the feasible set is convex, so a small step along ``d`` stays feasible).

    One LP finds every bound cell that can move: maximise the number of bound cells with
    ``|d_i| >= 1`` over the (scale-free) cone of such directions. Bound cells that cannot move are
    then pinned, and an interior cell can move iff the null space of the equations plus those
    pins is non-zero at it (any such vector added, scaled small, to the LP's direction keeps
    every sign).
    """
    from scipy.optimize import linprog

    idx = np.flatnonzero(hidden)
    if idx.size == 0:
        return []
    sub = A[:, idx]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    v = flat[idx]
    at_low = (v == 0) | (bounded[idx] & (v == 1))
    at_high = bounded[idx] & (v == k - 1)
    on_bound = np.flatnonzero(at_low | at_high)
    n, m = idx.size, on_bound.size
    movable = np.zeros(n, dtype=bool)
    if m:
        # variables: d (n, sign-constrained on bound cells), t (m, in [0, 1]); maximise sum(t)
        c = np.concatenate([np.zeros(n), -np.ones(m)])
        A_eq = np.hstack([sub, np.zeros((sub.shape[0], m))])
        b_eq = np.zeros(sub.shape[0])
        A_ub = np.zeros((m, n + m))
        for r, i in enumerate(on_bound):  # t_r <= d_i (moves up) or t_r <= -d_i (moves down)
            A_ub[r, i] = -1.0 if at_low[i] else 1.0
            A_ub[r, n + r] = 1.0
        bounds: list[tuple[float | None, float | None]] = [((0, None) if at_low[i] else (None, 0) if at_high[i] else (None, None)) for i in range(n)]
        bounds += [(0, 1)] * m
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq if A_eq.shape[0] else None,
                      b_eq=b_eq if A_eq.shape[0] else None, bounds=bounds, method="highs")
        if res.status != 0:  # cannot happen for a consistent table; be safe: nothing moves
            t = np.zeros(m)
        else:
            t = res.x[n:]
        movable[on_bound[t > 0.5]] = True
    fixed = np.flatnonzero((at_low | at_high) & ~movable)
    pins = np.zeros((fixed.size, n))
    pins[np.arange(fixed.size), fixed] = 1.0
    null = _null_space(np.vstack([sub, pins]))
    interior_ok = np.any(np.abs(null) > 1e-8, axis=1) if null.shape[1] else np.zeros(n, dtype=bool)
    safe = np.where(at_low | at_high, movable, interior_ok)
    exposed = [int(idx[i]) for i in range(n) if not safe[i]]
    if only is not None:
        exposed = [e for e in exposed if e in set(only)]
    return exposed


def _line_members(n_rows: int, n_cols: int) -> list[np.ndarray]:
    R, C = n_rows + 1, n_cols + 1
    rows = [np.arange(i * C, (i + 1) * C) for i in range(R)]
    cols = [np.arange(j, R * C, C) for j in range(C)]
    return rows + cols


def _suppression_pattern(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(small, hidden) boolean masks over the augmented grid (totals in the last row/column).

    ``small`` marks the cells published as "<k" (a subset of the hidden ones; all counts 1..k-1
    unless, as a last resort, a "<k" marker would itself give a value away and is shown as "x").
    """
    n_rows, n_cols = values.shape[0] - 1, values.shape[1] - 1
    flat = values.ravel()
    C = n_cols + 1
    is_margin = np.array([(p // C) == n_rows or (p % C) == n_cols for p in range(flat.size)])
    primary = (flat >= 1) & (flat < k)
    hidden = primary.copy()
    bounded = primary.copy()
    if not primary.any():
        return bounded.reshape(values.shape), hidden.reshape(values.shape)
    # preference for a complementary cell: non-zero first, table cells before totals, smallest
    # value, then position (row-major)
    order_key = np.lexsort((np.arange(flat.size), flat, is_margin, flat == 0))
    rank_of = np.empty(flat.size, dtype=int)
    rank_of[order_key] = np.arange(flat.size)
    lines = _line_members(n_rows, n_cols)
    A = _constraints(n_rows, n_cols)

    def pick(cands: np.ndarray) -> int | None:
        cands = cands[~hidden[cands]]
        return int(cands[np.argmin(rank_of[cands])]) if cands.size else None

    def candidates(target: int) -> np.ndarray:
        """Shown cells, those sharing a line with ``target`` first, then by preference."""
        near = np.zeros(flat.size, dtype=bool)
        for members in lines:
            if target in members:
                near[members] = True
        cands = np.flatnonzero(~hidden)
        return cands[np.lexsort((rank_of[cands], ~near[cands]))]

    for _ in range(2 * flat.size + 2):
        changed = True
        while changed:  # rule (a): no line with exactly one hidden cell
            changed = False
            for members in lines:
                if hidden[members].sum() == 1:
                    c = pick(members)
                    if c is not None:
                        hidden[c] = True
                        changed = True
        # rule (b): no hidden value can be worked out (equations, then marker bounds)
        exposed = exposed_cells(A, flat, hidden, bounded, k)
        if not exposed:
            break
        target = exposed[0]
        cands = candidates(target)
        for c in cands:
            hidden[c] = True
            if not exposed_cells(A, flat, hidden, bounded, k, only=[target]):
                break
            hidden[c] = False
        else:
            if cands.size:
                hidden[cands[0]] = True  # no single cell suffices: hide the best, look again
                continue
            # everything is hidden and the "<k" bounds still pin a value: drop those bounds
            lined = np.zeros(flat.size, dtype=bool)
            for members in lines:
                if target in members:
                    lined[members] = True
            drop = np.flatnonzero(bounded & lined)
            if drop.size == 0:
                drop = np.flatnonzero(bounded)
            if drop.size == 0:
                break
            bounded[drop] = False
    return bounded.reshape(values.shape), hidden.reshape(values.shape)


def _as_counts(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        table = table.to_frame(name=table.name if table.name is not None else "count")
    if table.empty:
        return table.astype("int64")
    try:
        num = table.apply(pd.to_numeric, errors="raise")
    except (ValueError, TypeError):
        raise ValueError("suppress_counts needs a table of counts (non-negative whole numbers)") from None
    arr = num.to_numpy(dtype="float64", na_value=np.nan)
    if np.isnan(arr).any():
        arr = np.nan_to_num(arr, nan=0.0)
    if (arr < 0).any() or (np.abs(arr - np.round(arr)) > 1e-9).any():
        raise ValueError("suppress_counts needs a table of counts (non-negative whole numbers)")
    return pd.DataFrame(np.round(arr).astype("int64"), index=table.index, columns=table.columns)


def suppression_masks(table: pd.DataFrame | pd.Series, min_count: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The counts with margins and the (small, hidden) masks, all with a ``Total`` row and column.

    ``small`` marks the cells shown "<k" (counts 1..k-1); ``hidden`` marks every cell not shown
    (the small ones and the complementary "x" ones). Useful for charts that must grey out the same cells.
    """
    k = _check_min_count(min_count)
    counts = _as_counts(table)
    if TOTAL in list(counts.index) or TOTAL in list(counts.columns):
        raise ValueError(f"the table already has a '{TOTAL}' row or column; pass it without margins")
    counts.index = pd.Index(list(counts.index), name=counts.index.name)
    counts.columns = pd.Index(list(counts.columns), name=counts.columns.name)
    full = counts.copy()
    full[TOTAL] = counts.sum(axis=1)
    full.loc[TOTAL] = full.sum(axis=0)
    if counts.size == 0:
        empty = pd.DataFrame(False, index=full.index, columns=full.columns)
        return full, empty, empty.copy()
    small, hidden = _suppression_pattern(full.to_numpy(dtype="int64"), k)
    return (full, pd.DataFrame(small, index=full.index, columns=full.columns),
            pd.DataFrame(hidden, index=full.index, columns=full.columns))


def suppress_counts(table: pd.DataFrame | pd.Series, min_count: int, *, margins: bool = True) -> pd.DataFrame:
    """Protect a table of counts for publication.

    Returns an object-dtype DataFrame whose cells are ``int`` (shown counts, zeros included),
    ``"<k"`` (a count 1..k-1) or ``"x"`` (hidden so a small count cannot be worked out). With
    ``margins`` a ``Total`` column (when the table has more than one column) and a ``Total`` row
    (when it has more than one row) are added; totals are protected like any other cell. Without
    margins, the cells are still protected against the totals (assumed published elsewhere).
    A Series is treated as a one-column table.
    """
    k = _check_min_count(min_count)
    full, small, hidden = suppression_masks(table, k)
    label = small_label(k)
    cells = np.array([int(v) for v in full.to_numpy().ravel()], dtype=object).reshape(full.shape)
    cells[hidden.to_numpy()] = HIDDEN
    cells[small.to_numpy()] = label
    out = pd.DataFrame(cells, index=full.index, columns=full.columns, dtype=object)
    n_rows, n_cols = full.shape[0] - 1, full.shape[1] - 1
    if not margins or n_cols <= 1:
        out = out.drop(columns=TOTAL)
    if not margins or n_rows <= 1:
        out = out.drop(index=TOTAL)
    return out


def is_small(cell: Any) -> bool:
    """True for a cell :func:`suppress_counts` does not show as a number."""
    return isinstance(cell, str)
