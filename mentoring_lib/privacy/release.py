"""The release model: every published count of a term, with the equations that link them, and its audit.

Suppressing each table on its own is not enough: a count hidden as "<5" in one file can follow
exactly from figures in another (rows read and kept in the data-quality table against the status
sheet of ``registration_summary.xlsx``), from a share printed to many digits (31/37 with its
base), or from a cumulative series (the "still taking part" curve gives the number of people
whose last meeting was each one). So the report stage collects the published figures of the
whole release into one :class:`Release` -- each count a :class:`Cell` with its true value, what
every file shows of it and where -- together with the linking equations (totals, partitions,
cross-table identities), the published percentages of a base and the order relations of
cumulative series. :func:`audit` then plays the reader: for each protected cell it minimises and
maximises the cell over every table of non-negative whole numbers consistent with everything
published (``scipy.optimize.milp``). :func:`~mentoring_lib.privacy.release_protect.protect` hides
further cells until the audit passes, the public files are written from the protected model, and
the runner checks the saved model and the public files again before publishing
(:mod:`~mentoring_lib.privacy.release_files`).

What the reader is assumed to know (and what the audit therefore uses):

* every number shown, exactly; a cell shown as ``"<k"`` lies in 1..k-1; a cell shown as ``"x"``
  is a whole number >= 0; a quantity that is not published at all is a whole number >= 0;
* every linking equation registered here (they are public knowledge: a total is the sum of its
  parts, rows read = rows kept + rows excluded, ...);
* a published percentage p of a base, rounded to ``d`` decimals: ``p - h <= 100 * count / base
  <= p + h`` with ``h`` half a unit of the last digit (a share with many digits pins the count).

The guarantee (checked by :func:`audit`, for every cell shown as "<k" or "x" and every
unpublished count whose true value is 1..k-1):

* its smallest and largest values consistent with the whole release are at least
  ``ceil((k-1)/2)`` apart (2 for k = 5; :func:`required_width`): no small count is ever pinned to
  one value, an "x" never reveals a 0 or a small count exactly, and at least half of the range a
  "<k" marker allows stays possible. The one exception is an "x" whose smallest consistent value
  is k or more: it is then known to be a large count, which the rules allow to be published.

The identity of a cell is its ``id``: the same quantity published in two files is registered
twice under one id, and the most informative display wins (a number shown anywhere is known).

Privacy domain: public. The model holds the aggregates of the public files, and the true values of
their suppressed cells: it is saved under ``private/`` only, and errors name cells, never values.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from mentoring_lib.errors import PrivacyGateError

HIDDEN = "x"
UNPUBLISHED = None


class DisclosureAuditError(PrivacyGateError):
    """A suppressed count can be worked out from the public outputs; nothing was published (exit 4)."""


def _kind(shown: Any, k: int) -> str:
    """'exact', 'small' ("<k"), 'hidden' ("x", "–") or 'none' (not published)."""
    if shown is None:
        return "none"
    if isinstance(shown, (int, np.integer)) and not isinstance(shown, bool):
        return "exact"
    text = str(shown).strip().removesuffix(" people")
    if text.isdigit():
        return "exact"
    if text == f"<{k}":
        return "small"
    return "hidden"


_RANK = {"none": 0, "hidden": 1, "small": 2, "exact": 3}


@dataclass
class Cell:
    """One count of the release: its true value, what is shown of it, and where."""

    id: str
    value: int
    kind: str = "none"
    #: (table, row, column), or (file, sheet, row, column) for a spreadsheet
    places: list[tuple[Any, ...]] = field(default_factory=list)
    #: public knowledge outside the release (e.g. places offered, from the call): never hidden
    known: bool = False


@dataclass
class Share:
    """A published percentage ``percent`` (to ``decimals``; None = full precision) of count / base."""

    id: str
    count: str
    base: str
    percent: float
    decimals: int | None
    places: list[tuple[Any, ...]] = field(default_factory=list)
    withdrawn: bool = False


@dataclass(frozen=True)
class Exposure:
    """A protected cell the reader can narrow too far: the range [low, high] consistent with the release."""

    cell: str
    kind: str
    value: int
    low: int
    high: int | None

    def __str__(self) -> str:
        high = "unbounded" if self.high is None else self.high
        return f"{self.cell} (shown {self.kind}): consistent values {self.low}..{high}"


class Release:
    """Every published count of a term with its linking equations (see the module docstring)."""

    def __init__(self, min_count: int):
        self.k = int(min_count)
        self.cells: dict[str, Cell] = {}
        self.equations: list[tuple[dict[str, int], int, str]] = []
        self.inequalities: list[tuple[dict[str, int], int, str]] = []  # sum(coef * x) <= rhs
        self.shares: dict[str, Share] = {}
        self.skipped: list[str] = []

    # -- registering ---------------------------------------------------------------------------
    def count(self, cid: str, value: int, shown: Any = UNPUBLISHED, place: tuple | None = None, *,
              known: bool = False) -> str:
        """Register a count (again): ``shown`` is what one file shows of it (None = not there)."""
        value = int(value)
        cell = self.cells.get(cid)
        if cell is None:
            cell = self.cells[cid] = Cell(cid, value)
        elif cell.value != value:
            raise ValueError(f"release cell {cid!r} registered with two values ({cell.value}, {value})")
        kind = _kind(shown, self.k)
        if _RANK[kind] > _RANK[cell.kind]:
            cell.kind = kind
        if place is not None and kind != "none":
            cell.places.append(tuple(place))
        cell.known = cell.known or known
        return cid

    def equation(self, terms: dict[str, int], rhs: int = 0, label: str = "", *, strict: bool = True) -> None:
        """sum(coef * cell) == rhs; checked against the true values: a wrong link is a bug, unless
        ``strict=False`` (an identity across files that holds on most terms): then it is left out
        and listed in ``skipped``."""
        try:
            self._check(terms, rhs, label, lambda a, b: a == b)
        except ValueError:
            if strict:
                raise
            self.skipped.append(label)
            return
        self.equations.append((dict(terms), int(rhs), label))

    def total(self, total: str, parts: Iterable[str], label: str = "") -> None:
        """``total`` = sum of ``parts``."""
        terms: dict[str, int] = {}
        for p in parts:
            terms[p] = terms.get(p, 0) + 1
        terms[total] = terms.get(total, 0) - 1
        self.equation(terms, 0, label or f"{total} = sum of its parts")

    def at_most(self, terms: dict[str, int], rhs: int = 0, label: str = "") -> None:
        self._check(terms, rhs, label, lambda a, b: a <= b)
        self.inequalities.append((dict(terms), int(rhs), label))

    def share(self, sid: str, count: str, base: str, percent: float | None, decimals: int | None,
              place: tuple | None = None) -> None:
        """A published percentage of ``count`` in ``base`` (both registered cells)."""
        if percent is None or (isinstance(percent, float) and math.isnan(percent)):
            return
        s = self.shares.get(sid)
        if s is None or (decimals is None) or (s.decimals is not None and decimals > s.decimals):
            keep = s.places if s is not None else []
            s = self.shares[sid] = Share(sid, count, base, float(percent), decimals, keep)
        if place is not None:
            s.places.append(tuple(place))

    def _check(self, terms, rhs, label, ok) -> None:
        missing = [c for c in terms if c not in self.cells]
        if missing:
            raise ValueError(f"release equation {label!r} names unknown cells {missing}")
        lhs = sum(coef * self.cells[c].value for c, coef in terms.items())
        if not ok(lhs, rhs):
            raise ValueError(f"release equation {label!r} does not hold for the true values ({lhs} vs {rhs})")

    def display(self, cid: str) -> Any:
        """What the public files show of a cell: its value, "<k" or "x" (None if unpublished)."""
        c = self.cells[cid]
        return {"exact": c.value, "small": f"<{self.k}", "hidden": HIDDEN}.get(c.kind)

    # -- the reader's view ------------------------------------------------------------------------
    def targets(self) -> list[str]:
        """Cells the audit protects: every suppressed cell and every unpublished small count."""
        return [c.id for c in self.cells.values()
                if c.kind in ("small", "hidden") or (c.kind == "none" and 0 < c.value < self.k)]

    def to_dict(self) -> dict:
        return {"min_count": self.k,
                "cells": {c.id: {"value": c.value, "kind": c.kind, "known": c.known,
                                 "places": [list(map(str, p)) for p in c.places]} for c in self.cells.values()},
                "equations": [{"terms": t, "rhs": r, "label": lab} for t, r, lab in self.equations],
                "inequalities": [{"terms": t, "rhs": r, "label": lab} for t, r, lab in self.inequalities],
                "skipped": list(self.skipped),
                "shares": {s.id: {"count": s.count, "base": s.base, "percent": s.percent, "decimals": s.decimals,
                                  "withdrawn": s.withdrawn, "places": [list(map(str, p)) for p in s.places]}
                           for s in self.shares.values()}}

    @classmethod
    def from_dict(cls, d: dict) -> "Release":
        rel = cls(int(d["min_count"]))
        for cid, c in d["cells"].items():
            rel.cells[cid] = Cell(cid, int(c["value"]), c["kind"], [tuple(p) for p in c["places"]], bool(c["known"]))
        rel.equations = [(e["terms"], int(e["rhs"]), e["label"]) for e in d["equations"]]
        rel.inequalities = [(e["terms"], int(e["rhs"]), e["label"]) for e in d["inequalities"]]
        rel.skipped = list(d.get("skipped", []))
        for sid, s in d["shares"].items():
            rel.shares[sid] = Share(sid, s["count"], s["base"], float(s["percent"]), s["decimals"],
                                    [tuple(p) for p in s["places"]], bool(s["withdrawn"]))
        return rel

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> "Release":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# -- the audit --------------------------------------------------------------------------------------

def _share_rows(s: Share) -> list[tuple[dict[str, float], float]]:
    """100*count - (p+h)*base <= 0 and (p-h)*base - 100*count <= 0."""
    h = 1e-9 if s.decimals is None else 0.5 * 10.0 ** (-s.decimals) + 1e-9
    hi, lo = s.percent + h, s.percent - h
    if s.count == s.base:
        return []
    return [({s.count: 100.0, s.base: -hi}, 0.0), ({s.base: lo, s.count: -100.0}, 0.0)]


def _components(rel: Release) -> dict[str, int]:
    """Cells linked through the cells a reader does not know: a cell shown as a number is a
    constant in every equation, so it links nothing (each is a component of its own), and the
    integer programs stay as small as the unknown cells around each target."""
    parent: dict[str, str] = {c: c for c in rel.cells}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    groups = [list(t) for t, _, _ in rel.equations] + [list(t) for t, _, _ in rel.inequalities]
    groups += [[s.count, s.base] for s in rel.shares.values() if not s.withdrawn]
    for g in groups:
        g = [c for c in g if rel.cells[c].kind != "exact"]
        for other in g[1:]:
            ra, rb = find(g[0]), find(other)
            if ra != rb:
                parent[ra] = rb
    roots: dict[str, int] = {}
    return {c: roots.setdefault(find(c), len(roots)) for c in rel.cells}


def _bounds(cell: Cell, k: int, big: float) -> tuple[float, float]:
    if cell.kind == "exact":
        return float(cell.value), float(cell.value)
    if cell.kind == "small":
        return 1.0, float(k - 1)
    return 0.0, big


def _ranges(rel: Release, cells: list[str], targets: list[str], enough: int | None = None
            ) -> dict[str, tuple[int, int | None]]:
    """Smallest and largest consistent value of each target (integer programs over ``cells``).

    With ``enough``: a target whose values over the consistent tables found so far (the true one,
    and every optimum of an earlier program) already span ``enough`` is not solved for: its range
    is returned as seen, which is all the audit needs to know (it is at least that wide)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    index = {c: i for i, c in enumerate(cells)}
    n = len(cells)
    big = float(10 * sum(max(c.value, 1) for c in rel.cells.values()) + 10 * rel.k)
    lb, ub = zip(*(_bounds(rel.cells[c], rel.k, big) for c in cells))
    rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []

    def row(terms: Mapping[str, float], rhs: float) -> tuple[np.ndarray, float] | None:
        """The constraint over ``cells``; a cell outside them is shown exactly (a constant)."""
        if not any(c in index for c in terms):
            return None
        r = np.zeros(n)
        for c, coef in terms.items():
            if c in index:
                r[index[c]] += coef
            else:
                rhs -= coef * rel.cells[c].value
        return r, rhs

    for terms, rhs, _ in rel.equations:
        if (got := row(terms, rhs)) is not None:
            rows.append(got[0])
            lo.append(got[1])
            hi.append(got[1])
    ineqs: list[tuple[Mapping[str, float], float]] = [(t, r) for t, r, _ in rel.inequalities]
    ineqs += [tr for s in rel.shares.values() if not s.withdrawn for tr in _share_rows(s)]
    for le_terms, le_rhs in ineqs:
        if (got := row(le_terms, le_rhs)) is not None:
            rows.append(got[0])
            lo.append(-np.inf)
            hi.append(got[1])
    constraints = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    bounds = Bounds(np.array(lb), np.array(ub))
    integrality = np.ones(n)
    out: dict[str, tuple[int, int | None]] = {}
    seen_low = np.array([float(rel.cells[c].value) for c in cells])
    seen_high = seen_low.copy()
    for t in targets:
        i = index[t]
        for sign in (1.0, -1.0):
            if enough is not None and seen_high[i] - seen_low[i] >= enough:
                break
            objective = np.zeros(n)
            objective[i] = sign
            res = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
            if res.status != 0 or res.x is None:  # cannot happen: the true values are feasible
                raise RuntimeError(f"disclosure audit: no consistent table for {t!r} ({res.message})")
            x = np.round(res.x)
            seen_low, seen_high = np.minimum(seen_low, x), np.maximum(seen_high, x)
        low, high = round(seen_low[i]), round(seen_high[i])
        out[t] = (low, None if high >= big - 0.5 else high)
    return out


