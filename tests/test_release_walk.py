"""Every number the demo term publishes is a cell of the audited release model, or is listed in
``release_tables.NOT_MODELLED`` with the reason it cannot narrow a protected count (issue 13).

Walks every sheet of the public workbooks (summary.xlsx, registration_summary.xlsx,
group_sizes.xlsx) cell by cell, and the numbers in the alt text of every chart of report.html; the
report's tables are rendered from the same tables as summary.xlsx. A count must equal what the
model shows at that place, a share must be the model's whole percent and not withdrawn.
"""
from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pytest
from test_e2e import DEMO, mentoring

from mentoring_lib.io import people_workbooks
from mentoring_lib.privacy import release, release_files
from mentoring_lib.errors import EXIT_OK
from mentoring_lib.steps.release_tables import NOT_MODELLED

pytestmark = pytest.mark.e2e

#: summary.xlsx sheet -> (the model's place name, the key columns of a row)
SHEETS = {"Reach": ("reach", ["measure"]), "Funnel": ("funnel", ["role", "step"]),
          "Trainings": ("trainings", ["session"]), "Meetings": ("meetings", ["meeting"]),
          "Survey response": ("response", ["survey"]), "Linkage": ("linkage", ["role", "reason"]),
          "Reaction": ("reaction", ["item"]), "Mentors": ("mentors", ["item"]), "Themes": ("themes", ["theme"]),
          "Groups": ("groups", ["group"]), "Reliable change": ("reliable_change", ["outcome_id"])}
LIKERT_COLUMNS = {"share_low": "low", "share_neutral": "neutral", "share_high": "high"}
TEXT_SHEETS = ("About", "Data dictionary")


@pytest.fixture(scope="module")
def demo_term(tmp_path_factory):
    reports = tmp_path_factory.mktemp("walk-reports")
    proc = mentoring("run", "--config", str(DEMO), reports=reports)
    assert proc.returncode == EXIT_OK, proc.stdout[-2000:] + proc.stderr[-2000:]
    return reports / "demo"


def _number(v) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return None if math.isnan(v) else float(v)
    text = str(v).strip()
    return float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else None


def _places(rel: release.Release):
    cells = {tuple(map(str, p)): c for c in rel.cells.values() for p in c.places}
    shares = {tuple(map(str, p)): s for s in rel.shares.values() for p in s.places}
    return cells, shares


def _allowed(sheet: str, column: str, key: str) -> bool:
    return (sheet, column) in NOT_MODELLED or (sheet, key) in NOT_MODELLED or (sheet, "*") in NOT_MODELLED


def walk(term: Path) -> tuple[list[str], int]:
    """(numbers found neither in the model nor in NOT_MODELLED, numbers checked)."""
    rel = release.Release.load(term / release_files.RELEASE_FILE)
    cells, shares = _places(rel)
    public = term / "public"
    bad, checked = [], 0

    def check(place: tuple, value: float, allowed: bool, what: str) -> None:
        nonlocal checked
        checked += 1
        cell, share = cells.get(place), shares.get(place)
        if cell is not None and cell.kind == "exact" and value == cell.value:
            return
        if share is not None and not share.withdrawn and round(value * 100) == share.percent:
            return
        if cell is None and share is None and allowed:
            return
        bad.append(f"{what} = {value} (model: {cell.kind + ' ' + str(cell.value) if cell else None}, "
                   f"share {share.percent if share else None})")

    summary = people_workbooks.read(public / "summary.xlsx")  # machine form: markers back in their columns
    for sheet, df in summary.items():
        if sheet in TEXT_SHEETS:
            continue
        if sheet == "Data quality":
            for _, r in df.iterrows():
                src = str(r["source"])
                for col in ("rows_read", "kept"):
                    if (v := _number(r[col])) is not None:
                        check(("quality", src, col), v, False, f"Data quality/{src}/{col}")
                for part in str(r["excluded"]).split(", "):
                    reason, _, n = part.rpartition(" ")
                    if (v := _number(n)) is not None:  # the table writes a reason's "_" as " "
                        raw = next((p[2] for p in cells if p[:2] == ("quality", src)
                                    and p[2].replace("_", " ") == reason), reason)
                        check(("quality", src, raw), v, False, f"Data quality/{src}/{reason}")
            continue
        where, keys = SHEETS.get(sheet, (sheet, []))
        for _, r in df.iterrows():
            key = "/".join(str(r[k]) for k in keys)
            for col in df.columns:
                if col in keys or (v := _number(r[col])) is None:
                    continue
                field = LIKERT_COLUMNS.get(col, col) if where in ("reaction", "mentors") else col
                check((where, key, field), v, _allowed(sheet, col, key), f"summary.xlsx/{sheet}/{key}/{col}")

    for name in ("registration_summary.xlsx", "group_sizes.xlsx"):
        for sheet, df in people_workbooks.read(public / name, index_col=0).items():
            for row, values in df.iterrows():
                for col, val in values.items():
                    if (v := _number(val)) is not None:
                        check((name, sheet, str(row), str(col)), v, False, f"{name}/{sheet}/{row}/{col}")

    page = (public / "report.html").read_text(encoding="utf-8")
    for alt in (html.unescape(a) for a in re.findall(r'alt="([^"]*)"', page)):
        checked += _walk_alt(alt, rel, bad)
    return bad, checked


