"""The run folder's disclosure check: its saved release model audited again, its public files read back against it.

The report stage saves the protected :class:`~mentoring_lib.privacy.release.Release` to
:data:`RELEASE_FILE`; before publishing, the runner calls :func:`check_run`: it audits the model
again (exit 4 if a suppressed count can be worked out, or if there is a report and no model) and,
with :func:`files_showing_more`, makes sure no public workbook shows more of a cell than the audited
model (a stage that wrote a public file after the report stage protected the release).

Privacy domain: public files, read back; the model read from ``private/`` holds the true small
counts and is never shown: messages name cells and places, never values.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

from mentoring_lib.privacy.release import _RANK, DisclosureAuditError, Release, _kind, check


RELEASE_FILE = Path("private") / "release" / "release.json"


def check_run(run_dir: Path) -> float | None:
    """The runner's audit of a run's saved release model (written by the report stage): raise
    DisclosureAuditError (exit 4) if a suppressed count can be worked out, or if there is a report
    but no model; return the seconds taken, or None when the run has neither."""
    path = Path(run_dir) / RELEASE_FILE
    if not path.is_file():
        if (Path(run_dir) / "public" / "report.html").is_file():  # fail closed: a report nobody audited
            raise DisclosureAuditError("disclosure audit: the report has no release model to audit "
                                       f"({RELEASE_FILE} is missing); nothing was published",
                                       hint="run the report stage again (mentoring run --from report)")
        return None
    started = time.perf_counter()
    rel = Release.load(path)
    check(rel)
    louder = files_showing_more(Path(run_dir) / "public", rel)
    if louder:
        raise DisclosureAuditError(
            f"disclosure audit: {len(louder)} public cell(s) show more than the audited release model: "
            + "; ".join(louder[:10]),
            hint="a stage wrote a public file after the report stage protected the release; run the term "
                 "again from that stage (mentoring run --from STAGE) so the report stage runs after it")
    return time.perf_counter() - started


def files_showing_more(public: Path, rel: Release) -> list[str]:
    """Cells of the public workbooks that show more than the model says (a number where it has
    "<k" or "x", "<k" where it has "x"): the consistency check between the files and the audited
    model, for registration_summary.xlsx (status, school, doctoral_year), group_sizes.xlsx and
    summary.xlsx (Reach, Data quality, Meetings)."""
    from mentoring_lib.io import people_workbooks

    def read(name: str, **kw) -> dict:
        path = public / name
        return people_workbooks.read(path, **kw) if path.is_file() else {}

    registration = {(name, sheet): df for name in ("registration_summary.xlsx", "group_sizes.xlsx")
                    for sheet, df in read(name, index_col=0).items()}
    summary = read("summary.xlsx")
    out = []
    for c in rel.cells.values():
        model = _RANK[c.kind]
        for place in c.places:
            shown = _shown_at(place, registration, summary)
            if shown is None:
                continue
            if isinstance(shown, str) and place[0] == "quality" and place[2] not in ("rows_read", "kept"):
                reason = place[2].replace("_", " ")
                shown = next((shown[len(reason) + 1:] for shown in shown.split(", ") if shown.startswith(reason + " ")),
                             None)
                if shown is None:
                    continue
            if _RANK[_kind(shown, rel.k)] > model:
                out.append(f"{'/'.join(map(str, place))} (model: {c.kind})")
    return out


def _shown_at(place: tuple, registration: dict, summary: dict):
    try:
        if place[0] in ("registration_summary.xlsx", "group_sizes.xlsx"):
            sheet = registration.get((place[0], place[1]))
            return None if sheet is None else sheet.loc[place[2], place[3]]
        sheet = {"reach": ("Reach", "measure"), "quality": ("Data quality", "source"),
                 "meetings": ("Meetings", "meeting")}.get(place[0])
        if sheet is None or sheet[0] not in summary:
            return None
        df = summary[sheet[0]]
        col = place[2] if place[0] != "quality" or place[2] in ("rows_read", "kept") else "excluded"
        value = df.loc[df[sheet[1]].astype(str) == str(place[1]), col]
        return None if value.empty or _blank(value.iloc[0]) else value.iloc[0]
    except KeyError:
        return None


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))