def required_width(k: int) -> int:
    """How far apart the smallest and largest consistent value of a protected cell must be:
    ceil((k-1)/2), at least 1 -- at least half of the k-1 values a "<k" marker allows stay possible
    (more cannot be promised: a "<k" cell is itself confined to 1..k-1, and two "<k" cells whose
    sum the published totals fix, as withdrawn + late = kept - accepted - wait-listed, share it)."""
    return max(1, math.ceil((int(k) - 1) / 2))


def _exposed(cell: Cell, low: int, high: int | None, k: int) -> bool:
    if cell.kind == "hidden" and low >= k:
        return False  # an "x" known to be at least k says nothing about anyone (large counts are published)
    return high is not None and high - low < required_width(k)


def audit(rel: Release, only: Iterable[str] | None = None) -> list[Exposure]:
    """Every protected cell the reader can narrow beyond the guarantee (module docstring)."""
    comp = _components(rel)
    targets = rel.targets() if only is None else [t for t in only if t in set(rel.targets())]
    by_comp: dict[int, list[str]] = {}
    for t in targets:
        by_comp.setdefault(comp[t], []).append(t)
    members: dict[int, list[str]] = {}
    for c, g in comp.items():
        if g in by_comp:
            members.setdefault(g, []).append(c)
    found = []
    for g, ts in by_comp.items():
        for t, (low, high) in _ranges(rel, members[g], ts, required_width(rel.k)).items():
            cell = rel.cells[t]
            if _exposed(cell, low, high, rel.k):
                found.append(Exposure(t, {"small": f"<{rel.k}", "hidden": HIDDEN}.get(cell.kind, "not published"),
                                      cell.value, low, high))
    return sorted(found, key=lambda e: e.cell)




