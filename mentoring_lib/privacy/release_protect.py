"""Secondary suppression: hide further cells of the release model until no suppressed count can be worked out.

:func:`protect` hides shown cells (a number becomes "x") and withdraws published shares of a
:class:`~mentoring_lib.privacy.release.Release`, nearest link first, until its
:func:`~mentoring_lib.privacy.release.audit` passes; :func:`protected_cumulative` chooses the points
of a "still taking part" curve that can be drawn (:func:`~mentoring_lib.privacy.release.cumulative_series`).

Privacy domain: public. It decides what the public files show, from the release model (aggregates,
and the true values of suppressed cells, which it never shows).
"""
from __future__ import annotations

import math

from mentoring_lib.privacy.release import (HIDDEN, Exposure, Release, _components, _exposed, _ranges, audit,
                                           cumulative_series, required_width)


def _links(rel: Release) -> list[tuple[list[str], list[str]]]:
    """(cells, shares) of every equation, inequality and live share."""
    out: list[tuple[list[str], list[str]]] = [(list(t), []) for t, _, _ in rel.equations + rel.inequalities]
    out += [([s.count, s.base], [s.id]) for s in rel.shares.values() if not s.withdrawn]
    return out


def _distances(rel: Release, cid: str) -> dict[str, int]:
    """Equations between ``cid`` and each cell and share linked to it (a share: its count's)."""
    dist, share_dist = _bfs(rel, cid)
    return {**dist, **share_dist}


def _bfs(rel: Release, cid: str) -> tuple[dict[str, int], dict[str, int]]:
    links = _links(rel)
    dist = {cid: 0}
    frontier = [cid]
    share_dist: dict[str, int] = {}
    while frontier:
        nxt = []
        for c in frontier:
            for cells, shares in links:
                if c in cells:
                    for s in shares:
                        share_dist.setdefault(s, dist[c])
                    for o in cells:
                        if o not in dist:
                            dist[o] = dist[c] + 1
                            nxt.append(o)
        frontier = nxt
    return dist, share_dist


def _candidates(rel: Release, cid: str) -> list[tuple[str, str]]:
    """What may be hidden to protect ``cid``: shares and shown cells linked to it, nearest first
    (by the number of equations between them), shares before cells, then non-zero and smallest,
    then by id."""
    dist, share_dist = _bfs(rel, cid)
    shown = [c for c in dist if rel.cells[c].kind == "exact" and not rel.cells[c].known]
    shown.sort(key=lambda c: (dist[c], rel.cells[c].value == 0, rel.cells[c].value, c))
    keyed = [((share_dist[s], 0, False, 0, s), ("share", s)) for s in share_dist]
    keyed += [((dist[c], 1, rel.cells[c].value == 0, rel.cells[c].value, c), ("cell", c)) for c in shown]
    return [cand for _, cand in sorted(keyed)]


def protect(rel: Release, max_steps: int = 500) -> list[str]:
    """Hide further cells (shown -> "x") and withdraw shares until :func:`audit` passes.

    Deterministic: for the first exposed cell (by id), the first candidate of :func:`_candidates`
    that protects it alone, else the one that widens its range most, and look again. Returns the
    ids hidden or withdrawn. After each change only the linked components it touched are audited
    again (those holding the changed cell before and after the change: hiding a cell links the
    unknown cells of its equations, withdrawing a share can split a component); the others'
    constraints are unchanged, and so are their ranges."""
    changed: list[str] = []
    exposures = audit(rel)
    for _ in range(max_steps):
        if not exposures:
            return changed
        target = exposures[0].cell
        before = _components(rel)
        if exposures[0].kind == HIDDEN and exposures[0].value == 0 and exposures[0].high == 0:
            # an "x" that can only be 0: show the 0 (true zeros are published; a zero describes nobody)
            rel.cells[target].kind = "exact"
            changed.append(target)
            exposures = _audit_again(rel, exposures, before, [target])
            continue
        candidates = _candidates(rel, target)
        if not candidates:
            return changed  # nothing left to hide here: the caller's audit fails the run
        e = exposures[0]
        best, best_width = None, math.inf if e.high is None else e.high - e.low
        distance = _distances(rel, target)
        for what, cid in candidates:
            if best is not None and distance.get(cid, 0) > distance.get(best[1], 0):
                break  # a nearer change already widens the range: take it, and look again
            _hide(rel, what, cid)
            low, high = _range_of(rel, target)
            _hide(rel, what, cid, undo=True)
            if not _exposed(rel.cells[target], low, high, rel.k):
                best = (what, cid)
                break
            width = math.inf if high is None else high - low
            if width > best_width:  # none suffices alone: the one that widens the range most
                best, best_width = (what, cid), width
        if best is None:  # nothing widens it alone: hide the nearest shown cell (it adds an unknown)
            best = next((c for c in candidates if c[0] == "cell"), candidates[0])
        _hide(rel, *best)
        changed.append(best[1])
        touched = [rel.shares[best[1]].count, rel.shares[best[1]].base] if best[0] == "share" else [best[1]]
        exposures = _audit_again(rel, exposures, before, touched)
    return changed


def _audit_again(rel: Release, exposures: list[Exposure], before: dict[str, int],
                 touched: list[str]) -> list[Exposure]:
    """The exposures after a change to ``touched``: those of untouched components as they were, the
    touched components (as linked before the change) audited again."""
    after = _components(rel)  # a cell hidden links what it was a constant in: components can merge
    dirty_before, dirty_after = {before[c] for c in touched}, {after[c] for c in touched}

    def dirty(c: str) -> bool:
        return before[c] in dirty_before or after[c] in dirty_after

    kept = [e for e in exposures if not dirty(e.cell)]
    again = audit(rel, only=[t for t in rel.targets() if dirty(t)])
    return sorted(kept + again, key=lambda e: e.cell)


def _range_of(rel: Release, cid: str) -> tuple[int, int | None]:
    comp = _components(rel)
    members = [c for c, g in comp.items() if g == comp[cid]]
    return _ranges(rel, members, [cid], required_width(rel.k))[cid]


def _hide(rel: Release, what: str, cid: str, undo: bool = False) -> None:
    if what == "share":
        rel.shares[cid].withdrawn = not undo
    else:
        rel.cells[cid].kind = "exact" if undo else "hidden"


def protected_cumulative(still: list[int], attending: list[int], base: int, min_count: int) -> list[bool]:
    """Which points of a "still taking part" curve can be published (see :func:`cumulative_series`):
    all of them at first; while the audit can narrow the number of people whose last meeting was
    some j, the point at j (else j+1) is dropped. The attending counts and the base are taken as
    published (they are, in the meetings table)."""
    shown = [True] * len(still)
    for _ in range(len(still) + 1):
        rel = Release(min_count)
        b = rel.count("base", base, base)
        att = [rel.count(f"attending/{j}", n, n) for j, n in enumerate(attending, 1)]
        cumulative_series(rel, "curve", b, att, list(still), shown)
        exposed = [e.cell for e in audit(rel)]
        if not exposed:
            return shown
        first = exposed[0]
        j = 1 if first.endswith("/never") else int(first.rsplit("/", 1)[1])
        drop = next((i for i in (j - 1, j) if i < len(shown) and shown[i]), None)
        if drop is None:
            drop = max(i for i, ok in enumerate(shown) if ok) if any(shown) else None
        if drop is None:
            return shown
        shown[drop] = False
    return shown