def _walk_alt(alt: str, rel: release.Release, bad: list[str]) -> int:
    """The numbers of one chart's alt text against the model; returns how many were checked."""
    n = 0
    if alt.startswith("Funnel chart:"):
        role = "participant" if "Participants" in alt else "mentor"
        for step, count in re.findall(r"(\w+) (\d+) \(\d+%\)", alt):
            n += 1
            step = step.lower()
            cid = {"registered": f"applications/{role}", "accepted": f"status/accepted/{role}"}.get(
                step, f"funnel/{role}/{step}")
            if rel.display(cid) != int(count):
                bad.append(f"funnel alt {step} {count} (model {rel.display(cid)})")
    elif alt.startswith("Line chart:"):
        attending, _, still = alt.partition("Still taking part:")
        base = rel.cells["meetings/base"].value
        for j, pct in re.findall(r"Meeting (\d+) (\d+)%", attending):
            n += 1
            s = rel.shares.get(f"meetings/Meeting {j}/attending%")
            if s is None or s.withdrawn or s.percent != int(pct):
                bad.append(f"attendance alt Meeting {j} {pct}%")
        for j, pct in re.findall(r"Meeting (\d+) (\d+)%", still):
            n += 1
            c = rel.cells[f"meetings/curve/still/{j}"]
            if c.kind != "exact" or round(100 * c.value / base) != int(pct):
                bad.append(f"still taking part alt Meeting {j} {pct}% (model {c.kind})")
    elif alt.startswith("Diverging stacked bar chart:"):
        table = "mentors" if "Mentors'" in alt else "reaction"
        for item in re.split(r"; (?=[A-Z“])", alt.split("centred on zero. ")[-1].split(" Not charted")[0]):
            m = re.search(r"\(n=(\d+)\): (\d+)% [^,]+, (?:(\d+)% [^,]+, )?(\d+)% ", item)
            if not m:
                continue
            wording = item.split(" (n=")[0]
            ids = [c for c in rel.cells if c.startswith(f"likert/{table}/") and c.endswith("/n")
                   and rel.cells[c].value == int(m.group(1))]
            n += 1
            if not ids:
                bad.append(f"likert alt {wording}: n={m.group(1)} is no answered count of the model")
            hidden = {c.split("/")[2] for c in rel.cells if c.startswith(f"likert/{table}/")
                      and rel.cells[c].kind == "hidden"}
            hidden |= {s.split("/")[2] for s, sh in rel.shares.items() if s.startswith(f"likert/{table}/") and sh.withdrawn}
            if all(c.split("/")[2] in hidden for c in ids):
                bad.append(f"likert alt {wording}: charted, but the model hides a figure of it")
            # its "agree" share: the model's, of an item with that many answers
            agree = int(m.group(2))
            if not any(round(100 * rel.cells[c[:-2] + "/high"].value / int(m.group(1))) == agree for c in ids):
                bad.append(f"likert alt {wording}: {agree}% is no item's share")
    return n


def test_every_published_number_is_a_model_cell_or_listed_with_its_reason(demo_term):
    bad, checked = walk(demo_term)
    assert not bad, "\n".join(bad)
    assert checked > 300  # every sheet was walked


def test_walk_finds_a_number_the_model_hides(demo_term, tmp_path):
    """The walker is no test that cannot fail: a count written over an "x" of the model is found."""
    import shutil

    term = tmp_path / "demo"
    shutil.copytree(demo_term / "public", term / "public")
    (term / release_files.RELEASE_FILE).parent.mkdir(parents=True)
    shutil.copy(demo_term / release_files.RELEASE_FILE, term / release_files.RELEASE_FILE)
    rel = release.Release.load(term / release_files.RELEASE_FILE)
    cell = next(c for c in rel.cells.values() if c.kind == "hidden"
                and any(p[0] == "registration_summary.xlsx" for p in c.places))
    _, sheet, row, col = next(p for p in cell.places if p[0] == "registration_summary.xlsx")
    path = term / "public" / "registration_summary.xlsx"
    sheets = {name: df.astype(object) for name, df in people_workbooks.read(path, index_col=0).items()}
    sheets[sheet].loc[row, col] = cell.value
    people_workbooks.write(sheets, path, index=True)
    bad, _ = walk(term)
    assert any(f"{sheet}/{row}/{col}" in b for b in bad)