def hidden_places(rel: Release) -> list[tuple]:
    """Where the protected model shows "x" that a file may still show as a number or a share."""
    out = [p for c in rel.cells.values() if c.kind == "hidden" for p in c.places]
    out += [p for s in rel.shares.values() if s.withdrawn for p in s.places]
    return out


def check(rel: Release, *, where: str = "public outputs") -> float:
    """Raise DisclosureAuditError (exit 4) if any protected cell can be narrowed; return the seconds taken."""
    started = time.perf_counter()
    found = audit(rel)
    if found:
        # names only: the ranges found would themselves disclose the counts
        lines = [f"{e.cell} (shown {e.kind})" for e in found[:10]]
        raise DisclosureAuditError(
            f"disclosure audit: {len(found)} suppressed count(s) in the {where} can be worked out from "
            f"the other published figures: " + "; ".join(lines),
            hint="nothing was published; this is a defect of the workbook's disclosure control, please report it")
    return time.perf_counter() - started


# -- cumulative series ------------------------------------------------------------------------------

def cumulative_series(rel: Release, prefix: str, base: str, attending: list[str], still: list[int],
                      shown: list[bool], place: tuple | None = None) -> list[str]:
    """Register a "still taking part" curve: ``still[j]`` people attended meeting j or a later one,
    of ``base`` people; ``attending[j]`` (registered cells) attended meeting j. The differences of
    consecutive points are the people whose last meeting was j (unpublished cells ``prefix/last/j``,
    and ``prefix/never`` for those who came to none): the curve publishes them unless protected.
    Returns the ids of the curve's cells."""
    ids = []
    for j, (n, ok) in enumerate(zip(still, shown), 1):
        ids.append(rel.count(f"{prefix}/still/{j}", n, n if ok else UNPUBLISHED,
                             (*place, j) if (ok and place) else None))
    m = len(ids)
    for j in range(m):
        rel.at_most({attending[j]: 1, ids[j]: -1}, 0, f"{prefix}: attending meeting {j + 1} <= still taking part")
        nxt = rel.cells[ids[j + 1]].value if j + 1 < m else 0
        last = rel.count(f"{prefix}/last/{j + 1}", rel.cells[ids[j]].value - nxt)
        rel.equation({ids[j]: 1, last: -1, **({ids[j + 1]: -1} if j + 1 < m else {})}, 0,
                     f"{prefix}: last meeting {j + 1} = still {j + 1} - still {j + 2}")
    if m:
        rel.equation({ids[-1]: 1, attending[-1]: -1}, 0, f"{prefix}: still taking part at the last meeting = attending it")
        never = rel.count(f"{prefix}/never", rel.cells[base].value - rel.cells[ids[0]].value)
        rel.equation({base: 1, ids[0]: -1, never: -1}, 0, f"{prefix}: base = still at meeting 1 + never came")
    return ids
